"""Undo a sync: put back the owned cells and colours a snapshot recorded.

The restore goes through the backend like any write, so it is identity-checked (it
refuses if the rows now hold other people) and, before writing, the cells it replaces
are themselves saved as a snapshot: a restore can be undone too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

from sheets_keepup.app.snapshots import SnapshotStore
from sheets_keepup.backends import Backend
from sheets_keepup.core.errors import SheetChangedError, UserError
from sheets_keepup.core.model import ChangeSet, Previous


@dataclass(frozen=True)
class RestoreResult:
    """What a restore wrote, and the snapshot that undoes it."""

    snapshot: Path
    changes: ChangeSet
    undo: Path | None


def pick_snapshot(store: SnapshotStore, name: str | None) -> Path:
    """The snapshot named (file name, stem or path), or the newest one."""
    found = store.list()
    if not found:
        raise UserError("No snapshots yet: they are taken before each sync that writes.")
    if name is None:
        return found[0].path
    for info in found:
        if name in (str(info.path), info.path.name, info.path.stem):
            return info.path
    known = ", ".join(i.path.stem for i in found[:5])
    raise UserError(f"No snapshot called {name!r}. Newest: {known} (see `restore --list`).")


def restore_snapshot(
    backend: Backend, store: SnapshotStore, path: Path, now: dt.datetime
) -> RestoreResult:
    """Write a snapshot's cells and colours back; raises SheetChangedError if rows moved."""
    changes = store.restore_changes(path)
    data = backend.read([changes.tab])
    tab = data.tabs.get(changes.tab)
    if tab is None:
        raise SheetChangedError(f"Tab '{changes.tab}' no longer exists; nothing was restored.")
    # What the restore replaces, read from the tab as it is now: the undo's snapshot.
    changes = replace(changes, previous=Previous.read(tab, changes.cells))
    undo = store.save(changes, now) if changes else None
    try:
        backend.apply(changes)
    except BaseException:
        if undo is not None:
            store.discard(undo)
        raise
    store.restore_painted(path)
    return RestoreResult(path, changes, undo)
