"""The Done box in the core: which cells count as ticks, the kind each Next action names,
the Log rows and cleared ticks one sync plans, and the plan counting the touch at once."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pandas as pd
import pytest
from core_helpers import HEADERS, TODAY, contacts, make_config, person

from sheets_keepup.core.diff import DONE_KEY
from sheets_keepup.core.done import action_kind, is_ticked, plan_with_done, take_done
from sheets_keepup.core.errors import DataError
from sheets_keepup.core.model import CellWrite, SheetData, Tab
from sheets_keepup.core.pipeline import plan_sheet
from sheets_keepup.core.planner import RULES
from sheets_keepup.core.settings import Config

OWNED = ["Next action", "Due", "Status", "Done"]
WIDTH = len(HEADERS)
DONE_COL = WIDTH + 3


def synced(tabs: dict[str, list[list[Any]]], config: Config | None = None) -> SheetData:
    """The read of a sheet after a first sync: owned columns filled in and marked."""
    config = config or make_config()
    data = SheetData({t: Tab(t, rows) for t, rows in tabs.items()}, locale="en_GB")
    changes = plan_sheet(data, config, TODAY).changes
    rows = [list(r) + [None] * (WIDTH + 4 - len(r)) for r in tabs["Contacts"]]
    for cell in changes.cells:
        rows[cell.row][cell.col] = cell.value
    marked = frozenset(changes.owned_columns.values())
    contacts_tab = Tab("Contacts", rows, highlight=changes.highlight, owned_columns=marked)
    return dataclasses.replace(data, tabs={**data.tabs, "Contacts": contacts_tab})


def tick(data: SheetData, row: int, value: Any = True) -> SheetData:
    tab = data.tabs["Contacts"]
    rows = [list(r) for r in tab.rows]
    rows[row][DONE_COL] = value
    return dataclasses.replace(
        data, tabs={**data.tabs, "Contacts": dataclasses.replace(tab, rows=rows)}
    )


def people() -> dict[str, list[list[Any]]]:
    return {
        "Contacts": contacts(
            person("Ann", email="ann@example.com", tier="core", last_contact=dt.date(2026, 1, 5)),
            person(
                "Bob",
                phone="+44 20 7946 0000",
                tier="close",
                last_contact=dt.date(2026, 11, 1),
                last_in_person=dt.date(2025, 1, 1),
            ),
            person("Cy", tier="network", last_contact=dt.date(2026, 11, 1)),
        ),
        "Log": [["Date", "Who", "Kind"], [dt.date(2026, 10, 1), "Cy", "call"]],
    }


@pytest.mark.parametrize(
    ("value", "ticked"),
    [
        (True, True),
        (False, False),
        (None, False),
        ("x", True),
        (" X ", True),
        ("✓", True),
        ("TRUE", True),
        ("Yes", True),
        (1, True),
        (0, False),
        ("no", False),
        ("", False),
    ],
)
def test_what_counts_as_a_tick(value: Any, ticked: bool) -> None:
    assert is_ticked(value) is ticked


def test_first_sync_creates_a_done_column_with_tick_boxes() -> None:
    data = SheetData({t: Tab(t, rows) for t, rows in people().items()}, locale="en_GB")
    planned, _ = plan_with_done(data, make_config(), TODAY)
    changes = planned.changes
    assert changes.owned_columns[DONE_KEY] == DONE_COL
    assert CellWrite(0, DONE_COL, "Done") in changes.cells
    assert DONE_COL in changes.mark_columns
    assert changes.setup is not None
    assert list(changes.setup.checkboxes) == [DONE_COL]
    assert changes.setup.first_row == 1


def test_done_column_can_be_switched_off() -> None:
    config = make_config(columns={"owned": {"done": None}})
    data = SheetData({t: Tab(t, rows) for t, rows in people().items()}, locale="en_GB")
    planned, _ = plan_with_done(data, config, TODAY)
    assert DONE_KEY not in planned.changes.owned_columns
    assert all(c.value != "Done" for c in planned.changes.cells)
    assert planned.changes.setup is None
    # An empty name switches it off the same way, and no empty header cell is taken for it.
    assert make_config(columns={"owned": {"done": " "}}).columns.owned.done is None


def test_a_tick_becomes_one_log_row_and_is_cleared_in_the_same_change_set() -> None:
    data = tick(synced(people()), 1)
    planned, step = plan_with_done(data, make_config(), TODAY)
    assert [(t.label, t.kind, t.logged) for t in step.ticks] == [("Ann", "email", True)]
    log = [c for c in planned.changes.extra_tabs if c.tab == "Log"]
    assert len(log) == 1
    assert [list(line) for line in log[0].appends] == [[TODAY, "Ann", "email"]]
    assert CellWrite(1, DONE_COL, False) in planned.changes.cells
    # The plan of this same sync counts the touch: Ann is no longer overdue.
    ann = planned.plan.rows.loc[1]
    assert ann["status"] == "ok"
    assert ann["last_contact"] == dt.datetime(2026, 11, 23)
    # The write checks Ann is still on row 2 before clearing her tick.
    assert planned.changes.identity is not None
    assert planned.changes.identity.rows[1] == ("Ann", "ann@example.com")


def test_typed_tick_is_emptied_and_checkbox_tick_unticked() -> None:
    data = tick(tick(synced(people()), 1, "x"), 3, True)
    planned, _ = plan_with_done(data, make_config(), TODAY)
    cleared = {c.row: c.value for c in planned.changes.cells if c.col == DONE_COL}
    assert cleared == {1: None, 3: False}


def test_user_cells_are_never_written() -> None:
    data = tick(tick(tick(synced(people()), 1), 2, "x"), 3)
    planned, _ = plan_with_done(data, make_config(), TODAY)
    owned = set(planned.changes.owned_columns.values())
    assert all(c.col in owned for c in planned.changes.cells)


@pytest.mark.parametrize(
    ("row", "kind"),
    [(1, "email"), (2, "coffee"), (3, "touch")],
)
def test_kind_comes_from_the_next_action_the_user_saw(row: int, kind: str) -> None:
    data = tick(synced(people()), row)
    _, step = plan_with_done(data, make_config(), TODAY)
    assert [t.kind for t in step.ticks] == [kind]


def test_kind_is_what_the_cell_said_even_when_today_plans_another_rule() -> None:
    """The sync that wrote "Email Ann" ran before her birthday came into view; she was
    emailed, so the Log says email, not birthday note."""
    data = synced(people())
    tab = data.tabs["Contacts"]
    rows = [list(r) for r in tab.rows]
    rows[1][HEADERS.index("Birthday")] = "11-25"
    rows[1][WIDTH] = "★ This week: Email Ann: last spoke 10 months ago; ask about sailing."
    rows[1][DONE_COL] = True
    data = dataclasses.replace(
        data, tabs={**data.tabs, "Contacts": dataclasses.replace(tab, rows=rows)}
    )
    before = plan_sheet(data, make_config(), TODAY).plan.rows.loc[1]
    assert before["rule"] == "birthday"
    _, step = plan_with_done(data, make_config(), TODAY)
    assert [t.kind for t in step.ticks] == ["email"]


def test_hand_edited_next_action_falls_back_to_the_plans_rule() -> None:
    data = synced(people())
    tab = data.tabs["Contacts"]
    rows = [list(r) for r in tab.rows]
    rows[2][WIDTH] = "rang him, he says hi"
    rows[2][DONE_COL] = True
    data = dataclasses.replace(
        data, tabs={**data.tabs, "Contacts": dataclasses.replace(tab, rows=rows)}
    )
    _, step = plan_with_done(data, make_config(), TODAY)
    assert [t.kind for t in step.ticks] == ["coffee"]


def test_every_action_the_planner_writes_names_its_kind() -> None:
    """Each rule's sentence, as the planner words it today, maps to the right kind; if the
    wording changes, this test says which sentence the Done box no longer reads."""
    today = dt.date(2026, 12, 20)
    tabs: dict[str, list[list[Any]]] = {
        "Contacts": contacts(
            person(
                "Tia", email="tia@example.com", tier="network", last_contact=dt.date(2026, 1, 1)
            ),
            person("Ben", tier="close", last_contact=dt.date(2026, 11, 15), birthday="12-22"),
            person("Ned", email="ned@example.com", tier="core", last_contact=dt.date(2026, 11, 15)),
            person(
                "Ida",
                tier="close",
                last_contact=dt.date(2026, 11, 15),
                last_in_person=dt.date(2025, 1, 1),
            ),
            person(
                "Kit",
                email="kit@example.com",
                tier="acquaintance",
                last_contact=dt.date(2025, 1, 1),
            ),
            person(
                "Pam", phone="+1 555 0100", tier="acquaintance", last_contact=dt.date(2025, 1, 1)
            ),
            person("Rex", tier="acquaintance", last_contact=dt.date(2025, 1, 1)),
            person("Vic", tier="network"),
        ),
        "Log": [["Date", "Who", "Kind"], [dt.date(2026, 12, 19), "Tia", "lunch"]],
    }
    config = make_config()
    data = SheetData({t: Tab(t, rows) for t, rows in tabs.items()}, locale="en_GB")
    # In the new-year window close and core rows get the new-year note first, so the
    # sheet is planned a month earlier too, for the in-person suggestion.
    plans = [plan_sheet(data, config, day).plan.rows for day in (today, dt.date(2026, 11, 20))]
    rows = pd.concat(plans)
    expected = {
        "thank_you": "thank-you",
        "birthday": "birthday note",
        "new_year": "new-year note",
        "in_person": "coffee",
    }
    seen = set()
    for at, row in rows.iterrows():
        if str(row["rule"]) not in RULES:
            continue  # nothing due, snoozed or a cell to check: no action to carry out
        line = tabs["Contacts"][int(str(at))]
        email, phone = line[1] or "", line[2] or ""
        verb = "email" if email else "call" if phone else "message"
        want = expected.get(str(row["rule"]), verb)
        assert action_kind(row["next_action"], config, email=email, phone=phone) == want, row[
            "next_action"
        ]
        seen.add(str(row["rule"]))
    # "never" (no last contact) is left out: whether it gives an action is the planner's
    # call; when it does, the loop above checks its kind.
    assert {"thank_you", "birthday", "new_year", "in_person", "keep_in_touch"} <= seen


def test_a_touch_the_log_already_holds_is_not_logged_twice() -> None:
    """A Google write whose Log append landed and whose tick clearing did not: the next
    sync the same day clears the tick and adds no second row."""
    data = tick(synced(people()), 1)
    # The Log row landed; the cells still show what the user saw ("Email Ann...").
    log = data.tabs["Log"]
    landed = dataclasses.replace(log, rows=[*log.rows, [TODAY, "Ann", "email"]])
    data = dataclasses.replace(data, tabs={**data.tabs, "Log": landed})
    planned, step = plan_with_done(data, make_config(), TODAY)
    assert [(t.label, t.logged) for t in step.ticks] == [("Ann", False)]
    assert not [c for c in planned.changes.extra_tabs if c.tab == "Log"]
    assert CellWrite(1, DONE_COL, False) in planned.changes.cells


def test_missing_log_tab_is_created_with_the_row() -> None:
    tabs = people()
    del tabs["Log"]
    data = tick(synced(tabs), 1)
    planned, _ = plan_with_done(data, make_config(), TODAY)
    (log,) = [c for c in planned.changes.extra_tabs if c.tab == "Log"]
    assert log.create_tab
    assert [list(r) for r in log.appends][1][:3] == [TODAY, "Ann", "email"]
    assert planned.plan.rows.loc[1, "status"] == "ok"


def test_a_users_own_done_column_is_never_read_or_written() -> None:
    tabs = people()
    tabs["Contacts"] = [
        [*r, v] for r, v in zip(tabs["Contacts"], ["Done", "yes", None, "x"], strict=True)
    ]
    data = SheetData({t: Tab(t, rows) for t, rows in tabs.items()}, locale="en_GB")
    assert not take_done(data, make_config(), TODAY).ticks
    with pytest.raises(DataError, match=r"columns.owned.done"):
        plan_with_done(data, make_config(), TODAY)


def test_ticks_on_rows_without_a_contact_are_left_alone() -> None:
    data = synced(people())
    tab = data.tabs["Contacts"]
    rows: list[list[Any]] = [*map(list, tab.rows), [None] * (WIDTH + 4)]
    rows[-1][DONE_COL] = True
    data = dataclasses.replace(
        data, tabs={**data.tabs, "Contacts": dataclasses.replace(tab, rows=rows)}
    )
    planned, step = plan_with_done(data, make_config(), TODAY)
    assert not step.ticks
    assert all(c.col != DONE_COL for c in planned.changes.cells)


def test_boxes_are_set_again_when_pasted_over_and_not_on_a_quiet_night() -> None:
    data = synced(people())
    planned, _ = plan_with_done(data, make_config(), TODAY)
    assert planned.changes.setup is None
    pasted = tick(data, 2, "done it")  # not a tick word: the box was pasted over
    planned, step = plan_with_done(pasted, make_config(), TODAY)
    assert not step.ticks
    assert not planned.changes  # never a write of its own
    planned, step = plan_with_done(tick(pasted, 1), make_config(), TODAY)
    assert planned.changes.setup is not None
    assert list(planned.changes.setup.checkboxes) == [DONE_COL]
