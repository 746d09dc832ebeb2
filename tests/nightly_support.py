"""Helpers for the nightly-job tests: a small sheet, recording backends, an SMTP sink."""

from __future__ import annotations

import datetime as dt
import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core_helpers import contacts, make_config, person
from fake_clock import FakeClock

from sheets_keepup.app.scheduler import NightlyRunner
from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.core.model import ChangeSet
from sheets_keepup.core.settings import Config

LONDON = ZoneInfo("Europe/London")
MONDAY = dt.date(2026, 11, 23)


def london(day: dt.date, hour: int = 6, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def sheet_tabs(today: dt.date = MONDAY) -> dict[str, list[list[Any]]]:
    """Contacts with an overdue pick, a birthday, a thank-you owed and an unreadable cell."""

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    people = contacts(
        person(
            "Ada Lovelace",
            email="ada@example.org",
            phone="+44 20 7946 0000",
            tier="core",
            last_contact=ago(120),
            last_in_person=ago(100),
            interests="sailing, jazz",
            notes="Two kids, Ana and Leo. Likes tea",
        ),
        person(
            "Zoë Ørsted",
            email="zoe@example.dk",
            tier="close",
            last_contact=ago(3),
            last_in_person=ago(40),
            birthday=f"{(today + dt.timedelta(days=10)):%m-%d}",
        ),
        person(
            '=HYPERLINK("http://x","Eve")',
            email="eve@example.com",
            tier="network",
            last_contact=ago(400),
        ),
        person("Bea Brown", email="bea@example.org", tier="core", last_contact="last spring"),
        person(
            "Carl Chen",
            email="carl@example.org",
            phone="+1 555 0100",
            tier="close",
            last_contact=ago(10),
            last_in_person=ago(2),
            birthday=f"{(today + dt.timedelta(days=30)):%m-%d}",
        ),
    )
    log = [["Date", "Who", "Kind", "Note"], [ago(2), "Carl Chen", "coffee", "catch-up"]]
    return {"Contacts": people, "Log": log}


def nightly_config(tmp_path: Path, **overrides: Any) -> Config:
    data: dict[str, Any] = {
        "timezone": "Europe/London",
        "state_dir": str(tmp_path / "state"),
        "schedule": {"at": "06:00", "digest_day": "monday"},
    }
    data.update(overrides)
    return make_config(**data)


@dataclass
class RecordingBackend(MemoryBackend):
    """A memory sheet that also keeps every ChangeSet it applied."""

    applied: list[ChangeSet] = field(default_factory=list)

    def apply(self, changes: ChangeSet) -> None:
        super().apply(changes)
        self.applied.append(changes)

    def tabs_written(self) -> list[str]:
        """Every tab each write changed, in order (a write may carry several tabs)."""
        return [part.tab for c in self.applied for part in c.all_tabs()]

    def writes_of(self) -> list[list[str]]:
        """The tabs of each write, write by write."""
        return [[part.tab for part in c.all_tabs()] for c in self.applied]


def recording(tabs: dict[str, list[list[Any]]]) -> RecordingBackend:
    return RecordingBackend(tabs={t: [list(r) for r in rows] for t, rows in tabs.items()})


def tab_text(backend: MemoryBackend, tab: str) -> dict[str, str]:
    """A two-column tool tab as {label: value}."""
    return {str(r[0]): str(r[1]) for r in backend.tabs[tab] if len(r) >= 2 and r[0]}


class SimClock(FakeClock):
    """A fake clock that stops the runner once it reaches ``end``.

    With ``suspend_at`` set, the first nap past that moment also jumps ``suspend_for``
    ahead, as when a laptop sleeps.
    """

    def __init__(self, start: dt.datetime, end: dt.datetime) -> None:
        super().__init__(start)
        self.end = end
        self.runner: NightlyRunner | None = None
        self.suspend_at: dt.datetime | None = None
        self.suspend_for = dt.timedelta(0)

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        if self.suspend_at is not None and self.now() >= self.suspend_at:
            self.suspend_at = None
            self.advance(self.suspend_for)
        if self.now() >= self.end and self.runner is not None:
            self.runner.request_stop()


# --- a local SMTP server --------------------------------------------------------------------


class Collector:
    """aiosmtpd handler keeping every delivered message."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.rcpt_tos: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.rcpt_tos.append(list(envelope.rcpt_tos))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
