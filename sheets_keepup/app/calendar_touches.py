"""`sheets-keepup calendar`: meetings in the user's calendars logged as touches.

For each configured source (an .ics file, an .ics address, a CalDAV calendar) this
fetches the events, expands recurrences over the window (the look-back to the horizon),
and lets `core.calendar` say which occurrences are touches and which are meetings to
come. The touches go to `app.touches.record_touches` (one read, at most one write).

No occurrence is counted twice: the state folder keeps, per sheet, a hash of every
occurrence already in the Log (UID plus which occurrence of a series) and, per source,
the oldest day still scanned; a re-run, a restarted server or a refetched file finds
them there. The Log itself is checked too (same day, person and kind), which also covers
a run stopped between the write and saving the state.

Meetings to come are not logged: their matched contacts are written to
`planned-meetings.json` next to the state (`load_planned` reads them back), the input a
planner needs to hold back a coffee suggestion for someone met soon. The planner does not
read it yet.

Neither an .ics address (a secret one, for Google) nor a password is ever logged or
shown: errors name the source by its configured name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events  # type: ignore[import-untyped]
import requests

from sheets_keepup.app.clock import Clock, SystemClock
from sheets_keepup.app.files import read_json, target_dir, write_json_private
from sheets_keepup.app.touches import TouchesSummary, record_touches
from sheets_keepup.backends import Backend, open_backend
from sheets_keepup.core.calendar import CalendarFindings, Occurrence, Rules, classify_all
from sheets_keepup.core.calendar import occurrence_of as _occurrence_of
from sheets_keepup.core.errors import ConfigError, NetworkError, UserError
from sheets_keepup.core.model import SheetData, Upcoming
from sheets_keepup.core.parse import ContactSheet, contacts_tab, read_contacts
from sheets_keepup.core.settings import CalendarConfig, CalendarSourceConfig, Config
from sheets_keepup.core.touches import ContactIndex, Touch, match_touches
from sheets_keepup.core.touchlog import people_of

log = logging.getLogger(__name__)

STATE_FILE = "calendar.json"
PLANNED_FILE = "planned-meetings.json"
STATE_VERSION = 1
ALREADY_COUNTED = "already counted"
# A touch's day is local, the window's bounds too; a day of slack on each side keeps an
# occurrence near midnight from falling between two runs' windows.
_SLACK = dt.timedelta(days=1)
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class SourceRead:
    """What one source gave: its occurrences in the window, or why it could not be read."""

    name: str
    occurrences: tuple[Occurrence, ...] = ()
    error: str = ""


@dataclass(frozen=True)
class PlannedMeeting:
    """A meeting to come with one contact: what the planner needs to hold back a coffee."""

    day: dt.date
    kind: str
    row: int
    name: str
    email: str


@dataclass(frozen=True)
class _Classified:
    """What the calendar read came to, on the contacts of the sheet as read."""

    contacts: ContactSheet
    findings: CalendarFindings
    fresh: list[Touch]
    skipped: dict[str, int]


@dataclass(frozen=True)
class CalendarRun:
    """What one `calendar` run read, logged (or would log) and left out."""

    sources: tuple[str, ...]
    failed: tuple[SourceRead, ...]
    occurrences: int
    summary: TouchesSummary | None
    planned: tuple[PlannedMeeting, ...]
    skipped: Mapping[str, int] = field(default_factory=dict)
    dry_run: bool = False

    def line(self) -> str:
        """The job log's one line: counts only, never an address, a name or a title."""
        rows = len(self.summary.rows) if self.summary else 0
        verb = "to add" if self.dry_run else "added"
        skipped = Counter(self.skipped)
        if self.summary is not None:
            skipped.update(self.summary.skipped)
        skips = ", ".join(f"{n} {why}" for why, n in sorted(skipped.items()) if n)
        parts = [
            f"calendar: {len(self.sources)} source(s) read, {self.occurrences} occurrence(s)",
            f"{rows} Log row(s) {verb}",
            f"{len(self.planned)} planned meeting(s)",
        ]
        if skips:
            parts.append(f"skipped: {skips}")
        if self.failed:
            parts.append(f"{len(self.failed)} source(s) failed")
        return "; ".join(parts)


# --- state --------------------------------------------------------------------------------


def occurrence_key(source_id: str) -> str:
    """What the state keeps of an occurrence: a hash, so no UID is stored in clear."""
    return hashlib.sha256(source_id.encode()).hexdigest()[:32]


class CalendarState:
    """Occurrences already in the Log (hash -> day), and each source's oldest day."""

    def __init__(self, path: Path, data: Mapping[str, Any] | None) -> None:
        self.path = path
        data = data if data and data.get("version") == STATE_VERSION else {}
        seen = data.get("seen")
        floors = data.get("floors")
        self.seen: dict[str, str] = dict(seen) if isinstance(seen, dict) else {}
        self.floors: dict[str, str] = dict(floors) if isinstance(floors, dict) else {}

    @classmethod
    def load(cls, state_dir: Path, target: str) -> CalendarState:
        path = target_dir(state_dir, target) / STATE_FILE
        data = read_json(path)
        if data is None and path.exists():
            log.warning("the calendar state %s is unreadable; starting it afresh", path)
        return cls(path, data)

    def window_start(self, source: str, today: dt.date, lookback_days: int) -> dt.date:
        """The look-back, but never before where this source's previous scan began.

        The state forgets occurrences older than that (it would grow for ever
        otherwise), so a look-back made longer later must not reach back past it.
        """
        start = today - dt.timedelta(days=lookback_days)
        floor = _date_or_none(self.floors.get(source))
        return max(start, floor) if floor else start

    def counted(self, source_id: str) -> bool:
        return occurrence_key(source_id) in self.seen

    def remember(
        self, starts: Mapping[str, dt.date], logged: Mapping[str, dt.date], oldest: dt.date
    ) -> None:
        self.floors.update({name: day.isoformat() for name, day in starts.items()})
        self.seen.update({occurrence_key(s): day.isoformat() for s, day in logged.items()})
        keep_from = (oldest - _SLACK).isoformat()
        self.seen = {k: day for k, day in self.seen.items() if day >= keep_from}

    def save(self) -> None:
        write_json_private(
            self.path, {"version": STATE_VERSION, "seen": self.seen, "floors": self.floors}
        )


def _date_or_none(text: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def planned_path(state_dir: Path, target: str) -> Path:
    """Where the meetings to come are kept for the sheet `target` (Backend.describe())."""
    return target_dir(state_dir, target) / PLANNED_FILE


def save_planned(path: Path, meetings: Sequence[PlannedMeeting], now: dt.datetime) -> None:
    write_json_private(
        path,
        {
            "version": STATE_VERSION,
            "written_at": now.isoformat(),
            "meetings": [
                {
                    "day": m.day.isoformat(),
                    "kind": m.kind,
                    "row": m.row,
                    "name": m.name,
                    "email": m.email,
                }
                for m in meetings
            ],
        },
    )


def load_planned(path: Path, today: dt.date) -> tuple[PlannedMeeting, ...]:
    """The meetings to come (today or later) last written to `path`; none if unreadable."""
    data = read_json(path) or {}
    found = []
    for item in data.get("meetings") or ():
        day = _date_or_none(item.get("day")) if isinstance(item, dict) else None
        if day is None or day < today:
            continue
        found.append(
            PlannedMeeting(
                day,
                str(item.get("kind", "")),
                int(item.get("row", 0)),
                str(item.get("name", "")),
                str(item.get("email", "")),
            )
        )
    return tuple(found)


# --- reading sources ----------------------------------------------------------------------


Fetcher = Callable[[CalendarSourceConfig, dt.date, dt.date], list[bytes]]
"""Returns a source's calendar documents (one .ics, or one per CalDAV object)."""


class SourceError(Exception):
    """A source could not be read; the message names no address and no password."""


@contextmanager
def _quiet_http_debug() -> Iterator[None]:
    """urllib3 logs each request's path at debug level, and a secret .ics address (Google's
    private-... path) is a password: keep it out of even a -vv log."""
    logger = logging.getLogger("urllib3")
    level = logger.level
    logger.setLevel(max(level, logging.INFO))
    try:
        yield
    finally:
        logger.setLevel(level)


def _ics_address(source: CalendarSourceConfig, env: Mapping[str, str]) -> str:
    if source.url is not None:
        return source.url
    assert source.url_env is not None
    address = env.get(source.url_env, "").strip()
    if not address:
        raise ConfigError(
            f"Calendar source {source.name!r}: the environment variable {source.url_env} "
            "(its .ics address) is not set."
        )
    if address.casefold().startswith("webcal://"):
        address = "https://" + address[len("webcal://") :]
    parts = urlsplit(address)
    loopback = (parts.hostname or "").casefold() in _LOOPBACK
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ConfigError(
            f"Calendar source {source.name!r}: {source.url_env} must hold an https:// address."
        )
    return address


def fetch_url(source: CalendarSourceConfig, env: Mapping[str, str]) -> bytes:
    """GET an .ics address; errors say what happened, never the address."""
    address = _ics_address(source, env)
    try:
        with _quiet_http_debug():
            response = requests.get(
                address,
                timeout=source.timeout_seconds,
                headers={"Accept": "text/calendar, */*;q=0.5"},
            )
    except requests.Timeout:
        raise SourceError(f"no answer within {source.timeout_seconds:g} s") from None
    except requests.RequestException as error:
        raise SourceError(f"could not connect ({type(error).__name__})") from None
    if response.status_code in (401, 403, 404):
        raise SourceError(
            f"the server answered {response.status_code}: check the address (a secret "
            "address stops working when it is reset)"
        )
    if response.status_code >= 400:
        raise SourceError(f"the server answered {response.status_code}")
    return response.content


def password_from_env(
    name: str, password_env: str, username: str | None, env: Mapping[str, str]
) -> str:
    password = env.get(password_env, "")
    if username and not password:
        raise ConfigError(
            f"{name}: set the environment variable {password_env} to the password "
            "(an app password where the provider offers one)."
        )
    return password


def caldav_client(
    url: str,
    username: str | None,
    password: str,
    timeout: float,
) -> Any:
    """A caldav client for `url`; no request is sent yet."""
    import caldav

    return caldav.DAVClient(
        url=url, username=username or None, password=password or None, timeout=int(timeout) or 1
    )


def caldav_reason(error: BaseException) -> str:
    """A caldav or HTTP failure in words, without the URL (which may carry a user name)."""
    from caldav.lib import error as caldav_error

    if isinstance(error, caldav_error.AuthorizationError):
        return "the server refused the user name or password"
    if isinstance(error, caldav_error.NotFoundError):
        return "no calendar at that address"
    if isinstance(error, requests.Timeout):
        return "no answer in time"
    if isinstance(error, requests.RequestException):
        return f"could not connect ({type(error).__name__})"
    if isinstance(error, caldav_error.DAVError):
        return f"the server refused the request ({type(error).__name__})"
    return f"unexpected answer ({type(error).__name__})"


def fetch_caldav(
    source: CalendarSourceConfig, start: dt.date, end: dt.date, env: Mapping[str, str]
) -> list[bytes]:
    """The calendar objects with an occurrence between start and end (server-filtered)."""
    from caldav.lib import error as caldav_error

    assert source.caldav is not None
    password = password_from_env(
        f"Calendar source {source.name!r}", source.password_env, source.username, env
    )
    client = caldav_client(source.caldav, source.username, password, source.timeout_seconds)
    try:
        with client:
            calendar = client.calendar(url=source.caldav)
            found = calendar.search(
                start=dt.datetime.combine(start, dt.time()),
                end=dt.datetime.combine(end, dt.time()),
                event=True,
                expand=False,
            )
            return [str(item.data).encode() for item in found]
    except (caldav_error.DAVError, requests.RequestException) as error:
        raise SourceError(caldav_reason(error)) from None


def fetch_source(
    source: CalendarSourceConfig, start: dt.date, end: dt.date, env: Mapping[str, str]
) -> list[bytes]:
    """A source's calendar documents; SourceError (or ConfigError) when unreadable."""
    if source.path is not None:
        try:
            return [source.path.read_bytes()]
        except OSError as error:
            raise SourceError(f"could not read {source.path}: {error.strerror}") from None
    if source.caldav is not None:
        return fetch_caldav(source, start, end, env)
    return [fetch_url(source, env)]


def expand(documents: Sequence[bytes], start: dt.date, end: dt.date) -> list[Occurrence]:
    """Every event occurrence overlapping [start, end): recurrences expanded, moved and
    cancelled instances (RECURRENCE-ID, EXDATE) applied."""
    found: list[Occurrence] = []
    for document in documents:
        try:
            calendar = icalendar.Calendar.from_ical(document)
            components = recurring_ical_events.of(calendar).between(start, end)
        # icalendar and recurring_ical_events raise many kinds on a broken file.
        except Exception as error:
            raise SourceError(f"not a readable iCalendar file ({type(error).__name__})") from None
        for component in components:
            if component.name != "VEVENT":
                continue
            occurrence = _occurrence_of(component)
            if occurrence is not None:
                found.append(occurrence)
    return found


def read_source(
    source: CalendarSourceConfig, start: dt.date, end: dt.date, env: Mapping[str, str]
) -> SourceRead:
    try:
        documents = fetch_source(source, start, end, env)
        return SourceRead(source.name, tuple(expand(documents, start, end)))
    except SourceError as error:
        log.warning("calendar source %r could not be read: %s", source.name, error)
        return SourceRead(source.name, error=str(error))


# --- the run ------------------------------------------------------------------------------


def _own_addresses(config: Config) -> list[str]:
    """The mailbox `touches.mail` reads is the user's too, when it is an address."""
    mail = config.touches.mail
    return [mail.username] if mail is not None and "@" in mail.username else []


def _settings(config: Config) -> CalendarConfig:
    settings = config.touches.calendar
    if settings is None:
        raise ConfigError(
            "No touches.calendar settings in the config: add at least one source "
            "(see docs/touches.md, section Calendar)."
        )
    return settings


def scan_calendars(
    config: Config,
    *,
    state_dir: Path,
    dry_run: bool,
    backend: Backend | None = None,
    clock: Clock | None = None,
    env: Mapping[str, str] | None = None,
) -> CalendarRun:
    """Read every source, log the new touches, remember them and the meetings to come.

    The caller holds the sheet's lock. A source that cannot be read is reported in
    `failed` and keeps its state, so its occurrences are looked at on the next run;
    the other sources are still recorded. Nothing is written with `dry_run`.
    """
    settings = _settings(config)
    env = os.environ if env is None else env
    clock = clock or SystemClock()
    zone = ZoneInfo(config.timezone)
    now = clock.now().astimezone(zone)
    today = now.date()
    backend = backend or open_backend(config)
    target = backend.describe()
    state = CalendarState.load(state_dir, target)
    end = today + dt.timedelta(days=settings.horizon_days) + _SLACK

    reads: list[SourceRead] = []
    starts: dict[str, dt.date] = {}
    for source in settings.sources:
        start = state.window_start(source.name, today, settings.lookback_days)
        reads.append(read_source(source, start - _SLACK, end, env))
        starts[source.name] = start
    good = [r for r in reads if not r.error]

    occurrences = [o for r in good for o in _in_window(r, starts[r.name], zone)]
    seen: list[_Classified] = []

    def touches_from(data: SheetData) -> list[Touch]:
        # Names in titles are looked for among the contacts of the very read the Log
        # rows are planned on: one read, not two.
        contacts = read_contacts(contacts_tab(data, config), config, data.locale)
        names = (p.name for p in people_of(contacts))
        rules = Rules.of(settings, names, _own_addresses(config))
        findings = classify_all(occurrences, rules, now, zone)
        fresh, skipped = _not_counted(findings, state)
        seen[:] = [_Classified(contacts, findings, fresh, skipped)]
        return fresh

    summary = record_touches(
        config,
        touches_from,
        dry_run=dry_run,
        today=today,
        max_recipients=settings.max_attendees,
        backend=backend,
    )
    last = seen[-1]
    findings, fresh, skipped = last.findings, last.fresh, last.skipped
    index = ContactIndex.of_sheet(last.contacts)
    planned = planned_meetings(index, findings.planned, settings.max_attendees)
    if not dry_run:
        days = {t.source_id: t.day for t in fresh}
        logged = {s: days[s] for s in summary.logged_sources if s in days}
        good_starts = {r.name: starts[r.name] for r in good}
        state.remember(good_starts, logged, min(starts.values(), default=today))
        state.save()
        if len(good) == len(reads):
            # A source that failed would otherwise take its meetings to come off the list.
            save_planned(planned_path(state_dir, target), planned, now)
    run = CalendarRun(
        sources=tuple(r.name for r in good),
        failed=tuple(r for r in reads if r.error),
        occurrences=len(occurrences),
        summary=summary,
        planned=planned,
        skipped=skipped,
        dry_run=dry_run,
    )
    log.info("%s", run.line())
    return run


def _in_window(read: SourceRead, start: dt.date, zone: ZoneInfo) -> Iterator[Occurrence]:
    """The occurrences starting on or after the source's window start (local days)."""
    for occurrence in read.occurrences:
        begins = occurrence.start
        if isinstance(begins, dt.datetime):
            day = (begins.astimezone(zone) if begins.tzinfo else begins).date()
        else:
            day = begins
        if day >= start:
            yield occurrence


def _not_counted(
    findings: CalendarFindings, state: CalendarState
) -> tuple[list[Touch], dict[str, int]]:
    """The past touches the state has not seen yet, and the skip counts so far."""
    skipped = Counter(findings.skipped)
    fresh = []
    for touch in findings.touches:
        if state.counted(touch.source_id):
            skipped[ALREADY_COUNTED] += 1
        else:
            fresh.append(touch)
    return fresh, dict(skipped)


def planned_meetings(
    index: ContactIndex, planned: Sequence[Touch], max_attendees: int
) -> tuple[PlannedMeeting, ...]:
    """Meetings to come, one per contact and day, matched as touches are."""
    matched = match_touches(index, planned, max_attendees)
    found: dict[tuple[int, dt.date], PlannedMeeting] = {}
    for person, touch in matched.matched:
        found.setdefault(
            (person.row, touch.day),
            PlannedMeeting(touch.day, touch.kind, person.row, person.name, person.email),
        )
    return tuple(sorted(found.values(), key=lambda m: (m.day, m.row)))


def source_failures(run: CalendarRun) -> NetworkError | None:
    """The error a command exits with when some source could not be read."""
    if not run.failed:
        return None
    lines = "; ".join(f"{r.name}: {r.error}" for r in run.failed)
    return NetworkError(f"Could not read {len(run.failed)} calendar source(s): {lines}")


def nightly_calendar(
    config: Config,
    backend: Backend,
    *,
    state_dir: Path,
    clock: Clock | None = None,
    env: Mapping[str, str] | None = None,
) -> CalendarRun | None:
    """The nightly run's calendar read, when configured; a failure is logged, never raised.

    The sync that follows must run whatever happened to the calendars.
    """
    if config.touches.calendar is None:
        return None
    try:
        run = scan_calendars(
            config, state_dir=state_dir, dry_run=False, backend=backend, clock=clock, env=env
        )
    except (UserError, OSError) as error:
        log.warning("calendar read failed; the sync runs anyway: %s", error)
        return None
    except Exception as error:
        # Only the type: an unexpected error's text could quote an event or an address.
        log.warning("calendar read failed (%s); the sync runs anyway", type(error).__name__)
        log.debug("calendar read failure", exc_info=True)
        return None
    log.info("%s", run.line())
    return run


def upcoming_meetings(
    config: Config, state_dir: Path, target: str, today: dt.date
) -> tuple[Upcoming, ...]:
    """The meetings to come that the last calendar read found, for the planner; none
    when no calendar is configured."""
    if config.touches.calendar is None:
        return ()
    meetings = load_planned(planned_path(state_dir, target), today)
    return tuple(Upcoming(m.day, m.email, m.name) for m in meetings)
