"""Calendar events as touches, and the week's reminders as a calendar. Pure.

Reading: `occurrence_of` turns one expanded event (an icalendar component, as
`recurring_ical_events` yields it) into an `Occurrence`; `classify` decides what it
means: a `Touch` for a meeting that has happened with someone, a planned meeting for one
within the horizon, or a reason to leave it out (declined, cancelled, too big, all-day,
one of our own reminders). Who the meeting was with is left to `core.touches`: this
module only gathers the attendees' addresses and the contact names the title spells out.

Writing: `reminders_of` turns the digest (the picks, birthdays and thank-yous the "This
week" tab shows) into `Reminder`s with stable UIDs, and `reminders_ics` lays them out as
one VCALENDAR of all-day VEVENTs or VTODOs.

Example::

    found = classify_all(occurrences, settings, now, zone, contact_names)
    found.touches   # past meetings, for core.touches.match_touches
    found.planned   # meetings to come, by the same Touch shape
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo

import icalendar

from sheets_keepup.core.digest import Digest
from sheets_keepup.core.settings import CalendarConfig
from sheets_keepup.core.touches import Touch, canonical_address

UID_PREFIX = "sheets-keepup-"
"""Every reminder UID starts with this, and an event that carries it is never a touch:
it is how a push recognises the entries it owns, and how reading a calendar the
reminders were imported into leaves them out."""
UID_DOMAIN = "@sheets-keepup"

# Skip reasons, as the summaries count them.
CANCELLED = "cancelled"
DECLINED = "declined"
TOO_MANY_ATTENDEES = "too many attendees"
ALL_DAY = "all-day"
OWN_REMINDER = "own reminder"
NOBODY = "nobody named"
IN_PROGRESS = "in progress"
BEYOND_HORIZON = "beyond the horizon"

# What Outlook, Teams and Zoom put in LOCATION for a meeting that has no place.
_ONLINE_PLACEHOLDERS = frozenset(
    {
        "microsoft teams meeting",
        "microsoft teams",
        "teams meeting",
        "zoom",
        "zoom meeting",
        "google meet",
        "webex",
        "online",
        "online meeting",
        "video call",
        "virtual",
    }
)
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_WORD = re.compile(r"\w+(?:['’]\w+)*")
# Where calendar apps put a meeting's video link, besides the description and location.
_LINK_PROPERTIES = (
    "URL",
    "CONFERENCE",
    "X-GOOGLE-CONFERENCE",
    "X-MICROSOFT-SKYPETEAMSMEETINGURL",
    "X-MICROSOFT-ONLINEMEETINGCONFLINK",
)


@dataclass(frozen=True)
class Attendee:
    """One ATTENDEE (or the ORGANIZER) of an event."""

    address: str
    """Canonical address (`core.touches.canonical_address`); "" when it had none."""
    name: str
    partstat: str
    """PARTSTAT, upper case; "" when not given."""


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of an event, with only what the rules look at."""

    uid: str
    recurrence_id: str
    """The occurrence's RECURRENCE-ID (ISO, UTC when timed); "" for a single event."""
    start: dt.date | dt.datetime
    end: dt.date | dt.datetime
    title: str
    location: str
    status: str
    link_text: str
    """Description, URL and conference properties: where a video link would be."""
    attendees: tuple[Attendee, ...]
    organizer: Attendee | None = None

    @property
    def source_id(self) -> str:
        """Stable across runs and servers: the UID, plus which occurrence of a series."""
        return f"{self.uid}#{self.recurrence_id}" if self.recurrence_id else self.uid

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, dt.datetime)


@dataclass(frozen=True)
class CalendarFindings:
    """What a set of occurrences comes to."""

    touches: tuple[Touch, ...]
    """Meetings that have ended, not yet matched to contacts."""
    planned: tuple[Touch, ...]
    """Meetings to come within the horizon (day in the future), same shape."""
    skipped: Mapping[str, int] = field(default_factory=dict)


# --- reading one component ----------------------------------------------------------------


def occurrence_of(component: icalendar.cal.Component) -> Occurrence | None:
    """The occurrence a VEVENT describes; None when it has no UID or no start."""
    uid = _text(component.get("UID"))
    start = _when(component, "DTSTART")
    if not uid or start is None:
        return None
    end = _when(component, "DTEND") or _end_from_duration(component, start)
    recurrence = component.get("RECURRENCE-ID")
    return Occurrence(
        uid=uid,
        recurrence_id="" if recurrence is None else _iso(recurrence.dt),
        start=start,
        end=end,
        title=_text(component.get("SUMMARY")),
        location=_text(component.get("LOCATION")),
        status=_text(component.get("STATUS")).upper(),
        link_text=" ".join(
            _text(v) for name in ("DESCRIPTION", *_LINK_PROPERTIES) for v in _all(component, name)
        ),
        attendees=tuple(_attendee(v) for v in _all(component, "ATTENDEE")),
        organizer=_organizer(component),
    )


def _all(component: icalendar.cal.Component, name: str) -> list[Any]:
    """A property's values: icalendar gives one value, or a list when it repeats."""
    value = component.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _when(component: icalendar.cal.Component, name: str) -> dt.date | dt.datetime | None:
    prop = component.get(name)
    value = getattr(prop, "dt", None)
    return value if isinstance(value, dt.date) else None


def _end_from_duration(
    component: icalendar.cal.Component, start: dt.date | dt.datetime
) -> dt.date | dt.datetime:
    duration = getattr(component.get("DURATION"), "dt", None)
    if isinstance(duration, dt.timedelta):
        return start + duration
    # RFC 5545: no end and no duration lasts a day (all-day) or no time at all.
    return start if isinstance(start, dt.datetime) else start + dt.timedelta(days=1)


def _iso(value: object) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.strftime("%Y%m%dT%H%M%S") + ("Z" if value.tzinfo is not None else "")
    if isinstance(value, dt.date):
        return value.strftime("%Y%m%d")
    return str(value)


def _attendee(value: object) -> Attendee:
    params = getattr(value, "params", {})
    address = str(value).strip()
    if address.casefold().startswith("mailto:"):
        address = address[len("mailto:") :]
    return Attendee(
        address=canonical_address(address),
        name=_text(params.get("CN")),
        partstat=_text(params.get("PARTSTAT")).upper(),
    )


def _organizer(component: icalendar.cal.Component) -> Attendee | None:
    value = component.get("ORGANIZER")
    return None if value is None else _attendee(value)


# --- the rules ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """The calendar settings, prepared once for many occurrences."""

    me: frozenset[str]
    max_attendees: int
    horizon: dt.timedelta
    kinds: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]
    video_hosts: re.Pattern[str]
    all_day: bool
    include_title: bool
    names: NameFinder

    @classmethod
    def of(
        cls, settings: CalendarConfig, contact_names: Iterable[str], me: Iterable[str] = ()
    ) -> Rules:
        """`me`: more of the user's own addresses than settings.me (e.g. the mailbox)."""
        hosts = "|".join(re.escape(h.strip().casefold().strip(".")) for h in settings.video_hosts)
        return cls(
            me=frozenset(a for a in (canonical_address(x) for x in (*settings.me, *me)) if a),
            max_attendees=settings.max_attendees,
            horizon=dt.timedelta(days=settings.horizon_days),
            kinds=tuple(
                (kind.strip().casefold(), tuple(_words(w) for w in words if _words(w)))
                for kind, words in settings.kinds.items()
            ),
            video_hosts=re.compile(
                rf"https?://(?:[\w-]+\.)*(?:{hosts or '(?!)'})(?=[/:?#]|$)", re.IGNORECASE
            ),
            all_day=settings.all_day,
            include_title=settings.include_title,
            names=NameFinder.of(contact_names),
        )


def classify(
    occurrence: Occurrence, rules: Rules, now: dt.datetime, zone: ZoneInfo
) -> tuple[Literal["past", "planned"], Touch] | str:
    """("past", touch) for a meeting that has ended, ("planned", touch) for one to come
    within the horizon, or the reason it counts for nothing.

    Order matters: one of our own reminders, a cancelled event, an invitation the user
    declined or an all-day entry is out whatever its attendees; a meeting bigger than
    max_attendees (the user and the organizer included) is no keep-in-touch.
    """
    if occurrence.uid.startswith(UID_PREFIX):
        return OWN_REMINDER
    if occurrence.status == "CANCELLED":
        return CANCELLED
    people = _people(occurrence)
    if any(a.address in rules.me and a.partstat == "DECLINED" for a in people):
        return DECLINED
    if occurrence.all_day and not rules.all_day:
        return ALL_DAY
    if len(people) > rules.max_attendees:
        return TOO_MANY_ATTENDEES
    start, end = _local(occurrence.start, zone), _local(occurrence.end, zone)
    if end <= now:
        when: Literal["past", "planned"] = "past"
    elif start > now:
        if start > now + rules.horizon:
            return BEYOND_HORIZON
        when = "planned"
    else:
        return IN_PROGRESS
    addresses = tuple(
        dict.fromkeys(
            a.address
            for a in people
            if a.address and a.address not in rules.me and a.partstat != "DECLINED"
        )
    )
    names = rules.names.find(occurrence.title)
    if not addresses and not names:
        return NOBODY
    touch = Touch(
        day=start.date(),
        kind=kind_of(occurrence, rules),
        addresses=addresses,
        names=names,
        source_id=occurrence.source_id,
        note=occurrence.title if rules.include_title else "",
    )
    return when, touch


def classify_all(
    occurrences: Iterable[Occurrence], rules: Rules, now: dt.datetime, zone: ZoneInfo
) -> CalendarFindings:
    """Classify each occurrence once (the first of any repeated source id wins)."""
    touches: list[Touch] = []
    planned: list[Touch] = []
    skipped: Counter[str] = Counter()
    seen: set[str] = set()
    for occurrence in occurrences:
        if occurrence.source_id in seen:
            continue
        seen.add(occurrence.source_id)
        verdict = classify(occurrence, rules, now, zone)
        if isinstance(verdict, str):
            skipped[verdict] += 1
        elif verdict[0] == "past":
            touches.append(verdict[1])
        else:
            planned.append(verdict[1])
    return CalendarFindings(tuple(touches), tuple(planned), dict(skipped))


def _people(occurrence: Occurrence) -> list[Attendee]:
    """Attendees and the organizer, each address once (an organizer is often both)."""
    found: dict[str, Attendee] = {}
    anonymous: list[Attendee] = []
    for person in (*occurrence.attendees, occurrence.organizer):
        if person is None:
            continue
        if not person.address:
            anonymous.append(person)
            continue
        known = found.get(person.address)
        # The ATTENDEE line carries the answer (PARTSTAT); the ORGANIZER line rarely does.
        if known is None or (person.partstat and not known.partstat):
            found[person.address] = person
    return [*found.values(), *anonymous]


def _local(value: dt.date | dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """An occurrence time as an aware time in the user's zone.

    All-day dates start at local midnight; floating times (no zone) are local times.
    """
    if not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time(), zone)
    if value.tzinfo is None:
        return value.replace(tzinfo=zone)
    return value.astimezone(zone)


def kind_of(occurrence: Occurrence, rules: Rules) -> str:
    """`call` when online-only, else the first kind whose word the title has, else
    `meeting`.

    Online-only wins over the title: a "virtual coffee" on a video link is no meeting
    in person, and in-person kinds move "last in person".
    """
    if is_online_only(occurrence, rules):
        return "call"
    title = _words(occurrence.title)
    for kind, phrases in rules.kinds:
        if any(_contains(title, phrase) for phrase in phrases):
            return kind
    return "meeting"


def is_online_only(occurrence: Occurrence, rules: Rules) -> bool:
    """A video link somewhere, and no place: LOCATION empty, a link, or a placeholder."""
    text = f"{occurrence.location} {occurrence.link_text}"
    if not rules.video_hosts.search(text):
        return False
    place = _URL.sub(" ", occurrence.location)
    place = " ".join(re.split(r"[\s;,]+", place)).strip(" -;,").casefold()
    return not place or place in _ONLINE_PLACEHOLDERS


# Letters that are no accented letter to Unicode, so NFKD leaves them: "Ørsted" typed on
# an English keyboard is "Orsted".
_PLAIN_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "þ": "th", "ı": "i"}
)


def _fold(text: str) -> str:
    """Case and accents ignored: "Zoë" reads as "zoe", "Café" as "cafe", "Ø" as "o"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_PLAIN_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(_fold(text)))


def _contains(words: Sequence[str], phrase: Sequence[str]) -> bool:
    size = len(phrase)
    return any(tuple(words[i : i + size]) == tuple(phrase) for i in range(len(words) - size + 1))


@dataclass(frozen=True)
class NameFinder:
    """Finds contacts' full names in a title: whole words, in order, case and accents
    ignored ("Lunch w/ jane DOE" names Jane Doe).

    Only names of two words or more are looked for: a lone first name ("Mark", "May")
    is too often an ordinary word. Where names overlap ("Jane Doe" inside "Jane Doe
    Smith") the longest wins. Whether a name found is a contact of its own (no two rows
    share it) is `core.touches.match_touches`' call.
    """

    by_first_word: Mapping[str, tuple[tuple[tuple[str, ...], str], ...]]

    @classmethod
    def of(cls, names: Iterable[str]) -> NameFinder:
        table: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for name in dict.fromkeys(n.strip() for n in names if n and n.strip()):
            words = _words(name)
            if len(words) >= 2:
                table.setdefault(words[0], []).append((words, name))
        return cls({k: tuple(sorted(v, key=lambda x: -len(x[0]))) for k, v in table.items()})

    def find(self, title: str) -> tuple[str, ...]:
        words = _words(title)
        spans: list[tuple[int, int, str]] = []
        for start, word in enumerate(words):
            for phrase, name in self.by_first_word.get(word, ()):
                if tuple(words[start : start + len(phrase)]) == phrase:
                    spans.append((start, start + len(phrase), name))
        spans.sort(key=lambda s: (-(s[1] - s[0]), s[0]))
        taken: set[int] = set()
        found: list[tuple[int, str]] = []
        for begin, stop, name in spans:
            if taken.isdisjoint(range(begin, stop)):
                taken.update(range(begin, stop))
                found.append((begin, name))
        return tuple(dict.fromkeys(name for _, name in sorted(found)))


# --- reminders ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    """One calendar entry: who, why, on which day, under a UID that stays the same."""

    uid: str
    day: dt.date
    summary: str
    description: str
    reason: Literal["pick", "birthday", "thank-you"]


def reminder_uid(identity: str, reason: str, period: dt.date) -> str:
    """A UID from who, why and when, so the same reminder keeps it from run to run.

    >>> reminder_uid("jane@example.com", "pick", dt.date(2026, 11, 23))[:14]
    'sheets-keepup-'
    """
    digest = hashlib.sha256(f"{identity}\n{reason}\n{period.isoformat()}".encode()).hexdigest()
    return f"{UID_PREFIX}{reason}-{digest[:24]}{UID_DOMAIN}"


def person_identity(name: str, email: str) -> str:
    """Who a reminder is for: the first address of the Email cell, else the name."""
    for part in re.split(r"[\s,;]+", email):
        address = canonical_address(part)
        if address:
            return address
    return " ".join(_words(name))


def reminders_of(digest: Digest, week: dt.date) -> list[Reminder]:
    """The digest's picks, birthdays and thank-yous as reminders.

    A pick's UID is tied to the week (`week`, its first day): it is this week's
    suggestion, and it lands on its due day when that falls in the week, else on the
    week's first day. A birthday's UID is tied to the date and a thank-you's to the
    meeting, so the same one seen in two weekly runs stays one entry.
    """
    end = week + dt.timedelta(days=7)
    found: list[Reminder] = []
    for pick in digest.picks:
        day = pick.due if pick.due is not None and week <= pick.due < end else week
        found.append(
            Reminder(
                uid=reminder_uid(person_identity(pick.name, pick.email), "pick", week),
                day=day,
                summary=pick.action,
                description=_lines(pick.why, pick.hook, pick.email, pick.phone),
                reason="pick",
            )
        )
    for birthday in digest.birthdays:
        found.append(
            Reminder(
                uid=reminder_uid(
                    person_identity(birthday.name, birthday.email), "birthday", birthday.date
                ),
                day=birthday.date,
                summary=f"Birthday: {birthday.name}",
                description=_lines(
                    "Send a birthday note.", birthday.hook, birthday.email, birthday.phone
                ),
                reason="birthday",
            )
        )
    for thanks in digest.thank_yous:
        found.append(
            Reminder(
                uid=reminder_uid(
                    person_identity(thanks.name, thanks.email), "thank-you", thanks.meeting
                ),
                day=thanks.due,
                summary=f"Thank {thanks.name}",
                description=_lines(thanks.why, thanks.hook, thanks.email, thanks.phone),
                reason="thank-you",
            )
        )
    return found


def _lines(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


CALENDAR_NAME = "Keep in touch"
PRODID = "-//sheets-keepup//reminders//EN"


def reminder_component(
    reminder: Reminder, stamp: dt.datetime, *, tasks: bool
) -> icalendar.cal.Component:
    """One all-day VEVENT (shown as free time) or a VTODO due that day."""
    item: icalendar.cal.Component = icalendar.Todo() if tasks else icalendar.Event()
    item.add("UID", reminder.uid)
    item.add("DTSTAMP", stamp.astimezone(dt.UTC))
    item.add("SUMMARY", reminder.summary)
    if reminder.description:
        item.add("DESCRIPTION", reminder.description)
    item.add("CATEGORIES", ["sheets-keepup"])
    if tasks:
        item.add("DUE", reminder.day)
        item.add("STATUS", "NEEDS-ACTION")
    else:
        item.add("DTSTART", reminder.day)
        item.add("DTEND", reminder.day + dt.timedelta(days=1))
        item.add("TRANSP", "TRANSPARENT")
    return item


def reminders_calendar(
    reminders: Iterable[Reminder], stamp: dt.datetime, *, tasks: bool
) -> icalendar.Calendar:
    """One VCALENDAR holding every reminder."""
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("X-WR-CALNAME", CALENDAR_NAME)
    for reminder in reminders:
        calendar.add_component(reminder_component(reminder, stamp, tasks=tasks))
    return calendar


def reminders_ics(reminders: Iterable[Reminder], stamp: dt.datetime, *, tasks: bool) -> bytes:
    """The .ics file's bytes (CRLF line ends, folded lines, as RFC 5545 asks)."""
    return bytes(reminders_calendar(reminders, stamp, tasks=tasks).to_ical())
