"""This week's reminders as an .ics file and in a real Radicale CalDAV calendar.

What must hold: the same week gives the same UIDs (re-importing updates, never
duplicates); pushing twice leaves the calendar as it was; only entries the tool put
there are ever changed or deleted; a task the user completed stays completed; the
password is never logged.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import icalendar
import pytest
import yaml
from click.testing import CliRunner
from helpers_contacts import TODAY
from servers import radicale
from servers.radicale import CalDavCalendar

from sheets_keepup.app.reminders import Reminders, build_reminders, push_reminders, write_ics
from sheets_keepup.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_keepup.cli import main
from sheets_keepup.core.calendar import UID_PREFIX
from sheets_keepup.core.errors import NetworkError
from sheets_keepup.core.sample import sample_tabs
from sheets_keepup.core.settings import Config, config_from_mapping

radicale_server = radicale.radicale_server
caldav_calendar = radicale.caldav_calendar

PASSWORD_ENV = "TEST_CALDAV_PASSWORD"
ENV = {PASSWORD_ENV: radicale.PASSWORD}


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.xlsx"
    write_new_workbook(path, sample_tabs(TODAY))
    return path


def settings(tmp_path: Path, **reminders: Any) -> dict[str, Any]:
    return {
        "source": {"kind": "xlsx", "path": str(tmp_path / "contacts.xlsx")},
        "state_dir": str(tmp_path / "state"),
        "touches": {"reminders": reminders},
    }


def config_for(tmp_path: Path, **reminders: Any) -> Config:
    return config_from_mapping(settings(tmp_path, **reminders))


def uids_in(data: bytes, kind: str = "VEVENT") -> list[str]:
    parsed = icalendar.Calendar.from_ical(data)
    return [str(c["UID"]) for c in parsed.walk() if c.name == kind]


def build(config: Config, tmp_path: Path, today: dt.date = TODAY) -> Reminders:
    return build_reminders(
        config, today, state_dir=tmp_path / "state", backend=XlsxBackend(config.source.path)
    )


# --- the file -----------------------------------------------------------------------------


def test_ics_writes_picks_birthdays_and_thank_yous_with_the_same_uids_each_run(
    tmp_path: Path, workbook: Path
) -> None:
    config_file = tmp_path / "sheets-keepup.yaml"
    config_file.write_text(yaml.safe_dump(settings(tmp_path)))
    out = tmp_path / "out.ics"
    args = ["ics", "-c", str(config_file), "--today", TODAY.isoformat(), "-o", str(out)]
    runner = CliRunner()
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "3 pick(s), 3 birthday(s), 1 thank-you(s)" in first.stdout
    uids = uids_in(out.read_bytes())
    assert len(uids) == len(set(uids)) == 7
    assert all(u.startswith(UID_PREFIX) for u in uids)
    later_in_week = (TODAY + dt.timedelta(days=2)).isoformat()
    again = runner.invoke(main, [*args[:3], "--today", later_in_week, "-o", str(out)])
    assert again.exit_code == 0, again.output
    # Two days on: the same picks and birthdays under the same UIDs. The thank-you is
    # no longer owed (its three days have passed), so it is simply not there.
    assert set(uids_in(out.read_bytes())) <= set(uids)
    assert out.stat().st_mode & 0o077 == 0


def test_a_dry_run_lists_the_entries_and_writes_nothing(tmp_path: Path, workbook: Path) -> None:
    config_file = tmp_path / "sheets-keepup.yaml"
    config_file.write_text(yaml.safe_dump(settings(tmp_path)))
    out = tmp_path / "out.ics"
    result = CliRunner().invoke(
        main,
        ["ics", "-c", str(config_file), "--today", TODAY.isoformat(), "-o", str(out), "--dry-run"],
    )
    assert result.exit_code == 0, result.output
    assert "birthday   Birthday: Priya Nair" in result.stdout
    assert (
        "Dry run: 3 pick(s), 3 birthday(s), 1 thank-you(s); nothing was written." in result.stdout
    )
    assert not out.exists()


def test_tasks_are_vtodos_due_on_the_day(tmp_path: Path, workbook: Path) -> None:
    config = config_for(tmp_path, format="tasks")
    out = tmp_path / "tasks.ics"
    write_ics(build(config, tmp_path), out)
    parsed = icalendar.Calendar.from_ical(out.read_bytes())
    todos = [c for c in parsed.walk() if c.name == "VTODO"]
    assert len(todos) == 7
    assert not [c for c in parsed.walk() if c.name == "VEVENT"]
    assert all(type(c.decoded("DUE")) is dt.date for c in todos)


# --- CalDAV push --------------------------------------------------------------------------


def dav_config(tmp_path: Path, target: CalDavCalendar, **extra: Any) -> Config:
    caldav = {"url": target.url, "username": radicale.USER, "password_env": PASSWORD_ENV}
    return config_for(tmp_path, caldav=caldav, **extra)


def server_uids(target: CalDavCalendar) -> list[str]:
    found = []
    for item in [*target.handle.events(), *target.handle.todos(include_completed=True)]:
        found += [
            str(c["UID"])
            for c in icalendar.Calendar.from_ical(item.data).walk()
            if c.name in ("VEVENT", "VTODO")
        ]
    return found


USER_EVENT = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//user//EN\r\nBEGIN:VEVENT\r\nUID:users-own\r\n"
    "DTSTAMP:20261101T000000Z\r\nDTSTART;VALUE=DATE:20261124\r\nSUMMARY:Dentist\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_push_twice_gives_the_same_events_and_next_week_replaces_only_ours(
    tmp_path: Path, workbook: Path, caldav_calendar: CalDavCalendar
) -> None:
    caldav_calendar.handle.save_event(USER_EVENT)
    config = dav_config(tmp_path, caldav_calendar)
    settings = config.touches.reminders.caldav
    assert settings is not None
    week = build(config, tmp_path)
    first = push_reminders(settings, week, dry_run=False, env=ENV)
    assert len(first.created) == 7 and not first.updated and not first.deleted
    on_server = sorted(server_uids(caldav_calendar))
    assert on_server == sorted([*(r.uid for r in week.items), "users-own"])

    second = push_reminders(settings, build(config, tmp_path), dry_run=False, env=ENV)
    assert (len(second.unchanged), second.created, second.updated) == (7, (), ())
    assert sorted(server_uids(caldav_calendar)) == on_server

    next_week = build(config, tmp_path, TODAY + dt.timedelta(days=7))
    preview = push_reminders(settings, next_week, dry_run=True, env=ENV)
    assert sorted(server_uids(caldav_calendar)) == on_server  # a dry run changes nothing
    third = push_reminders(settings, next_week, dry_run=False, env=ENV)
    assert (third.created, third.deleted) == (preview.created, preview.deleted)
    assert third.deleted and "users-own" not in third.deleted
    assert sorted(server_uids(caldav_calendar)) == sorted(
        [*(r.uid for r in next_week.items), "users-own"]
    )


def test_a_task_the_user_completed_stays_completed(
    tmp_path: Path, workbook: Path, caldav_calendar: CalDavCalendar
) -> None:
    config = dav_config(tmp_path, caldav_calendar, format="tasks")
    settings = config.touches.reminders.caldav
    assert settings is not None
    week = build(config, tmp_path)
    push_reminders(settings, week, dry_run=False, env=ENV)
    todo = caldav_calendar.handle.todos()[0]
    uid = str(todo.icalendar_component["UID"])
    todo.complete()
    again = push_reminders(settings, week, dry_run=False, env=ENV)
    assert again.kept_done == (uid,)
    done = caldav_calendar.handle.todo_by_uid(uid)
    assert str(done.icalendar_component["STATUS"]) == "COMPLETED"


def test_a_refused_push_says_so_without_the_password(
    tmp_path: Path,
    workbook: Path,
    caldav_calendar: CalDavCalendar,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = dav_config(tmp_path, caldav_calendar)
    settings = config.touches.reminders.caldav
    assert settings is not None
    caplog.set_level(logging.DEBUG)
    with pytest.raises(NetworkError, match="refused the user name or password") as raised:
        push_reminders(
            settings, build(config, tmp_path), dry_run=False, env={PASSWORD_ENV: "bad-pw-Kq2"}
        )
    assert "bad-pw-Kq2" not in caplog.text and "bad-pw-Kq2" not in str(raised.value)


def test_ics_push_from_the_command_line(
    tmp_path: Path, workbook: Path, caldav_calendar: CalDavCalendar
) -> None:
    caldav = {"url": caldav_calendar.url, "username": radicale.USER, "password_env": PASSWORD_ENV}
    config_file = tmp_path / "sheets-keepup.yaml"
    config_file.write_text(yaml.safe_dump(settings(tmp_path, caldav=caldav)))
    args = ["ics", "-c", str(config_file), "--today", TODAY.isoformat(), "--push"]
    runner = CliRunner()
    result = runner.invoke(main, args, env=ENV)
    assert result.exit_code == 0, result.output
    assert "caldav: 7 created, 0 updated, 0 unchanged, 0 deleted" in result.stdout
    assert not list(tmp_path.glob("*.ics"))  # --push alone writes no file
    again = runner.invoke(main, args, env=ENV)
    assert "caldav: 0 created, 0 updated, 7 unchanged, 0 deleted" in again.stdout
