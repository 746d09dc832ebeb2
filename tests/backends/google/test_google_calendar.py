"""A calendar read on Google Sheets: the contacts and the Log in one read (two requests
sent together), the new Log rows in one write."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from fake_clock import FakeClock
from fake_google import FakeGoogle

from sheets_keepup.app.calendar_touches import scan_calendars
from sheets_keepup.core.settings import config_from_mapping

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))
CONTACTS = [
    ["Name", "Email", "Tier", "Last contact"],
    ["Jane Doe", "jane@example.org", "core", dt.date(2026, 1, 5)],
    ["Ana Lima", "ana@example.org", "close", dt.date(2026, 10, 1)],
]


def ics(tmp_path: Path) -> Path:
    start = (NOW - dt.timedelta(days=2)).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    end = (NOW - dt.timedelta(days=2, hours=-1)).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = tmp_path / "work.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:lunch-1\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:{start}\r\n"
        f"DTEND:{end}\r\nSUMMARY:Lunch with Jane Doe\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    return path


def test_a_calendar_run_is_one_read_and_one_write(fake: FakeGoogle, tmp_path: Path) -> None:
    key = fake.create({"Contacts": CONTACTS, "Log": [["Date", "Who", "Kind"]]})
    config = config_from_mapping(
        {
            "source": {"kind": "google", "spreadsheet": key},
            "timezone": "Europe/Paris",
            "touches": {"calendar": {"sources": [{"name": "work", "path": str(ics(tmp_path))}]}},
        }
    )
    fake.server.clear_log()
    run = scan_calendars(
        config,
        state_dir=tmp_path / "state",
        dry_run=False,
        backend=fake.backend(key),
        clock=FakeClock(NOW),
        env={},
    )
    assert run.summary is not None and len(run.summary.rows) == 1
    assert fake.rows(key, "Log")[1][1:] == ["Jane Doe", "lunch"]
    # The names in titles are looked for in the same read the Log rows are planned on.
    assert fake.server.request_count(kind="read") == 2
    assert fake.server.request_count(kind="write") == 1
