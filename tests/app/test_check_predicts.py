"""`check` predicts `sync`: what the write needs is tried, not assumed (issue 17, items 4, 7).

Each case here made `check` say "Ready" while the sync that followed failed: the
workbook open in LibreOffice or Excel, a read-only workbook or folder, another sync of
the sheet running. A read-only folder is made read-only for real: by its mode for an
ordinary user, by a read-only bind mount for root (whom modes do not stop).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from nightly_support import sheet_tabs

from sheets_keepup.app.check import CheckReport, check_source
from sheets_keepup.app.config_file import load_config
from sheets_keepup.app.lock import SyncLock
from sheets_keepup.app.run import sync_locked
from sheets_keepup.backends import open_backend
from sheets_keepup.backends.xlsx import write_new_workbook
from sheets_keepup.cli import main
from sheets_keepup.core.errors import ExitStatus
from sheets_keepup.core.settings import Config, SourceConfig

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    folder = tmp_path / "books"
    folder.mkdir()
    path = folder / "contacts.xlsx"
    write_new_workbook(path, sheet_tabs(TODAY))
    return path


def config_for(workbook: Path, state: Path, **extra: object) -> Config:
    return Config(source=SourceConfig(kind="xlsx", path=workbook), state_dir=state, **extra)  # type: ignore[arg-type]


def failures(report: CheckReport) -> list[str]:
    return [f.text for f in report.findings if f.ok is False]


def run_check(workbook: Path, tmp_path: Path) -> CheckReport:
    return check_source(config_for(workbook, tmp_path / "state", timezone="UTC"), TODAY)


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make `path` (a file or folder) unwritable for this process, for real."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    bind = subprocess.run(["mount", "--bind", str(path), str(path)], capture_output=True)
    if bind.returncode != 0:
        pytest.skip("running as root where bind mounts are not allowed")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(path)], check=True)
        yield
    finally:
        subprocess.run(["umount", str(path)], check=True)


def test_a_ready_workbook_passes_every_write_check(workbook: Path, tmp_path: Path) -> None:
    report = run_check(workbook, tmp_path)
    assert report.ok, failures(report)
    texts = [f.text for f in report.findings]
    assert any(t.startswith("Lock: ") for t in texts)
    assert any("its folder are writable, with room for the new copy" in t for t in texts)
    assert any(t.startswith("Ready:") for t in texts)
    # Nothing of the check is left beside the workbook.
    assert sorted(p.name for p in workbook.parent.iterdir()) == ["contacts.xlsx"]


@pytest.mark.parametrize("lock_name", [".~lock.contacts.xlsx#", "~$contacts.xlsx"])
def test_a_workbook_open_in_another_program_fails_the_check(
    workbook: Path, tmp_path: Path, lock_name: str
) -> None:
    (workbook.parent / lock_name).write_text("someone,host,here;")
    report = run_check(workbook, tmp_path)
    assert report.status == ExitStatus.ACCESS
    assert any(f"found {lock_name}" in text for text in failures(report))
    assert not any(f.text.startswith("Ready:") for f in report.findings)
    # And the sync it predicts does fail.
    config = config_for(workbook, tmp_path / "state", timezone="UTC")
    with pytest.raises(Exception, match="open in another program"):
        sync_locked(open_backend(config), config, TODAY, state_dir=tmp_path / "state")


def test_a_read_only_folder_is_named_not_the_file(workbook: Path, tmp_path: Path) -> None:
    with read_only(workbook.parent):
        report = run_check(workbook, tmp_path)
    assert report.status == ExitStatus.ACCESS
    [text] = failures(report)
    assert text.startswith(f"The folder {workbook.parent} does not let a new file be created")


def test_a_read_only_workbook_fails_the_check(workbook: Path, tmp_path: Path) -> None:
    with read_only(workbook):
        report = run_check(workbook, tmp_path)
    assert report.status == ExitStatus.ACCESS
    [text] = failures(report)
    assert text.startswith(f"The workbook {workbook} is not writable")


def test_another_sync_of_the_sheet_fails_the_check_with_locked(
    workbook: Path, tmp_path: Path
) -> None:
    with SyncLock(tmp_path / "state", sheet=str(workbook)):
        report = run_check(workbook, tmp_path)
        other = tmp_path / "other.xlsx"
        write_new_workbook(other, sheet_tabs(TODAY))
        assert run_check(other, tmp_path).ok  # another sheet's sync is no obstacle
    assert report.status == ExitStatus.LOCKED
    assert any(f"another sync of {workbook}" in text for text in failures(report))


def test_check_command_exits_non_zero_when_the_sync_would_fail(
    workbook: Path, tmp_path: Path
) -> None:
    config = tmp_path / "sheets-keepup.yaml"
    source = {"kind": "xlsx", "path": str(workbook)}
    config.write_text(yaml.safe_dump({"source": source, "state_dir": str(tmp_path / "s")}))
    (workbook.parent / ".~lock.contacts.xlsx#").write_text("x")
    result = CliRunner().invoke(main, ["check", "-c", str(config)])
    assert result.exit_code == ExitStatus.ACCESS, result.output
    assert "FAIL" in result.output and "Ready" not in result.output


def test_the_timezone_defaults_to_the_machines_and_check_says_so(
    workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    file = tmp_path / "sheets-keepup.yaml"
    file.write_text(f"source: {{kind: xlsx, path: {workbook}}}\nstate_dir: {tmp_path / 'state'}\n")
    config = load_config(file)
    assert config.timezone == "America/Los_Angeles"
    report = check_source(config, TODAY)
    assert any(
        "Timezone: America/Los_Angeles (this machine's zone)" in f.text for f in report.findings
    )
    configured = check_source(config_for(workbook, tmp_path / "state", timezone="UTC"), TODAY)
    assert any("Timezone: UTC (set in the config)" in f.text for f in configured.findings)


def test_the_system_timezone_comes_from_tz_then_localtime(tmp_path: Path) -> None:
    from sheets_keepup.app.times import system_timezone

    zoneinfo = tmp_path / "usr" / "share" / "zoneinfo" / "Asia"
    zoneinfo.mkdir(parents=True)
    (zoneinfo / "Tokyo").write_bytes(b"")
    link = tmp_path / "localtime"
    link.symlink_to(zoneinfo / "Tokyo")
    assert system_timezone({"TZ": "Europe/Paris"}, str(link)) == "Europe/Paris"
    assert system_timezone({"TZ": ":Europe/Paris"}, str(link)) == "Europe/Paris"
    assert system_timezone({}, str(link)) == "Asia/Tokyo"
    assert system_timezone({"TZ": "not a zone"}, str(link)) == "Asia/Tokyo"
    assert system_timezone({}, str(tmp_path / "missing")) == "UTC"
