"""A first sync of 50,000 contacts: every write body under 2 MB, in row order, correct."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from fake_google import FakeGoogle

from sheets_keepup.app.sync import sync
from sheets_keepup.backends.google.backend import MAX_BODY_BYTES
from sheets_keepup.core.settings import Config, SourceConfig

pytestmark = pytest.mark.slow

TODAY = dt.date(2026, 11, 23)
PEOPLE = 50_000


def contacts() -> list[list[object]]:
    """Blocks of people last contacted on the same day, so colours come in runs."""
    rows: list[list[object]] = [["Name", "Last contact"]]
    for i in range(PEOPLE):
        days = (i // 250) * 37 % 400
        rows.append([f"Person {i:05d}", TODAY - dt.timedelta(days=days)])
    return rows


def test_fifty_thousand_contacts_first_sync(fake: FakeGoogle) -> None:
    key = fake.create({"Contacts": contacts(), "Log": [["Date", "Who"]]})
    backend = fake.backend(key, timeout_seconds=300)
    result = sync(backend, Config(source=SourceConfig(kind="google", spreadsheet=key)), TODAY)

    assert result.written and len(result.plan.rows) == PEOPLE
    writes = fake.server.find_requests(kind="write")
    sizes = [w.body_size for w in writes]
    assert all(size < MAX_BODY_BYTES for size in sizes), sizes
    assert backend.last_write is not None
    assert backend.last_write.body_sizes == tuple(sizes)
    # the fewest bodies: no two neighbours would have fitted in one
    assert all(a + b > MAX_BODY_BYTES for a, b in itertools.pairwise(sizes))
    assert fake.server.request_count(kind="read") == 2  # the read and the identity check

    # row blocks go out in order
    firsts = []
    for write in writes:
        requests = write.body["requests"]
        starts = [r["updateCells"]["start"]["rowIndex"] for r in requests if "updateCells" in r]
        firsts.append(min(starts))
        assert "formulaValue" not in json.dumps(write.body)
    assert firsts == sorted(firsts)

    # every row holds exactly what the plan gave that person, and a colour
    rows = fake.rows(key, "Contacts")
    assert rows[0] == ["Name", "Last contact", "Next action", "Due", "Status"]
    plan = result.plan.rows
    dues = [None if d is None or d != d else d.date() for d in plan["due"]]
    for row, action, due, status in zip(
        plan.index, plan["next_action"], dues, plan["status"], strict=True
    ):
        assert rows[row][0] == f"Person {row - 1:05d}"
        assert rows[row][2:] == [action or None, due, status], row
    assert fake.background(key, "Contacts", PEOPLE, 0) is not None
