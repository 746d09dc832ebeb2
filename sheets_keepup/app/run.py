"""One run flow for `sync`, `run` and `digest`: sync, health tab, weekly digest.

`SyncRun` is that flow: sync the sheet with snapshots, write the week's digest when
asked and due, then update the health tab. Before any write it checks that the health
and digest tabs are the tool's own (`app.owned_tabs`). A failed sync writes nothing to
a workbook; on Google, where a write touches only the tab it names, it shows the failure
in the health tab, and only where that tab exists and is marked as the tool's. `sync_locked`
(for `sheets-keepup sync`) runs it under the state folder's lock and records the status
file; `NightlyJob` is the callable that `NightlyRunner` runs each night (the runner
holds the lock and records the status); `make_digest` writes or previews the digest on
demand. Nothing here prints.

Writes per run, each one atomic ChangeSet (one `batchUpdate` on Google):

* contacts: only when an owned cell or colour changes (none when the sheet is current);
* health tab: when its content changed apart from the times, in the contacts' write
  when they change too;
* digest tab: once a week, on `schedule.digest_day` (or the first run after a missed one).

Example::

    job = NightlyJob(config, state_dir=state_dir)
    runner = NightlyRunner(job, at=config.schedule.at, timezone=config.timezone,
                           state_dir=state_dir)
    runner.serve()
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sheets_keepup.app.clock import Clock, SystemClock
from sheets_keepup.app.files import read_json, sheet_of, target_dir, write_json_private
from sheets_keepup.app.init import other_contacts_warning
from sheets_keepup.app.lock import LockInfo, running_sync, sync_lock
from sheets_keepup.app.mail import MailConfigError, MailError, send_digest
from sheets_keepup.app.outcome import JobOutcome
from sheets_keepup.app.owned_tabs import OwnedTab, owned_tabs, read_checked
from sheets_keepup.app.scheduler import LoopInfo, running_loop
from sheets_keepup.app.snapshots import SnapshotStore
from sheets_keepup.app.status import Status, read_status, write_status
from sheets_keepup.app.sync import SyncResult, sync
from sheets_keepup.app.times import next_slot, parse_at, parse_timezone
from sheets_keepup.backends import Backend, open_backend
from sheets_keepup.core.digest import (
    Digest,
    build_digest,
    digest_changes,
    render_html,
    render_text,
    week_start,
)
from sheets_keepup.core.errors import ConfigError, NetworkError, UserError
from sheets_keepup.core.health import (
    HealthReport,
    health_changes,
    health_due,
    health_memo,
    local_time,
)
from sheets_keepup.core.model import ChangeSet, Upcoming
from sheets_keepup.core.pipeline import PlannedSheet, plan_sheet
from sheets_keepup.core.planner import Plan
from sheets_keepup.core.settings import Config, DigestEmailConfig

log = logging.getLogger(__name__)

MEMO_NAME = "nightly.json"
MailSender = Callable[..., Any]


def next_run(config: Config, now: dt.datetime) -> dt.datetime:
    """The next `schedule.at` after `now` in the configured timezone (UTC)."""
    return next_slot(now, parse_at(config.schedule.at), parse_timezone(config.timezone))


def local_now(clock: Clock, config: Config) -> tuple[dt.datetime, dt.date]:
    """The clock's time, and today's date in the configured timezone."""
    now = clock.now()
    return now, now.astimezone(ZoneInfo(config.timezone)).date()


class Memo:
    """What was last written to the tool-owned tabs of one sheet, kept in the state folder."""

    def __init__(self, state_dir: Path, target: str) -> None:
        self.path = target_dir(state_dir, target) / MEMO_NAME
        self.data: dict[str, Any] = read_json(self.path) or {}

    def get(self, key: str) -> dict[str, Any] | None:
        value = self.data.get(key)
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: Mapping[str, Any]) -> None:
        self.data[key] = dict(value)
        write_json_private(self.path, self.data)


def publish_health(
    backend: Backend, config: Config, report: HealthReport, memo: Memo | None
) -> bool:
    """Write the health tab if it is due; True if written. A failed write is only logged."""
    if not config.health.enabled:
        return False
    tab = config.health.tab
    if memo is not None and not health_due(memo.get("health"), report, tab):
        log.debug("health tab unchanged today; not rewritten")
        return False
    try:
        backend.apply(health_changes(report, tab))
    except (UserError, OSError, RuntimeError) as error:
        # The contacts are what matter; a health tab that could not be written is
        # retried on the next sync (the memo is not updated).
        log.warning("could not update the '%s' tab: %s", tab, error)
        return False
    if memo is not None:
        memo.put("health", health_memo(report, tab))
    return True


def _publish_failure(
    backend: Backend | None,
    config: Config,
    error: BaseException,
    now: dt.datetime,
    state_dir: Path,
) -> None:
    """Best effort: show a failed sync in the health tab, where that writes nothing else.

    Only on Google, where a write changes the one tab it names: saving a workbook
    rewrites the whole file, and a failed sync must leave it byte for byte as it was.
    Only into a health tab that exists and carries the tool's mark, so that a wrong
    spreadsheet key, or a sheet the tool never set up, gains no tab.
    """
    if backend is None or not config.health.enabled or config.source.kind != "google":
        return
    report = HealthReport.of_failure(
        error, synced_at=now, timezone=config.timezone, next_run=next_run(config, now)
    )
    try:
        marked = _marked_health_tab(backend, config)
    except Exception as failure:  # never hide the sync's own error behind this one
        log.debug("health tab not checked after the failure: %s", failure)
        return
    if not marked:
        log.debug("no marked '%s' tab; the failure is only in the status", config.health.tab)
        return
    try:
        memo: Memo | None = Memo(state_dir, backend.describe())
    except OSError:
        memo = None
    try:
        publish_health(backend, config, report, memo)
    except Exception as failure:  # never hide the sync's own error behind this one
        log.debug("health tab not written after the failure: %s", failure)


def _marked_health_tab(backend: Backend, config: Config) -> bool:
    """Whether the health tab exists under its exact title and is marked as the tool's."""
    title = config.health.tab
    data = backend.read([title])
    found = data.tabs.get(title)
    return found is not None and found.title == title and title in data.owned_tabs


def outcome_of(result: SyncResult, backend: Backend, seconds: float, message: str) -> JobOutcome:
    """The counts of a completed sync, for the status file and the log line."""
    counts = result.counts()
    return JobOutcome(
        ok=True,
        rows=counts["rows"],
        overdue=counts["overdue"],
        due_soon=counts["due_soon"],
        problems=counts["problems"],
        requests=backend.requests,
        seconds=seconds,
        message=message,
    )


def _empty_sheet_warning(backend: Backend, config: Config, result: SyncResult) -> str:
    """Logged (and put in the status) when no contact was read but another tab has some.

    A sync of an empty contacts tab "succeeds" every night while doing nothing; one
    more read, only in that case, finds the list the config should point at.
    """
    if result.counts()["rows"]:
        return ""
    try:
        warning = other_contacts_warning(backend, config)
    except (UserError, OSError) as error:
        log.debug("other tabs not read after a sync of no contacts: %s", error)
        return ""
    if warning:
        log.warning("0 contacts synced: %s", warning)
    return warning


def _written_note(result: SyncResult) -> str:
    counts = result.counts()
    if not result.written:
        return "nothing to change"
    return f"wrote {counts['cells_changed']} cells in {counts['rows_changed']} rows"


@dataclass(frozen=True)
class DigestRun:
    """What the weekly digest step did."""

    digest: Digest | None
    written: bool = False
    mailed: bool = False
    mail_error: str = ""

    def note(self) -> str:
        parts = []
        if self.written:
            parts.append("digest written")
        if self.mailed:
            parts.append("digest mailed")
        if self.mail_error:
            parts.append("digest email failed")
        return ", ".join(parts)


@dataclass(frozen=True)
class RunReport:
    """What one pass of the flow did: the sync, the digest step, the health tab."""

    result: SyncResult
    weekly: DigestRun
    health_written: bool
    warning: str = ""
    """Something the user must act on although the sync went through (no contacts read)."""

    def note(self) -> str:
        notes = [
            self.warning,
            _written_note(self.result),
            "health tab updated" if self.health_written else "",
            self.weekly.note(),
        ]
        return "; ".join(n for n in notes if n)


@dataclass
class SyncRun:
    """The one flow behind `sync`, `run` and the digest it writes once a week."""

    config: Config
    state_dir: Path
    env: Mapping[str, str]
    mail_sender: MailSender = send_digest
    scheduled: bool = True
    """Run by `run` (the loop, cron, systemd): the health tab gives the next run by
    `schedule.at`. A `sync` by hand only repeats the one a scheduled run last gave."""

    def __call__(
        self, backend: Backend, today: dt.date, now: dt.datetime, *, weekly: bool
    ) -> RunReport:
        """Sync, then (when `weekly`) the week's digest, then the health tab.

        A UserError is shown in the health tab, then raised with its exit status. A
        digest that fails after the contacts were written fails the run too, so that
        it is retried; a failed digest email does not (it is tried again next run).
        """
        config = self.config
        memo = Memo(self.state_dir, backend.describe())
        try:
            store = SnapshotStore.configured(self.state_dir, backend.describe(), config)
            owned = owned_tabs(config, digest=weekly)
            rider = HealthRider(config, now, memo, scheduled=self.scheduled)
            upcoming = meetings_to_come(config, self.state_dir, backend.describe(), today)
            result = sync(
                backend,
                config,
                today,
                snapshots=store,
                owned=owned,
                riders=rider,
                upcoming=upcoming,
            )
        except UserError as error:
            _publish_failure(backend, config, error, now, self.state_dir)
            raise
        digest_run = DigestRun(None)
        if weekly:
            try:
                digest_run = self.weekly_digest(backend, result, today, now, memo)
            except UserError as error:
                _publish_failure(backend, config, error, now, self.state_dir)
                raise
        health = bool(result.riders) and rider.report is not None
        if health and rider.report is not None:
            memo.put("health", health_memo(rider.report, config.health.tab))
        # Again only if the digest changed what it shows (its line), or nothing rode along.
        report = _plan_health(result.plan, config, now, memo, self.scheduled)
        health = publish_health(backend, config, report, memo) or health
        if digest_run.mail_error:
            log.error("%s", digest_run.mail_error)
        return RunReport(result, digest_run, health, _empty_sheet_warning(backend, config, result))

    def weekly_digest(
        self, backend: Backend, result: SyncResult, today: dt.date, now: dt.datetime, memo: Memo
    ) -> DigestRun:
        """Write the digest tab once a week, and mail it if configured.

        Due on `schedule.digest_day`, or on the first run after it when that day's run
        was missed (known from the memo of an earlier week). A failed email is tried
        again on the next run of the same week.
        """
        config = self.config
        if not config.digest.enabled or result.contacts is None:
            return DigestRun(None)
        week = week_start(today, config.schedule.digest_day).isoformat()
        last = memo.get("digest") or {}
        done = last.get("week") == week and last.get("tab") == config.digest.tab
        due = not done and (today.isoformat() == week or bool(last))
        mail = config.digest.email
        retry_mail = done and bool(last.get("mail_failed"))
        if not due and not (mail is not None and retry_mail):
            return DigestRun(None)
        digest = build_digest(result.plan, result.contacts, config, today)
        if due:
            last = write_digest(backend, config, digest, today, now, memo)
        if mail is None:
            return DigestRun(digest, written=due)
        try:
            mail_digest(mail, digest, self.env, self.mail_sender)
        except MailError as error:
            memo.put("digest", {**last, "mail_failed": True})
            return DigestRun(digest, written=due, mail_error=f"digest email not sent: {error}")
        memo.put("digest", {**last, "mailed": True, "mail_failed": False})
        return DigestRun(digest, written=due, mailed=True)


def mail_digest(
    mail: DigestEmailConfig, digest: Digest, env: Mapping[str, str], sender: MailSender
) -> None:
    """Send the digest as `mail` says; raises MailError (MailConfigError) on failure."""
    sender(mail, digest.subject, render_text(digest), render_html(digest), env=env)


def write_digest(
    backend: Backend,
    config: Config,
    digest: Digest,
    today: dt.date,
    now: dt.datetime,
    memo: Memo,
) -> dict[str, Any]:
    """Write the digest tab and remember the week it was written for; the memo entry."""
    written_at = f"on {local_time(now, config.timezone)}"
    backend.apply(digest_changes(digest, config.digest.tab, written_at))
    entry: dict[str, Any] = {
        "week": week_start(today, config.schedule.digest_day).isoformat(),
        "tab": config.digest.tab,
        "written": today.isoformat(),
    }
    memo.put("digest", entry)
    return entry


def _digest_line(memo: Memo, config: Config) -> str:
    """The health tab's line about the digest: the last week it was written for."""
    if not config.digest.enabled:
        return ""
    last = memo.get("digest")
    if not last or last.get("tab") != config.digest.tab:
        return f"'{config.digest.tab}' not written yet (each {config.schedule.digest_day})"
    line = f"'{config.digest.tab}' written {last.get('written', '?')}"
    if last.get("mailed"):
        line += ", emailed"
    elif last.get("mail_failed"):
        line += ", email failed (tried again on the next run)"
    return line


class NightlyJob:
    """One nightly run: the flow with the weekly digest, for `NightlyRunner`.

    The runner holds the lock and records the status file. A sync error propagates
    (with its `exit_status`) after the health tab shows it.
    """

    def __init__(
        self,
        config: Config,
        *,
        state_dir: Path,
        clock: Clock | None = None,
        backend_factory: Callable[[Config], Backend] = open_backend,
        env: Mapping[str, str] | None = None,
        mail_sender: MailSender = send_digest,
    ) -> None:
        self.config = config
        self.state_dir = Path(state_dir)
        self.clock = clock or SystemClock()
        self.backend_factory = backend_factory
        self.flow = SyncRun(config, self.state_dir, os.environ if env is None else env, mail_sender)

    def __call__(self) -> JobOutcome:
        started = time.perf_counter()
        now, today = local_now(self.clock, self.config)
        backend = self.backend_factory(self.config)
        # Sent mail and past meetings first, so tonight's plan counts them; a failure is
        # logged, never raised. Their libraries are loaded only when they are configured.
        if self.config.touches.mail is not None:
            from sheets_keepup.app.imap_scan import nightly_mail

            nightly_mail(
                self.config, backend, state_dir=self.state_dir, today=today, env=self.flow.env
            )
        if self.config.touches.calendar is not None:
            from sheets_keepup.app.calendar_touches import nightly_calendar

            nightly_calendar(
                self.config, backend, state_dir=self.state_dir, clock=self.clock, env=self.flow.env
            )
        report = self.flow(backend, today, now, weekly=True)
        return outcome_of(report.result, backend, time.perf_counter() - started, report.note())


def meetings_to_come(
    config: Config, state_dir: Path, target: str, today: dt.date
) -> tuple[Upcoming, ...]:
    """The calendar's meetings to come, for the planner; none without a calendar (whose
    reading library is then never loaded)."""
    if config.touches.calendar is None:
        return ()
    from sheets_keepup.app.calendar_touches import upcoming_meetings

    return upcoming_meetings(config, state_dir, target, today)


def sync_locked(
    backend: Backend,
    config: Config,
    today: dt.date,
    *,
    state_dir: Path,
    clock: Clock | None = None,
    wait: float = 0.0,
) -> SyncResult:
    """`sheets-keepup sync`: the flow under the lock (no digest), and the status file.

    A held lock is tried again for `wait` seconds, then LockedError.
    """
    clock = clock or SystemClock()
    sheet = backend.describe()
    with sync_lock(state_dir, clock, wait=wait, sheet=sheet):
        started = time.perf_counter()
        now = clock.now()
        try:
            flow = SyncRun(config, state_dir, os.environ, scheduled=False)
            report = flow(backend, today, now, weekly=False)
        except UserError as error:
            write_status(state_dir, JobOutcome(ok=False, message=str(error)), now, sheet)
            raise
        seconds = time.perf_counter() - started
        note = "; ".join(n for n in (report.warning, _written_note(report.result)) if n)
        write_status(state_dir, outcome_of(report.result, backend, seconds, note), now, sheet)
        return report.result


def make_digest(
    backend: Backend,
    config: Config,
    today: dt.date,
    *,
    state_dir: Path,
    write: bool,
    email: bool = False,
    clock: Clock | None = None,
    env: Mapping[str, str] | None = None,
    mail_sender: MailSender = send_digest,
    wait: float = 0.0,
) -> Digest:
    """`sheets-keepup digest`: plan from a fresh read, then write (and mail) or just return.

    Reads once; writes only the digest tab, under the lock (tried again for `wait`
    seconds), and only where it is the tool's own tab. When `email` is asked for, a
    missing or incomplete digest.email raises ConfigError and a failed send NetworkError.
    """
    clock = clock or SystemClock()
    mail = config.digest.email
    if email and mail is None:
        raise ConfigError("No digest.email settings in the config; see docs/config.md.")
    if not write:
        return _plan_digest(backend, config, today)
    with sync_lock(state_dir, clock, wait=wait, sheet=backend.describe()):
        digest = _plan_digest(backend, config, today, _digest_only(config))
        memo = Memo(state_dir, backend.describe())
        entry = write_digest(backend, config, digest, today, clock.now(), memo)
        if email and mail is not None:
            try:
                mail_digest(mail, digest, os.environ if env is None else env, mail_sender)
            except MailConfigError as error:
                raise ConfigError(f"The digest tab was written but not emailed: {error}") from None
            except MailError as error:
                raise NetworkError(f"The digest tab was written but not emailed: {error}") from None
            memo.put("digest", {**entry, "mailed": True})
    return digest


def _digest_only(config: Config) -> tuple[OwnedTab, ...]:
    """The digest tab, the one owned tab `sheets-keepup digest` writes."""
    return tuple(t for t in owned_tabs(config, digest=True) if t.key == "digest.tab")


def _plan_digest(
    backend: Backend, config: Config, today: dt.date, owned: tuple[OwnedTab, ...] = ()
) -> Digest:
    """One read (checked against `owned`), planned, turned into the digest."""
    data = read_checked(backend, [config.tabs.contacts, config.tabs.log], owned)
    planned = plan_sheet(data, config, today)
    return build_digest(planned.plan, planned.contacts, config, today)


SCHEDULE_HINT = (
    "none known: no `sheets-keepup run` loop is running for this sheet. To sync every "
    "day, keep `sheets-keepup run` running, or have cron or a systemd timer run "
    "`sheets-keepup run --once` (see docs/scheduling.md)"
)


@dataclass(frozen=True)
class StatusView:
    """What `sheets-keepup status --config X` shows: one sheet."""

    state_dir: Path
    sheet: str
    status: Status | None
    timezone: str
    timezone_configured: bool
    running: LockInfo | None
    loop: LoopInfo | None
    next_run: dt.datetime | None
    """Only when a `run` loop serves the sheet: nothing else is known to sync it."""

    def when(self, moment: dt.datetime | None) -> str:
        if moment is None:
            return "never"
        zone = ZoneInfo(self.timezone)
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M ") + self.timezone

    def lines(self) -> list[tuple[str, str]]:
        """(label, value) pairs, times in the configured timezone."""
        when = self.when
        origin = "set in the config" if self.timezone_configured else "this machine's zone"
        rows = [
            ("Sheet", self.sheet),
            ("State folder", str(self.state_dir)),
            ("Timezone", f"{self.timezone} ({origin})"),
        ]
        status = self.status
        if status is None:
            rows.append(("Last sync", "none recorded yet"))
        else:
            rows += [
                ("Last sync", when(status.last_run)),
                ("Result", outcome_text(status)),
                ("Contacts", str(status.rows)),
                ("Overdue", str(status.overdue)),
                ("Due soon", str(status.due_soon)),
                ("Problems", str(status.problems)),
                ("Requests", str(status.requests)),
                ("Took", f"{status.seconds:.1f} s"),
                ("Last success", when(status.last_success)),
            ]
            if status.consecutive_failures:
                rows.append(("Failures since", str(status.consecutive_failures)))
        if self.running is not None:
            rows.append(
                ("Running now", f"pid {self.running.pid} since {when(self.running.started_at)}")
            )
        if self.loop is not None and self.next_run is not None:
            loop = f" (the `run` loop, pid {self.loop.pid})"
            rows.append(("Next scheduled run", when(self.next_run) + loop))
        else:
            rows.append(("Next scheduled run", SCHEDULE_HINT))
        return rows

    def to_json(self) -> dict[str, Any]:
        """The same, for `status --json`."""
        running = None
        if self.running is not None:
            running = {"pid": self.running.pid, "since": self.running.started_at.isoformat()}
        return {
            "sheet": self.sheet,
            "state_dir": str(self.state_dir),
            "timezone": self.timezone,
            "timezone_configured": self.timezone_configured,
            "last": status_json(self.status),
            "running": running,
            "scheduler": None if self.loop is None else {"kind": "run", "pid": self.loop.pid},
            "next_run": None if self.next_run is None else self.next_run.isoformat(),
        }


def outcome_text(status: Status) -> str:
    """ "ok", or "failed (why)", with the run's note."""
    result = "ok" if status.ok else "failed"
    return result + (f" ({status.message})" if status.message else "")


def status_json(status: Status | None) -> dict[str, Any] | None:
    """A status as plain JSON values (times in ISO 8601 with their offset)."""
    if status is None:
        return None
    return {
        "sheet": status.sheet or None,
        "last_run": status.last_run.isoformat(),
        "ok": status.ok,
        "message": status.message,
        "rows": status.rows,
        "overdue": status.overdue,
        "due_soon": status.due_soon,
        "problems": status.problems,
        "requests": status.requests,
        "seconds": round(status.seconds, 3),
        "last_success": status.last_success.isoformat() if status.last_success else None,
        "consecutive_failures": status.consecutive_failures,
    }


def status_view(
    config: Config, state_dir: Path, now: dt.datetime, sheet: str | None = None
) -> StatusView:
    """Read the sheet's status file, its lock (without taking it) and its `run` loop.

    The sheet is the one the config names, unless `sheet` (a backend's description).
    """
    sheet = sheet or sheet_of(config)
    loop = running_loop(state_dir, sheet)
    upcoming = None
    if loop is not None:
        # The loop's own time and zone: it may have started before the config was edited.
        upcoming = next_slot(now, parse_at(loop.at), parse_timezone(loop.timezone))
    return StatusView(
        state_dir=state_dir,
        sheet=sheet,
        status=read_status(state_dir, sheet),
        timezone=config.timezone,
        timezone_configured="timezone" in config.model_fields_set,
        running=running_sync(state_dir, sheet),
        loop=loop,
        next_run=upcoming,
    )


@dataclass
class HealthRider:
    """The health tab, made from the plan, to go out with the contacts when it is due.

    `report` is what it last gave to the write, so that the memo records what landed.
    """

    config: Config
    now: dt.datetime
    memo: Memo
    report: HealthReport | None = None
    scheduled: bool = True

    def __call__(self, planned: PlannedSheet) -> list[ChangeSet]:
        config = self.config
        self.report = None
        if not config.health.enabled:
            return []
        report = _plan_health(planned.plan, config, self.now, self.memo, self.scheduled)
        if not health_due(self.memo.get("health"), report, config.health.tab):
            return []
        self.report = report
        return [health_changes(report, config.health.tab)]


def _plan_health(
    plan: Plan, config: Config, now: dt.datetime, memo: Memo, scheduled: bool = True
) -> HealthReport:
    """What the health tab shows after a sync that went through."""
    return HealthReport.of_plan(
        plan,
        synced_at=now,
        timezone=config.timezone,
        next_run=next_run(config, now) if scheduled else _remembered_next_run(memo, now),
        digest=_digest_line(memo, config),
    )


def _remembered_next_run(memo: Memo, now: dt.datetime) -> dt.datetime | None:
    """The next run the last scheduled run wrote, while it is still to come; else None
    (the tab then says "not scheduled": nothing is known to run the job)."""
    text = (memo.get("health") or {}).get("next_run")
    try:
        when = dt.datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None
    return when if when is not None and when > now else None
