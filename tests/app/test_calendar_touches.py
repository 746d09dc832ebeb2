"""Calendar meetings become Log rows: from an .ics file, an .ics address served on
127.0.0.1, and a real Radicale CalDAV server, into a real workbook.

Each "must never happen" has a test: an occurrence counted twice (re-run, a refetched
file, a restarted server, a lost state), a touch for the wrong person (shared names,
declined invitations, big meetings), and a secret address or a password in the logs.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from click.testing import CliRunner
from fake_clock import FakeClock
from helpers_contacts import rows_of
from servers import radicale
from servers.http_files import IcsServer, ics_server  # noqa: F401
from servers.radicale import CalDavCalendar, RadicaleServer

from sheets_keepup.app.calendar_touches import (
    ALREADY_COUNTED,
    STATE_FILE,
    load_planned,
    planned_path,
    scan_calendars,
)
from sheets_keepup.app.files import target_path
from sheets_keepup.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_keepup.cli import main
from sheets_keepup.core.calendar import DECLINED, NOBODY, TOO_MANY_ATTENDEES
from sheets_keepup.core.errors import ExitStatus
from sheets_keepup.core.pipeline import plan_sheet
from sheets_keepup.core.settings import Config, config_from_mapping

radicale_server = radicale.radicale_server
caldav_calendar = radicale.caldav_calendar

ZONE = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=ZONE)
ME = "me@example.com"
CONTACTS = [
    ["Name", "Email", "Tier", "Last contact"],
    ["Jane Doe", "jane.doe@gmail.com", "core", dt.date(2026, 1, 5)],
    ["Bruno Castillo", "bruno@example.com", "network", None],
    ["Ana Lima", "ana@example.org", "close", None],
    ["Sam Twin", "sam.one@example.org", "network", None],
    ["Sam Twin", "sam.two@example.org", "network", None],
]
SECRET = "private-5f1e0c9a77d2b4aa"
PASSWORD_ENV = "TEST_CALDAV_PASSWORD"


def stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def vevent(
    uid: str,
    start: dt.datetime,
    summary: str,
    *,
    attendees: tuple[tuple[str, str], ...] = (),
    extra: str = "",
    minutes: int = 60,
) -> str:
    people = "".join(f"ATTENDEE;PARTSTAT={p}:mailto:{a}\r\n" for a, p in attendees)
    return (
        "BEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261101T000000Z\r\n"
        f"DTSTART:{stamp(start)}\r\nDTEND:{stamp(start + dt.timedelta(minutes=minutes))}\r\n"
        f"SUMMARY:{summary}\r\n{people}{extra}END:VEVENT\r\n"
    )


def calendar(*events: str) -> bytes:
    body = "".join(events)
    return (
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n".encode()
    )


def days_ago(days: int, hour: int = 10) -> dt.datetime:
    return (NOW - dt.timedelta(days=days)).replace(hour=hour, minute=0)


def config_for(tmp_path: Path, *sources: dict[str, Any], **settings: Any) -> Config:
    return config_from_mapping(
        {
            "source": {"kind": "xlsx", "path": str(tmp_path / "contacts.xlsx")},
            "state_dir": str(tmp_path / "state"),
            "timezone": "Europe/Paris",
            "touches": {"calendar": {"sources": list(sources), "me": [ME], **settings}},
        }
    )


@pytest.fixture
def workbook(tmp_path: Path) -> XlsxBackend:
    path = tmp_path / "contacts.xlsx"
    write_new_workbook(path, {"Contacts": CONTACTS})
    return XlsxBackend(path)


def run(config: Config, backend: XlsxBackend, tmp_path: Path, **kw: Any) -> Any:
    options: dict[str, Any] = {"dry_run": False, "clock": FakeClock(NOW), "env": {}}
    options.update(kw)
    return scan_calendars(config, state_dir=tmp_path / "state", backend=backend, **options)


def log_rows(backend: XlsxBackend) -> list[list[Any]]:
    return rows_of(backend, "Log")[1:]


def file_source(tmp_path: Path, data: bytes, name: str = "file") -> dict[str, Any]:
    path = tmp_path / f"{name}.ics"
    path.write_bytes(data)
    return {"name": name, "path": str(path)}


# --- what is logged -----------------------------------------------------------------------


def test_past_meetings_with_contacts_become_log_rows_of_the_right_kind(
    tmp_path: Path, workbook: XlsxBackend
) -> None:
    data = calendar(
        vevent("a", days_ago(3), "Coffee with Jane Doe"),
        vevent("b", days_ago(2), "Project sync", attendees=(("Bruno@Example.com", "ACCEPTED"),)),
        vevent(
            "c",
            days_ago(1),
            "Catch-up",
            attendees=(("ana@example.org", "ACCEPTED"),),
            extra="DESCRIPTION:Join https://meet.google.com/abc-defg-hij\r\n",
        ),
        vevent("d", days_ago(1, 15), "Dentist"),
    )
    config = config_for(tmp_path, file_source(tmp_path, data))
    result = run(config, workbook, tmp_path)
    assert log_rows(workbook) == [
        [days_ago(3).date(), "Jane Doe", "coffee"],
        [days_ago(2).date(), "Bruno Castillo", "meeting"],
        [days_ago(1).date(), "Ana Lima", "call"],
    ]
    assert result.occurrences == 4
    assert "3 Log row(s) added" in result.line()


def test_a_recurring_meeting_counts_each_past_occurrence_once_and_a_moved_one_on_its_new_day(
    tmp_path: Path, workbook: XlsxBackend
) -> None:
    first = days_ago(21)
    moved_from = days_ago(14)
    series = vevent(
        "weekly",
        first,
        "1:1",
        attendees=(("bruno@example.com", "ACCEPTED"),),
        extra="RRULE:FREQ=WEEKLY;COUNT=6\r\n",
    )
    moved = vevent(
        "weekly",
        moved_from + dt.timedelta(days=1),
        "1:1 (moved)",
        attendees=(("bruno@example.com", "ACCEPTED"),),
        extra=f"RECURRENCE-ID:{stamp(moved_from)}\r\n",
    )
    config = config_for(tmp_path, file_source(tmp_path, calendar(series, moved)))
    result = run(config, workbook, tmp_path)
    # Today's 10:00 occurrence has ended by noon: it counts today.
    assert [row[0] for row in log_rows(workbook)] == [
        days_ago(21).date(),
        days_ago(13).date(),
        days_ago(7).date(),
        days_ago(0).date(),
    ]
    # The two to come fall within the 14-day horizon: planned, not logged.
    assert [m.day for m in result.planned] == [
        (NOW + dt.timedelta(days=7)).date(),
        (NOW + dt.timedelta(days=14)).date(),
    ]


def test_a_rerun_and_a_refetched_file_count_nothing_twice(
    tmp_path: Path, workbook: XlsxBackend
) -> None:
    jane = vevent("a", days_ago(3), "Coffee with Jane Doe")
    source = file_source(tmp_path, calendar(jane))
    config = config_for(tmp_path, source)
    run(config, workbook, tmp_path)
    again = run(config, workbook, tmp_path)
    assert again.summary.rows == ()
    assert again.skipped == {ALREADY_COUNTED: 1}
    # The provider rewrites the file (new DTSTAMP, a new event): only the new one counts.
    later = vevent("b", days_ago(1), "Lunch with Bruno Castillo")
    Path(source["path"]).write_bytes(calendar(jane.replace("20261101", "20261122"), later))
    third = run(config, workbook, tmp_path)
    assert [(r.who, r.kind) for r in third.summary.rows] == [("Bruno Castillo", "lunch")]
    assert len(log_rows(workbook)) == 2


def test_a_lost_state_still_adds_nothing_the_log_holds(
    tmp_path: Path, workbook: XlsxBackend
) -> None:
    config = config_for(
        tmp_path, file_source(tmp_path, calendar(vevent("a", days_ago(3), "Coffee with Jane Doe")))
    )
    run(config, workbook, tmp_path)
    state = target_path(tmp_path / "state", workbook.describe()) / STATE_FILE
    assert state.exists()
    state.unlink()
    again = run(config, workbook, tmp_path)
    assert again.summary.rows == ()
    assert len(log_rows(workbook)) == 1


def test_the_state_keeps_hashes_not_event_uids(tmp_path: Path, workbook: XlsxBackend) -> None:
    uid = "meeting-with-jane.doe@gmail.com"
    config = config_for(
        tmp_path, file_source(tmp_path, calendar(vevent(uid, days_ago(3), "Coffee with Jane Doe")))
    )
    run(config, workbook, tmp_path)
    state = (target_path(tmp_path / "state", workbook.describe()) / STATE_FILE).read_text()
    assert "jane" not in state.casefold()
    assert len(json.loads(state)["seen"]) == 1


def test_a_longer_look_back_later_does_not_recount_forgotten_occurrences(
    tmp_path: Path, workbook: XlsxBackend
) -> None:
    old = vevent("old", days_ago(20), "Coffee with Jane Doe")
    source = file_source(tmp_path, calendar(old))
    run(config_for(tmp_path, source, lookback_days=30), workbook, tmp_path)
    # 40 days on, the state has forgotten it; a 90-day look-back must not reach it again.
    later = FakeClock(NOW + dt.timedelta(days=40))
    run(config_for(tmp_path, source, lookback_days=30), workbook, tmp_path, clock=later)
    wide = run(config_for(tmp_path, source, lookback_days=90), workbook, tmp_path, clock=later)
    assert wide.summary.rows == ()
    assert len(log_rows(workbook)) == 1


def test_wrong_people_are_never_logged(tmp_path: Path, workbook: XlsxBackend) -> None:
    crowd = tuple((f"p{i}@example.net", "ACCEPTED") for i in range(10))
    data = calendar(
        vevent("twins", days_ago(5), "Coffee with Sam Twin"),
        vevent(
            "declined",
            days_ago(4),
            "Sync",
            attendees=(("bruno@example.com", "ACCEPTED"), (ME, "DECLINED")),
        ),
        vevent("they-declined", days_ago(3), "Sync", attendees=(("ana@example.org", "DECLINED"),)),
        vevent(
            "crowd",
            days_ago(2),
            "All hands",
            attendees=(("jane.doe@gmail.com", "ACCEPTED"), *crowd),
        ),
        vevent("cancelled", days_ago(1), "Lunch with Jane Doe", extra="STATUS:CANCELLED\r\n"),
        vevent(
            "ok", days_ago(1, 16), "Tea", attendees=(("JaneDoe+cal@googlemail.com", "ACCEPTED"),)
        ),
    )
    result = run(config_for(tmp_path, file_source(tmp_path, data)), workbook, tmp_path)
    assert log_rows(workbook) == [[days_ago(1).date(), "Jane Doe", "meeting"]]
    assert result.skipped[DECLINED] == 1
    assert result.skipped[TOO_MANY_ATTENDEES] == 1
    assert result.skipped[NOBODY] == 1  # the only attendee declined
    assert result.summary.skipped == {"ambiguous": 1, "no contact": 1}


def test_a_dry_run_lists_the_rows_and_writes_and_remembers_nothing(
    tmp_path: Path, workbook: XlsxBackend
) -> None:
    soon = vevent("soon", NOW + dt.timedelta(days=3), "Coffee with Ana Lima")
    data = calendar(vevent("a", days_ago(3), "Coffee with Jane Doe"), soon)
    config = config_for(tmp_path, file_source(tmp_path, data))
    dry = run(config, workbook, tmp_path, dry_run=True)
    assert [(r.who, r.kind) for r in dry.summary.rows] == [("Jane Doe", "coffee")]
    assert "Log" not in workbook.read(["Contacts", "Log"]).tabs
    assert not (tmp_path / "state").exists() or not list((tmp_path / "state").rglob("*.json"))
    real = run(config, workbook, tmp_path)
    assert [(r.who, r.kind) for r in real.summary.rows] == [("Jane Doe", "coffee")]


def test_meetings_to_come_are_kept_for_the_planner_and_not_logged(
    tmp_path: Path, workbook: XlsxBackend
) -> None:
    data = calendar(
        vevent("soon", NOW + dt.timedelta(days=3), "Coffee with Ana Lima"),
        vevent("far", NOW + dt.timedelta(days=40), "Lunch with Jane Doe"),
    )
    run(config_for(tmp_path, file_source(tmp_path, data)), workbook, tmp_path)
    assert "Log" not in workbook.read(["Contacts", "Log"]).tabs
    planned = load_planned(planned_path(tmp_path / "state", workbook.describe()), NOW.date())
    assert [(m.name, m.email, m.day, m.kind) for m in planned] == [
        ("Ana Lima", "ana@example.org", (NOW + dt.timedelta(days=3)).date(), "coffee")
    ]


# --- an .ics address ----------------------------------------------------------------------


def test_an_ics_address_is_read_and_never_logged(
    tmp_path: Path,
    workbook: XlsxBackend,
    ics_server: IcsServer,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = f"/calendar/ical/me%40example.com/{SECRET}/basic.ics"
    ics_server.files[path] = calendar(vevent("a", days_ago(2), "Lunch with Bruno Castillo"))
    source = {"name": "google", "url_env": "TEST_ICS_URL"}
    config = config_for(tmp_path, source)
    env = {"TEST_ICS_URL": ics_server.url(path)}
    caplog.set_level(logging.DEBUG)
    result = run(config, workbook, tmp_path, env=env)
    assert [(r.who, r.kind) for r in result.summary.rows] == [("Bruno Castillo", "lunch")]
    ics_server.status = 500
    failed = run(config, workbook, tmp_path, env=env)
    assert [r.name for r in failed.failed] == ["google"]
    assert "500" in failed.failed[0].error
    assert ics_server.requests == [path, path]
    assert SECRET not in caplog.text
    assert SECRET not in failed.failed[0].error


def test_one_failing_source_leaves_the_others_recorded_and_is_read_again_next_time(
    tmp_path: Path,
    workbook: XlsxBackend,
    ics_server: IcsServer,  # noqa: F811
) -> None:
    ics_server.files["/a.ics"] = calendar(vevent("a", days_ago(2), "Lunch with Bruno Castillo"))
    good = file_source(tmp_path, calendar(vevent("b", days_ago(1), "Coffee with Jane Doe")))
    config = config_for(tmp_path, good, {"name": "web", "url": ics_server.url("/a.ics")})
    ics_server.status = 503
    first = run(config, workbook, tmp_path)
    assert [r.who for r in first.summary.rows] == ["Jane Doe"]
    ics_server.status = None
    second = run(config, workbook, tmp_path)
    assert [r.who for r in second.summary.rows] == ["Bruno Castillo"]


# --- CalDAV -------------------------------------------------------------------------------


def caldav_source(calendar_: CalDavCalendar) -> dict[str, Any]:
    return {
        "name": "dav",
        "caldav": calendar_.url,
        "username": radicale.USER,
        "password_env": PASSWORD_ENV,
    }


def test_caldav_meetings_are_read_and_a_server_restart_counts_nothing_twice(
    tmp_path: Path,
    workbook: XlsxBackend,
    radicale_server: RadicaleServer,
    caldav_calendar: CalDavCalendar,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caldav_calendar.handle.save_event(
        calendar(
            vevent("dav-1", days_ago(4), "Coffee", attendees=(("ana@example.org", "ACCEPTED"),))
        ).decode()
    )
    caldav_calendar.handle.save_event(
        calendar(
            vevent(
                "dav-2", days_ago(2), "Brunch with Jane Doe", extra="RRULE:FREQ=DAILY;COUNT=2\r\n"
            )
        ).decode()
    )
    config = config_for(tmp_path, caldav_source(caldav_calendar))
    env = {PASSWORD_ENV: radicale.PASSWORD}
    caplog.set_level(logging.DEBUG)
    first = run(config, workbook, tmp_path, env=env)
    assert [(r.day, r.who, r.kind) for r in first.summary.rows] == [
        (days_ago(4).date(), "Ana Lima", "coffee"),
        (days_ago(2).date(), "Jane Doe", "lunch"),
        (days_ago(1).date(), "Jane Doe", "lunch"),
    ]
    radicale_server.restart()
    again = run(config, workbook, tmp_path, env=env)
    assert again.summary.rows == ()
    assert again.skipped == {ALREADY_COUNTED: 3}
    assert len(log_rows(workbook)) == 3
    assert radicale.PASSWORD not in caplog.text


def test_a_wrong_caldav_password_is_a_clear_failure_without_the_password(
    tmp_path: Path,
    workbook: XlsxBackend,
    caldav_calendar: CalDavCalendar,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = config_for(tmp_path, caldav_source(caldav_calendar))
    caplog.set_level(logging.DEBUG)
    result = run(config, workbook, tmp_path, env={PASSWORD_ENV: "wrong-pw-Zq81"})
    assert result.failed[0].error == "the server refused the user name or password"
    assert "wrong-pw-Zq81" not in caplog.text


# --- the command --------------------------------------------------------------------------


def test_the_calendar_command_dry_run_json_and_one_job_log_line(
    tmp_path: Path, workbook: XlsxBackend
) -> None:
    now = dt.datetime.now(ZONE)
    data = calendar(
        vevent("a", now - dt.timedelta(days=2), "Coffee with Jane Doe"),
        vevent(
            "b", now + dt.timedelta(days=2), "Lunch", attendees=(("ana@example.org", "ACCEPTED"),)
        ),
    )
    source = file_source(tmp_path, data)
    job_log = tmp_path / "job.log"
    config_file = tmp_path / "sheets-keepup.yaml"
    config_file.write_text(
        yaml.safe_dump(
            {
                "source": {"kind": "xlsx", "path": str(tmp_path / "contacts.xlsx")},
                "state_dir": str(tmp_path / "state"),
                "timezone": "Europe/Paris",
                "log_file": str(job_log),
                "touches": {"calendar": {"sources": [source]}},
            }
        )
    )
    runner = CliRunner()
    dry = runner.invoke(main, ["calendar", "-c", str(config_file), "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    shown = json.loads(dry.stdout)
    assert shown["rows"] == [
        {
            "date": (now - dt.timedelta(days=2)).date().isoformat(),
            "who": "Jane Doe",
            "kind": "coffee",
            "note": "",
        }
    ]
    assert shown["planned"][0]["who"] == "Ana Lima"
    assert not shown["written"]
    real = runner.invoke(main, ["calendar", "-c", str(config_file)])
    assert real.exit_code == 0, real.output
    assert "Jane Doe  coffee" in real.stdout
    lines = [line for line in job_log.read_text().splitlines() if "calendar:" in line]
    assert len(lines) == 2
    assert "1 Log row(s) added; 1 planned meeting(s)" in lines[-1]
    assert "@" not in "".join(lines) and "Jane" not in "".join(lines)


def test_the_calendar_command_exits_with_the_network_status_when_a_source_fails(
    tmp_path: Path,
    workbook: XlsxBackend,
    ics_server: IcsServer,  # noqa: F811
) -> None:
    config_file = tmp_path / "sheets-keepup.yaml"
    config_file.write_text(
        yaml.safe_dump(
            {
                "source": {"kind": "xlsx", "path": str(tmp_path / "contacts.xlsx")},
                "state_dir": str(tmp_path / "state"),
                "touches": {
                    "calendar": {"sources": [{"name": "web", "url": ics_server.url("/gone.ics")}]}
                },
            }
        )
    )
    result = CliRunner().invoke(main, ["calendar", "-c", str(config_file)])
    assert result.exit_code == int(ExitStatus.NETWORK), result.output
    assert "web: the server answered 404" in result.output
    assert "/gone.ics" not in result.output


# --- in the nightly job ---------------------------------------------------------------------


def nightly(config: Config, workbook: XlsxBackend, tmp_path: Path) -> Any:
    """One night of `run`: the calendar read, then the sync, on `workbook`."""
    from sheets_keepup.app.run import NightlyJob

    job = NightlyJob(
        config,
        state_dir=tmp_path / "state",
        clock=FakeClock(NOW),
        backend_factory=lambda _: workbook,
        env={},
    )
    return job()


def test_the_nightly_job_logs_past_meetings_before_it_syncs(
    tmp_path: Path, workbook: XlsxBackend
) -> None:
    data = calendar(vevent("a", days_ago(2), "Lunch with Ana Lima"))
    config = config_for(tmp_path, file_source(tmp_path, data))
    assert nightly(config, workbook, tmp_path).ok
    assert log_rows(workbook) == [[days_ago(2).date(), "Ana Lima", "lunch"]]
    contacts = rows_of(workbook, "Contacts")
    ana = next(row for row in contacts if row[0] == "Ana Lima")
    # The sync after the read already counts the lunch: Ana is not overdue tonight.
    assert ana[contacts[0].index("Status")] != "overdue"


def test_a_calendar_that_cannot_be_read_leaves_the_nightly_sync_running(
    tmp_path: Path, workbook: XlsxBackend
) -> None:
    config = config_for(tmp_path, {"name": "gone", "path": str(tmp_path / "missing.ics")})
    assert nightly(config, workbook, tmp_path).ok
    assert "Status" in rows_of(workbook, "Contacts")[0]
    assert "Log" not in workbook.read(["Log"]).tabs


def test_no_coffee_is_suggested_for_someone_the_user_meets_next_week(
    tmp_path: Path, workbook: XlsxBackend
) -> None:
    """Jane is long overdue; a lunch with her on the calendar in three days is that
    catch-up, so tonight's sync suggests nothing for her and Bruno keeps his."""
    data = calendar(vevent("soon", NOW + dt.timedelta(days=3), "Lunch with Jane Doe"))
    config = config_for(tmp_path, file_source(tmp_path, data))
    assert nightly(config, workbook, tmp_path).ok
    assert "Log" not in workbook.read(["Contacts", "Log"]).tabs  # planned, not a touch
    contacts = rows_of(workbook, "Contacts")
    header = contacts[0]
    jane = next(row for row in contacts if row[0] == "Jane Doe")
    assert jane[header.index("Status")] == "ok"
    assert not jane[header.index("Next action")]

    # Without the calendar, the same sheet says Jane is overdue.
    planned = plan_sheet(workbook.read(["Contacts", "Log"]), config, NOW.date())
    statuses = dict(zip(planned.contacts.frame["name"], planned.plan.rows["status"], strict=True))
    assert statuses["Jane Doe"] == "overdue"
