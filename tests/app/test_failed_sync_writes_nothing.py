"""A sync that fails writes nothing to the sheet; the failure is in the local status.

On a workbook nothing at all: saving rewrites the whole file, so the file stays byte for
byte as it was. On Google, where a write touches only the tab it names, the failure may
go into the health tab, but only one that exists and carries the tool's mark. A full
disk while writing the tool's own files is one line and an exit status, no traceback.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner
from fake_clock import FakeClock
from jobs_support import HANG_TIMEOUT, REPO_ROOT
from nightly_support import MONDAY, london, nightly_config, sheet_tabs

from sheets_keepup.app.run import NightlyJob, sync_locked
from sheets_keepup.app.scheduler import NightlyRunner
from sheets_keepup.app.status import read_status
from sheets_keepup.backends.xlsx import write_new_workbook
from sheets_keepup.cli import main
from sheets_keepup.cli.common import handle_errors
from sheets_keepup.core.errors import DataError, ExitStatus
from sheets_keepup.core.settings import Config


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


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.xlsx"
    write_new_workbook(path, sheet_tabs(dt.date.today()))
    return path


@pytest.mark.parametrize("command", [["sync"], ["run", "--once"]])
def test_a_renamed_contacts_tab_leaves_the_workbook_byte_identical(
    tmp_path: Path, workbook: Path, command: list[str]
) -> None:
    runner = CliRunner()
    good = write_config(tmp_path, workbook)
    # A first sync that worked: the health tab exists, so a failure could be written there.
    assert runner.invoke(main, ["sync", "-c", str(good)]).exit_code == 0
    renamed = write_config(tmp_path, workbook, tabs={"contacts": "People"})
    before = workbook.read_bytes(), workbook.stat().st_mtime_ns
    result = runner.invoke(main, [*command, "-c", str(renamed)])
    assert result.exit_code == ExitStatus.DATA, result.output
    assert "No tab named 'People'" in result.output
    assert (workbook.read_bytes(), workbook.stat().st_mtime_ns) == before
    status = read_status(tmp_path / "state", str(workbook))  # kept per sheet
    assert status is not None and not status.ok
    assert "No tab named 'People'" in status.message
    assert status.consecutive_failures == 1


def test_a_first_sync_that_fails_adds_no_health_tab(tmp_path: Path, workbook: Path) -> None:
    config = write_config(tmp_path, workbook, tabs={"contacts": "People"})
    before = workbook.read_bytes()
    result = CliRunner().invoke(main, ["sync", "-c", str(config)])
    assert result.exit_code == ExitStatus.DATA
    assert workbook.read_bytes() == before
    shown = CliRunner().invoke(main, ["status", "-c", str(config)])
    assert "failed (No tab named 'People'" in " ".join(shown.output.split())


# --- Google, on the offline fake ----------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[Any]:
    fake_google = pytest.importorskip("fake_google")
    fakesheets = pytest.importorskip("fakesheets")
    with fakesheets.FakeSheetsServer() as server:
        yield fake_google.FakeGoogle(server)


def google_config(tmp_path: Path, key: str, **extra: Any) -> Config:
    return nightly_config(tmp_path, source={"kind": "google", "spreadsheet": key}, **extra)


def tab_text(fake: Any, key: str, tab: str) -> str:
    return " ".join(str(v) for row in fake.rows(key, tab) for v in row if v is not None)


def run_once(fake: Any, key: str, config: Config, when: dt.datetime) -> ExitStatus:
    assert config.state_dir is not None
    clock = FakeClock(when)
    job = NightlyJob(
        config,
        state_dir=config.state_dir,
        clock=clock,
        backend_factory=lambda _c: fake.backend(key),
    )
    runner = NightlyRunner(
        job, at="06:00", timezone="Europe/London", state_dir=config.state_dir, clock=clock
    )
    return runner.run_once()


def titles(fake: Any, key: str) -> list[str]:
    with fake.server.state.lock:
        return [s.title for s in fake.server.state.get(key).sheets]


def test_on_google_a_sheet_the_tool_never_set_up_gains_no_tab(tmp_path: Path, fake: Any) -> None:
    # As with a wrong spreadsheet key: some other sheet, with no Contacts tab.
    key = fake.create({"Budget": [["Item", "Cost"], ["Rent", 900]]})
    config = google_config(tmp_path, key)
    fake.server.clear_log()
    with pytest.raises(DataError):
        sync_locked(fake.backend(key), config, MONDAY, state_dir=tmp_path / "state")
    assert fake.writes() == []
    assert titles(fake, key) == ["Budget"]


def test_on_google_a_users_keepup_tab_never_gets_the_failure(tmp_path: Path, fake: Any) -> None:
    mine = [["keepup ideas", "read more"]]
    key = fake.create({"People": sheet_tabs()["Contacts"], "keepup": mine})
    config = google_config(tmp_path, key)  # tabs.contacts is still "Contacts"
    fake.server.clear_log()
    assert run_once(fake, key, config, london(MONDAY)) == ExitStatus.DATA
    assert fake.writes() == []
    assert fake.rows(key, "keepup") == mine
    status = read_status(tmp_path / "state")
    assert status is not None and not status.ok


def test_on_google_the_tools_own_health_tab_shows_the_failure(tmp_path: Path, fake: Any) -> None:
    key = fake.create(sheet_tabs())
    assert run_once(fake, key, google_config(tmp_path, key), london(MONDAY)) == ExitStatus.OK
    data = fake.backend(key).read(["keepup"])
    if "keepup" not in data.owned_tabs:
        pytest.skip("the Google backend does not report the tabs it marked yet")
    renamed = google_config(tmp_path, key, tabs={"contacts": "People"})
    status = run_once(fake, key, renamed, london(MONDAY, 7))
    assert status == ExitStatus.DATA
    assert "No tab named 'People'" in tab_text(fake, key, "keepup")
    assert "Contacts" in titles(fake, key) and "People" not in titles(fake, key)


# --- a full disk ---------------------------------------------------------------------------


def limited_files(max_bytes: int) -> None:
    """In the child: no file may grow past `max_bytes` (writes fail as on a full disk)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write, do not kill the process
    resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))


def test_a_state_file_that_cannot_be_written_is_one_line_and_an_exit_code(
    tmp_path: Path, workbook: Path
) -> None:
    config = write_config(tmp_path, workbook)
    before = workbook.read_bytes()
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), PYTHONDONTWRITEBYTECODE="1")
    # The lock record fits in 256 bytes; the snapshot taken before the write does not.
    done = subprocess.run(
        [sys.executable, "-m", "sheets_keepup", "sync", "-c", str(config)],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=lambda: limited_files(256),
        timeout=HANG_TIMEOUT,
    )
    assert done.returncode == ExitStatus.ACCESS, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: Could not use "), done.stderr
    assert "snapshots" in lines[0] and "File too large" in lines[0]
    assert workbook.read_bytes() == before, "no snapshot, so no write"
    snapshots = list((tmp_path / "state").rglob("snapshots/*.json"))
    assert snapshots == [], "no half-written snapshot left for restore to pick"


def test_a_full_disk_says_so_and_what_to_do(tmp_path: Path) -> None:
    status_file = tmp_path / "state" / "status.json"

    @click.command()
    @handle_errors
    def writes_status() -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(status_file))

    result = CliRunner().invoke(writes_status, [])
    assert result.exit_code == ExitStatus.ACCESS
    assert result.output.strip() == (
        f"Error: Could not write {status_file}: No space left on device. Free some space "
        "and run the command again."
    )
