"""`sheets-keepup ics`: this week's picks, birthdays and thank-yous in the user's calendar.

`build_reminders` plans from one read of the sheet (the digest's lists, as the "This
week" tab shows them) and turns them into reminders with stable UIDs (`core.calendar`);
`write_ics` writes them as one .ics file, and `push_reminders` puts each one into a
CalDAV calendar by its UID, deleting the reminders it put there earlier that are no
longer current. Only entries whose UID starts with `core.calendar.UID_PREFIX` are ever
changed or deleted: everything else in that calendar is the user's.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import icalendar
import requests

from sheets_keepup.app.calendar_touches import caldav_client, caldav_reason, password_from_env
from sheets_keepup.app.clock import Clock, SystemClock
from sheets_keepup.app.run import make_digest
from sheets_keepup.backends import Backend, open_backend
from sheets_keepup.core.calendar import (
    UID_PREFIX,
    Reminder,
    reminder_component,
    reminders_ics,
    reminders_of,
)
from sheets_keepup.core.digest import week_start
from sheets_keepup.core.errors import ConfigError, NetworkError
from sheets_keepup.core.settings import Config, RemindersCalDavConfig

log = logging.getLogger(__name__)

DEFAULT_FILE = "keep-in-touch.ics"
# What decides whether an entry on the server already says what we would put there;
# DTSTAMP changes on every run and is left out.
_COMPARED = ("SUMMARY", "DESCRIPTION", "DTSTART", "DTEND", "DUE")


@dataclass(frozen=True)
class Reminders:
    """This week's reminders and how they are laid out."""

    today: dt.date
    week: dt.date
    items: tuple[Reminder, ...]
    tasks: bool

    def counts(self) -> str:
        """Counts by reason, never a name: for the job log and the command's last line."""
        by_reason = {
            reason: sum(1 for r in self.items if r.reason == reason)
            for reason in ("pick", "birthday", "thank-you")
        }
        return (
            f"{by_reason['pick']} pick(s), {by_reason['birthday']} birthday(s), "
            f"{by_reason['thank-you']} thank-you(s)"
        )


def build_reminders(
    config: Config, today: dt.date, *, state_dir: Path, backend: Backend | None = None
) -> Reminders:
    """One read of the sheet, planned as a sync would; nothing is written to it."""
    backend = backend or open_backend(config)
    digest = make_digest(backend, config, today, state_dir=state_dir, write=False)
    week = week_start(today, config.schedule.digest_day)
    return Reminders(
        today,
        week,
        tuple(reminders_of(digest, week)),
        tasks=config.touches.reminders.format == "tasks",
    )


def output_path(config: Config, option: Path | None) -> Path:
    """--output, else reminders.file, else keep-in-touch.ics in the current folder."""
    return option or config.touches.reminders.file or Path(DEFAULT_FILE)


def write_ics(reminders: Reminders, path: Path, *, clock: Clock | None = None) -> bytes:
    """Write the reminders to `path` (replaced atomically, owner-only); return the bytes."""
    stamp = (clock or SystemClock()).now()
    data = reminders_ics(reminders.items, stamp, tasks=reminders.tasks)
    _write_bytes(path, data)
    log.info("ics: wrote %s (%s)", path, reminders.counts())
    return data


def _write_bytes(path: Path, data: bytes) -> None:
    """Replace `path` atomically with `data`, owner-only: it names people and addresses.

    Bytes, not text, so the CRLF line ends iCalendar requires reach the file unchanged.
    """
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- CalDAV push --------------------------------------------------------------------------


@dataclass(frozen=True)
class PushResult:
    """What a push did (or, with dry_run, would do) to the CalDAV calendar, by UID."""

    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    kept_done: tuple[str, ...] = ()
    """Tasks the user has completed: left as they are, never reopened."""
    dry_run: bool = False
    extra: Mapping[str, int] = field(default_factory=dict)

    def line(self) -> str:
        verb = "would be " if self.dry_run else ""
        return (
            f"caldav: {len(self.created)} {verb}created, {len(self.updated)} {verb}updated, "
            f"{len(self.unchanged)} unchanged, {len(self.deleted)} {verb}deleted"
            + (f", {len(self.kept_done)} completed task(s) kept" if self.kept_done else "")
        )


@dataclass
class _Entry:
    """One of our entries on the server."""

    uid: str
    kind: str
    component: icalendar.cal.Component
    resource: Any


def _our_entries(calendar: Any) -> dict[str, _Entry]:
    """Every entry on the server whose UID is ours, events and tasks alike."""
    from caldav.lib import error as caldav_error

    found: dict[str, _Entry] = {}
    for tasks in (False, True):
        try:
            resources = calendar.todos(include_completed=True) if tasks else calendar.events()
        except caldav_error.ReportError:
            continue  # a calendar that holds no tasks may refuse to be asked for them
        for resource in resources:
            parsed = icalendar.Calendar.from_ical(str(resource.data))
            for component in parsed.walk():
                uid = str(component.get("UID", ""))
                if component.name in ("VEVENT", "VTODO") and uid.startswith(UID_PREFIX):
                    found[uid] = _Entry(uid, component.name, component, resource)
    return found


def _same(existing: icalendar.cal.Component, wanted: icalendar.cal.Component) -> bool:
    def values(component: icalendar.cal.Component) -> tuple[str, ...]:
        return tuple(_ical_text(component[name]) if name in component else "" for name in _COMPARED)

    return existing.name == wanted.name and values(existing) == values(wanted)


def _ical_text(value: Any) -> str:
    raw = value.to_ical()
    return raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)


def _document(component: icalendar.cal.Component) -> str:
    calendar = icalendar.Calendar()
    calendar.add("PRODID", "-//sheets-keepup//reminders//EN")
    calendar.add("VERSION", "2.0")
    calendar.add_component(component)
    return str(calendar.to_ical().decode("utf-8"))


def push_reminders(
    settings: RemindersCalDavConfig,
    reminders: Reminders,
    *,
    dry_run: bool,
    clock: Clock | None = None,
    env: Mapping[str, str] | None = None,
) -> PushResult:
    """Put each reminder into the calendar by UID; delete our entries no longer current.

    An entry that already says the same is not sent again, so pushing twice changes
    nothing; a task the user has completed is left completed.
    """
    from caldav.lib import error as caldav_error

    env = os.environ if env is None else env
    stamp = (clock or SystemClock()).now()
    password = password_from_env(
        "touches.reminders.caldav", settings.password_env, settings.username, env
    )
    client = caldav_client(settings.url, settings.username, password, settings.timeout_seconds)
    try:
        with client:
            calendar = client.calendar(url=settings.url)
            existing = _our_entries(calendar)
            result = _apply(calendar, existing, reminders, stamp, dry_run=dry_run)
    except (caldav_error.DAVError, requests.RequestException) as error:
        raise NetworkError(
            f"Could not update the CalDAV calendar: {caldav_reason(error)}. Check "
            "touches.reminders.caldav in the config."
        ) from None
    log.info("ics: %s", result.line())
    return result


def _apply(
    calendar: Any,
    existing: dict[str, _Entry],
    reminders: Reminders,
    stamp: dt.datetime,
    *,
    dry_run: bool,
) -> PushResult:
    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    kept: list[str] = []
    for reminder in reminders.items:
        wanted = reminder_component(reminder, stamp, tasks=reminders.tasks)
        entry = existing.get(reminder.uid)
        if entry is None:
            created.append(reminder.uid)
            if not dry_run:
                _create(calendar, wanted)
        elif entry.kind == "VTODO" and str(entry.component.get("STATUS", "")) == "COMPLETED":
            kept.append(reminder.uid)
        elif _same(entry.component, wanted):
            unchanged.append(reminder.uid)
        else:
            updated.append(reminder.uid)
            if not dry_run:
                _replace(calendar, entry, wanted)
    current = {r.uid for r in reminders.items}
    stale = sorted(uid for uid in existing if uid not in current)
    if not dry_run:
        for uid in stale:
            existing[uid].resource.delete()
    return PushResult(
        tuple(created), tuple(updated), tuple(unchanged), tuple(stale), tuple(kept), dry_run
    )


def _create(calendar: Any, component: icalendar.cal.Component) -> None:
    document = _document(component)
    if component.name == "VTODO":
        calendar.save_todo(document)
    else:
        calendar.save_event(document)


def _replace(calendar: Any, entry: _Entry, wanted: icalendar.cal.Component) -> None:
    """Update in place (same address), or delete and create when events became tasks."""
    if entry.kind != wanted.name:
        entry.resource.delete()
        _create(calendar, wanted)
        return
    entry.resource.data = _document(wanted)
    entry.resource.save()


def caldav_settings(config: Config) -> RemindersCalDavConfig:
    settings = config.touches.reminders.caldav
    if settings is None:
        raise ConfigError(
            "--push needs touches.reminders.caldav (url, username, password_env) in the "
            "config; see docs/touches.md."
        )
    return settings


def reminder_lines(reminders: Sequence[Reminder]) -> list[str]:
    """One line per reminder, for a dry run: day, reason, summary."""
    return [f"{r.day.isoformat()}  {r.reason:<9}  {r.summary}" for r in reminders]
