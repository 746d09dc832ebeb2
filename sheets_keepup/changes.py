"""Compare a plan with what the sheet already shows; keep only what must change.

The diff is what makes a second sync free: identical values and colours produce an
empty ChangeSet, and an empty ChangeSet is never sent.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from sheets_keepup.config import Config
from sheets_keepup.dates import MAX_SERIAL, MIN_SERIAL, SHEETS_EPOCH, from_serial
from sheets_keepup.model import CellValue, CellWrite, ChangeSet, Identity, RowFill, Tab, WriteValue
from sheets_keepup.planner import Plan
from sheets_keepup.sheet import ContactSheet

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


_EPOCH_ORDINAL = SHEETS_EPOCH.date().toordinal()
_EMPTY = -1.0
"""The day key of an empty Due cell; unreadable cells are NaN, equal to nothing."""


def _day_key(value: CellValue) -> float:
    """A Due cell as a serial day number, _EMPTY when empty, NaN when not a date."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return float(int(value)) if MIN_SERIAL <= value <= MAX_SERIAL else float("nan")
    if value is None or (isinstance(value, str) and not value.strip()):
        return _EMPTY
    date = as_date(value)
    return float("nan") if date is None else float(date.toordinal() - _EPOCH_ORDINAL)


def _as_text(value: CellValue) -> str:
    return value if type(value) is str else "" if value is None else str(value)


def same_colour(current: str | None, wanted: str | None) -> bool:
    """Colours match to within one step a channel: Sheets keeps 8-bit channels as floats,
    and a colour read back one step off must not be rewritten on every sync."""
    if current is None or wanted is None:
        return current == wanted
    try:
        return all(
            abs(int(current[i : i + 2], 16) - int(wanted[i : i + 2], 16)) <= 1 for i in (1, 3, 5)
        )
    except ValueError:
        return current == wanted


def diff_plan(plan: Plan, contacts: ContactSheet, tab: Tab, config: Config) -> ChangeSet:
    """The owned cells and row colours that differ from the plan, plus new headers.

    Compares whole columns at once; only the cells that differ become CellWrites.
    """
    columns, cells = owned_columns(contacts, config)
    end_col = max([contacts.used_width, *(c + 1 for c in columns.values())])
    rows = plan.rows
    index = rows.index.tolist()
    lines = [tab.rows[r] if r < len(tab.rows) else () for r in index]

    def current(col: int) -> list[CellValue]:
        return [line[col] if col < len(line) else None for line in lines]

    actions = rows["next_action"].fillna("").astype(object).to_numpy()
    statuses = rows["status"].astype(object).to_numpy()
    due_days = ((rows["due"] - SHEETS_EPOCH).dt.days).fillna(_EMPTY).to_numpy(dtype="float64")
    now = {key: current(columns[key]) for key in OWNED_KEYS}
    changed = {
        "next_action": np.array([_as_text(v) for v in now["next_action"]], dtype=object) != actions,
        "due": np.array([_day_key(v) for v in now["due"]], dtype="float64") != due_days,
        "status": np.array([_as_text(v) for v in now["status"]], dtype=object) != statuses,
    }
    status_col = columns["status"]
    colours_now = [tab.background(r, status_col) for r in index]
    colours = rows["colour"].astype(object).to_numpy()
    recolour = np.array(colours_now, dtype=object) != colours
    for i in np.flatnonzero(recolour).tolist():
        recolour[i] = not same_colour(colours_now[i], colours[i])

    def wanted(key: str, i: int) -> WriteValue:
        if key == "next_action":
            return str(actions[i]) or None
        if key == "status":
            return str(statuses[i])
        days = due_days[i]
        return None if days == _EMPTY else dt.date.fromordinal(_EPOCH_ORDINAL + int(days))

    fills: list[RowFill] = []
    previous: dict[tuple[int, int], CellValue] = {}
    touched: set[int] = {contacts.header.row} if cells else set()
    any_change = changed["next_action"] | changed["due"] | changed["status"] | recolour
    for i in np.flatnonzero(any_change).tolist():
        row = index[i]
        for key in OWNED_KEYS:
            if changed[key][i]:
                col = columns[key]
                cells.append(CellWrite(row, col, wanted(key, i)))
                previous[(row, col)] = now[key][i]
        if recolour[i]:
            fills.append(RowFill(row, 0, end_col, colours[i]))
            previous[(row, -1)] = colours_now[i]
        touched.add(row)
    return ChangeSet(
        tab=tab.title,
        cells=cells,
        fills=fills,
        identity=_identity(contacts, tab, touched),
        details={"owned_columns": columns, "end_col": end_col, "previous": previous},
    )


def _identity(contacts: ContactSheet, tab: Tab, rows: set[int]) -> Identity:
    fields = contacts.header.fields
    identity = Identity(fields.get("name", fields.get("first_name")), fields.get("email"), {})
    checked = {row: identity.of(tab.rows[row]) for row in sorted(rows)}
    return Identity(identity.name_col, identity.email_col, checked)
