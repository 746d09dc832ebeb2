"""The Done box: a tick the user sets becomes a Log row, cleared in the sync's own write.

A sync runs `take_done` on what it read, before planning. Every ticked Done cell of a
contact row becomes one Log row (today, who, the kind the row's Next action named),
added to the Log *as read*, so the plan of that same sync already counts the touch.
`with_done` then puts the Log rows to append and the cleared ticks into the plan's
change set: one write carries both, or neither lands (see docs/touches.md for the one
Google case where the Log row can land alone, and `PendingTick` for why a retry, on any
day, never logs it twice).

Nothing the user typed changes: the Log is how the fact is kept, and only the tool's
own Done column (created and marked by a sync) is ever read for ticks or written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sheets_keepup.core.diff import DONE_KEY
from sheets_keepup.core.errors import DataError
from sheets_keepup.core.headers import FIELD_ALIASES, HeaderMap, build_alias_index, map_headers
from sheets_keepup.core.model import (
    CellValue,
    CellWrite,
    ChangeSet,
    Identity,
    Painted,
    Previous,
    Problem,
    SheetData,
    Tab,
    TabSetup,
    Upcoming,
)
from sheets_keepup.core.parse import ContactSheet, contacts_tab, read_contacts
from sheets_keepup.core.pipeline import PlannedSheet, plan_sheet
from sheets_keepup.core.planner import PICK_MARK
from sheets_keepup.core.settings import Config
from sheets_keepup.core.touches import MatchResult, Touch, plan_touches
from sheets_keepup.core.touchlog import Person

TICKS = frozenset({"true", "x", "✓", "✔", "☑", "yes", "y", "1", "done"})
"""What a ticked cell may hold, case-folded: a checkbox's TRUE, or what people type in a
workbook without the dropdown."""
SOURCE = "done:"
"""Prefix of the source id of a tick's touch (the sheet row follows)."""
GENERIC_KIND = "touch"
"""The kind logged when the row's Next action named nothing (an "ok" row ticked anyway):
a contact, not a meeting."""

# The lead sentence of each Next action the planner writes, as the user saw it. The text
# in the cell is what was carried out, even when today's plan would say something else
# (the thank-you window closed overnight, a birthday came into view).
_ACTIONS = (
    (re.compile(r"^send .+ a thank-you for the "), "thank_you"),
    (re.compile(r"^birthday (?:today|on [^:]+): send "), "birthday"),
    (re.compile(r"^send .+ a new-year note\."), "new_year"),
    (re.compile(r"^suggest coffee or lunch with "), "in_person"),
    (re.compile(r"^email .+: last spoke "), "email"),
    (re.compile(r"^call .+: last spoke "), "call"),
    (re.compile(r"^reach out to .+: "), "reach_out"),
)


@dataclass(frozen=True)
class PendingTick:
    """A tick a write took in whose clearing is not known to have landed: the day its
    Log row was dated, who (name and email as read, case-folded) and the kind.

    The app keeps these between syncs. On Google the Log row and the cleared tick go
    out in two requests; if only the first lands, the tick is still there next time and
    this record says it was already logged, on that day: the next sync, whatever day it
    runs, clears the tick and adds no second row.
    """

    day: dt.date
    name: str
    email: str
    kind: str


@dataclass(frozen=True)
class TakenTick:
    """One tick taken in: its sheet row (0-based), who (a name, or "row 7"), the kind."""

    row: int
    label: str
    kind: str
    logged: bool
    """False when the Log already held this touch (a write that half landed before): only
    the tick is cleared."""
    pending: PendingTick | None = None
    """What to remember until the write that clears this tick is known to have landed."""


@dataclass(frozen=True)
class DoneStep:
    """What the Done box adds to one sync."""

    data: SheetData
    """The read, its Log holding the new rows: what the planner reads."""
    ticks: tuple[TakenTick, ...] = ()
    clears: tuple[CellWrite, ...] = ()
    log: ChangeSet | None = None
    """The Log rows to append (None: nothing new)."""
    before: Mapping[tuple[int, int], CellValue] = dataclasses.field(default_factory=dict)
    """The cleared cells as read, for the snapshot."""
    repair: bool = False
    """The tick boxes must be set again: a cell was typed or pasted over, or rows are new."""
    problems: tuple[Problem, ...] = ()


def is_ticked(value: CellValue) -> bool:
    """A Done cell counts as ticked: TRUE, 1, or text such as "x", "✓" or "yes"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value == 1
    return isinstance(value, str) and value.strip().casefold() in TICKS


def action_kind(text: str, config: Config, *, email: str = "", phone: str = "") -> str | None:
    """The Log kind a Next action names ("email", "coffee", "thank-you"...); None when the
    text is none of the planner's actions (empty, a "Check ..." message, hand-edited).

    >>> action_kind("★ This week: Email Ann: last spoke 4 months ago.", config)  # doctest: +SKIP
    'email'
    """
    lead = text.strip().removeprefix(PICK_MARK).strip().casefold()
    for pattern, rule in _ACTIONS:
        if pattern.match(lead):
            return rule_kind(rule, config, email=email, phone=phone)
    return None


def rule_kind(rule: str, config: Config, *, email: str = "", phone: str = "") -> str | None:
    """The Log kind for a planner rule (`core.planner.RULES`), or for a verb read from an
    action; None for rows no rule applies to."""
    if rule == "thank_you":
        # The planner settles an owed thank-you only with one of the configured kinds.
        return _first(config.rules.thank_you_kinds, "thank-you")
    if rule == "in_person":
        kinds = [k.strip().casefold() for k in config.rules.in_person_kinds]
        return "coffee" if "coffee" in kinds else _first(kinds, "coffee")
    fixed = {
        "birthday": "birthday note",
        "new_year": "new-year note",
        "email": "email",
        "call": "call",
        "reach_out": "message",
    }
    if rule in fixed:
        return fixed[rule]
    if rule in ("keep_in_touch", "never"):
        return "email" if email else "call" if phone else "message"
    return None


def _first(kinds: Sequence[str], fallback: str) -> str:
    folded = [k.strip().casefold() for k in kinds if k.strip()]
    return folded[0] if folded else fallback


def take_done(
    data: SheetData, config: Config, today: dt.date, pending: Sequence[PendingTick] = ()
) -> DoneStep:
    """The ticks of the read's Done column as Log rows, and the cells that clear them.

    Only the tool's own (marked) Done column is read, and only contact rows count. A tick
    whose touch the Log already holds (same day, person and kind) is cleared without a
    second row; `pending` (ticks taken by a write whose clearing did not land) gives the
    day a still-ticked row was logged on. Pure; raises nothing the planning of the same
    read would not.
    """
    header = _header(data, config)
    if header is None:
        return DoneStep(data)
    tab, found = header
    col = found.owned.get(DONE_KEY)
    if col is None or col not in tab.owned_columns:
        return DoneStep(data)
    below = range(found.row + 1, len(tab.rows))
    ticked = [row for row in below if is_ticked(tab.value(row, col))]
    repair = _needs_boxes(tab, found, col)
    if not ticked:
        return DoneStep(data, repair=repair)
    contacts = read_contacts(tab, config, data.locale)
    rows = [row for row in ticked if row in contacts.frame.index]
    if not rows:
        return DoneStep(data, repair=repair)
    kinds = _kinds(data, contacts, tab, found, rows, config, today)
    days = {row: _logged_day(contacts, row, kinds[row], pending) or today for row in rows}
    touches = [
        (_person(contacts, row), Touch(days[row], kinds[row], (), (), f"{SOURCE}{row}"))
        for row in rows
    ]
    log_tab = data.tabs.get(config.tabs.log)
    planned = plan_touches(
        contacts, log_tab, MatchResult(tuple(touches)), config, today, locale=data.locale
    )
    new = {int(r.source_id.removeprefix(SOURCE)) for r in planned.rows}
    done = [int(s.removeprefix(SOURCE)) for s in planned.logged_sources]
    clears = tuple(CellWrite(row, col, _cleared(tab.value(row, col))) for row in sorted(done))
    problems = tuple(
        Problem(
            tab.title,
            row,
            col,
            "is ticked, but this row has no name of its own and no email, so a Log row "
            "could not say who; add an email and the next sync takes the tick in",
        )
        for row in rows
        if row not in done
    )
    taken = tuple(
        TakenTick(
            row,
            _label(contacts, row),
            kinds[row],
            row in new,
            PendingTick(days[row], *_who(contacts, row), kinds[row]),
        )
        for row in sorted(done)
    )
    return DoneStep(
        data=_with_log_rows(data, config, log_tab, planned.changes),
        ticks=taken,
        clears=clears,
        log=planned.changes,
        before={(c.row, c.col): tab.value(c.row, c.col) for c in clears},
        repair=repair,
        problems=problems,
    )


def _header(data: SheetData, config: Config) -> tuple[Tab, HeaderMap] | None:
    """The Contacts tab and its header; None when planning will say what is wrong."""
    if not config.columns.owned.done:
        return None
    try:
        tab = contacts_tab(data, config)
        index = build_alias_index(FIELD_ALIASES, config.columns.aliases)
        owned = config.columns.owned.model_dump()
        return tab, map_headers(tab.rows, index, owned, ["name"], tab.title)
    except DataError:
        return None


def _needs_boxes(tab: Tab, header: HeaderMap, col: int) -> bool:
    """Whether the tick boxes must be set again on the Done column.

    A value that is no checkbox's (text typed or pasted over it) means the cell lost its
    box; a row with a name or email and no Status yet is new, and may lie below the rows
    the boxes were set on. Either way the boxes go out with a write that changes the
    sheet anyway, never in a request of their own.
    """
    status = header.owned.get("status")
    who = [c for c in (header.fields.get("name"), header.fields.get("email")) if c is not None]
    for row in range(header.row + 1, len(tab.rows)):
        value = tab.value(row, col)
        if value is not None and not isinstance(value, bool):
            return True
        new_row = status is not None and _blank(tab.value(row, status))
        if new_row and any(not _blank(tab.value(row, c)) for c in who):
            return True
    return False


def _blank(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cleared(value: CellValue) -> bool | None:
    """A checkbox is unticked (FALSE); a typed tick ("x") is emptied, ready for the next."""
    return False if isinstance(value, bool) else None


def _kinds(
    data: SheetData,
    contacts: ContactSheet,
    tab: Tab,
    header: HeaderMap,
    rows: Sequence[int],
    config: Config,
    today: dt.date,
) -> dict[int, str]:
    """The kind of each ticked row: from its Next action as the user saw it; failing that
    (a hand-edited cell), from the rule today's plan of the same read gives the row."""
    frame = contacts.frame
    col = header.owned.get("next_action")
    kinds: dict[int, str | None] = {}
    for row in rows:
        text = tab.value(row, col) if col is not None else None
        kinds[row] = action_kind(
            text if isinstance(text, str) else "",
            config,
            email=str(frame.at[row, "email"]),
            phone=str(frame.at[row, "phone"]),
        )
    unknown = [row for row, kind in kinds.items() if kind is None]
    if unknown:
        rule = plan_sheet(data, config, today).plan.rows["rule"]
        for row in unknown:
            kinds[row] = rule_kind(
                str(rule.at[row]),
                config,
                email=str(frame.at[row, "email"]),
                phone=str(frame.at[row, "phone"]),
            )
    return {row: kind or GENERIC_KIND for row, kind in kinds.items()}


def _who(contacts: ContactSheet, row: int) -> tuple[str, str]:
    frame = contacts.frame
    return (
        str(frame.at[row, "name"]).strip().casefold(),
        str(frame.at[row, "email"]).strip().casefold(),
    )


def _logged_day(
    contacts: ContactSheet, row: int, kind: str, pending: Sequence[PendingTick]
) -> dt.date | None:
    """The day an earlier write logged this row's tick, when its clearing did not land."""
    name, email = _who(contacts, row)
    days = [p.day for p in pending if (p.name, p.email, p.kind) == (name, email, kind)]
    return max(days, default=None)


def _person(contacts: ContactSheet, row: int) -> Person:
    frame = contacts.frame
    return Person(row + 1, str(frame.at[row, "name"]), str(frame.at[row, "email"]))


def _label(contacts: ContactSheet, row: int) -> str:
    """Who, as summaries may show it: the name, never an email."""
    name = str(contacts.frame.at[row, "name"])
    return name or f"row {row + 1}"


def _with_log_rows(
    data: SheetData, config: Config, log_tab: Tab | None, append: ChangeSet | None
) -> SheetData:
    """The read with the Log as it will be once `append` is written."""
    if append is None:
        return data
    lines = [list(line) for line in append.appends]
    if append.create_tab or log_tab is None:
        # A missing or empty Log is written whole: its header row, then the new rows.
        rows: list[list[CellValue]] = [*lines]
        tab = Tab(append.tab, rows) if log_tab is None else dataclasses.replace(log_tab, rows=rows)
    else:
        kept = [list(r) for r in log_tab.rows]
        while kept and all(_blank(v) for v in kept[-1]):
            kept.pop()
        tab = dataclasses.replace(log_tab, rows=[*kept, *lines])
    return dataclasses.replace(data, tabs={**data.tabs, config.tabs.log: tab})


def with_done(planned: PlannedSheet, step: DoneStep, tab: Tab) -> PlannedSheet:
    """The plan's change set with the Done box's part: ticks cleared, Log rows appended
    in the same write, tick boxes set where the column is new or lost some."""
    changes = planned.changes
    col = changes.owned_columns.get(DONE_KEY)
    # Boxes lost or missing ride on a write that goes out anyway: a quiet night with a
    # pasted-over cell must stay a night without a write.
    carried = bool(changes or step.clears or step.log)
    boxes = col is not None and (col in changes.mark_columns or (step.repair and carried))
    if not (step.clears or step.log or boxes or step.problems):
        return planned
    setup = changes.setup
    if boxes and col is not None:
        first = planned.contacts.header.row + 1
        setup = (
            TabSetup(first_row=first, checkboxes=(col,))
            if setup is None
            else dataclasses.replace(setup, checkboxes=(*setup.checkboxes, col))
        )
    previous = changes.previous or Previous()
    merged = dataclasses.replace(
        changes,
        cells=[*changes.cells, *step.clears],
        extra_tabs=[*changes.extra_tabs, *([step.log] if step.log else [])],
        setup=setup,
        identity=_identity(changes.identity, tab, step.clears),
        previous=Previous({**previous.values, **step.before}, previous.background),
    )
    plan = dataclasses.replace(planned.plan, problems=[*planned.plan.problems, *step.problems])
    return dataclasses.replace(planned, plan=plan, changes=merged)


def _identity(identity: Identity | None, tab: Tab, clears: Sequence[CellWrite]) -> Identity | None:
    """The rows a write checks for who is on them, now with the rows whose tick it clears."""
    if identity is None or not clears:
        return identity
    cols = [c for c in (identity.name_col, identity.email_col) if c is not None]
    width = max(cols, default=-1) + 1
    rows = dict(identity.rows)
    for cell in clears:
        rows[cell.row] = identity.of([tab.value(cell.row, c) for c in range(width)])
    return dataclasses.replace(identity, rows=rows)


def plan_with_done(
    data: SheetData,
    config: Config,
    today: dt.date,
    painted: Painted | None = None,
    upcoming: Sequence[Upcoming] = (),
    pending: Sequence[PendingTick] = (),
) -> tuple[PlannedSheet, DoneStep]:
    """Take the Done box in, then plan the read as the Log will be: what a sync writes.

    >>> planned, step = plan_with_done(data, config, date.today())  # doctest: +SKIP
    >>> [(t.label, t.kind) for t in step.ticks]  # doctest: +SKIP
    [('Ann', 'email')]
    """
    step = take_done(data, config, today, pending)
    planned = plan_sheet(step.data, config, today, painted, upcoming)
    return with_done(planned, step, contacts_tab(data, config)), step
