"""`run`, `status`, `digest` and the locked `sync`, as a user meets them."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from nightly_support import sheet_tabs
from openpyxl import load_workbook

from sheets_keepup.app.lock import SyncLock
from sheets_keepup.backends.xlsx import write_new_workbook
from sheets_keepup.cli import main
from sheets_keepup.core.errors import ExitStatus

REPO_ROOT = Path(__file__).resolve().parents[2]
HANG_TIMEOUT = 30.0


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.xlsx"
    write_new_workbook(path, sheet_tabs(dt.date.today()))
    return path


def write_config(tmp_path: Path, workbook: Path, **extra: Any) -> Path:
    path = tmp_path / "sheets-keepup.yaml"
    data = {
        "source": {"kind": "xlsx", "path": str(workbook)},
        "state_dir": str(tmp_path / "state"),
        "timezone": "Europe/London",
        **extra,
    }
    path.write_text(yaml.safe_dump(data))
    return path


def test_run_once_syncs_writes_health_and_logs_one_line(tmp_path: Path, workbook: Path) -> None:
    config = write_config(tmp_path, workbook)
    log_file = tmp_path / "logs" / "keepup.log"
    result = CliRunner().invoke(
        main, ["run", "--once", "--config", str(config), "--log-file", str(log_file)]
    )
    assert result.exit_code == ExitStatus.OK, result.output
    book = load_workbook(workbook)
    assert "keepup" in book.sheetnames
    health = {r[0]: r[1] for r in book["keepup"].iter_rows(values_only=True)}
    assert health["Updated"] == "ok" and health["Contacts"] == 5
    lines = log_file.read_text().splitlines()
    synced = [line for line in lines if " sync ok " in line]
    assert len(synced) == 1
    assert "rows=5" in synced[0] and "problems=1" in synced[0] and "seconds=" in synced[0]
    assert "requests=0" in synced[0]
    for name in ("Ada", "Zoë", "Carl", "example.org"):
        assert name not in log_file.read_text(), "no contact data above debug level"
    assert os.stat(log_file).st_mode & 0o077 == 0


def test_run_once_again_the_same_day_writes_nothing(tmp_path: Path, workbook: Path) -> None:
    config = write_config(tmp_path, workbook)
    runner = CliRunner()
    assert runner.invoke(main, ["run", "--once", "-c", str(config)]).exit_code == 0
    before = workbook.read_bytes(), workbook.stat().st_mtime_ns
    again = runner.invoke(main, ["run", "--once", "-c", str(config)])
    assert again.exit_code == 0, again.output
    assert (workbook.read_bytes(), workbook.stat().st_mtime_ns) == before


def test_run_once_reports_a_failure_with_its_exit_status(tmp_path: Path, workbook: Path) -> None:
    config = write_config(tmp_path, workbook, tabs={"contacts": "People"})
    before = workbook.read_bytes()
    result = CliRunner().invoke(main, ["run", "--once", "-c", str(config)])
    assert result.exit_code == ExitStatus.DATA
    assert "No tab named 'People'" in result.output
    # A failed sync writes nothing to a workbook; the status file records it.
    assert workbook.read_bytes() == before
    status = CliRunner().invoke(main, ["status", "-c", str(config)])
    assert "failed (" in status.output and "No tab named 'People'" in status.output


def test_second_sync_is_refused_with_locked_status(tmp_path: Path, workbook: Path) -> None:
    config = write_config(tmp_path, workbook)
    before = workbook.read_bytes()
    no_wait = {"SHEETS_KEEPUP_LOCK_WAIT": "0"}  # `sync` by hand would wait a little first
    with SyncLock(tmp_path / "state"):
        run = CliRunner().invoke(main, ["run", "--once", "-c", str(config)])
        sync = CliRunner().invoke(main, ["sync", "-c", str(config)], env=no_wait)
    assert run.exit_code == ExitStatus.LOCKED
    assert f"another sync (pid {os.getpid()}" in run.output
    assert sync.exit_code == ExitStatus.LOCKED
    assert "another sync" in sync.output
    assert workbook.read_bytes() == before
    dry = CliRunner().invoke(main, ["sync", "-c", str(config), "--dry-run"])
    assert dry.exit_code == 0, "a dry run only reads and needs no lock"


def test_stale_lock_from_a_killed_process_is_taken_over(tmp_path: Path, workbook: Path) -> None:
    config = write_config(tmp_path, workbook)
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    (state / "sync.lock").write_text(
        json.dumps(
            {
                "pid": int(dead.stdout),
                "hostname": os.uname().nodename,
                "started_at": "2026-11-22T06:00:00+00:00",
            }
        )
    )
    result = CliRunner().invoke(main, ["run", "--once", "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert "taking over a stale sync lock" in result.output


def test_status_shows_the_last_sync_and_the_state_folder(tmp_path: Path, workbook: Path) -> None:
    config = write_config(tmp_path, workbook)
    runner = CliRunner()
    empty = runner.invoke(main, ["status", "-c", str(config)])
    assert empty.exit_code == 0
    assert "none recorded yet" in empty.output
    assert runner.invoke(main, ["sync", "-c", str(config)]).exit_code == 0
    result = runner.invoke(main, ["status", "-c", str(config)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"State folder:       {tmp_path / 'state'}" in out
    assert "Result:             ok" in out
    assert "Contacts:           5" in out
    assert "Next scheduled run: " in out and "Europe/London" in out
    assert "Health tab:         'keepup'" in out


def test_status_shows_a_sync_that_is_running(tmp_path: Path, workbook: Path) -> None:
    config = write_config(tmp_path, workbook)
    with SyncLock(tmp_path / "state", sheet=str(workbook)):
        result = CliRunner().invoke(main, ["status", "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert f"Running now:        pid {os.getpid()} since " in result.output


def test_digest_print_writes_nothing_and_digest_writes_the_tab(
    tmp_path: Path, workbook: Path
) -> None:
    config = write_config(tmp_path, workbook)
    runner = CliRunner()
    before = workbook.read_bytes()
    preview = runner.invoke(main, ["digest", "-c", str(config), "--print"])
    assert preview.exit_code == 0, preview.output
    assert "This week's picks:" in preview.output and "Ada Lovelace" in preview.output
    assert workbook.read_bytes() == before
    written = runner.invoke(main, ["digest", "-c", str(config)])
    assert written.exit_code == 0, written.output
    # How many picks depends on the weekday (they are ranked as of Monday).
    assert re.search(r"Wrote the 'This week' tab \(\d pick\(s\), 1 birthday\(s\)\)", written.output)
    book = load_workbook(workbook)
    assert book.sheetnames == ["Contacts", "Log", "This week"]


def test_digest_json_is_one_object_with_the_picks(tmp_path: Path, workbook: Path) -> None:
    config = write_config(tmp_path, workbook)
    before = workbook.read_bytes()
    result = CliRunner().invoke(main, ["digest", "-c", str(config), "--print", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["written"] is False and workbook.read_bytes() == before
    assert "Ada Lovelace" in [pick["name"] for pick in data["picks"]]
    assert all(set(pick) >= {"name", "why", "action", "due", "email"} for pick in data["picks"])


def test_owned_tabs_cannot_reuse_a_user_tab_name(tmp_path: Path, workbook: Path) -> None:
    config = write_config(tmp_path, workbook, digest={"tab": "contacts "})
    result = CliRunner().invoke(main, ["digest", "-c", str(config), "--print"])
    assert result.exit_code == ExitStatus.CONFIG
    assert "digest.tab 'contacts ' is also tabs.contacts" in result.output


# --- a real process and a real signal ---------------------------------------------------------


def start_run(config: Path, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "sheets_keepup", "run", "--config", str(config), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def read_until(proc: subprocess.Popen[str], text: str) -> list[str]:
    assert proc.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + HANG_TIMEOUT
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line.rstrip("\n"))
        if text in line:
            return seen
    proc.kill()
    raise AssertionError(f"no {text!r}; output: {seen}")


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_run_stops_cleanly_on_a_signal_between_syncs(
    tmp_path: Path, workbook: Path, sig: signal.Signals
) -> None:
    # A previous success long ago: `run` catches up at once, then sleeps until 06:00.
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    (state / "status.json").write_text(
        json.dumps(
            {
                "version": 1,
                "last_run": "2026-01-01T06:00:00+00:00",
                "ok": True,
                "rows": 0,
                "overdue": 0,
                "due_soon": 0,
                "problems": 0,
                "requests": 0,
                "seconds": 0.0,
                "message": "",
                "last_success": "2026-01-01T06:00:00+00:00",
                "consecutive_failures": 0,
            }
        )
    )
    config = write_config(tmp_path, workbook)
    proc = start_run(config)
    try:
        read_until(proc, "catching up now")
        read_until(proc, " sync ok ")
        proc.send_signal(sig)
        rest, _ = proc.communicate(timeout=HANG_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == ExitStatus.INTERRUPTED
    assert f"{sig.name} received" in rest and "stopped" in rest
    assert "Traceback" not in rest
    assert "keepup" in load_workbook(workbook).sheetnames


@pytest.mark.slow
def test_run_finishes_the_sync_it_is_in_when_stopped(tmp_path: Path) -> None:
    # No success recorded, so `run` starts catching up right after its "nightly sync at"
    # line, and the signal is sent as soon as that line is read. 20,000 rows make that
    # sync last seconds (2.4 s on a quiet 2-core machine), so the signal lands inside it
    # however slowly this test reads the line; a few hundred rows sync in a tenth of a
    # second and let it arrive after. tests/app/test_runner.py pins the same behaviour
    # exactly with a job that waits for the test.
    tabs = sheet_tabs(dt.date.today())
    tabs["Contacts"] += [
        [f"Person {n}", f"p{n}@example.org", None, "network", None, "2020-01-01"]
        for n in range(20_000)
    ]
    workbook = tmp_path / "big.xlsx"
    write_new_workbook(workbook, tabs)
    config = write_config(tmp_path, workbook, schedule={"at": "00:00"})
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    failed = {
        "version": 1,
        "last_run": "2026-01-01T06:00:00+00:00",
        "ok": False,
        "rows": 0,
        "overdue": 0,
        "due_soon": 0,
        "problems": 0,
        "requests": 0,
        "seconds": 0.0,
        "message": "",
        "last_success": None,
        "consecutive_failures": 1,
    }
    (state / "status.json").write_text(json.dumps(failed))
    proc = start_run(config)
    try:
        read_until(proc, "nightly sync at 00:00")
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=HANG_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == ExitStatus.INTERRUPTED, rest
    # The signal arrived during the sync: it was finished and written, then the loop stopped.
    assert rest.index("SIGTERM received") < rest.index(" sync ok ") < rest.index("stopped")
    book = load_workbook(workbook)
    assert "keepup" in book.sheetnames
    assert book["Contacts"].cell(1, 12).value == "Next action"
