"""Every command that writes takes the sheet's lock: one writer at a time, or a message.

A real second process holds the lock (child_lock.py); the commands run as a user runs
them. With no wait they stop at once with LOCKED (7) and leave the workbook as it was;
with a wait they go through as soon as the other writer lets go.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from jobs_support import HANG_TIMEOUT, REPO_ROOT, Child
from nightly_support import sheet_tabs
from openpyxl import load_workbook

from sheets_keepup.app.lock import SyncLock
from sheets_keepup.backends.xlsx import write_new_workbook
from sheets_keepup.cli import main
from sheets_keepup.core.errors import ExitStatus

EXPORTS = REPO_ROOT / "tests" / "core" / "importers" / "fixtures"
NO_WAIT = {"SHEETS_KEEPUP_LOCK_WAIT": "0"}


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.xlsx"
    write_new_workbook(path, sheet_tabs(dt.date.today()))
    return path


@pytest.fixture
def config(tmp_path: Path, workbook: Path) -> Path:
    path = tmp_path / "sheets-keepup.yaml"
    data = {
        "source": {"kind": "xlsx", "path": str(workbook)},
        "state_dir": str(tmp_path / "state"),
        "timezone": "Europe/London",
    }
    path.write_text(yaml.safe_dump(data))
    return path


WRITERS = {
    "sync": ["sync"],
    "run": ["run", "--once"],
    "log": ["log", "Ada Lovelace", "call", "--note", "caught up"],
    "import": ["import", str(EXPORTS / "google_contacts.csv")],
    "init": ["init"],
    "restore": ["restore"],
    "digest": ["digest"],
}


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_every_writer_is_refused_while_another_holds_the_lock(
    command: str, config: Path, workbook: Path, tmp_path: Path, spawn: type[Child]
) -> None:
    runner = CliRunner()
    if command == "restore":
        # Something to restore: a sync that wrote, and so left a snapshot.
        assert runner.invoke(main, ["sync", "-c", str(config)]).exit_code == 0
    before = workbook.read_bytes()
    holder = spawn("child_lock.py", str(tmp_path / "state"))
    holder.wait_for("got")

    result = runner.invoke(main, [*WRITERS[command], "-c", str(config)], env=NO_WAIT)

    assert result.exit_code == ExitStatus.LOCKED, result.output
    assert f"another sync (pid {holder.pid}" in result.output
    assert "Traceback" not in result.output
    assert workbook.read_bytes() == before
    holder.close_stdin()
    holder.wait_for("released")


def test_a_dry_run_needs_no_lock(config: Path, workbook: Path, spawn: type[Child]) -> None:
    holder = spawn("child_lock.py", str(config.parent / "state"))
    holder.wait_for("got")
    before = workbook.read_bytes()
    dry = CliRunner().invoke(
        main, ["log", "Ada Lovelace", "call", "--dry-run", "-c", str(config)], env=NO_WAIT
    )
    assert dry.exit_code == 0, dry.output
    assert "Would log call with Ada Lovelace" in dry.output
    assert workbook.read_bytes() == before


def start_log(config: Path, wait: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), SHEETS_KEEPUP_LOCK_WAIT=wait)
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "sheets_keepup", "-v", "log", "Carl Chen", "lunch"),
            *("--note", "touch logged during a sync", "-c", str(config)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_a_log_typed_during_a_sync_waits_for_it_then_lands(
    config: Path, workbook: Path, spawn: type[Child]
) -> None:
    holder = spawn("child_lock.py", str(config.parent / "state"))
    holder.wait_for("got")
    # A wait far longer than the test needs: the holder lets go as soon as the log waits.
    proc = start_log(config, "120")
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        while line and "waiting up to" not in line:
            line = proc.stderr.readline()
        assert "waiting up to 120 s for the lock" in line
        assert f"pid {holder.pid}" in line
        holder.close_stdin()
        holder.wait_for("released")
        out, err = proc.communicate(timeout=HANG_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Logged lunch with Carl Chen" in out
    logged = [list(r) for r in load_workbook(workbook)["Log"].iter_rows(values_only=True)]
    assert any("touch logged during a sync" in r for r in logged)


def test_after_the_wait_the_message_says_what_to_do(
    config: Path, workbook: Path, tmp_path: Path
) -> None:
    before = workbook.read_bytes()
    with SyncLock(tmp_path / "state"):
        result = CliRunner().invoke(
            main,
            ["log", "Ada Lovelace", "call", "-c", str(config)],
            env={"SHEETS_KEEPUP_LOCK_WAIT": "0.3"},
        )
    assert result.exit_code == ExitStatus.LOCKED
    text = " ".join(result.output.split())
    assert f"another sync (pid {os.getpid()}" in text
    assert "Waited 0.3 s for it. Nothing was written" in text
    assert "run the command again once it has finished" in text
    assert workbook.read_bytes() == before


def test_a_lock_wait_that_is_not_a_number_is_a_config_error(config: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["log", "Ada Lovelace", "call", "-c", str(config)],
        env={"SHEETS_KEEPUP_LOCK_WAIT": "soon"},
    )
    assert result.exit_code == ExitStatus.CONFIG
    assert "SHEETS_KEEPUP_LOCK_WAIT must be a number of seconds" in result.output
