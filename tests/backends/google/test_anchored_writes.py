"""Writes reach the person they were planned for, whatever the user does meanwhile.

The user inserts a row at the top of the data, sorts the rows or deletes one just
before each request of a sync in turn (the reads, anything between, the writes). After
the sync every owned value sits on the person it was planned for (a fresh plan of the
sheet as it now stands has nothing to change), every user cell is unchanged, and each
person's Status cell shows their status's colour through the tool's rules.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fakesheets import FakeSheetsServer

from sheets_keepup.app.sync import sync
from sheets_keepup.backends.google.anchors import ANCHOR_CHARACTERS, ROW_KEY
from sheets_keepup.core.pipeline import plan_sheet
from sheets_keepup.core.planner import CHECK, DUE_SOON, OK, OVERDUE, SNOOZED
from tests.core_helpers import HEADERS, TODAY, contacts, make_config, person
from tests.fake_google import FakeGoogle, colour_hex

Edit = Callable[[Any, str], None]
NAME, OWNED = 0, len(HEADERS)


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def people() -> list[list[Any]]:
    return contacts(
        person("Ann", email="ann@example.com", tier="close", last_contact=days_ago(100)),
        person("Bob", email="bob@example.com", tier="core", last_contact=days_ago(5)),
        person("Cleo", tier="network", last_contact=days_ago(170)),
        person("Dev", tier="core", last_contact=days_ago(400), notes="ask about the kids"),
        person("Eve", tier="close", snooze_until=TODAY + dt.timedelta(days=9)),
        person("Finn", tier="nonsense", last_contact=days_ago(3)),
    )


def insert_at_top(state: Any, key: str) -> None:
    state.insert_rows(key, "Contacts", 2)


def delete_first(state: Any, key: str) -> None:
    state.delete_rows(key, "Contacts", 2)


def sort_by_name_descending(state: Any, key: str) -> None:
    sheet_id = state.sheet_properties(key, "Contacts")["sheetId"]
    grid = {"sheetId": sheet_id, "startRowIndex": 1}
    spec = {"dimensionIndex": NAME, "sortOrder": "DESCENDING"}
    state.apply(key, {"sortRange": {"range": grid, "sortSpecs": [spec]}})


EDITS: dict[str, Edit] = {
    "insert": insert_at_top,
    "sort": sort_by_name_descending,
    "delete": delete_first,
}


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with FakeSheetsServer() as server:
        yield FakeGoogle(server)


def user_cells(google: FakeGoogle, key: str) -> dict[str, list[Any]]:
    """Each person's own cells (the columns left of the owned ones), by name."""
    rows = google.rows(key, "Contacts")[1:]
    return {str(r[NAME]): (r[:OWNED] + [None] * OWNED)[:OWNED] for r in rows if r and r[NAME]}


def status_colour(status: str) -> str:
    colours = make_config().colours
    by_status = {
        OVERDUE: colours.overdue,
        DUE_SOON: colours.due_soon,
        OK: colours.ok,
        SNOOZED: colours.snoozed,
        CHECK: colours.check,
    }
    return by_status[status]


def where_free(value: Any) -> Any:
    """A value with the cell it names ("Check Tier (D7)") blanked: a row that moved
    after the plan still holds its person's message, naming the cell it was in."""
    return re.sub(r"\([A-Z]+[0-9]+\)", "(cell)", value) if isinstance(value, str) else value


def assert_everyone_has_their_own(google: FakeGoogle, key: str, before: dict[str, Any]) -> None:
    backend = google.backend(key)
    data = backend.read(["Contacts", "Log"])
    planned = plan_sheet(data, make_config(), TODAY)
    tab = data.tabs["Contacts"]
    wrong = [
        (c, tab.value(c.row, c.col))
        for c in planned.changes.cells
        if where_free(c.value) != where_free(tab.value(c.row, c.col))
    ]
    assert not wrong
    after = user_cells(google, key)
    assert {name: after[name] for name in after} == {name: before[name] for name in after}
    rows = google.rows(key, "Contacts")
    status_col = planned.changes.owned_columns["status"]
    for number, row in enumerate(rows[1:], start=2):
        if not row or not row[NAME]:
            continue
        status = row[status_col]
        shown = google.server.state.shown_format(key, "Contacts", number, status_col + 1, TODAY)
        colour = colour_hex(shown["backgroundColor"] or {})
        picked = str(row[planned.changes.owned_columns["next_action"]] or "").startswith("★")
        expected = make_config().colours.pick if picked else status_colour(status)
        assert colour == expected, (row[NAME], status, colour)


def requests_of_a_sync(google: FakeGoogle, key: str, budget: int) -> int:
    before = google.server.request_count()
    sync(google.backend(key, anchor_budget=budget), make_config(), TODAY)
    return google.server.request_count() - before


def first_sync_sheet(google: FakeGoogle) -> str:
    return google.create({"Contacts": people(), "Log": [["Date", "Who", "Kind"]]})


def edited_row_sheet(google: FakeGoogle) -> str:
    key = first_sync_sheet(google)
    sync(google.backend(key), make_config(), TODAY)
    # The user logs a coffee with Ann by hand: her row's actions change.
    google.server.state.set_values(key, "Contacts!F2", [[f"{days_ago(1).isoformat()}"]])
    return key


ALL_ANCHORED = ANCHOR_CHARACTERS
THREE_ANCHORS = 3 * (len(ROW_KEY) + 13)
"""A tab so full of metadata that only three rows get an anchor: the rest are written
by position after checking who is on them. That check and the write are two requests:
an edit between those two is the one moment this cannot cover (see below)."""


@pytest.mark.parametrize("budget", [ALL_ANCHORED, THREE_ANCHORS])
@pytest.mark.parametrize("make_sheet", [first_sync_sheet, edited_row_sheet])
@pytest.mark.parametrize("edit", sorted(EDITS))
def test_every_value_lands_on_its_person_whatever_moves_before_each_request(
    google: FakeGoogle, make_sheet: Callable[[FakeGoogle], str], edit: str, budget: int
) -> None:
    probe = make_sheet(google)
    count = requests_of_a_sync(google, probe, budget)
    assert count >= 2
    # Rows written by position are checked just before the values write, not during it.
    last = count if budget == ALL_ANCHORED else count - 1
    for moment in range(1, last + 1):
        key = make_sheet(google)
        before = user_cells(google, key)
        at = google.server.request_count() + moment
        google.server.faults.before_request(
            lambda state, info, key=key: EDITS[edit](state, key), at_request=at
        )
        sync(google.backend(key, anchor_budget=budget), make_config(), TODAY)
        assert_everyone_has_their_own(google, key, before)
