"""Matching observed touches to contacts, and planning their Log rows: never the wrong person."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from core_helpers import TODAY, contacts, make_config, person

from sheets_keepup.core.model import SheetData, Tab
from sheets_keepup.core.parse import contacts_tab, read_contacts
from sheets_keepup.core.settings import config_from_mapping
from sheets_keepup.core.touches import (
    ALREADY_LOGGED,
    AMBIGUOUS,
    IN_FUTURE,
    NO_CONTACT,
    TOO_MANY_RECIPIENTS,
    ContactIndex,
    Touch,
    canonical_address,
    match_touches,
    plan_sheet_touches,
)

DAY = TODAY - dt.timedelta(days=2)
CONFIG = make_config()


def sheet(*people: list[Any], log: list[list[Any]] | None = None) -> SheetData:
    tabs = {"Contacts": Tab("Contacts", contacts(*people))}
    if log is not None:
        tabs["Log"] = Tab("Log", log)
    return SheetData(tabs=tabs, locale="en_GB")


def index_of(data: SheetData) -> ContactIndex:
    return ContactIndex.of_sheet(read_contacts(contacts_tab(data, CONFIG), CONFIG, data.locale))


def mail(*addresses: str, day: dt.date = DAY, source: str = "<m1@x>", note: str = "") -> Touch:
    return Touch(day, "email", addresses, (), source, note)


PEOPLE = sheet(
    person("Jane Doe", email="jane.doe@gmail.com"),
    person("Jane Doe", email="jane@acme.example"),
    person("Bruno Castillo", email="Bruno@Example.com"),
    person("Ana Lima", email="ana+work@example.org"),
    person("Sam Shared", email="team@example.net"),
    person("Kim Shared", email="team@example.net"),
    person("Lee Two", email="lee@a.example; lee.two@b.example"),
)


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("Jane.Doe@gmail.com", "janedoe@gmail.com"),
        ("j.a.n.e.doe+newsletter@googlemail.com", "janedoe@gmail.com"),
        ("  <JANE.DOE@GMAIL.COM> ", "janedoe@gmail.com"),
        ("jane.doe+x@example.com", "jane.doe+x@example.com"),
        ("not an address", ""),
        ("@gmail.com", ""),
        ("+tag@gmail.com", ""),
    ],
)
def test_canonical_address_follows_gmail_rules_only_for_gmail(address: str, expected: str) -> None:
    assert canonical_address(address) == expected


def test_gmail_dots_and_plus_tags_reach_the_same_person() -> None:
    index = index_of(PEOPLE)
    for written in ("janedoe@gmail.com", "JANE.DOE+hello@gmail.com", "j.anedoe@googlemail.com"):
        found = index.by_address(written)
        assert found is not None and found.email == "jane.doe@gmail.com", written


def test_dots_and_plus_elsewhere_are_other_mailboxes() -> None:
    index = index_of(PEOPLE)
    assert index.by_address("bruno@example.com") is not None  # case only
    assert index.by_address("b.runo@example.com") is None
    assert index.by_address("bruno+x@example.com") is None
    assert index.by_address("ana@example.org") is None
    found = index.by_address("ANA+WORK@example.org")
    assert found is not None and found.name == "Ana Lima"


def test_an_email_cell_with_two_addresses_finds_its_person_by_either() -> None:
    index = index_of(PEOPLE)
    first, second = index.by_address("lee@a.example"), index.by_address("Lee.Two@b.example")
    assert first is not None and first == second and first.name == "Lee Two"


def test_a_shared_address_or_name_matches_no_one() -> None:
    index = index_of(PEOPLE)
    assert index.by_address("team@example.net") is None
    assert index.address_is_shared("TEAM@example.net")
    assert index.by_name("Jane Doe") is None
    assert index.by_name("jane   doe") is None
    assert index.name_is_shared("Jane Doe")
    bruno = index.by_name("  bruno CASTILLO ")
    assert bruno is not None and bruno.row == 4
    loose = index.by_name("Castillo, Bruno")
    assert loose == bruno


def test_match_skips_too_many_recipients_and_counts_why() -> None:
    index = index_of(PEOPLE)
    crowd = mail(*(f"p{i}@example.com" for i in range(10)), "bruno@example.com", source="<c>")
    result = match_touches(
        index,
        [
            crowd,
            mail("team@example.net", source="<t>"),
            mail("stranger@example.com", source="<s>"),
            mail("bruno@example.com", "BRUNO@example.com", source="<b>"),
        ],
        max_recipients=10,
    )
    assert [(p.name, t.source_id) for p, t in result.matched] == [("Bruno Castillo", "<b>")]
    assert result.skipped == {TOO_MANY_RECIPIENTS: 1, AMBIGUOUS: 1, NO_CONTACT: 2}


def test_exactly_max_recipients_is_kept() -> None:
    index = index_of(PEOPLE)
    touch = mail("bruno@example.com", *(f"p{i}@example.com" for i in range(9)))
    assert len(match_touches(index, [touch], max_recipients=10).matched) == 1


def test_a_person_reached_by_address_and_name_is_matched_once() -> None:
    index = index_of(PEOPLE)
    touch = Touch(DAY, "coffee", ("bruno@example.com",), ("Bruno Castillo",), "ev1")
    assert len(match_touches(index, [touch], max_recipients=10).matched) == 1


def test_plan_writes_one_row_per_day_person_and_kind() -> None:
    touches = [
        mail("bruno@example.com", source="<1>", note="Re: lunch"),
        mail("Bruno@example.com", source="<2>"),
        mail("ana+work@example.org", "jane.doe@gmail.com", source="<3>"),
        mail("bruno@example.com", day=DAY - dt.timedelta(days=1), source="<4>"),
    ]
    plan = plan_sheet_touches(PEOPLE, CONFIG, touches, max_recipients=10, today=TODAY)
    rows = [(r.day, r.who, r.kind, r.note) for r in plan.rows]
    # The second Jane Doe row shares her name, so her Who is her address.
    assert rows == [
        (DAY - dt.timedelta(days=1), "Bruno Castillo", "email", ""),
        (DAY, "jane.doe@gmail.com", "email", ""),
        (DAY, "Bruno Castillo", "email", "Re: lunch"),
        (DAY, "Ana Lima", "email", ""),
    ]
    assert plan.changes is not None and plan.changes.create_tab
    assert plan.changes.appends[0] == ["Date", "Who", "Kind", "Note"]
    assert len(plan.changes.appends) == 5
    assert plan.skipped == {ALREADY_LOGGED: 1}
    assert set(plan.logged_sources) == {"<1>", "<2>", "<3>", "<4>"}


def test_rows_already_in_the_log_are_not_planned_again() -> None:
    log = [
        ["When", "Kind", "Who"],
        [DAY, "Email", "bruno@EXAMPLE.com"],
        [DAY, "coffee", "Ana Lima"],
    ]
    data = sheet(*[list(r) for r in PEOPLE.tabs["Contacts"].rows[1:]], log=log)
    touches = [
        mail("bruno@example.com", source="<1>"),
        mail("ana+work@example.org", source="<2>"),
    ]
    plan = plan_sheet_touches(data, CONFIG, touches, max_recipients=10, today=TODAY)
    assert [(r.who, r.kind) for r in plan.rows] == [("Ana Lima", "email")]
    assert plan.skipped == {ALREADY_LOGGED: 1}
    assert plan.changes is not None and not plan.changes.create_tab
    # The existing Log keeps its own column order: When, Kind, Who.
    assert plan.changes.appends == [[DAY, "email", "Ana Lima"]]
    assert plan.first_row == 4
    assert "<1>" in plan.logged_sources


def test_nothing_new_plans_no_write() -> None:
    log = [["Date", "Who", "Kind"], [DAY, "Bruno Castillo", "email"]]
    data = sheet(person("Bruno Castillo", email="bruno@example.com"), log=log)
    plan = plan_sheet_touches(
        data, CONFIG, [mail("bruno@example.com")], max_recipients=10, today=TODAY
    )
    assert plan.rows == () and plan.changes is None


def test_future_touches_wait_unless_allowed() -> None:
    data = sheet(person("Bruno Castillo", email="bruno@example.com"))
    later = mail("bruno@example.com", day=TODAY + dt.timedelta(days=3))
    plan = plan_sheet_touches(data, CONFIG, [later], max_recipients=10, today=TODAY)
    assert plan.rows == () and plan.skipped == {IN_FUTURE: 1}
    allowed = plan_sheet_touches(
        data, CONFIG, [later], max_recipients=10, today=TODAY, allow_future=True
    )
    assert [r.day for r in allowed.rows] == [TODAY + dt.timedelta(days=3)]


def test_a_row_with_a_shared_name_and_no_email_is_never_guessed() -> None:
    data = sheet(person("Jo Park"), person("Jo Park"), person("Ida Berg", email="ida@x.example"))
    touch = Touch(DAY, "lunch", (), ("Jo Park", "Ida Berg"), "ev")
    plan = plan_sheet_touches(data, CONFIG, [touch], max_recipients=10, today=TODAY)
    assert [(r.who, r.kind) for r in plan.rows] == [("Ida Berg", "lunch")]
    assert plan.skipped == {AMBIGUOUS: 1}


def test_the_example_mail_block_is_valid_when_uncommented(repo_root: Path) -> None:
    text = (repo_root / "config.example.yaml").read_text()
    block = re.search(r"^# touches:\n((?:#   .*\n)+)", text, re.M)
    assert block is not None
    lines = ["touches:"] + [line.replace("#   ", "  ", 1) for line in block[1].splitlines()]
    enabled = text.replace(block[0], "\n".join(lines) + "\n")
    config = config_from_mapping(yaml.safe_load(enabled))
    mail = config.touches.mail
    assert mail is not None and mail.host == "imap.gmail.com" and mail.security == "tls"
    assert mail.max_recipients == 10 and mail.lookback_days == 30 and not mail.include_subject
