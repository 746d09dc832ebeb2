"""Plan an import of people from a contacts export into the Contacts tab (one write).

`plan_import` is pure: given what was read from the sheet and the people read from a
file, it decides who is new, who is already there (and by which key), who cannot be
told apart, and builds the single ChangeSet that appends the new people and, when
asked, fills the empty cells of matched rows. `app.contacts.import_contacts` reads,
plans and applies it through a backend.

Where values go: each imported value is written in the column whose header maps to its
field (see `headers.FIELD_ALIASES`). Columns the sheet does not have are skipped and
reported; no column is ever added to the user's part of the sheet. A LinkedIn
"Connected on" date becomes the starting "Last contact" of a new row when the sheet has
a Last contact column: connecting is the last known contact, and without a date the
row would be planned as "never contacted".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from sheets_keepup.core.headers import normalise_header
from sheets_keepup.core.importers import (
    Ambiguity,
    Duplicate,
    DuplicateGroup,
    ExistingContact,
    ImportedContact,
    ImportResult,
    Match,
    SourceFormat,
    find_duplicates,
    match_contacts,
    normalize_email,
    normalize_name,
    normalize_url,
)
from sheets_keepup.core.model import (
    CellValue,
    CellWrite,
    ChangeSet,
    Identity,
    SheetData,
    Tab,
    WriteValue,
)
from sheets_keepup.core.parse import ContactSheet, contacts_tab
from sheets_keepup.core.parse import read_contacts as read_contact_sheet
from sheets_keepup.core.settings import Config

# Sheet fields an import can fill, in the order they are reported.
IMPORTED_FIELDS = (
    "name",
    "email",
    "phone",
    "company",
    "profile_url",
    "last_contact",
    "notes",
    "tier",
)

FIELD_LABELS = {
    "name": "Name",
    "email": "Email",
    "phone": "Phone",
    "company": "Company/Role",
    "role": "Role",
    "profile_url": "Profile URL",
    "last_contact": "Last contact (from Connected on)",
    "notes": "Notes",
    "tier": "Tier",
}

_COMPANY_WORDS = ("company", "organisation", "organization", "employer", "org")
_ROLE_WORDS = ("role", "title", "position", "job")


@dataclass(frozen=True)
class NewRow:
    """A person the import adds, and the 1-based sheet row they will land on."""

    person: ImportedContact
    row: int
    values: dict[int, WriteValue]
    """0-based column -> value written in the new row."""


@dataclass(frozen=True)
class Fill:
    """An empty cell of a matched row that `--fill-empty` fills (1-based row)."""

    row: int
    col: int
    field: str
    value: WriteValue
    person: ImportedContact


@dataclass(frozen=True)
class ImportSummary:
    """Everything an import found and would do; `changes` is the one write."""

    source: SourceFormat | None
    new: list[NewRow]
    matched: list[Match]
    ambiguous: list[Ambiguity]
    duplicates: list[Duplicate]
    fills: list[Fill]
    skipped_fields: list[str]
    """Labels of imported fields the sheet has no column for (values not written)."""
    file_problems: list[str]
    changes: ChangeSet
    unrecognisable: list[ImportedContact] = dataclasses.field(default_factory=list)
    """New people left out: nothing written for them (no name, email or profile URL in a
    column the sheet has) could recognise them next time, so each import would add them
    again."""
    tab: str = ""
    target: str = ""
    written: bool = False
    dry_run: bool = False
    attempts: int = 1


@dataclass(frozen=True)
class _Layout:
    """Which column of the Contacts tab receives each imported value."""

    columns: dict[str, int]
    company_parts: tuple[bool, bool]
    """(company, role) written into the company column."""
    split_name: tuple[int, int | None] | None
    """(first name column, last name column) when the sheet has no single name column."""


def existing_contacts(contacts: ContactSheet) -> list[ExistingContact]:
    """The identifying cells of every non-blank contact row (rows are 1-based)."""
    frame = contacts.frame
    return [
        ExistingContact(
            row=int(row) + 1,
            name=str(name),
            email=str(email),
            profile_url=str(url),
            company=str(company),
        )
        for row, name, email, url, company in zip(
            frame.index.tolist(),
            frame["name"],
            frame["email"],
            frame["profile_url"],
            frame["company"],
            strict=True,
        )
    ]


def find_sheet_duplicates(data: SheetData, config: Config) -> list[DuplicateGroup]:
    """Rows of the Contacts tab that look like the same person (same email, or same
    name and company), each group with its 1-based sheet row numbers.

    >>> groups = find_sheet_duplicates(backend.read(["Contacts"]), config)  # doctest: +SKIP
    >>> [(g.reason, g.rows) for g in groups]  # doctest: +SKIP
    [('email', [5, 12])]
    """
    tab = contacts_tab(data, config)
    contacts = read_contact_sheet(tab, config, data.locale)
    return find_duplicates(existing_contacts(contacts))


def describe_duplicate(group: DuplicateGroup) -> str:
    """One line for a group of duplicate rows, e.g. for `duplicates` and `check`.

    >>> describe_duplicate(group)  # doctest: +SKIP
    'same email: row 5 Jane Doe <jane@example.com>, row 31 J. Doe <jane@example.com>'
    """
    why = "same email" if group.reason == "email" else "same name and company"
    rows = ", ".join(
        f"row {c.row} {c.name}" + (f" <{c.email}>" if c.email else "") for c in group.contacts
    )
    return f"{why}: {rows}"


def _layout(contacts: ContactSheet, tab: Tab) -> _Layout:
    fields = contacts.header.fields
    columns = {f: fields[f] for f in IMPORTED_FIELDS if f in fields}
    company_parts = (True, False)
    if "company" in columns:
        header = normalise_header(tab.value(contacts.header.row, columns["company"]))
        has_company = any(w in header for w in _COMPANY_WORDS)
        has_role = any(w in header for w in _ROLE_WORDS)
        company_parts = (has_company or not has_role, has_role)
    split_name = None
    if "name" not in columns and "first_name" in fields:
        split_name = (fields["first_name"], fields.get("last_name"))
    return _Layout(columns, company_parts, split_name)


def _company_text(person: ImportedContact, parts: tuple[bool, bool]) -> str:
    with_company, with_role = parts
    pieces = []
    if with_company and person.company:
        pieces.append(person.company)
    if with_role and person.role:
        pieces.append(person.role)
    return " / ".join(pieces)


def _values(
    person: ImportedContact, layout: _Layout, default_tier: str | None
) -> dict[str, WriteValue]:
    """Field -> value for the fields the sheet has and the person carries."""
    wanted: dict[str, WriteValue] = {
        "name": person.name,
        "email": person.email,
        "phone": person.phone,
        "company": _company_text(person, layout.company_parts),
        "profile_url": person.profile_url,
        "last_contact": person.connected_on,
        "notes": person.notes,
        "tier": default_tier or "",
    }
    return {f: v for f, v in wanted.items() if f in layout.columns and v not in (None, "")}


def _row_cells(
    person: ImportedContact, layout: _Layout, default_tier: str | None
) -> dict[int, tuple[str, WriteValue]]:
    """0-based column -> (field, value) for one imported person."""
    cells = {layout.columns[f]: (f, v) for f, v in _values(person, layout, default_tier).items()}
    if layout.split_name is not None and person.name:
        first_col, last_col = layout.split_name
        first, _, rest = person.name.partition(" ")
        if last_col is None:
            cells[first_col] = ("first_name", person.name)
        else:
            cells[first_col] = ("first_name", first)
            if rest:
                cells[last_col] = ("last_name", rest)
    return cells


def _skipped_fields(people: Sequence[ImportedContact], layout: _Layout) -> list[str]:
    """Labels of fields some person carries that have no column in the sheet."""
    carried = {
        "name": any(p.name for p in people) and layout.split_name is None,
        "email": any(p.email for p in people),
        "phone": any(p.phone for p in people),
        "company": any(p.company for p in people),
        "profile_url": any(p.profile_url for p in people),
        "last_contact": any(p.connected_on for p in people),
        "notes": any(p.notes for p in people),
    }
    skipped = [FIELD_LABELS[f] for f, has in carried.items() if has and f not in layout.columns]
    with_company, with_role = layout.company_parts
    if "company" in layout.columns and any(p.role for p in people) and not with_role:
        skipped.append(FIELD_LABELS["role"])
    if "company" in layout.columns and any(p.company for p in people) and not with_company:
        skipped.append("Company")
    return skipped


def _recognisable(person: ImportedContact, layout: _Layout) -> bool:
    """Whether the row written for `person` holds a key a later import matches on."""
    has_name = "name" in layout.columns or layout.split_name is not None
    return bool(
        (has_name and normalize_name(person.name))
        or ("email" in layout.columns and normalize_email(person.email))
        or ("profile_url" in layout.columns and normalize_url(person.profile_url))
    )


def _is_blank(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _last_used_row(rows: Sequence[Sequence[CellValue]]) -> int:
    """0-based index of the last row holding a value, -1 for an empty tab."""
    for index in range(len(rows) - 1, -1, -1):
        if any(not _is_blank(v) for v in rows[index]):
            return index
    return -1


def plan_import(
    data: SheetData,
    imported: ImportResult,
    config: Config,
    *,
    fill_empty: bool = False,
    source: SourceFormat | None = None,
) -> ImportSummary:
    """Decide what importing `imported` into the Contacts tab does. Pure: no I/O.

    People are matched by email, then profile URL, then normalised name; new people are
    appended below the last used row, ambiguous ones are reported and left out. With
    `fill_empty`, empty cells of matched rows get the imported value; a cell holding
    anything is never written.

    >>> summary = plan_import(data, read_contacts("Connections.csv"), config)  # doctest: +SKIP
    >>> [n.person.name for n in summary.new], len(summary.matched)  # doctest: +SKIP
    (['Jane Doe'], 3)
    """
    tab = contacts_tab(data, config)
    contacts = read_contact_sheet(tab, config, data.locale)
    layout = _layout(contacts, tab)
    default_tier = (config.import_.default_tier or "").strip() or None
    plan = match_contacts(imported.contacts, existing_contacts(contacts))

    first_free = _last_used_row(tab.rows) + 1
    new_rows: list[NewRow] = []
    appends: list[list[WriteValue]] = []
    addable = [p for p in plan.new if _recognisable(p, layout)]
    for offset, person in enumerate(addable):
        cells = _row_cells(person, layout, default_tier)
        width = max(cells, default=-1) + 1
        line: list[WriteValue] = [None] * width
        for col, (_field, value) in cells.items():
            line[col] = value
        appends.append(line)
        new_rows.append(
            NewRow(person, first_free + offset + 1, {c: v for c, (_f, v) in cells.items()})
        )

    fills = _fills(plan.matched, layout, tab, default_tier) if fill_empty else []
    writes = [CellWrite(f.row - 1, f.col, f.value) for f in fills]
    identity = _identity(contacts, tab, {f.row - 1 for f in fills})
    written_people = [*addable, *(m.imported for m in plan.matched if fill_empty)]
    changes = ChangeSet(
        tab=tab.title,
        cells=writes,
        identity=identity,
        appends=appends,
    )
    return ImportSummary(
        source=source,
        new=new_rows,
        matched=plan.matched,
        ambiguous=plan.ambiguous,
        duplicates=plan.duplicates,
        fills=fills,
        skipped_fields=_skipped_fields(written_people, layout),
        file_problems=list(imported.problems),
        unrecognisable=[p for p in plan.new if not _recognisable(p, layout)],
        changes=changes,
        tab=tab.title,
    )


def _fills(
    matched: Sequence[Match], layout: _Layout, tab: Tab, default_tier: str | None
) -> list[Fill]:
    """Empty cells of matched rows and the value a new row would get there.

    Tier is left alone: an empty Tier on an existing row is the user's choice. When
    several imported people match one row, the first to offer a value wins.
    """
    fills: list[Fill] = []
    taken: set[tuple[int, int]] = set()
    for person, existing, _key in matched:
        row = existing.row - 1
        for col, (name, value) in sorted(_row_cells(person, layout, default_tier).items()):
            if name == "tier" or (row, col) in taken or not _is_blank(tab.value(row, col)):
                continue
            taken.add((row, col))
            fills.append(Fill(existing.row, col, name, value, person))
    return fills


def _identity(contacts: ContactSheet, tab: Tab, rows: set[int]) -> Identity | None:
    if not rows:
        return None
    fields = contacts.header.fields
    base = Identity(fields.get("name", fields.get("first_name")), fields.get("email"), {})
    checked = {r: base.of(tab.rows[r]) for r in sorted(rows)}
    return Identity(base.name_col, base.email_col, checked, contacts.header.row + 1)


__all__ = [
    "FIELD_LABELS",
    "Fill",
    "ImportSummary",
    "NewRow",
    "contacts_tab",
    "describe_duplicate",
    "existing_contacts",
    "find_sheet_duplicates",
    "plan_import",
]
