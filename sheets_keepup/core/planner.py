"""The rules: rows + config + today -> a plan of owned values, statuses and colours.

Pure and vectorised: no I/O, no clock, no printing. Every rule works on whole columns, so
planning 100,000 contacts costs a handful of pandas operations, not 100,000 loops.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sheets_keepup.core.cadence import parse_cadences
from sheets_keepup.core.dates import next_birthday
from sheets_keepup.core.distinct import factorize
from sheets_keepup.core.headers import cell_name
from sheets_keepup.core.logjoin import LogMatch, latest_of_kind, match_log, roll_up
from sheets_keepup.core.model import Problem, Tab, Upcoming
from sheets_keepup.core.parse import ContactSheet, LogSheet
from sheets_keepup.core.settings import Config, parse_month_day
from sheets_keepup.core.touches import ContactIndex

OVERDUE, DUE_SOON, OK, SNOOZED, CHECK = "overdue", "due soon", "ok", "snoozed", "check"
STATUSES = frozenset({OVERDUE, DUE_SOON, OK, SNOOZED, CHECK})
"""Every value the tool writes in the Status column."""
PICK_MARK = "★ This week: "
NAME_IN_TEXT = 80
"""Longest name quoted in an action; longer ones end in '...'."""
_CHECKED_FIELDS = (
    *("tier", "cadence", "last_contact", "last_in_person", "snooze_until", "birthday"),
    "connected",
)


@dataclass(frozen=True)
class Plan:
    """What each contact row should show, and what could not be read.

    `rows` is indexed by 0-based sheet row with columns name, next_action, due
    (datetime64, NaT for none), status, colour, priority and pick; `label` (the name,
    or "row 7") and `summary` (the action without email or Interests/Notes hooks) are
    what terminals and logs may show.

    `rule` (of dtype RULE) says which rule gave the Next action, and the dates its
    sentence quotes are columns too, for whoever words it again (the digest):
    last_contact, last_in_person, meeting and meeting_kind (the in-person meeting a
    thank-you is owed for) and next_birthday; datetime64, NaT where unknown.
    """

    today: dt.date
    rows: pd.DataFrame
    problems: list[Problem]

    def count(self, status: str) -> int:
        return int((self.rows["status"] == status).sum())

    @property
    def picks(self) -> pd.DataFrame:
        picked = self.rows[self.rows["pick"]]
        return picked.sort_values("priority", ascending=False, kind="stable")


@dataclass(frozen=True)
class _Touches:
    """What the Log tab adds per contact row."""

    last: pd.Series
    in_person: pd.Series
    meeting: pd.Series
    meeting_kind: pd.Series
    problems: list[Problem]
    birthday_note: pd.Series
    """The latest touch whose kind names a birthday (a birthday note)."""


def plan_followups(
    contacts: ContactSheet,
    tab: Tab,
    log: LogSheet | None,
    config: Config,
    today: dt.date,
    upcoming: Sequence[Upcoming] = (),
) -> Plan:
    """Apply the follow-up rules to every contact row.

    `upcoming` are meetings to come (from the calendar): the people they are with get
    no catch-up or in-person suggestion, and are no pick, until the day has passed.
    """
    f = contacts.frame
    today_ts = pd.Timestamp(today)
    tiers = _tier_columns(f, config)
    cadence_override, cadence_bad = parse_cadences(f["cadence_raw"])
    cadence = cadence_override.fillna(tiers["cadence"])
    match, log_problems = _match_log(log, f)
    touches = _roll_up_log(match, f, config, today, today)

    future = _future_dates(f, today)
    bad, cell_problems = _bad_cells(
        contacts, tab, tiers["bad"], cadence_bad, list(config.tiers), future
    )
    check = bad != ""
    snoozed = ~check & (f["snooze_until"] > today_ts)
    active = ~check & ~snoozed

    now = _assess(f, tiers, cadence, touches, config, today, active)
    _hold_for_meetings(now, meeting_soon(contacts, upcoming, today))
    # The week's picks are ranked as the sheet stood on Monday, so that they stay the
    # same all week: touches logged since then take a pick off the list, never add one.
    monday = today - dt.timedelta(days=today.weekday())
    before_monday = _roll_up_log(match, f, config, monday, monday - dt.timedelta(days=1))
    week = _assess(f, tiers, cadence, before_monday, config, monday, active)
    pick = _picks(
        week.priority,
        tiers["weight"],
        week.never,
        now.due_now | now.never,
        config.picks_per_week,
        config.picks_new_per_week,
    )
    # A pick done since Monday (a touch in the Log, the Done box) leaves the list, even
    # when its row is still due for something else (a thank-you after the coffee).
    pick &= ~(touches.last >= pd.Timestamp(monday))
    # People never spoken to stay neutral until the picks reach them.
    now.rules["never"] &= pick

    inputs = _RuleInputs(
        rules=now.rules[list(RULES)].to_numpy(dtype=bool),
        meeting=now.meeting.to_numpy(dtype="datetime64[ns]"),
        meeting_kind=touches.meeting_kind.tolist(),
        birthday=now.birthday.to_numpy(dtype="datetime64[ns]"),
        last_contact=now.last_contact.to_numpy(dtype="datetime64[ns]"),
        last_in_person=now.last_in_person.to_numpy(dtype="datetime64[ns]"),
        connected=f["connected"].to_numpy(dtype="datetime64[ns]"),
        email=f["email"].tolist(),
        phone=f["phone"].tolist(),
        interests=f["interests"].tolist(),
        notes=f["notes"].tolist(),
        today=today_ts,
    )
    label = _labels(f)
    names = _display_name(f)
    first = inputs.rules.argmax(axis=1)
    action, summary = _actions(inputs, first, names, label)
    any_rule = pd.Series(inputs.rules.any(axis=1), index=f.index)
    status, due = _status_and_due(now, inputs.rules, first, any_rule, active)
    status[snoozed], status[check] = SNOOZED, CHECK
    due[snoozed], due[check] = f["snooze_until"][snoozed], pd.NaT
    priority = _priority(status, due, tiers["weight"], today_ts, config)
    quiet = (snoozed | (status == OK)).to_numpy(dtype=bool)
    action = _final_texts(action, check.to_numpy(dtype=bool), bad, quiet, pick)
    summary = _final_texts(summary, check.to_numpy(dtype=bool), bad, quiet, pick)

    rows = pd.DataFrame(
        {
            "name": names,
            "next_action": action,
            "due": due.dt.normalize(),
            "status": status,
            "colour": status.map(_colour_map(config)),
            "priority": priority,
            "pick": pick,
            "label": label,
            "summary": summary,
            "rule": _rule_column(first, any_rule, snoozed, check),
            "last_contact": now.last_contact,
            "last_in_person": now.last_in_person,
            "meeting": now.meeting,
            "meeting_kind": touches.meeting_kind,
            "next_birthday": now.birthday,
        }
    )
    problems = [*contacts.problems, *cell_problems, *log_problems]
    return Plan(today=today, rows=rows, problems=problems)


def _final_texts(
    texts: pd.Series, check: np.ndarray, bad: pd.Series, quiet: np.ndarray, pick: pd.Series
) -> pd.Series:
    """The sentences as written: what to check where a cell is unreadable, nothing where
    snoozed or ok, and the picks marked. Set on a plain array: pandas would convert
    every text it sets through Arrow first."""
    final = texts.to_numpy(dtype=object).copy()
    final[check] = bad.to_numpy(dtype=object)[check]
    final[quiet] = ""
    picked = np.flatnonzero(pick.to_numpy(dtype=bool))
    final[picked] = [PICK_MARK + text for text in final[picked].tolist()]
    return pd.Series(final, index=texts.index, dtype=object)


FUTURE_SLACK = dt.timedelta(days=1)
"""A date this far past today is still today somewhere (the sheet's and the machine's
time zones may differ); later ones are in the future, which no contact date can be."""
_PAST_FIELDS = ("last_contact", "last_in_person", "connected")


def _future_dates(f: pd.DataFrame, today: dt.date) -> dict[str, np.ndarray]:
    """Per field that records something that happened: the rows dated in the future."""
    limit = pd.Timestamp(today + FUTURE_SLACK)
    return {name: (f[name] > limit).to_numpy(dtype=bool) for name in _PAST_FIELDS}


def meeting_soon(contacts: ContactSheet, upcoming: Sequence[Upcoming], today: dt.date) -> pd.Series:
    """Rows of someone the user meets today or later, as the calendar says."""
    rows: set[int] = set()
    if upcoming:
        index = ContactIndex.of_sheet(contacts)
        for meeting in upcoming:
            person = index.by_address(meeting.email) if meeting.email else None
            if person is None and meeting.name:
                person = index.by_name(meeting.name)
            if person is not None and meeting.day >= today:
                rows.add(person.row - 1)  # Person.row is the frame's index + 1
    return pd.Series(contacts.frame.index.isin(rows), index=contacts.frame.index)


def _hold_for_meetings(now: _Assessment, meeting: pd.Series) -> None:
    """No catch-up, coffee or first reach-out for someone the user is about to meet:
    the meeting is that. Birthdays and thank-yous still apply."""
    if not meeting.any():
        return
    for rule in ("in_person", "keep_in_touch", "never"):
        now.rules[rule] &= ~meeting
    now.overdue &= ~meeting
    now.never &= ~meeting
    now.due_now = now.overdue | now.rules[[r for r in RULES if r != "never"]].any(axis=1)


@dataclass
class _Assessment:
    """The rules as of one day: which apply, their due dates, and what they rest on."""

    day: pd.Timestamp
    rules: pd.DataFrame
    """Row x rule (RULES order): does the rule apply? `never` is every active row never
    spoken to; the caller keeps it only for the picks."""
    dues: pd.DataFrame
    kit_due: pd.Series
    ip_due: pd.Series
    overdue: pd.Series
    last_contact: pd.Series
    last_in_person: pd.Series
    meeting: pd.Series
    birthday: pd.Series
    never: pd.Series
    """Active rows with no conversation recorded (a Connected date is none)."""
    due_now: pd.Series
    """Active rows that some rule other than `never` makes due, or that are overdue."""
    priority: pd.Series
    """Priority as of the day, people never spoken to counted due that day."""


def _assess(
    f: pd.DataFrame,
    tiers: pd.DataFrame,
    cadence: pd.Series,
    touches: _Touches,
    config: Config,
    day: dt.date,
    active: pd.Series,
) -> _Assessment:
    """Which rules apply on `day`, and the due date and priority they give each row."""
    day_ts = pd.Timestamp(day)
    last_contact = _latest(f["last_contact"], touches.last, f["last_in_person"])
    last_in_person = _latest(f["last_in_person"], touches.in_person)
    meeting = touches.meeting.where(~(f["last_contact"] > touches.meeting))

    soon = day_ts + pd.Timedelta(days=config.rules.due_soon_days)
    kit_due = last_contact + pd.to_timedelta(cadence, unit="D")
    ip_due = last_in_person.fillna(last_contact) + pd.to_timedelta(tiers["in_person"], unit="D")
    birthday = next_birthday(f["birth_month"], f["birth_day"], day)
    lead = pd.Timedelta(days=config.rules.birthday_lead_days)
    noted = touches.birthday_note
    new_year_due = _new_year_due(config, day)
    never = active & last_contact.isna()
    rules = pd.DataFrame(
        {
            "thank_you": active & meeting.notna(),
            # A birthday note logged since the lead window opened (ticked in the Done
            # box, say) settles it; any other touch does not.
            "birthday": active & (birthday <= day_ts + lead) & ~(noted >= birthday - lead),
            "new_year": active
            & (new_year_due is not None)
            & tiers["new_year"]
            & ~(last_contact >= _new_year_start(config, day)),
            "in_person": active & (ip_due <= soon),
            "keep_in_touch": active & (kit_due <= soon),
            "never": never,
        }
    )
    # A person never spoken to is due by the Sunday of the week the picks reach them: the
    # same day all week (no Due rewritten every night, none shown as past due midweek).
    sunday = pd.Timestamp(day + dt.timedelta(days=6 - day.weekday()))
    dues = pd.DataFrame(
        {
            "thank_you": meeting + pd.Timedelta(days=config.rules.thank_you_days),
            "birthday": birthday,
            "new_year": pd.Series(
                pd.Timestamp(new_year_due) if new_year_due else pd.NaT, index=f.index
            ),
            "in_person": ip_due,
            "keep_in_touch": kit_due,
            "never": pd.Series(sunday, index=f.index),
        }
    )
    overdue = active & ((kit_due < day_ts) | (ip_due < day_ts))
    due_now = overdue | rules[[r for r in RULES if r != "never"]].any(axis=1)
    assessment = _Assessment(
        day=day_ts,
        rules=rules,
        dues=dues,
        kit_due=kit_due,
        ip_due=ip_due,
        overdue=overdue,
        last_contact=last_contact,
        last_in_person=last_in_person,
        meeting=meeting,
        birthday=birthday,
        never=never,
        due_now=due_now,
        priority=pd.Series(0.0, index=f.index),
    )
    matrix = rules[list(RULES)].to_numpy(dtype=bool)
    any_rule = pd.Series(matrix.any(axis=1), index=f.index)
    status, due = _status_and_due(assessment, matrix, matrix.argmax(axis=1), any_rule, active)
    assessment.priority = _priority(status, due, tiers["weight"], day_ts, config)
    return assessment


def _status_and_due(
    assessment: _Assessment,
    rules: np.ndarray,
    first: np.ndarray,
    any_rule: pd.Series,
    active: pd.Series,
) -> tuple[pd.Series, pd.Series]:
    """Status (overdue, due soon or ok) and the date it refers to, for active rows.

    Due is the first rule's due date, except on an overdue row: there it is the due date
    that has passed (in person before keep in touch, as the rules rank them), so a row is
    never marked overdue with a date still to come.
    """
    index = any_rule.index
    overdue = assessment.overdue
    due_soon = active & ~overdue & any_rule
    status = pd.Series(OK, index=index, dtype=object)
    status[due_soon], status[overdue] = DUE_SOON, OVERDUE
    dues = assessment.dues
    first_due = dues[list(RULES)].to_numpy(dtype="datetime64[ns]")[np.arange(len(index)), first]
    due = pd.Series(first_due, index=index).where(
        any_rule, pd.concat([assessment.kit_due, assessment.ip_due], axis=1).min(axis=1)
    )
    passed = assessment.ip_due.where(assessment.ip_due < assessment.day, assessment.kit_due)
    due[overdue] = passed[overdue]
    return status, due


def _tier_columns(f: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Per row: the tier key and whether it is unknown, and that tier's settings."""
    # No cell is None after fillna, so every code indexes one of the distinct values.
    codes, distinct = factorize(f["tier_raw"].fillna(""))
    keys = [str(t).strip().casefold() or config.default_tier.casefold() for t in distinct]
    new_year = config.rules.new_year
    new_year_tiers = {t.casefold() for t in new_year.tiers}
    known = [config.tiers.get(k) for k in keys]
    per_tier = {
        "key": np.array(keys, dtype=object),
        "bad": np.array([t is None for t in known], dtype=bool),
        "cadence": np.array([t.cadence_days if t else math.nan for t in known], dtype="float64"),
        "in_person": np.array(
            [(t.in_person_days or math.nan) if t else math.nan for t in known], dtype="float64"
        ),
        "weight": np.array([t.weight if t else 1.0 for t in known], dtype="float64"),
        "new_year": np.array([new_year.enabled and k in new_year_tiers for k in keys], dtype=bool),
    }
    # Series of their own dtype: a bare object array of text would be converted to Arrow.
    return pd.DataFrame(
        {
            name: pd.Series(values[codes], index=f.index, dtype=values.dtype)
            for name, values in per_tier.items()
        }
    )


def _latest(*columns: pd.Series) -> pd.Series:
    return pd.concat(columns, axis=1).max(axis=1)


def _new_year_start(config: Config, today: dt.date) -> pd.Timestamp:
    """The start of the greeting window that today is in (or the last one)."""
    month, day = parse_month_day(config.rules.new_year.start)
    start = pd.Timestamp(today.year, month, day)
    return start if start <= pd.Timestamp(today) else pd.Timestamp(today.year - 1, month, day)


def _new_year_due(config: Config, today: dt.date) -> dt.date | None:
    """The window's last day when today falls inside the new-year window, else None."""
    window = config.rules.new_year
    if not window.enabled:
        return None
    start = _new_year_start(config, today)
    end_month, end_day = parse_month_day(window.end)
    end = pd.Timestamp(start.year, end_month, end_day)
    if end < start:
        end = pd.Timestamp(start.year + 1, end_month, end_day)
    return end.date() if start <= pd.Timestamp(today) <= end else None


def _roll_up_log(
    match: LogMatch | None, f: pd.DataFrame, config: Config, today: dt.date, until: dt.date
) -> _Touches:
    """What the Log says of each contact as of `today`, counting touches up to `until`."""
    empty = pd.Series(pd.NaT, index=f.index, dtype="datetime64[ns]")
    if match is None:
        return _Touches(empty, empty, empty, pd.Series("", index=f.index, dtype=object), [], empty)
    since = pd.Timestamp(today) - pd.Timedelta(days=config.rules.thank_you_days)
    rolled = roll_up(
        match,
        len(f),
        frozenset(k.casefold() for k in config.rules.in_person_kinds),
        frozenset(k.casefold() for k in config.rules.thank_you_kinds),
        np.int64(since.value),
        np.int64(pd.Timestamp(until).value),
    )

    def dates(values: np.ndarray) -> pd.Series:
        return pd.Series(values.view("datetime64[ns]"), index=f.index)

    return _Touches(
        last=dates(rolled.last),
        in_person=dates(rolled.in_person),
        meeting=dates(rolled.meeting),
        meeting_kind=pd.Series(rolled.meeting_kind, index=f.index, dtype=object),
        problems=match.problems,
        birthday_note=dates(
            latest_of_kind(match, len(f), "birthday", np.int64(pd.Timestamp(until).value))
        ),
    )


def _match_log(log: LogSheet | None, f: pd.DataFrame) -> tuple[LogMatch | None, list[Problem]]:
    """The Log's touches matched to contacts (None when it has none), and its problems."""
    if log is None or log.frame.empty:
        return None, list(log.problems if log else [])
    match = match_log(log, f["email"].tolist(), f["name"].tolist())
    return match, match.problems


def _bad_cells(
    contacts: ContactSheet,
    tab: Tab,
    tier_bad: pd.Series,
    cadence_bad: pd.Series,
    tiers: list[str],
    future: dict[str, np.ndarray],
) -> tuple[pd.Series, list[Problem]]:
    """Per row, the sentence naming every unreadable cell ('' when all are fine), and one
    problem per unreadable cell (or per row without a name or email). A date in the
    future (`future`, per field) is as unusable as an unreadable one."""
    bad = contacts.bad
    reasons: dict[str, np.ndarray] = {
        "tier": np.where(tier_bad, f"is not a tier (use one of: {', '.join(tiers)})", ""),
        "cadence": np.where(
            cadence_bad, "is not a cadence I can read (use 45, 6 weeks or quarterly)", ""
        ),
        **{name: bad[name].to_numpy(dtype=object) for name in bad.columns},
    }
    for name, later in future.items():
        reasons[name] = np.where(
            later & (reasons[name] == ""),
            "is in the future; use the day it happened",
            reasons[name],
        )
    frame = contacts.frame
    nameless = ((frame["name"] == "") & (frame["email"] == "")).to_numpy()
    # Columns, not a row x field frame: a sheet has few bad rows and many good ones.
    flagged = nameless.copy()
    for field in _CHECKED_FIELDS:
        flagged |= reasons[field] != ""
    message = np.full(len(frame), "", dtype=object)
    problems: list[Problem] = []
    rows = frame.index
    # Only the flagged rows' reasons, as plain lists: no numpy scalar per look-up.
    at_flagged = np.flatnonzero(flagged)
    flagged_reasons = {field: reasons[field][at_flagged].tolist() for field in _CHECKED_FIELDS}
    flagged_rows = rows.to_numpy()[at_flagged].tolist()
    for k, (at, row) in enumerate(zip(at_flagged.tolist(), flagged_rows, strict=True)):
        parts = []
        if nameless[at]:
            parts.append("add a name or an email to this row")
            problems.append(Problem(contacts.tab, row, None, parts[-1]))
        for field in _CHECKED_FIELDS:
            reason = flagged_reasons[field][k]
            if reason:
                col = contacts.header.fields[field]
                header = _shorten(contacts.header_text(field, tab.rows))
                quoted = f"'{_shorten(contacts.raw_text(row, field))}' {reason!s}"
                parts.append(f"{header} ({cell_name(row, col)}) {quoted}")
                problems.append(Problem(contacts.tab, row, col, f"{header} {quoted}"))
        message[at] = "Check " + "; ".join(parts) + "."
    return pd.Series(message, index=rows, dtype=object), problems


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# Fixed English abbreviations: strftime("%b") would follow the machine's locale.
_MONTH_ABBR = (
    *("", "Jan", "Feb", "Mar", "Apr", "May", "Jun"),
    *("Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
)
_INTEREST_END = re.compile(r"[,;\n]")
_NOTE_END = re.compile(r"[.;\n]")
HOOK_LENGTH = 60


@functools.lru_cache(maxsize=4096)
def time_span(days: int) -> str:
    """Whole days as '1 day', '3 days', '5 weeks', '4 months', '2 years' (0 if negative)."""
    days = max(days, 0)
    if days < 14:
        amount, unit = days, "day"
    elif days < 60:
        amount, unit = days // 7, "week"
    elif days < 730:
        amount, unit = round(days / 30.4375), "month"
    else:
        amount, unit = days // 365, "year"
    return f"{amount} {unit}{'' if amount == 1 else 's'}"


def day_month(date: dt.date) -> str:
    """'2 Mar': how the sentences quote a date."""
    return f"{date.day} {_MONTH_ABBR[date.month]}"


def _day_month(dates: np.ndarray) -> list[str]:
    """'2 Mar' for each date."""
    moments = pd.DatetimeIndex(dates)
    return [
        f"{day} {_MONTH_ABBR[month]}"
        for day, month in zip(moments.day.tolist(), moments.month.tolist(), strict=True)
    ]


def _days_before(today: pd.Timestamp, dates: np.ndarray) -> list[int]:
    """Whole days from each date to today (0 for NaT, which no sentence quotes)."""
    gaps = (today - pd.DatetimeIndex(dates)).days
    days: list[int] = np.nan_to_num(gaps.to_numpy(dtype="float64")).astype("int64").tolist()
    return days


@functools.lru_cache(maxsize=4096)
def _hook(interests: str, notes: str) -> str:
    """A conversation opener from Interests, else Notes: '; ask about sailing'."""
    interest = _INTEREST_END.split(interests, maxsplit=1)[0].strip()[:HOOK_LENGTH]
    if interest:
        return f"; ask about {interest}"
    note = _NOTE_END.split(notes, maxsplit=1)[0].strip()[:HOOK_LENGTH]
    return f"; remember: {note}" if note else ""


def _labels(f: pd.DataFrame) -> pd.Series:
    """Each row's name, or "row 7" where it has none; only nameless rows are worded."""
    labels = f["name"].to_numpy(dtype=object).copy()
    nameless = np.flatnonzero(labels == "")
    rows = f.index.to_numpy()[nameless].tolist()
    labels[nameless] = [f"row {row + 1}" for row in rows]
    return pd.Series(labels, index=f.index, dtype=object)


def _display_name(f: pd.DataFrame) -> pd.Series:
    return f["name"].where(f["name"] != "", f["email"])


RULES = ("thank_you", "birthday", "new_year", "in_person", "keep_in_touch", "never")
"""The rules in order of precedence: the first that applies gives the Next action."""
NO_RULE = "none"
RULE = pd.CategoricalDtype([*RULES, SNOOZED, CHECK, NO_RULE])
"""The plan's `rule` column: the rule that gave the Next action (in RULES order), else
why no rule did: the row is snoozed, has a cell to check, or nothing is due."""


def _rule_column(
    first: np.ndarray, any_rule: pd.Series, snoozed: pd.Series, check: pd.Series
) -> pd.Series:
    """Each row's RULE: the first rule that applies, else snoozed, check or none."""
    keys = list(RULE.categories)
    codes = np.where(any_rule.to_numpy(), first, keys.index(NO_RULE))
    codes[snoozed.to_numpy()] = keys.index(SNOOZED)
    codes[check.to_numpy()] = keys.index(CHECK)
    return pd.Series(pd.Categorical.from_codes(codes, dtype=RULE), index=any_rule.index)


@dataclass(frozen=True)
class _RuleInputs:
    """What the sentences quote, as arrays in row order."""

    rules: np.ndarray
    """Row x rule (in RULES order): does the rule apply?"""
    meeting: np.ndarray
    meeting_kind: list[str]
    birthday: np.ndarray
    last_contact: np.ndarray
    last_in_person: np.ndarray
    connected: np.ndarray
    email: list[str]
    phone: list[str]
    interests: list[str]
    notes: list[str]
    today: pd.Timestamp


def _rule_texts(
    inputs: _RuleInputs, first: np.ndarray, wanted: np.ndarray, names: list[str], *, hooks: bool
) -> np.ndarray:
    """Each `wanted` row's sentence for its first rule ('' elsewhere and where none applies).

    One f-string per sentence, only for the rows whose first rule it is: the other rules
    that apply are only named ("Also: ..."), never worded.
    """
    texts = np.full(len(first), "", dtype=object)

    def rows_of(rule: str) -> list[int]:
        col = RULES.index(rule)
        return np.flatnonzero(wanted & (first == col) & inputs.rules[:, col]).tolist()

    def name(i: int) -> str:
        # A name can be a whole pasted paragraph; the sentence must still fit in a cell
        # (Sheets refuses a write holding a cell over 50,000 characters, xlsx cuts at 32,767).
        return _shorten(names[i], NAME_IN_TEXT)

    at = rows_of("thank_you")
    days = _day_month(inputs.meeting[at])
    texts[at] = [
        f"Send {name(i)} a thank-you for the {inputs.meeting_kind[i] or 'meeting'} on {day}."
        for i, day in zip(at, days, strict=True)
    ]
    at = rows_of("birthday")
    days = _day_month(inputs.birthday[at])
    is_today = (inputs.birthday[at] == inputs.today.to_datetime64()).tolist()
    texts[at] = [
        f"Birthday {'today' if now else 'on ' + day}: send {name(i)} a note."
        for i, day, now in zip(at, days, is_today, strict=True)
    ]
    at = rows_of("new_year")
    texts[at] = [f"Send {name(i)} a new-year note." for i in at]
    at = rows_of("in_person")
    met = inputs.last_in_person[at]
    texts[at] = [
        f"Suggest coffee or lunch with {name(i)} ("
        + (
            f"last met in person {time_span(days)} ago"
            if known
            else "no in-person meeting recorded"
        )
        + ")."
        for i, days, known in zip(
            at, _days_before(inputs.today, met), (~np.isnat(met)).tolist(), strict=True
        )
    ]
    at = rows_of("keep_in_touch")
    texts[at] = [
        f"{_verb(inputs.email[i], inputs.phone[i])}{name(i)}: last spoke {time_span(days)} ago"
        + (_hook(inputs.interests[i], inputs.notes[i]) if hooks else "")
        + "."
        for i, days in zip(at, _days_before(inputs.today, inputs.last_contact[at]), strict=True)
    ]
    at = rows_of("never")
    connected = inputs.connected[at]
    texts[at] = [
        f"Reach out to {name(i)}: "
        + (
            f"connected {time_span(days)} ago, no conversation recorded yet"
            if known
            else "no last contact recorded"
        )
        + " (add the date if you have been in touch)."
        for i, days, known in zip(
            at, _days_before(inputs.today, connected), (~np.isnat(connected)).tolist(), strict=True
        )
    ]
    return texts


def _verb(email: str, phone: str) -> str:
    return "Email " if email else "Call " if phone else "Reach out to "


_SHORT = {
    "birthday": "birthday coming up",
    "new_year": "new-year note",
    "in_person": "suggest meeting in person",
    "keep_in_touch": "catch up",
}


def _also(rules: np.ndarray, first: np.ndarray) -> dict[int, str]:
    """' Also: ...' for each row where more than the first rule applies."""
    also = {}
    for i in np.flatnonzero(rules.sum(axis=1) > 1).tolist():
        lead = RULES[first[i]]
        labels = [
            label
            for rule, label in _SHORT.items()
            if rules[i, RULES.index(rule)]
            and rule != lead
            # keep_in_touch after in_person says the same thing twice; skip it.
            and not (rule == "keep_in_touch" and lead == "in_person")
        ]
        if labels:
            also[i] = f" Also: {', '.join(labels)}."
    return also


def _actions(
    inputs: _RuleInputs, first: np.ndarray, names: pd.Series, label: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """The Next action of every row, and the same sentence for terminals and logs (the
    summary: no email for a nameless row, no hook from Interests or Notes).

    `first` is each row's first rule that applies (its position in RULES)."""
    also = _also(inputs.rules, first)
    everyone = np.ones(len(first), dtype=bool)
    texts = _rule_texts(inputs, first, everyone, names.tolist(), hooks=True)
    # The summary differs only where the name shown is not the label (no name: the
    # action quotes the email) or where a catch-up carries a hook.
    labels = label.tolist()
    differs = names.to_numpy(dtype=object) != label.to_numpy(dtype=object)
    catch_up = np.flatnonzero(first == RULES.index("keep_in_touch")).tolist()
    differs[catch_up] |= np.array(
        [bool(_hook(inputs.interests[i], inputs.notes[i])) for i in catch_up], dtype=bool
    )
    summary = texts.copy()
    summary[differs] = _rule_texts(inputs, first, differs, labels, hooks=False)[differs]
    return (
        pd.Series(_primary(texts, also), index=names.index, dtype=object),
        pd.Series(_primary(summary, also), index=names.index, dtype=object),
    )


def _primary(texts: np.ndarray, also: dict[int, str]) -> np.ndarray:
    """Each row's first rule's sentence, plus 'Also: ...' for the others."""
    action: np.ndarray = texts.copy()
    for i, extra in also.items():
        action[i] += extra
    return action


def _priority(
    status: pd.Series, due: pd.Series, weight: pd.Series, today: pd.Timestamp, config: Config
) -> pd.Series:
    """Tier weight x how far past due, shifted so that due-soon rows still rank."""
    days_past = (today - due).dt.days.fillna(0)
    score = weight * (days_past + config.rules.due_soon_days + 1).clip(lower=1)
    priority: pd.Series = score.where(status.isin([OVERDUE, DUE_SOON]), 0.0).astype("float64")
    return priority


def _picks(
    priority: pd.Series,
    weight: pd.Series,
    new: pd.Series,
    due: pd.Series,
    count: int,
    new_count: int,
) -> pd.Series:
    """The week's picks: the top `count` rows by `priority` (ties: heavier tier, then
    sheet order), at most `new_count` of them `new`, kept only where `due` still holds.

    `priority` and `new` are as of the week's Monday, so the same rows rank first all
    week; a pick done or snoozed since then leaves the list without a replacement.
    """
    ranked = pd.DataFrame({"p": priority, "w": weight, "r": priority.index, "n": new})
    ranked = ranked[ranked["p"] > 0].sort_values(["p", "w", "r"], ascending=[False, False, True])
    # Newcomers beyond the cap give way; they come back in later weeks, a few at a time.
    newcomer = ranked["n"].to_numpy(dtype=bool)
    allowed = ~newcomer | (np.cumsum(newcomer) <= new_count)
    chosen = ranked.index[allowed][:count]
    pick = pd.Series(False, index=priority.index)
    pick[chosen] = True
    return pick & due


def _colour_map(config: Config) -> dict[str, str]:
    colours = config.colours
    return {
        OVERDUE: colours.overdue,
        DUE_SOON: colours.due_soon,
        OK: colours.ok,
        SNOOZED: colours.snoozed,
        CHECK: colours.check,
    }
