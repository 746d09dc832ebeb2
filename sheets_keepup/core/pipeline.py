"""Plan one read of the sheet: parse, apply the rules, diff against what it shows. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from sheets_keepup.core.diff import diff_plan
from sheets_keepup.core.errors import DataError
from sheets_keepup.core.gcpause import gc_paused
from sheets_keepup.core.model import ChangeSet, Painted, Problem, SheetData, Tab, Upcoming
from sheets_keepup.core.parse import ContactSheet, LogSheet, contacts_tab, read_contacts, read_log
from sheets_keepup.core.planner import Plan, plan_followups
from sheets_keepup.core.settings import Config


@dataclass(frozen=True)
class PlannedSheet:
    """The result of planning one read: parsed contacts, the plan and the diff."""

    contacts: ContactSheet
    plan: Plan
    changes: ChangeSet

    @property
    def painted(self) -> Painted:
        """What the contact rows' colours will be once `changes` is written."""
        # The diff of a Contacts tab always records it; only other change sets lack one.
        assert self.changes.painted is not None
        return self.changes.painted


def plan_sheet(
    data: SheetData,
    config: Config,
    today: dt.date,
    painted: Painted | None = None,
    upcoming: Sequence[Upcoming] = (),
) -> PlannedSheet:
    """Plan and diff one read of the spreadsheet. Pure: no I/O.

    `painted` is what the previous write coloured, so that a change of highlight mode
    clears only the tool's own colours. `upcoming` are the calendar's meetings to come.
    """
    with gc_paused():
        tab = contacts_tab(data, config)
        contacts = read_contacts(tab, config, data.locale)
        log_tab = data.tabs.get(config.tabs.log)
        log_sheet = _read_log_or_report(log_tab, config, data.locale)
        plan = plan_followups(contacts, tab, log_sheet, config, today, upcoming)
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
