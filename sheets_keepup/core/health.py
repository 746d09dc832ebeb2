"""The health tab: a small tool-owned tab saying when the sheet was last synced, and how.

It is fully rewritten (one ChangeSet with `replace` and `create_tab`) but only when its
content changed apart from the sync time, or when it was last written on an earlier
day. So a sync that finds nothing to change costs no write at all, except the first
one of each day, which refreshes "Last sync" with one small write.

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

from sheets_keepup.core.digest import cells_of
from sheets_keepup.core.model import ChangeSet, Problem, WriteValue
from sheets_keepup.core.planner import DUE_SOON, OVERDUE, Plan

PROBLEM_REFS = 5
MESSAGE_LIMIT = 200


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
    """The rows that do not change with the clock alone."""
    result = "ok" if report.ok else f"failed: {report.message}"
    rows: list[list[WriteValue]] = [["Result", result]]
    if report.ok:
        rows += [
            ["Contacts", str(report.rows)],
            ["Overdue", str(report.overdue)],
            ["Due soon", str(report.due_soon)],
            ["Problems", str(report.problems)],
            ["Problem cells", ", ".join(report.problem_refs) or "none"],
        ]
    if report.digest:
        rows.append(["Weekly digest", report.digest])
    return rows


def health_rows(report: HealthReport) -> list[list[WriteValue]]:
    """The tab's content, row by row."""
    next_run = report.local(report.next_run) if report.next_run else "not scheduled"
    return [
        ["sheets-keepup", "This tab is rewritten after each sync; edits here are lost."],
        ["Last sync", report.local(report.synced_at)],
        *_stable_rows(report),
        ["Next scheduled run", next_run],
    ]


def fingerprint(report: HealthReport) -> str:
    """A digest of the tab's content apart from the sync and next-run times."""
    text = json.dumps(_stable_rows(report), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def health_changes(report: HealthReport, tab: str) -> ChangeSet:
    """One write that creates the tab if needed and replaces all of it."""
    return ChangeSet(tab=tab, cells=cells_of(health_rows(report)), create_tab=True, replace=True)


def health_due(last: Mapping[str, Any] | None, report: HealthReport, tab: str) -> bool:
    """Whether the tab needs writing, given what was `last` written (see module doc)."""
    if not last:
        return True
    return (
        last.get("fingerprint") != fingerprint(report)
        or last.get("date") != report.local_date().isoformat()
        or last.get("tab") != tab
    )


def health_memo(report: HealthReport, tab: str) -> dict[str, str]:
    """What to remember about a health write, for the next `health_due`."""
    return {
        "fingerprint": fingerprint(report),
        "date": report.local_date().isoformat(),
        "tab": tab,
    }
