"""The Log joined to the contacts and rolled up per contact, as whole columns.

A Log of 300,000 touches names the same people again and again. Each distinct Who is
matched once, by a hash join in Arrow (`pyarrow.compute.index_in`): an email first,
then a name that exactly one contact has. The matched touches are then rolled up per
contact with numpy (`np.maximum.at`), once for every cut-off date the planner needs,
without matching again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sheets_keepup.core.headers import normalise_header
from sheets_keepup.core.model import Problem
from sheets_keepup.core.parse import LogSheet

NOT_A_TIME = np.iinfo(np.int64).min
"""NaT as int64 nanoseconds: the least value, so a maximum never picks it over a date."""

# Names holding a character this matches are normalised in Python, the rest in Arrow:
# Python's casefold turns ß into ASCII where a lower case keeps it, and Arrow's Unicode
# tables may be newer than Python's, so only Latin letters (up to U+024F), whose
# decompositions have not changed in decades, are left to Arrow.
_PYTHON_ONLY = r"[ßẞ]|[^\x{0000}-\x{024F}]"


@dataclass(frozen=True)
class LogMatch:
    """The Log's readable touches that match a contact, in sheet order."""

    position: np.ndarray
    """Each touch's contact, as a position in the contact frame (int64)."""
    date: np.ndarray
    """Each touch's date, int64 nanoseconds."""
    kind: np.ndarray
    """Each touch's kind, case-folded (object)."""
    kind_code: np.ndarray
    """Each touch's kind as a position in `kinds` (int64)."""
    kinds: np.ndarray
    """The distinct kinds (object)."""
    problems: list[Problem]
    """The Log's own problems, then one per touch that matches nobody or several people."""


@dataclass(frozen=True)
class RolledUp:
    """Per contact (in frame order): what the Log adds, int64 nanoseconds, NOT_A_TIME
    where nothing."""

    last: np.ndarray
    in_person: np.ndarray
    meeting: np.ndarray
    """The in-person meeting a thank-you is still owed for."""
    meeting_kind: np.ndarray
    """The kind of the latest in-person meeting ('' when none; object)."""


def normalise_names(names: list[str]) -> np.ndarray:
    """`headers.normalise_header` of every string, as an object array."""
    keys: np.ndarray = _normalised(pa.array(names, type=pa.string())).to_numpy(zero_copy_only=False)
    return keys.astype(object)


def _normalised(array: pa.StringArray) -> pa.StringArray:
    """`headers.normalise_header` of every string (no nulls), as Arrow strings.

    Lower case, accents folded (NFKD), everything but a-z and 0-9 removed, in Arrow's
    string kernels; names with letters beyond Latin (or ß) go through Python.
    """
    decomposed = pc.call_function("utf8_normalize", [array], pc.Utf8NormalizeOptions("NFKD"))
    keys = _keep_digits_and_letters(pc.utf8_lower(decomposed))
    special = np.flatnonzero(
        pc.match_substring_regex(array, _PYTHON_ONLY).to_numpy(zero_copy_only=False)
    )
    if not len(special):
        return keys
    mask = np.zeros(len(array), dtype=bool)
    mask[special] = True
    texts = [str(t) for t in array.take(special).to_pylist()]
    exact = pa.array([normalise_header(t) for t in texts], type=pa.string())
    replaced: pa.StringArray = pc.replace_with_mask(keys, pa.array(mask), exact)
    return replaced


_DIGIT_0, _DIGIT_9, _LETTER_A, _LETTER_Z = (ord(c) for c in "09az")


def _keep_digits_and_letters(array: pa.StringArray) -> pa.StringArray:
    """Every string with all but the bytes 0-9 and a-z dropped, on the raw UTF-8 bytes.

    Bytes of a character beyond ASCII are all 0x80 or more, so dropping bytes outside
    0-9 a-z drops such characters whole, as a per-character filter would.
    """
    array = pa.concat_arrays([array]) if array.offset else array
    _validity, offsets_buffer, data_buffer = array.buffers()
    if offsets_buffer is None or data_buffer is None:
        return array
    offsets = np.frombuffer(offsets_buffer, dtype=np.int32, count=len(array) + 1)  # type: ignore[call-overload]
    data = np.frombuffer(
        data_buffer, dtype=np.uint8
    )[  # type: ignore[call-overload]
        offsets[0] : offsets[-1]
    ]
    keep = ((data >= _DIGIT_0) & (data <= _DIGIT_9)) | ((data >= _LETTER_A) & (data <= _LETTER_Z))
    kept_before = np.zeros(len(data) + 1, dtype=np.int32)
    np.cumsum(keep, dtype=np.int32, out=kept_before[1:])
    new_offsets = kept_before[offsets - offsets[0]]
    kept: pa.StringArray = pa.StringArray.from_buffers(
        len(array), pa.py_buffer(new_offsets), pa.py_buffer(data[keep].tobytes())
    )
    return kept


def _folded(array: pa.StringArray) -> pa.StringArray:
    """Case-folded strings: Arrow's ASCII lower case, and Python's casefold for the few
    strings with other letters."""
    lowered = pc.ascii_lower(array)
    other = pc.invert(pc.string_is_ascii(array))
    at = np.flatnonzero(other.to_numpy(zero_copy_only=False))
    if not len(at):
        return lowered
    texts = [str(t) for t in array.take(at).to_pylist()]
    folded = pa.array([t.casefold() for t in texts], type=pa.string())
    replaced: pa.StringArray = pc.replace_with_mask(lowered, other, folded)
    return replaced


def _first_match(keys: pa.Array, values: pa.Array) -> np.ndarray:  # type: ignore[type-arg]
    """Position in `values` of each key's first equal value; -1 for none (nulls match none)."""
    found = pc.index_in(keys, value_set=values, skip_nulls=True)
    positions: np.ndarray = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return positions


def _who_column(who: pd.Series) -> pa.StringArray:
    """The Who column as one Arrow string array: as it is when read into Arrow (see
    `parse.read_log`), converted from Python strings otherwise."""
    if isinstance(who.dtype, pd.StringDtype | pd.ArrowDtype):
        column = pa.array(who.array)
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        return cast(pa.StringArray, column.cast(pa.string()))
    return pa.array(who.to_numpy(dtype=object), type=pa.string())


def match_log(log: LogSheet, emails: list[str], names: list[str]) -> LogMatch:
    """Match every touch of `log` to a contact (positions into `emails` and `names`).

    An email matches first (case folded; when two contacts share one, the later row);
    otherwise the normalised name, when exactly one contact has it.
    """
    frame = log.frame
    # Each distinct Who once: Arrow hashes the column faster than pandas' object factorize.
    encoded = _who_column(frame["who"]).dictionary_encode()
    codes = encoded.indices.to_numpy().astype(np.int64)
    who = cast(pa.StringArray, encoded.dictionary)
    count = len(emails)
    # Reversed, so that the first match found is the last row with that email.
    reversed_emails = _folded(pa.array(emails[::-1], type=pa.string()))
    contact_emails = pc.if_else(
        pc.equal(reversed_emails, pa.scalar("")), pa.scalar(None, pa.string()), reversed_emails
    )
    by_email = _first_match(_folded(who), contact_emails)
    row = np.where(by_email >= 0, count - 1 - by_email, -1)
    ambiguous = np.zeros(len(who), dtype=bool)
    unmatched = np.flatnonzero(row < 0)
    if len(unmatched):
        # Distinct keys in order of first appearance, each with its first row and count.
        key_encoded = _normalised(pa.array(names, type=pa.string())).dictionary_encode()
        key_codes = key_encoded.indices.to_numpy().astype(np.int64)
        keys = cast(pa.StringArray, key_encoded.dictionary)
        counts = np.bincount(key_codes, minlength=len(keys))
        first = np.full(len(keys), len(names), dtype=np.int64)
        np.minimum.at(first, key_codes, np.arange(len(names), dtype=np.int64))
        named = pc.not_equal(keys, pa.scalar("")).to_numpy(zero_copy_only=False)
        unique = named & (counts == 1)
        unique_keys = keys.filter(pa.array(unique))
        unique_rows = first[unique]
        shared = keys.filter(pa.array(named & (counts > 1)))
        wanted = _normalised(who.take(unmatched))
        hit = _first_match(wanted, unique_keys)
        found = hit >= 0
        row[unmatched[found]] = unique_rows[hit[found]]
        ambiguous[unmatched] = pc.is_in(wanted, value_set=shared).to_numpy(zero_copy_only=False)
    per_touch = row[codes]
    problems = list(log.problems)
    missing = np.flatnonzero(per_touch < 0)
    sheet_rows = frame.index.to_numpy()
    for at in missing.tolist():
        # The cell is named, not quoted: it may hold an email, which summaries never show.
        why = (
            "matches several contacts; write their email instead"
            if ambiguous[codes[at]]
            else "matches no contact's name or email"
        )
        problems.append(Problem(log.tab, int(sheet_rows[at]), log.who_col, why))
    kept = per_touch >= 0
    kind = frame["kind"].to_numpy(dtype=object)[kept]
    # Once here, not at every roll-up: the planner rolls the Log up for two days.
    kind_code, kinds = pd.factorize(kind)
    dates = frame["date"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    return LogMatch(
        position=per_touch[kept],
        date=dates[kept],
        kind=kind,
        kind_code=kind_code,
        kinds=np.asarray(kinds, dtype=object),
        problems=problems,
    )


def latest_of_kind(match: LogMatch, count: int, word: str, until: np.int64) -> np.ndarray:
    """Per contact, the latest touch up to `until` whose kind holds `word` ('birthday'
    finds "birthday note" and "birthday call"); NOT_A_TIME where none."""
    wanted = np.array([word in str(k) for k in match.kinds.tolist()], dtype=bool)
    chosen = wanted[match.kind_code] & (match.date <= until)
    latest = np.full(count, NOT_A_TIME, dtype=np.int64)
    np.maximum.at(latest, match.position[chosen], match.date[chosen])
    return latest


def roll_up(
    match: LogMatch,
    count: int,
    in_person_kinds: frozenset[str],
    thank_you_kinds: frozenset[str],
    thank_you_since: np.int64,
    until: np.int64,
) -> RolledUp:
    """Per contact: the latest touch and in-person meeting dated up to `until`, and the
    meeting from `thank_you_since` on that no later touch (or a thank-you that day) has
    followed yet."""
    within = match.date <= until
    position, date, kind = match.position[within], match.date[within], match.kind[within]
    kind_codes, kinds = match.kind_code[within], match.kinds
    last = np.full(count, NOT_A_TIME, dtype=np.int64)
    np.maximum.at(last, position, date)
    is_meeting = np.isin(kinds, list(in_person_kinds))[kind_codes]
    is_thanks = np.isin(kinds, list(thank_you_kinds))[kind_codes]
    meeting_position, meeting_date = position[is_meeting], date[is_meeting]
    in_person = np.full(count, NOT_A_TIME, dtype=np.int64)
    np.maximum.at(in_person, meeting_position, meeting_date)
    # The kind of each contact's latest meeting; on a tie, the one lower in the Log.
    order = np.lexsort((np.arange(len(meeting_date)), meeting_date, meeting_position))
    ends = np.flatnonzero(np.diff(meeting_position[order], append=-1) != 0)
    meeting_kind = np.full(count, "", dtype=object)
    meeting_kind[meeting_position[order][ends]] = kind[is_meeting][order][ends]
    recent = np.where(in_person >= thank_you_since, in_person, NOT_A_TIME)
    owed_for = recent[position]
    pending = owed_for != NOT_A_TIME
    followed = pending & ((date > owed_for) | (is_thanks & (date >= owed_for)))
    meeting = recent.copy()
    meeting[position[followed]] = NOT_A_TIME
    return RolledUp(last, in_person, meeting, meeting_kind)
