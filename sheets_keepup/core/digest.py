"""The week's digest: the top picks with why, how to reach them, and coming birthdays.

`build_digest` is pure (plan + contacts -> `Digest`); `digest_changes` turns a digest into
one ChangeSet that fully rewrites the tool-owned "This week" tab; `render_text` and
`render_html` give the same content for a terminal or an email.

Example::

    data = backend.read([config.tabs.contacts, config.tabs.log])
    planned = plan_sheet(data, config, today)
    digest = build_digest(planned.plan, planned.contacts, config, today)
    backend.apply(digest_changes(digest, config.digest.tab, now))
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sheets_keepup.core.dates import next_birthday
from sheets_keepup.core.model import CellWrite, ChangeSet, WriteValue
from sheets_keepup.core.parse import ContactSheet
from sheets_keepup.core.planner import (
    DUE_SOON,
    OVERDUE,
    PICK_MARK,
    Plan,
    day_month,
    time_span,
)
from sheets_keepup.core.settings import Config

PICK_HEADERS = ("Pick", "Who", "Why now", "Next action", "Due", "Email", "Phone", "Hook")
BIRTHDAY_HEADERS = ("Who", "Birthday", "Email", "Phone")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
HOOK_LIMIT = 80


@dataclass(frozen=True)
class DigestPick:
    """One of the week's picks and everything needed to act on it."""

    name: str
    why: str
    action: str
    due: dt.date | None
    email: str
    phone: str
    hook: str


@dataclass(frozen=True)
class DigestBirthday:
    """A birthday coming up within the digest's horizon."""

    name: str
    date: dt.date
    days: int
    email: str
    phone: str


@dataclass(frozen=True)
class Digest:
    """What the weekly tab and email say."""

    today: dt.date
    picks: tuple[DigestPick, ...]
    birthdays: tuple[DigestBirthday, ...]
    birthday_days: int

    @property
    def title(self) -> str:
        return f"This week: {_long_date(self.today)}"

    @property
    def subject(self) -> str:
        who = f"{len(self.picks)} to contact" if self.picks else "nobody due"
        return f"Keep in touch this week ({_long_date(self.today)}): {who}"


def week_start(today: dt.date, digest_day: str) -> dt.date:
    """The latest `digest_day` (e.g. "monday") on or before `today`."""
    offset = (today.weekday() - WEEKDAYS.index(digest_day)) % 7
    return today - dt.timedelta(days=offset)


def build_digest(plan: Plan, contacts: ContactSheet, config: Config, today: dt.date) -> Digest:
    """The picks (top N of the plan, best first) and birthdays in the next days."""
    frame = contacts.frame
    picks = []
    for row, item in zip(plan.picks.index.tolist(), plan.picks.to_dict("records"), strict=True):
        due = None if pd.isna(item["due"]) else pd.Timestamp(item["due"]).date()
        action = str(item["next_action"]).removeprefix(PICK_MARK)
        picks.append(
            DigestPick(
                name=str(item["name"]),
                why=explain(RuleFacts.of(item), str(item["status"]), due, today),
                action=action,
                due=due,
                email=_at(frame, row, "email"),
                phone=_at(frame, row, "phone"),
                hook=hook_of(_at(frame, row, "interests"), _at(frame, row, "notes")),
            )
        )
    return Digest(
        today=today,
        picks=tuple(picks),
        birthdays=tuple(_birthdays(plan, contacts, today, config.digest.birthday_days)),
        birthday_days=config.digest.birthday_days,
    )


def _at(frame: pd.DataFrame, row: int, field: str) -> str:
    if field not in frame.columns or row not in frame.index:
        return ""
    value: object = frame.at[row, field]
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def _birthdays(
    plan: Plan, contacts: ContactSheet, today: dt.date, days: int
) -> list[DigestBirthday]:
    frame = contacts.frame
    upcoming = next_birthday(frame["birth_month"], frame["birth_day"], today)
    horizon = pd.Timestamp(today) + pd.Timedelta(days=days)
    soon = upcoming[upcoming.notna() & (upcoming <= horizon)].sort_values(kind="stable")
    names = plan.rows["name"] if "name" in plan.rows else frame["name"]
    found = []
    for row, when in zip(soon.index.tolist(), soon.tolist(), strict=True):
        date = pd.Timestamp(when).date()
        name = str(names.get(row, "")) or _at(frame, row, "email")
        if not name:
            continue
        found.append(
            DigestBirthday(
                name=name,
                date=date,
                days=(date - today).days,
                email=_at(frame, row, "email"),
                phone=_at(frame, row, "phone"),
            )
        )
    return found


@dataclass(frozen=True)
class RuleFacts:
    """The rule that gave a plan row its Next action, and the dates it rests on.

    They are the plan's columns (see `Plan`): a date is None where the plan has none,
    which a row never lacks for the rule it got (a thank-you has its meeting, a birthday
    its date, a catch-up its last contact).
    """

    rule: str
    last_contact: dt.date | None = None
    last_in_person: dt.date | None = None
    meeting: dt.date | None = None
    meeting_kind: str = ""
    birthday: dt.date | None = None

    @classmethod
    def of(cls, item: Mapping[Hashable, Any]) -> RuleFacts:
        """The facts of one plan row, as `DataFrame.to_dict("records")` gives it."""
        kind = item["meeting_kind"]
        return cls(
            rule=str(item["rule"]),
            last_contact=_date_of(item["last_contact"]),
            last_in_person=_date_of(item["last_in_person"]),
            meeting=_date_of(item["meeting"]),
            meeting_kind=kind if isinstance(kind, str) else "",
            birthday=_date_of(item["next_birthday"]),
        )


def _date_of(value: object) -> dt.date | None:
    """A date column's cell as a date; None for NaT (which is no Timestamp)."""
    return value.date() if isinstance(value, pd.Timestamp) else None


def explain(facts: RuleFacts, status: str, due: dt.date | None, today: dt.date) -> str:
    """Why a pick was chosen, from its rule, the dates that rule rests on, its status
    and its due date.

    >>> explain(RuleFacts("keep_in_touch", last_contact=dt.date(2026, 6, 20)), "overdue",
    ...         dt.date(2026, 11, 2), dt.date(2026, 11, 23))
    'catching up: last spoke 5 months ago; overdue by 3 weeks'
    """
    reason = _reason(facts, today)
    return f"{reason}; {_timing(status, due, today)}" if due is not None else reason


def _reason(facts: RuleFacts, today: dt.date) -> str:
    """The rule in words; the dates are quoted as the planner's sentences quote them."""
    match facts.rule:
        case "thank_you":
            on = f" on {day_month(facts.meeting)}" if facts.meeting else ""
            return f"thank-you owed for the {facts.meeting_kind or 'meeting'}{on}"
        case "birthday":
            if facts.birthday == today:
                return "birthday today"
            return f"birthday on {day_month(facts.birthday)}" if facts.birthday else "birthday"
        case "new_year":
            return "new-year greetings"
        case "in_person":
            if facts.last_in_person is None:
                return "time to meet in person: no in-person meeting recorded"
            since = _since(facts.last_in_person, today)
            return f"time to meet in person: last met in person {since} ago"
        case "keep_in_touch":
            return f"catching up: last spoke {_since(facts.last_contact, today)} ago"
        case "never":
            return "no contact recorded yet"
    return "due"


def _since(day: dt.date | None, today: dt.date) -> str:
    """How long ago `day` was, as the planner says it ('4 months')."""
    return time_span((today - day).days if day else 0)


def _timing(status: str, due: dt.date | None, today: dt.date) -> str:
    assert due is not None
    days = (due - today).days
    if status == OVERDUE and days < 0:
        return f"overdue by {time_span(-days)}"
    if days < 0:
        return f"was due {time_span(-days)} ago"
    if days == 0:
        return "due today"
    if status in (DUE_SOON, OVERDUE):
        return f"due in {time_span(days)}"
    return f"due {_short_date(due)}"


def hook_of(interests: str, notes: str) -> str:
    """A conversation opener: the first interest and the first sentence of the notes."""
    parts = []
    interest = re.split(r"[,;\n]", interests, maxsplit=1)[0].strip()
    note = re.split(r"[.;\n]", notes, maxsplit=1)[0].strip()
    if interest:
        parts.append(f"ask about {_clip(interest)}")
    if note:
        parts.append(f"remember: {_clip(note)}")
    return "; ".join(parts)


def _clip(text: str) -> str:
    return text if len(text) <= HOOK_LIMIT else text[: HOOK_LIMIT - 3] + "..."


def _short_date(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%b')}"


def _long_date(day: dt.date) -> str:
    return f"{day.strftime('%A')} {day.day} {day.strftime('%B %Y')}"


def _in_days(days: int) -> str:
    return {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")


# --- the tab -------------------------------------------------------------------------------


def digest_rows(digest: Digest, written_at: str) -> list[list[WriteValue]]:
    """The tab's content, row by row (text and dates only)."""
    rows: list[list[WriteValue]] = [
        [digest.title],
        [f"Written by sheets-keepup {written_at}. Rewritten every week: edits here are lost."],
        [],
        [f"This week's picks ({len(digest.picks)})"],
        list(PICK_HEADERS),
    ]
    if not digest.picks:
        rows.append(["", "Nobody is due this week."])
    for number, pick in enumerate(digest.picks, start=1):
        rows.append(
            [
                str(number),
                pick.name,
                pick.why,
                pick.action,
                pick.due,
                pick.email,
                pick.phone,
                pick.hook,
            ]
        )
    rows += [[], [f"Birthdays in the next {digest.birthday_days} days"], list(BIRTHDAY_HEADERS)]
    if not digest.birthdays:
        rows.append(["None."])
    for birthday in digest.birthdays:
        when = f"{_short_date(birthday.date)} ({_in_days(birthday.days)})"
        rows.append([birthday.name, when, birthday.email, birthday.phone])
    return rows


def digest_changes(digest: Digest, tab: str, written_at: str) -> ChangeSet:
    """One write that creates the tab if needed and replaces all of it."""
    return ChangeSet(
        tab=tab,
        cells=cells_of(digest_rows(digest, written_at)),
        create_tab=True,
        replace=True,
    )


def cells_of(rows: Sequence[Sequence[WriteValue]]) -> list[CellWrite]:
    """Cell writes for every non-empty value of `rows`."""
    return [
        CellWrite(r, c, value)
        for r, row in enumerate(rows)
        for c, value in enumerate(row)
        if value not in (None, "")
    ]


# --- text and HTML -------------------------------------------------------------------------


def render_text(digest: Digest) -> str:
    """The digest as plain text (for `digest --print` and the email's text part)."""
    lines = [digest.title, ""]
    if digest.picks:
        lines.append("This week's picks:")
    else:
        lines.append("Nobody is due this week.")
    for number, pick in enumerate(digest.picks, start=1):
        lines.append(f"{number}. {pick.name}: {pick.why}")
        lines.append(f"   Next: {pick.action}")
        reach = "  ".join(
            part
            for part in (_labelled("Email", pick.email), _labelled("Phone", pick.phone))
            if part
        )
        if reach:
            lines.append(f"   {reach}")
        if pick.hook:
            lines.append(f"   Hook: {pick.hook}")
    lines += ["", f"Birthdays in the next {digest.birthday_days} days:"]
    if not digest.birthdays:
        lines.append("None.")
    for birthday in digest.birthdays:
        contact = ", ".join(p for p in (birthday.email, birthday.phone) if p)
        lines.append(
            f"- {birthday.name}: {_short_date(birthday.date)} ({_in_days(birthday.days)})"
            + (f", {contact}" if contact else "")
        )
    return "\n".join(lines) + "\n"


def _labelled(label: str, value: str) -> str:
    return f"{label}: {value}" if value else ""


def render_html(digest: Digest) -> str:
    """The digest as a small HTML document (the email's HTML part); all text escaped."""
    e = html.escape
    parts = [f"<h2>{e(digest.title)}</h2>"]
    if digest.picks:
        parts.append("<h3>This week's picks</h3><ol>")
        for pick in digest.picks:
            details = [f"<strong>{e(pick.name)}</strong>: {e(pick.why)}", e(pick.action)]
            if pick.email:
                details.append(f'<a href="mailto:{e(pick.email)}">{e(pick.email)}</a>')
            if pick.phone:
                details.append(e(pick.phone))
            if pick.hook:
                details.append(f"<em>{e(pick.hook)}</em>")
            parts.append("<li>" + "<br>".join(details) + "</li>")
        parts.append("</ol>")
    else:
        parts.append("<p>Nobody is due this week.</p>")
    parts.append(f"<h3>Birthdays in the next {digest.birthday_days} days</h3>")
    if digest.birthdays:
        parts.append("<ul>")
        for b in digest.birthdays:
            when = f"{_short_date(b.date)} ({_in_days(b.days)})"
            parts.append(f"<li><strong>{e(b.name)}</strong>: {e(when)}</li>")
        parts.append("</ul>")
    else:
        parts.append("<p>None.</p>")
    body = "\n".join(parts)
    return (
        f'<!DOCTYPE html>\n<html><body style="font-family: sans-serif">\n{body}\n</body></html>\n'
    )
