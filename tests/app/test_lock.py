"""SyncLock across real processes: exclusion, stale takeover, messages and modes."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fake_clock import FakeClock
from jobs_support import Child

from sheets_keepup.app.lock import LOCK_NAME, LockHeld, LockInfo, SyncLock


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_second_process_gets_lock_held_with_holder_details(
    tmp_path: Path, spawn: type[Child]
) -> None:
    holder = spawn("child_lock.py", str(tmp_path))
    holder.wait_for("got")

    with pytest.raises(LockHeld) as caught:
        SyncLock(tmp_path).acquire()

    assert caught.value.pid == holder.pid
    assert caught.value.since is not None
    started = caught.value.since.astimezone().strftime("%H:%M")
    # The date is only added if midnight passed between the child's start and now.
    assert re.search(
        rf"^another sync \(pid {holder.pid}, started (\d{{4}}-\d\d-\d\d )?{started}\) "
        "is running; wait for it to finish$",
        str(caught.value),
    )
    assert "stuck" not in str(caught.value)

    holder.close_stdin()
    holder.wait_for("released")
    assert holder.finish() == 0
    with SyncLock(tmp_path) as lock:
        assert lock.stale is None  # a clean release leaves nothing to take over
        assert lock.info is not None and lock.info.pid == os.getpid()


def test_lock_file_records_holder_and_is_emptied_on_release(tmp_path: Path) -> None:
    start = datetime(2026, 10, 22, 2, 0, tzinfo=UTC)
    with SyncLock(tmp_path, clock=FakeClock(start)):
        record = json.loads((tmp_path / LOCK_NAME).read_text())
        assert record == {
            "pid": os.getpid(),
            "hostname": socket.gethostname(),
            "started_at": start.isoformat(),
        }
    assert (tmp_path / LOCK_NAME).read_text() == ""


def test_only_one_of_many_concurrent_processes_gets_the_lock(
    tmp_path: Path, spawn: type[Child]
) -> None:
    children = [spawn("child_lock.py", str(tmp_path)) for _ in range(6)]
    first_lines = {child.pid: child.wait_for("") for child in children}

    winners = [pid for pid, line in first_lines.items() if line == "got"]
    assert len(winners) == 1
    losers = {line for line in first_lines.values() if line != "got"}
    # A loser may look between the winner's flock and its record write: pid unknown.
    assert losers <= {f"held {winners[0]}", "held None"}
    for child in children:
        child.close_stdin()
        assert child.finish() == 0


def test_killed_holder_leaves_a_stale_lock_that_is_taken_over(
    tmp_path: Path, spawn: type[Child], caplog: pytest.LogCaptureFixture
) -> None:
    holder = spawn("child_lock.py", str(tmp_path))
    holder.wait_for("got")
    os.kill(holder.pid, signal.SIGKILL)
    assert holder.finish() == -signal.SIGKILL
    leftover = LockInfo.from_json((tmp_path / LOCK_NAME).read_text())
    assert leftover is not None and leftover.pid == holder.pid

    with caplog.at_level(logging.WARNING), SyncLock(tmp_path) as lock:
        assert lock.stale == leftover
        assert lock.info is not None and lock.info.pid == os.getpid()
    assert f"taking over a stale sync lock from pid {holder.pid}" in caplog.text
    assert "its process is gone" in caplog.text


def test_lock_older_than_max_age_says_it_may_be_stuck(tmp_path: Path, spawn: type[Child]) -> None:
    holder = spawn("child_lock.py", str(tmp_path), "9")  # "started" nine hours ago
    holder.wait_for("got")

    with pytest.raises(LockHeld) as caught:
        SyncLock(tmp_path, max_age=timedelta(hours=6)).acquire()

    message = str(caught.value)
    assert "has been running for 9 hours and may be stuck" in message
    assert f"kill {holder.pid}" in message
    holder.close_stdin()
    assert holder.finish() == 0


def test_state_dir_and_lock_file_are_owner_only(tmp_path: Path) -> None:
    state_dir = tmp_path / "new" / "state"
    old_umask = os.umask(0o022)
    try:
        with SyncLock(state_dir):
            pass
    finally:
        os.umask(old_umask)
    assert mode_of(state_dir) == 0o700
    assert mode_of(state_dir / LOCK_NAME) == 0o600


def test_lock_is_not_reentrant_and_release_is_idempotent(tmp_path: Path) -> None:
    lock = SyncLock(tmp_path).acquire()
    with pytest.raises(RuntimeError):
        lock.acquire()
    lock.release()
    lock.release()
    with SyncLock(tmp_path) as again:
        assert again.stale is None


def test_message_shows_the_date_when_the_holder_started_on_another_day() -> None:
    holder = LockInfo(123, socket.gethostname(), datetime(2026, 10, 20, 2, 0, tzinfo=UTC))
    error = LockHeld(holder, now=holder.started_at + timedelta(days=2), max_age=timedelta(days=7))
    local = holder.started_at.astimezone().strftime("%Y-%m-%d %H:%M")
    assert str(error) == (
        f"another sync (pid 123, started {local}) is running; wait for it to finish"
    )


def test_damaged_lock_content_is_ignored_when_taking_the_lock(tmp_path: Path) -> None:
    (tmp_path / LOCK_NAME).write_text("{not json")
    with SyncLock(tmp_path) as lock:
        assert lock.stale is None
        assert lock.info is not None


def test_leftover_record_of_a_live_pid_is_still_stale_without_the_flock(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The recorded pid exists (it is ours) but nobody holds the flock: pid reuse.
    leftover = LockInfo(os.getpid(), socket.gethostname(), datetime(2026, 1, 1, tzinfo=UTC))
    (tmp_path / LOCK_NAME).write_text(leftover.to_json())
    with caplog.at_level(logging.WARNING), SyncLock(tmp_path) as lock:
        assert lock.stale == leftover
    assert "its process no longer holds it" in caplog.text
