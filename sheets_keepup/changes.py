"""Compare a plan with what the sheet already shows; keep only what must change.

The diff is what makes a second sync free: identical values and colours produce an
empty ChangeSet, and an empty ChangeSet is never sent.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from sheets_keepup.config import Config
from sheets_keepup.dates import MAX_SERIAL, MIN_SERIAL, from_serial
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


def _same_text(current: CellValue, wanted: str) -> bool:
    return ("" if current is None else str(current)) == wanted


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


def _same_date(current: CellValue, wanted: dt.date | None) -> bool:
    if wanted is None:
        return current is None or (isinstance(current, str) and not current.strip())
    return as_date(current) == wanted


def same_colour(current: str | None, wanted: str | None) -> bool:
    """Colours as '#RRGGBB', compared exactly (case aside).

    Sheets keeps 8 bits a channel and answers float32 fractions (105/255 as 0.4117647);
    the Google backend rounds those back to the byte, so a colour it wrote reads back
    as the same '#RRGGBB' and a second sync sends no write. No tolerance is needed.
    """
    if current is None or wanted is None:
        return current == wanted
    return current.upper() == wanted.upper()


def diff_plan(plan: Plan, contacts: ContactSheet, tab: Tab, config: Config) -> ChangeSet:
    """The owned cells and row colours that differ from the plan, plus new headers."""
    columns, cells = owned_columns(contacts, config)
    end_col = max([contacts.used_width, *(c + 1 for c in columns.values())])
    fills: list[RowFill] = []
    previous: dict[tuple[int, int], CellValue] = {}
    touched: set[int] = {contacts.header.row} if cells else set()
    rows = plan.rows
    dues = [None if pd.isna(d) else d.date() for d in rows["due"]]
    for row, action, due, status, colour in zip(
        rows.index, rows["next_action"], dues, rows["status"], rows["colour"], strict=True
    ):
        wanted: dict[str, WriteValue] = {
            "next_action": action or None,
            "due": due,
            "status": status,
        }
        for key in OWNED_KEYS:
            current = tab.value(row, columns[key])
            value = wanted[key]
            same = (
                _same_date(current, value if isinstance(value, dt.date) else None)
                if key == "due"
                else _same_text(current, str(value or ""))
            )
            if not same:
                cells.append(CellWrite(int(row), columns[key], value))
                previous[(int(row), columns[key])] = current
                touched.add(int(row))
        current_colour = tab.background(row, columns["status"])
        if not same_colour(current_colour, colour):
            fills.append(RowFill(int(row), 0, end_col, colour))
            previous[(int(row), -1)] = current_colour
            touched.add(int(row))
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
