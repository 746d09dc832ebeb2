"""The weekly digest: what it says, the tab it rewrites, and the email it sends."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from core_helpers import TODAY, contacts, make_config, person
from fake_clock import FakeClock
from nightly_support import (
    MONDAY,
    Collector,
    free_port,
    london,
    nightly_config,
    recording,
    sheet_tabs,
)
from openpyxl import load_workbook

from sheets_keepup.app.mail import send_digest
from sheets_keepup.app.run import NightlyJob, make_digest
from sheets_keepup.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_keepup.core.digest import (
    Digest,
    RuleFacts,
    build_digest,
    explain,
    render_html,
    render_text,
)
from sheets_keepup.core.errors import ConfigError
from sheets_keepup.core.model import SheetData, Tab
from sheets_keepup.core.pipeline import plan_sheet
from sheets_keepup.core.settings import Config

PASSWORD_ENV = "TEST_KEEPUP_SMTP_PASSWORD"


def digest_of(tmp_path: Path, config: Config | None = None) -> Digest:
    config = config or nightly_config(tmp_path)
    backend = recording(sheet_tabs())
    return make_digest(backend, config, MONDAY, state_dir=tmp_path / "state", write=False)


def test_picks_say_why_how_to_reach_them_and_what_to_talk_about(tmp_path: Path) -> None:
    digest = digest_of(tmp_path)
    names = [p.name for p in digest.picks]
    assert len(names) == 3
    assert set(names) == {"Ada Lovelace", "Carl Chen", '=HYPERLINK("http://x","Eve")'}
    ada = next(p for p in digest.picks if p.name == "Ada Lovelace")
    assert ada.email == "ada@example.org" and ada.phone == "+44 20 7946 0000"
    assert ada.hook == "ask about sailing; remember: Two kids, Ana and Leo"
    assert "overdue by" in ada.why
    assert not ada.action.startswith("★")
    carl = next(p for p in digest.picks if p.name == "Carl Chen")
    assert carl.why.startswith("thank-you owed for the coffee on 21 Nov")
    assert carl.phone == "+1 555 0100"


def test_birthdays_in_the_next_two_weeks(tmp_path: Path) -> None:
    digest = digest_of(tmp_path)
    assert [(b.name, b.date, b.days) for b in digest.birthdays] == [
        ("Zoë Ørsted", dt.date(2026, 12, 3), 10)
    ]
    wider = digest_of(tmp_path, nightly_config(tmp_path, digest={"birthday_days": 31}))
    assert [b.name for b in wider.birthdays] == ["Zoë Ørsted", "Carl Chen"]


def _before(days: int) -> dt.date:
    return MONDAY - dt.timedelta(days=days)


@pytest.mark.parametrize(
    ("facts", "status", "due", "expected"),
    [
        (
            RuleFacts("keep_in_touch", last_contact=_before(120)),
            "overdue",
            dt.date(2026, 11, 2),
            "catching up: last spoke 4 months ago; overdue by 3 weeks",
        ),
        (
            RuleFacts("birthday", last_contact=_before(200), birthday=dt.date(2026, 11, 25)),
            "due soon",
            dt.date(2026, 11, 25),
            "birthday on 25 Nov; due in 2 days",
        ),
        (
            RuleFacts("birthday", birthday=MONDAY),
            "due soon",
            dt.date(2026, 11, 23),
            "birthday today; due today",
        ),
        (
            RuleFacts("thank_you", meeting=dt.date(2026, 11, 21), meeting_kind="lunch"),
            "due soon",
            dt.date(2026, 11, 24),
            "thank-you owed for the lunch on 21 Nov; due in 1 day",
        ),
        (
            RuleFacts("thank_you", meeting=dt.date(2026, 11, 21)),
            "due soon",
            dt.date(2026, 11, 24),
            "thank-you owed for the meeting on 21 Nov; due in 1 day",
        ),
        (
            RuleFacts("in_person", last_contact=_before(9), last_in_person=_before(609)),
            "overdue",
            dt.date(2026, 4, 2),
            "time to meet in person: last met in person 20 months ago; overdue by 8 months",
        ),
        (
            RuleFacts("in_person", last_contact=_before(370)),
            "overdue",
            dt.date(2026, 11, 18),
            "time to meet in person: no in-person meeting recorded; overdue by 5 days",
        ),
        (
            RuleFacts("never"),
            "due soon",
            dt.date(2026, 11, 23),
            "no contact recorded yet; due today",
        ),
        (RuleFacts("new_year"), "due soon", None, "new-year greetings"),
        (
            RuleFacts("new_year"),
            "due soon",
            dt.date(2026, 11, 20),
            "new-year greetings; was due 3 days ago",
        ),
        (RuleFacts("none"), "ok", dt.date(2026, 12, 2), "due; due 2 Dec"),
    ],
)
def test_why_each_pick_was_chosen(
    facts: RuleFacts, status: str, due: dt.date | None, expected: str
) -> None:
    assert explain(facts, status, due, MONDAY) == expected


def test_why_reads_the_rule_not_the_sentence() -> None:
    """A name may say anything; the reason comes from the rule the planner chose."""
    rows = contacts(person("Send a new-year note", tier="network", last_contact=_before(240)))
    assert _whys(rows, [], MONDAY) == {
        "Send a new-year note": "catching up: last spoke 8 months ago; overdue by 2 months"
    }


def _whys(rows: list[list[Any]], log: list[list[Any]], today: dt.date) -> dict[str, str]:
    """Each pick's name and why, from a sheet planned and digested as of `today`."""
    config = make_config(picks_per_week=20)
    tabs = {"Contacts": Tab("Contacts", rows), "Log": Tab("Log", [["Date", "Who", "Kind"], *log])}
    planned = plan_sheet(SheetData(tabs=tabs, locale="en_GB"), config, today)
    digest = build_digest(planned.plan, planned.contacts, config, today)
    return {pick.name: pick.why for pick in digest.picks}


def test_each_rule_says_why_from_the_plan() -> None:
    def ago(days: int, today: dt.date = TODAY) -> dt.date:
        return today - dt.timedelta(days=days)

    rows = contacts(
        person("Kit", email="kit@x.org", tier="network", last_contact=ago(240)),
        person("Kit Soon", phone="+1 555", tier="network", last_contact=ago(175)),
        person("Met Long Ago", tier="close", last_contact=ago(10), last_in_person=ago(400)),
        person("Never Met", tier="core", last_contact=ago(370)),
        person("Thanks", email="t@x.org", tier="network", last_contact=ago(20)),
        person("Bday Today", tier="network", last_contact=ago(10), birthday="11-23"),
        person("Bday Soon", tier="network", last_contact=ago(240), birthday="26 Nov"),
        person("Nobody Knows", tier="network"),
    )
    assert _whys(rows, [[ago(1), "t@x.org", "lunch"]], TODAY) == {
        "Kit": "catching up: last spoke 8 months ago; overdue by 2 months",
        "Kit Soon": "catching up: last spoke 6 months ago; due in 5 days",
        "Met Long Ago": (
            "time to meet in person: last met in person 13 months ago; overdue by 7 months"
        ),
        "Never Met": "time to meet in person: no in-person meeting recorded; overdue by 5 days",
        "Thanks": "thank-you owed for the lunch on 22 Nov; due in 2 days",
        "Bday Today": "birthday today; due today",
        # Overdue for a catch-up: Due is the date that passed, though the birthday, still
        # ahead, gives the action.
        "Bday Soon": "birthday on 26 Nov; overdue by 2 months",
        # Never spoken to: neutral until the picks reach them.
        "Nobody Knows": "no contact recorded yet; due in 6 days",
    }
    day = dt.date(2026, 12, 21)  # a Monday: the week's picks are ranked on Mondays
    greeter = contacts(person("Greeter", tier="core", last_contact=ago(30, day)))
    assert _whys(greeter, [], day) == {"Greeter": "new-year greetings; due in 2 weeks"}


def test_text_and_html_carry_the_same_content_escaped(tmp_path: Path) -> None:
    digest = digest_of(tmp_path)
    text, html = render_text(digest), render_html(digest)
    for pick in digest.picks:
        assert pick.name in text
    assert "Zoë Ørsted: 3 Dec (in 10 days)" in text
    assert "ask about sailing" in text and "ask about sailing" in html
    assert "=HYPERLINK(&quot;http://x&quot;,&quot;Eve&quot;)" in html
    assert '"http://x"' not in html
    assert 'href="mailto:ada@example.org"' in html


def test_digest_tab_is_rewritten_whole_and_nothing_else_changes(tmp_path: Path) -> None:
    config = nightly_config(tmp_path)
    backend = recording(sheet_tabs())
    backend.tabs["This week"] = [["stale"] * 9 for _ in range(40)]
    backend.owned_tabs.add("This week")  # an earlier digest: the tool's own tab
    backend.backgrounds[("This week", 3, 3)] = "#FF0000"
    before = copy.deepcopy({t: rows for t, rows in backend.tabs.items() if t != "This week"})
    colours = {k: v for k, v in backend.backgrounds.items() if k[0] != "This week"}
    clock = FakeClock(london(MONDAY, 8))
    make_digest(backend, config, MONDAY, state_dir=tmp_path / "state", write=True, clock=clock)
    assert backend.tabs_written() == ["This week"]
    change = backend.applied[0]
    assert change.replace and change.create_tab
    rows = backend.tabs["This week"]
    assert "stale" not in str(rows)
    assert ("This week", 3, 3) not in backend.backgrounds
    assert rows[0] == ["This week: Monday 23 November 2026"]
    assert rows[1][:3] == ["#", "Who", "Why now"]
    assert {t: r for t, r in backend.tabs.items() if t != "This week"} == before
    assert {k: v for k, v in backend.backgrounds.items() if k[0] != "This week"} == colours


def test_digest_tab_in_a_workbook_keeps_formula_like_text_as_text(tmp_path: Path) -> None:
    path = tmp_path / "contacts.xlsx"
    write_new_workbook(path, sheet_tabs())
    config = nightly_config(tmp_path, source={"kind": "xlsx", "path": str(path)})
    make_digest(XlsxBackend(path), config, MONDAY, state_dir=tmp_path / "state", write=True)
    sheet = load_workbook(path)["This week"]
    names = [sheet.cell(r, 2) for r in range(4, 7)]
    eve = next(c for c in names if str(c.value).startswith("=HYPERLINK"))
    assert eve.data_type == "s"
    assert load_workbook(path).sheetnames == ["Contacts", "Log", "This week"]


def test_email_without_settings_is_a_config_error(tmp_path: Path) -> None:
    config = nightly_config(tmp_path)
    with pytest.raises(ConfigError, match=r"digest\.email"):
        make_digest(
            recording(sheet_tabs()), config, MONDAY, state_dir=tmp_path, write=True, email=True
        )


# --- email through a real SMTP server on 127.0.0.1 -----------------------------------------


class Smtp:
    def __init__(self, collector: Collector, port: int) -> None:
        self.collector = collector
        self.port = port


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    collector = Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    yield Smtp(collector, port)
    controller.stop()


def mail_settings(port: int, **changes: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "sender": "keepup@example.org",
        "to": ["me@example.org", "also@example.net"],
        "password_env": PASSWORD_ENV,
    }
    settings.update(changes)
    return settings


def test_the_nightly_job_mails_the_digest_once_a_week(tmp_path: Path, smtp: Smtp) -> None:
    config = nightly_config(tmp_path, digest={"email": mail_settings(smtp.port)})
    backend = recording(sheet_tabs())
    for day in range(3):  # Monday to Wednesday
        clock = FakeClock(london(MONDAY + dt.timedelta(days=day)))
        job = NightlyJob(
            config, state_dir=tmp_path / "state", clock=clock, backend_factory=lambda _: backend
        )
        assert job().ok
    assert len(smtp.collector.messages) == 1
    message = smtp.collector.messages[0]
    assert smtp.collector.rcpt_tos[0] == ["me@example.org", "also@example.net"]
    assert message["Subject"] == "Keep in touch this week (Monday 23 November 2026): 3 to contact"
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",))
    rich = message.get_body(("html",))
    assert plain is not None and rich is not None
    text, html = plain.get_content(), rich.get_content()
    assert "Ada Lovelace" in text and "ask about sailing" in text
    assert "Zoë Ørsted: 3 Dec (in 10 days)" in text
    assert "<strong>Ada Lovelace</strong>" in html
    assert "emailed" in str(backend.tabs["keepup"])


def test_a_failed_email_does_not_fail_the_sync_and_is_retried(tmp_path: Path, smtp: Smtp) -> None:
    settings = mail_settings(smtp.port, username="me")  # a login needs the password
    config = nightly_config(tmp_path, digest={"email": settings})
    backend = recording(sheet_tabs())

    def run(day: int, env: dict[str, str]) -> str:
        clock = FakeClock(london(MONDAY + dt.timedelta(days=day)))
        job = NightlyJob(
            config,
            state_dir=tmp_path / "state",
            clock=clock,
            backend_factory=lambda _: backend,
            env=env,
            mail_sender=lambda *args, **kwargs: sent.append((args, kwargs)),
        )
        outcome = job()
        assert outcome.ok
        return outcome.message

    sent: list[Any] = []
    first = NightlyJob(
        config,
        state_dir=tmp_path / "state",
        clock=FakeClock(london(MONDAY)),
        backend_factory=lambda _: backend,
        env={},
        mail_sender=send_digest,
    )()
    assert first.ok and "digest email failed" in first.message
    assert PASSWORD_ENV not in first.message or "not set" in first.message
    assert "email failed" in str(backend.tabs["keepup"])
    assert smtp.collector.messages == []
    assert backend.tabs_written().count("This week") == 1
    # Tuesday: the tab is not rewritten, the email is tried again and goes out.
    assert "digest mailed" in run(1, {PASSWORD_ENV: "secret"})
    assert len(sent) == 1
    assert backend.tabs_written().count("This week") == 1
    # Wednesday: nothing more to send.
    assert "digest" not in run(2, {PASSWORD_ENV: "secret"})
    assert len(sent) == 1
