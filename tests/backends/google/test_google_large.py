"""A first sync of 50,000 contacts: every write body under 2 MB, in row order, correct.

The structure write (row anchors, as many as Google's metadata budget for a sheet
allows, the marks, the colour rules) goes first, split into the fewest bodies; then the
values (through the anchors where there is one, by position past them), likewise.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

import pytest
from fake_google import FakeGoogle

from sheets_keepup.app.sync import SyncResult, sync
from sheets_keepup.backends.google.anchors import (
    ANCHOR_CHARACTERS,
    ROW_KEY,
    anchor_size,
    person_key,
)
from sheets_keepup.backends.google.backend import GoogleBackend
from sheets_keepup.backends.google.encode import MAX_BODY_BYTES
from sheets_keepup.core.settings import Config, SourceConfig

TODAY = dt.date(2026, 11, 23)
PEOPLE = 50_000
STRUCTURE, VALUES = "batchUpdate", "values.batchUpdateByDataFilter"


def contacts(people: int = PEOPLE) -> list[list[object]]:
    """Blocks of people last contacted on the same day, so statuses come in runs."""
    rows: list[list[object]] = [["Name", "Last contact"]]
    for i in range(people):
        days = (i // 250) * 37 % 400
        rows.append([f"Person {i:05d}", TODAY - dt.timedelta(days=days)])
    return rows


def method(record: Any) -> str:
    return str(record.name).removeprefix("sheets.spreadsheets.")


def first_sync(fake: FakeGoogle, people: int) -> tuple[GoogleBackend, SyncResult]:
    key = fake.create({"Contacts": contacts(people), "Log": [["Date", "Who"]]})
    backend = fake.backend(key, timeout_seconds=300)
    fake.server.clear_log()
    config = Config(source=SourceConfig(kind="google", spreadsheet=key))
    return backend, sync(backend, config, TODAY)


def test_a_sheet_past_the_anchor_budget_gets_its_first_sync(fake: FakeGoogle) -> None:
    """Anchors are developer metadata, which Google limits to 30,000 characters a
    sheet (about 1,300 anchors): a sheet of 1,500 contacts still syncs whole."""
    backend, result = first_sync(fake, 1_500)
    assert result.written
    rows = fake.rows(backend.key, "Contacts")
    statuses = [r[4] for r in rows[1:]]
    assert statuses == list(result.plan.rows["status"])


@pytest.mark.slow
def test_fifty_thousand_contacts_first_sync(fake: FakeGoogle) -> None:
    backend, result = first_sync(fake, PEOPLE)
    key = backend.key
    assert result.written and len(result.plan.rows) == PEOPLE
    sent = fake.server.find_requests()
    writes = [r for r in sent if r.kind == "write"]
    structure = [w for w in writes if method(w) == STRUCTURE]
    values = [w for w in writes if method(w) == VALUES]
    # The two reads, all the structure, one look at who the rows past the anchors
    # hold (they are written by position), then all the values; nothing else.
    names = [method(r) for r in sent]
    assert sorted(names[:2]) == ["get", "values.batchGet"]
    check = [STRUCTURE] * len(structure) + ["values.batchGet"] + [VALUES] * len(values)
    assert names[2:] == check
    sizes = [w.body_size for w in writes]
    assert all(size < MAX_BODY_BYTES for size in sizes), sizes
    for group in (structure, values):
        # the fewest bodies: no two neighbours would have fitted in one
        sizes = [w.body_size for w in group]
        assert all(a + b > MAX_BODY_BYTES for a, b in itertools.pairwise(sizes))
        for write in group:
            assert "formulaValue" not in json.dumps(write.body)

    # anchors go on the first rows, in row order, within the metadata budget
    anchors = [
        r["createDeveloperMetadata"]["developerMetadata"]
        for w in structure
        for r in w.body["requests"]
        if "createDeveloperMetadata" in r
        and r["createDeveloperMetadata"]["developerMetadata"]["metadataKey"] == ROW_KEY
    ]
    starts = [a["location"]["dimensionRange"]["startIndex"] for a in anchors]
    assert starts == list(range(1, len(anchors) + 1)) and anchors
    assert sum(anchor_size(a["metadataValue"]) for a in anchors) <= ANCHOR_CHARACTERS
    [recheck] = [r for r in sent[2:] if method(r) == "values.batchGet"]
    assert recheck.query["ranges"] == [f"'Contacts'!A{len(anchors) + 2}:A{PEOPLE + 1}"]
    # every row's values go out once, in row order: through its anchor, or by position
    row_of = {person_key((f"Person {i:05d}", "")): i + 1 for i in range(PEOPLE)}
    order = [
        row_of[f["developerMetadataLookup"]["metadataValue"]]
        if "developerMetadataLookup" in f
        else f["gridRange"]["startRowIndex"]
        for w in values
        for f in (d["dataFilter"] for d in w.body["data"])
    ]
    assert order == list(range(PEOPLE + 1))  # the header row first

    # every row holds exactly what the plan gave that person, and shows a colour
    rows = fake.rows(key, "Contacts")
    assert rows[0] == ["Name", "Last contact", "Next action", "Due", "Status", "Done"]
    plan = result.plan.rows
    dues = [None if d is None or d != d else d.date() for d in plan["due"]]
    for row, action, due, status in zip(
        plan.index, plan["next_action"], dues, plan["status"], strict=True
    ):
        assert rows[row][0] == f"Person {row - 1:05d}"
        assert rows[row][2:] == [action or None, due, status], row
    shown = fake.server.state.shown_format(key, "Contacts", PEOPLE + 1, 5, TODAY)
    assert shown["rule"] is not None
    # what the backend reports of its write is what was sent
    assert backend.last_write is not None
    assert backend.last_write.body_sizes == tuple(w.body_size for w in writes)
