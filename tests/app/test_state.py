"""The state folder holds contact data: owner-only, pruned, and described on request."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from core_helpers import TODAY, contacts, make_config, person

from sheets_keepup.app.snapshots import SnapshotStore, describe_state, write_private
from sheets_keepup.app.sync import sync
from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.cli import main
from sheets_keepup.core.model import CellWrite, ChangeSet, Previous, RowFill, Tab

NOW = dt.datetime(2026, 11, 23, 6, 0)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> object:
    old = os.umask(0o022)
    yield
    os.umask(old)


def save(store: SnapshotStore, when: dt.datetime) -> Path:
    """A snapshot of a write that landed: saved, then kept (which prunes the others)."""
    tab = Tab("Contacts", [["Name", "Status"], ["Ada", "ok"]])
    cells = [CellWrite(1, 1, "x")]
    changes = ChangeSet(tab="Contacts", cells=cells, previous=Previous.read(tab, cells))
    path = store.save(changes, when)
    store.kept(path, when)
    return path


def test_every_folder_and_file_a_sync_writes_is_owner_only(tmp_path: Path) -> None:
    state = tmp_path / "deep" / "state"
    store = SnapshotStore(state, "in-memory sheet")
    backend = MemoryBackend.from_rows({"Contacts": contacts(person("Ada", tier="core"))})
    result = sync(backend, make_config(), TODAY, snapshots=store, now=NOW)
    assert result.written and result.snapshot is not None
    folders = [state, *(p for p in state.rglob("*") if p.is_dir())]
    files = [p for p in state.rglob("*") if p.is_file()]
    assert len(folders) >= 3 and len(files) >= 2  # target folder, snapshots; snapshot, record
    assert {mode(p) for p in folders} == {0o700}
    assert {mode(p) for p in files} == {0o600}
    assert mode(tmp_path / "deep") == 0o755  # parents above the state folder are not ours


def test_write_private_resets_a_stale_temporary_file(tmp_path: Path) -> None:
    stale = tmp_path / ".status.json.tmp"
    stale.write_text("old")
    os.chmod(stale, 0o644)
    write_private(tmp_path / "status.json", "{}")
    assert mode(tmp_path / "status.json") == 0o600


def test_snapshots_are_pruned_by_count(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path, "t", keep=3, max_age_days=None)
    paths = [save(store, NOW + dt.timedelta(minutes=m)) for m in range(5)]
    assert sorted(store.folder.glob("*.json")) == paths[2:]


def test_snapshots_are_pruned_by_age(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path, "t", keep=10, max_age_days=30)
    old = [save(store, NOW - dt.timedelta(days=d)) for d in (60, 31)]
    recent = save(store, NOW - dt.timedelta(days=29))
    newest = save(store, NOW)
    assert not any(p.exists() for p in old)
    assert sorted(store.folder.glob("*.json")) == [recent, newest]
    # The snapshot just taken is kept even when the age limit is tiny.
    tight = SnapshotStore(tmp_path, "u", keep=5, max_age_days=1)
    assert save(tight, NOW).exists()


def test_describe_state_counts_files_bytes_and_snapshots(tmp_path: Path) -> None:
    assert not describe_state(tmp_path / "none").exists
    store = SnapshotStore(tmp_path / "state", "t")
    save(store, NOW)
    save(store, NOW + dt.timedelta(seconds=1))
    write_private(store.target_folder / "status.json", "{}")
    summary = describe_state(tmp_path / "state")
    assert summary.path == tmp_path / "state"
    assert (summary.files, summary.snapshots) == (3, 2)
    assert summary.bytes == sum(p.stat().st_size for p in summary.path.rglob("*") if p.is_file())
    assert summary.private
    os.chmod(store.target_folder / "status.json", 0o644)
    assert not describe_state(tmp_path / "state").private


def test_state_command_says_where_and_how_much(tmp_path: Path) -> None:
    state = tmp_path / "state"
    save(SnapshotStore(state, "t"), NOW)
    config = tmp_path / "k.yaml"
    config.write_text(
        yaml.safe_dump({"source": {"kind": "xlsx", "path": "c.xlsx"}, "state_dir": str(state)})
    )
    result = CliRunner().invoke(main, ["state", "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert str(state) in result.output
    assert "1 file(s)" in result.output and "1 snapshot(s)" in result.output
    os.chmod(state, 0o755)
    warned = CliRunner().invoke(main, ["state", "-c", str(config)])
    assert "readable by other users" in warned.output


def test_state_command_without_config_uses_the_default_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SHEETS_KEEPUP_CONFIG", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    result = CliRunner().invoke(main, ["state"])
    assert result.exit_code == 0, result.output
    assert "does not exist yet" in result.output


def test_a_store_creates_nothing_until_it_writes(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "state", "t")
    assert store.list() == [] and store.read_painted() is None
    assert not (tmp_path / "state").exists()


def test_a_snapshot_records_what_the_diff_saw_without_reading_the_tab(tmp_path: Path) -> None:
    """The values and colours come from the change set's `previous`: the diff already
    read them, and the tab may have moved on since (a snapshot keeps the read)."""
    colours = {(1, 0): "#FFFF00", (1, 1): None, (1, 2): "#F4C7C3"}
    previous = Previous({(1, 2): 46000, (0, 3): None}, lambda r, c: colours.get((r, c)))
    changes = ChangeSet(
        tab="Contacts",
        cells=[CellWrite(1, 2, dt.date(2026, 1, 1)), CellWrite(0, 3, "Status")],
        fills=[RowFill(1, 0, 3, "#D9EAD3")],
        previous=previous,
    )
    store = SnapshotStore(tmp_path, "t")
    body = json.loads(store.save(changes, NOW).read_text(encoding="utf-8"))
    assert body["cells"] == [[1, 2, 46000], [0, 3, None]]
    assert body["fills"] == [[1, 0, ["#FFFF00", None, "#F4C7C3"]]]
    undo = store.restore_changes(store.list()[0].path)
    assert [tuple(c) for c in undo.cells] == [(1, 2, 46000), (0, 3, None)]
    assert [tuple(f) for f in undo.fills] == [
        (1, 0, 1, "#FFFF00"),
        (1, 1, 2, None),
        (1, 2, 3, "#F4C7C3"),
    ]


def test_a_change_set_without_previous_values_is_not_snapshotted(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path, "t")
    with pytest.raises(ValueError, match="previous"):
        store.save(ChangeSet(tab="Contacts", cells=[CellWrite(1, 1, "x")]), NOW)
    assert not store.target_folder.exists()
