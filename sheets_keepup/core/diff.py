"""Compare a plan with what the sheet already shows; keep only what must change.

The diff is what makes a second sync free: identical values and colours produce an
empty ChangeSet, and an empty ChangeSet is never sent.

Colours follow `config.highlight`: the whole row (`row`), only the owned cells
(`status`) or nothing (`none`). In every mode but `none` the Status cell's background is
the marker: a row is repainted only when it differs from the colour its status wants.
When the mode changes, the record of the previous write (`Painted`) says what the tool
coloured, and only cells whose colour is the tool's colour for that row are cleared;
a colour the user set is never touched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd

from sheets_keepup.core.dates import MAX_SERIAL, MIN_SERIAL, SHEETS_EPOCH, from_serial
from sheets_keepup.core.distinct import EMPTY, factorize, spread
from sheets_keepup.core.model import (
    CellValue,
    CellWrite,
    ChangeSet,
    Identity,
    Painted,
    Previous,
    RowFill,
    Tab,
    WriteValue,
)
from sheets_keepup.core.parse import ContactSheet
from sheets_keepup.core.planner import Plan
from sheets_keepup.core.settings import Config

OWNED_KEYS = ("next_action", "due", "status")


def owned_columns(contacts: ContactSheet, config: Config) -> tuple[dict[str, int], list[CellWrite]]:
    """Column of each owned field; missing ones go right of everything the user has."""
    columns = dict(contacts.header.owned)
    names = config.columns.owned.model_dump()
    next_col = max([contacts.used_width, *(c + 1 for c in columns.values())])
    headers = []
    for key in OWNED_KEYS:
        if key not in columns:
            columns[key] = next_col
            headers.append(CellWrite(contacts.header.row, next_col, names[key]))
            next_col += 1
    return columns, headers


def as_date(value: CellValue) -> dt.date | None:
    """A Due cell read back: a date (xlsx), a serial number (Sheets) or ISO text."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return from_serial(value) if MIN_SERIAL <= value <= MAX_SERIAL else None
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


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


def same_colour(current: str | None, wanted: str | None) -> bool:
    """Colours as '#RRGGBB', compared exactly (case aside).

    Sheets keeps 8 bits a channel and answers float32 fractions (105/255 as 0.4117647);
    the Google backend rounds those back to the byte, so a colour it wrote reads back
    as the same '#RRGGBB' and a second sync sends no write. No tolerance is needed.
    """
    if current is None or wanted is None:
        return current == wanted
    return current.upper() == wanted.upper()


def _differ(current: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Per row: does the current colour differ from the wanted one (beyond one step)?"""
    differ = np.asarray(current != wanted, dtype=bool)
    for i in np.flatnonzero(differ):
        differ[i] = not same_colour(current[i], wanted[i])
    return differ


def _is_tool_colour(colour: str | None, known: set[str]) -> bool:
    return colour is not None and (colour in known or any(same_colour(colour, k) for k in known))


def diff_plan(
    plan: Plan,
    contacts: ContactSheet,
    tab: Tab,
    config: Config,
    painted: Painted | None = None,
) -> ChangeSet:
    """The owned cells and colours that differ from the plan, plus new headers.

    `painted` is what the previous write coloured (from the state folder); without it
    a change of highlight mode clears nothing outside the owned cells.
    The change set's `painted` is the record to keep once it is written, and its
    `previous` what it replaces (the values compared here, kept for the snapshot).
    """
    columns, cells = owned_columns(contacts, config)
    end_col = max([contacts.used_width, *(c + 1 for c in columns.values())])
    # Every cell written gets its value before, new headers included, for the snapshot.
    previous = {(c.row, c.col): tab.value(c.row, c.col) for c in cells}
    touched: set[int] = {contacts.header.row} if cells else set()
    rows = plan.rows
    index = rows.index.tolist()
    lines = [tab.rows[r] if r < len(tab.rows) else () for r in index]

    def current(col: int) -> list[CellValue]:
        return [line[col] if col < len(line) else None for line in lines]

    actions = rows["next_action"].fillna("").astype(object).to_numpy()
    statuses = rows["status"].astype(object).to_numpy()
    # Due dates stay days from here on: compared as days, made dates only where written.
    due_days = rows["due"].to_numpy(dtype="datetime64[D]")
    now = {key: current(columns[key]) for key in OWNED_KEYS}
    changed = {
        "next_action": np.array([_as_text(v) for v in now["next_action"]], dtype=object) != actions,
        "due": _due_changed(now["due"], due_days),
        "status": np.array([_as_text(v) for v in now["status"]], dtype=object) != statuses,
    }

    wanted = _wanted_values(actions, statuses, due_days)
    # Column by column; only the cells that differ become CellWrites.
    for key in OWNED_KEYS:
        col, value, shown = columns[key], wanted[key], now[key]
        at = np.flatnonzero(changed[key]).tolist()
        cells += [CellWrite(index[i], col, value(i)) for i in at]
        previous.update({(index[i], col): shown[i] for i in at})
        touched.update(index[i] for i in at)
    fills = _fills(rows, tab, columns, end_col, config, painted)
    touched.update(fill.row for fill in fills)
    _clear_rows_without_contacts(
        contacts, tab, config, set(rows.index), columns, end_col, cells, fills, previous, touched
    )
    return ChangeSet(
        tab=tab.title,
        cells=cells,
        fills=fills,
        identity=_identity(contacts, tab, touched),
        owned_columns=columns,
        end_col=end_col,
        previous=Previous(previous, tab.background),
        painted=_painted_after(tab, columns, end_col, config, painted),
    )


def _wanted_values(
    actions: np.ndarray, statuses: np.ndarray, due_days: np.ndarray
) -> dict[str, Callable[[int], WriteValue]]:
    """Per owned key: the value to write at a plan position (built only where it changes)."""
    texts, states = actions.tolist(), statuses.tolist()

    def due(i: int) -> WriteValue:
        # A datetime64[D] item is a datetime.date, or None for NaT: written as a date.
        day: dt.date | None = due_days[i].item()
        return day

    return {
        "next_action": lambda i: str(texts[i]) or None,
        "due": due,
        "status": lambda i: str(states[i]),
    }


def tool_colours(config: Config) -> tuple[str, ...]:
    """Every colour the tool writes, one per status."""
    return tuple(config.colours.model_dump().values())


def _painted_after(
    tab: Tab, columns: dict[str, int], end_col: int, config: Config, before: Painted | None
) -> Painted:
    colours = set(tool_colours(config))
    if before is not None and before.tab == tab.title:
        # Rows that are no longer contacts may still wear an older palette.
        colours |= set(before.colours)
        end_col = max(end_col, before.span) if before.mode == "row" else end_col
    return Painted(
        tab=tab.title,
        mode=config.highlight,
        span=end_col,
        owned=tuple(sorted(set(columns.values()))),
        colours=tuple(sorted(colours)),
    )


def _runs(cols: list[int]) -> list[tuple[int, int]]:
    """Sorted columns as [start, end) runs of neighbours: [1, 2, 5] -> [(1, 3), (5, 6)]."""
    runs: list[tuple[int, int]] = []
    for col in cols:
        if runs and runs[-1][1] == col:
            runs[-1] = (runs[-1][0], col + 1)
        else:
            runs.append((col, col + 1))
    return runs


def _fills(
    rows: pd.DataFrame,
    tab: Tab,
    columns: dict[str, int],
    end_col: int,
    config: Config,
    painted: Painted | None,
) -> list[RowFill]:
    """Row fills for the highlight mode."""
    mode = config.highlight
    before = painted.mode if painted is not None and painted.tab == tab.title else None
    index = [int(r) for r in rows.index]
    status_col = columns["status"]
    current = np.array([tab.background(r, status_col) for r in index], dtype=object)
    wanted = rows["colour"].to_numpy(dtype=object)
    owned = sorted(set(columns.values()))
    known = set(tool_colours(config)) | set(painted.colours if painted is not None else ())
    span = max(end_col, painted.span if painted is not None else 0)
    fills: list[RowFill] = []
    if mode == "row":
        # Coming from status or none, the rest of each row lacks its colour: paint all.
        repaint = np.ones(len(index), dtype=bool) if before in ("status", "none") else None
        changed = repaint if repaint is not None else _differ(current, wanted)
        colours = wanted.tolist()
        fills += [
            RowFill(index[i], 0, end_col, colours[i]) for i in np.flatnonzero(changed).tolist()
        ]
    elif mode == "status":
        if before == "row":
            others = [c for c in range(span) if c not in set(owned)]
            fills += _clear_tool_colours(tab, index, current, others, known)
        runs = _runs(owned)
        for i in np.flatnonzero(_differ(current, wanted)):
            fills += [RowFill(index[i], start, end, wanted[i]) for start, end in runs]
    elif before != "none":
        cols = list(range(span)) if before == "row" else owned
        fills += _clear_tool_colours(tab, index, current, cols, known)
    return fills


def _clear_tool_colours(
    tab: Tab, index: list[int], current: np.ndarray, cols: list[int], known: set[str]
) -> list[RowFill]:
    """Clear the cells among `cols` that wear the colour the tool gave their row.

    A row's tool colour is its Status cell's background, when that is one of the
    tool's colours; any other colour in the row is the user's and is kept.
    """
    fills: list[RowFill] = []
    if not cols:
        return fills
    marked = np.flatnonzero([_is_tool_colour(c, known) for c in current])
    for i in marked:
        row, colour = index[i], current[i]
        backgrounds = [tab.background(row, c) for c in cols]
        same = [
            c
            for c, bg in zip(cols, backgrounds, strict=True)
            if bg == colour or (bg is not None and same_colour(bg, colour))
        ]
        fills += [RowFill(row, start, end, None) for start, end in _runs(same)]
    return fills


def _clear_rows_without_contacts(
    contacts: ContactSheet,
    tab: Tab,
    config: Config,
    contact_rows: set[int],
    columns: dict[str, int],
    end_col: int,
    cells: list[CellWrite],
    fills: list[RowFill],
    previous: dict[tuple[int, int], CellValue],
    touched: set[int],
) -> None:
    """Take our values and colour off rows that hold no contact.

    A row blank in every column the user headed is no contact, so the plan skips it;
    but an action written there (the rows moved between the identity check and the
    write, or the user cleared a contact's cells) would otherwise stay forever.
    """
    ours = list(tool_colours(config))
    owned_runs = _runs(sorted(set(columns.values())))
    for row in range(contacts.header.row + 1, len(tab.rows)):
        if row in contact_rows:
            continue
        for key in OWNED_KEYS:
            current = tab.value(row, columns[key])
            if current is not None and not (isinstance(current, str) and not current.strip()):
                cells.append(CellWrite(row, columns[key], None))
                previous[(row, columns[key])] = current
                touched.add(row)
        colour = tab.background(row, columns["status"])
        if colour is not None and any(same_colour(colour, c) for c in ours):
            spans = [(0, end_col)] if config.highlight == "row" else owned_runs
            fills += [RowFill(row, start, end, None) for start, end in spans]
            touched.add(row)


def _identity(contacts: ContactSheet, tab: Tab, rows: set[int]) -> Identity:
    fields = contacts.header.fields
    identity = Identity(fields.get("name", fields.get("first_name")), fields.get("email"), {})
    checked = {row: identity.of(tab.rows[row]) for row in sorted(rows)}
    return Identity(identity.name_col, identity.email_col, checked)
