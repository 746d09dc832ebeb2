"""Snapshots stay useful: only writes that landed keep one, and old ones of gone sheets go.

Refused syncs used to save snapshots that pushed the useful ones out of the keep-N
window, so `restore` then claimed to restore cells and changed nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from nightly_support import sheet_tabs
from openpyxl import load_workbook

from sheets_keepup.app.snapshots import ORPHAN_MAX_AGE_DAYS, SnapshotStore
from sheets_keepup.backends.xlsx import write_new_workbook
from sheets_keepup.cli import main
from sheets_keepup.core.errors import ExitStatus
from sheets_keepup.core.model import CellWrite, ChangeSet, Previous, Tab

DAY = dt.date(2026, 11, 23)


def setup(tmp_path: Path, **snapshots: Any) -> tuple[Path, Path]:
    workbook = tmp_path / "contacts.xlsx"
    write_new_workbook(workbook, sheet_tabs(DAY))
    config = tmp_path / "sheets-keepup.yaml"
    data: dict[str, Any] = {
        "source": {"kind": "xlsx", "path": str(workbook)},
        "state_dir": str(tmp_path / "state"),
        "timezone": "Europe/London",
        "health": {"enabled": False},
    }
    if snapshots:
        data["snapshots"] = snapshots
    config.write_text(yaml.safe_dump(data))
    return workbook, config


def invoke(config: Path, *args: str) -> Any:
    return CliRunner().invoke(main, [*args, "-c", str(config)])


def contacts_tab(workbook: Path) -> list[list[Any]]:
    """The Contacts tab's values, row by row, without empty cells at the ends of rows."""
    rows = []
    for row in load_workbook(workbook)["Contacts"].iter_rows(values_only=True):
        cells = list(row)
        while cells and cells[-1] in (None, ""):
            cells.pop()
        rows.append(cells)
    return rows


def store_of(tmp_path: Path, workbook: Path) -> SnapshotStore:
    return SnapshotStore(tmp_path / "state", str(workbook))


def test_refused_syncs_keep_no_snapshot_and_restore_still_undoes(tmp_path: Path) -> None:
    workbook, config = setup(tmp_path, keep=2)
    original = contacts_tab(workbook)
    assert invoke(config, "sync", "--today", DAY.isoformat()).exit_code == 0
    assert contacts_tab(workbook) != original, "the first sync wrote"
    useful = store_of(tmp_path, workbook).list()
    assert len(useful) == 1
    # The workbook is open in another program: every later sync is refused.
    lock = workbook.with_name(f".~lock.{workbook.name}#")
    lock.write_text("someone,host,;")
    for days in (40, 80, 120):
        later = (DAY + dt.timedelta(days=days)).isoformat()
        refused = invoke(config, "sync", "--today", later)
        assert refused.exit_code == ExitStatus.ACCESS, refused.output
    assert store_of(tmp_path, workbook).list() == useful
    lock.unlink()
    restored = invoke(config, "restore")
    assert restored.exit_code == 0, restored.output
    assert "Restored" in restored.output
    assert contacts_tab(workbook) == original, "back to before the first sync"


def test_restoring_what_the_sheet_already_holds_says_so(tmp_path: Path) -> None:
    workbook, config = setup(tmp_path)
    assert invoke(config, "sync", "--today", DAY.isoformat()).exit_code == 0
    snapshot = store_of(tmp_path, workbook).list()[0].path.stem
    first = invoke(config, "restore", snapshot)
    assert first.exit_code == 0 and "Restored" in first.output
    before = workbook.read_bytes()
    again = invoke(config, "restore", snapshot)
    assert again.exit_code == 0, again.output
    text = " ".join(again.output.split())
    assert f"Nothing to restore: the sheet already holds what snapshot {snapshot} saw" in text
    assert "Restored" not in text
    assert workbook.read_bytes() == before
    assert len(store_of(tmp_path, workbook).list()) == 2, "no snapshot of a write not made"


def old_snapshot(state: Path, target: str, days_ago: int) -> Path:
    """A snapshot of another sheet's write that landed `days_ago`."""
    store = SnapshotStore(state, target, max_age_days=None)
    tab = Tab("Contacts", [["Name", "Status"], ["Ada", "ok"]])
    cells = [CellWrite(1, 1, "overdue")]
    when = dt.datetime.now() - dt.timedelta(days=days_ago)
    path = store.save(ChangeSet("Contacts", cells=cells, previous=Previous.read(tab, cells)), when)
    store.kept(path, when)
    return path


@pytest.mark.parametrize(("max_age", "limit"), [(90, 90), (None, ORPHAN_MAX_AGE_DAYS)])
def test_snapshots_of_a_workbook_that_moved_are_pruned_by_age(
    tmp_path: Path, max_age: int | None, limit: int
) -> None:
    workbook, config = setup(tmp_path, max_age_days=max_age)
    gone = str(tmp_path / "old-name.xlsx")
    stale = old_snapshot(tmp_path / "state", gone, limit + 5)
    recent = old_snapshot(tmp_path / "state", gone, limit - 5)
    assert invoke(config, "sync").exit_code == 0
    assert not stale.exists()
    assert recent.exists()
    assert store_of(tmp_path, workbook).list(), "this sheet's own snapshot is kept"


def test_an_empty_snapshot_folder_of_a_gone_sheet_is_removed(tmp_path: Path) -> None:
    _, config = setup(tmp_path)
    stale = old_snapshot(tmp_path / "state", str(tmp_path / "old.xlsx"), 400)
    assert invoke(config, "sync", "--dry-run").exit_code == 0
    assert stale.exists(), "a dry run deletes nothing"
    assert invoke(config, "sync").exit_code == 0
    assert not stale.parent.exists()
