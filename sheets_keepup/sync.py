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

import pandas as pd

from sheets_keepup.backends import Backend
from sheets_keepup.changes import diff_plan
from sheets_keepup.config import Config
from sheets_keepup.errors import DataError, SheetChangedError
from sheets_keepup.model import ChangeSet, Painted, Problem, SheetData, Tab
from sheets_keepup.planner import DUE_SOON, OVERDUE, Plan, plan_followups
from sheets_keepup.sheet import ContactSheet, LogSheet, contacts_tab, read_contacts, read_log
from sheets_keepup.state import SnapshotStore

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class PlannedSheet:
    """The result of planning one read: parsed contacts, the plan and the diff."""

    contacts: ContactSheet
    plan: Plan
    changes: ChangeSet

    @property
    def painted(self) -> Painted:
        """What the contact rows' colours will be once `changes` is written."""
        painted: Painted = self.changes.details["painted"]
        return painted


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


def plan_sheet(
    data: SheetData, config: Config, today: dt.date, painted: Painted | None = None
) -> PlannedSheet:
    """Plan and diff one read of the spreadsheet. Pure: no I/O.

    `painted` is what the previous write coloured, so that a change of highlight mode
    clears only the tool's own colours.
    """
    tab = contacts_tab(data, config)
    contacts = read_contacts(tab, config, data.locale)
    log_tab = data.tabs.get(config.tabs.log)
    log_sheet = _read_log_or_report(log_tab, config, data.locale)
    plan = plan_followups(contacts, tab, log_sheet, config, today)
    changes = diff_plan(plan, contacts, tab, config, painted)
    return PlannedSheet(contacts, plan, changes)


def _read_log_or_report(tab: Tab | None, config: Config, locale: str | None) -> LogSheet | None:
    """The Log tab if there is one; a broken Log is reported, never fatal to the sync."""
    if tab is None or not tab.rows:
        return None
    try:
        return read_log(tab, config, locale)
    except DataError as error:
        empty = pd.DataFrame(
            {
                "date": pd.Series(dtype="datetime64[ns]"),
                "who": pd.Series(dtype=object),
                "kind": pd.Series(dtype=object),
            }
        )
        return LogSheet(tab.title, empty, [Problem(tab.title, None, None, str(error))])


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
            tab = data.tabs[config.tabs.contacts]
            snapshot = snapshots.save(planned.changes, tab, now or dt.datetime.now())
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
