"""The rules: rows + config + today -> a plan of owned values, statuses and colours.

Pure and vectorised: no I/O, no clock, no printing. Every rule works on whole columns, so
planning 100,000 contacts costs a handful of pandas operations, not 100,000 loops.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sheets_keepup.cadence import parse_cadences
from sheets_keepup.config import Config, parse_month_day
from sheets_keepup.dates import next_birthday
from sheets_keepup.headers import cell_name, normalise_header, normalise_headers
from sheets_keepup.model import Problem, Tab
from sheets_keepup.sheet import ContactSheet, LogSheet

OVERDUE, DUE_SOON, OK, SNOOZED, CHECK = "overdue", "due soon", "ok", "snoozed", "check"
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
    details = (rules, meeting, touches.meeting_kind, birthday, last_contact, last_in_person)
    texts = _rule_texts(f, _display_name(f), *details, today_ts, hooks=True)
    # The same sentences for terminals and logs: no email for a nameless row, no hook
    # from Interests or Notes.
    label = f["name"].where(f["name"] != "", "row " + (f.index.to_series() + 1).astype(str))
    private_free = _rule_texts(f, label, *details, today_ts, hooks=False)

    overdue = active & ((kit_due < today_ts) | (ip_due < today_ts))
    due_soon = active & ~overdue & rules.any(axis=1)
    status = pd.Series(OK, index=f.index, dtype=object)
    status[due_soon], status[overdue] = DUE_SOON, OVERDUE
    status[snoozed], status[check] = SNOOZED, CHECK

    first_rule = rules.idxmax(axis=1).where(rules.any(axis=1))
    action, due = _primary(texts, dues, first_rule, rules)
    summary, _ = _primary(private_free, dues, first_rule, rules)
    due = due.where(rules.any(axis=1), pd.concat([kit_due, ip_due], axis=1).min(axis=1))
    due[snoozed], due[check] = f["snooze_until"][snoozed], pd.NaT
    action[check] = summary[check] = bad[check]
    action[snoozed | (status == OK)] = summary[snoozed | (status == OK)] = ""

    priority = _priority(status, due, tiers["weight"], today_ts, config)
    pick = _picks(priority, tiers["weight"], config.picks_per_week)
    action[pick] = PICK_MARK + action[pick]
    summary[pick] = PICK_MARK + summary[pick]

    rows = pd.DataFrame(
        {
            "name": _display_name(f),
            "next_action": action,
            "due": due.dt.normalize(),
            "status": status,
            "colour": status.map(_colour_map(config)),
            "priority": priority,
            "pick": pick,
            "label": label,
            "summary": summary,
        }
    )
    problems = [*contacts.problems, *cell_problems, *touches.problems]
    return Plan(today=today, rows=rows, problems=problems)


def _tier_columns(f: pd.DataFrame, config: Config) -> pd.DataFrame:
    key = f["tier_raw"].str.strip().str.casefold()
    key = key.where(key != "", config.default_tier.casefold())
    tiers = config.tiers
    new_year_tiers = {t.casefold() for t in config.rules.new_year.tiers}
    return pd.DataFrame(
        {
            "key": key,
            "bad": ~key.isin(list(tiers)),
            "cadence": key.map({k: float(t.cadence_days) for k, t in tiers.items()}),
            "in_person": key.map(
                {k: float(t.in_person_days or "nan") for k, t in tiers.items()}
            ).astype("float64"),
            "weight": key.map({k: t.weight for k, t in tiers.items()}).fillna(1.0),
            "new_year": key.isin(new_year_tiers) & config.rules.new_year.enabled,
        },
        index=f.index,
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


def _match_who(who: list[str], f: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Contact row of each distinct Who (NaN when none), and which Whos name several people.

    An email matches first; otherwise the normalised name, when exactly one row has it.
    """
    rows = f.index.tolist()
    # Plain dicts: one hash lookup per Who beats aligning pandas indexes here.
    email_row = {e.casefold(): r for r, e in zip(rows, f["email"].tolist(), strict=True) if e}
    row = np.full(len(who), np.nan)
    ambiguous = np.zeros(len(who), dtype=bool)
    by_name = []
    for i, text in enumerate(who):
        found = email_row.get(text.casefold())
        if found is None:
            by_name.append(i)
        else:
            row[i] = found
    if by_name:
        name_row: dict[str, int] = {}
        several: set[str] = set()
        for r, name in zip(rows, normalise_headers(f["name"]).tolist(), strict=True):
            if name and name_row.setdefault(name, r) != r:
                several.add(name)
        for i in by_name:
            key = normalise_header(who[i])
            ambiguous[i] = key in several
            if not ambiguous[i]:
                row[i] = name_row.get(key, np.nan)
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
    reasons = contacts.bad.copy()
    reasons["tier"] = np.where(tier_bad, f"is not a tier (use one of: {', '.join(tiers)})", "")
    reasons["cadence"] = np.where(
        cadence_bad, "is not a cadence I can read (use 45, 6 weeks or quarterly)", ""
    )
    nameless = (contacts.frame["name"] == "") & (contacts.frame["email"] == "")
    message = pd.Series("", index=reasons.index, dtype=object)
    problems: list[Problem] = []
    for row in reasons.index[(reasons != "").any(axis=1) | nameless]:
        parts = []
        if nameless[row]:
            parts.append("add a name or an email to this row")
            problems.append(Problem(contacts.tab, int(row), None, parts[-1]))
        for field in _CHECKED_FIELDS:
            reason = reasons.at[row, field]
            if reason:
                col = contacts.header.fields[field]
                header = _shorten(contacts.header_text(field, tab.rows))
                quoted = f"'{_shorten(contacts.raw_text(int(row), field))}' {reason!s}"
                parts.append(f"{header} ({cell_name(int(row), col)}) {quoted}")
                problems.append(Problem(contacts.tab, int(row), col, f"{header} {quoted}"))
        message[row] = "Check " + "; ".join(parts) + "."
    return message, problems


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _ago(days: pd.Series) -> pd.Series:
    """Whole days as '3 days', '5 weeks', '4 months', '2 years'."""
    d = days.fillna(0).astype("int64").clip(lower=0)
    amount = np.select(
        [d < 14, d < 60, d < 730], [d, d // 7, (d / 30.4375).round().astype("int64")], d // 365
    )
    unit = np.select([d < 14, d < 60, d < 730], ["day", "week", "month"], "year")
    amount_s = pd.Series(amount, index=days.index).astype(str)
    plural = np.where(amount == 1, "", "s")
    return amount_s + " " + pd.Series(unit, index=days.index) + plural


def _day_month(dates: pd.Series) -> pd.Series:
    """'2 Mar' for each date (only call on the rows that need it)."""
    text: pd.Series = dates.dt.day.astype("Int64").astype(str) + " " + dates.dt.strftime("%b")
    return text


def _hook(f: pd.DataFrame) -> pd.Series:
    """A conversation opener from Interests, else Notes: '; ask about sailing'."""
    interest = f["interests"].str.split(r"[,;\n]", n=1, regex=True).str[0].str.strip()
    note = f["notes"].str.split(r"[.;\n]", n=1, regex=True).str[0].str.strip()
    interest, note = interest.str.slice(0, 60), note.str.slice(0, 60)
    hook = pd.Series("", index=f.index, dtype=object)
    hook[note != ""] = "; remember: " + note[note != ""]
    hook[interest != ""] = "; ask about " + interest[interest != ""]
    return hook


def _display_name(f: pd.DataFrame) -> pd.Series:
    return f["name"].where(f["name"] != "", f["email"])


def _rule_texts(
    f: pd.DataFrame,
    names: pd.Series,
    rules: pd.DataFrame,
    meeting: pd.Series,
    meeting_kind: pd.Series,
    birthday: pd.Series,
    last_contact: pd.Series,
    last_in_person: pd.Series,
    today: pd.Timestamp,
    *,
    hooks: bool,
) -> pd.DataFrame:
    """Sentences per rule for the rows where that rule applies ('' elsewhere)."""
    # A name can be a whole pasted paragraph; the sentence must still fit in a cell
    # (Sheets refuses a write holding a cell over 50,000 characters, xlsx cuts at 32,767).
    name = names.map(lambda text: _shorten(text, NAME_IN_TEXT))
    texts = pd.DataFrame("", index=f.index, columns=rules.columns, dtype=object)
    rows = rules["thank_you"]
    if rows.any():
        kind = meeting_kind[rows].where(meeting_kind[rows] != "", "meeting")
        texts.loc[rows, "thank_you"] = (
            "Send "
            + name[rows]
            + " a thank-you for the "
            + kind
            + " on "
            + _day_month(meeting[rows])
            + "."
        )
    rows = rules["birthday"]
    if rows.any():
        when = "on " + _day_month(birthday[rows])
        when = when.where(birthday[rows] != today, "today")
        texts.loc[rows, "birthday"] = "Birthday " + when + ": send " + name[rows] + " a note."
    rows = rules["new_year"]
    texts.loc[rows, "new_year"] = "Send " + name[rows] + " a new-year note."
    rows = rules["in_person"]
    if rows.any():
        met = "last met in person " + _ago((today - last_in_person[rows]).dt.days) + " ago"
        met = met.where(last_in_person[rows].notna(), "no in-person meeting recorded")
        texts.loc[rows, "in_person"] = (
            "Suggest coffee or lunch with " + name[rows] + " (" + met + ")."
        )
    rows = rules["keep_in_touch"]
    if rows.any():
        verb = pd.Series("Reach out to ", index=f.index[rows], dtype=object)
        verb[f.loc[rows, "phone"] != ""] = "Call "
        verb[f.loc[rows, "email"] != ""] = "Email "
        ago = _ago((today - last_contact[rows]).dt.days)
        hook = _hook(f[rows]) if hooks else ""
        texts.loc[rows, "keep_in_touch"] = (
            verb + name[rows] + ": last spoke " + ago + " ago" + hook + "."
        )
    rows = rules["never"]
    texts.loc[rows, "never"] = (
        "Reach out to "
        + name[rows]
        + ": no last contact recorded (add the date if you have been in touch)."
    )
    return texts


_SHORT = {
    "birthday": "birthday coming up",
    "new_year": "new-year note",
    "in_person": "suggest meeting in person",
    "keep_in_touch": "catch up",
}


def _primary(
    texts: pd.DataFrame, dues: pd.DataFrame, first_rule: pd.Series, rules: pd.DataFrame
) -> tuple[pd.Series, pd.Series]:
    """The first matching rule's sentence and due date, plus 'Also: ...' for the others."""
    action = pd.Series("", index=texts.index, dtype=object)
    due = pd.Series(pd.NaT, index=texts.index, dtype="datetime64[ns]")
    for rule in texts.columns:
        rows = first_rule == rule
        action[rows] = texts.loc[rows, rule]
        due[rows] = dues.loc[rows, rule]
    extras = pd.Series("", index=texts.index, dtype=object)
    for rule, label in _SHORT.items():
        rows = rules[rule] & (first_rule != rule)
        # keep_in_touch after in_person says the same thing twice; skip it.
        if rule == "keep_in_touch":
            rows &= first_rule != "in_person"
        extras[rows] = extras[rows] + np.where(extras[rows] == "", "", ", ") + label
    has_extra = extras != ""
    action[has_extra] = action[has_extra] + " Also: " + extras[has_extra] + "."
    return action, due


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
