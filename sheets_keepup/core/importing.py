"""Plan an import of people from a contacts export into the Contacts tab (one write).

`plan_import` is pure: given what was read from the sheet and the people read from a
file, it decides who is new, who is already there (and by which key), who cannot be
told apart, and builds the single ChangeSet that appends the new people and, when
asked, fills the empty cells of matched rows. `app.contacts.import_contacts` reads,
plans and applies it through a backend.

Where values go: each imported value is written in the column whose header maps to its
field (see `headers.FIELD_ALIASES`). Columns the sheet does not have are skipped and
reported, with one exception: a LinkedIn "Connected on" date goes to a Connected
column, created at the right of the sheet when missing. It never becomes Last contact:
connecting is not a conversation, and a connection made years ago would make every
imported person overdue at once.

`record_import` keeps what a write added, and `plan_undo` takes exactly that back out
later, as long as the user has not edited it since.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sheets_keepup.core.dates import as_date
from sheets_keepup.core.errors import DataError
from sheets_keepup.core.headers import FIELD_ALIASES, cell_name, normalise_header
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
    TabSetup,
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
    "role",
    "profile_url",
    "connected",
    "birthday",
    "notes",
    "tier",
)

FIELD_LABELS = {
    "name": "Name",
    "email": "Email",
    "phone": "Phone",
    "company": "Company",
    "role": "Role",
    "profile_url": "Profile URL",
    "connected": "Connected",
    "birthday": "Birthday",
    "notes": "Notes",
    "tier": "Tier",
}

CONNECTED_HEADER = FIELD_ALIASES["connected"][0]
"""The header of the column an import creates for LinkedIn's connection dates."""

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
    added_columns: list[CellWrite] = dataclasses.field(default_factory=list)
    """Header cells of the columns the import adds (only ever Connected)."""
    undoable: bool = False
    """The write was recorded, so `import --undo` can take it back out."""


@dataclass(frozen=True)
class _Layout:
    """Which column of the Contacts tab receives each imported value."""

    columns: dict[str, int]
    company_parts: tuple[bool, bool]
    """(company, role) written into the company column."""
    split_name: tuple[int, int | None] | None
    """(first name column, last name column) when the sheet has no single name column."""
    header_row: int = 0
    new_connected: int | None = None
    """The column a Connected header is added in, when the sheet has none yet."""


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


def _layout(contacts: ContactSheet, tab: Tab, people: Sequence[ImportedContact]) -> _Layout:
    """Where each field goes; a Connected column is planned when `people` need one."""
    fields = contacts.header.fields
    columns = {f: fields[f] for f in IMPORTED_FIELDS if f in fields}
    company_parts = (True, False)
    if "company" in columns:
        header = normalise_header(tab.value(contacts.header.row, columns["company"]))
        has_company = any(w in header for w in _COMPANY_WORDS)
        # A "Company/Role" column holds both, unless the sheet has a Role column too.
        has_role = any(w in header for w in _ROLE_WORDS) and "role" not in columns
        company_parts = (has_company or not has_role, has_role)
    split_name = None
    if "name" not in columns and "first_name" in fields:
        split_name = (fields["first_name"], fields.get("last_name"))
    new_connected = None
    if "connected" not in columns and any(p.connected_on for p in people):
        new_connected = contacts.used_width
        columns["connected"] = new_connected
    return _Layout(columns, company_parts, split_name, contacts.header.row, new_connected)


def _company_text(person: ImportedContact, parts: tuple[bool, bool]) -> str:
    with_company, with_role = parts
    pieces = []
    if with_company and person.company:
        pieces.append(person.company)
    if with_role and person.role:
        pieces.append(person.role)
    return " / ".join(pieces)


def _notes_text(person: ImportedContact, layout: _Layout) -> str:
    """Notes, with the birthday kept there when the sheet has no Birthday column."""
    if not person.birthday or "birthday" in layout.columns:
        return person.notes
    line = f"Birthday: {person.birthday}"
    return f"{person.notes}\n{line}" if person.notes else line


def _values(
    person: ImportedContact, layout: _Layout, default_tier: str | None
) -> dict[str, WriteValue]:
    """Field -> value for the fields the sheet has and the person carries."""
    wanted: dict[str, WriteValue] = {
        "name": person.name,
        "email": person.email,
        "phone": person.phone,
        "company": _company_text(person, layout.company_parts),
        "role": person.role,
        "profile_url": person.profile_url,
        "connected": person.connected_on,
        "birthday": person.birthday,
        "notes": _notes_text(person, layout),
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
    columns = layout.columns
    carried = {
        "name": any(p.name for p in people) and layout.split_name is None,
        "email": any(p.email for p in people),
        "phone": any(p.phone for p in people),
        "profile_url": any(p.profile_url for p in people),
        "birthday": any(p.birthday for p in people) and "notes" not in columns,
        "notes": any(p.notes for p in people),
    }
    skipped = [FIELD_LABELS[f] for f, has in carried.items() if has and f not in columns]
    with_company, with_role = layout.company_parts
    has_company_column = "company" in columns and with_company
    if any(p.company for p in people) and not has_company_column:
        skipped.append(FIELD_LABELS["company"])
    has_role_column = "role" in columns or ("company" in columns and with_role)
    if any(p.role for p in people) and not has_role_column:
        skipped.append(FIELD_LABELS["role"])
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
    default_tier = (config.import_.default_tier or "").strip() or None
    plan = match_contacts(imported.contacts, existing_contacts(contacts))
    base = _layout(contacts, tab, [])
    addable = [p for p in plan.new if _recognisable(p, base)]
    written_people = [*addable, *(m.imported for m in plan.matched if fill_empty)]
    layout = _layout(contacts, tab, written_people)

    first_free = _last_used_row(tab.rows) + 1
    new_rows: list[NewRow] = []
    appends: list[list[WriteValue]] = []
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
    header = _connected_header(layout)
    checked = {f.row - 1 for f in fills} | ({layout.header_row} if header else set())
    changes = ChangeSet(
        tab=tab.title,
        cells=[*header, *writes],
        identity=_identity(contacts, tab, checked),
        appends=appends,
        setup=_connected_setup(layout) if header else None,
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
        unrecognisable=[p for p in plan.new if not _recognisable(p, base)],
        changes=changes,
        tab=tab.title,
        added_columns=header,
    )


def _connected_header(layout: _Layout) -> list[CellWrite]:
    """The Connected header cell, when the sheet lacks the column and dates will go in it."""
    if layout.new_connected is None:
        return []
    return [CellWrite(layout.header_row, layout.new_connected, CONNECTED_HEADER)]


def _connected_setup(layout: _Layout) -> TabSetup:
    """Show the new column's cells as dates, from below the header down."""
    assert layout.new_connected is not None
    return TabSetup(first_row=layout.header_row + 1, date_columns=[layout.new_connected])


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


def _json_value(value: WriteValue) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _person_json(person: ImportedContact) -> dict[str, Any]:
    return {
        "name": person.name,
        "email": person.email,
        "company": person.company,
        "role": person.role,
        "line": person.source_line or None,
    }


def summary_json(summary: ImportSummary, file: str) -> dict[str, Any]:
    """Everything an import found and did as one JSON object (`import --json`).

    Rows are 1-based sheet rows and cells A1-style; dates are ISO text.
    """
    read = len(summary.new) + len(summary.matched) + len(summary.ambiguous)
    read += len(summary.duplicates) + len(summary.unrecognisable)
    problems = [*summary.file_problems]
    problems += [
        f"{d.dropped.name or d.dropped.email}: twice in the file; added once"
        for d in summary.duplicates
    ]
    problems += [
        f"{p.name or p.email or p.phone}: not imported; no column of the sheet would "
        "recognise them next time"
        for p in summary.unrecognisable
    ]
    if summary.skipped_fields:
        problems.append("the sheet has no column for: " + ", ".join(summary.skipped_fields))
    return {
        "file": file,
        "format": summary.source,
        "sheet": summary.target,
        "tab": summary.tab,
        "dry_run": summary.dry_run,
        "written": summary.written,
        "counts": {
            "read": read,
            "new": len(summary.new),
            "matched": len(summary.matched),
            "ambiguous": len(summary.ambiguous),
            "duplicates": len(summary.duplicates),
            "unrecognisable": len(summary.unrecognisable),
            "filled_cells": len(summary.fills),
        },
        "added_columns": [str(c.value) for c in summary.added_columns],
        "add": [
            {
                **_person_json(n.person),
                "row": n.row,
                "cells": {
                    cell_name(n.row - 1, c): _json_value(v) for c, v in sorted(n.values.items())
                },
            }
            for n in summary.new
        ],
        "update": [
            {
                "row": f.row,
                "cell": cell_name(f.row - 1, f.col),
                "field": f.field,
                "value": _json_value(f.value),
            }
            for f in summary.fills
        ],
        "matched": [
            {**_person_json(m.imported), "row": m.existing.row, "by": m.key}
            for m in summary.matched
        ],
        "ambiguous": [
            {**_person_json(a.imported), "rows": [c.row for c in a.candidates]}
            for a in summary.ambiguous
        ],
        "problems": problems,
    }


# Undoing the last import


class RecordedCell(NamedTuple):
    """A cell an import wrote (0-based row and column) and the value it wrote."""

    row: int
    col: int
    value: WriteValue


@dataclass(frozen=True)
class RecordedRow:
    """A row an import added: where it landed (0-based), who, and every value written."""

    row: int
    name: str
    values: Mapping[int, WriteValue]


@dataclass(frozen=True)
class ImportRecord:
    """What one import wrote to a sheet, kept so that `import --undo` can take it out."""

    tab: str
    file: str
    at: str
    """When it was written (ISO 8601), for messages."""
    rows: tuple[RecordedRow, ...] = ()
    fills: tuple[RecordedCell, ...] = ()
    header: RecordedCell | None = None
    """The Connected header cell, when the import added that column."""

    def __bool__(self) -> bool:
        return bool(self.rows or self.fills or self.header)


def record_import(summary: ImportSummary, file: str, at: dt.datetime) -> ImportRecord:
    """What a written import added, as `plan_undo` needs it."""
    return ImportRecord(
        tab=summary.tab,
        file=file,
        at=at.isoformat(timespec="seconds"),
        rows=tuple(
            RecordedRow(n.row - 1, n.person.name or n.person.email, dict(n.values))
            for n in summary.new
        ),
        fills=tuple(RecordedCell(f.row - 1, f.col, f.value) for f in summary.fills),
        header=RecordedCell(*summary.added_columns[0]) if summary.added_columns else None,
    )


def _encode(value: WriteValue) -> Any:
    return {"date": value.isoformat()} if isinstance(value, dt.date) else value


def _decode(value: Any) -> WriteValue:
    if isinstance(value, dict):
        return dt.date.fromisoformat(str(value["date"]))
    if value is None or isinstance(value, str | bool | int | float):
        return value
    raise ValueError(f"unexpected value {value!r}")


def record_to_json(record: ImportRecord) -> dict[str, Any]:
    """The record as plain JSON data (dates as {"date": "2024-11-12"})."""
    return {
        "version": 1,
        "tab": record.tab,
        "file": record.file,
        "at": record.at,
        "rows": [
            {
                "row": r.row,
                "name": r.name,
                "values": {str(c): _encode(v) for c, v in r.values.items()},
            }
            for r in record.rows
        ],
        "fills": [[c.row, c.col, _encode(c.value)] for c in record.fills],
        "header": None if record.header is None else list(record.header),
    }


def record_from_json(data: Mapping[str, Any]) -> ImportRecord:
    """Read back `record_to_json`; a DataError when the file is not one."""
    try:
        header = data.get("header")
        return ImportRecord(
            tab=str(data["tab"]),
            file=str(data["file"]),
            at=str(data["at"]),
            rows=tuple(
                RecordedRow(
                    int(r["row"]),
                    str(r["name"]),
                    {int(c): _decode(v) for c, v in r["values"].items()},
                )
                for r in data["rows"]
            ),
            fills=tuple(RecordedCell(int(r), int(c), _decode(v)) for r, c, v in data["fills"]),
            header=None
            if header is None
            else RecordedCell(int(header[0]), int(header[1]), header[2]),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise DataError(f"The record of the last import is damaged ({error}).") from None


@dataclass(frozen=True)
class UndoPlan:
    """What `import --undo` removes, what it leaves (and why), and the one write."""

    record: ImportRecord
    removed: list[tuple[int, RecordedRow]]
    """(0-based row where the person is now, what the import wrote there)."""
    cleared_fills: list[RecordedCell]
    header_cleared: bool
    refused: list[str]
    """One line per row or cell left as it is because it changed since the import."""
    remaining: ImportRecord
    """The part of the record still to undo (empty when everything was)."""
    changes: ChangeSet
    target: str = ""
    written: bool = False
    dry_run: bool = False


def _same(written: WriteValue, now: CellValue) -> bool:
    """Whether a cell still holds what the import wrote there, as a backend reads it."""
    if written is None or written == "":
        return _is_blank(now)
    if isinstance(written, dt.date):
        return as_date(now) == written
    if isinstance(written, str):
        return _cell_text(now) == written.strip()
    return now == written


def _unchanged(
    values: Sequence[CellValue], written: Mapping[int, WriteValue], owned: set[int]
) -> bool:
    """True when every cell outside the owned columns holds exactly what was written."""
    width = max([len(values), *(c + 1 for c in written)])
    return all(
        _same(written.get(col), values[col] if col < len(values) else None)
        for col in range(width)
        if col not in owned
    )


def _cell_text(value: CellValue) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


class _RowFinder:
    """Finds where a recorded row is now, unchanged: where it landed, else anywhere below
    the header (rows may have been sorted or inserted since)."""

    def __init__(self, rows: Sequence[Sequence[CellValue]], first: int, owned: set[int]) -> None:
        self.rows = rows
        self.first = first
        self.owned = owned
        self.taken: set[int] = set()
        # Column -> cell text -> rows, built for the columns asked about: a sorted sheet
        # would otherwise cost a scan of every row for every imported person.
        self._by_text: dict[int, dict[str, list[int]]] = {}

    def _rows_with(self, col: int, text: str) -> list[int]:
        if col not in self._by_text:
            index: dict[str, list[int]] = {}
            for row in range(self.first, len(self.rows)):
                values = self.rows[row]
                index.setdefault(_cell_text(values[col] if col < len(values) else None), []).append(
                    row
                )
            self._by_text[col] = index
        return self._by_text[col].get(text, [])

    def _candidates(self, recorded: RecordedRow) -> list[int]:
        texts = sorted((c, v.strip()) for c, v in recorded.values.items() if isinstance(v, str))
        later = self._rows_with(*texts[0]) if texts else range(self.first, len(self.rows))
        return [recorded.row, *later]

    def find(self, recorded: RecordedRow) -> int | None:
        for row in self._candidates(recorded):
            in_body = self.first <= row < len(self.rows) and row not in self.taken
            if in_body and _unchanged(self.rows[row], recorded.values, self.owned):
                self.taken.add(row)
                return row
        return None


def plan_undo(data: SheetData, config: Config, record: ImportRecord) -> UndoPlan:
    """Take out what `record` says an import added, where it is still as written. Pure.

    Added rows are found where they landed or, if rows moved, by their content; their
    cells are cleared (the owned cells a sync wrote there too). A row or a filled cell
    the user changed since is left as it is and named in `refused`. The Connected
    header goes when its column is left empty.
    """
    tab = data.tabs.get(record.tab)
    if tab is None:
        raise DataError(
            f"No tab named '{record.tab}', where the last import wrote; nothing undone."
        )
    contacts = read_contact_sheet(tab, config, data.locale)
    owned = set(contacts.header.owned.values())
    first = contacts.header.row + 1
    removed: list[tuple[int, RecordedRow]] = []
    refused: list[str] = []
    left_rows: list[RecordedRow] = []
    finder = _RowFinder(tab.rows, first, owned)
    for recorded in record.rows:
        row = finder.find(recorded)
        if row is None:
            refused.append(
                f"row {recorded.row + 1} ({recorded.name}): changed since the import; left as it is"
            )
            left_rows.append(recorded)
            continue
        removed.append((row, recorded))
    cleared_fills = [c for c in record.fills if _same(c.value, tab.value(c.row, c.col))]
    left_fills = [c for c in record.fills if c not in cleared_fills]
    refused += [
        f"cell {cell_name(c.row, c.col)}: changed since the import; left as it is"
        for c in left_fills
    ]
    cells = [
        CellWrite(row, col, None)
        for row, recorded in removed
        for col in sorted({*recorded.values, *owned})
        if not _is_blank(tab.value(row, col))
    ]
    cells += [CellWrite(c.row, c.col, None) for c in cleared_fills]
    header_cleared = _header_goes(record.header, tab, first, {(c.row, c.col) for c in cells})
    if header_cleared and record.header is not None:
        cells.append(CellWrite(record.header.row, record.header.col, None))
    checked = {c.row for c in cells}
    changes = ChangeSet(tab=tab.title, cells=cells, identity=_identity(contacts, tab, checked))
    remaining = dataclasses.replace(
        record,
        rows=tuple(left_rows),
        fills=tuple(left_fills),
        header=None if header_cleared else record.header,
    )
    return UndoPlan(record, removed, cleared_fills, header_cleared, refused, remaining, changes)


def _header_goes(
    header: RecordedCell | None, tab: Tab, first: int, cleared: set[tuple[int, int]]
) -> bool:
    """Whether the added Connected header is still as written and nothing else uses its
    column once the undo has cleared it."""
    if header is None or not _same(header.value, tab.value(header.row, header.col)):
        return False
    return all(
        (row, header.col) in cleared or _is_blank(tab.value(row, header.col))
        for row in range(first, len(tab.rows))
    )


__all__ = [
    "FIELD_LABELS",
    "Fill",
    "ImportRecord",
    "ImportSummary",
    "NewRow",
    "UndoPlan",
    "contacts_tab",
    "describe_duplicate",
    "existing_contacts",
    "find_sheet_duplicates",
    "plan_import",
    "plan_undo",
    "record_from_json",
    "record_import",
    "record_to_json",
    "summary_json",
]
