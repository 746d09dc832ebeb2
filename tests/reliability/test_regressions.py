"""Bugs the reliability suite found, each pinned by the smallest sheet that showed it."""

from __future__ import annotations

import datetime as dt

import pytest
from harness import TODAY, contacts, make_config, person

from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.changes import as_date
from sheets_keepup.sync import sync


@pytest.mark.parametrize(
    "value",
    [
        dt.date(2263, 1, 1),
        dt.datetime(9999, 12, 31, 23, 59),
        2958465,
        200_000.5,
        dt.date(1850, 1, 1),
    ],
)
def test_dates_pandas_cannot_hold_are_reported_not_fatal(value: object) -> None:
    """A date after 2262 (or a serial for one) crashed the whole sync with
    OutOfBoundsDatetime; now the cell is reported and the other rows still sync."""
    sheet = MemoryBackend.from_rows(
        {
            "Contacts": contacts(
                person("Odd", last_contact=value),
                person("Fine", last_contact=dt.date(2026, 1, 1)),
            ),
            "Log": [["Date", "Who"], [value, "Fine"]],
        }
    )
    result = sync(sheet, make_config(), TODAY)
    statuses = dict(zip(result.plan.rows["name"], result.plan.rows["status"], strict=True))
    assert statuses["Odd"] == "check"
    assert statuses["Fine"] != "check"
    assert any(p.tab == "Log" and p.row == 1 for p in result.problems)


def test_a_huge_serial_in_the_due_column_reads_as_a_date() -> None:
    assert as_date(2958465) == dt.date(9999, 12, 31)


def test_every_unreadable_cell_is_its_own_problem_with_its_address() -> None:
    """Problems used to be one per row with no column, so `where` said 'row 2' and the
    cells were only named inside the message text."""
    sheet = MemoryBackend.from_rows(
        {
            "Contacts": contacts(
                person("Bad", tier="vip", last_contact="last spring", birthday="someday"),
                person("", email=""),
            )
        }
    )
    sheet.tabs["Contacts"][2][3] = "core"  # the nameless row has a readable tier
    sheet.tabs["Contacts"][2][8] = "likes tea"  # and something in it
    result = sync(sheet, make_config(), TODAY)
    where = {p.where: p.message for p in result.problems}
    assert where["'Contacts'!D2"].startswith("Tier 'vip' is not a tier")
    assert where["'Contacts'!F2"].startswith("Last contact 'last spring' is not a date")
    assert where["'Contacts'!H2"].startswith("Birthday 'someday' is not a birthday")
    assert where["'Contacts' row 3"] == "add a name or an email to this row"
    row = result.plan.rows.loc[1]
    assert row["next_action"].startswith("Check Tier (D2) 'vip' is not a tier")


def test_a_50000_character_name_still_fits_in_the_next_action_cell() -> None:
    """The name went into the Next action whole: a long pasted name made a cell over the
    Sheets limit (the whole write refused) or over xlsx's, which cuts it silently, so
    every later run saw a difference and wrote again."""
    sheet = MemoryBackend.from_rows({"Contacts": contacts(person("N" * 50_000, tier="close"))})
    result = sync(sheet, make_config(), TODAY)
    action = result.plan.rows.loc[1, "next_action"]
    assert ("N" * 77 + "...") in action
    assert len(action) < 300
    assert not sync(sheet, make_config(), TODAY).changes
