"""Test helpers around the offline Sheets API fake: seed sheets, build backends, read back.

Reading back decodes the fake's stored cells directly (not through the backend), so a
test checks what the backend wrote, not what it believes it wrote.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from fakesheets import FakeSheetsServer, fake_session

from sheets_keepup.backends.google.backend import GoogleBackend
from sheets_keepup.backends.google.transport import client_for

EPOCH = dt.date(1899, 12, 30)
Backgrounds = Mapping[tuple[str, int, int], str]


def colour_json(colour: str) -> dict[str, float]:
    """'#RRGGBB' as Google's Color, zero channels omitted as Google returns them."""
    text = colour.lstrip("#")
    channels = zip(("red", "green", "blue"), (0, 2, 4), strict=True)
    return {name: int(text[i : i + 2], 16) / 255 for name, i in channels if text[i : i + 2] != "00"}


def colour_hex(colour: Mapping[str, Any]) -> str:
    return "#" + "".join(
        f"{round(float(colour.get(name, 0)) * 255):02X}" for name in ("red", "green", "blue")
    )


def decode(cell: Mapping[str, Any]) -> Any:
    """A stored CellData's entered value as Python (date-formatted numbers as dates)."""
    entered = cell.get("userEnteredValue") or {}
    if "stringValue" in entered:
        return entered["stringValue"]
    if "formulaValue" in entered:
        return ("FORMULA", entered["formulaValue"])
    if "boolValue" in entered:
        return entered["boolValue"]
    if "numberValue" in entered:
        number = entered["numberValue"]
        kind = ((cell.get("userEnteredFormat") or {}).get("numberFormat") or {}).get("type")
        if kind == "DATE":
            return EPOCH + dt.timedelta(days=int(number))
        return number
    return None


class FakeGoogle:
    """One running fake server, with helpers for a test's spreadsheets."""

    def __init__(self, server: FakeSheetsServer) -> None:
        self.server = server

    def create(
        self,
        tabs: Mapping[str, Sequence[Sequence[Any]]],
        backgrounds: Backgrounds | None = None,
        locale: str = "en_GB",
        **options: Any,
    ) -> str:
        """A spreadsheet holding `tabs`, with optional cell fills by (tab, row, col)."""
        key = self.server.state.create_spreadsheet(
            {t: [list(r) for r in rows] for t, rows in tabs.items()}, locale=locale, **options
        )
        if backgrounds:
            with self.server.state.edit(key) as book:
                for (title, row, col), colour in backgrounds.items():
                    sheet = book.sheet_by_title(title)
                    assert sheet is not None
                    cell = sheet.cells.setdefault((row, col), {})
                    fmt = cell.setdefault("userEnteredFormat", {})
                    fmt["backgroundColor"] = colour_json(colour)
        return key

    def backend(self, key: str, **options: Any) -> GoogleBackend:
        options.setdefault("retry_wait", 0.001)
        options.setdefault("max_retries", 3)
        return GoogleBackend(client_for(None, fake_session(self.server)), key, **options)

    def rows(self, key: str, tab: str) -> list[list[Any]]:
        """The tab's entered values, trailing empties trimmed."""
        with self.server.state.lock:
            sheet = self.server.state.get(key).sheet_by_title(tab)
            assert sheet is not None, tab
            cells = {k: decode(v) for k, v in sheet.cells.items()}
        by_row: dict[int, dict[int, Any]] = {}
        for (row, col), value in cells.items():
            if value is not None:
                by_row.setdefault(row, {})[col] = value
        height = max(by_row, default=-1) + 1
        out: list[list[Any]] = []
        for row in range(height):
            line = by_row.get(row, {})
            out.append([line.get(col) for col in range(max(line, default=-1) + 1)])
        return out

    def background(self, key: str, tab: str, row: int, col: int) -> str | None:
        with self.server.state.lock:
            sheet = self.server.state.get(key).sheet_by_title(tab)
            assert sheet is not None
            fmt = (sheet.cells.get((row, col)) or {}).get("userEnteredFormat") or {}
        colour = fmt.get("backgroundColor")
        return None if colour is None else colour_hex(colour)

    def writes(self) -> list[Any]:
        """Bodies of every batchUpdate the server received."""
        return [r.body for r in self.server.find_requests(method="POST", kind="write")]
