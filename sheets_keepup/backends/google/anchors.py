"""Row anchors: developer metadata that ties each contact row to the person on it.

A write located by row number lands on the wrong person when the user inserts, deletes
or sorts rows between the read and the write. Google moves developer metadata attached
to a row with that row (and deletes it with it), and
`spreadsheets.values.batchUpdateByDataFilter` writes to wherever the metadata is now.
So each contact row carries one anchor whose value is derived from who is on it (name
and email, hashed; the n-th row with the same pair gets ".n"), and the values of that
row are written through the anchor, never through a row number.

Deriving the value from the person, not from a position, means the two reads of a sync
need not agree on row numbers: an anchor found anywhere in the sheet with Ann's value
is Ann's row. Only a new anchor is placed by row number; `misplaced` checks where new
anchors landed against the sheet as it was right after the write that placed them.

Pure functions; the backend does the requests.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sheets_keepup.core.model import CellValue, Identity

ROW_KEY = "keepup.row"
"""The developer metadata key of a row anchor."""
_VALUE = re.compile(r"k[0-9a-f]{12}(\.[0-9]+)?")


@dataclass(frozen=True)
class Anchor:
    """One row anchor as read: its value, the row it sits on now, and its id if known."""

    value: str
    row: int
    metadata_id: int = 0


def person_key(who: tuple[str, str]) -> str:
    """A short value for a (name, email) pair; no contact data in the metadata.

    48 bits of a hash: two people of a sheet of 100,000 share one with a chance of about
    one in 56,000 (and then only swap who is "the second one" between them).
    """
    digest = hashlib.sha256("\x1f".join(who).casefold().encode()).hexdigest()
    return "k" + digest[:12]


def is_anchor_value(value: str) -> bool:
    """Does a row metadata value look like an anchor's?

    The nightly read asks for values only (the key would add a quarter to it), so an
    anchor is told from other row metadata by its shape.
    """
    return _VALUE.fullmatch(value) is not None


def row_keys(rows: Sequence[Sequence[CellValue]], identity: Identity, first: int) -> dict[int, str]:
    """The anchor value of every row from `first` down that holds someone.

    Rows with neither name nor email hold no one and get no anchor.
    """
    keys: dict[int, str] = {}
    seen: dict[str, int] = {}
    for row in range(first, len(rows)):
        who = identity.of(rows[row])
        if who == ("", ""):
            continue
        base = person_key(who)
        count = seen.get(base, 0)
        seen[base] = count + 1
        keys[row] = base if count == 0 else f"{base}.{count}"
    return keys


@dataclass(frozen=True)
class AnchorPlan:
    """What a write must do to the anchors before values can go through them."""

    create: Mapping[int, str]
    """Rows that hold someone and have no anchor with their value: row -> value."""
    delete: tuple[str, ...]
    """Values of anchors no row has any more (the person left or was renamed), and of
    values two anchors share (both go; the row that is touched gets one again)."""


ANCHOR_CHARACTERS = 27_000
"""How much metadata (keys and values) the anchors of one tab may take. Google caps the
metadata of a sheet at 30,000 characters; the rest is left for the tool's column marks
and anyone else's metadata. At 23 characters an anchor, that is about 1,170 rows."""


def anchor_size(value: str) -> int:
    return len(ROW_KEY) + len(value)


def plan_anchors(
    keys: Mapping[int, str],
    anchors: Sequence[Anchor],
    rows: set[int],
    budget: int = ANCHOR_CHARACTERS,
) -> AnchorPlan:
    """Anchors to create for `rows` (the rows the write touches) and stale ones to drop.

    New anchors stop at `budget` characters for the tab, in row order; the rows past it
    keep no anchor (`AnchorPlan.create` leaves them out) and are written by position.
    """
    wanted = set(keys.values())
    count: dict[str, int] = {}
    for anchor in anchors:
        count[anchor.value] = count.get(anchor.value, 0) + 1
    delete = sorted(v for v, n in count.items() if v not in wanted or n > 1)
    have = {v for v, n in count.items() if n == 1}
    room = budget - sum(anchor_size(v) for v in have)
    create: dict[int, str] = {}
    for row in sorted(rows):
        value = keys.get(row)
        if value is None or value in have:
            continue
        room -= anchor_size(value)
        if room < 0:
            break
        create[row] = value
    return AnchorPlan(create, tuple(delete))


def misplaced(
    created: Mapping[str, int],
    anchors: Sequence[Anchor],
    keys_now: Mapping[int, str],
) -> tuple[list[str], dict[int, str]]:
    """New anchors that landed on someone else, and where they belong.

    `created` maps each new anchor's value to the row it was aimed at; `anchors` and
    `keys_now` are the anchors and the row keys as the sheet stood right after the
    write that placed them. Returns the values to delete and the rows (as they stand
    now) to anchor again.
    """
    by_value = {key: row for row, key in keys_now.items()}
    drop: list[str] = []
    again: dict[int, str] = {}
    for anchor in anchors:
        if anchor.value not in created:
            continue
        if keys_now.get(anchor.row) != anchor.value:
            drop.append(anchor.value)
            if anchor.value in by_value:
                again[by_value[anchor.value]] = anchor.value
    return drop, again
