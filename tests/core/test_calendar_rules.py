"""Calendar events as touches: what counts, for whom, as which kind; and reminder UIDs."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from core_helpers import TODAY, contacts, make_config, person

from sheets_keepup.core.calendar import (
    ALL_DAY,
    BEYOND_HORIZON,
    CANCELLED,
    DECLINED,
    IN_PROGRESS,
    NOBODY,
    OWN_REMINDER,
    TOO_MANY_ATTENDEES,
    UID_PREFIX,
    NameFinder,
    Occurrence,
    Rules,
    classify,
    classify_all,
    occurrence_of,
    reminder_uid,
    reminders_ics,
    reminders_of,
)
from sheets_keepup.core.digest import Digest, DigestBirthday, DigestPick, DigestThanks
from sheets_keepup.core.model import SheetData, Tab
from sheets_keepup.core.parse import contacts_tab, read_contacts
from sheets_keepup.core.settings import CalendarConfig
from sheets_keepup.core.touches import ContactIndex, match_touches

ZONE = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=ZONE)
ME = "me@example.com"
SETTINGS = CalendarConfig.model_validate({"sources": [{"name": "f", "path": "/x.ics"}], "me": [ME]})
NAMES = ("Jane Doe", "Bruno Castillo", "Zoë Ørsted", "Mark", "Jane Doe Smith")
RULES = Rules.of(SETTINGS, NAMES)


def event(
    summary: str = "Catch-up",
    *,
    start: dt.datetime | dt.date = NOW - dt.timedelta(days=2),
    hours: float = 1,
    attendees: tuple[tuple[str, str], ...] = (),
    uid: str = "evt-1",
    **props: Any,
) -> Occurrence:
    """An occurrence built through icalendar, as a calendar file would give it."""
    component = icalendar.Event()
    component.add("UID", uid)
    component.add("SUMMARY", summary)
    component.add("DTSTART", start)
    if isinstance(start, dt.datetime):
        component.add("DTEND", start + dt.timedelta(hours=hours))
    for address, partstat in attendees:
        component.add("ATTENDEE", f"mailto:{address}", parameters={"PARTSTAT": partstat})
    for name, value in props.items():
        component.add(name.replace("_", "-").upper(), value)
    found = occurrence_of(component)
    assert found is not None
    return found


def past(occurrence: Occurrence, rules: Rules = RULES) -> Any:
    verdict = classify(occurrence, rules, NOW, ZONE)
    assert not isinstance(verdict, str), verdict
    when, touch = verdict
    assert when == "past"
    return touch


def test_a_past_meeting_with_a_contacts_address_is_a_meeting_touch_on_its_local_day() -> None:
    late = dt.datetime(2026, 11, 20, 23, 30, tzinfo=dt.UTC)  # 00:30 on the 21st in Paris
    touch = past(event(start=late, attendees=(("Jane.Doe@Example.com", "ACCEPTED"),)))
    assert touch.kind == "meeting"
    assert touch.day == dt.date(2026, 11, 21)
    assert touch.addresses == ("jane.doe@example.com",)
    assert touch.note == ""  # the title stays out of the Log unless asked for


def test_the_title_goes_in_the_note_only_when_include_title_is_set() -> None:
    settings = SETTINGS.model_copy(update={"include_title": True})
    touch = past(event("Coffee with Jane Doe"), Rules.of(settings, NAMES))
    assert touch.note == "Coffee with Jane Doe"


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Coffee with Jane Doe", "coffee"),
        ("CAFÉ w/ Jane Doe", "coffee"),
        ("Lunch: Jane Doe", "lunch"),
        ("Brunch with Jane Doe", "lunch"),
        ("Coffeehouse planning with Jane Doe", "meeting"),
        ("Jane Doe / quarterly review", "meeting"),
    ],
)
def test_kind_comes_from_whole_words_of_the_title(title: str, kind: str) -> None:
    assert past(event(title)).kind == kind


def test_configured_words_add_kinds() -> None:
    settings = SETTINGS.model_copy(update={"kinds": {"dinner": ["dinner", "supper"]}})
    rules = Rules.of(settings, NAMES)
    assert past(event("Supper with Jane Doe"), rules).kind == "dinner"
    assert past(event("Coffee with Jane Doe"), rules).kind == "meeting"


@pytest.mark.parametrize(
    ("location", "props", "kind"),
    [
        ("", {"description": "Join: https://meet.google.com/abc-defg-hij"}, "call"),
        ("https://us02web.zoom.us/j/123", {}, "call"),
        (
            "Microsoft Teams Meeting",
            {"x_microsoft_skypeteamsmeetingurl": "https://teams.microsoft.com/l/x"},
            "call",
        ),
        ("Café Flore, Paris", {"description": "or https://zoom.us/j/1"}, "coffee"),
        ("", {"description": "notes at https://example.com/zoom.us.html"}, "coffee"),
        ("", {}, "coffee"),
    ],
)
def test_online_only_is_a_call_whatever_the_title(
    location: str, props: dict[str, str], kind: str
) -> None:
    extra: dict[str, str] = {"location": location} if location else {}
    occurrence = event("Coffee with Jane Doe", **extra, **props)
    assert past(occurrence).kind == kind


def test_declined_by_me_cancelled_all_day_and_own_reminders_are_left_out() -> None:
    jane = ("jane@x.example", "ACCEPTED")
    cases = {
        DECLINED: event(attendees=(jane, (ME.upper(), "DECLINED"))),
        CANCELLED: event(attendees=(jane,), status="CANCELLED"),
        ALL_DAY: event("Jane Doe", start=dt.date(2026, 11, 20)),
        OWN_REMINDER: event("Coffee with Jane Doe", uid=reminder_uid("j", "pick", TODAY)),
        NOBODY: event("Dentist"),
    }
    for reason, occurrence in cases.items():
        assert classify(occurrence, RULES, NOW, ZONE) == reason


def test_an_attendee_who_declined_gets_no_touch_but_the_others_do() -> None:
    touch = past(event(attendees=(("a@x.example", "DECLINED"), ("b@x.example", "ACCEPTED"))))
    assert touch.addresses == ("b@x.example",)


def test_my_own_address_is_never_a_counterpart() -> None:
    touch = past(event(attendees=((ME, "ACCEPTED"), ("b@x.example", "NEEDS-ACTION"))))
    assert touch.addresses == ("b@x.example",)


def test_more_attendees_than_max_is_left_out_and_max_itself_is_kept() -> None:
    def meeting(count: int) -> Occurrence:
        people = tuple((f"p{i}@x.example", "ACCEPTED") for i in range(count - 1))
        return event(attendees=((ME, "ACCEPTED"), *people))

    assert classify(meeting(11), RULES, NOW, ZONE) == TOO_MANY_ATTENDEES
    assert len(past(meeting(10)).addresses) == 9


def test_future_within_the_horizon_is_planned_and_beyond_it_or_under_way_is_not() -> None:
    jane = (("jane@x.example", "ACCEPTED"),)
    soon = classify(event(start=NOW + dt.timedelta(days=6), attendees=jane), RULES, NOW, ZONE)
    assert not isinstance(soon, str)
    assert soon[0] == "planned"
    assert soon[1].day == (NOW + dt.timedelta(days=6)).date()
    later = event(start=NOW + dt.timedelta(days=15), attendees=jane)
    assert classify(later, RULES, NOW, ZONE) == BEYOND_HORIZON
    now_on = event(start=NOW - dt.timedelta(minutes=30), attendees=jane)
    assert classify(now_on, RULES, NOW, ZONE) == IN_PROGRESS


def test_floating_times_are_local_times() -> None:
    # 11:30 to 12:30 without a zone, in Paris: under way at noon, not over.
    floating = event(start=dt.datetime(2026, 11, 23, 11, 30), attendees=(("j@x.example", "X"),))
    assert classify(floating, RULES, NOW, ZONE) == IN_PROGRESS


def test_recurring_occurrences_have_distinct_stable_source_ids() -> None:
    one = event(uid="series", recurrence_id=dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC))
    two = event(uid="series", recurrence_id=dt.datetime(2026, 11, 9, 11, tzinfo=ZONE))
    single = event(uid="single")
    assert one.source_id == "series#20261102T100000Z"
    assert two.source_id == "series#20261109T100000Z"
    assert single.source_id == "single"


def test_classify_all_counts_each_occurrence_once() -> None:
    jane = (("jane@x.example", "ACCEPTED"),)
    found = classify_all(
        [event(attendees=jane), event(attendees=jane), event("Dentist", uid="d")],
        RULES,
        NOW,
        ZONE,
    )
    assert len(found.touches) == 1
    assert found.skipped == {NOBODY: 1}


# --- names in titles ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "names"),
    [
        ("Lunch w/ jane DOE", ("Jane Doe",)),
        ("Coffee: Zoe Orsted + Bruno Castillo", ("Zoë Ørsted", "Bruno Castillo")),
        ("Dinner with Jane Doe Smith", ("Jane Doe Smith",)),
        ("Mark the calendar", ()),
        ("Janed Doe", ()),
        ("Castillo Bruno", ()),
    ],
)
def test_names_are_whole_words_in_order_longest_first(title: str, names: tuple[str, ...]) -> None:
    assert NameFinder.of(NAMES).find(title) == names


def test_a_name_two_rows_share_logs_no_one() -> None:
    data = SheetData(
        tabs={
            "Contacts": Tab(
                "Contacts",
                contacts(
                    person("Jane Doe", email="jane@one.example"),
                    person("Jane Doe", email="jane@two.example"),
                    person("Bruno Castillo", email="bruno@x.example"),
                ),
            )
        },
        locale="en_GB",
    )
    config = make_config()
    sheet = read_contacts(contacts_tab(data, config), config, data.locale)
    rules = Rules.of(SETTINGS, [p for p in ("Jane Doe", "Jane Doe", "Bruno Castillo")])
    found = classify_all(
        [event("Coffee with Jane Doe", uid="a"), event("Lunch with Bruno Castillo", uid="b")],
        rules,
        NOW,
        ZONE,
    )
    matched = match_touches(ContactIndex.of_sheet(sheet), found.touches, 10)
    assert [(p.name, t.kind) for p, t in matched.matched] == [("Bruno Castillo", "lunch")]
    assert matched.skipped == {"ambiguous": 1, "no contact": 1}


# --- reminders ------------------------------------------------------------------------------


WEEK = dt.date(2026, 11, 23)


def digest(today: dt.date = WEEK) -> Digest:
    return Digest(
        today=today,
        picks=(
            DigestPick(
                "Jane Doe",
                "catching up",
                "Email Jane Doe.",
                WEEK + dt.timedelta(days=2),
                "Jane.Doe@Example.com",
                "",
                "ask about chess",
            ),
            DigestPick(
                "Bruno Castillo",
                "overdue",
                "Suggest coffee.",
                dt.date(2026, 1, 1),
                "",
                "+1 555",
                "",
            ),
        ),
        birthdays=(DigestBirthday("Zoë Ørsted", dt.date(2026, 12, 1), 8, "zoe@x.example", ""),),
        birthday_days=14,
        thank_yous=(
            DigestThanks(
                "Ana Lima",
                dt.date(2026, 11, 20),
                "coffee",
                dt.date(2026, 11, 23),
                "ana@x.example",
                "",
            ),
        ),
    )


def test_reminders_land_on_their_days_with_uids_we_recognise() -> None:
    found = {r.reason + ":" + r.summary: r for r in reminders_of(digest(), WEEK)}
    assert found["pick:Email Jane Doe."].day == WEEK + dt.timedelta(days=2)
    assert found["pick:Suggest coffee."].day == WEEK  # overdue: the week's first day
    assert found["birthday:Birthday: Zoë Ørsted"].day == dt.date(2026, 12, 1)
    assert found["thank-you:Thank Ana Lima"].day == dt.date(2026, 11, 23)
    assert all(r.uid.startswith(UID_PREFIX) for r in found.values())
    assert len({r.uid for r in found.values()}) == 4


def test_uids_stay_the_same_within_a_week_and_birthdays_across_weeks() -> None:
    first = {r.reason: r.uid for r in reminders_of(digest(), WEEK)}
    again = {r.reason: r.uid for r in reminders_of(digest(WEEK + dt.timedelta(days=3)), WEEK)}
    assert first == again
    next_week = {r.reason: r.uid for r in reminders_of(digest(), WEEK + dt.timedelta(days=7))}
    assert next_week["birthday"] == first["birthday"]
    assert next_week["thank-you"] == first["thank-you"]
    assert next_week["pick"] != first["pick"]


def test_a_person_is_known_by_address_whatever_the_name_cell_says() -> None:
    assert reminder_uid("jane.doe@example.com", "pick", WEEK) == next(
        r.uid for r in reminders_of(digest(), WEEK) if r.summary == "Email Jane Doe."
    )


@pytest.mark.parametrize(("tasks", "kind"), [(False, "VEVENT"), (True, "VTODO")])
def test_the_ics_holds_all_day_entries_that_parse_back(tasks: bool, kind: str) -> None:
    items = reminders_of(digest(), WEEK)
    stamp = dt.datetime(2026, 11, 23, 6, tzinfo=dt.UTC)
    data = reminders_ics(items, stamp, tasks=tasks)
    assert b"\r\n" in data
    parsed = icalendar.Calendar.from_ical(data)
    entries = [c for c in parsed.walk() if c.name == kind]
    assert {str(c["UID"]) for c in entries} == {r.uid for r in items}
    when = "DUE" if tasks else "DTSTART"
    assert all(type(c.decoded(when)) is dt.date for c in entries)
    if not tasks:
        assert all(str(c["TRANSP"]) == "TRANSPARENT" for c in entries)
