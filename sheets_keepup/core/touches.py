"""Touches observed elsewhere (sent mail, calendar events) matched to contacts, as Log rows.

A source (the mail scanner, the calendar reader) turns what it saw into `Touch` values.
`match_touches` finds the contact each one was with, refusing anything that could name
the wrong person; `plan_touches` turns the matches into the Log rows to append in one
write, leaving out any row the Log already holds. Everything here is pure.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sheets_keepup.core.errors import DataError
from sheets_keepup.core.headers import normalise_header
from sheets_keepup.core.importers import normalize_name
from sheets_keepup.core.model import ChangeSet, SheetData, Tab, WriteValue
from sheets_keepup.core.parse import ContactSheet, contacts_tab, read_contacts, read_log
from sheets_keepup.core.settings import Config
from sheets_keepup.core.touchlog import Person, people_of, plan_log_append, who_text

# Gmail ignores dots in the local part and everything after a "+", for these domains
# only; elsewhere a dot or a plus may well name another mailbox, so it is kept.
GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
_ADDRESS_SPLIT = re.compile(r"[\s,;]+")

# Skip reasons, as the summaries count them.
TOO_MANY_RECIPIENTS = "too many recipients"
NO_CONTACT = "no contact"
AMBIGUOUS = "ambiguous"
IN_FUTURE = "in the future"
ALREADY_LOGGED = "already in the Log"


@dataclass(frozen=True)
class Touch:
    """One observed contact with someone, not yet matched to a row of the sheet."""

    day: dt.date
    kind: str
    """"email", "meeting", "coffee", "lunch", "call"..."""
    addresses: tuple[str, ...]
    """Counterpart email addresses (may be empty)."""
    names: tuple[str, ...]
    """Counterpart display names or names read from a title (may be empty)."""
    source_id: str
    """Stable id of the message or event occurrence, for dedup and reporting."""
    note: str = ""
    """What goes in the Note cell (a subject), only when the user opted in."""


def canonical_address(address: str) -> str:
    """The mailbox an address reaches: case-folded, Gmail's dots and +tags removed.

    >>> canonical_address("Jane.Doe+news@GoogleMail.com")
    'janedoe@gmail.com'
    >>> canonical_address("Jane.Doe+news@example.com")
    'jane.doe+news@example.com'
    """
    text = address.strip().strip("<>").casefold()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        return ""
    if domain in GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}" if local else ""


def _cell_addresses(cell: str) -> list[str]:
    """Every address in an Email cell ("a@x.com; b@y.com" holds two)."""
    found = (canonical_address(part) for part in _ADDRESS_SPLIT.split(cell))
    return list(dict.fromkeys(a for a in found if a))


def _unique_index(pairs: Iterable[tuple[str, Person]]) -> tuple[dict[str, Person], set[str]]:
    """Key -> the one person with it, and the keys several people share."""
    seen: dict[str, Person] = {}
    shared: set[str] = set()
    for key, person in pairs:
        if not key:
            continue
        other = seen.get(key)
        if other is not None and other.row != person.row:
            shared.add(key)
        seen.setdefault(key, person)
    return {k: p for k, p in seen.items() if k not in shared}, shared


@dataclass(frozen=True)
class ContactIndex:
    """Contacts by canonical address and by name; a key several rows share finds no one."""

    contacts: ContactSheet
    addresses: Mapping[str, Person]
    shared_addresses: frozenset[str]
    names: Mapping[str, Person]
    shared_names: frozenset[str]
    loose_names: Mapping[str, Person]
    shared_loose_names: frozenset[str]

    @classmethod
    def of_sheet(cls, contacts: ContactSheet) -> ContactIndex:
        """Index the rows of a Contacts tab (as `core.parse.read_contacts` returns it)."""
        people = people_of(contacts)
        addresses, shared_addresses = _unique_index(
            (address, p) for p in people for address in _cell_addresses(p.email)
        )
        names, shared_names = _unique_index((normalise_header(p.name), p) for p in people)
        loose, shared_loose = _unique_index((normalize_name(p.name), p) for p in people)
        return cls(
            contacts,
            addresses,
            frozenset(shared_addresses),
            names,
            frozenset(shared_names),
            loose,
            frozenset(shared_loose),
        )

    def by_address(self, address: str) -> Person | None:
        """The one contact with this address (case-folded; Gmail dots and +tags ignored)."""
        return self.addresses.get(canonical_address(address))

    def address_is_shared(self, address: str) -> bool:
        """True when several rows hold this address, so it names no one for sure."""
        return canonical_address(address) in self.shared_addresses

    def by_name(self, name: str) -> Person | None:
        """The contact with this name, only when no other row has the same name.

        Case, spaces and punctuation are ignored ("jane  DOE" is Jane Doe); failing that,
        the looser key the importers use ("Doe, Jane", "Dr Jane Doe"), also only when
        unique.
        """
        key = normalise_header(name)
        if not key or key in self.shared_names:
            return None
        found = self.names.get(key)
        if found is not None:
            return found
        loose = normalize_name(name)
        if not loose or loose in self.shared_loose_names:
            return None
        return self.loose_names.get(loose)

    def name_is_shared(self, name: str) -> bool:
        """True when several rows hold this name."""
        key = normalise_header(name)
        return bool(key) and (
            key in self.shared_names
            or (key not in self.names and normalize_name(name) in self.shared_loose_names)
        )


@dataclass(frozen=True)
class MatchResult:
    """Who each touch was with, and how many touches or counterparts were left out, why."""

    matched: tuple[tuple[Person, Touch], ...]
    skipped: Mapping[str, int] = field(default_factory=dict)


def _people_of_touch(index: ContactIndex, touch: Touch, skipped: Counter[str]) -> list[Person]:
    found: dict[int, Person] = {}
    for address in touch.addresses:
        person = index.by_address(address)
        if person is not None:
            found.setdefault(person.row, person)
        elif index.address_is_shared(address):
            skipped[AMBIGUOUS] += 1
    for name in touch.names:
        person = index.by_name(name)
        if person is not None:
            found.setdefault(person.row, person)
        elif index.name_is_shared(name):
            skipped[AMBIGUOUS] += 1
    return list(found.values())


def match_touches(
    index: ContactIndex, touches: Sequence[Touch], max_recipients: int
) -> MatchResult:
    """Pair each touch with the contacts it was with, each person at most once per touch.

    A touch with more than `max_recipients` addresses is skipped whole (a mass mailing
    or a big meeting is no keep-in-touch). An address or name several rows share names
    no one and is counted under "ambiguous"; a touch with no contact at all under
    "no contact".
    """
    matched: list[tuple[Person, Touch]] = []
    skipped: Counter[str] = Counter()
    for touch in touches:
        if len(touch.addresses) > max_recipients:
            skipped[TOO_MANY_RECIPIENTS] += 1
            continue
        people = _people_of_touch(index, touch, skipped)
        if not people:
            skipped[NO_CONTACT] += 1
        matched.extend((person, touch) for person in people)
    return MatchResult(tuple(matched), dict(skipped))


@dataclass(frozen=True)
class PlannedTouch:
    """One Log row to append: the day, what goes in Who, the kind and the note."""

    person: Person
    who: str
    day: dt.date
    kind: str
    note: str
    source_id: str


@dataclass(frozen=True)
class TouchesPlan:
    """The Log rows to append and the one write that appends them (None: nothing new)."""

    rows: tuple[PlannedTouch, ...]
    skipped: Mapping[str, int]
    changes: ChangeSet | None
    log_tab: str
    first_row: int
    """1-based row of the Log tab the first new entry lands on (0 when none)."""
    created_tab: bool
    warnings: tuple[str, ...]
    logged_sources: tuple[str, ...]
    """Source ids whose touch is in the Log once this plan is written (new or already)."""


def _logged_keys(
    log_tab: Tab | None, config: Config, index: ContactIndex, locale: str | None
) -> set[tuple[dt.date, int, str]]:
    """(day, contact row, kind) of every Log entry that names a contact."""
    if log_tab is None or not any(any(v not in (None, "") for v in row) for row in log_tab.rows):
        return set()
    log = read_log(log_tab, config, locale)
    keys: set[tuple[dt.date, int, str]] = set()
    for day, who, kind in zip(log.frame["date"], log.frame["who"], log.frame["kind"], strict=True):
        person = index.by_address(who) or index.by_name(who)
        if person is not None:
            keys.add((day.date(), person.row, str(kind).strip().casefold()))
    return keys


def plan_touches(
    contacts: ContactSheet,
    log_tab: Tab | None,
    matched: MatchResult,
    config: Config,
    today: dt.date,
    *,
    locale: str | None = None,
    allow_future: bool = False,
) -> TouchesPlan:
    """The new Log rows for `matched`, and the one ChangeSet appending them. Pure.

    A row the Log already holds (same day, same person, same kind) is never added again,
    so a second run over the same touches writes nothing; two touches with one person
    on one day of one kind make one row. Touches after `today` are left out unless
    `allow_future`. `locale` reads ambiguous text dates in the Log as the sync does.

    >>> plan = plan_touches(contacts, log_tab, matched, config, date.today())
    ... # doctest: +SKIP
    >>> [(r.day, r.who, r.kind) for r in plan.rows]  # doctest: +SKIP
    [(datetime.date(2026, 3, 2), 'Jane Doe', 'email')]
    """
    index = ContactIndex.of_sheet(contacts)
    skipped: Counter[str] = Counter(matched.skipped)
    seen = _logged_keys(log_tab, config, index, locale)
    rows: list[PlannedTouch] = []
    logged: dict[str, None] = {}
    for person, touch in sorted(matched.matched, key=lambda pair: (pair[1].day, pair[0].row)):
        kind = touch.kind.strip().casefold()
        if touch.day > today and not allow_future:
            skipped[IN_FUTURE] += 1
            continue
        key = (touch.day, person.row, kind)
        if key in seen:
            logged[touch.source_id] = None
            skipped[ALREADY_LOGGED] += 1
            continue
        try:
            who = who_text(person, contacts)
        except DataError:
            # No name of its own and no email: a Log row could not be told apart.
            skipped[AMBIGUOUS] += 1
            continue
        seen.add(key)
        logged[touch.source_id] = None
        rows.append(PlannedTouch(person, who, touch.day, kind, touch.note.strip(), touch.source_id))
    return _with_write(log_tab, config, tuple(rows), dict(skipped), tuple(logged))


def plan_sheet_touches(
    data: SheetData,
    config: Config,
    touches: Sequence[Touch],
    *,
    max_recipients: int,
    today: dt.date,
    allow_future: bool = False,
) -> TouchesPlan:
    """Read the Contacts and Log tabs of `data`, match `touches` and plan the Log rows."""
    contacts = read_contacts(contacts_tab(data, config), config, data.locale)
    matched = match_touches(ContactIndex.of_sheet(contacts), touches, max_recipients)
    return plan_touches(
        contacts,
        data.tabs.get(config.tabs.log),
        matched,
        config,
        today,
        locale=data.locale,
        allow_future=allow_future,
    )


def _with_write(
    log_tab: Tab | None,
    config: Config,
    rows: tuple[PlannedTouch, ...],
    skipped: dict[str, int],
    logged: tuple[str, ...],
) -> TouchesPlan:
    if not rows:
        return TouchesPlan(rows, skipped, None, config.tabs.log, 0, False, (), logged)
    entries: list[dict[str, WriteValue]] = [
        {"date": r.day, "who": r.who, "kind": r.kind, "note": r.note} for r in rows
    ]
    append = plan_log_append(log_tab, config, entries)
    return TouchesPlan(
        rows,
        skipped,
        append.changes,
        append.changes.tab,
        append.first_row,
        append.created_tab,
        tuple(append.warnings),
        logged,
    )
