"""The Log joined to the contacts and rolled up per contact, as whole columns.

A Log of 300,000 touches names the same people again and again. Each distinct Who is
matched once, by a hash join in Arrow (`pyarrow.compute.index_in`): an email first,
then a name that exactly one contact has. The matched touches are then rolled up per
contact with numpy (`np.maximum.at`), once for every cut-off date the planner needs,
without matching again.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    """`headers.normalise_header` of every string, as an object array.

    Lower case, accents folded (NFKD), everything but a-z and 0-9 removed, in Arrow's
    string kernels; names with letters beyond Latin (or ß) go through Python.
    """
    array = pa.array(names, type=pa.string())
    decomposed = pc.call_function("utf8_normalize", [array], pc.Utf8NormalizeOptions("NFKD"))
    keys = pc.replace_substring_regex(pc.utf8_lower(decomposed), r"[^0-9a-z]", "")
    found: np.ndarray = keys.to_numpy(zero_copy_only=False).astype(object)
    special = pc.match_substring_regex(array, _PYTHON_ONLY)
    for at in np.flatnonzero(special.to_numpy(zero_copy_only=False)).tolist():
        found[at] = normalise_header(names[at])
    return found


def _folded(texts: list[str]) -> pa.StringArray:
    """Case-folded strings: Arrow's ASCII lower case, and Python's casefold for the few
    strings with other letters."""
    array = pa.array(texts, type=pa.string())
    lowered = pc.ascii_lower(array)
    other = pc.invert(pc.string_is_ascii(array))
    at = np.flatnonzero(other.to_numpy(zero_copy_only=False))
    if not len(at):
        return lowered
    folded = pa.array([texts[i].casefold() for i in at.tolist()], type=pa.string())
    replaced: pa.StringArray = pc.replace_with_mask(lowered, other, folded)
    return replaced


def _first_match(keys: pa.Array, values: pa.Array) -> np.ndarray:  # type: ignore[type-arg]
    """Position in `values` of each key's first equal value; -1 for none (nulls match none)."""
    found = pc.index_in(keys, value_set=values, skip_nulls=True)
    positions: np.ndarray = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return positions


def match_log(log: LogSheet, emails: list[str], names: list[str]) -> LogMatch:
    """Match every touch of `log` to a contact (positions into `emails` and `names`).

    An email matches first (case folded; when two contacts share one, the later row);
    otherwise the normalised name, when exactly one contact has it.
    """
    frame = log.frame
    codes, distinct = pd.factorize(frame["who"].to_numpy(dtype=object))
    who = [str(w) for w in distinct.tolist()]
    count = len(emails)
    # Reversed, so that the first match found is the last row with that email.
    reversed_emails = _folded(emails[::-1])
    contact_emails = pc.if_else(
        pc.equal(reversed_emails, pa.scalar("")), pa.scalar(None, pa.string()), reversed_emails
    )
    by_email = _first_match(_folded(who), contact_emails)
    row = np.where(by_email >= 0, count - 1 - by_email, -1)
    ambiguous = np.zeros(len(who), dtype=bool)
    unmatched = np.flatnonzero(row < 0)
    if len(unmatched):
        # Distinct keys in order of first appearance, each with its first row and count.
        key_codes, key_values = pd.factorize(normalise_names(names))
        keys = np.asarray(key_values, dtype=object)
        counts = np.bincount(key_codes, minlength=len(keys))
        first = np.full(len(keys), len(names), dtype=np.int64)
        np.minimum.at(first, key_codes, np.arange(len(names), dtype=np.int64))
        named = keys != ""
        unique_keys = pa.array(keys[named & (counts == 1)].tolist(), type=pa.string())
        unique_rows = first[named & (counts == 1)]
        shared = pa.array(keys[named & (counts > 1)].tolist(), type=pa.string())
        wanted = pa.array(
            normalise_names([who[i] for i in unmatched.tolist()]),
            type=pa.string(),
        )
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
    dates = frame["date"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    return LogMatch(
        position=per_touch[kept],
        date=dates[kept],
        kind=frame["kind"].to_numpy(dtype=object)[kept],
        problems=problems,
    )


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
    last = np.full(count, NOT_A_TIME, dtype=np.int64)
    np.maximum.at(last, position, date)
    kind_codes, kinds = pd.factorize(kind)
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
