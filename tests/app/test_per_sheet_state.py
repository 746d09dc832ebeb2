"""State is kept per sheet: lock, status, memo and snapshots (issue 17, item 1).

Two workbooks share one state folder here, as they do for a user with two configs and
the default state folder. Each has its own lock (two syncs run together), its own
status (`status` lists both; `status --config` shows one), and a lock message names
the sheet. State written by a version that kept one status for all sheets is taken
over by the sheet it belongs to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from fake_clock import FakeClock
from nightly_support import sheet_tabs

from sheets_keepup.app.files import target_path
from sheets_keepup.app.lock import SyncLock, sync_lock
from sheets_keepup.app.outcome import JobOutcome
from sheets_keepup.app.run import status_view, sync_locked
from sheets_keepup.app.scheduler import NightlyRunner
from sheets_keepup.app.snapshots import SnapshotStore
from sheets_keepup.app.status import known_sheets, read_status, write_status
from sheets_keepup.backends import open_backend
from sheets_keepup.backends.xlsx import write_new_workbook
from sheets_keepup.cli import main
from sheets_keepup.core.errors import ExitStatus, LockedError
from sheets_keepup.core.settings import Config, config_from_mapping

TODAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)


def small_tabs() -> dict[str, list[list[Any]]]:
    """A second, smaller contact list, so that the two sheets' counts differ."""
    return {"Contacts": [["Name", "Email"], ["Solo Person", "solo@example.org"]]}


@pytest.fixture
def sheets(tmp_path: Path) -> tuple[Path, Path]:
    """Config files for two workbooks, in two folders, sharing one state folder."""
    configs = []
    for name, tabs in (("big", sheet_tabs(TODAY)), ("small", small_tabs())):
        folder = tmp_path / name
        folder.mkdir()
        write_new_workbook(folder / "contacts.xlsx", tabs)
        path = folder / "sheets-keepup.yaml"
        data = {
            "source": {"kind": "xlsx", "path": "contacts.xlsx"},
            "state_dir": str(tmp_path / "state"),
            "timezone": "Europe/London",
        }
        path.write_text(yaml.safe_dump(data))
        configs.append(path)
    return configs[0], configs[1]


def load(path: Path) -> Config:
    data = yaml.safe_load(path.read_text())
    return config_from_mapping(data, base_dir=path.parent)


def test_two_workbooks_sync_at_the_same_time(sheets: tuple[Path, Path], tmp_path: Path) -> None:
    big, small = load(sheets[0]), load(sheets[1])
    state = tmp_path / "state"
    with SyncLock(state, sheet=str(big.source.path)):
        # Another workbook's sync is not "another sync is running".
        result = sync_locked(open_backend(small), small, TODAY, state_dir=state)
        assert result.counts()["rows"] == 1
        # The same workbook's is, and the message names it.
        with pytest.raises(LockedError) as caught:
            sync_locked(open_backend(big), big, TODAY, state_dir=state)
    assert caught.value.exit_status == ExitStatus.LOCKED
    assert f"another sync of {big.source.path} (pid {os.getpid()}" in str(caught.value)


def test_one_workbook_reached_by_two_paths_has_one_lock(tmp_path: Path) -> None:
    real = tmp_path / "contacts.xlsx"
    link = tmp_path / "link.xlsx"
    real.write_bytes(b"")
    link.symlink_to(real)
    state = tmp_path / "state"
    with (
        SyncLock(state, sheet=str(real)),
        pytest.raises(LockedError),
        sync_lock(state, sheet=str(link)),
    ):
        pass


def test_a_writer_that_names_no_sheet_still_excludes_every_sync(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with (
        SyncLock(state),
        pytest.raises(LockedError) as caught,
        sync_lock(state, sheet=str(tmp_path / "any.xlsx")),
    ):
        pass
    assert "another sync (pid" in str(caught.value)


def test_status_is_kept_per_sheet_and_listed(
    sheets: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big, small = load(sheets[0]), load(sheets[1])
    state = tmp_path / "state"
    clock = FakeClock(NOW)
    for config in (big, small):
        sync_locked(open_backend(config), config, TODAY, state_dir=state, clock=clock)
    assert read_status(state, str(big.source.path)).rows == 5  # type: ignore[union-attr]
    assert read_status(state, str(small.source.path)).rows == 1  # type: ignore[union-attr]
    assert {s.sheet for s in known_sheets(state)} == {str(big.source.path), str(small.source.path)}

    runner = CliRunner()
    # `status --config` shows that config's sheet only.
    one = runner.invoke(main, ["status", "--config", str(sheets[1])])
    assert one.exit_code == 0, one.output
    assert f"Sheet:              {small.source.path}" in one.output
    assert "Contacts:           1\n" in one.output
    assert str(big.source.path) not in one.output

    # `status` alone lists every sheet of the state folder, one line each.
    monkeypatch.chdir(sheets[0].parent)
    listed = runner.invoke(main, ["status"], env={"SHEETS_KEEPUP_CONFIG": ""})
    assert listed.exit_code == 0, listed.output
    lines = [line for line in listed.output.splitlines() if "contacts.xlsx" in line]
    assert len(lines) == 2, listed.output
    assert any(str(small.source.path) in ln and "1 contact, 0 overdue" in ln for ln in lines)
    assert any(str(big.source.path) in ln and "5 contacts, 2 overdue" in ln for ln in lines)

    as_json = runner.invoke(main, ["status", "--json"], env={"SHEETS_KEEPUP_CONFIG": ""})
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.output)
    assert data["state_dir"] == str(state)
    assert sorted(s["rows"] for s in data["sheets"]) == [1, 5]
    assert all(s["ok"] and s["sheet"].endswith("contacts.xlsx") for s in data["sheets"])


def test_status_json_of_one_sheet(sheets: tuple[Path, Path], tmp_path: Path) -> None:
    small = load(sheets[1])
    sync_locked(open_backend(small), small, TODAY, state_dir=tmp_path / "state")
    result = CliRunner().invoke(main, ["status", "--json", "--config", str(sheets[1])])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["sheet"] == str(small.source.path)
    assert data["last"]["rows"] == 1 and data["last"]["ok"] is True
    assert data["timezone"] == "Europe/London" and data["timezone_configured"] is True
    assert data["next_run"] is None and data["scheduler"] is None


def test_the_global_status_of_an_older_version_is_taken_over(
    sheets: tuple[Path, Path], tmp_path: Path
) -> None:
    big, small = load(sheets[0]), load(sheets[1])
    state = tmp_path / "state"
    # What an older version left: one status.json for all, beside per-sheet folders
    # (the memo of the health tab), the most recent one being the sheet it synced last.
    write_status(state, JobOutcome(ok=True, rows=5, overdue=2), NOW)
    old_folder = target_path(state, str(small.source.path))
    old_folder.mkdir(parents=True)
    (old_folder / "nightly.json").write_text("{}")
    os.utime(old_folder / "nightly.json", (1, 1))
    newest = target_path(state, str(big.source.path))
    newest.mkdir(parents=True)
    (newest / "nightly.json").write_text("{}")

    # Not the small sheet's: it stays where it is, listed as a sheet without a name.
    assert read_status(state, str(small.source.path)) is None
    assert [s.sheet for s in known_sheets(state)] == [""]
    taken = read_status(state, str(big.source.path))
    assert taken is not None and taken.rows == 5 and taken.sheet == str(big.source.path)
    assert not (state / "status.json").exists()
    # A failure next counts on from the status taken over.
    write_status(state, JobOutcome(ok=False, message="x"), NOW, str(big.source.path))
    again = read_status(state, str(big.source.path))
    assert again is not None and again.last_success == NOW and again.consecutive_failures == 1


def test_snapshots_kept_under_the_path_as_typed_are_found_again(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "via").symlink_to(real)
    typed = str(tmp_path / "via" / "contacts.xlsx")
    state = tmp_path / "state"
    # An older version named the folder after the path as typed, symlink and all.
    old = state / hashlib.sha256(typed.encode()).hexdigest()[:12] / "snapshots"
    old.mkdir(parents=True)
    body = {"version": 1, "target": typed, "tab": "Contacts", "taken": NOW.isoformat()}
    (old / "20261123T060000000000.json").write_text(json.dumps({**body, "cells": [], "fills": []}))

    store = SnapshotStore(state, typed)
    assert [i.path.name for i in store.list()] == ["20261123T060000000000.json"]
    assert SnapshotStore(state, str(real / "contacts.xlsx")).list()  # one sheet, one folder


class StopAfterFirstRun(FakeClock):
    runner: NightlyRunner | None = None


def test_status_names_the_next_run_only_while_a_run_loop_serves_the_sheet(
    sheets: tuple[Path, Path], tmp_path: Path
) -> None:
    small = load(sheets[1])
    state = tmp_path / "state"
    sheet = str(small.source.path)
    clock = StopAfterFirstRun(dt.datetime(2026, 11, 23, 5, 0, tzinfo=dt.UTC))
    seen: list[dict[str, str]] = []

    def job() -> JobOutcome:
        seen.append(dict(status_view(small, state, clock.now()).lines()))
        assert clock.runner is not None
        clock.runner.request_stop()
        return JobOutcome(ok=True)

    before = dict(status_view(small, state, clock.now()).lines())
    runner = NightlyRunner(
        job, at="06:00", timezone="Europe/London", state_dir=state, clock=clock, sheet=sheet
    )
    clock.runner = runner
    assert runner.serve() == ExitStatus.INTERRUPTED
    after = dict(status_view(small, state, clock.now()).lines())

    assert before["Next scheduled run"].startswith("none known")
    assert seen[0]["Next scheduled run"] == (
        f"2026-11-24 06:00 Europe/London (the `run` loop, pid {os.getpid()})"
    )
    assert after["Next scheduled run"].startswith("none known")
    # The loop's run was recorded as this sheet's.
    assert read_status(state, sheet) is not None
