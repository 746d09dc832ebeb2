"""Snapshots taken before each write, so that any sync can be undone, kept owner-only.

Snapshots hold contact data (the owned cells and colours as they were), so the folder
and every folder in it are created 0700 and every file 0600. Anything written here goes
through `ensure_private_dir` and `write_private`.

A snapshot is saved before a write and kept only once that write landed: the caller
discards it when the write was refused or failed, and only then prunes (`keep` newest,
`max_age_days`), so refused syncs never push the useful snapshots out. Snapshots of
sheets that are no longer synced (a workbook renamed or moved gets a new folder) are
pruned by age from every sync (`prune_other_targets`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sheets_keepup.app.files import ensure_private_dir, target_dir, target_path, write_private
from sheets_keepup.core.done import PendingTick
from sheets_keepup.core.errors import UserError
from sheets_keepup.core.model import (
    CellWrite,
    ChangeSet,
    Identity,
    Painted,
    RowFill,
    WriteValue,
)

if TYPE_CHECKING:
    from sheets_keepup.core.settings import Config

DEFAULT_KEEP = 20
DEFAULT_MAX_AGE_DAYS = 90
ORPHAN_MAX_AGE_DAYS = 365
"""Age limit for other sheets' snapshots when `snapshots.max_age_days` is null.

Null means "no age limit" for the sheet being synced, whose `keep` newest still bound
the folder; a sheet no longer synced has nothing else bounding it, so it gets a year.
"""
SNAPSHOT_STAMP = "%Y%m%dT%H%M%S%f"
PAINTED_FILE = "highlight.json"
PENDING_FILE = "done-pending.json"
PENDING_DAYS = 60
"""A pending tick older than this is forgotten: its row was surely seen since."""


def _encode(value: object) -> Any:
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _decode(value: Any) -> WriteValue:
    if isinstance(value, dict):
        if "date" in value:
            return dt.date.fromisoformat(value["date"])
        # A date-time the user typed in an owned cell comes back as it was, time and all.
        return dt.datetime.fromisoformat(value["datetime"])
    if value is None or isinstance(value, str | bool | int | float):
        # Numbers stay numbers: a Due cell Sheets read as a serial, or a count the user
        # typed, must not come back as text.
        return value
    return str(value)


@dataclass(frozen=True)
class SnapshotInfo:
    """A saved snapshot: where, when, and how many cells it can put back."""

    path: Path
    taken: dt.datetime
    cells: int
    rows: int


class SnapshotStore:
    """Saves what a write is about to replace, and turns a snapshot back into changes."""

    def __init__(
        self,
        state_dir: Path,
        target: str,
        keep: int = DEFAULT_KEEP,
        max_age_days: int | None = DEFAULT_MAX_AGE_DAYS,
    ) -> None:
        # Nothing is created until something is written: listing or reading leaves no trace.
        self.state_dir = state_dir
        self.target_folder = target_path(state_dir, target)
        self.folder = self.target_folder / "snapshots"
        self.target = target
        self.keep = keep
        self.max_age_days = max_age_days

    @classmethod
    def configured(cls, state_dir: Path, target: str, config: Config) -> SnapshotStore:
        """A store pruned as the config's `snapshots` section says."""
        return cls(
            state_dir,
            target,
            keep=config.snapshots.keep,
            max_age_days=config.snapshots.max_age_days,
        )

    def save(self, changes: ChangeSet, now: dt.datetime) -> Path:
        """Record the value and colour, before `changes`, of every cell it will touch.

        They come from `changes.previous`, which the diff filled while comparing (or
        `Previous.read` for a change set of other origin): the tab is not read again.
        """
        previous = changes.previous
        if previous is None:
            raise ValueError("a change set without its previous values cannot be undone")
        self._ensure_folders()
        cells = [[c.row, c.col, _encode(previous.values[(c.row, c.col)])] for c in changes.cells]
        fills = [[f.row, f.start_col, previous.colours(f)] for f in changes.fills]
        identity = changes.identity
        body = {
            "version": 1,
            "target": self.target,
            "tab": changes.tab,
            "taken": now.isoformat(),
            "cells": cells,
            "fills": fills,
            "identity": None
            if identity is None
            else {
                "name_col": identity.name_col,
                "email_col": identity.email_col,
                "rows": [[r, *v] for r, v in identity.rows.items()],
                "first": identity.first,
            },
            # The colour record as it was, so that a restore puts it back with the colours.
            "painted": self._painted_body(),
        }
        path = self.folder / f"{now.strftime(SNAPSHOT_STAMP)}.json"
        try:
            write_private(path, json.dumps(body, ensure_ascii=False))
        except BaseException:
            # A full disk must not leave half a snapshot that `restore` would pick.
            path.unlink(missing_ok=True)
            path.with_name(f".{path.name}.tmp").unlink(missing_ok=True)
            raise
        return path

    def kept(self, path: Path, now: dt.datetime) -> list[Path]:
        """The write `path` was taken for landed: keep it, and prune the older ones."""
        return self.prune(now, spare=path)

    def prune(self, now: dt.datetime, spare: Path | None = None) -> list[Path]:
        """Delete all but the newest `keep` snapshots, and those older than the age limit.

        `spare` (the snapshot of the write that just landed) is never deleted.
        """
        found = sorted(self.folder.glob("*.json")) if self.folder.exists() else []
        doomed = set(found[: -self.keep or None])
        if self.max_age_days is not None:
            oldest = now - dt.timedelta(days=self.max_age_days)
            doomed |= {p for p in found if (_taken(p) or now) < oldest}
        if spare is not None:
            doomed.discard(spare)
        for old in sorted(doomed):
            old.unlink(missing_ok=True)
        return sorted(doomed)

    def prune_other_targets(self, now: dt.datetime) -> list[Path]:
        """Delete other sheets' snapshots older than the age limit; the paths deleted.

        A workbook that was renamed or moved is synced under a new folder, and nothing
        else would ever prune the old one (see ORPHAN_MAX_AGE_DAYS for a null limit).
        """
        days = self.max_age_days if self.max_age_days is not None else ORPHAN_MAX_AGE_DAYS
        oldest = now - dt.timedelta(days=days)
        doomed: list[Path] = []
        if not self.state_dir.is_dir():
            return doomed
        for folder in sorted(self.state_dir.glob("*/snapshots")):
            if folder == self.folder or not folder.is_dir():
                continue
            old = [p for p in sorted(folder.glob("*.json")) if (_taken(p) or now) < oldest]
            for path in old:
                path.unlink(missing_ok=True)
            doomed += old
            if not any(folder.iterdir()):
                folder.rmdir()
        return doomed

    def _ensure_folders(self) -> None:
        target_dir(self.state_dir, self.target)
        ensure_private_dir(self.folder)

    def _painted_body(self) -> Any:
        try:
            return json.loads((self.target_folder / PAINTED_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def restore_painted(self, snapshot: Path) -> None:
        """Put back the colour record a snapshot saw, after its colours were restored."""
        try:
            body = json.loads(snapshot.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if "painted" not in body:
            return
        record = self.target_folder / PAINTED_FILE
        if body["painted"] is None:
            record.unlink(missing_ok=True)
        else:
            self._ensure_folders()
            write_private(record, json.dumps(body["painted"]))

    def read_painted(self) -> Painted | None:
        """What the last write coloured, or None when nothing was recorded."""
        try:
            body = self._painted_body()
            return Painted(
                tab=str(body["tab"]),
                mode=str(body["mode"]),
                span=int(body["span"]),
                owned=tuple(int(c) for c in body["owned"]),
                colours=tuple(str(c) for c in body["colours"]),
            )
        except (ValueError, KeyError, TypeError):
            return None

    def write_painted(self, painted: Painted) -> None:
        """Record what this write coloured, for the next switch of highlight mode."""
        body = {
            "version": 1,
            "tab": painted.tab,
            "mode": painted.mode,
            "span": painted.span,
            "owned": list(painted.owned),
            "colours": list(painted.colours),
        }
        self._ensure_folders()
        write_private(self.target_folder / PAINTED_FILE, json.dumps(body))

    def read_pending_ticks(self, today: dt.date) -> list[PendingTick]:
        """Ticks a write took in whose clearing is not known to have landed (core.done)."""
        try:
            body = json.loads((self.target_folder / PENDING_FILE).read_text(encoding="utf-8"))
            found = [
                PendingTick(
                    dt.date.fromisoformat(str(item["day"])),
                    str(item["name"]),
                    str(item["email"]),
                    str(item["kind"]),
                )
                for item in body["ticks"]
            ]
        except (OSError, ValueError, KeyError, TypeError):
            return []
        return [t for t in found if (today - t.day).days <= PENDING_DAYS]

    def write_pending_ticks(self, ticks: Sequence[PendingTick]) -> None:
        """Remember `ticks` until a write that clears them has landed (none: forget)."""
        record = self.target_folder / PENDING_FILE
        if not ticks:
            record.unlink(missing_ok=True)
            return
        body = {
            "version": 1,
            "ticks": [
                {"day": t.day.isoformat(), "name": t.name, "email": t.email, "kind": t.kind}
                for t in ticks
            ],
        }
        self._ensure_folders()
        write_private(record, json.dumps(body))

    def list(self) -> list[SnapshotInfo]:
        """Snapshots, newest first."""
        found = []
        for path in (
            sorted(self.folder.glob("*.json"), reverse=True) if self.folder.exists() else []
        ):
            body = json.loads(path.read_text(encoding="utf-8"))
            rows = {c[0] for c in body["cells"]} | {f[0] for f in body["fills"]}
            found.append(
                SnapshotInfo(
                    path, dt.datetime.fromisoformat(body["taken"]), len(body["cells"]), len(rows)
                )
            )
        return found

    def discard(self, path: Path) -> None:
        path.unlink(missing_ok=True)

    def restore_changes(self, path: Path) -> ChangeSet:
        """The change set that puts the owned cells and colours back as they were."""
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise UserError(f"Cannot read snapshot {path.name}: {error}") from None
        cells = [CellWrite(row, col, _decode(value)) for row, col, value in body["cells"]]
        fills = list(_fill_runs(body["fills"]))
        ident = body.get("identity")
        identity = (
            None
            if ident is None
            else Identity(
                ident["name_col"],
                ident["email_col"],
                {r[0]: (r[1], r[2]) for r in ident["rows"]},
                # Older snapshots did not keep it: the header row writes by position anyway.
                int(ident.get("first", 0)),
            )
        )
        return ChangeSet(tab=body["tab"], cells=cells, fills=fills, identity=identity)


def _taken(path: Path) -> dt.datetime | None:
    """When a snapshot was taken, from its file name."""
    try:
        return dt.datetime.strptime(path.stem, SNAPSHOT_STAMP)
    except ValueError:
        return None


@dataclass(frozen=True)
class StateSummary:
    """Where the state folder is and how much it holds (it holds contact data)."""

    path: Path
    files: int
    bytes: int
    snapshots: int
    exists: bool = True
    private: bool = True
    """True when the folder and everything in it is readable by the owner only."""


def describe_state(state_dir: Path) -> StateSummary:
    """Count the files, bytes and snapshots in the state folder, and check its permissions.

    >>> describe_state(Path("/nonexistent")).exists
    False
    """
    if not state_dir.exists():
        return StateSummary(state_dir, 0, 0, 0, exists=False)
    files = size = snapshots = 0
    private = _is_private(state_dir, 0o700)
    for folder, dirs, names in os.walk(state_dir):
        for name in dirs:
            private = private and _is_private(Path(folder) / name, 0o700)
        for name in names:
            path = Path(folder) / name
            try:
                info = path.lstat()
            except OSError:
                continue
            files += 1
            size += info.st_size
            private = private and info.st_mode & 0o077 == 0
            if Path(folder).name == "snapshots" and name.endswith(".json"):
                snapshots += 1
    return StateSummary(state_dir, files, size, snapshots, exists=True, private=private)


def _is_private(path: Path, mode: int) -> bool:
    try:
        return path.stat().st_mode & 0o777 == mode
    except OSError:
        return False


def _fill_runs(fills: list[list[Any]]) -> Iterator[RowFill]:
    """Per-cell colours back into runs of equal colour."""
    for row, start, colours in fills:
        run_start = start
        for offset in range(1, len(colours) + 1):
            if offset == len(colours) or colours[offset] != colours[offset - 1]:
                yield RowFill(row, run_start, start + offset, colours[offset - 1])
                run_start = start + offset
