"""One sync: read, plan, diff, snapshot, write. Plan first, then apply.

If the sheet moves under us between the read and the write (a user sorts or inserts
rows), the backend refuses the write and the sync plans again from fresh data.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from sheets_keepup.app.snapshots import SnapshotStore
from sheets_keepup.backends import Backend
from sheets_keepup.core.errors import SheetChangedError
from sheets_keepup.core.model import ChangeSet, Problem
from sheets_keepup.core.parse import ContactSheet
from sheets_keepup.core.pipeline import PlannedSheet, plan_sheet
from sheets_keepup.core.planner import DUE_SOON, OVERDUE, Plan
from sheets_keepup.core.settings import Config

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class SyncResult:
    """What a sync found and did."""

    target: str
    plan: Plan
    changes: ChangeSet
    written: bool
    dry_run: bool
    attempts: int
    seconds: float
    snapshot: Path | None = None
    contacts: ContactSheet | None = None
    """The parsed Contacts tab (contact details for the weekly digest)."""

    @property
    def problems(self) -> list[Problem]:
        return self.plan.problems

    def counts(self) -> dict[str, int]:
        """Row and status counts, safe to log (no contact data)."""
        return {
            "rows": len(self.plan.rows),
            "overdue": self.plan.count(OVERDUE),
            "due_soon": self.plan.count(DUE_SOON),
            "problems": len(self.plan.problems),
            "cells_changed": len(self.changes.cells),
            "rows_changed": self.changes.rows_touched,
        }


def sync(
    backend: Backend,
    config: Config,
    today: dt.date,
    *,
    dry_run: bool = False,
    snapshots: SnapshotStore | None = None,
    now: dt.datetime | None = None,
) -> SyncResult:
    """Sync once. Writes nothing when nothing changed or when `dry_run` is set."""
    started = time.perf_counter()
    painted = snapshots.read_painted() if snapshots is not None else None
    for attempt in range(1, MAX_ATTEMPTS + 1):
        data = backend.read([config.tabs.contacts, config.tabs.log])
        planned = plan_sheet(data, config, today, painted)
        if dry_run or not planned.changes:
            if not dry_run and snapshots is not None and planned.painted != painted:
                snapshots.write_painted(planned.painted)
            return _result(backend, planned, False, dry_run, attempt, started)
        snapshot = None
        if snapshots is not None:
            snapshot = snapshots.save(planned.changes, now or dt.datetime.now())
        try:
            backend.apply(planned.changes)
        except SheetChangedError:
            if snapshot is not None and snapshots is not None:
                snapshots.discard(snapshot)
            if attempt == MAX_ATTEMPTS:
                raise
            log.info("sheet changed while syncing; planning again (attempt %d)", attempt + 1)
            continue
        if snapshots is not None:
            snapshots.write_painted(planned.painted)
        return _result(backend, planned, True, False, attempt, started, snapshot)
    raise AssertionError("unreachable")


def _result(
    backend: Backend,
    planned: PlannedSheet,
    written: bool,
    dry_run: bool,
    attempts: int,
    started: float,
    snapshot: Path | None = None,
) -> SyncResult:
    return SyncResult(
        target=backend.describe(),
        plan=planned.plan,
        changes=planned.changes,
        written=written,
        dry_run=dry_run,
        attempts=attempts,
        seconds=time.perf_counter() - started,
        snapshot=snapshot,
        contacts=planned.contacts,
    )
