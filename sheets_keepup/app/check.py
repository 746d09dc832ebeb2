"""`sheets-keepup check`: say in plain words whether a sync can work, and if not, why.

Each step runs only when the one before it passed: credentials, opening the sheet,
the contacts tab, its header row, the tool's own tabs (health, digest). The first
failure sets the exit status (config, auth, access or data), so scripts can tell them
apart. Nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sheets_keepup.app.owned_tabs import owned_tabs, read_owned
from sheets_keepup.backends import Backend, open_backend
from sheets_keepup.core.errors import DataError, ExitStatus, UserError
from sheets_keepup.core.headers import column_letter
from sheets_keepup.core.importing import describe_duplicate, find_sheet_duplicates
from sheets_keepup.core.parse import read_contacts, read_log
from sheets_keepup.core.pipeline import plan_sheet
from sheets_keepup.core.settings import Config

MAX_PROBLEMS_SHOWN = 10


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
) -> CheckReport:
    """Walk through everything a sync needs and report each step."""
    report = CheckReport()
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
        for problem in problems[:MAX_PROBLEMS_SHOWN]:
            report.note(f"  {problem}")
        if len(problems) > MAX_PROBLEMS_SHOWN:
            report.note(f"  ... and {len(problems) - MAX_PROBLEMS_SHOWN} more")
    duplicates = find_sheet_duplicates(data, config)
    if duplicates:
        report.note(f"{len(duplicates)} person(s) appear on more than one row:")
        for group in duplicates[:MAX_PROBLEMS_SHOWN]:
            report.note(f"  Duplicate rows, {describe_duplicate(group)}")
        if len(duplicates) > MAX_PROBLEMS_SHOWN:
            report.note(f"  ... and {len(duplicates) - MAX_PROBLEMS_SHOWN} more")
    if not report.ok:
        return report
    report.passed(
        f"Ready: the next sync would change {len(planned.changes.cells)} cell(s) in "
        f"{planned.changes.rows_touched} row(s). Try `sheets-keepup sync --dry-run` to see them."
    )
    return report


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
