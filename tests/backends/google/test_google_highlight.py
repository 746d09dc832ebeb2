"""Highlight modes on a Google Sheet: colours are conditional formats the tool owns.

Switching `row`, `status` and `none` sends one write that only swaps the tool's rules;
no cell's own format is touched, and the user's own rules stay. A sheet an older
version painted cell by cell loses only the fills its colour record names. What a cell
shows is what the fake evaluates: the first matching rule over the cell's own fill.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, TypeAlias

from core_helpers import HEADERS, TODAY, contacts, make_config, person
from fake_google import FakeGoogle, colour_hex, colour_json

from sheets_keepup.app.snapshots import SnapshotStore
from sheets_keepup.app.sync import SyncResult, sync
from sheets_keepup.backends.google.backend import GoogleBackend
from sheets_keepup.core.diff import tool_colours
from sheets_keepup.core.model import HIGHLIGHT_MARK, Painted

Cell: TypeAlias = tuple[int, int]
COLOURS = make_config().colours
RED, GREEN, GREY, PICK = COLOURS.overdue, COLOURS.ok, COLOURS.snoozed, COLOURS.pick
YELLOW, BLUE = "#FFFF00", "#CFE2F3"
WIDTH = len(HEADERS) + 3
OWNED = range(len(HEADERS), WIDTH)
STATUS = WIDTH - 1
NAME, NOTES = HEADERS.index("Name"), HEADERS.index("Notes")
RULE_REQUESTS = {"addConditionalFormatRule", "deleteConditionalFormatRule"}


def days_ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


ROWS = contacts(
    person("Ada", tier="close", last_contact=days_ago(100), last_in_person=days_ago(100)),
    person("Bo", tier="core", last_contact=days_ago(10), last_in_person=days_ago(10)),
    person("Cy", tier="core", snooze_until=TODAY + dt.timedelta(days=9)),
)
# Ada is overdue and the week's pick, Bo ok, Cy snoozed.
ROW_COLOUR = {1: PICK, 2: GREEN, 3: GREY}


class Sheet:
    """One spreadsheet on the fake, its backend and its state folder."""

    def __init__(self, fake: FakeGoogle, folder: Path) -> None:
        self.fake = fake
        self.key = fake.create({"Contacts": ROWS})
        self.backend: GoogleBackend = fake.backend(self.key)
        self.store = SnapshotStore(folder, self.backend.describe())

    def run(self, mode: str) -> SyncResult:
        source = {"kind": "google", "spreadsheet": self.key}
        return sync(
            self.backend, make_config(source=source, highlight=mode), TODAY, snapshots=self.store
        )

    def paint(self, cells: dict[Cell, str]) -> None:
        with self.fake.server.state.edit(self.key) as book:
            sheet = book.sheet_by_title("Contacts")
            assert sheet is not None
            for (row, col), colour in cells.items():
                cell = sheet.cells.setdefault((row, col), {})
                cell.setdefault("userEnteredFormat", {})["backgroundColor"] = colour_json(colour)

    def own_fills(self) -> dict[Cell, str]:
        """The cells' own fills (not what rules add), read from the fake's storage."""
        found = {}
        for row in range(len(ROWS) + 2):
            for col in range(WIDTH + 2):
                colour = self.fake.background(self.key, "Contacts", row, col)
                if colour is not None:
                    found[(row, col)] = colour
        return found

    def shown(self) -> dict[Cell, str | None]:
        out: dict[Cell, str | None] = {}
        state = self.fake.server.state
        for row in range(1, len(ROWS)):
            for col in range(WIDTH):
                shown = state.shown_format(self.key, "Contacts", row + 1, col + 1, TODAY)
                colour = colour_hex(shown["backgroundColor"] or {})
                out[(row, col)] = None if shown["rule"] is None and colour == "#FFFFFF" else colour
        return out

    def rules(self) -> list[dict[str, Any]]:
        return self.fake.server.state.conditional_formats(self.key, "Contacts")

    def writes(self) -> list[Any]:
        return self.fake.writes()


def expected(mode: str, fills: dict[Cell, str]) -> dict[Cell, str | None]:
    coloured = range(WIDTH) if mode == "row" else OWNED if mode == "status" else range(0)
    return {
        (row, col): colour if col in coloured else fills.get((row, col))
        for row, colour in ROW_COLOUR.items()
        for col in range(WIDTH)
    }


def request_kinds(bodies: list[Any]) -> set[str]:
    """The batchUpdate sub-requests sent; a values write counts as "values"."""
    kinds = set()
    for body in bodies:
        if "requests" not in body:
            kinds.add("values")
        kinds |= {name for request in body.get("requests", []) for name in request}
    return kinds


def is_ours(rule: dict[str, Any]) -> bool:
    values = rule["booleanRule"]["condition"].get("values") or [{}]
    return str(values[0].get("userEnteredValue", "")).startswith("=" + HIGHLIGHT_MARK)


def test_switching_modes_sends_only_rules_and_keeps_every_fill(
    fake: FakeGoogle, tmp_path: Path
) -> None:
    sheet = Sheet(fake, tmp_path)
    first = sheet.run("row")
    assert first.written and not first.changes.fills
    assert sheet.own_fills() == {}
    assert sheet.shown() == expected("row", {})
    assert not sheet.run("row").written  # the rules read back from Sheets match

    # The user fills a few cells (a tool colour not of its row, an owned Status cell)
    # and adds a rule of their own, first in the list.
    user = {(1, 1): YELLOW, (2, NOTES): RED, (3, STATUS): BLUE}
    sheet.paint(user)
    theirs = {
        "ranges": [
            {
                "sheetId": 0,
                "startRowIndex": 1,
                "startColumnIndex": NOTES,
                "endColumnIndex": NOTES + 1,
            }
        ],
        "booleanRule": {
            "condition": {"type": "TEXT_CONTAINS", "values": [{"userEnteredValue": "vip"}]},
            "format": {"textFormat": {"bold": True}},
        },
    }
    fake.server.state.apply(sheet.key, {"addConditionalFormatRule": {"index": 0, "rule": theirs}})
    user_rules = [r for r in sheet.rules() if not is_ours(r)]
    values = fake.rows(sheet.key, "Contacts")

    for mode in ("status", "none", "row", "status"):
        fake.server.clear_log()
        switched = sheet.run(mode)
        assert switched.written and not switched.changes.cells and not switched.changes.fills
        assert len(sheet.writes()) == 1, mode
        kinds = request_kinds(sheet.writes())
        assert kinds <= RULE_REQUESTS and kinds, (mode, kinds)
        assert sheet.own_fills() == user, mode
        assert sheet.shown() == expected(mode, user), mode
        assert [r for r in sheet.rules() if not is_ours(r)] == user_rules, mode
        assert sum(is_ours(r) for r in sheet.rules()) == (0 if mode == "none" else 6), mode
        assert fake.rows(sheet.key, "Contacts") == values, mode
        fake.server.clear_log()
        assert not sheet.run(mode).written and not sheet.writes(), mode


def test_an_older_painted_sheet_loses_only_the_recorded_tool_colours(
    fake: FakeGoogle, tmp_path: Path
) -> None:
    sheet = Sheet(fake, tmp_path)
    sheet.run("none")  # the owned values, as an older version wrote them
    painted = {(row, col): ROW_COLOUR[row] for row in ROW_COLOUR for col in range(WIDTH)}
    user = {(1, NOTES): YELLOW, (2, NAME): RED, (3, len(HEADERS)): BLUE}
    sheet.paint(painted)
    sheet.paint(user)
    config = make_config()
    sheet.store.write_painted(Painted("Contacts", "row", WIDTH, tuple(OWNED), tool_colours(config)))

    fake.server.clear_log()
    migrated = sheet.run("row")
    assert migrated.written and not migrated.changes.cells
    assert migrated.changes.fills and all(f.colour is None for f in migrated.changes.fills)
    assert len(sheet.writes()) == 1  # the fills off and the rules on, in one write
    assert sheet.own_fills() == user
    assert sheet.shown() == expected("row", user)
    record = sheet.store.read_painted()
    assert record is not None and record.mode == "none"
    fake.server.clear_log()
    assert not sheet.run("row").written and not sheet.writes()
