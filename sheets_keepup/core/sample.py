"""The bundled sample contact list that `sheets-keepup demo` syncs.

Dates are relative to the day the demo runs, so the sample always shows a realistic mix
of overdue, due-soon and fine rows, a thank-you owed, a birthday and a few messy cells.
All people are fictional.
"""

from __future__ import annotations

import datetime as dt

from sheets_keepup.core.model import CellValue, TabSetup

CONTACT_HEADERS = [
    "Name",
    "Email",
    "Phone",
    "Company/Role",
    "How we met",
    "Tier",
    "Cadence",
    "Last contact",
    "Last in person",
    "Birthday",
    "Interests",
    "Notes",
    "Snooze until",
]
LOG_HEADERS = ["Date", "Who", "Kind", "Note"]

# fmt: off
# name, email, phone, company, how met, tier, cadence, last contact (days ago or text),
# last in person (days ago), birthday (days from today or text), interests, notes, snooze
_PEOPLE: list[tuple[CellValue, ...]] = [
    ("Amara Okafor", "amara.okafor@example.com", "+44 20 7946 0101", "Lumen Health / CTO",
     "PyCon 2023", "close", "", 41, 200, 5, "trail running, sourdough",
     "Kids: Ada and Theo. Moving to Lisbon in spring.", None),
    ("Bruno Castillo", "bruno@example.org", "+34 600 000 111", "Freelance designer",
     "Old colleague", "core", "", 120, 400, None, "typography", "Starting a studio", None),
    ("Chen Wei", "chen.wei@example.net", "", "Orbital Labs / PM", "Meetup", "network", "",
     200, None, None, "", "", None),
    ("Dara Nwosu", "dara@example.com", "", "Northwind / Eng manager", "Conference", "core", "",
     20, 90, None, "chess", "", None),
    ("Elif Yilmaz", "elif.y@example.com", "+90 555 000 12", "Atlas Bank", "MBA class", "close",
     "6 weeks", 50, 30, "03-02", "jazz", "Daughter starts university", None),
    ("Farah Haddad", "farah@example.org", "", "UX researcher", "Twitter", "network", "",
     10, None, None, "", "", None),
    ("Gustav Lind", "gustav.lind@example.se", "", "Skog AB / Founder", "Investor intro", "core",
     "quarterly", 95, 300, None, "sailing", "", None),
    ("Hana Sato", "hana.sato@example.jp", "+81 90 0000 0000", "Kumo Inc", "Hackathon",
     "acquaintance", "", 500, None, None, "", "", None),
    ("Ivan Petrov", "ivan@example.com", "", "Data engineer", "Ex-team", "close", "",
     "last spring", None, None, "climbing", "", None),
    ("Julia Rossi", "julia.rossi@example.it", "", "Mentor", "University", "close", "",
     3, 3, None, "opera", "", None),
    ("Kwame Mensah", "kwame@example.com", "+233 20 000 0000", "Accra Tech Hub", "Panel",
     "network", "", 170, None, None, "", "Writing a book on fintech", None),
    ("Lena Fischer", "lena.fischer@example.de", "", "Recruiter", "LinkedIn", "acquaintance",
     "", 90, None, None, "", "", None),
    ("Mateo García", "mateo@example.com", "", "Open-source maintainer", "GitHub", "network",
     "", None, None, None, "Rust", "", None),
    ("Nadia Rahman", "nadia@example.org", "", "Policy lead", "Workshop", "core", "",
     60, 380, None, "", "Twins born in June", None),
    ("Oskar Nowak", "oskar@example.pl", "", "CTO, Wisła", "Conference", "vip", "", 30, None,
     None, "", "", None),
    ("Priya Nair", "priya.nair@example.in", "+91 98 0000 0000", "Product lead", "Ex-manager",
     "close", "", 25, 150, 2, "cricket", "", None),
    ("Quentin Moreau", "quentin@example.fr", "", "Investor", "Pitch night", "core", "",
     88, 200, None, "wine", "", None),
    ("Rosa Delgado", "rosa@example.mx", "", "Journalist", "Podcast", "network", "", 400, None,
     None, "", "", -30),
    ("Sam O'Neill", "sam.oneill@example.ie", "", "Consultant", "Client", "core", "", 89,
     100, None, "", "", None),
    ("Tomás Silva", "tomas@example.pt", "", "Designer", "Meetup", "acquaintance", "", 200,
     None, None, "", "", None),
    ("Uma Iyer", "uma@example.com", "", "Data scientist", "Kaggle", "network", "45", 50, None,
     None, "kaggle", "", None),
    ("Victor Hugo Lima", "victor@example.br", "", "Sales director", "Trade fair", "network",
     "", 181, None, None, "", "", None),
    ("Wen Li", "wen.li@example.cn", "", "Professor", "Guest lecture", "core", "", 30, 600,
     None, "robotics", "", None),
    ("Xavier Dubois", "", "+33 6 00 00 00 00", "Chef, Le Comptoir", "Neighbour", "network",
     "", 190, None, None, "", "", None),
    ("Yara Haddad", "yara@example.lb", "", "Architect", "Friend of Farah", "acquaintance",
     "", 100, None, None, "", "", None),
    ("Zoë Ørsted", "zoe@example.dk", "", "Climate startup", "Climate meetup", "core", "",
     70, 200, 12, "cycling 🚲", "", None),
    ("Aisha Bello", "aisha@example.ng", "", "Lawyer", "Board", "close", "", 29, 170, None,
     "", "", None),
    ("Ben Carter", "ben.carter@example.com", "", "VP Engineering", "Ex-colleague", "core",
     "every 2 months", 65, 300, None, "", "", None),
    ("Clara Jensen", "clara@example.no", "", "Nurse", "Volunteering", "acquaintance", "",
     "Mar 2024", None, None, "", "", None),
    ("Diego Fernández", "diego@example.ar", "", "Founder, Pampa AI", "Accelerator", "core",
     "", 91, 200, None, "", "Raising a seed round", None),
    ("Emma Schulz", "emma@example.at", "", "Designer", "Dribbble", "network", "", "2025",
     None, None, "", "", None),
    ("Felix Wagner", "felix@example.ch", "", "Banker", "Ski trip", "network", "", 45, None,
     None, "", "", None),
    ("=HYPERLINK(\"https://example.com\",\"Gaby\")", "gaby@example.com", "", "Formula-looking name",
     "Test", "acquaintance", "", 20, None, None, "", "Name that looks like a formula", None),
]

_LOG: list[tuple[int, str, str, str]] = [
    (3, "Julia Rossi", "coffee", "Talked about her new lab"),
    (20, "dara@example.com", "call", "Hiring update"),
    (10, "Farah Haddad", "email", "Shared an article"),
    (1, "Priya Nair", "lunch", "Caught up after her move"),
    (0, "Priya Nair", "thank-you", ""),
    (40, "Amara Okafor", "email", "Intro to Lisbon founders"),
    (15, "Jon Smyth", "email", "Who is this?"),
]
# fmt: on


def _when(today: dt.date, value: CellValue) -> CellValue:
    """Days-ago integers become dates; anything else is kept as the user 'typed' it."""
    if isinstance(value, int) and not 1900 <= value <= 2200:
        return today - dt.timedelta(days=value)
    return value


def _birthday(today: dt.date, value: CellValue) -> CellValue:
    if isinstance(value, int):
        day = today + dt.timedelta(days=value)
        return f"{1980 + value:04d}-{day.month:02d}-{day.day:02d}"
    return value


def _snooze(today: dt.date, value: CellValue) -> CellValue:
    return today - dt.timedelta(days=value) if isinstance(value, int) else None


def sample_tabs(today: dt.date) -> dict[str, list[list[CellValue]]]:
    """The Contacts and Log tabs of the sample workbook, as of `today`."""
    contacts: list[list[CellValue]] = [
        ["My professional network (edit freely; sheets-keepup writes only the last 4 columns)"],
        [],
        list(CONTACT_HEADERS),
    ]
    for person in _PEOPLE:
        (
            name,
            email,
            phone,
            company,
            met,
            tier,
            cadence,
            last,
            in_person,
            birthday,
            interests,
            notes,
            snooze,
        ) = person
        contacts.append(
            [
                name,
                email,
                phone,
                company,
                met,
                tier,
                cadence,
                _when(today, last),
                _when(today, in_person),
                _birthday(today, birthday),
                interests,
                notes,
                _snooze(today, snooze),
            ]
        )
    log: list[list[CellValue]] = [list(LOG_HEADERS)]
    log += [[today - dt.timedelta(days=d), who, kind, note] for d, who, kind, note in _LOG]
    return {"Contacts": contacts, "Log": log}


HEADER_ROW = 2
"""0-based row of the sample's Contacts header (two title rows sit above it)."""
_WIDTHS = [180, 220, 140, 190, 130, 100, 110, 110, 110, 100, 170, 260, 100]
# The owned columns land right of the user's: Next action, Due, Status.
_OWNED_WIDTHS = [640, 100, 90]


def sample_setup() -> dict[str, TabSetup]:
    """How the sample workbook looks: frozen headers, date formats, readable widths."""
    widths = dict(enumerate([*_WIDTHS, *_OWNED_WIDTHS]))
    first_owned = len(CONTACT_HEADERS)
    date_columns = [
        *(CONTACT_HEADERS.index(h) for h in ("Last contact", "Last in person", "Snooze until")),
        first_owned + 1,
    ]
    contacts = TabSetup(
        frozen_rows=HEADER_ROW + 1,
        first_row=HEADER_ROW + 1,
        date_columns=date_columns,
        widths=widths,
        bold_rows=HEADER_ROW + 1,
    )
    log = TabSetup(
        frozen_rows=1, date_columns=[0], widths={0: 110, 1: 180, 2: 110, 3: 360}, bold_rows=1
    )
    return {"Contacts": contacts, "Log": log}
