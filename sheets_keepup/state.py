"""The local state folder: snapshots taken before each write, kept owner-only.

Snapshots hold contact data (the owned cells and colours as they were), so the folder
is created 0700 and every file 0600.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from sheets_keepup.errors import UserError
from sheets_keepup.model import CellWrite, ChangeSet, Identity, RowFill, Tab, WriteValue

DEFAULT_KEEP = 20


def default_state_dir() -> Path:
    """Per-user state folder (e.g. ~/.local/state/sheets-keepup on Linux)."""
    return Path(platformdirs.user_state_dir("sheets-keepup", appauthor=False))


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) readable by the owner only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def write_private(path: Path, text: str) -> None:
    """Write a file 0600, replacing it atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def target_dir(state_dir: Path, target: str) -> Path:
    """A sub-folder per spreadsheet, so two sheets never share snapshots."""
    digest = hashlib.sha256(target.encode()).hexdigest()[:12]
    return ensure_private_dir(state_dir / digest)


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
        return dt.datetime.fromisoformat(value["datetime"]).date()
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

    def __init__(self, state_dir: Path, target: str, keep: int = DEFAULT_KEEP) -> None:
        self.folder = target_dir(state_dir, target) / "snapshots"
        self.target = target
        self.keep = keep

    def save(self, changes: ChangeSet, tab: Tab, now: dt.datetime) -> Path:
        """Record the current value of every cell and colour `changes` will touch."""
        ensure_private_dir(self.folder)
        cells = [[c.row, c.col, _encode(tab.value(c.row, c.col))] for c in changes.cells]
        fills = [
            [
                f.row,
                f.start_col,
                [tab.background(f.row, col) for col in range(f.start_col, f.end_col)],
            ]
            for f in changes.fills
        ]
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
            },
        }
        path = self.folder / f"{now.strftime('%Y%m%dT%H%M%S%f')}.json"
        write_private(path, json.dumps(body, ensure_ascii=False))
        self._prune()
        return path

    def _prune(self) -> None:
        for old in sorted(self.folder.glob("*.json"))[: -self.keep or None]:
            old.unlink(missing_ok=True)

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
                ident["name_col"], ident["email_col"], {r[0]: (r[1], r[2]) for r in ident["rows"]}
            )
        )
        return ChangeSet(tab=body["tab"], cells=cells, fills=fills, identity=identity)


def _fill_runs(fills: list[list[Any]]) -> Iterator[RowFill]:
    """Per-cell colours back into runs of equal colour."""
    for row, start, colours in fills:
        run_start = start
        for offset in range(1, len(colours) + 1):
            if offset == len(colours) or colours[offset] != colours[offset - 1]:
                yield RowFill(row, run_start, start + offset, colours[offset - 1])
                run_start = start + offset
