"""The nightly loop: run the sync once a day at a local time, with retries and catch-up.

The ``schedule`` library drives the loop: a private :class:`schedule.Scheduler` holds one
``every().day.at(HH:MM, timezone)`` job, and the loop naps until the scheduler says it
is due, then calls ``run_pending``. What a wake-up is for is decided with the slot
arithmetic of :mod:`sheets_keepup.app.times` and the status file: the night it covers,
how many were missed, whether one is due at all (schedule 1.2.2 can wake an hour early
around DST changes), and the retries.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType

import schedule

from sheets_keepup.app.clock import Clock, SystemClock
from sheets_keepup.app.files import read_json, target_dir, target_path, write_json_private
from sheets_keepup.app.lock import LockHeld, SyncLock, pid_alive
from sheets_keepup.app.outcome import JobOutcome, format_log_line
from sheets_keepup.app.status import read_status, write_status
from sheets_keepup.app.times import (
    latest_slot,
    next_slot,
    parse_at,
    parse_timezone,
    slots_between,
)
from sheets_keepup.core.errors import ExitStatus, UserError

_log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
LOOP_NAME = "loop.json"
"""Written by a running `sheets-keepup run` loop, so that `status` knows a next run is due."""


@dataclass(frozen=True)
class LoopInfo:
    """A `run` loop that serves a sheet: who, and the time it syncs at."""

    pid: int
    hostname: str
    at: str
    timezone: str


def loop_path(state_dir: Path, sheet: str | None) -> Path:
    """Where the loop of `sheet` records itself (not created)."""
    folder = Path(state_dir) if sheet is None else target_path(Path(state_dir), sheet)
    return folder / LOOP_NAME


def running_loop(state_dir: Path, sheet: str | None) -> LoopInfo | None:
    """The `run` loop serving `sheet` now, or None when there is none on this host.

    A loop killed without its cleanup leaves its file behind; its pid is then gone (or
    reused by a process that is not a loop of ours, which this cannot tell apart).
    """
    data = read_json(loop_path(state_dir, sheet))
    try:
        info = (
            LoopInfo(
                pid=int(data["pid"]),
                hostname=str(data["hostname"]),
                at=str(data["at"]),
                timezone=str(data["timezone"]),
            )
            if data is not None
            else None
        )
    except (KeyError, TypeError, ValueError):
        return None
    if info is None or info.hostname != socket.gethostname() or not pid_alive(info.pid):
        return None
    return info


@dataclass(frozen=True)
class RetryPolicy:
    """How a failed nightly sync is retried.

    Attempt ``n`` (n >= 2) starts ``first_delay * factor**(n-2)`` after the previous
    one; no attempt starts later than ``window`` after the first one.
    """

    attempts: int = 3
    first_delay: timedelta = timedelta(minutes=10)
    factor: float = 4.0
    window: timedelta = timedelta(hours=2)

    def delay_before(self, attempt: int) -> timedelta:
        """Wait before attempt number ``attempt`` (1-based; the first has none)."""
        if attempt <= 1:
            return timedelta(0)
        return self.first_delay * self.factor ** (attempt - 2)


NO_RETRY = RetryPolicy(attempts=1)


class NightlyRunner:
    """Runs ``job`` once a day at ``at`` (local time in ``timezone``).

    * A private ``schedule`` scheduler says when to wake; a wake-up runs only if a slot
      (:mod:`~sheets_keepup.app.times`) is due and not yet handled.
    * Each run holds :class:`SyncLock` and its result is recorded with ``write_status``.
    * A failing run (exception or ``ok=False``) is retried per ``retry``; the loop
      itself never dies from a failed run.
    * Nights missed while the machine slept or the program was not running are
      caught up once, not once per missed night.
    * SIGTERM/SIGINT set a stop flag: a running job always completes, then
      :meth:`serve` returns ``ExitStatus.INTERRUPTED``.
    """

    def __init__(
        self,
        job: Callable[[], JobOutcome],
        *,
        at: str,
        timezone: str,
        state_dir: Path,
        clock: Clock | None = None,
        retry: RetryPolicy | None = None,
        logger: logging.Logger | None = None,
        poll_seconds: float = 60.0,
        sheet: str | None = None,
    ) -> None:
        self._job = job
        # The sheet whose lock and status this runner uses (None: the state folder's own).
        self._sheet = sheet
        self._at = parse_at(at)
        self._tz = parse_timezone(timezone)
        self._state_dir = Path(state_dir)
        self._clock = clock or SystemClock()
        self._retry = retry or RetryPolicy()
        self._log = logger or _log
        # Sleep in short naps: a monotonic sleep does not count time spent suspended,
        # so only asking the scheduler again notices that the machine woke up late.
        self._poll = poll_seconds
        self._stop = threading.Event()
        # The latest slot already run for (or deliberately skipped at a first start).
        self._handled: datetime | None = None

    # -- control -----------------------------------------------------------------

    @property
    def stopping(self) -> bool:
        """True once a stop was requested."""
        return self._stop.is_set()

    def request_stop(self) -> None:
        """Ask the loop to stop after the current job (safe from signal handlers)."""
        self._stop.set()
        self._clock.wake()

    def next_run(self) -> datetime:
        """The next scheduled run time (UTC) after now."""
        return next_slot(self._clock.now(), self._at, self._tz)

    # -- entry points ----------------------------------------------------------------

    def run_once(self, *, retry: bool = False) -> ExitStatus:
        """Run the job now (``--once``); retries only if ``retry`` is True."""
        with self._signals_stop():
            policy = self._retry if retry else NO_RETRY
            return self._run_with_retries(self._clock.now(), policy)

    def serve(self) -> ExitStatus:
        """Run nightly until SIGTERM/SIGINT or :meth:`request_stop`; return INTERRUPTED."""
        with self._signals_stop(), self._clock.driving_wall_clock(), self._recorded():
            scheduler = self._daily_scheduler()
            self._handled = self._initially_handled_slot()
            self._log.info(
                "nightly sync at %s %s; next run %s",
                self._at.strftime("%H:%M"),
                self._tz.key,
                self._local(self.next_run() if self._handled else self._clock.now()),
            )
            if self._handled is None:
                # Called directly, not with scheduler.run_all(): that would reschedule
                # from the end of the catch-up and drop a slot that passed during it.
                self._nightly()
            while self._wait_for_due_slot(scheduler):
                scheduler.run_pending()
            self._log.info("stopped")
            return ExitStatus.INTERRUPTED

    # -- internals ---------------------------------------------------------------------

    @contextmanager
    def _recorded(self) -> Iterator[None]:
        """Record the loop in the state folder while it serves, for `status`."""
        path = loop_path(self._state_dir, self._sheet)
        info = {
            "pid": os.getpid(),
            "hostname": socket.gethostname(),
            "at": self._at.strftime("%H:%M"),
            "timezone": self._tz.key,
            "started_at": self._clock.now().isoformat(),
        }
        try:
            if self._sheet is not None:
                target_dir(self._state_dir, self._sheet)
            write_json_private(path, info)
        except OSError as exc:
            # `status` then says no scheduler is known; the syncs themselves still run.
            self._log.warning("could not record the loop in %s: %s", path, exc)
        try:
            yield
        finally:
            with suppress(OSError):
                path.unlink(missing_ok=True)

    def _daily_scheduler(self) -> schedule.Scheduler:
        """A private scheduler with the nightly job; never the module-level default one."""
        scheduler = schedule.Scheduler()
        try:
            job = scheduler.every().day.at(self._at.strftime("%H:%M"), self._tz.key)
        except ImportError:
            # schedule's time zones come from pytz, an optional dependency of schedule.
            message = "the nightly loop needs pytz: pip install 'schedule[timezone]'"
            raise UserError(message) from None
        job.do(self._nightly)
        return scheduler

    def _wait_for_due_slot(self, scheduler: schedule.Scheduler) -> bool:
        """Wait until the scheduler's job and a slot are due; False on a stop request."""
        self._nap_until_due(scheduler)
        if not self._stop.is_set():
            self._hold_for_slot()
        return not self._stop.is_set()

    def _nap_until_due(self, scheduler: schedule.Scheduler) -> None:
        """Sleep in naps until the scheduler has a job due, or a stop request."""
        while not self._stop.is_set():
            # idle_seconds counts in naive local time, off by an hour across a DST
            # change of the process's own time zone; the naps bound that error.
            idle = scheduler.idle_seconds
            if idle is None or idle <= 0:
                return
            self._clock.sleep(min(idle, self._poll))

    def _hold_for_slot(self) -> None:
        """When the scheduler woke with no slot due and unhandled, wait for the next slot.

        schedule 1.2.2 wakes an hour early on the night after a spring-forward change
        (it keeps the summer offset of the skipped time), and for the whole repeated
        hour when the process's own time zone turns its clocks back (it compares naive
        local times). Waiting here keeps one run per night, at the configured time.
        """
        now = self._clock.now()
        if self._handled is None or latest_slot(now, self._at, self._tz) > self._handled:
            return
        slot = next_slot(now, self._at, self._tz)
        self._log.info(
            "the scheduler woke at %s, before the next sync; waiting until %s",
            self._local(now),
            self._local(slot),
        )
        self._sleep_until(slot)

    def _nightly(self) -> None:
        """The scheduled job: run the latest slot's sync, with retries."""
        now = self._clock.now()
        due = latest_slot(now, self._at, self._tz)
        if self._handled is not None:
            self._report_missed(self._handled, due, now)
        self._run_with_retries(due, self._retry)
        self._handled = due

    def _initially_handled_slot(self) -> datetime | None:
        """The slot to treat as done at startup; None means "run now to catch up"."""
        now = self._clock.now()
        due = latest_slot(now, self._at, self._tz)
        status = read_status(self._state_dir, self._sheet)
        # A first-ever start waits for the scheduled time; otherwise catch up once if
        # the latest scheduled night has no successful sync at or after it.
        if status is None or (status.last_success is not None and status.last_success >= due):
            return due
        self._log.info(
            "the sync scheduled for %s has not succeeded yet; catching up now",
            self._local(due),
        )
        return None

    def _report_missed(self, handled: datetime, due: datetime, now: datetime) -> None:
        """Log when the loop woke up after more than one scheduled time passed."""
        missed = slots_between(handled, due, self._at, self._tz)
        if missed > 1 or now - due > self._retry.window:
            self._log.info(
                "woke up at %s after missing %d scheduled sync(s); running once to catch up",
                self._local(now),
                missed,
            )

    def _run_with_retries(self, slot: datetime, policy: RetryPolicy) -> ExitStatus:
        """Run the job for ``slot`` up to ``policy.attempts`` times; return its status."""
        result = ExitStatus.ERROR
        # The window opens at the first attempt, not at the slot, so that a catch-up
        # run hours after the scheduled time still gets its retries.
        window_end = max(slot, self._clock.now()) + policy.window
        for attempt in range(1, policy.attempts + 1):
            if attempt > 1:
                start = self._clock.now() + policy.delay_before(attempt)
                if start > window_end:
                    self._log.error("giving up: no time left in the retry window")
                    break
                self._log.info("retrying at %s (attempt %d)", self._local(start), attempt)
                self._sleep_until(start)
                if self._stop.is_set():
                    break
                if self._synced_since(slot):
                    self._log.info("another run already synced; skipping the retry")
                    return ExitStatus.OK
            result = self._attempt()
            if result in (ExitStatus.OK, ExitStatus.INTERRUPTED):
                break
        return result

    def _attempt(self) -> ExitStatus:
        """One locked run of the job, recorded in the status file."""
        started = self._clock.now()
        try:
            lock = SyncLock(self._state_dir, sheet=self._sheet, clock=self._clock, logger=self._log)
            with lock:
                try:
                    outcome = self._job()
                except Exception as exc:
                    # Type and message at ERROR; the traceback (which could quote row
                    # data from a local variable's repr) only at DEBUG.
                    seconds = (self._clock.now() - started).total_seconds()
                    message = f"{type(exc).__name__}: {exc}"
                    outcome = JobOutcome(ok=False, seconds=seconds, message=message)
                    self._log.error("sync raised %s", message)
                    self._log.debug("traceback of the failed sync", exc_info=True)
                    write_status(self._state_dir, outcome, started, self._sheet)
                    return _exit_status_of(exc)
                write_status(self._state_dir, outcome, started, self._sheet)
        except LockHeld as exc:
            self._log.warning("%s", exc)
            return ExitStatus.LOCKED
        except OSError as exc:
            # Lock or status file trouble (permissions, full disk) fails this run only.
            self._log.error("could not use the state folder %s: %s", self._state_dir, exc)
            return ExitStatus.ACCESS
        line = format_log_line(outcome)
        if outcome.ok:
            self._log.info("%s", line)
            return ExitStatus.OK
        self._log.error("%s", line)
        return ExitStatus.ERROR

    def _synced_since(self, slot: datetime) -> bool:
        """True if the status file shows a success at or after ``slot``."""
        status = read_status(self._state_dir, self._sheet)
        return bool(status and status.last_success and status.last_success >= slot)

    def _sleep_until(self, target: datetime) -> None:
        """Sleep in naps until ``target`` or a stop request."""
        while not self._stop.is_set():
            remaining = (target - self._clock.now()).total_seconds()
            if remaining <= 0:
                return
            self._clock.sleep(min(remaining, self._poll))

    def _local(self, moment: datetime) -> str:
        """Format ``moment`` in the configured timezone for log messages."""
        return moment.astimezone(self._tz).strftime("%Y-%m-%d %H:%M %Z")

    @contextmanager
    def _signals_stop(self) -> Iterator[None]:
        """Turn SIGTERM/SIGINT into a stop request while inside the block."""
        if threading.current_thread() is not threading.main_thread():
            # signal.signal only works in the main thread; callers elsewhere use
            # request_stop() directly.
            yield
            return

        def handler(signum: int, frame: FrameType | None) -> None:
            if not self._stop.is_set():
                self._log.warning(
                    "%s received; stopping after the current sync", signal.Signals(signum).name
                )
            self.request_stop()

        previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)


def _exit_status_of(exc: BaseException) -> ExitStatus:
    """Exit code for a job exception: its ``exit_status`` attribute if any, else ERROR.

    A file the job could not write (a full disk under the state folder) is ACCESS, as
    the other commands report it.
    """
    if isinstance(exc, OSError) and exc.errno is not None:
        return ExitStatus.ACCESS
    code = getattr(exc, "exit_status", None)
    try:
        return ExitStatus(code) if code is not None else ExitStatus.ERROR
    except ValueError:
        return ExitStatus.ERROR
