"""JobOutcome log line and the status file."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sheets_keepup.app.outcome import JobOutcome, format_log_line
from sheets_keepup.app.status import STATUS_NAME, read_status, write_status

T0 = datetime(2026, 10, 22, 2, 0, tzinfo=UTC)


def test_log_line_has_every_count_on_one_line() -> None:
    outcome = JobOutcome(
        ok=True, rows=120, overdue=5, due_soon=12, problems=1, requests=3, seconds=4.25
    )
    assert format_log_line(outcome) == (
        "sync ok rows=120 overdue=5 due_soon=12 problems=1 requests=3 seconds=4.2"
    )


def test_log_line_for_a_failure_keeps_a_multiline_message_on_one_line() -> None:
    outcome = JobOutcome(ok=False, seconds=0.04, message="could not read sheet:\n  HTTP 503 ")
    line = format_log_line(outcome)
    assert line == (
        "sync failed rows=0 overdue=0 due_soon=0 problems=0 requests=0 seconds=0.0 "
        'message="could not read sheet: HTTP 503"'
    )
    assert "\n" not in line


def test_no_status_before_the_first_run(tmp_path: Path) -> None:
    assert read_status(tmp_path) is None
    assert read_status(tmp_path / "missing") is None


def test_status_round_trip_and_failure_counting(tmp_path: Path) -> None:
    state = tmp_path / "state"
    ok = JobOutcome(ok=True, rows=7, overdue=1, due_soon=2, problems=0, requests=3, seconds=1.5)
    first = write_status(state, ok, T0)
    assert read_status(state) == first
    assert first.last_success == T0 and first.consecutive_failures == 0

    failed = JobOutcome(ok=False, message="RuntimeError: boom")
    write_status(state, failed, T0 + timedelta(minutes=10))
    second = write_status(state, failed, T0 + timedelta(minutes=50))
    assert second.consecutive_failures == 2
    assert second.last_success == T0  # kept from the last good run
    assert second.last_run == T0 + timedelta(minutes=50)
    assert (second.ok, second.rows, second.message) == (False, 0, "RuntimeError: boom")
    assert read_status(state) == second

    third = write_status(state, ok, T0 + timedelta(days=1))
    assert third.consecutive_failures == 0 and third.last_success == T0 + timedelta(days=1)


def test_status_files_are_owner_only(tmp_path: Path) -> None:
    state = tmp_path / "state"
    old_umask = os.umask(0o022)
    try:
        write_status(state, JobOutcome(ok=True), T0)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert stat.S_IMODE((state / STATUS_NAME).stat().st_mode) == 0o600
    assert sorted(p.name for p in state.iterdir()) == [STATUS_NAME]  # no temp files left


def test_status_file_holds_counts_but_is_plain_json(tmp_path: Path) -> None:
    write_status(tmp_path, JobOutcome(ok=True, rows=3, overdue=1), T0)
    data = json.loads((tmp_path / STATUS_NAME).read_text())
    assert data["rows"] == 3 and data["overdue"] == 1
    assert data["last_success"] == T0.isoformat()


@pytest.mark.parametrize("content", ["{", "[]", '{"ok": true}', '{"last_run": "x"}'])
def test_unreadable_status_is_treated_as_missing(
    tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / STATUS_NAME).write_text(content)
    assert read_status(tmp_path) is None
    assert "ignoring unreadable status file" in caplog.text


def test_status_needs_an_aware_time(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        write_status(tmp_path, JobOutcome(ok=True), datetime(2026, 10, 22, 2, 0))
