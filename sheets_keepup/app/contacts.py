"""Apply contact-list changes through a backend: log a touch, import a file, undo it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sheets_keepup.app.files import read_json, target_dir, target_path, write_json_private
from sheets_keepup.app.import_files import read_import_file
from sheets_keepup.app.sync import MAX_ATTEMPTS
from sheets_keepup.backends import Backend
from sheets_keepup.core.errors import DataError, SheetChangedError
from sheets_keepup.core.importing import (
    ImportSummary,
    UndoPlan,
    plan_import,
    plan_undo,
    record_from_json,
    record_import,
    record_to_json,
)
from sheets_keepup.core.model import ChangeSet
from sheets_keepup.core.settings import Config
from sheets_keepup.core.touchlog import TouchPlan, plan_touch

log = logging.getLogger(__name__)

IMPORT_RECORD = "last-import.json"
"""What the last import added to a sheet, in that sheet's folder of the state folder."""

P = TypeVar("P")


def write_planned(
    backend: Backend,
    what: str,
    plan: Callable[[], P],
    changes_of: Callable[[P], ChangeSet | None],
) -> tuple[P, int, bool]:
    """Plan from a fresh read and write it, planning again if the sheet moved meanwhile.

    `changes_of` says what to write (None: nothing). Returns the last plan, the
    attempts it took and whether it was written.
    """
    for attempt in range(1, MAX_ATTEMPTS + 1):
        planned = plan()
        changes = changes_of(planned)
        if changes is None:
            return planned, attempt, False
        try:
            backend.apply(changes)
        except SheetChangedError:
            if attempt == MAX_ATTEMPTS:
                raise
            log.info("sheet changed while %s; planning again (attempt %d)", what, attempt + 1)
            continue
        return planned, attempt, True
    raise AssertionError("unreachable")


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

    def plan() -> TouchPlan:
        data = backend.read([config.tabs.contacts, config.tabs.log])
        return plan_touch(data, config, who, kind, note=note, day=day, today=today)

    touch, _, written = write_planned(
        backend, "logging", plan, lambda touch: None if dry_run else touch.changes
    )
    return dataclasses.replace(touch, target=backend.describe(), written=written, dry_run=dry_run)


def import_record_path(state_dir: Path, target: str) -> Path:
    """Where the record of the last import into `target` (a backend's description) is kept."""
    return target_path(state_dir, target) / IMPORT_RECORD


def import_contacts(
    backend: Backend,
    path: Path,
    config: Config,
    *,
    dry_run: bool = False,
    fill_empty: bool = False,
    state_dir: Path | None = None,
    now: dt.datetime | None = None,
) -> ImportSummary:
    """Read `path`, match it against the Contacts tab and apply the result in one write.

    Writes nothing when `dry_run` is set or nobody is new (and nothing is to be filled).
    If the sheet changes between the read and the write, plans again from a fresh read.
    With `state_dir`, a written import is recorded there so that `undo_import` can take
    it back out.

    >>> summary = import_contacts(backend, Path("Connections.csv"), config)  # doctest: +SKIP
    >>> summary.written, len(summary.new)  # doctest: +SKIP
    (True, 12)
    """
    imported = read_import_file(path)
    source = imported.contacts[0].source if imported.contacts else None

    def plan() -> ImportSummary:
        data = backend.read([config.tabs.contacts])
        return plan_import(data, imported, config, fill_empty=fill_empty, source=source)

    def changes_of(summary: ImportSummary) -> ChangeSet | None:
        return None if dry_run or not summary.changes else summary.changes

    summary, attempts, written = write_planned(backend, "importing", plan, changes_of)
    recorded = False
    if written and state_dir is not None:
        record = record_import(summary, path.name, now or dt.datetime.now(dt.UTC))
        folder = target_dir(state_dir, backend.describe())
        try:
            write_json_private(folder / IMPORT_RECORD, record_to_json(record))
            recorded = True
        except OSError as error:
            # The rows are in the sheet; failing the command now would say otherwise.
            log.warning("could not record the import for --undo: %s", error)
    return dataclasses.replace(
        summary,
        target=backend.describe(),
        written=written,
        dry_run=dry_run,
        attempts=attempts,
        undoable=recorded,
    )


def undo_import(
    backend: Backend, config: Config, state_dir: Path, *, dry_run: bool = False
) -> UndoPlan:
    """Take out what the last import into this sheet added, in one write.

    Rows and filled cells the user changed since are left and reported; they stay in the
    record, so a later undo (after the user reverts them) can still take them out.

    >>> plan = undo_import(backend, config, state_dir)  # doctest: +SKIP
    >>> [row + 1 for row, _ in plan.removed], plan.refused  # doctest: +SKIP
    ([34, 35], [])
    """
    record_path = import_record_path(state_dir, backend.describe())
    data = read_json(record_path)
    record = record_from_json(data) if data is not None else None
    if not record:
        raise DataError(
            f"Nothing to undo: no import into {backend.describe()} is recorded. Only the "
            "last import, made by this version or later, can be undone."
        )

    def plan() -> UndoPlan:
        return plan_undo(backend.read([record.tab]), config, record)

    def changes_of(undo: UndoPlan) -> ChangeSet | None:
        return None if dry_run or not undo.changes else undo.changes

    undo, _, written = write_planned(backend, "undoing the import", plan, changes_of)
    if written:
        if undo.remaining:
            write_json_private(record_path, record_to_json(undo.remaining))
        else:
            record_path.unlink(missing_ok=True)
    return dataclasses.replace(undo, target=backend.describe(), written=written, dry_run=dry_run)
