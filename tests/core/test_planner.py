"""Each rule of docs/rules.md, on small sheets planned as of a fixed day."""

import datetime as dt
from typing import Any

import pandas as pd
import pytest
from core_helpers import TODAY, contacts, make_config, person

from sheets_keepup.core.model import SheetData, Tab
from sheets_keepup.core.pipeline import plan_sheet
from sheets_keepup.core.planner import CHECK, DUE_SOON, OK, OVERDUE, PICK_MARK, SNOOZED, Plan
from sheets_keepup.core.settings import Config


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def plan(
    rows: list[list[Any]],
    log: list[list[Any]] | None = None,
    config: Config | None = None,
    today: dt.date = TODAY,
    locale: str = "en_GB",
) -> Plan:
    tabs = {"Contacts": Tab("Contacts", rows)}
    if log is not None:
        tabs["Log"] = Tab("Log", [["Date", "Who", "Kind", "Note"], *log])
    data = SheetData(tabs=tabs, locale=locale)
    return plan_sheet(data, config or make_config(picks_per_week=0), today).plan


def row_of(result: Plan, name: str) -> pd.Series:
    match = result.rows[result.rows["name"] == name]
    assert len(match) == 1, name
    return match.iloc[0]


def test_keep_in_touch_overdue_says_how_long_and_gives_a_hook() -> None:
    result = plan(
        contacts(
            person(
                "Ada",
                email="ada@x.org",
                tier="core",
                last_contact=days_ago(120),
                interests="sailing, jazz",
            )
        )
    )
    ada = row_of(result, "Ada")
    assert ada["status"] == OVERDUE
    assert ada["next_action"] == "Email Ada: last spoke 4 months ago; ask about sailing."
    assert ada["due"] == pd.Timestamp(days_ago(30))
    assert ada["colour"] == "#F4C7C3"


def test_channel_follows_what_we_have() -> None:
    result = plan(
        contacts(
            person("Phone only", phone="+1 555", last_contact=days_ago(400)),
            person("Nothing", last_contact=days_ago(400), notes="Kids: Emma. Likes tea"),
        )
    )
    assert row_of(result, "Phone only")["next_action"].startswith("Call Phone only:")
    assert row_of(result, "Nothing")["next_action"] == (
        "Reach out to Nothing: last spoke 13 months ago; remember: Kids: Emma."
    )


def test_due_soon_and_ok_boundaries() -> None:
    result = plan(
        contacts(
            person("Soon", tier="core", last_contact=days_ago(90 - 14)),
            person("Later", tier="core", last_contact=days_ago(90 - 15)),
            person("Today", tier="core", last_contact=days_ago(90)),
            person("Yesterday", tier="core", last_contact=days_ago(91)),
        )
    )
    assert row_of(result, "Soon")["status"] == DUE_SOON
    assert row_of(result, "Later")["status"] == OK
    assert row_of(result, "Later")["next_action"] == ""
    assert row_of(result, "Later")["due"] == pd.Timestamp(TODAY + dt.timedelta(days=15))
    assert row_of(result, "Today")["status"] == DUE_SOON
    assert row_of(result, "Yesterday")["status"] == OVERDUE
    assert row_of(result, "Soon")["colour"] == "#FCE8B2"
    assert row_of(result, "Later")["colour"] == "#D9EAD3"


def test_cadence_override_beats_tier() -> None:
    result = plan(
        contacts(
            person("Numeric", tier="acquaintance", cadence="45", last_contact=days_ago(50)),
            person("Words", tier="acquaintance", cadence="6 weeks", last_contact=days_ago(50)),
            person("Named", tier="close", cadence="quarterly", last_contact=days_ago(50)),
        )
    )
    assert row_of(result, "Numeric")["status"] == OVERDUE
    assert row_of(result, "Words")["status"] == OVERDUE
    assert row_of(result, "Named")["status"] in (OK, DUE_SOON)
    assert row_of(result, "Named")["due"] == pd.Timestamp(days_ago(50) + dt.timedelta(days=91))


def test_empty_tier_uses_default_and_unknown_tier_is_checked() -> None:
    result = plan(
        contacts(
            person("Default", last_contact=days_ago(100)),
            person("Vip", tier="VIP", last_contact=days_ago(1)),
        )
    )
    assert row_of(result, "Default")["status"] == OK  # network: 180 days
    vip = row_of(result, "Vip")
    assert vip["status"] == CHECK
    assert vip["next_action"] == (
        "Check Tier (D3) 'VIP' is not a tier (use one of: close, core, network, acquaintance)."
    )
    assert pd.isna(vip["due"])
    assert vip["colour"] == "#D9D2E9"
    assert any("D3" in str(p) for p in result.problems)


def test_unreadable_cells_name_every_cell_and_row() -> None:
    result = plan(
        contacts(
            person("Bad", last_contact="last spring", birthday="someday", cadence="often"),
            person("Fine", last_contact=days_ago(1)),
        )
    )
    bad = row_of(result, "Bad")
    assert bad["status"] == CHECK
    for fragment in (
        "Cadence (E2) 'often'",
        "Last contact (F2) 'last spring'",
        "Birthday (H2) 'someday'",
    ):
        assert fragment in bad["next_action"]
    assert row_of(result, "Fine")["status"] == OK


def test_snoozed_until_future_date() -> None:
    result = plan(
        contacts(
            person(
                "Snoozed", last_contact=days_ago(999), snooze_until=TODAY + dt.timedelta(days=3)
            ),
            person("Woke", last_contact=days_ago(999), snooze_until=TODAY),
        )
    )
    snoozed = row_of(result, "Snoozed")
    assert (snoozed["status"], snoozed["next_action"]) == (SNOOZED, "")
    assert snoozed["due"] == pd.Timestamp(TODAY + dt.timedelta(days=3))
    assert row_of(result, "Woke")["status"] == OVERDUE


def test_thank_you_after_a_logged_meeting_until_a_touch_follows() -> None:
    people = contacts(
        person("Met", email="met@x.org", last_contact=days_ago(30)),
        person("Thanked", email="t@x.org", last_contact=days_ago(30)),
        person("Old", email="old@x.org", last_contact=days_ago(30)),
        person("Followed", email="f@x.org", last_contact=days_ago(30)),
    )
    log = [
        [days_ago(1), "Met", "Coffee", ""],
        [days_ago(2), "t@x.org", "lunch", ""],
        [days_ago(2), "Thanked", "thank-you", ""],
        [days_ago(10), "Old", "dinner", ""],
        [days_ago(2), "Followed", "coffee", ""],
        [days_ago(1), "Followed", "email", ""],
    ]
    result = plan(people, log)
    met = row_of(result, "Met")
    assert met["next_action"] == f"Send Met a thank-you for the coffee on {days_ago(1).day} Nov."
    assert met["status"] == DUE_SOON
    assert met["due"] == pd.Timestamp(days_ago(1) + dt.timedelta(days=3))
    for name in ("Thanked", "Old", "Followed"):
        assert "thank-you" not in row_of(result, name)["next_action"], name


def test_log_rolls_up_latest_touch_by_name_or_email() -> None:
    people = contacts(
        person("Jane Doe", email="Jane@X.org", tier="core", last_contact=days_ago(200)),
        person("Kim", tier="close", last_contact=days_ago(10), last_in_person=days_ago(400)),
    )
    log = [
        [days_ago(50), "jane@x.org", "email", ""],
        [days_ago(5), "  jane   DOE ", "call", ""],
        [days_ago(100), "Jane Doe", "call", ""],
        [days_ago(20), "Kim", "lunch", ""],
        [TODAY + dt.timedelta(days=5), "Kim", "coffee", "planned"],
    ]
    result = plan(people, log)
    assert row_of(result, "Jane Doe")["status"] == OK
    assert row_of(result, "Jane Doe")["due"] == pd.Timestamp(days_ago(5) + dt.timedelta(days=90))
    # The lunch 20 days ago counts as in person; the planned coffee does not count yet.
    kim = row_of(result, "Kim")
    assert kim["status"] == OK
    assert kim["due"] == pd.Timestamp(days_ago(10) + dt.timedelta(days=30))


def test_log_reports_unknown_ambiguous_and_unreadable_rows() -> None:
    people = contacts(person("Sam", email="sam1@x.org"), person("Sam", email="sam2@x.org"))
    log = [
        [days_ago(1), "Nobody", "email", ""],
        [days_ago(1), "Sam", "call", ""],
        ["yesterday-ish", "sam1@x.org", "email", ""],
    ]
    result = plan(people, log)
    messages = [str(p) for p in result.problems]
    assert "'Log'!B2: matches no contact's name or email" in messages
    assert "'Log'!B3: matches several contacts; write their email instead" in messages
    assert "'Log'!A4: date is 'yesterday-ish'; this touch is skipped" in messages


def test_birthday_within_lead_time() -> None:
    soon = TODAY + dt.timedelta(days=5)
    result = plan(
        contacts(
            person(
                "Bday", last_contact=days_ago(1), birthday=f"1980-{soon.month:02d}-{soon.day:02d}"
            ),
            person("Far", last_contact=days_ago(1), birthday="06-01"),
            person("Today", last_contact=days_ago(1), birthday=f"{TODAY.month}-{TODAY.day}"),
        )
    )
    bday = row_of(result, "Bday")
    assert bday["next_action"] == f"Birthday on {soon.day} {soon:%b}: send Bday a note."
    assert bday["status"] == DUE_SOON
    assert bday["due"] == pd.Timestamp(soon)
    assert row_of(result, "Far")["status"] == OK
    assert row_of(result, "Today")["next_action"] == "Birthday today: send Today a note."


def test_leap_day_birthday_in_a_common_year() -> None:
    result = plan(
        contacts(person("Leap", last_contact=dt.date(2027, 2, 20), birthday="02-29")),
        today=dt.date(2027, 2, 25),
    )
    leap = row_of(result, "Leap")
    assert leap["due"] == pd.Timestamp("2027-02-28")
    assert "Birthday on 28 Feb" in leap["next_action"]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2026, 12, 20), True),
        (dt.date(2027, 1, 3), True),
        (dt.date(2026, 12, 10), False),
        (dt.date(2027, 1, 10), False),
    ],
)
def test_new_year_window(today: dt.date, expected: bool) -> None:
    rows = contacts(
        person("Core", tier="core", last_contact=dt.date(2026, 12, 1)),
        person("Network", tier="network", last_contact=dt.date(2026, 12, 1)),
        person("Greeted", tier="core", last_contact=dt.date(2026, 12, 16)),
    )
    result = plan(rows, today=today)
    core = row_of(result, "Core")
    assert ("new-year note" in core["next_action"]) is expected
    if expected:
        assert core["due"] == pd.Timestamp("2027-01-06")
    assert "new-year" not in row_of(result, "Network")["next_action"]
    if today >= dt.date(2026, 12, 16):
        assert "new-year" not in row_of(result, "Greeted")["next_action"]


def test_in_person_cadence_suggests_coffee() -> None:
    result = plan(
        contacts(
            person("Close", tier="close", last_contact=days_ago(5), last_in_person=days_ago(200)),
            person("Never met", tier="core", last_contact=days_ago(370)),
            person("Network", tier="network", last_contact=days_ago(5)),
        )
    )
    close = row_of(result, "Close")
    assert close["status"] == OVERDUE
    assert close["next_action"] == (
        "Suggest coffee or lunch with Close (last met in person 7 months ago)."
    )
    never = row_of(result, "Never met")
    assert never["next_action"].startswith(
        "Suggest coffee or lunch with Never met (no in-person meeting recorded)."
    )
    assert row_of(result, "Network")["status"] == OK


def test_never_contacted_is_neutral_until_picked() -> None:
    rows = contacts(person("New", email="n@x.org"))
    assert row_of(plan(rows), "New")["status"] == OK
    new = row_of(plan(rows, config=make_config(picks_per_week=1)), "New")
    assert new["status"] == DUE_SOON
    assert new["next_action"].startswith(PICK_MARK + "Reach out to New: no last contact recorded")
    # Due by the Sunday of the week it is picked (TODAY is a Monday).
    assert new["due"] == pd.Timestamp(TODAY + dt.timedelta(days=6))


def test_several_rules_first_wins_and_others_are_listed() -> None:
    soon = TODAY + dt.timedelta(days=2)
    result = plan(
        contacts(
            person(
                "Many",
                tier="close",
                last_contact=days_ago(60),
                last_in_person=days_ago(300),
                birthday=f"{soon.month:02d}-{soon.day:02d}",
            )
        )
    )
    action = row_of(result, "Many")["next_action"]
    assert action.startswith("Birthday on")
    assert action.endswith("Also: suggest meeting in person, catch up.")


def test_priority_and_weekly_picks() -> None:
    rows = contacts(
        person("Close late", tier="close", last_contact=days_ago(60)),
        person("Acq very late", tier="acquaintance", last_contact=days_ago(400)),
        person("Core late", tier="core", last_contact=days_ago(100)),
        person("Fine", tier="core", last_contact=days_ago(1)),
        person(
            "Snoozed",
            tier="close",
            last_contact=days_ago(900),
            snooze_until=TODAY + dt.timedelta(days=9),
        ),
    )
    result = plan(rows, config=make_config(picks_per_week=2))
    # close: 4 x (30 + 15) = 180; acquaintance: 1 x (35 + 15) = 50; core: 3 x (10 + 15) = 75
    assert list(result.picks["name"]) == ["Close late", "Core late"]
    assert row_of(result, "Close late")["next_action"].startswith(
        PICK_MARK + "Reach out to Close late"
    )
    assert not row_of(result, "Acq very late")["next_action"].startswith(PICK_MARK)
    assert row_of(result, "Fine")["priority"] == 0
    assert row_of(result, "Snoozed")["priority"] == 0


def test_rows_without_name_or_email_are_checked_but_blank_rows_skipped() -> None:
    rows = contacts(
        person("A", last_contact=days_ago(1)),
        [None, None, " "],
        person(None, notes="who is this?"),
        person("", email="e@x.org"),
    )
    result = plan(rows)
    assert len(result.rows) == 3
    nameless = result.rows.loc[3]
    assert nameless["status"] == CHECK
    assert "add a name or an email" in nameless["next_action"]
    # Never spoken to: neutral, not a cell to check.
    assert row_of(result, "e@x.org")["status"] == OK


def test_us_locale_reads_month_first() -> None:
    rows = contacts(person("US", last_contact="11/3/2026"))
    us = row_of(plan(rows, locale="en_US"), "US")
    gb = row_of(plan(rows, locale="en_GB"), "US")
    assert us["due"] == pd.Timestamp("2026-11-03") + pd.Timedelta(days=180)
    assert gb["due"] == pd.Timestamp("2026-03-11") + pd.Timedelta(days=180)


def test_first_and_last_name_columns_make_a_name() -> None:
    rows = [["First name", "Last name", "Email"], ["Ada", "Lovelace", "ada@x.org"]]
    result = plan(rows)
    assert list(result.rows["name"]) == ["Ada Lovelace"]
