"""The health tab: a small tool-owned tab saying when the sheet was last synced, and how.

It reads as a table under a bold frozen header: what, its value, and for the sync and
the next run their day as a real date cell and their time in the configured timezone.

It is fully rewritten (one ChangeSet with `replace` and `create_tab`) but only when its
content changed apart from the times, so a sync that finds nothing to change costs no
write at all, and a sync that changes contacts carries it in the same write. Its
"Updated" row says when it was last written; `sheets-keepup status` shows the last run.

Example::

    report = HealthReport.of_plan(plan, synced_at=now, timezone="Europe/London",
                                  next_run=next_run)
    if health_due(memo, report, config.health.tab):
        backend.apply(health_changes(report, config.health.tab))
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sheets_keepup.core.digest import cells_of, fit_widths
from sheets_keepup.core.model import ChangeSet, Problem, TabSetup, WriteValue
from sheets_keepup.core.planner import DUE_SOON, OVERDUE, Plan

PROBLEM_REFS = 5
MESSAGE_LIMIT = 200
WHAT, VALUE, DATE, TIME = range(4)
WIDTH_CAPS = {WHAT: 200, VALUE: 420, DATE: 110, TIME: 200}
"""The widest each column gets, in pixels; a longer value (a failure) wraps."""
WRAPPED = (VALUE, TIME)
# The label column is not wrapped: the closing note sits in it and runs over the empty
# cells to its right.
LAYOUT = 3
"""Bumped when the tab's layout changes, so that the next sync rewrites it."""
HEADER_ROW = 0
HEADERS = ("What", "Value", "Date", "Time")
LEGACY_HEADER_ROW = 0
LEGACY_HEADERS = ("sheets-keepup", "This tab is rewritten after each sync; edits here are lost.")
"""The first row the tab had before this layout (versions that did not mark their tabs):
what tells a health tab an older version wrote from a tab of the user's."""


@dataclass(frozen=True)
class HealthReport:
    """What the health tab shows about one sync."""

    synced_at: dt.datetime
    timezone: str
    ok: bool
    message: str = ""
    rows: int = 0
    overdue: int = 0
    due_soon: int = 0
    problems: int = 0
    problem_refs: tuple[str, ...] = ()
    next_run: dt.datetime | None = None
    digest: str = ""

    @classmethod
    def of_plan(
        cls,
        plan: Plan,
        *,
        synced_at: dt.datetime,
        timezone: str,
        next_run: dt.datetime | None,
        digest: str = "",
    ) -> HealthReport:
        """The report of a sync that completed with `plan`."""
        return cls(
            synced_at=synced_at,
            timezone=timezone,
            ok=True,
            rows=len(plan.rows),
            overdue=plan.count(OVERDUE),
            due_soon=plan.count(DUE_SOON),
            problems=len(plan.problems),
            problem_refs=problem_refs(plan.problems),
            next_run=next_run,
            digest=digest,
        )

    @classmethod
    def of_failure(
        cls,
        error: BaseException,
        *,
        synced_at: dt.datetime,
        timezone: str,
        next_run: dt.datetime | None,
    ) -> HealthReport:
        """The report of a sync that stopped with `error`."""
        message = " ".join(str(error).split())
        if len(message) > MESSAGE_LIMIT:
            message = message[: MESSAGE_LIMIT - 3] + "..."
        return cls(
            synced_at=synced_at, timezone=timezone, ok=False, message=message, next_run=next_run
        )

    def local(self, moment: dt.datetime) -> str:
        """`moment` as 'YYYY-MM-DD HH:MM Zone' in the configured timezone."""
        return local_time(moment, self.timezone)

    def local_date(self) -> dt.date:
        """The day of the sync in the configured timezone."""
        return self.synced_at.astimezone(ZoneInfo(self.timezone)).date()


def local_time(moment: dt.datetime, timezone: str) -> str:
    """An aware `moment` as 'YYYY-MM-DD HH:MM Europe/London' in `timezone`."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M ") + timezone


def problem_refs(problems: Sequence[Problem], limit: int = PROBLEM_REFS) -> tuple[str, ...]:
    """Where the first few problems are ("'Contacts'!F7"), never what the cells hold."""
    refs: list[str] = []
    for problem in problems:
        if problem.where not in refs:
            refs.append(problem.where)
    if len(refs) > limit:
        return (*refs[:limit], f"and {len(refs) - limit} more")
    return tuple(refs)


def _stable_rows(report: HealthReport) -> list[list[WriteValue]]:
    """The rows between the two times: they do not change with the clock alone."""
    rows: list[list[WriteValue]] = []
    if report.ok:
        rows += [
            ["Contacts", report.rows],
            ["Overdue", report.overdue],
            ["Due soon", report.due_soon],
            ["Problems", report.problems],
            ["Problem cells", ", ".join(report.problem_refs) or "none"],
        ]
    if report.digest:
        rows.append(["Weekly digest", report.digest])
    return rows


def _result(report: HealthReport) -> str:
    return "ok" if report.ok else f"failed: {report.message}"


def health_rows(report: HealthReport) -> list[list[WriteValue]]:
    """The tab's content, row by row: the header, then one row per fact, then a note."""
    if report.next_run is None:
        next_run: list[WriteValue] = ["Next scheduled run", "not scheduled"]
    else:
        next_run = ["Next scheduled run", None, *_day_and_time(report.next_run, report.timezone)]
    return [
        list(HEADERS),
        ["Updated", _result(report), *_day_and_time(report.synced_at, report.timezone)],
        *_stable_rows(report),
        next_run,
        [],
        ["sheets-keepup rewrites this tab when what it shows changes; edits here are lost."],
    ]


def _day_and_time(moment: dt.datetime, timezone: str) -> tuple[dt.date, str]:
    """The local day as a date cell, and the local time with its zone as text: the
    backends write dates, not times of day."""
    local = moment.astimezone(ZoneInfo(timezone))
    return local.date(), f"{local:%H:%M} {timezone}"


def fingerprint(report: HealthReport) -> str:
    """A digest of the tab's content apart from the sync and next-run times (whether a
    next run is known at all is content)."""
    stable = [LAYOUT, _result(report), report.next_run is None, *_stable_rows(report)]
    text = json.dumps(stable, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def health_changes(report: HealthReport, tab: str) -> ChangeSet:
    """One write that creates the tab if needed and replaces all of it."""
    rows = health_rows(report)
    # The note is left out of the sizing: it runs over the empty cells beside it.
    table = rows[:-2]
    setup = TabSetup(
        frozen_rows=1,
        bold_rows=1,
        first_row=1,
        date_columns=(DATE,),
        widths=fit_widths(table, WIDTH_CAPS, bold=[True]),
        wrap_columns=WRAPPED,
    )
    return ChangeSet(tab=tab, cells=cells_of(rows), create_tab=True, replace=True, setup=setup)


def health_due(last: Mapping[str, Any] | None, report: HealthReport, tab: str) -> bool:
    """Whether the tab needs writing, given what was `last` written (see module doc)."""
    if not last:
        return True
    return last.get("fingerprint") != fingerprint(report) or last.get("tab") != tab


def health_memo(report: HealthReport, tab: str) -> dict[str, str]:
    """What to remember about a health write, for the next `health_due`."""
    memo = {
        "fingerprint": fingerprint(report),
        "date": report.local_date().isoformat(),
        "tab": tab,
    }
    if report.next_run is not None:
        memo["next_run"] = report.next_run.isoformat()
    return memo
