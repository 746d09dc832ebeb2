"""Set a sheet up: create the workbook if needed, then one read and at most one write."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sheets_keepup.backends import Backend
from sheets_keepup.core.errors import UserError
from sheets_keepup.core.init_plan import InitResult, plan_init
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
            plan = plan_init(SheetData(tabs={}), config, today, sample=sample)
            return InitResult(backend.describe(), plan, False, True)
        _new_workbook(workbook, config)
        created = True
    data = backend.read([config.tabs.contacts, config.tabs.log])
    plan = plan_init(data, config, today, sample=sample)
    written = bool(plan.changes) and not dry_run
    if written:
        backend.apply(plan.changes)
    return InitResult(backend.describe(), plan, written, dry_run, created)


def _new_workbook(path: Path, config: Config) -> None:
    from sheets_keepup.backends.xlsx import write_new_workbook

    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise UserError(f"{path} is not an .xlsx path; name the workbook something.xlsx.")
    write_new_workbook(path, {config.tabs.contacts: []})
