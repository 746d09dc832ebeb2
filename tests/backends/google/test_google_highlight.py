"""Highlight modes on a Google Sheet: user colours survive row -> status -> none."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from core_helpers import HEADERS, TODAY, contacts, make_config, person
from fake_google import FakeGoogle, colour_json

from sheets_keepup.app.snapshots import SnapshotStore
from sheets_keepup.app.sync import SyncResult, sync
from sheets_keepup.core.settings import Config

RED, GREEN, YELLOW = "#F4C7C3", "#D9EAD3", "#FFFF00"
WIDTH = len(HEADERS) + 3
NOTES = HEADERS.index("Notes")


def days_ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


ROWS = contacts(
    person("Ada", tier="close", last_contact=days_ago(100), last_in_person=days_ago(100)),
    person("Bo", tier="core", last_contact=days_ago(10), last_in_person=days_ago(10)),
)


def config(key: str, mode: str) -> Config:
    return make_config(source={"kind": "google", "spreadsheet": key}, highlight=mode)


def paint(fake: FakeGoogle, key: str, cells: dict[tuple[int, int], str]) -> None:
    with fake.server.state.edit(key) as book:
        sheet = book.sheet_by_title("Contacts")
        assert sheet is not None
        for (row, col), colour in cells.items():
            cell = sheet.cells.setdefault((row, col), {})
            cell.setdefault("userEnteredFormat", {})["backgroundColor"] = colour_json(colour)


def colours(fake: FakeGoogle, key: str, row: int) -> list[str | None]:
    return [fake.background(key, "Contacts", row, col) for col in range(WIDTH)]


def test_switching_modes_clears_only_tool_colours(fake: FakeGoogle, tmp_path: Path) -> None:
    key = fake.create({"Contacts": ROWS})
    backend = fake.backend(key)
    store = SnapshotStore(tmp_path, backend.describe())

    def run(mode: str) -> SyncResult:
        return sync(backend, config(key, mode), TODAY, snapshots=store)

    assert run("row").written
    assert colours(fake, key, 1) == [RED] * WIDTH
    assert not run("row").written  # colours read back from Sheets match

    paint(fake, key, {(1, 1): YELLOW, (2, NOTES): RED})
    fake.server.clear_log()
    assert run("status").written
    assert len(fake.writes()) == 1
    assert colours(fake, key, 1) == [None, YELLOW] + [None] * (len(HEADERS) - 2) + [RED] * 3
    bo = colours(fake, key, 2)
    assert bo[NOTES] == RED and bo[-3:] == [GREEN] * 3
    assert bo.count(None) == len(HEADERS) - 1
    assert not run("status").written

    assert run("none").written
    assert colours(fake, key, 1) == [None, YELLOW] + [None] * (WIDTH - 2)
    assert colours(fake, key, 2) == [RED if c == NOTES else None for c in range(WIDTH)]
    assert not run("none").written

    assert run("row").written
    assert colours(fake, key, 2) == [GREEN] * WIDTH
