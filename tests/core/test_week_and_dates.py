"""Due is the date the status refers to, future dates are checked, people never spoken to
start neutral, and the week's picks hold from Monday to Sunday."""

import datetime as dt
from typing import Any

import pandas as pd
from core_helpers import HEADERS, TODAY, contacts, make_config, person

from sheets_keepup.core.model import SheetData, Tab
from sheets_keepup.core.pipeline import plan_sheet
from sheets_keepup.core.planner import CHECK, DUE_SOON, OK, OVERDUE, PICK_MARK, Plan
from sheets_keepup.core.settings import Config

MONDAY = TODAY
THURSDAY = MONDAY + dt.timedelta(days=3)
assert MONDAY.weekday() == 0


def days_before(day: dt.date, n: int) -> dt.date:
    return day - dt.timedelta(days=n)


def plan(
    rows: list[list[Any]],
    config: Config,
    today: dt.date = TODAY,
    log: list[list[Any]] | None = None,
) -> Plan:
    tabs = {"Contacts": Tab("Contacts", rows)}
    if log is not None:
        tabs["Log"] = Tab("Log", [["Date", "Who", "Kind"], *log])
    return plan_sheet(SheetData(tabs=tabs, locale="en_GB"), config, today).plan


def row_of(result: Plan, name: str) -> pd.Series:
    match = result.rows[result.rows["name"] == name]
    assert len(match) == 1, name
    return match.iloc[0]


def picked(result: Plan) -> list[str]:
    return list(result.picks["name"])


def with_connected(*people: tuple[list[Any], dt.date | None]) -> list[list[Any]]:
    """Contacts with a LinkedIn-style 'Connected On' column after the usual ones."""
    return [[*HEADERS, "Connected On"], *[[*p, when] for p, when in people]]


def test_an_overdue_row_is_due_on_the_date_that_passed_not_the_first_rules() -> None:
    birthday = TODAY + dt.timedelta(days=5)
    rows = contacts(
        person(
            "Late",
            tier="network",
            last_contact=days_before(TODAY, 200),
            birthday=f"{birthday.month:02d}-{birthday.day:02d}",
        )
    )
    late = row_of(plan(rows, make_config(picks_per_week=0)), "Late")
    assert late["status"] == OVERDUE
    assert late["next_action"].startswith("Birthday on")  # the first rule still speaks
    assert late["due"] == pd.Timestamp(days_before(TODAY, 20))  # 200 days - 180 cadence


def test_an_overdue_in_person_meeting_gives_its_own_due_date() -> None:
    rows = contacts(
        person(
            "Far",
            tier="close",
            last_contact=days_before(TODAY, 40),
            last_in_person=days_before(TODAY, 200),
        )
    )
    far = row_of(plan(rows, make_config(picks_per_week=0)), "Far")
    assert far["status"] == OVERDUE
    assert far["due"] == pd.Timestamp(days_before(TODAY, 20))  # 200 - 180, before 40 - 30


def test_a_last_contact_in_the_future_is_a_cell_to_check() -> None:
    rows = contacts(
        person("Later", tier="network", last_contact=dt.date(2030, 1, 1)),
        person("Met later", tier="close", last_contact=TODAY, last_in_person=dt.date(2029, 5, 1)),
        person("Tomorrow", tier="network", last_contact=TODAY + dt.timedelta(days=1)),
    )
    result = plan(rows, make_config(picks_per_week=0))
    later = row_of(result, "Later")
    assert later["status"] == CHECK
    assert later["next_action"] == (
        "Check Last contact (F2) '2030-01-01' is in the future; use the day it happened."
    )
    assert row_of(result, "Met later")["status"] == CHECK
    assert "Last in person (G3)" in row_of(result, "Met later")["next_action"]
    # A day ahead is time-zone slack, not the future.
    assert row_of(result, "Tomorrow")["status"] == OK
    where = {p.where for p in result.problems}
    assert {"'Contacts'!F2", "'Contacts'!G3"} <= where


def test_a_connection_date_is_not_a_conversation_and_starts_neutral() -> None:
    rows = with_connected(
        (person("Imported", email="i@x.org", tier="network"), days_before(TODAY, 2600)),
    )
    imported = row_of(plan(rows, make_config(picks_per_week=0)), "Imported")
    assert imported["status"] == OK
    assert imported["next_action"] == ""
    assert pd.isna(imported["last_contact"])
    assert pd.isna(imported["due"])


def test_a_connection_date_in_the_future_is_checked() -> None:
    rows = with_connected((person("Odd", tier="network"), dt.date(2031, 2, 3)))
    odd = row_of(plan(rows, make_config(picks_per_week=0)), "Odd")
    assert odd["status"] == CHECK
    assert "Connected On (L2) '2031-02-03' is in the future" in odd["next_action"]


def test_people_never_spoken_to_join_the_picks_a_few_a_week() -> None:
    rows = with_connected(
        (person("Real", email="r@x.org", tier="core", last_contact=days_before(TODAY, 100)), None),
        *(
            (person(f"New {n}", email=f"n{n}@x.org", tier="network"), dt.date(2019, 5, 1))
            for n in range(5)
        ),
    )
    result = plan(rows, make_config(picks_per_week=3))
    assert picked(result) == ["Real", "New 0"]
    new = row_of(result, "New 0")
    assert new["status"] == DUE_SOON
    assert new["next_action"] == (
        PICK_MARK + "Reach out to New 0: connected 7 years ago, no conversation recorded yet"
        " (add the date if you have been in touch)."
    )
    assert new["due"] == pd.Timestamp(MONDAY + dt.timedelta(days=6))  # this week's Sunday
    for n in range(1, 5):
        assert row_of(result, f"New {n}")["status"] == OK
    two = plan(rows, make_config(picks_per_week=3, picks_new_per_week=2))
    assert picked(two) == ["Real", "New 0", "New 1"]
    none = plan(rows, make_config(picks_per_week=3, picks_new_per_week=0))
    assert picked(none) == ["Real"]


def _rivals() -> list[list[Any]]:
    # On Monday: Slow 1 x (70 + 15) = 85 beats Quick 4 x (5 + 15) = 80.
    # By Thursday Quick (4 x 23 = 92) would outrank Slow (1 x 88 = 88).
    return contacts(
        person(
            "Quick",
            email="q@x.org",
            tier="close",
            last_contact=days_before(MONDAY, 35),
            last_in_person=days_before(MONDAY, 35),
        ),
        person("Slow", email="s@x.org", tier="acquaintance", last_contact=days_before(MONDAY, 435)),
    )


def test_the_weeks_picks_hold_from_monday_to_sunday() -> None:
    config = make_config(picks_per_week=1)
    assert picked(plan(_rivals(), config, MONDAY)) == ["Slow"]
    assert picked(plan(_rivals(), config, THURSDAY)) == ["Slow"]
    sunday = MONDAY + dt.timedelta(days=6)
    assert picked(plan(_rivals(), config, sunday)) == ["Slow"]
    # A new week ranks again.
    assert picked(plan(_rivals(), config, MONDAY + dt.timedelta(days=7))) == ["Quick"]


def test_a_pick_done_midweek_leaves_the_list_without_a_replacement() -> None:
    config = make_config(picks_per_week=1)
    done = [[MONDAY + dt.timedelta(days=1), "s@x.org", "email"]]
    thursday = plan(_rivals(), config, THURSDAY, log=done)
    assert picked(thursday) == []
    assert row_of(thursday, "Slow")["status"] == OK
    assert row_of(thursday, "Quick")["status"] == OVERDUE
    # A touch logged before the week began counts as usual.
    before = [[days_before(MONDAY, 1), "s@x.org", "email"]]
    assert picked(plan(_rivals(), config, THURSDAY, log=before)) == ["Quick"]


def test_a_pick_done_midweek_leaves_the_list_while_still_due_for_something_else() -> None:
    """Coffee with Slow on Tuesday: a thank-you is now owed (the row stays due), but the
    pick itself was done, so it is no longer marked as this week's pick."""
    config = make_config(picks_per_week=1)
    coffee = [[MONDAY + dt.timedelta(days=1), "s@x.org", "coffee"]]
    wednesday = plan(_rivals(), config, MONDAY + dt.timedelta(days=2), log=coffee)
    slow = row_of(wednesday, "Slow")
    assert picked(wednesday) == []
    assert slow["status"] == DUE_SOON and "thank-you" in slow["next_action"]
    assert not slow["next_action"].startswith(PICK_MARK)


def test_a_birthday_note_logged_in_the_lead_window_settles_the_birthday() -> None:
    birthday = MONDAY + dt.timedelta(days=5)
    rows = contacts(
        person(
            "Ada",
            email="ada@x.org",
            last_contact=days_before(MONDAY, 2),
            birthday=f"1980-{birthday.month:02d}-{birthday.day:02d}",
        )
    )
    config = make_config(picks_per_week=0)
    assert "Birthday" in row_of(plan(rows, config, MONDAY), "Ada")["next_action"]
    # Any other touch leaves the note to send; a birthday note settles it.
    email = [[MONDAY, "ada@x.org", "email"]]
    assert "Birthday" in row_of(plan(rows, config, MONDAY, log=email), "Ada")["next_action"]
    note = [[MONDAY, "ada@x.org", "birthday note"]]
    noted = row_of(plan(rows, config, MONDAY, log=note), "Ada")
    assert "Birthday" not in noted["next_action"] and noted["status"] == OK
    # A note from before the window (last year's) does not.
    old = [[days_before(birthday, 30), "ada@x.org", "birthday note"]]
    assert "Birthday" in row_of(plan(rows, config, MONDAY, log=old), "Ada")["next_action"]


def test_a_pick_snoozed_midweek_is_no_longer_a_pick() -> None:
    rows = _rivals()
    rows[2][HEADERS.index("Snooze until")] = MONDAY + dt.timedelta(days=30)
    thursday = plan(rows, make_config(picks_per_week=1), THURSDAY)
    assert "Slow" not in picked(thursday)


def test_a_snoozed_pick_gives_its_place_to_the_next_in_mondays_ranking() -> None:
    rows = _rivals()
    rows[2][HEADERS.index("Snooze until")] = MONDAY + dt.timedelta(days=30)
    assert picked(plan(rows, make_config(picks_per_week=1), THURSDAY)) == ["Quick"]
