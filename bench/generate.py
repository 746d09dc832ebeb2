"""Realistic, reproducible contact sheets of any size, as the Sheets API would return them.

Cells look like what a backend reads: dates the user typed as dates are dates (Sheets
keeps them as date-formatted serial numbers), everything else is text. A small share
of cells are messy the way real sheets are: text dates ("Mar 2024"), cadence overrides,
unknown tiers, unreadable dates, empty rows, snoozes. The Log tab holds a few touches per
contact, mostly by email, some by name.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sheets_keepup.core.model import CellValue
from sheets_keepup.core.sample import CONTACT_HEADERS, LOG_HEADERS

LAST_CONTACT_COL = CONTACT_HEADERS.index("Last contact")
HEADER_ROW = 2


def _words(text: str) -> list[str]:
    return text.split()


_FIRST = _words(
    "Amara Bruno Chen Dara Elif Farah Gustav Hana Ivan Julia Kwame Lena Mateo Nadia Oskar "
    "Priya Quentin Rosa Sam Tomás Uma Victor Wen Xavier Yara Zoë Aisha Ben Clara Diego Emma "
    "Felix Gaby Hugo Ines Jonas Kira Luca Maya Nils Olga Pablo Rania Sofia Theo Vera Yusuf"
)
_LAST = _words(
    "Okafor Castillo Wei Nwosu Yilmaz Haddad Lind Sato Petrov Rossi Mensah Fischer García "
    "Rahman Nowak Nair Moreau Delgado O'Neill Silva Iyer Lima Li Dubois Ørsted Bello Carter "
    "Jensen Fernández Schulz Wagner Costa Novak Kowalski Müller Tanaka Kim Singh Ali Ivanova"
)
_COMPANIES = (
    "Lumen Health / CTO",
    "Freelance designer",
    "Orbital Labs / PM",
    "Northwind / Eng manager",
    "Atlas Bank",
    "UX researcher",
    "Skog AB / Founder",
    "Kumo Inc",
    "Data engineer",
    "Accra Tech Hub",
    "Recruiter",
    "Policy lead",
    "Investor",
    "Journalist",
    "Consultant",
)
_MET = ("PyCon", "Old colleague", "Meetup", "Conference", "MBA class", "LinkedIn", "Client")
_INTERESTS = (
    "",
    "",
    "",
    "trail running, sourdough",
    "typography",
    "chess",
    "jazz",
    "sailing",
    "climbing",
    "opera",
    "Rust",
    "cricket",
    "cycling",
)
_NOTES = (
    "",
    "",
    "",
    "",
    "Kids: Ada and Theo. Moving to Lisbon in spring.",
    "Starting a studio",
    "Daughter starts university",
    "Writing a book on fintech",
    "Raising a seed round",
    "Twins born in June",
)
_TIERS = ("close",) * 1 + ("core",) * 3 + ("network",) * 4 + ("acquaintance",) * 2
_CADENCES = ("6 weeks", "quarterly", "45", "every 2 months", "monthly")
_KINDS = ("email", "email", "call", "coffee", "lunch", "meeting", "event", "thank-you")
_NOTES_LOG = ("", "Caught up", "Intro to a founder", "Hiring update", "Shared an article")


@dataclass(frozen=True)
class GeneratedSheet:
    """The Contacts and Log tabs as rows of cells, plus where the contact rows are."""

    contacts: list[list[CellValue]]
    log: list[list[CellValue]]
    first_row: int
    """0-based sheet row of the first contact."""


def _day(today: dt.date, days_ago: int) -> dt.date:
    return today - dt.timedelta(days=days_ago)


_INITIALS = "ABCDEFGHIJKLMNOPRSTVW"


def _name(code: int) -> tuple[str, str]:
    """A distinct name per code: first, middle initial, surname, sometimes double-barrelled."""
    code, first = divmod(code, len(_FIRST))
    code, initial = divmod(code, len(_INITIALS))
    code, last = divmod(code, len(_LAST))
    second = code % (len(_LAST) + 1)
    surname = _LAST[last] if second == len(_LAST) else f"{_LAST[last]}-{_LAST[second]}"
    return f"{_FIRST[first]} {_INITIALS[initial]}. {surname}", f"{_FIRST[first]}.{surname}"


def _contact(rng: random.Random, i: int, code: int, today: dt.date) -> list[CellValue]:
    name, handle = _name(code)
    handle = handle.lower().replace("'", "")
    email = f"{handle}.{i}@example.com"
    if rng.random() < 0.05:
        email = ""
    phone = f"+44 20 7946 {rng.randrange(10000):04d}" if rng.random() < 0.4 else ""
    tier = rng.choice(_TIERS)
    roll = rng.random()
    if roll < 0.02:
        tier = ""
    elif roll < 0.025:
        tier = "vip"  # not a tier: reported as a cell to check
    cadence = rng.choice(_CADENCES) if rng.random() < 0.08 else ""
    last_contact: CellValue = _day(today, int(rng.expovariate(1 / 150)))
    roll = rng.random()
    if roll < 0.03:
        last_contact = None
    elif roll < 0.05:
        month = dt.date(2020 + rng.randrange(6), 1 + rng.randrange(12), 1)
        last_contact = month.strftime("%b %Y")
    elif roll < 0.052:
        last_contact = "last spring"
    in_person: CellValue = (
        _day(today, int(rng.expovariate(1 / 300))) if tier in ("close", "core") else None
    )
    birthday: CellValue = None
    if rng.random() < 0.3:
        born = dt.date(1960 + rng.randrange(40), 1 + rng.randrange(12), 1 + rng.randrange(28))
        birthday = born.isoformat() if rng.random() < 0.7 else born.strftime("%m-%d")
    snooze: CellValue = _day(today, -rng.randrange(1, 90)) if rng.random() < 0.01 else None
    return [
        name if rng.random() > 0.01 else "",
        email,
        phone,
        rng.choice(_COMPANIES),
        rng.choice(_MET),
        tier,
        cadence,
        last_contact,
        in_person,
        birthday,
        rng.choice(_INTERESTS),
        rng.choice(_NOTES),
        snooze,
    ]


def generate(rows: int, today: dt.date, *, seed: int = 2026, log_ratio: int = 3) -> GeneratedSheet:
    """`rows` contacts under a title and a blank line, and about `log_ratio` x as many touches."""
    rng = random.Random(seed)
    contacts: list[list[CellValue]] = [
        ["My professional network (sheets-keepup writes only the last 3 columns)"],
        [],
        list(CONTACT_HEADERS),
    ]
    space = len(_FIRST) * len(_INITIALS) * len(_LAST) * (len(_LAST) + 1)
    codes = rng.sample(range(space), rows)
    people = [_contact(rng, i, code, today) for i, code in enumerate(codes)]
    contacts += people
    log: list[list[CellValue]] = [list(LOG_HEADERS)]
    for _ in range(rows * log_ratio):
        who = rng.choice(people)
        if who[1] and rng.random() < 0.8:
            key: CellValue = who[1]
        else:
            key = who[0] or who[1]
        log.append(
            [
                _day(today, int(rng.expovariate(1 / 200))),
                key,
                rng.choice(_KINDS),
                rng.choice(_NOTES_LOG),
            ]
        )
    return GeneratedSheet(contacts=contacts, log=log, first_row=HEADER_ROW + 1)


def edit_last_contacts(
    sheet_rows: list[list[CellValue]], share: float, today: dt.date, *, seed: int = 7
) -> list[int]:
    """Set Last contact to today on `share` of the contact rows; return the rows edited."""
    rng = random.Random(seed)
    candidates = list(range(HEADER_ROW + 1, len(sheet_rows)))
    count = max(1, round(len(candidates) * share))
    edited = sorted(rng.sample(candidates, count))
    for row in edited:
        line = sheet_rows[row]
        line.extend([None] * (LAST_CONTACT_COL + 1 - len(line)))
        line[LAST_CONTACT_COL] = today
    return edited
