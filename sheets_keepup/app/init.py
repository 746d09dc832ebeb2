"""Set a sheet up: create the workbook if needed, then one read and at most one write."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sheets_keepup.backends import Backend
from sheets_keepup.core.errors import UserError
from sheets_keepup.core.init_plan import (
    InitResult,
    contact_like_tab,
    plan_init,
    wrong_tab_message,
)
from sheets_keepup.core.model import (
    SheetData,
)
from sheets_keepup.core.settings import Config


def init_sheet(
    backend: Backend,
    config: Config,
    today: dt.date,
    *,
    sample: bool = False,
    dry_run: bool = False,
) -> InitResult:
    """Set up the sheet the config names: one read and at most one write."""
    created = False
    workbook = backend.file_to_create()
    if workbook is not None:
        if dry_run:
            plan = plan_init(SheetData(tabs={}), config, today, sample=sample, dry_run=True)
            return InitResult(backend.describe(), plan, False, True)
        _new_workbook(workbook, config)
        created = True
    data = read_with_other_tabs(backend, config)
    plan = plan_init(data, config, today, sample=sample, dry_run=dry_run)
    written = bool(plan.changes) and not dry_run
    if written:
        backend.apply(plan.changes)
    return InitResult(backend.describe(), plan, written, dry_run, created)


def read_with_other_tabs(backend: Backend, config: Config) -> SheetData:
    """The contacts and log tabs; and every other tab too when the contacts tab is empty.

    A contacts tab that is missing or empty may mean the list is on a tab of another
    name: the other tabs are read (a second request on Google) so that the caller can
    say which one instead of setting up, or syncing, an empty list.
    """
    data = backend.read([config.tabs.contacts, config.tabs.log])
    tab = data.tabs.get(config.tabs.contacts)
    if tab is not None and any(v not in (None, "") for row in tab.rows for v in row):
        return data
    return _with_other_tabs(backend, config, data)


def _with_other_tabs(backend: Backend, config: Config, data: SheetData) -> SheetData:
    """`data` read again with every other tab of the sheet, when it has others."""
    wanted = [config.tabs.contacts, config.tabs.log]
    titles = list(data.titles) or backend.tab_titles()
    others = [t for t in titles if t not in wanted]
    if not others:
        return data
    # Read again with the others rather than only them: a backend writes from its last read.
    return backend.read([*wanted, *others])


def other_contacts_warning(backend: Backend, config: Config) -> str:
    """After a read of no contacts: the tab that holds some, and what to set; else "".

    Reads the other tabs only; call it after the last write of a run.
    """
    others = [t for t in backend.tab_titles() if t not in (config.tabs.contacts, config.tabs.log)]
    if not others:
        return ""
    found = contact_like_tab(backend.read(others), config)
    return "" if found is None else wrong_tab_message(config, found)


def _new_workbook(path: Path, config: Config) -> None:
    from sheets_keepup.backends.xlsx import write_new_workbook

    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise UserError(f"{path} is not an .xlsx path; name the workbook something.xlsx.")
    write_new_workbook(path, {config.tabs.contacts: []})
