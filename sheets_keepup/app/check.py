"""`sheets-keepup check`: say in plain words whether a sync can work, and if not, why.

Each step runs only when the one before it passed: credentials, opening the sheet,
the contacts tab, its header row, the tool's own tabs (health, digest), then what the
write will need: the sheet's lock, and for a workbook a file and a folder it can write,
room for the new copy, and no other program holding it open. The first failure sets
the exit status (config, auth, access, data or locked), so scripts can tell them apart.
Nothing is written to the sheet; the lock is taken and released in the state folder.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sheets_keepup.app.files import default_state_dir
from sheets_keepup.app.init import other_contacts_warning
from sheets_keepup.app.lock import LockHeld, SyncLock
from sheets_keepup.app.owned_tabs import owned_tabs, read_owned
from sheets_keepup.backends import Backend, open_backend
from sheets_keepup.backends.xlsx.files import lock_files
from sheets_keepup.core.errors import AccessError, DataError, ExitStatus, LockedError, UserError
from sheets_keepup.core.headers import column_letter
from sheets_keepup.core.importing import describe_duplicate, find_sheet_duplicates
from sheets_keepup.core.parse import read_contacts, read_log
from sheets_keepup.core.pipeline import plan_sheet
from sheets_keepup.core.settings import Config

MAX_PROBLEMS_SHOWN = 20
T = TypeVar("T")
SPACE_MARGIN = 1 << 20
"""Room wanted beyond the new copy of a workbook (its size), for the file system's own use."""


@dataclass(frozen=True)
class Finding:
    """One line of the report: passed (True), failed (False) or a note (None)."""

    ok: bool | None
    text: str


@dataclass
class CheckReport:
    """Findings in order, and the exit status of the first failure."""

    findings: list[Finding] = field(default_factory=list)
    status: ExitStatus = ExitStatus.OK

    def passed(self, text: str) -> None:
        self.findings.append(Finding(True, text))

    def note(self, text: str) -> None:
        self.findings.append(Finding(None, text))

    def failed(self, error: UserError) -> None:
        self.findings.append(Finding(False, str(error)))
        if self.status == ExitStatus.OK:
            self.status = error.exit_status

    @property
    def ok(self) -> bool:
        return self.status == ExitStatus.OK


def check_source(
    config: Config,
    today: dt.date,
    opener: Callable[[Config], Backend] = open_backend,
    state_dir: Path | None = None,
    *,
    limit: int | None = MAX_PROBLEMS_SHOWN,
) -> CheckReport:
    """Walk through everything a sync needs and report each step.

    Lists of problems and duplicates stop after `limit` entries (None: all of them).
    """
    report = CheckReport()
    origin = "set in the config" if "timezone" in config.model_fields_set else "this machine's zone"
    report.note(f"Timezone: {config.timezone} ({origin}); today is {today.isoformat()} there.")
    try:
        backend = opener(config)
    except UserError as error:
        report.failed(error)
        return report
    credentials = backend.credentials_note()
    if credentials:
        report.passed(f"Credentials: {credentials}")
    try:
        data, clashes = read_owned(
            backend, [config.tabs.contacts, config.tabs.log], owned_tabs(config, digest=True)
        )
    except UserError as error:
        report.failed(error)
        return report
    report.passed(f"Opened {backend.describe()}" + (f" ('{data.title}')" if data.title else ""))
    for clash in clashes:
        # The same words a sync stops with, so that `check` explains a refused sync.
        report.failed(DataError(clash))
    contacts_tab = data.tabs.get(config.tabs.contacts)
    if contacts_tab is None:
        report.failed(DataError(_missing_tab_message(backend, config.tabs.contacts)))
        return report
    try:
        contacts = read_contacts(contacts_tab, config, data.locale)
    except DataError as error:
        report.failed(error)
        return report
    header = contacts.header
    found = ", ".join(
        f"{name} ({column_letter(col)})" for name, col in sorted(header.fields.items(), key=_by_col)
    )
    report.passed(
        f"Tab '{contacts_tab.title}': header row {header.row + 1}, "
        f"{len(contacts.frame)} contact(s). Columns found: {found}."
    )
    owned = config.columns.owned.model_dump()
    missing = [owned[k] for k in owned if k not in header.owned]
    if missing:
        report.note(f"The first sync will add the column(s) {', '.join(missing)} on the right.")
    log_tab = data.tabs.get(config.tabs.log)
    if log_tab is None:
        report.note(f"No '{config.tabs.log}' tab (optional: Date, Who, Kind, Note).")
    else:
        try:
            log_sheet = read_log(log_tab, config, data.locale)
            report.passed(f"Tab '{log_tab.title}': {len(log_sheet.frame)} touch(es) logged.")
        except DataError as error:
            report.note(f"The '{config.tabs.log}' tab is ignored: {error}")
    planned = plan_sheet(data, config, today)
    problems = planned.plan.problems
    if problems:
        report.note(f"{len(problems)} cell(s) cannot be read; those rows will say 'check':")
        for problem in _first(problems, limit):
            report.note(f"  {problem}")
        _more(report, len(problems), limit)
    duplicates = find_sheet_duplicates(data, config)
    if duplicates:
        report.note(f"{len(duplicates)} person(s) appear on more than one row:")
        for group in _first(duplicates, limit):
            report.note(f"  Duplicate rows, {describe_duplicate(group)}")
        _more(report, len(duplicates), limit)
    if len(contacts.frame) == 0:
        warning = other_contacts_warning(backend, config)
        if warning:
            report.failed(DataError(warning))
    if not report.ok:
        return report
    check_writable(config, backend.describe(), state_dir or config.state_dir, report)
    if not report.ok:
        return report
    report.passed(
        f"Ready: the next sync would change {len(planned.changes.cells)} cell(s) in "
        f"{planned.changes.rows_touched} row(s). Try `sheets-keepup sync --dry-run` to see them."
    )
    return report


def _first(items: Sequence[T], limit: int | None) -> Sequence[T]:
    return items if limit is None else items[:limit]


def _more(report: CheckReport, total: int, limit: int | None) -> None:
    if limit is not None and total > limit:
        report.note(f"  ... and {total - limit} more (sheets-keepup check --all)")


def _by_col(item: tuple[str, int]) -> int:
    return item[1]


def _missing_tab_message(backend: Backend, wanted: str) -> str:
    titles: list[str] = []
    try:
        titles = backend.tab_titles()
    except UserError:
        titles = []
    found = f" The sheet has: {', '.join(repr(t) for t in titles)}." if titles else ""
    return (
        f"No tab named '{wanted}'.{found} Rename your contacts tab to '{wanted}' or set "
        "tabs.contacts in the config."
    )


def check_writable(config: Config, sheet: str, state_dir: Path | None, report: CheckReport) -> None:
    """Try what a sync's write needs, without writing the sheet: the lock, then the file."""
    folder = state_dir or default_state_dir()
    try:
        with SyncLock(folder, sheet=sheet) as lock:
            report.passed(f"Lock: {lock.path} can be taken (no other sync of this sheet).")
    except LockHeld as held:
        report.failed(LockedError(f"{held}. A sync now would stop with exit status 7."))
        return
    except OSError as error:
        where = error.filename or folder
        report.failed(
            AccessError(
                f"The state folder cannot hold the lock file ({where}: {error.strerror}). "
                "Make it writable or set state_dir in the config."
            )
        )
        return
    if config.source.kind == "xlsx" and config.source.path is not None:
        check_workbook_writable(Path(config.source.path), report)


def check_workbook_writable(path: Path, report: CheckReport) -> None:
    """The workbook can be replaced as a sync replaces it: same checks, same words.

    A sync writes a new copy beside the file, then renames it over the old one: the
    folder must take a new file and hold the copy, and no other program may have the
    file open (LibreOffice and Excel then leave a lock file beside it).
    """
    target = Path(os.path.realpath(path))
    if not target.exists():
        return
    locks = lock_files(path)
    if locks:
        report.failed(
            AccessError(
                f"{path.name} is open in another program (found {locks[0].name} beside it). "
                "Close it there first: a sync would stop without writing."
            )
        )
        return
    folder = target.parent
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        os.close(handle)
        os.unlink(name)
    except OSError as error:
        report.failed(
            AccessError(
                f"The folder {folder} does not let a new file be created ({error.strerror}): a "
                f"sync saves the new {target.name} there first, then renames it over the old "
                f"one. Make the folder writable (chmod u+w '{folder}') or move the workbook."
            )
        )
        return
    try:
        with open(target, "r+b"):
            pass
    except OSError as error:
        report.failed(
            AccessError(
                f"The workbook {target} is not writable ({error.strerror}); a sync would stop "
                f"without writing. Make it writable: chmod u+w '{target}'."
            )
        )
        return
    size = target.stat().st_size
    free = shutil.disk_usage(folder).free
    if free < size + SPACE_MARGIN:
        report.failed(
            AccessError(
                f"Only {_megabytes(free)} free in {folder}: a sync writes a new copy of "
                f"{target.name} ({_megabytes(size)}) there first. Free some space."
            )
        )
        return
    report.passed(
        f"Workbook: {target.name} and its folder are writable, with room for the new copy; "
        "no other program has it open."
    )


def _megabytes(count: int) -> str:
    return f"{count / (1 << 20):.1f} MB"
