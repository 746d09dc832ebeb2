"""Plan a touch (an email, a call, a coffee...) as one new row of the Log tab.

`resolve_person` finds who was meant by a name or an email, the same way the planner
reads the Log (case, spaces and punctuation ignored), so what is written here is picked
up by the next sync. `plan_touch` is pure and builds the one ChangeSet that appends the
row (creating the Log tab with its headers first when there is none);
`app.contacts.log_touch` reads, plans and applies it through a backend.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from sheets_keepup.core.errors import DataError
from sheets_keepup.core.headers import LOG_ALIASES, build_alias_index, map_headers, normalise_header
from sheets_keepup.core.importers import normalize_name
from sheets_keepup.core.model import CellValue, ChangeSet, SheetData, Tab, WriteValue
from sheets_keepup.core.parse import ContactSheet, contacts_tab
from sheets_keepup.core.parse import read_contacts as read_contact_sheet
from sheets_keepup.core.settings import Config

MAX_CANDIDATES = 8
LOG_FIELDS = ("date", "who", "kind", "note")
LOG_HEADERS = [LOG_ALIASES[f][0] for f in LOG_FIELDS]
"""Headers of a new Log tab: Date, Who, Kind, Note."""

# Kinds that need no configuration; in-person and thank-you kinds come from the config.
REMOTE_KINDS = (
    "email",
    "call",
    "phone",
    "video call",
    "video",
    "message",
    "text",
    "chat",
    "letter",
    "card",
    "gift",
    "intro",
    "introduction",
    "note",
)


@dataclass(frozen=True)
class Person:
    """A contact row as the log command shows it (`row` is the 1-based sheet row)."""

    row: int
    name: str
    email: str

    def __str__(self) -> str:
        who = self.name or self.email
        mail = f" <{self.email}>" if self.name and self.email else ""
        return f"row {self.row}: {who}{mail}"


class UnresolvedPersonError(DataError):
    """The name or email given matches no contact, or several; nothing was written."""

    def __init__(self, message: str, candidates: Sequence[Person]) -> None:
        lines = [message, *(f"  - {c}" for c in candidates)]
        super().__init__("\n".join(lines))
        self.candidates = list(candidates)


@dataclass(frozen=True)
class TouchPlan:
    """The Log row to append and the one write that appends it."""

    person: Person
    who: str
    """What goes in the Who cell: the contact's name, or the email when names clash."""
    date: dt.date
    kind: str
    note: str
    log_tab: str
    log_row: int
    """1-based row of the Log tab the entry lands on."""
    created_tab: bool
    warnings: list[str]
    changes: ChangeSet
    target: str = ""
    written: bool = False
    dry_run: bool = False


def known_kinds(config: Config) -> list[str]:
    """Every kind the rules know, lower-case, in-person kinds first."""
    kinds: list[str] = []
    for kind in (*config.rules.in_person_kinds, *config.rules.thank_you_kinds, *REMOTE_KINDS):
        folded = kind.strip().casefold()
        if folded and folded not in kinds:
            kinds.append(folded)
    return kinds


def people_of(contacts: ContactSheet) -> list[Person]:
    """Every contact row as a Person, in sheet order."""
    frame = contacts.frame
    return [
        Person(int(row) + 1, str(name), str(email))
        for row, name, email in zip(
            frame.index.tolist(), frame["name"], frame["email"], strict=True
        )
    ]


def resolve_person(contacts: ContactSheet, query: str) -> Person:
    """The one contact `query` names, by email or by name (case and spacing ignored).

    Raises UnresolvedPersonError listing the candidates (rows holding the same name, or
    close matches) when there is not exactly one.

    >>> resolve_person(contacts, "  jane DOE ")  # doctest: +SKIP
    Person(row=5, name='Jane Doe', email='jane@example.com')
    """
    wanted = query.strip()
    if not wanted:
        raise DataError("Say who the touch was with: a name or an email address.")
    people = people_of(contacts)
    by_email = [p for p in people if p.email and p.email.casefold() == wanted.casefold()]
    if len(by_email) > 1:
        raise UnresolvedPersonError(
            f"'{wanted}' is the email of several contacts. Remove the duplicate row "
            "(`sheets-keepup duplicates` lists them) and log again:",
            by_email,
        )
    if by_email:
        return by_email[0]
    key = normalise_header(wanted)
    by_name = [p for p in people if key and normalise_header(p.name) == key]
    if not by_name and normalize_name(wanted):
        # "Doe, Jane" or "Dr Jane Doe": the looser key the importers match names with.
        by_name = [p for p in people if normalize_name(p.name) == normalize_name(wanted)]
    if len(by_name) == 1:
        return by_name[0]
    if by_name:
        raise UnresolvedPersonError(
            f"'{wanted}' matches several contacts; log the touch with their email instead:",
            by_name,
        )
    close = _close_matches(people, wanted)
    if close:
        raise UnresolvedPersonError(
            f"No contact named '{wanted}'. Did you mean one of these? Nothing was written.",
            close,
        )
    raise UnresolvedPersonError(
        f"No contact named '{wanted}' or with that email in tab '{contacts.tab}'. "
        "Nothing was written.",
        [],
    )


def _close_matches(people: Sequence[Person], wanted: str) -> list[Person]:
    """Contacts whose name or email is close to `wanted`, or whose name holds its words."""
    key = normalise_header(wanted)
    words = set(normalize_name(wanted).split())
    names = {normalise_header(p.name) for p in people if p.name}
    emails = {p.email.casefold() for p in people if p.email}
    near = set(difflib.get_close_matches(key, names, n=MAX_CANDIDATES, cutoff=0.6))
    near |= set(difflib.get_close_matches(wanted.casefold(), emails, n=MAX_CANDIDATES))
    found = [
        p
        for p in people
        if normalise_header(p.name) in near
        or p.email.casefold() in near
        or (words and words <= set(normalize_name(p.name).split()))
    ]
    return found[:MAX_CANDIDATES]


def who_text(person: Person, contacts: ContactSheet) -> str:
    """What to write in Who so that the planner finds exactly this row again."""
    key = normalise_header(person.name)
    names = contacts.frame["name"].map(normalise_header)
    if key and int((names == key).sum()) == 1:
        return person.name
    if person.email:
        return person.email
    raise DataError(
        f"Row {person.row} has no name of its own (another row has the same name) and no "
        "email, so a logged touch could not be told apart. Add an email to that row."
    )


def _kind_warnings(kind: str, config: Config) -> list[str]:
    known = known_kinds(config)
    folded = kind.strip().casefold()
    if not folded:
        return ["No kind given; the touch counts as a contact but not as a meeting."]
    if folded in known:
        return []
    near = difflib.get_close_matches(folded, known, n=1)
    hint = (
        f" Did you mean '{near[0]}'?"
        if near
        else " Known kinds include email, call, message, coffee, lunch, meeting and thank-you;"
        " add your own to rules.in_person_kinds or rules.thank_you_kinds in the config."
    )
    return [
        f"'{kind.strip()}' is not a kind I know; it is logged as written and counts as a "
        f"contact, not a meeting.{hint}"
    ]


def _is_blank_row(row: Sequence[CellValue]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _last_used_row(rows: Sequence[Sequence[CellValue]]) -> int:
    for index in range(len(rows) - 1, -1, -1):
        if not _is_blank_row(rows[index]):
            return index
    return -1


def plan_touch(
    data: SheetData,
    config: Config,
    who: str,
    kind: str,
    *,
    note: str = "",
    day: dt.date,
    today: dt.date | None = None,
) -> TouchPlan:
    """The Log row for a touch with `who` on `day`, and the one write adding it. Pure.

    The Log tab is created with the headers Date, Who, Kind, Note when missing or empty.
    An existing Log keeps its own header row and column order; values go under the
    matching headers.

    >>> plan = plan_touch(data, config, "Jane Doe", "coffee", day=date(2026, 11, 20))
    ... # doctest: +SKIP
    >>> plan.who, plan.changes.appends  # doctest: +SKIP
    ('Jane Doe', [[date(2026, 11, 20), 'Jane Doe', 'coffee', '']])
    """
    contacts = read_contact_sheet(contacts_tab(data, config), config, data.locale)
    person = resolve_person(contacts, who)
    written_who = who_text(person, contacts)
    kind, note = kind.strip(), note.strip()
    warnings = _kind_warnings(kind, config)
    if today is not None and day > today:
        warnings.append(
            f"{day.isoformat()} is in the future; the sync counts this touch from that day."
        )
    values: dict[str, WriteValue] = {"date": day, "who": written_who, "kind": kind, "note": note}
    append = plan_log_append(data.tabs.get(config.tabs.log), config, [values])
    warnings += append.warnings
    changes, log_row, created = append.changes, append.first_row, append.created_tab
    return TouchPlan(
        person=person,
        who=written_who,
        date=day,
        kind=kind,
        note=note,
        log_tab=changes.tab,
        log_row=log_row,
        created_tab=created,
        warnings=warnings,
        changes=changes,
    )


@dataclass(frozen=True)
class LogAppend:
    """The one write that appends rows to the Log tab, and where they land."""

    changes: ChangeSet
    first_row: int
    """1-based row of the Log tab the first appended entry lands on."""
    created_tab: bool
    warnings: list[str]


def plan_log_append(
    log_tab: Tab | None, config: Config, entries: Sequence[dict[str, WriteValue]]
) -> LogAppend:
    """Append `entries` (keys among date, who, kind, note) to the Log in one ChangeSet. Pure.

    The Log tab is created with the headers Date, Who, Kind, Note when missing or empty.
    An existing Log keeps its own header row and column order; values go under the
    matching headers (a header it lacks is named once in the warnings).
    """
    tab = log_tab
    if tab is None or _last_used_row(tab.rows) < 0:
        lines: list[list[WriteValue]] = [
            [values.get(k) or None for k in LOG_FIELDS] for values in entries
        ]
        changes = ChangeSet(
            tab=tab.title if tab is not None else config.tabs.log,
            create_tab=True,
            appends=[list(LOG_HEADERS), *lines],
        )
        return LogAppend(changes, 2, tab is None, [])
    missing: list[str] = []
    lines = []
    for values in entries:
        line, lacking = _placed(tab, values)
        lines.append(line)
        missing += [name for name in lacking if name not in missing]
    warnings = [
        f"The '{tab.title}' tab has no {name} column, so the {name.lower()} was not "
        f"written. Add a '{name}' header to keep it."
        for name in missing
    ]
    changes = ChangeSet(tab=tab.title, appends=lines)
    return LogAppend(changes, _last_used_row(tab.rows) + 2, False, warnings)


def _placed(tab: Tab, values: dict[str, WriteValue]) -> tuple[list[WriteValue], list[str]]:
    """The row laid out under the Log tab's own headers, and headers it lacks."""
    header = map_headers(tab.rows, build_alias_index(LOG_ALIASES), {}, ["date", "who"], tab.title)
    width = max(header.fields.values()) + 1
    line: list[WriteValue] = [None] * width
    missing: list[str] = []
    for key, value in values.items():
        col = header.fields.get(key)
        if col is None:
            if value:
                missing.append(LOG_ALIASES[key][0])
            continue
        line[col] = value or None
    return line, missing
