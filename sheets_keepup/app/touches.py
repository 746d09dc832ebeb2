"""Record touches seen elsewhere (sent mail, calendar events) as new rows of the Log tab.

`record_touches` reads Contacts and Log, matches and plans (`core.touches`), and writes
the new rows in one append through `write_planned`, the path `sheets-keepup log` takes:
planned again from a fresh read if the sheet moved meanwhile. The caller holds the
sheet's lock (the command line's writer lock, or the nightly run's).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sheets_keepup.app.contacts import write_planned
from sheets_keepup.backends import Backend, open_backend
from sheets_keepup.core.model import ChangeSet, SheetData
from sheets_keepup.core.settings import Config
from sheets_keepup.core.touches import PlannedTouch, Touch, TouchesPlan, plan_sheet_touches

DEFAULT_MAX_RECIPIENTS = 10


@dataclass(frozen=True)
class TouchesSummary:
    """What a recording run added (or would add) to the Log, and what it left out, why."""

    rows: tuple[PlannedTouch, ...]
    skipped: Mapping[str, int]
    log_tab: str
    first_row: int
    created_tab: bool
    warnings: tuple[str, ...]
    logged_sources: tuple[str, ...]
    """Source ids whose touch is in the Log once this run is written."""
    target: str = ""
    written: bool = False
    dry_run: bool = False

    def counts(self) -> str:
        """Counts only, never an address or a subject: the job log's line."""
        added = f"{len(self.rows)} Log row(s) {'to add' if self.dry_run else 'added'}"
        skips = ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items()) if n)
        return f"{added}; skipped: {skips}" if skips else added


def _summary(plan: TouchesPlan) -> TouchesSummary:
    return TouchesSummary(
        rows=plan.rows,
        skipped=dict(plan.skipped),
        log_tab=plan.log_tab,
        first_row=plan.first_row,
        created_tab=plan.created_tab,
        warnings=plan.warnings,
        logged_sources=plan.logged_sources,
    )


TouchSource = Callable[[SheetData], Sequence[Touch]]
"""Touches found from the sheet as read (the calendar needs the contacts' names)."""


def record_touches(
    config: Config,
    touches: Sequence[Touch] | TouchSource,
    *,
    dry_run: bool,
    today: dt.date,
    max_recipients: int = DEFAULT_MAX_RECIPIENTS,
    backend: Backend | None = None,
    allow_future: bool = False,
) -> TouchesSummary:
    """Append a Log row per new (day, person, kind) among `touches`, in one write.

    One read (Contacts and Log together) and at most one write; none when nothing is
    new or `dry_run` is set. The caller holds the sheet's lock. `touches` may be a
    function of that read, so that a source which needs the contacts reads nothing more.

    >>> summary = record_touches(config, touches, dry_run=False, today=date.today())
    ... # doctest: +SKIP
    >>> summary.counts()  # doctest: +SKIP
    '2 Log row(s) added; skipped: 1 already in the Log, 4 no contact'
    """
    backend = backend or open_backend(config)

    def plan() -> TouchesPlan:
        data = backend.read([config.tabs.contacts, config.tabs.log])
        return plan_sheet_touches(
            data,
            config,
            touches(data) if callable(touches) else touches,
            max_recipients=max_recipients,
            today=today,
            allow_future=allow_future,
        )

    def changes_of(planned: TouchesPlan) -> ChangeSet | None:
        return None if dry_run else planned.changes

    planned, _, written = write_planned(backend, "recording touches", plan, changes_of)
    return dataclasses.replace(
        _summary(planned), target=backend.describe(), written=written, dry_run=dry_run
    )
