"""Colours as conditional formats the tool owns, and columns the tool marks as its own."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.core.errors import DataError
from sheets_keepup.core.highlight import highlight_rules, same_highlight
from sheets_keepup.core.model import HIGHLIGHT_MARK, Area, Highlight, Painted, RowFill, Rule
from sheets_keepup.core.pipeline import plan_sheet
from tests.core_helpers import HEADERS, TODAY, contacts, make_config, person


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def sheet(*extra_headers: str, rows: list[list[Any]] | None = None) -> MemoryBackend:
    table = contacts(
        person("Ann", tier="close", last_contact=days_ago(100)),
        person("Bob", tier="core", last_contact=days_ago(5)),
    )
    table[0] += list(extra_headers)
    for line, values in zip(table[1:], rows or [], strict=False):
        line += values
    return MemoryBackend.from_rows({"Contacts": table})


def sync(backend: MemoryBackend, **config: Any) -> Any:
    planned = plan_sheet(backend.read(["Contacts", "Log"]), make_config(**config), TODAY)
    if planned.changes:
        backend.apply(planned.changes)
    return planned


def test_row_mode_colours_every_column_from_the_row_below_the_header() -> None:
    config = make_config()
    columns = {"next_action": 11, "due": 12, "status": 13}
    rules = highlight_rules(config, columns, header_row=2, end_col=14)
    assert rules.areas == (Area(3, 0, 14),)
    # A1 rows count from 1: the first coloured row is row 4.
    assert [r.formula for r in rules.rules] == [
        f'={HIGHLIGHT_MARK}(LEFT($L4,1)="★")',
        f'={HIGHLIGHT_MARK}($N4="check")',
        f'={HIGHLIGHT_MARK}($N4="snoozed")',
        f'={HIGHLIGHT_MARK}OR($N4="overdue",AND(ISNUMBER($M4),$M4<TODAY()))',
        f'={HIGHLIGHT_MARK}($N4="due soon")',
        f'={HIGHLIGHT_MARK}($N4="ok")',
    ]
    assert [r.bold for r in rules.rules] == [True, False, False, False, False, False]
    colours = config.colours
    assert [r.colour for r in rules.rules] == [
        colours.pick,
        colours.check,
        colours.snoozed,
        colours.overdue,
        colours.due_soon,
        colours.ok,
    ]


def test_status_mode_covers_only_the_owned_columns_and_none_has_no_rule() -> None:
    columns = {"next_action": 3, "due": 7, "status": 8}
    status = highlight_rules(make_config(highlight="status"), columns, 0, 9)
    assert status.areas == (Area(1, 3, 4), Area(1, 7, 9))
    assert highlight_rules(make_config(highlight="none"), columns, 0, 9) == Highlight()


def test_rules_read_back_with_other_letter_case_are_the_same_but_an_edit_is_not() -> None:
    wanted = highlight_rules(make_config(), {"next_action": 1, "due": 2, "status": 3}, 0, 4)
    lower = Highlight(
        wanted.areas,
        tuple(Rule(r.formula, (r.colour or "").lower(), r.bold) for r in wanted.rules),
    )
    assert same_highlight(lower, wanted)
    edited = Highlight(wanted.areas, (Rule(wanted.rules[0].formula, "#000000", True),))
    assert not same_highlight(edited, wanted)
    assert not same_highlight(None, wanted)
    assert same_highlight(None, Highlight())


def test_a_first_sync_adds_marks_and_rules_and_a_second_sends_nothing() -> None:
    backend = sheet()
    first = sync(backend)
    owned = first.changes.owned_columns
    assert sorted(first.changes.mark_columns) == sorted(owned.values())
    assert first.changes.highlight is not None
    assert backend.highlights["Contacts"] == first.changes.highlight
    assert not first.changes.fills  # nothing painted cell by cell
    again = sync(backend)
    assert not again.changes


def test_switching_highlight_mode_changes_only_the_rules() -> None:
    backend = sheet()
    sync(backend)
    switched = sync(backend, highlight="status")
    assert switched.changes.highlight is not None
    assert not switched.changes.cells and not switched.changes.fills
    off = sync(backend, highlight="none")
    assert off.changes.highlight == Highlight()
    assert "Contacts" not in backend.highlights
    assert not sync(backend, highlight="none").changes


def test_a_users_status_column_stops_the_sync_and_names_the_config_key() -> None:
    backend = sheet("Status", rows=[["Client - signed"], ["Legal hold - no emails"]])
    before = [list(r) for r in backend.tabs["Contacts"]]
    with pytest.raises(DataError) as caught:
        sync(backend)
    message = str(caught.value)
    assert "'Contacts'!L1" in message and "columns.owned.status" in message
    assert backend.tabs["Contacts"] == before and backend.writes == 0


def test_an_empty_users_next_action_column_is_not_taken_either() -> None:
    backend = sheet("Next action")
    with pytest.raises(DataError, match=r"columns\.owned\.next_action"):
        sync(backend)


def test_columns_an_older_version_wrote_are_recognised_by_their_statuses_and_marked() -> None:
    backend = sheet(
        "Next action",
        "Due",
        "Status",
        rows=[["Email Ann", days_ago(10), "overdue"], [None, None, "ok"]],
    )
    planned = sync(backend)
    width = len(HEADERS)
    # The three adopted columns, and Done, which this version adds beside them.
    assert sorted(planned.changes.mark_columns) == [width, width + 1, width + 2, width + 3]
    assert backend.owned_columns["Contacts"] == {width, width + 1, width + 2, width + 3}


def test_fills_an_older_version_painted_come_off_and_the_users_stay() -> None:
    backend = sheet()
    sync(backend)
    status = len(HEADERS) + 2
    overdue = make_config().colours.overdue
    # As an older version left row 1 (Ann, overdue) in row mode; the user's own yellow
    # in Notes and a green on Bob's name (not a colour of the row's status) stay.
    for col in range(status + 1):
        backend.backgrounds[("Contacts", 1, col)] = overdue
    backend.backgrounds[("Contacts", 1, 9)] = "#FFFF00"
    backend.backgrounds[("Contacts", 2, 0)] = "#00FF00"
    record = Painted("Contacts", "row", status + 1, (status - 2, status - 1, status), (overdue,))
    config = make_config()
    planned = plan_sheet(backend.read(["Contacts"]), config, TODAY, record)
    assert planned.changes.fills == [RowFill(1, 0, 9, None), RowFill(1, 10, status + 1, None)]
    backend.apply(planned.changes)
    assert backend.backgrounds == {("Contacts", 1, 9): "#FFFF00", ("Contacts", 2, 0): "#00FF00"}
    assert planned.painted.mode == "none"
    # Once the record says nothing is painted, nothing more is cleared.
    again = plan_sheet(backend.read(["Contacts"]), config, TODAY, planned.painted)
    assert not again.changes
