"""The rules: rows + config + today -> a plan of owned values, statuses and colours.

Pure and vectorised: no I/O, no clock, no printing. Every rule works on whole columns, so
planning 100,000 contacts costs a handful of pandas operations, not 100,000 loops.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sheets_keepup.core.cadence import parse_cadences
from sheets_keepup.core.dates import next_birthday
from sheets_keepup.core.distinct import factorize
from sheets_keepup.core.headers import cell_name, normalise_header, normalise_headers
from sheets_keepup.core.model import Problem, Tab
from sheets_keepup.core.parse import ContactSheet, LogSheet
from sheets_keepup.core.settings import Config, parse_month_day

OVERDUE, DUE_SOON, OK, SNOOZED, CHECK = "overdue", "due soon", "ok", "snoozed", "check"
STATUSES = frozenset({OVERDUE, DUE_SOON, OK, SNOOZED, CHECK})
"""Every value the tool writes in the Status column."""
PICK_MARK = "★ This week: "
NAME_IN_TEXT = 80
"""Longest name quoted in an action; longer ones end in '...'."""
_CHECKED_FIELDS = ("tier", "cadence", "last_contact", "last_in_person", "snooze_until", "birthday")


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


def plan_followups(
    contacts: ContactSheet, tab: Tab, log: LogSheet | None, config: Config, today: dt.date
) -> Plan:
    """Apply the follow-up rules to every contact row."""
    f = contacts.frame
    today_ts = pd.Timestamp(today)
    tiers = _tier_columns(f, config)
    cadence_override, cadence_bad = parse_cadences(f["cadence_raw"])
    cadence = cadence_override.fillna(tiers["cadence"])
    touches = _roll_up_log(log, f, config, today_ts)

    last_contact = _latest(f["last_contact"], touches.last, f["last_in_person"])
    last_in_person = _latest(f["last_in_person"], touches.in_person)
    meeting = touches.meeting.where(~(f["last_contact"] > touches.meeting))

    soon = today_ts + pd.Timedelta(days=config.rules.due_soon_days)
    kit_due = last_contact + pd.to_timedelta(cadence, unit="D")
    ip_due = last_in_person.fillna(last_contact) + pd.to_timedelta(tiers["in_person"], unit="D")
    birthday = next_birthday(f["birth_month"], f["birth_day"], today)
    new_year_due = _new_year_due(config, today)

    bad, cell_problems = _bad_cells(contacts, tab, tiers["bad"], cadence_bad, list(config.tiers))
    check = bad != ""
    snoozed = ~check & (f["snooze_until"] > today_ts)
    active = ~check & ~snoozed

    rules = pd.DataFrame(
        {
            "thank_you": active & meeting.notna(),
            "birthday": active
            & (birthday <= today_ts + pd.Timedelta(days=config.rules.birthday_lead_days)),
            "new_year": active
            & (new_year_due is not None)
            & tiers["new_year"]
            & ~(last_contact >= _new_year_start(config, today)),
            "in_person": active & (ip_due <= soon),
            "keep_in_touch": active & (kit_due <= soon),
            "never": active & last_contact.isna(),
        }
    )
    dues = pd.DataFrame(
        {
            "thank_you": meeting + pd.Timedelta(days=config.rules.thank_you_days),
            "birthday": birthday,
            "new_year": pd.Series(
                pd.Timestamp(new_year_due) if new_year_due else pd.NaT, index=f.index
            ),
            "in_person": ip_due,
            "keep_in_touch": kit_due,
            "never": pd.Series(today_ts, index=f.index),
        }
    )
    inputs = _RuleInputs(
        rules=rules[list(RULES)].to_numpy(dtype=bool),
        meeting=meeting.to_numpy(dtype="datetime64[ns]"),
        meeting_kind=touches.meeting_kind.tolist(),
        birthday=birthday.to_numpy(dtype="datetime64[ns]"),
        last_contact=last_contact.to_numpy(dtype="datetime64[ns]"),
        last_in_person=last_in_person.to_numpy(dtype="datetime64[ns]"),
        email=f["email"].tolist(),
        phone=f["phone"].tolist(),
        interests=f["interests"].tolist(),
        notes=f["notes"].tolist(),
        today=today_ts,
    )
    label = pd.Series(
        [name or f"row {row + 1}" for row, name in zip(f.index, f["name"], strict=True)],
        index=f.index,
        dtype=object,
    )
    names = _display_name(f)
    first = inputs.rules.argmax(axis=1)
    action, summary = _actions(inputs, first, names, label)
    any_rule = pd.Series(inputs.rules.any(axis=1), index=f.index)
    first_due = dues[list(RULES)].to_numpy(dtype="datetime64[ns]")[np.arange(len(f)), first]

    overdue = active & ((kit_due < today_ts) | (ip_due < today_ts))
    due_soon = active & ~overdue & any_rule
    status = pd.Series(OK, index=f.index, dtype=object)
    status[due_soon], status[overdue] = DUE_SOON, OVERDUE
    status[snoozed], status[check] = SNOOZED, CHECK

    due = pd.Series(first_due, index=f.index).where(
        any_rule, pd.concat([kit_due, ip_due], axis=1).min(axis=1)
    )
    due[snoozed], due[check] = f["snooze_until"][snoozed], pd.NaT
    action[check] = summary[check] = bad[check]
    action[snoozed | (status == OK)] = summary[snoozed | (status == OK)] = ""

    priority = _priority(status, due, tiers["weight"], today_ts, config)
    pick = _picks(priority, tiers["weight"], config.picks_per_week)
    action[pick] = PICK_MARK + action[pick]
    summary[pick] = PICK_MARK + summary[pick]

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
            "last_contact": last_contact,
            "last_in_person": last_in_person,
            "meeting": meeting,
            "meeting_kind": touches.meeting_kind,
            "next_birthday": birthday,
        }
    )
    problems = [*contacts.problems, *cell_problems, *touches.problems]
    return Plan(today=today, rows=rows, problems=problems)


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
    return pd.DataFrame({name: values[codes] for name, values in per_tier.items()}, index=f.index)


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


def _match_who(who: list[str], f: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Contact row of each distinct Who (NaN when none), and which Whos name several people.

    An email matches first; otherwise the normalised name, when exactly one row has it.
    """
    # Plain dicts built by zip (a later duplicate email wins): one hash lookup per Who
    # beats aligning pandas indexes here.
    emails = [e.casefold() for e in f["email"].tolist()]
    email_row = dict(zip(emails, f.index.tolist(), strict=True))
    email_row.pop("", None)
    folded = [w.casefold() for w in who]
    row = np.array([email_row.get(w, math.nan) for w in folded], dtype="float64")
    ambiguous = np.zeros(len(who), dtype=bool)
    by_name = np.flatnonzero(np.isnan(row)).tolist()
    if by_name:
        names = normalise_headers(f["name"])
        named = names[names != ""]
        several = named.duplicated(keep=False).to_numpy()
        name_row = dict(zip(named[~several].tolist(), named.index[~several].tolist(), strict=True))
        shared = set(named[several].tolist())
        keys = [normalise_header(who[i]) for i in by_name]
        ambiguous[by_name] = [key in shared for key in keys]
        row[by_name] = [name_row.get(key, math.nan) for key in keys]
    return row, ambiguous


def _roll_up_log(
    log: LogSheet | None, f: pd.DataFrame, config: Config, today: pd.Timestamp
) -> _Touches:
    empty = pd.Series(pd.NaT, index=f.index, dtype="datetime64[ns]")
    if log is None or log.frame.empty:
        return _Touches(
            empty, empty, empty, pd.Series("", index=f.index), list(log.problems if log else [])
        )
    entries = log.frame.copy()
    # A log names the same people again and again: match each distinct Who once.
    codes, distinct = pd.factorize(entries["who"])
    who_row, who_ambiguous = _match_who(distinct.tolist(), f)
    row = pd.Series(who_row[codes], index=entries.index)
    ambiguous = pd.Series(who_ambiguous[codes], index=entries.index)
    problems = list(log.problems)
    for index in entries.index[row.isna()].tolist():
        # The cell is named, not quoted: it may hold an email, which summaries never show.
        why = (
            "matches several contacts; write their email instead"
            if ambiguous[index]
            else "matches no contact's name or email"
        )
        problems.append(Problem(log.tab, index, log.who_col, why))
    entries["row"] = row
    entries = entries[row.notna() & (entries["date"] <= today)]
    entries["row"] = entries["row"].astype("int64")
    last = entries.groupby("row")["date"].max()
    in_person_kinds = {k.casefold() for k in config.rules.in_person_kinds}
    meetings = entries[entries["kind"].isin(in_person_kinds)]
    last_meeting = meetings.groupby("row")["date"].max()
    meeting_kind = meetings.sort_values("date", kind="stable").groupby("row")["kind"].last()
    recent = last_meeting[last_meeting >= today - pd.Timedelta(days=config.rules.thank_you_days)]
    thanks_kinds = {k.casefold() for k in config.rules.thank_you_kinds}
    joined = entries.join(recent.rename("meeting"), on="row", how="inner")
    followed = (joined["date"] > joined["meeting"]) | (
        joined["kind"].isin(thanks_kinds) & (joined["date"] >= joined["meeting"])
    )
    owed = recent[~recent.index.isin(joined.loc[followed, "row"].unique())]
    return _Touches(
        last=last.reindex(f.index),
        in_person=last_meeting.reindex(f.index),
        meeting=owed.reindex(f.index),
        meeting_kind=meeting_kind.reindex(f.index).fillna(""),
        problems=problems,
    )


def _bad_cells(
    contacts: ContactSheet,
    tab: Tab,
    tier_bad: pd.Series,
    cadence_bad: pd.Series,
    tiers: list[str],
) -> tuple[pd.Series, list[Problem]]:
    """Per row, the sentence naming every unreadable cell ('' when all are fine), and one
    problem per unreadable cell (or per row without a name or email)."""
    bad = contacts.bad
    reasons: dict[str, np.ndarray] = {
        "tier": np.where(tier_bad, f"is not a tier (use one of: {', '.join(tiers)})", ""),
        "cadence": np.where(
            cadence_bad, "is not a cadence I can read (use 45, 6 weeks or quarterly)", ""
        ),
        **{name: bad[name].to_numpy(dtype=object) for name in bad.columns},
    }
    frame = contacts.frame
    nameless = ((frame["name"] == "") & (frame["email"] == "")).to_numpy()
    # Columns, not a row x field frame: a sheet has few bad rows and many good ones.
    flagged = nameless.copy()
    for field in _CHECKED_FIELDS:
        flagged |= reasons[field] != ""
    message = np.full(len(frame), "", dtype=object)
    problems: list[Problem] = []
    rows = frame.index
    for at in np.flatnonzero(flagged).tolist():
        row = int(rows[at])
        parts = []
        if nameless[at]:
            parts.append("add a name or an email to this row")
            problems.append(Problem(contacts.tab, row, None, parts[-1]))
        for field in _CHECKED_FIELDS:
            reason = reasons[field][at]
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


def _hook(interests: str, notes: str) -> str:
    """A conversation opener from Interests, else Notes: '; ask about sailing'."""
    interest = _INTEREST_END.split(interests, maxsplit=1)[0].strip()[:HOOK_LENGTH]
    if interest:
        return f"; ask about {interest}"
    note = _NOTE_END.split(notes, maxsplit=1)[0].strip()[:HOOK_LENGTH]
    return f"; remember: {note}" if note else ""


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
    email: list[str]
    phone: list[str]
    interests: list[str]
    notes: list[str]
    today: pd.Timestamp


def _rule_texts(inputs: _RuleInputs, names: list[str], *, hooks: bool) -> np.ndarray:
    """Row x rule: the sentence where the rule applies ('' elsewhere).

    One f-string per sentence, only for the rows a rule applies to: formatting rows in
    Python is faster than concatenating whole object columns in pandas.
    """
    texts = np.full(inputs.rules.shape, "", dtype=object)
    # A name can be a whole pasted paragraph; the sentence must still fit in a cell
    # (Sheets refuses a write holding a cell over 50,000 characters, xlsx cuts at 32,767).
    name = [_shorten(text, NAME_IN_TEXT) for text in names]

    def rows_of(rule: str) -> tuple[int, list[int]]:
        col = RULES.index(rule)
        return col, np.flatnonzero(inputs.rules[:, col]).tolist()

    col, at = rows_of("thank_you")
    days = _day_month(inputs.meeting[at])
    texts[at, col] = [
        f"Send {name[i]} a thank-you for the {inputs.meeting_kind[i] or 'meeting'} on {day}."
        for i, day in zip(at, days, strict=True)
    ]
    col, at = rows_of("birthday")
    days = _day_month(inputs.birthday[at])
    is_today = (inputs.birthday[at] == inputs.today.to_datetime64()).tolist()
    texts[at, col] = [
        f"Birthday {'today' if now else 'on ' + day}: send {name[i]} a note."
        for i, day, now in zip(at, days, is_today, strict=True)
    ]
    col, at = rows_of("new_year")
    texts[at, col] = [f"Send {name[i]} a new-year note." for i in at]
    col, at = rows_of("in_person")
    met = inputs.last_in_person[at]
    texts[at, col] = [
        f"Suggest coffee or lunch with {name[i]} ("
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
    col, at = rows_of("keep_in_touch")
    texts[at, col] = [
        f"{_verb(inputs.email[i], inputs.phone[i])}{name[i]}: last spoke {time_span(days)} ago"
        + (_hook(inputs.interests[i], inputs.notes[i]) if hooks else "")
        + "."
        for i, days in zip(at, _days_before(inputs.today, inputs.last_contact[at]), strict=True)
    ]
    col, at = rows_of("never")
    texts[at, col] = [
        f"Reach out to {name[i]}: no last contact recorded"
        " (add the date if you have been in touch)."
        for i in at
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
    texts = _rule_texts(inputs, names.tolist(), hooks=True)
    private_free = _rule_texts(inputs, label.tolist(), hooks=False)
    return (
        pd.Series(_primary(texts, first, also), index=names.index, dtype=object),
        pd.Series(_primary(private_free, first, also), index=names.index, dtype=object),
    )


def _primary(texts: np.ndarray, first: np.ndarray, also: dict[int, str]) -> np.ndarray:
    """The first matching rule's sentence, plus 'Also: ...' for the others."""
    action: np.ndarray = texts[np.arange(len(texts)), first]
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


def _picks(priority: pd.Series, weight: pd.Series, count: int) -> pd.Series:
    """The top `count` rows by priority (ties: heavier tier, then sheet order)."""
    ranked = pd.DataFrame({"p": priority, "w": weight, "r": priority.index})
    ranked = ranked[ranked["p"] > 0].sort_values(["p", "w", "r"], ascending=[False, False, True])
    pick = pd.Series(False, index=priority.index)
    pick[ranked.index[:count]] = True
    return pick


def _colour_map(config: Config) -> dict[str, str]:
    colours = config.colours
    return {
        OVERDUE: colours.overdue,
        DUE_SOON: colours.due_soon,
        OK: colours.ok,
        SNOOZED: colours.snoozed,
        CHECK: colours.check,
    }
