"""NightlyRunner driven by a fake clock: schedule, DST, catch-up, retries, stopping.

While the runner serves, FakeClock moves the process's wall clock with time-machine (the
``schedule`` library reads ``datetime.now()`` itself); see test_schedule_loop.py for the
same loop with the wall clock moved directly and other local time zones.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fake_clock import FakeClock
from jobs_support import Child

from sheets_keepup.app.lock import LockHeld, SyncLock
from sheets_keepup.app.outcome import JobOutcome
from sheets_keepup.app.scheduler import NightlyRunner, RetryPolicy
from sheets_keepup.app.status import read_status, write_status
from sheets_keepup.app.times import (
    latest_slot,
    next_slot,
    parse_at,
    parse_timezone,
    slot_on,
    slots_between,
)
from sheets_keepup.core.errors import ExitStatus

LONDON = ZoneInfo("Europe/London")


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def local(moment: datetime) -> datetime:
    """Naive London wall-clock time, for readable comparisons."""
    return moment.astimezone(LONDON).replace(tzinfo=None)


class SimClock(FakeClock):
    """A fake clock that stops the runner at ``end`` and can simulate a suspend.

    Its naps and jumps move the wall clock too while the runner serves, so a suspend is
    seen by ``schedule`` as well.
    """

    def __init__(self, start: datetime, end: datetime) -> None:
        super().__init__(start)
        self.end = end
        self.runner: NightlyRunner | None = None
        self.suspend_at: datetime | None = None
        self.suspend_for = timedelta(0)

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        if self.suspend_at is not None and self.now() >= self.suspend_at:
            self.suspend_at = None
            self.advance(self.suspend_for)
        if self.now() >= self.end and self.runner is not None:
            self.runner.request_stop()


Step = Callable[[], JobOutcome]


class Job:
    """Records when it ran (fake time); each call follows the next scripted step."""

    def __init__(self, clock: FakeClock, steps: list[Step] | None = None) -> None:
        self.clock = clock
        self.steps = list(steps or [])
        self.calls: list[datetime] = []

    def __call__(self) -> JobOutcome:
        self.calls.append(self.clock.now())
        if self.steps:
            return self.steps.pop(0)()
        return succeed()


def succeed() -> JobOutcome:
    return JobOutcome(ok=True, rows=10, overdue=2, due_soon=3, problems=0, requests=4)


def fail() -> JobOutcome:
    raise RuntimeError("sheet unavailable")


def make_runner(
    tmp_path: Path,
    clock: FakeClock,
    job: Job,
    at: str = "02:00",
    retry: RetryPolicy | None = None,
) -> NightlyRunner:
    runner = NightlyRunner(
        job, at=at, timezone="Europe/London", state_dir=tmp_path, clock=clock, retry=retry
    )
    if isinstance(clock, SimClock):
        clock.runner = runner
    return runner


# -- run times ---------------------------------------------------------------------


def test_week_of_nights_across_the_october_dst_change(tmp_path: Path) -> None:
    # 01:30 happens twice on 25 Oct 2026 in London; the run must happen once, first time.
    clock = SimClock(london(2026, 10, 22, 12, 0), end=london(2026, 10, 29, 12, 0))
    job = Job(clock)

    assert make_runner(tmp_path, clock, job, at="01:30").serve() == ExitStatus.INTERRUPTED

    assert [local(c) for c in job.calls] == [datetime(2026, 10, d, 1, 30) for d in range(23, 30)]
    offsets = [c.astimezone(LONDON).utcoffset() for c in job.calls]
    assert offsets == [timedelta(hours=1)] * 3 + [timedelta(0)] * 4
    gaps = [(b - a) / timedelta(hours=1) for a, b in zip(job.calls, job.calls[1:], strict=False)]
    assert gaps == [24, 24, 25, 24, 24, 24]


def test_nights_across_the_march_gap_run_once_per_day(tmp_path: Path) -> None:
    # 01:30 does not exist on 29 Mar 2026 in London: that night runs at 02:30 BST.
    clock = SimClock(london(2026, 3, 27, 12, 0), end=london(2026, 3, 30, 12, 0))
    job = Job(clock)
    make_runner(tmp_path, clock, job, at="01:30").serve()
    assert [local(c) for c in job.calls] == [
        datetime(2026, 3, 28, 1, 30),
        datetime(2026, 3, 29, 2, 30),
        datetime(2026, 3, 30, 1, 30),
    ]


def test_slot_helpers() -> None:
    at = time(1, 30)
    fold_day = slot_on(date(2026, 10, 25), at, LONDON)
    assert fold_day == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # first 01:30, BST
    now = london(2026, 10, 25, 12, 0)
    assert latest_slot(now, at, LONDON) == fold_day
    assert next_slot(now, at, LONDON) == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)
    assert next_slot(fold_day, at, LONDON) == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)
    # 72 hours later is only 00:30 GMT on the 28th: clocks went back, so two runs.
    assert slots_between(fold_day, fold_day + timedelta(days=3), at, LONDON) == 2
    assert slots_between(fold_day, fold_day + timedelta(days=3, hours=1), at, LONDON) == 3


@pytest.mark.parametrize("text", ["2:00", "24:00", "02:60", "0200", "02:00:00", ""])
def test_bad_times_of_day_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        parse_at(text)


def test_unknown_timezone_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown timezone 'Europe/Londn'"):
        parse_timezone("Europe/Londn")


# -- catching up -----------------------------------------------------------------------


def test_waking_after_three_days_catches_up_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = SimClock(london(2026, 10, 1, 12, 0), end=london(2026, 10, 6, 12, 0))
    # The machine sleeps from 03:00 after the first night until 07:00 three days later.
    clock.suspend_at = london(2026, 10, 2, 3, 0).astimezone(UTC)
    clock.suspend_for = timedelta(days=3, hours=4)
    job = Job(clock)

    with caplog.at_level(logging.INFO):
        make_runner(tmp_path, clock, job).serve()

    assert [local(c) for c in job.calls] == [
        datetime(2026, 10, 2, 2, 0),
        datetime(2026, 10, 5, 7, 0),  # one catch-up on wake, not three
        datetime(2026, 10, 6, 2, 0),
    ]
    assert "after missing 3 scheduled sync(s); running once to catch up" in caplog.text


def test_start_after_missed_nights_catches_up_once(tmp_path: Path) -> None:
    missed = JobOutcome(ok=True)
    write_status(tmp_path, missed, london(2026, 9, 28, 2, 0))
    clock = SimClock(london(2026, 10, 1, 12, 0), end=london(2026, 10, 2, 12, 0))
    job = Job(clock)
    make_runner(tmp_path, clock, job).serve()
    assert [local(c) for c in job.calls] == [
        datetime(2026, 10, 1, 12, 0),
        datetime(2026, 10, 2, 2, 0),
    ]


def test_failing_catch_up_run_is_retried_too(tmp_path: Path) -> None:
    write_status(tmp_path, JobOutcome(ok=True), london(2026, 9, 28, 2, 0))
    clock = SimClock(london(2026, 10, 1, 12, 0), end=london(2026, 10, 1, 13, 0))
    job = Job(clock, [fail, fail, succeed])
    make_runner(tmp_path, clock, job).serve()
    assert [local(c) for c in job.calls] == [
        datetime(2026, 10, 1, 12, 0),
        datetime(2026, 10, 1, 12, 10),
        datetime(2026, 10, 1, 12, 50),
    ]


def test_start_after_a_failed_night_catches_up(tmp_path: Path) -> None:
    write_status(tmp_path, JobOutcome(ok=True), london(2026, 9, 30, 2, 0))
    write_status(tmp_path, JobOutcome(ok=False), london(2026, 10, 1, 2, 0))
    clock = SimClock(london(2026, 10, 1, 12, 0), end=london(2026, 10, 1, 13, 0))
    job = Job(clock)
    make_runner(tmp_path, clock, job).serve()
    assert [local(c) for c in job.calls] == [datetime(2026, 10, 1, 12, 0)]


@pytest.mark.parametrize("synced", [None, london(2026, 10, 1, 2, 5)])
def test_start_with_nothing_missed_waits_for_the_scheduled_time(
    tmp_path: Path, synced: datetime | None
) -> None:
    if synced is not None:
        write_status(tmp_path, JobOutcome(ok=True), synced)
    clock = SimClock(london(2026, 10, 1, 12, 0), end=london(2026, 10, 2, 12, 0))
    job = Job(clock)
    make_runner(tmp_path, clock, job).serve()
    assert [local(c) for c in job.calls] == [datetime(2026, 10, 2, 2, 0)]


# -- failures and retries ----------------------------------------------------------


def test_failing_job_is_retried_with_backoff_then_succeeds(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = SimClock(london(2026, 10, 1, 12, 0), end=london(2026, 10, 2, 12, 0))
    job = Job(clock, [fail, fail, succeed])

    with caplog.at_level(logging.INFO):
        make_runner(tmp_path, clock, job).serve()

    assert [local(c) for c in job.calls] == [
        datetime(2026, 10, 2, 2, 0),
        datetime(2026, 10, 2, 2, 10),
        datetime(2026, 10, 2, 2, 50),
    ]
    assert caplog.text.count("sync raised RuntimeError: sheet unavailable") == 2
    status = read_status(tmp_path)
    assert status is not None and status.ok and status.consecutive_failures == 0
    assert status.last_success == london(2026, 10, 2, 2, 50)


def test_night_that_fails_every_retry_does_not_stop_the_next_night(tmp_path: Path) -> None:
    clock = SimClock(london(2026, 10, 1, 12, 0), end=london(2026, 10, 3, 12, 0))
    seen = []

    def check_status_then_succeed() -> JobOutcome:
        seen.append(read_status(tmp_path))
        return succeed()

    job = Job(clock, [fail, fail, fail, check_status_then_succeed])
    assert make_runner(tmp_path, clock, job).serve() == ExitStatus.INTERRUPTED

    assert [local(c) for c in job.calls] == [
        datetime(2026, 10, 2, 2, 0),
        datetime(2026, 10, 2, 2, 10),
        datetime(2026, 10, 2, 2, 50),
        datetime(2026, 10, 3, 2, 0),
    ]
    before = seen[0]
    assert before is not None and not before.ok and before.consecutive_failures == 3
    assert before.message == "RuntimeError: sheet unavailable"
    after = read_status(tmp_path)
    assert after is not None and after.ok and after.consecutive_failures == 0


def test_retries_stay_inside_the_window(tmp_path: Path) -> None:
    policy = RetryPolicy(
        attempts=5, first_delay=timedelta(minutes=30), factor=2, window=timedelta(hours=2)
    )
    clock = SimClock(london(2026, 10, 1, 12, 0), end=london(2026, 10, 2, 12, 0))
    job = Job(clock, [fail] * 5)
    make_runner(tmp_path, clock, job, retry=policy).serve()
    # The 4th try would start at 05:30, after the 04:00 end of the window.
    assert [local(c) for c in job.calls] == [
        datetime(2026, 10, 2, 2, 0),
        datetime(2026, 10, 2, 2, 30),
        datetime(2026, 10, 2, 3, 30),
    ]


def test_unsuccessful_outcome_is_retried_and_recorded(tmp_path: Path) -> None:
    clock = SimClock(london(2026, 10, 1, 12, 0), end=london(2026, 10, 2, 12, 0))
    job = Job(clock, [lambda: JobOutcome(ok=False, rows=5, message="header row missing")])
    make_runner(tmp_path, clock, job).serve()
    assert len(job.calls) == 2
    status = read_status(tmp_path)
    assert status is not None and status.ok


# -- run_once ------------------------------------------------------------------------


def test_run_once_runs_now_and_records_status(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(london(2026, 10, 1, 15, 0))
    job = Job(clock)
    with caplog.at_level(logging.INFO):
        assert make_runner(tmp_path, clock, job).run_once() == ExitStatus.OK
    assert job.calls == [london(2026, 10, 1, 15, 0)]
    assert "sync ok rows=10 overdue=2 due_soon=3 problems=0 requests=4" in caplog.text
    status = read_status(tmp_path)
    assert status is not None and status.last_success == london(2026, 10, 1, 15, 0)


def test_run_once_does_not_retry_unless_asked(tmp_path: Path) -> None:
    clock = FakeClock(london(2026, 10, 1, 15, 0))
    job = Job(clock, [fail, fail, succeed])
    runner = make_runner(tmp_path, clock, job)
    assert runner.run_once() == ExitStatus.ERROR
    assert len(job.calls) == 1
    assert runner.run_once(retry=True) == ExitStatus.OK
    assert len(job.calls) == 3


def test_the_job_runs_inside_the_sync_lock(tmp_path: Path) -> None:
    clock = FakeClock(london(2026, 10, 1, 15, 0))
    seen = []

    def try_the_lock() -> JobOutcome:
        try:
            SyncLock(tmp_path).acquire()
        except LockHeld as exc:
            seen.append(exc.pid)
        return succeed()

    job = Job(clock, [try_the_lock])
    assert make_runner(tmp_path, clock, job).run_once() == ExitStatus.OK
    assert seen == [os.getpid()]
    with SyncLock(tmp_path) as lock:  # released afterwards, cleanly
        assert lock.stale is None


class AuthFailed(Exception):
    exit_status = ExitStatus.AUTH


def test_run_once_uses_the_exit_status_carried_by_the_exception(tmp_path: Path) -> None:
    clock = FakeClock(london(2026, 10, 1, 15, 0))

    def auth_fails() -> JobOutcome:
        raise AuthFailed("token expired")

    job = Job(clock, [auth_fails])
    assert make_runner(tmp_path, clock, job).run_once() == ExitStatus.AUTH


def test_run_once_reports_locked_while_another_process_syncs(
    tmp_path: Path, spawn: type[Child], caplog: pytest.LogCaptureFixture
) -> None:
    holder = spawn("child_lock.py", str(tmp_path))
    holder.wait_for("got")
    clock = FakeClock(datetime.now(UTC))
    job = Job(clock)
    runner = make_runner(tmp_path, clock, job)

    with caplog.at_level(logging.WARNING):
        assert runner.run_once() == ExitStatus.LOCKED
        assert runner.run_once(retry=True) == ExitStatus.LOCKED
    assert job.calls == []  # never ran while the other sync held the lock
    assert f"another sync (pid {holder.pid}," in caplog.text
    holder.close_stdin()
    assert holder.finish() == 0
    assert runner.run_once() == ExitStatus.OK


# -- stopping --------------------------------------------------------------------------


def test_sigterm_in_this_process_lets_the_job_finish_then_stops(tmp_path: Path) -> None:
    clock = SimClock(london(2026, 10, 1, 12, 0), end=london(2026, 10, 9, 12, 0))
    finished = []

    def signalled_mid_job() -> JobOutcome:
        os.kill(os.getpid(), signal.SIGTERM)  # the handler runs here, in the main thread
        finished.append(runner.stopping)
        return succeed()

    job = Job(clock, [signalled_mid_job])
    runner = make_runner(tmp_path, clock, job)
    before = signal.getsignal(signal.SIGTERM)

    assert runner.serve() == ExitStatus.INTERRUPTED

    assert finished == [True]  # the job saw the stop request and still completed
    assert len(job.calls) == 1  # ...and no further night ran
    status = read_status(tmp_path)
    assert status is not None and status.ok
    assert signal.getsignal(signal.SIGTERM) == before


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_during_job_in_child_finishes_job_and_exits_130(
    tmp_path: Path, spawn: type[Child], signum: signal.Signals
) -> None:
    state, work = tmp_path / "state", tmp_path / "work"
    work.mkdir()
    child = spawn("child_runner.py", "job", str(state), str(work))
    child.wait_for("job started")

    os.kill(child.pid, signum)
    child.wait_for(f"{signum.name} received; stopping after the current sync")
    (work / "release").touch()

    assert child.finish() == ExitStatus.INTERRUPTED
    assert int(ExitStatus.INTERRUPTED) == 130
    assert (work / "runs.txt").read_text().splitlines() == ["start", "end stopping=True"]
    status = read_status(state)
    assert status is not None and status.ok and status.rows == 3


def test_sigterm_while_waiting_for_the_next_night_exits_130(
    tmp_path: Path, spawn: type[Child]
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    child = spawn("child_runner.py", "sleep", str(tmp_path / "state"), str(work))
    child.wait_for("nightly sync at")

    os.kill(child.pid, signal.SIGTERM)

    # The loop naps for up to an hour; only a prompt wake-up lets it exit in time.
    assert child.finish() == ExitStatus.INTERRUPTED
    assert not (work / "runs.txt").exists()
    assert any("stopped" in line for line in child.rest_of_output())


def test_unusable_state_folder_fails_the_run_but_not_the_loop(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    not_a_folder = tmp_path / "state"
    not_a_folder.write_text("")
    clock = SimClock(london(2026, 10, 1, 12, 0), end=london(2026, 10, 3, 12, 0))
    job = Job(clock)
    runner = NightlyRunner(
        job, at="02:00", timezone="Europe/London", state_dir=not_a_folder, clock=clock
    )
    clock.runner = runner

    with caplog.at_level(logging.ERROR):
        assert runner.serve() == ExitStatus.INTERRUPTED

    assert job.calls == []  # never ran without its lock
    # Two nights, three tries each, every one reported.
    assert caplog.text.count(f"could not use the state folder {not_a_folder}") == 6
