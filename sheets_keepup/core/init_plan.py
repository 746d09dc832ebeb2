"""Plan `init`: set up a new contact sheet, or add what is missing to an existing one.

A blank sheet gets the Contacts headers, a Log tab, a frozen header row, date formats,
dropdowns on Tier and on the Log's Kind, column widths and, if asked, a few example
rows. A sheet that already has contacts gets only what it lacks (the owned columns, the
Log tab, a Tier dropdown when every Tier is already a known tier); the user's columns
are never moved, renamed or rewritten. Everything goes in one atomic write.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sheets_keepup.core.diff import claim_owned_columns, created_keys, owned_columns
from sheets_keepup.core.errors import DataError
from sheets_keepup.core.headers import FIELD_ALIASES, LOG_ALIASES, cell_name, column_letter
from sheets_keepup.core.model import (
    CellWrite,
    ChangeSet,
    DropDown,
    Identity,
    SheetData,
    Tab,
    TabSetup,
    WriteValue,
)
from sheets_keepup.core.parse import ContactSheet, read_contacts
from sheets_keepup.core.settings import Config

CONTACT_FIELDS = (
    "name",
    "email",
    "phone",
    "company",
    "how_met",
    "tier",
    "cadence",
    "last_contact",
    "last_in_person",
    "birthday",
    "interests",
    "notes",
    "snooze_until",
)
"""The user columns a blank Contacts tab gets, in order (headers: first alias)."""
DATE_FIELDS = ("last_contact", "last_in_person", "snooze_until")
LOG_FIELDS = ("date", "who", "kind", "note")

WIDTHS = {
    "name": 180,
    "email": 220,
    "phone": 130,
    "company": 180,
    "how_met": 140,
    "tier": 100,
    "cadence": 100,
    "last_contact": 110,
    "last_in_person": 110,
    "birthday": 100,
    "interests": 180,
    "notes": 260,
    "snooze_until": 110,
    "next_action": 380,
    "due": 100,
    "status": 90,
    "done": 70,
}
"""Column widths in pixels."""
LOG_WIDTHS = {"date": 110, "who": 180, "kind": 110, "note": 360}
BASE_KINDS = ("email", "call", "message")
MAX_LIST_CHARS = 250
"""xlsx list dropdowns hold at most 255 characters."""

_Days = int | None
# fmt: off
# name, email, company, how met, tier, cadence, last contact (days ago), last in person
# (days ago), birthday (days from today), interests, notes. All fictional.
_EXAMPLES: list[tuple[str, str, str, str, str, str, _Days, _Days, _Days, str, str]] = [
    ("Example: Ada Park", "ada.park@example.com", "Northwind / CTO", "Conference",
     "close", "", 40, 200, 5, "climbing", "Delete the example rows when you add your own."),
    ("Example: Ben Osei", "ben.osei@example.org", "Freelance designer", "Old colleague",
     "core", "", 100, 400, None, "typography", "Starting a studio"),
    ("Example: Chloe Martin", "chloe@example.net", "Orbital Labs / PM", "Meetup",
     "network", "", 20, None, None, "", ""),
    ("Example: Dev Patel", "dev@example.com", "Investor", "Intro from Ada",
     "acquaintance", "quarterly", None, None, None, "sailing", "Never contacted yet"),
]
# fmt: on


@dataclass(frozen=True)
class InitPlan:
    """The one write `init` makes, and what it does and leaves alone, in plain words."""

    changes: ChangeSet
    done: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class InitResult:
    """What `init` found and did."""

    target: str
    plan: InitPlan
    written: bool
    dry_run: bool
    created_file: bool = False


def _header(field_name: str) -> str:
    return FIELD_ALIASES[field_name][0]


def _is_blank(tab: Tab | None) -> bool:
    if tab is None:
        return True
    return all(v is None or (isinstance(v, str) and not v.strip()) for r in tab.rows for v in r)


def _join(names: Sequence[str]) -> str:
    return ", ".join(names)


def log_kinds(config: Config) -> tuple[str, ...]:
    """The Kind dropdown of the Log tab: everyday kinds, in-person kinds, a thank-you."""
    kinds = [*BASE_KINDS, *config.rules.in_person_kinds, *config.rules.thank_you_kinds[:1]]
    return tuple(dict.fromkeys(k.strip() for k in kinds if k.strip()))


def _dropdown(col: int, values: Sequence[str], what: str, notes: list[str]) -> DropDown | None:
    """A non-strict dropdown, unless the values cannot be listed in one."""
    bad = [v for v in values if "," in v or '"' in v]
    if bad:
        notes.append(f"No dropdown on {what}: {bad[0]!r} contains a comma or a quote.")
        return None
    if len(",".join(values)) > MAX_LIST_CHARS:
        notes.append(f"No dropdown on {what}: the list is too long for a spreadsheet dropdown.")
        return None
    return DropDown(col, tuple(values))


@dataclass(frozen=True)
class FoundContacts:
    """Another tab whose header row reads as a contact list."""

    tab: str
    contacts: int
    columns: tuple[str, ...]
    """The recognised headers, as the user typed them."""


def contact_like_tab(data: SheetData, config: Config) -> FoundContacts | None:
    """A tab other than the configured ones that holds a contact list, if there is one.

    A header row the header recognition maps to a name and an email or a last-contact
    date is a contact list; of several, the one with the most rows.
    """
    skip = {config.tabs.contacts, config.tabs.log, config.health.tab, config.digest.tab}
    found: list[FoundContacts] = []
    for title, tab in data.tabs.items():
        if title in skip or _is_blank(tab):
            continue
        try:
            sheet = read_contacts(tab, config, data.locale)
        except DataError:
            continue
        fields = sheet.header.fields
        named = "name" in fields or "first_name" in fields
        if not named or not ({"email", "last_contact"} & fields.keys()):
            continue
        titles = tab.rows[sheet.header.row]
        columns = tuple(str(titles[c]) for c in sorted(fields.values()))
        found.append(FoundContacts(title, len(sheet.frame), columns))
    return max(found, key=lambda f: f.contacts, default=None)


def wrong_tab_message(config: Config, found: FoundContacts) -> str:
    """Why the configured contacts tab is the wrong one, and the line that fixes it."""
    shown = ", ".join(found.columns[:4])
    people = "1 contact" if found.contacts == 1 else f"{found.contacts} contacts"
    return (
        f"There is no contact list on tab '{config.tabs.contacts}', but tab '{found.tab}' "
        f"holds one ({people}; columns {shown}). Point the config at it with "
        f"`tabs.contacts: {found.tab}` (under `tabs:` in the config file), then run the "
        "command again."
    )


_PLANNED = (
    ("Created ", "Would create "),
    ("Set up ", "Would set up "),
    ("Froze ", "Would freeze "),
    ("Added ", "Would add "),
    ("Date format ", "Would set the date format "),
    ("Dropdown on ", "Would add a dropdown on "),
)


def as_planned(line: str) -> str:
    """A line of what init did, said of what it would do (for --dry-run)."""
    for done, planned in _PLANNED:
        if line.startswith(done):
            return planned + line[len(done) :]
    return line


def plan_init(
    data: SheetData, config: Config, today: dt.date, *, sample: bool = False, dry_run: bool = False
) -> InitPlan:
    """The write that sets the sheet up, from one read of it. Pure: no I/O.

    Refuses (DataError) to set up a missing or empty contacts tab when another tab of
    `data` holds a contact list: the nightly job would then read the new empty tab and
    do nothing, night after night.
    """
    done: list[str] = []
    notes: list[str] = []
    contacts_tab = data.tabs.get(config.tabs.contacts)
    blank = _is_blank(contacts_tab)
    elsewhere = contact_like_tab(data, config) if blank else None
    if elsewhere is not None:
        raise DataError(wrong_tab_message(config, elsewhere) + " Nothing was written.")
    if blank:
        contacts = _blank_contacts(contacts_tab, config, today, sample, done, notes)
    else:
        assert contacts_tab is not None
        contacts = _existing_contacts(contacts_tab, data.locale, config, done, notes)
        if sample:
            notes.append("--sample ignored: the Contacts tab already has contacts.")
    log = _log_tab(data.tabs.get(config.tabs.log), config, today, blank and sample, done, notes)
    extra = [log] if log is not None else []
    changes = dataclasses.replace(contacts, extra_tabs=extra)
    if dry_run:
        done = [as_planned(line) for line in done]
    return InitPlan(changes=changes, done=done, notes=notes)


def _blank_contacts(
    tab: Tab | None,
    config: Config,
    today: dt.date,
    sample: bool,
    done: list[str],
    notes: list[str],
) -> ChangeSet:
    owned = config.columns.owned.model_dump()
    owned_keys = created_keys(config)
    keys = [*CONTACT_FIELDS, *owned_keys]
    headers = [_header(k) if k in FIELD_ALIASES else owned[k] for k in keys]
    col = {key: i for i, key in enumerate(keys)}
    cells = [CellWrite(0, c, h) for c, h in enumerate(headers)]
    title = config.tabs.contacts
    verb = "Created tab" if tab is None else "Set up tab"
    done.append(f"{verb} '{title}': {_join(headers)}.")
    tiers = _dropdown(col["tier"], list(config.tiers), "Tier", notes)
    date_cols = [col[k] for k in (*DATE_FIELDS, "due")]
    setup = TabSetup(
        frozen_rows=1,
        first_row=1,
        date_columns=date_cols,
        dropdowns=[tiers] if tiers else [],
        checkboxes=[col["done"]] if "done" in col else [],
        widths={col[k]: WIDTHS[k] for k in keys},
    )
    done.append("Froze the header row and set column widths.")
    done.append(
        f"Date format {setup.date_pattern} on " + _join([headers[c] for c in date_cols]) + "."
    )
    if tiers:
        done.append(f"Dropdown on Tier: {_join(tiers.values)}.")
    if sample:
        rows = example_rows(today, config)
        for r, values in enumerate(rows, start=1):
            cells += [CellWrite(r, col[k], v) for k, v in values.items() if v not in (None, "")]
        done.append(f"Added {len(rows)} example rows (names start 'Example:'; delete them).")
    if tab is None:
        notes.append(
            f"If your contacts are already on another tab, delete '{title}', set "
            "tabs.contacts in the config to that tab's name and run init again."
        )
    identity = None if tab is None else Identity(0, 1, {0: ("", "")})
    return ChangeSet(
        tab=title,
        cells=cells,
        identity=identity,
        create_tab=True,
        setup=setup,
        mark_columns=[col[k] for k in owned_keys],
    )


def example_rows(today: dt.date, config: Config) -> list[dict[str, WriteValue]]:
    """A handful of fictional contacts, dated relative to `today`."""
    tiers = list(config.tiers)

    def ago(days: int | None) -> dt.date | None:
        return None if days is None else today - dt.timedelta(days=days)

    rows: list[dict[str, WriteValue]] = []
    for number, item in enumerate(_EXAMPLES):
        name, email, company, met, tier, cadence, last, in_person, bday, interests, notes = item
        birthday = None
        if bday is not None:
            day = today + dt.timedelta(days=bday)
            birthday = f"1985-{day.month:02d}-{day.day:02d}"
        rows.append(
            {
                "name": name,
                "email": email,
                "company": company,
                "how_met": met,
                # Example tiers follow the configured ones, whatever they are called.
                "tier": tier if tier in config.tiers else tiers[min(number, len(tiers) - 1)],
                "cadence": cadence,
                "last_contact": ago(last),
                "last_in_person": ago(in_person),
                "birthday": birthday,
                "interests": interests,
                "notes": notes,
            }
        )
    return rows


def _existing_contacts(
    tab: Tab, locale: str | None, config: Config, done: list[str], notes: list[str]
) -> ChangeSet:
    try:
        contacts = read_contacts(tab, config, locale)
    except DataError as error:
        raise DataError(
            f"{error} `init` sets up an empty tab, or adds to a contact list that has a header "
            "row; it never rewrites your cells."
        ) from None
    header = contacts.header
    adopted = claim_owned_columns(contacts, tab, config)
    columns, cells = owned_columns(contacts, config)
    widths = {}
    date_columns: list[int] = []
    checkboxes: list[int] = []
    if cells:
        added = [str(c.value) for c in cells]
        first, last = column_letter(cells[0].col), column_letter(cells[-1].col)
        span = f"column {first}" if first == last else f"columns {first}-{last}"
        done.append(f"Added the owned column(s) {_join(added)} ({span}).")
        added_keys = {k for k, c in columns.items() if c in {cell.col for cell in cells}}
        widths = {columns[k]: WIDTHS[k] for k in added_keys}
        if "due" in added_keys:
            date_columns.append(columns["due"])
        if "done" in added_keys:
            checkboxes.append(columns["done"])
    else:
        notes.append("The owned columns are already there.")
    dropdowns = _tier_dropdown(contacts, tab, config, done, notes)
    notes.append(
        "Your columns, their order, formats, widths and frozen rows were left as they are."
    )
    setup = TabSetup(
        first_row=header.row + 1,
        date_columns=date_columns,
        dropdowns=dropdowns,
        checkboxes=checkboxes,
        widths=widths,
    )
    identity_of = Identity(header.fields.get("name"), header.fields.get("email"), {})
    identity = Identity(
        identity_of.name_col,
        identity_of.email_col,
        {header.row: identity_of.of(tab.rows[header.row])},
        header.row + 1,
    )
    return ChangeSet(
        tab=tab.title,
        cells=cells,
        identity=identity,
        setup=setup,
        mark_columns=sorted({*adopted, *(c.col for c in cells)}),
    )


def _tier_dropdown(
    contacts: ContactSheet, tab: Tab, config: Config, done: list[str], notes: list[str]
) -> list[DropDown]:
    col = contacts.header.fields.get("tier")
    if col is None:
        notes.append(
            f"No Tier column: every contact uses the default tier '{config.default_tier}'. "
            "Add a 'Tier' column to set tiers, then run init again for its dropdown."
        )
        return []
    tiers = contacts.frame["tier_raw"]
    unknown = tiers[(tiers != "") & ~tiers.str.casefold().isin(list(config.tiers))]
    if not unknown.empty:
        shown = "; ".join(
            f"{cell_name(int(row), col)} '{value}'"
            for row, value in zip(unknown.index[:3].tolist(), unknown.head(3), strict=True)
        )
        more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
        notes.append(
            f"No dropdown on Tier: some values are not configured tiers ({shown}{more}). "
            f"Known tiers: {_join(list(config.tiers))}."
        )
        return []
    dropdown = _dropdown(col, list(config.tiers), "Tier", notes)
    if dropdown is None:
        return []
    done.append(f"Dropdown on Tier (column {column_letter(col)}): {_join(dropdown.values)}.")
    return [dropdown]


def _log_tab(
    tab: Tab | None,
    config: Config,
    today: dt.date,
    sample: bool,
    done: list[str],
    notes: list[str],
) -> ChangeSet | None:
    title = config.tabs.log
    if not _is_blank(tab):
        notes.append(f"Tab '{title}' already exists; left as it is.")
        return None
    headers = [LOG_ALIASES[k][0] for k in LOG_FIELDS]
    cells = [CellWrite(0, c, h) for c, h in enumerate(headers)]
    kinds = _dropdown(LOG_FIELDS.index("kind"), log_kinds(config), "Kind", notes)
    setup = TabSetup(
        frozen_rows=1,
        first_row=1,
        date_columns=[0],
        dropdowns=[kinds] if kinds else [],
        widths={c: LOG_WIDTHS[k] for c, k in enumerate(LOG_FIELDS)},
    )
    verb = "Created tab" if tab is None else "Set up tab"
    done.append(
        f"{verb} '{title}': {_join(headers)}, header frozen, dates formatted"
        + (", a dropdown on Kind." if kinds else ".")
    )
    if sample:
        first = _EXAMPLES[0][0]
        row: list[WriteValue] = [today - dt.timedelta(days=40), first, "email", "Example touch"]
        cells += [CellWrite(1, c, v) for c, v in enumerate(row)]
        done.append(f"Added an example touch to '{title}'.")
    identity = None if tab is None else Identity(0, 1, {0: ("", "")})
    return ChangeSet(tab=title, cells=cells, identity=identity, create_tab=True, setup=setup)
