"""One sync: read, plan, diff, snapshot, write. Plan first, then apply.

If the sheet moves under us between the read and the write (a user sorts or inserts
rows), the backend refuses the write and the sync plans again from fresh data.

The snapshot of a write is kept only once the write landed: a refused or failed write
discards it, so `restore` never picks a snapshot of a write that did not happen.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sheets_keepup.app.owned_tabs import OwnedTab, read_checked
from sheets_keepup.app.snapshots import SnapshotStore
from sheets_keepup.backends import Backend
from sheets_keepup.core.done import PendingTick, plan_with_done
from sheets_keepup.core.errors import SheetChangedError, UserError
from sheets_keepup.core.model import ChangeSet, Problem, Upcoming
from sheets_keepup.core.parse import ContactSheet
from sheets_keepup.core.pipeline import PlannedSheet
from sheets_keepup.core.planner import DUE_SOON, OVERDUE, Plan
from sheets_keepup.core.settings import Config

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3

Stage = Literal["reading", "planning", "writing"]
StageListener = Callable[[Stage], None]
"""Told each step of a sync as it starts, so that a terminal can show progress."""

_stage_listener: ContextVar[StageListener | None] = ContextVar("stage_listener", default=None)


@contextmanager
def reporting_stages(listener: StageListener) -> Iterator[None]:
    """Tell `listener` the stages of every sync run inside the block.

    For callers that reach `sync` through the run flow (lock, status, health tab), which
    would otherwise have to pass a listener down every layer.
    """
    token = _stage_listener.set(listener)
    try:
        yield
    finally:
        _stage_listener.reset(token)


def _report(stage: Stage, listener: StageListener | None) -> None:
    chosen = listener or _stage_listener.get()
    if chosen is not None:
        chosen(stage)


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
    riders: Sequence[ChangeSet] = ()
    """The tool's own tabs written in the same write as the contacts."""

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
    owned: Sequence[OwnedTab] = (),
    riders: Rider | None = None,
    on_stage: StageListener | None = None,
    upcoming: Sequence[Upcoming] = (),
) -> SyncResult:
    """Sync once. Writes nothing when nothing changed or when `dry_run` is set.

    `owned` are the tool's tabs the caller will write after the contacts (health,
    digest): a user tab under one of their names stops the sync before any write.
    `riders` gives, from the plan, change sets of the tool's own tabs (the health tab)
    that go out in the same write as the contacts when the contacts change, so that a
    sync with changes is one write, not two.
    `on_stage` (else the listener of `reporting_stages`) is told each step as it starts.
    `upcoming` are meetings to come (the calendar's), whose people get no suggestion.
    """
    started = time.perf_counter()
    moment = now or dt.datetime.now()
    painted = snapshots.read_painted() if snapshots is not None else None
    pending = snapshots.read_pending_ticks(today) if snapshots is not None else []
    if snapshots is not None and not dry_run:
        _prune_other_targets(snapshots, moment)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        _report("reading", on_stage)
        data = read_checked(backend, [config.tabs.contacts, config.tabs.log], owned)
        _report("planning", on_stage)
        # The Done box goes first, so the plan counts the touches it logs.
        planned, done = plan_with_done(data, config, today, painted, upcoming, pending)
        if dry_run or not planned.changes:
            if not dry_run and snapshots is not None and planned.painted != painted:
                snapshots.write_painted(planned.painted)
            return _result(backend, planned, False, dry_run, attempt, started)
        snapshot = snapshots.save(planned.changes, moment) if snapshots is not None else None
        if snapshots is not None and done.ticks:
            # Before the write: if only its Log rows land, the next sync must know.
            taken = [t.pending for t in done.ticks if t.pending is not None]
            # Kept for a next attempt too: its Log rows may land before the sheet moves.
            pending = _merged(pending, taken)
            snapshots.write_pending_ticks(pending)
        extra = list(riders(planned)) if riders is not None else []
        try:
            _report("writing", on_stage)
            backend.apply(_with_riders(planned.changes, extra))
        except SheetChangedError:
            _discard(snapshots, snapshot)
            if attempt == MAX_ATTEMPTS:
                raise
            log.info("sheet changed while syncing; planning again (attempt %d)", attempt + 1)
            continue
        except UserError as error:
            if error.may_have_written and snapshots is not None and snapshot is not None:
                # Part of it may have landed: keep what it replaced, for `restore`.
                snapshots.kept(snapshot, moment)
            else:
                _discard(snapshots, snapshot)
            raise
        except BaseException:
            _discard(snapshots, snapshot)
            raise
        if snapshots is not None:
            if snapshot is not None:
                snapshots.kept(snapshot, moment)
            snapshots.write_painted(planned.painted)
            if pending or done.ticks:
                # Every tick of the read is cleared now; a pending one not seen ticked
                # was cleared by the user, and is forgotten with the rest.
                snapshots.write_pending_ticks([])
        return _result(backend, planned, True, False, attempt, started, snapshot, extra)
    raise AssertionError("unreachable")


def _merged(old: Sequence[PendingTick], new: Sequence[PendingTick]) -> list[PendingTick]:
    return list(dict.fromkeys([*old, *new]))


Rider = Callable[[PlannedSheet], Sequence[ChangeSet]]
"""Change sets of the tool's own tabs, made from the plan, to write with the contacts."""


def _with_riders(changes: ChangeSet, riders: Sequence[ChangeSet]) -> ChangeSet:
    if not riders:
        return changes
    return dataclasses.replace(changes, extra_tabs=[*changes.extra_tabs, *riders])


def _prune_other_targets(snapshots: SnapshotStore, moment: dt.datetime) -> None:
    try:
        snapshots.prune_other_targets(moment)
    except OSError as error:
        # Old snapshots left in place are no reason to stop a sync; the next one retries.
        log.warning("could not prune old snapshots of other sheets: %s", error)


def _discard(snapshots: SnapshotStore | None, snapshot: Path | None) -> None:
    """The write did not land: its snapshot would only push useful ones out."""
    if snapshots is not None and snapshot is not None:
        snapshots.discard(snapshot)


def _result(
    backend: Backend,
    planned: PlannedSheet,
    written: bool,
    dry_run: bool,
    attempts: int,
    started: float,
    snapshot: Path | None = None,
    riders: Sequence[ChangeSet] = (),
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
        riders=riders,
    )
