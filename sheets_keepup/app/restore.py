"""Undo a sync: put back the owned cells and colours a snapshot recorded.

The restore goes through the backend like any write, so it is identity-checked (it
refuses if the rows now hold other people) and, before writing, the cells it replaces
are themselves saved as a snapshot: a restore can be undone too. Cells and colours that
already hold the snapshot's values are left out, so a restore says what it really
changed, and one with nothing left to change writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

from sheets_keepup.app.snapshots import SnapshotStore
from sheets_keepup.backends import Backend
from sheets_keepup.core.dates import as_date
from sheets_keepup.core.errors import SheetChangedError, UserError
from sheets_keepup.core.highlight import same_colour
from sheets_keepup.core.model import CellValue, ChangeSet, Previous, RowFill, Tab


@dataclass(frozen=True)
class RestoreResult:
    """What a restore wrote, and the snapshot that undoes it.

    `changes` holds only what differed from the snapshot; when it is empty the sheet
    already held the snapshot's values and nothing was written (`undo` is then None).
    """

    snapshot: Path
    changes: ChangeSet
    undo: Path | None

    @property
    def already(self) -> bool:
        """True when the sheet already held everything the snapshot saw."""
        return not self.changes


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
    wanted = store.restore_changes(path)
    data = backend.read([wanted.tab])
    tab = data.tabs.get(wanted.tab)
    if tab is None:
        raise SheetChangedError(f"Tab '{wanted.tab}' no longer exists; nothing was restored.")
    changes = still_to_restore(wanted, tab)
    if not changes:
        store.restore_painted(path)
        return RestoreResult(path, changes, None)
    undo = store.save(changes, now)
    try:
        backend.apply(changes)
    except BaseException:
        store.discard(undo)
        raise
    store.kept(undo, now)
    store.restore_painted(path)
    return RestoreResult(path, changes, undo)


def still_to_restore(wanted: ChangeSet, tab: Tab) -> ChangeSet:
    """The part of `wanted` that `tab` does not hold yet, with what it replaces."""
    cells = [c for c in wanted.cells if not _same_value(tab.value(c.row, c.col), c.value)]
    fills = [f for f in wanted.fills if not _same_fill(tab, f)]
    # The identity check stays whole: a restore must still land on the same people.
    return replace(wanted, cells=cells, fills=fills, previous=Previous.read(tab, cells))


def _same_fill(tab: Tab, fill: RowFill) -> bool:
    return all(
        same_colour(tab.background(fill.row, col), fill.colour)
        for col in range(fill.start_col, fill.end_col)
    )


def _same_value(current: CellValue, wanted: CellValue) -> bool:
    """A cell as read against a snapshot's value, across the backends' ways of reading.

    Dates compare by day whether read as a date, a date-time (xlsx) or a serial number
    (Sheets); empty text and an empty cell are the same; text compares exactly.
    """
    if _blank(current) and _blank(wanted):
        return True
    if isinstance(wanted, dt.datetime) and isinstance(current, dt.datetime):
        return current == wanted
    if isinstance(wanted, dt.date) and not isinstance(wanted, dt.datetime):
        return as_date(current) == wanted
    if isinstance(wanted, bool) or isinstance(current, bool):
        return type(wanted) is type(current) and wanted == current
    if isinstance(wanted, int | float) and isinstance(current, int | float):
        return wanted == current
    return type(wanted) is type(current) and wanted == current


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
