"""The plan's typed columns (which rule fired, the dates it rests on) and what the diff
hands on with its changes (the values it replaces, Due dates written as dates)."""

import datetime as dt
from typing import Any

import pandas as pd
from core_helpers import TODAY, contacts, make_config, person

from sheets_keepup.core.model import SheetData, Tab
from sheets_keepup.core.pipeline import PlannedSheet, plan_sheet
from sheets_keepup.core.planner import CHECK, NO_RULE, PICK_MARK, RULE, RULES, SNOOZED


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def planned(rows: list[list[Any]], log: list[list[Any]] | None = None) -> PlannedSheet:
    # Owned headers already on the sheet are the tool's: it created and marked them.
    owned = {c for c, h in enumerate(rows[0]) if h in ("Next action", "Due", "Status", "Done")}
    tabs = {"Contacts": Tab("Contacts", rows, owned_columns=frozenset(owned))}
    if log is not None:
        tabs["Log"] = Tab("Log", [["Date", "Who", "Kind"], *log])
    return plan_sheet(SheetData(tabs=tabs, locale="en_GB"), make_config(), TODAY)


def test_the_rule_column_keeps_the_rules_in_order_of_precedence() -> None:
    assert list(RULE.categories) == [*RULES, SNOOZED, CHECK, NO_RULE]
    assert RULES[0] == "thank_you" and RULES[-1] == "never"


def test_each_row_names_the_rule_that_gave_its_action() -> None:
    rows = contacts(
        person("Thanks", email="t@x.org", tier="network", last_contact=days_ago(20)),
        person("Bday", tier="network", last_contact=days_ago(240), birthday="25 Nov"),
        person("Meet", tier="close", last_contact=days_ago(10), last_in_person=days_ago(400)),
        person("Kit", tier="network", last_contact=days_ago(240)),
        person("Never", tier="network"),
        person("Resting", tier="network", snooze_until=TODAY + dt.timedelta(days=9)),
        person("Odd", tier="vip"),
        person("Fine", tier="network", last_contact=days_ago(5)),
    )
    plan = planned(rows, [[days_ago(1), "t@x.org", "coffee"]]).plan.rows
    assert plan["rule"].dtype == RULE
    assert dict(zip(plan["name"], plan["rule"].astype(str), strict=True)) == {
        "Thanks": "thank_you",
        "Bday": "birthday",  # before the overdue catch-up, which "Also:" mentions
        "Meet": "in_person",
        "Kit": "keep_in_touch",
        "Never": NO_RULE,  # never spoken to: neutral until the week's picks reach it
        "Resting": SNOOZED,
        "Odd": CHECK,
        "Fine": NO_RULE,
    }
    by_name = plan.set_index("name")
    # (one of the week's picks, so it starts with the pick mark)
    assert (
        by_name.at["Bday", "next_action"].removeprefix(PICK_MARK).startswith("Birthday on 25 Nov")
    )
    assert by_name.at["Bday", "next_birthday"] == pd.Timestamp("2026-11-25")
    assert by_name.at["Thanks", "meeting"] == pd.Timestamp(days_ago(1))
    assert by_name.at["Thanks", "meeting_kind"] == "coffee"
    # The Log's coffee is the latest contact and the latest meeting in person.
    assert by_name.at["Thanks", "last_contact"] == pd.Timestamp(days_ago(1))
    assert by_name.at["Thanks", "last_in_person"] == pd.Timestamp(days_ago(1))
    assert by_name.at["Meet", "last_in_person"] == pd.Timestamp(days_ago(400))
    assert pd.isna(by_name.at["Never", "last_contact"])


def test_the_diff_keeps_what_every_written_cell_held() -> None:
    rows = contacts(person("Ann", tier="close", last_contact=days_ago(100)))
    rows[0] += ["Next action", "Due"]  # Status is missing: a header is written
    rows[1] += ["old text", 46000.0]
    changes = planned(rows).changes
    status, due = changes.owned_columns["status"], changes.owned_columns["due"]
    assert changes.previous is not None
    done = status + 1  # the Done box's header, new on the right of Status
    assert dict(changes.previous.values) == {
        (0, status): None,
        (0, done): None,
        (1, changes.owned_columns["next_action"]): "old text",
        (1, due): 46000.0,
        (1, status): None,
    }
    written = {(c.row, c.col): c.value for c in changes.cells}
    assert written[(1, due)] == days_ago(100) + dt.timedelta(days=30)
    assert type(written[(1, due)]) is dt.date
    assert changes.painted is not None and changes.end_col == done + 1


def test_a_due_cell_read_back_as_a_datetime_or_iso_text_is_left_alone() -> None:
    rows = contacts(person("Ann", tier="close", last_contact=days_ago(100)))
    due = days_ago(70)
    for shown in (dt.datetime(due.year, due.month, due.day, 13, 5), due.isoformat()):
        first = planned(rows).changes
        again = [list(r) for r in rows]
        for cell in first.cells:
            line = again[cell.row]
            line += [None] * (cell.col + 1 - len(line))
            line[cell.col] = cell.value
        again[1][first.owned_columns["due"]] = shown
        assert not planned(again).changes.cells
