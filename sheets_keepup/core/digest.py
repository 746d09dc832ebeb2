"""The week's digest: the top picks with why and how to reach them, coming birthdays and
thank-yous owed.

`build_digest` is pure (plan + contacts -> `Digest`); `digest_changes` turns a digest into
one ChangeSet that fully rewrites the tool-owned "This week" tab, laid out to be read (a
bold frozen header, widths that fit, wrapped text, real dates); `render_text` and
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
import math
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pandas as pd

from sheets_keepup.core.dates import next_birthday
from sheets_keepup.core.model import (
    DATE_PATTERN,
    CellLink,
    CellWrite,
    ChangeSet,
    TabSetup,
    WriteValue,
)
from sheets_keepup.core.parse import ContactSheet
from sheets_keepup.core.planner import (
    CHECK,
    DUE_SOON,
    OVERDUE,
    PICK_MARK,
    SNOOZED,
    Plan,
    day_month,
    time_span,
)
from sheets_keepup.core.settings import Config

HEADERS = ("#", "Who", "Why now", "Next action", "Due", "Email", "Phone", "Talk about")
"""One header for every section, so that one frozen row labels the whole tab."""
NUMBER, WHO, WHY, ACTION, DUE, EMAIL, PHONE, TALK = range(len(HEADERS))
HEADER_ROW = 1
"""Where HEADERS sit, below the title."""
LEGACY_HEADER_ROW = 4
LEGACY_HEADERS = ("Pick", "Who", "Why now", "Next action", "Due", "Email", "Phone", "Hook")
"""The header row the tab had before this layout (versions that did not mark their tabs):
what tells a digest tab an older version wrote from a tab of the user's."""
WIDTH_CAPS = {
    NUMBER: 40,
    WHO: 220,
    WHY: 560,
    ACTION: 560,
    DUE: 110,
    EMAIL: 300,
    PHONE: 180,
    TALK: 420,
}
"""The widest each column gets, in pixels: wide enough for the usual sentence on one
line (a workbook app does not grow a row to fit wrapped text); longer text wraps."""
WRAPPED = (WHO, WHY, ACTION, EMAIL, PHONE, TALK)
# The number column is not wrapped: the title, section headings and one-line notes sit
# in it and run over the empty cells to their right instead of folding into it.
TOP_ROWS = HEADER_ROW + 1
"""The title and the header: bold, and frozen so they stay in view."""
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
HOOK_LIMIT = 80
CHAR_PIXELS = 6.5
"""A typical lowercase letter's width in the apps' default font (11 pt Calibri or a
look-alike), in pixels."""
DIGIT_PIXELS = 7.0
"""A digit's width: every digit has the same, and it is the unit of xlsx column widths."""
_NARROW = frozenset(" .,:;!'|()[]iljI")
_SLIM = frozenset("frt-/")
_WIDE = frozenset("mwMW@%&")
BOLD_FACTOR = 1.1
CELL_PADDING = 12
MIN_WIDTH = 32
_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight")


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
    hook: str = ""


@dataclass(frozen=True)
class DigestThanks:
    """A thank-you owed for an in-person meeting logged in the last few days."""

    name: str
    meeting: dt.date
    kind: str
    due: dt.date
    email: str
    phone: str
    hook: str = ""

    @property
    def why(self) -> str:
        return f"after the {self.kind or 'meeting'} on {day_month(self.meeting)}"


@dataclass(frozen=True)
class Digest:
    """What the weekly tab and email say."""

    today: dt.date
    picks: tuple[DigestPick, ...]
    birthdays: tuple[DigestBirthday, ...]
    birthday_days: int
    thank_yous: tuple[DigestThanks, ...] = ()

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
    """The picks (top N of the plan, best first), birthdays in the next days and the
    thank-yous owed (oldest meeting first)."""
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
                hook=_hook_at(frame, row),
            )
        )
    return Digest(
        today=today,
        picks=tuple(picks),
        birthdays=tuple(_birthdays(plan, contacts, today, config.digest.birthday_days)),
        birthday_days=config.digest.birthday_days,
        thank_yous=tuple(_thank_yous(plan, contacts, config)),
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
                hook=_hook_at(frame, row),
            )
        )
    return found


def _thank_yous(plan: Plan, contacts: ContactSheet, config: Config) -> list[DigestThanks]:
    """Everyone the planner found a thank-you owed to, whichever rule leads their row.

    A snoozed row or one with an unreadable cell gets no action in the sheet, so the
    digest does not ask for one either.
    """
    rows = plan.rows
    if "meeting" not in rows:
        return []
    owed = rows[rows["meeting"].notna() & ~rows["status"].isin((SNOOZED, CHECK))]
    owed = owed.sort_values("meeting", kind="stable")
    frame = contacts.frame
    found = []
    for row, item in zip(owed.index.tolist(), owed.to_dict("records"), strict=True):
        meeting = pd.Timestamp(item["meeting"]).date()
        kind = item["meeting_kind"]
        found.append(
            DigestThanks(
                name=str(item["name"]) or _at(frame, row, "email"),
                meeting=meeting,
                kind=kind if isinstance(kind, str) else "",
                due=meeting + dt.timedelta(days=config.rules.thank_you_days),
                email=_at(frame, row, "email"),
                phone=_at(frame, row, "phone"),
                hook=_hook_at(frame, row),
            )
        )
    return found


def _hook_at(frame: pd.DataFrame, row: int) -> str:
    return hook_of(_at(frame, row, "interests"), _at(frame, row, "notes"))


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


def horizon(days: int) -> str:
    """The birthday horizon in words: 'in the next two weeks', 'in the next 10 days'."""
    if days == 0:
        return "today"
    if days % 7:
        return "in the next day" if days == 1 else f"in the next {days} days"
    weeks = days // 7
    if weeks == 1:
        return "in the next week"
    count = _NUMBER_WORDS[weeks] if weeks < len(_NUMBER_WORDS) else str(weeks)
    return f"in the next {count} weeks"


# --- the tab -------------------------------------------------------------------------------


@dataclass
class _Sheet:
    """Rows being laid out, and which of them are table rows whose text sizes the columns.

    Titles, section headings and notes are left out of the sizing: they sit alone in
    their row and run over the empty cells to their right.
    """

    rows: list[list[WriteValue]]
    table: list[int]
    links: list[CellLink]

    @classmethod
    def new(cls) -> _Sheet:
        return cls([], [], [])

    def line(self, *values: WriteValue) -> None:
        self.rows.append(list(values))

    def record(self, *values: WriteValue) -> None:
        self.table.append(len(self.rows))
        self.rows.append(list(values))

    def person(self, *values: WriteValue) -> None:
        """A table row about someone: their email and phone cells link to mail and call."""
        row = len(self.rows)
        self.record(*values)
        for col, url_of in ((EMAIL, mail_url), (PHONE, phone_url)):
            url = url_of(str(values[col] or ""))
            if url:
                self.links.append(CellLink(row, col, url))

    def widths(self, caps: Mapping[int, int], *, bold_rows: int) -> dict[int, int]:
        return fit_widths(
            [self.rows[i] for i in self.table], caps, bold=[i < bold_rows for i in self.table]
        )


def digest_rows(digest: Digest, written_at: str) -> list[list[WriteValue]]:
    """The tab's content, row by row (text, numbers and dates)."""
    return _digest_sheet(digest, written_at).rows


def _digest_sheet(digest: Digest, written_at: str) -> _Sheet:
    sheet = _Sheet.new()
    sheet.line(digest.title)
    sheet.record(*HEADERS)
    sheet.line(f"This week's picks ({len(digest.picks)})")
    if not digest.picks:
        sheet.line("Nobody is due this week.")
    for number, pick in enumerate(digest.picks, start=1):
        sheet.person(
            number,
            pick.name,
            pick.why,
            pick.action,
            pick.due,
            pick.email,
            pick.phone,
            pick.hook,
        )
    when = horizon(digest.birthday_days)
    sheet.line()
    sheet.line(f"Birthdays {when}")
    if not digest.birthdays:
        sheet.line(f"No birthdays {when}.")
    for birthday in digest.birthdays:
        sheet.person(
            None,
            birthday.name,
            f"birthday {_in_days(birthday.days)}",
            "Send a birthday note.",
            birthday.date,
            birthday.email,
            birthday.phone,
            birthday.hook,
        )
    sheet.line()
    sheet.line("Thank-yous owed")
    if not digest.thank_yous:
        sheet.line("No thank-yous owed.")
    for thanks in digest.thank_yous:
        sheet.person(
            None,
            thanks.name,
            thanks.why,
            "Send a thank-you.",
            thanks.due,
            thanks.email,
            thanks.phone,
            thanks.hook,
        )
    sheet.line()
    sheet.line(f"Written by sheets-keepup {written_at}. Rewritten every week: edits here are lost.")
    return sheet


def digest_changes(digest: Digest, tab: str, written_at: str) -> ChangeSet:
    """One write that creates the tab if needed and replaces all of it."""
    sheet = _digest_sheet(digest, written_at)
    widths = sheet.widths(WIDTH_CAPS, bold_rows=TOP_ROWS)
    setup = TabSetup(
        frozen_rows=TOP_ROWS,
        bold_rows=TOP_ROWS,
        first_row=TOP_ROWS,
        date_columns=(DUE,),
        widths=widths,
        wrap_columns=WRAPPED,
        heights=fit_heights(sheet.rows, widths, WRAPPED),
    )
    return ChangeSet(
        tab=tab,
        cells=cells_of(sheet.rows),
        links=sheet.links,
        create_tab=True,
        replace=True,
        setup=setup,
    )


_ADDRESS_PART = r"[^@\s\x00-\x1f\x7f<>\"]+"
_EMAIL = re.compile(rf"{_ADDRESS_PART}@{_ADDRESS_PART}\.{_ADDRESS_PART}")
_DIALLED = re.compile(r"[\d+]")
_EXTENSION = re.compile(r"(?i)\s*(?:ext\.?|x)\s*\d+$")


def mail_url(email: str) -> str:
    """A mailto: address for `email`, or "" when it is not one address.

    Only a plain address is linked: a cell holding two addresses or a note would give a
    link that mails no one, and a link the user clicks must reach the person shown.
    """
    text = email.strip()
    if not _EMAIL.fullmatch(text):
        return ""
    return "mailto:" + quote(text, safe="@.+-_~!$'*")


def phone_url(phone: str) -> str:
    """A tel: address (RFC 3966: digits, a leading +) for `phone`, or "" when it has
    too few digits to dial or letters that say it is not only a number ("ask Ann")."""
    main = _EXTENSION.sub("", phone.strip())
    if not main or re.search(r"[A-Za-z]", main):
        return ""
    digits = "".join(_DIALLED.findall(main))
    plus = digits.startswith("+")
    digits = digits.replace("+", "")
    if len(digits) < 3:
        return ""
    return "tel:" + ("+" if plus else "") + digits


def cells_of(rows: Sequence[Sequence[WriteValue]]) -> list[CellWrite]:
    """Cell writes for every non-empty value of `rows`."""
    return [
        CellWrite(r, c, value)
        for r, row in enumerate(rows)
        for c, value in enumerate(row)
        if value not in (None, "")
    ]


def text_width(value: WriteValue, *, bold: bool = False) -> int:
    """Pixels a value needs on one line: its longest line, letter by letter.

    A proportional font puts 'i' in half the room of 'a' and '@' in twice, so a count
    of characters overrates sentences and underrates emails. A date is as long as the
    date format shows it, in digits. The estimate leans wide: a few pixels of slack
    cost nothing, a cut-off name or a `###` does.
    """
    if value is None or value == "":
        return 0
    if isinstance(value, dt.date):
        pixels = len(DATE_PATTERN) * DIGIT_PIXELS
    else:
        pixels = max(_line_pixels(line) for line in str(value).splitlines())
    return math.ceil(pixels * (BOLD_FACTOR if bold else 1.0)) + CELL_PADDING


def _line_pixels(line: str) -> float:
    return sum(_char_pixels(char) for char in line)


def _char_pixels(char: str) -> float:
    if char in _NARROW:
        return 3.5
    if char in _SLIM:
        return 4.5
    if char in _WIDE:
        return 11.0
    if char.isdigit():
        return DIGIT_PIXELS
    if char.isupper():
        return 8.5
    # Wide scripts (CJK, emoji) take about two letters' room.
    return CHAR_PIXELS if ord(char) < 0x2E80 else 2 * CHAR_PIXELS


LINE_PIXELS = 17
"""One line of text in the apps' default font, with its leading."""


def fit_heights(
    rows: Sequence[Sequence[WriteValue]], widths: Mapping[int, int], wrapped: Sequence[int]
) -> dict[int, int]:
    """The rows whose text in a `wrapped` column needs more than one line at `widths`,
    with the pixels that many lines take. Leans tall, as `text_width` leans wide."""
    heights: dict[int, int] = {}
    for index, row in enumerate(rows):
        lines = 1
        for col in wrapped:
            if col < len(row) and col in widths and not isinstance(row[col], dt.date):
                room = max(widths[col] - CELL_PADDING, 1)
                needed = text_width(row[col]) - CELL_PADDING
                lines = max(lines, math.ceil(needed / room) if needed > 0 else 1)
        if lines > 1:
            heights[index] = lines * LINE_PIXELS + 4
    return heights


def fit_widths(
    rows: Sequence[Sequence[WriteValue]], caps: Mapping[int, int], *, bold: Sequence[bool] = ()
) -> dict[int, int]:
    """Each capped column's width: its widest value (bold rows wider), within its cap.

    `bold[i]` says row i is bold. Columns without a cap are left as the app shows them.
    """
    widths = dict.fromkeys(caps, MIN_WIDTH)
    for index, row in enumerate(rows):
        is_bold = index < len(bold) and bold[index]
        for col, value in enumerate(row):
            if col in caps:
                widths[col] = max(widths[col], text_width(value, bold=is_bold))
    return {col: min(width, caps[col]) for col, width in widths.items()}


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
    when = horizon(digest.birthday_days)
    lines += ["", f"Birthdays {when}:"]
    if not digest.birthdays:
        lines.append(f"No birthdays {when}.")
    for birthday in digest.birthdays:
        lines.append(
            f"- {birthday.name}: {_short_date(birthday.date)} ({_in_days(birthday.days)})"
            + _reach(birthday.email, birthday.phone)
        )
    lines += ["", "Thank-yous owed:"]
    if not digest.thank_yous:
        lines.append("No thank-yous owed.")
    for thanks in digest.thank_yous:
        lines.append(
            f"- {thanks.name}: {thanks.why}, by {_short_date(thanks.due)}"
            + _reach(thanks.email, thanks.phone)
        )
    return "\n".join(lines) + "\n"


def _reach(email: str, phone: str) -> str:
    contact = ", ".join(p for p in (email, phone) if p)
    return f", {contact}" if contact else ""


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
    horizon_text = horizon(digest.birthday_days)
    parts.append(f"<h3>Birthdays {horizon_text}</h3>")
    if digest.birthdays:
        parts.append("<ul>")
        for b in digest.birthdays:
            when = f"{_short_date(b.date)} ({_in_days(b.days)})"
            parts.append(f"<li><strong>{e(b.name)}</strong>: {e(when)}</li>")
        parts.append("</ul>")
    else:
        parts.append(f"<p>No birthdays {horizon_text}.</p>")
    parts.append("<h3>Thank-yous owed</h3>")
    if digest.thank_yous:
        parts.append("<ul>")
        for t in digest.thank_yous:
            when = f"{t.why}, by {_short_date(t.due)}"
            parts.append(f"<li><strong>{e(t.name)}</strong>: {e(when)}</li>")
        parts.append("</ul>")
    else:
        parts.append("<p>No thank-yous owed.</p>")
    body = "\n".join(parts)
    return (
        f'<!DOCTYPE html>\n<html><body style="font-family: sans-serif">\n{body}\n</body></html>\n'
    )
