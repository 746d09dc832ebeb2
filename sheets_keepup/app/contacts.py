"""Apply contact-list changes through a backend: log a touch, import a file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from pathlib import Path

from sheets_keepup.app.import_files import read_import_file
from sheets_keepup.app.sync import MAX_ATTEMPTS
from sheets_keepup.backends import Backend
from sheets_keepup.core.errors import SheetChangedError
from sheets_keepup.core.importing import ImportSummary, plan_import
from sheets_keepup.core.settings import Config
from sheets_keepup.core.touchlog import TouchPlan, plan_touch

log = logging.getLogger(__name__)


def log_touch(
    backend: Backend,
    config: Config,
    who: str,
    kind: str,
    *,
    note: str = "",
    day: dt.date,
    today: dt.date | None = None,
    dry_run: bool = False,
) -> TouchPlan:
    """Resolve `who`, then append the touch to the Log tab in one write.

    One read (Contacts and Log together) and one write; nothing is written when the
    person cannot be resolved or when `dry_run` is set.

    >>> log_touch(backend, config, "jane@example.com", "call", day=date.today())
    ... # doctest: +SKIP
    """
    for attempt in range(1, MAX_ATTEMPTS + 1):
        data = backend.read([config.tabs.contacts, config.tabs.log])
        plan = plan_touch(data, config, who, kind, note=note, day=day, today=today)
        if dry_run:
            return dataclasses.replace(plan, target=backend.describe(), dry_run=True)
        try:
            backend.apply(plan.changes)
        except SheetChangedError:
            if attempt == MAX_ATTEMPTS:
                raise
            log.info("sheet changed while logging; trying again (attempt %d)", attempt + 1)
            continue
        return dataclasses.replace(plan, target=backend.describe(), written=True)
    raise AssertionError("unreachable")


def import_contacts(
    backend: Backend,
    path: Path,
    config: Config,
    *,
    dry_run: bool = False,
    fill_empty: bool = False,
) -> ImportSummary:
    """Read `path`, match it against the Contacts tab and apply the result in one write.

    Writes nothing when `dry_run` is set or nobody is new (and nothing is to be filled).
    If the sheet changes between the read and the write, plans again from a fresh read.

    >>> summary = import_contacts(backend, Path("Connections.csv"), config)  # doctest: +SKIP
    >>> summary.written, len(summary.new)  # doctest: +SKIP
    (True, 12)
    """
    imported = read_import_file(path)
    source = imported.contacts[0].source if imported.contacts else None
    for attempt in range(1, MAX_ATTEMPTS + 1):
        data = backend.read([config.tabs.contacts])
        summary = plan_import(data, imported, config, fill_empty=fill_empty, source=source)
        if dry_run or not summary.changes:
            return _finished(summary, backend, written=False, dry_run=dry_run, attempts=attempt)
        try:
            backend.apply(summary.changes)
        except SheetChangedError:
            if attempt == MAX_ATTEMPTS:
                raise
            log.info("sheet changed while importing; planning again (attempt %d)", attempt + 1)
            continue
        return _finished(summary, backend, written=True, dry_run=False, attempts=attempt)
    raise AssertionError("unreachable")


def _finished(
    summary: ImportSummary, backend: Backend, *, written: bool, dry_run: bool, attempts: int
) -> ImportSummary:
    return dataclasses.replace(
        summary, target=backend.describe(), written=written, dry_run=dry_run, attempts=attempts
    )
