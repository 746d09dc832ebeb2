"""Compare a plan with what the sheet already shows; keep only what must change.

The diff is what makes a second sync free: identical values and colours produce an
empty ChangeSet, and an empty ChangeSet is never sent.

Colours are conditional formats the tool owns (`core.highlight`), keyed on the owned
Status: the diff sends them only when the rules on the sheet differ from the wanted ones.
Fills that versions before the rules painted are taken off once, as their record in the
state folder (`Painted`) says; a colour the user set is never touched.

The tool writes only to columns it created and marked; `claim_owned_columns` refuses a
user's column that bears an owned name before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import repeat
from operator import itemgetter

import numpy as np
import pandas as pd

from sheets_keepup.core.dates import MAX_SERIAL, MIN_SERIAL, SHEETS_EPOCH, as_date
from sheets_keepup.core.distinct import EMPTY, factorize, spread
from sheets_keepup.core.errors import DataError
from sheets_keepup.core.highlight import (
    column_runs,
    highlight_rules,
    same_colour,
    same_highlight,
)
from sheets_keepup.core.model import (
    CellValue,
    CellWrite,
    ChangeSet,
    Identity,
    Painted,
    Previous,
    Problem,
    RowFill,
    Tab,
    WriteValue,
)
from sheets_keepup.core.parse import ContactSheet
from sheets_keepup.core.planner import STATUSES, Plan
from sheets_keepup.core.settings import Config

OWNED_KEYS = ("next_action", "due", "status")
"""The owned columns the plan fills in."""
DONE_KEY = "done"
"""The Done box column: created with the others, but the user fills it (core.done)."""


def created_keys(config: Config) -> tuple[str, ...]:
    """Every owned column a sync creates when missing: the planned ones, then Done."""
    return (*OWNED_KEYS, DONE_KEY) if config.columns.owned.done else OWNED_KEYS


def owned_columns(contacts: ContactSheet, config: Config) -> tuple[dict[str, int], list[CellWrite]]:
    """Column of each owned field; missing ones go right of everything the user has."""
    columns = dict(contacts.header.owned)
    names = config.columns.owned.model_dump()
    next_col = max([contacts.used_width, *(c + 1 for c in columns.values())])
    headers = []
    for key in created_keys(config):
        if key not in columns:
            columns[key] = next_col
            headers.append(CellWrite(contacts.header.row, next_col, names[key]))
            next_col += 1
    return columns, headers


# tuple.__new__ makes a named tuple from its fields in C, without the Python-level
# __new__ that CellWrite(...) runs: a first sync of 100,000 rows makes 300,000 of them.
_new_write: Callable[[type[CellWrite], tuple[int, int, WriteValue]], CellWrite] = tuple.__new__

_EPOCH_DAY = SHEETS_EPOCH.to_datetime64().astype("datetime64[D]")
_NOT_A_DAY = np.datetime64("NaT", "D")


def _is_blank(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell_day(value: CellValue) -> np.datetime64:
    """A Due cell as a day; NaT when empty or not a date (`_is_blank` tells them apart)."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        if MIN_SERIAL <= value <= MAX_SERIAL:
            day: np.datetime64 = _EPOCH_DAY + np.timedelta64(int(value), "D")
            return day
        return _NOT_A_DAY
    date = as_date(value)
    return _NOT_A_DAY if date is None else np.datetime64(date, "D")


def _due_cells(values: list[CellValue]) -> tuple[np.ndarray, np.ndarray]:
    """Every Due cell as a day (datetime64[D]) and whether it is empty, worked out once
    per distinct cell."""
    codes, distinct = factorize(pd.Series(values, dtype=object))
    cells = distinct.tolist()
    days = spread(np.array([_cell_day(v) for v in cells], dtype="datetime64[D]"), codes, _NOT_A_DAY)
    blank = spread(np.array([_is_blank(v) for v in cells], dtype=bool), codes, True)
    # factorize files NaN with the empty cells, but a NaN cell is neither a date nor empty.
    empty = np.flatnonzero(codes == EMPTY).tolist()
    blank[empty] = [values[i] is None for i in empty]
    return days, blank


def _due_changed(values: list[CellValue], wanted: np.ndarray) -> np.ndarray:
    """Per row: does the Due cell differ from the planned day (NaT for no due date)?

    An unreadable cell is NaT and not blank, so it differs from every plan.
    """
    days, blank = _due_cells(values)
    same: np.ndarray = (days == wanted) | (blank & np.isnat(wanted))
    return ~same


def _as_text(value: CellValue) -> str:
    return value if type(value) is str else "" if value is None else str(value)


def _is_tool_colour(colour: str | None, known: set[str]) -> bool:
    return colour is not None and (colour in known or any(same_colour(colour, k) for k in known))


def diff_plan(
    plan: Plan,
    contacts: ContactSheet,
    tab: Tab,
    config: Config,
    painted: Painted | None = None,
) -> ChangeSet:
    """The owned cells that differ from the plan, new headers, marks and colour rules.

    Colours are conditional formats (`core.highlight`); the change set carries them only
    when the rules on the sheet differ from the wanted ones. `painted` is what an older
    version painted cell by cell (from the state folder): those fills, and only those,
    are taken off once. The change set's `painted` is the record to keep once it is
    written, and its `previous` what it replaces (kept for the snapshot).
    Raises DataError, before anything is planned to be written, when a column with an
    owned name is the user's (see `claim_owned_columns`).
    """
    adopted = claim_owned_columns(contacts, tab, config)
    columns, cells = owned_columns(contacts, config)
    header_cols = {c.col for c in cells}
    end_col = max([contacts.used_width, *(c + 1 for c in columns.values())])
    # Every cell written gets its value before, new headers included, for the snapshot.
    previous = {(c.row, c.col): tab.value(c.row, c.col) for c in cells}
    touched: set[int] = {contacts.header.row} if cells else set()
    rows = plan.rows
    index = rows.index.to_numpy(dtype=np.int64)
    lines = _lines(tab, index.tolist())
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))

    actions = rows["next_action"].fillna("").astype(object).to_numpy()
    statuses = rows["status"].astype(object).to_numpy()
    # Due dates stay days from here on: compared as days, made dates only where written.
    due_days = rows["due"].to_numpy(dtype="datetime64[D]")
    now = {key: _column(lines, lengths, columns[key]) for key in OWNED_KEYS}
    changed = {
        "next_action": _text_changed(now["next_action"], actions),
        "due": _due_changed(now["due"], due_days),
        "status": _text_changed(now["status"], statuses),
    }

    wanted = _wanted_values(actions, statuses, due_days)
    # Column by column; only the cells that differ become CellWrites, built in C.
    for key in OWNED_KEYS:
        col = columns[key]
        at = np.flatnonzero(changed[key])
        at_rows = index[at].tolist()
        shown = [now[key][i] for i in at.tolist()]
        cells += map(_new_write, repeat(CellWrite), zip(at_rows, repeat(col), wanted[key](at)))
        previous.update(zip(zip(at_rows, repeat(col)), shown, strict=True))
        touched.update(at_rows)
    fills = _unpaint(tab, contacts.header.row, columns["status"], config, painted)
    touched.update(fill.row for fill in fills)
    _clear_rows_without_contacts(contacts, tab, index, columns, cells, previous, touched)
    rules = highlight_rules(config, columns, contacts.header.row, end_col)
    return ChangeSet(
        tab=tab.title,
        cells=cells,
        fills=fills,
        identity=_identity(contacts, tab, touched),
        highlight=None if same_highlight(tab.highlight, rules) else rules,
        mark_columns=sorted(set(adopted) | header_cols),
        owned_columns=columns,
        end_col=end_col,
        previous=Previous(previous, tab.background),
        painted=Painted(tab.title, "none", 0, tuple(sorted(set(columns.values()))), ()),
    )


def claim_owned_columns(contacts: ContactSheet, tab: Tab, config: Config) -> list[int]:
    """The columns with an owned name that the tool may write but has not marked yet.

    The tool writes only to columns it created, which it marks (`Tab.owned_columns`).
    Columns that versions before the marks created are recognised by their Status
    column: every value in it is a status the tool writes. Any other column that bears
    an owned name is the user's (a CRM export's "Status: Client - signed"): DataError,
    naming it and the config key that renames the tool's column.
    """
    found = contacts.header.owned
    unmarked = {key: col for key, col in found.items() if col not in tab.owned_columns}
    if not unmarked:
        return []
    if not tab.owned_columns and _written_by_older_version(tab, contacts.header.row, found):
        done = unmarked.get(DONE_KEY)
        # No older version made a Done column: an unmarked one is taken only while it
        # holds nothing but tick-box values, so no text of the user's is ever written.
        if done is None or _only_ticks(tab, contacts.header.row, done):
            return sorted(unmarked.values())
        unmarked = {DONE_KEY: done}
    key, col = min(unmarked.items(), key=lambda item: item[1])
    header = str(tab.value(contacts.header.row, col)).strip()
    raise DataError(
        f"{Problem(tab.title, contacts.header.row, col, '').where} is headed '{header}', the "
        f"name of sheets-keepup's {key.replace('_', ' ')} column, but it is your column, not "
        "one sheets-keepup created, so nothing was written. Give the tool's column another "
        f'name in the config (columns.owned.{key}: "Keepup {header.lower()}") or rename yours.'
        + (" columns.owned.done: null switches the Done box off." if key == DONE_KEY else "")
    )


def _only_ticks(tab: Tab, header_row: int, col: int) -> bool:
    values = (tab.value(row, col) for row in range(header_row + 1, len(tab.rows)))
    return all(_is_blank(v) or isinstance(v, bool) for v in values)


def _written_by_older_version(tab: Tab, header_row: int, found: dict[str, int]) -> bool:
    col = found.get("status")
    if col is None:
        return False
    words = [tab.value(row, col) for row in range(header_row + 1, len(tab.rows))]
    words = [w for w in words if not _is_blank(w)]
    return bool(words) and all(isinstance(w, str) and w.strip() in STATUSES for w in words)


def _wanted_values(
    actions: np.ndarray, statuses: np.ndarray, due_days: np.ndarray
) -> dict[str, Callable[[np.ndarray], list[WriteValue]]]:
    """Per owned key: the values to write at some plan positions (only where they change)."""

    def next_action(at: np.ndarray) -> list[WriteValue]:
        texts: list[WriteValue] = actions[at].tolist()
        # An empty action clears the cell rather than writing an empty string.
        return [text or None for text in texts]

    def due(at: np.ndarray) -> list[WriteValue]:
        # datetime64[D] items become datetime.date, and NaT None: written as dates.
        days: list[WriteValue] = due_days[at].astype(object).tolist()
        return days

    def status(at: np.ndarray) -> list[WriteValue]:
        states: list[WriteValue] = statuses[at].tolist()
        return states

    return {"next_action": next_action, "due": due, "status": status}


def tool_colours(config: Config) -> tuple[str, ...]:
    """Every colour the tool writes, one per status and one for the picks."""
    return tuple(config.colours.model_dump().values())


def _unpaint(
    tab: Tab, header_row: int, status_col: int, config: Config, painted: Painted | None
) -> list[RowFill]:
    """Take off the fills an older version painted, as its record says, and no other.

    A row's painted colour is its Status cell's background when that is one of the
    tool's colours; only cells of the painted span wearing that same colour are cleared,
    so a colour the user set, even in the row, stays.
    """
    if painted is None or painted.tab != tab.title or painted.mode == "none":
        return []
    cols = list(range(painted.span)) if painted.mode == "row" else list(painted.owned)
    known = set(tool_colours(config)) | set(painted.colours)
    fills: list[RowFill] = []
    for row in range(header_row + 1, len(tab.rows)):
        colour = tab.background(row, status_col)
        if not _is_tool_colour(colour, known):
            continue
        same = [c for c in cols if same_colour(tab.background(row, c), colour)]
        fills += [RowFill(row, start, end, None) for start, end in column_runs(same)]
    return fills


def _clear_rows_without_contacts(
    contacts: ContactSheet,
    tab: Tab,
    contact_rows: np.ndarray,
    columns: dict[str, int],
    cells: list[CellWrite],
    previous: dict[tuple[int, int], CellValue],
    touched: set[int],
) -> None:
    """Take our values off rows that hold no contact.

    A row blank in every column the user headed is no contact, so the plan skips it;
    but an action written there (the user cleared a contact's cells, or moved it) would
    otherwise stay forever.
    """
    below = np.arange(contacts.header.row + 1, len(tab.rows), dtype=np.int64)
    for row in below[~np.isin(below, contact_rows)].tolist():
        for key in OWNED_KEYS:
            current = tab.value(row, columns[key])
            if not _is_blank(current):
                cells.append(CellWrite(row, columns[key], None))
                previous[(row, columns[key])] = current
                touched.add(row)


def _identity(contacts: ContactSheet, tab: Tab, rows: set[int]) -> Identity:
    fields = contacts.header.fields
    identity = Identity(fields.get("name", fields.get("first_name")), fields.get("email"), {})
    ordered = sorted(rows)
    lines = _lines(tab, ordered)
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    names = _stripped(lines, lengths, identity.name_col)
    emails = _stripped(lines, lengths, identity.email_col)
    checked = dict(zip(ordered, zip(names, emails, strict=True), strict=True))
    return Identity(identity.name_col, identity.email_col, checked, contacts.header.row + 1)


def _stripped(lines: list[Sequence[CellValue]], lengths: np.ndarray, col: int | None) -> list[str]:
    """`Identity.of`'s text of column `col` in every line, a column at a time."""
    if col is None:
        return [""] * len(lines)
    cells = _column(lines, lengths, col)
    if set(map(type, cells)) == {str}:
        return list(map(str.strip, cells))  # type: ignore[arg-type]
    return [v.strip() if type(v) is str else "" if v is None else str(v).strip() for v in cells]


def _lines(tab: Tab, rows: list[int]) -> list[Sequence[CellValue]]:
    """The tab's rows at `rows` (an empty row past its end)."""
    if not rows or (rows[-1] < len(tab.rows) and min(rows) >= 0):
        return list(map(tab.rows.__getitem__, rows))
    return [tab.rows[r] if r < len(tab.rows) else () for r in rows]


def _column(lines: list[Sequence[CellValue]], lengths: np.ndarray, col: int) -> list[CellValue]:
    """The cells of column `col` (None past a line's end), gathered in C when every line
    reaches it and without looking when none does (a first sync's owned columns)."""
    reach = lengths > col
    if reach.all():
        return list(map(itemgetter(col), lines))
    if not reach.any():
        return [None] * len(lines)
    return [line[col] if col < len(line) else None for line in lines]


_NONE = np.array([None], dtype=object)


def _text_changed(shown: list[CellValue], wanted: np.ndarray) -> np.ndarray:
    """Per row: does the cell, read as text (None as ""), differ from the wanted text?

    Compared as whole object arrays; only the cells that are not text already (empty
    ones, numbers) are turned into text, one at a time where they are not empty.
    """
    cells = np.empty(len(shown), dtype=object)
    cells[:] = shown
    changed: np.ndarray = cells != wanted
    empty = np.equal(cells, _NONE)
    changed[empty] = wanted[empty] != ""
    for at in np.flatnonzero(changed & ~empty).tolist():
        value = shown[at]
        if type(value) is not str:
            changed[at] = _as_text(value) != wanted[at]
    return changed
