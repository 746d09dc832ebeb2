"""Row parsers for LinkedIn Connections.csv, Google Contacts, Outlook and generic CSVs."""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Mapping, Sequence

from sheets_keepup.core.dates import MONTHS

from .detect import find_csv_header
from .generic import generic_columns, generic_contact
from .models import ImportedContact, ImportResult, SourceFormat
from .normalize import collapse_whitespace
from .textio import csv_rows, header_index

_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[ -]([A-Za-z]{3,9})\.?[ -](\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# "03.02.2023": what a spreadsheet program in a day-first locale re-saves a date as.
_DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
# Google joins several values in one cell with " ::: ".
_MULTI_VALUE_SEPARATOR = ":::"


class _Row:
    """Cells of one CSV record looked up by (case-insensitive) header name."""

    def __init__(self, cells: Sequence[str], columns: Mapping[str, int]) -> None:
        self._cells = cells
        self._columns = columns

    def get(self, *names: str) -> str:
        """First non-empty value among the named columns; missing columns count as empty."""
        for name in names:
            position = self._columns.get(name)
            if position is not None and position < len(self._cells):
                value = self._cells[position].strip()
                if value:
                    return value
        return ""


def parse_linkedin_date(text: str) -> datetime.date | None:
    """Parse "12 Nov 2024" (also "12-Nov-24", "12.11.2024" and ISO); None if unrecognised.

    Month names are matched by hand because strptime's %b follows the process locale.
    """
    value = text.strip()
    iso = _ISO_DATE.match(value)
    dotted = _DOTTED_DATE.match(value)
    try:
        if iso:
            return datetime.date(int(iso[1]), int(iso[2]), int(iso[3]))
        if dotted:
            return datetime.date(int(dotted[3]), int(dotted[2]), int(dotted[1]))
        dmy = _DAY_MONTH_YEAR.match(value)
        if not dmy or dmy[2].lower() not in MONTHS:
            return None
        year = int(dmy[3])
        if year < 100:
            year += 2000
        return datetime.date(year, MONTHS[dmy[2].lower()], int(dmy[1]))
    except ValueError:
        return None


def _join_name(*parts: str) -> str:
    return collapse_whitespace(" ".join(parts))


def _linkedin_contact(row: _Row, line: int, problems: list[str]) -> ImportedContact:
    connected_text = row.get("connected on")
    connected_on = parse_linkedin_date(connected_text) if connected_text else None
    if connected_text and connected_on is None:
        problems.append(
            f"line {line}: unrecognised 'Connected On' date {connected_text!r}; "
            "imported without a date"
        )
    return ImportedContact(
        name=_join_name(row.get("first name"), row.get("last name")),
        email=row.get("email address", "email"),
        company=row.get("company"),
        role=row.get("position"),
        profile_url=row.get("url", "profile url"),
        connected_on=connected_on,
        source="linkedin",
        source_line=line,
    )


def _numbered_columns(columns: Mapping[str, int], kind: str, field: str) -> list[str]:
    """Names like "e-mail 1 - value", "e-mail 2 - value" present in the header, in order."""
    pattern = re.compile(rf"^{re.escape(kind)} (\d+) - {re.escape(field)}$")
    found = [(int(m[1]), name) for name in columns if (m := pattern.match(name))]
    return [name for _, name in sorted(found)]


def _preferred_value(row: _Row, columns: Mapping[str, int], kind: str) -> str:
    """The starred (primary) value of a multi-valued Google field, else the first one."""
    first = ""
    for value_column in _numbered_columns(columns, kind, "value"):
        label_column = value_column.removesuffix("value")
        labels = (row.get(label_column + "label", label_column + "type")).split(
            _MULTI_VALUE_SEPARATOR
        )
        values = [v.strip() for v in row.get(value_column).split(_MULTI_VALUE_SEPARATOR)]
        for position, value in enumerate(values):
            if not value:
                continue
            label = labels[position].strip() if position < len(labels) else ""
            # Google marks the primary entry by prefixing its label with "*".
            if label.startswith("*"):
                return value
            first = first or value
    return first


def _google_website(row: _Row, columns: Mapping[str, int]) -> str:
    """A LinkedIn profile among the websites if there is one, else the first website."""
    sites: list[str] = []
    for column in _numbered_columns(columns, "website", "value"):
        sites += [s.strip() for s in row.get(column).split(_MULTI_VALUE_SEPARATOR)]
    sites = [s for s in sites if s]
    linkedin = [s for s in sites if "linkedin.com/" in s.lower()]
    return (linkedin or sites or [""])[0]


def _google_contact(row: _Row, line: int, columns: Mapping[str, int]) -> ImportedContact:
    name = (
        _join_name(row.get("first name"), row.get("middle name"), row.get("last name"))
        or row.get("name")
        or _join_name(row.get("given name"), row.get("additional name"), row.get("family name"))
        or row.get("file as")
        or row.get("nickname")
    )
    notes = row.get("notes")
    birthday = row.get("birthday")
    if birthday:
        # The sheet has no birthday column; keep it where a person will still see it.
        notes = f"{notes}\nBirthday: {birthday}" if notes else f"Birthday: {birthday}"
    return ImportedContact(
        name=name,
        email=_preferred_value(row, columns, "e-mail"),
        phone=_preferred_value(row, columns, "phone"),
        company=row.get("organization name", "organization 1 - name"),
        role=row.get("organization title", "organization 1 - title"),
        profile_url=_google_website(row, columns),
        notes=notes,
        source="google",
        source_line=line,
    )


# Outlook writes "0/0/00" (or "00.00.0000" and the like) for a contact with no birthday.
_NO_DATE = re.compile(r"^[0./\- ]*$")


def _outlook_email(row: _Row) -> str:
    """The first address that is one: Exchange contacts carry an "/o=…" path instead."""
    for column in ("e-mail address", "e-mail 2 address", "e-mail 3 address"):
        value = row.get(column)
        if "@" in value and not value.startswith("/"):
            return value
    return ""


def _outlook_contact(row: _Row, line: int) -> ImportedContact:
    # "Title" is Outlook's courtesy title (Mr., Dr.); the job is in "Job Title".
    birthday = row.get("birthday")
    sites = [row.get("web page"), row.get("personal web page")]
    linkedin = [s for s in sites if "linkedin.com/" in s.lower()]
    return ImportedContact(
        name=_join_name(
            row.get("first name"), row.get("middle name"), row.get("last name"), row.get("suffix")
        ),
        email=_outlook_email(row),
        phone=row.get(
            "mobile phone", "primary phone", "business phone", "home phone", "other phone"
        ),
        company=row.get("company"),
        role=row.get("job title"),
        profile_url=(linkedin or [s for s in sites if s] or [""])[0],
        notes=row.get("notes"),
        birthday="" if _NO_DATE.match(birthday) else birthday,
        source="outlook",
        source_line=line,
    )


def _has_identity(contact: ImportedContact) -> bool:
    return any((contact.name, contact.email, contact.profile_url, contact.phone))


def read_csv_export(text: str, fmt: SourceFormat) -> ImportResult:
    """Parse CSV export text of format `fmt`; bad rows are skipped and described in problems.

    The separator (comma, semicolon, tab or |) is the one the header row was found with.
    """
    found = find_csv_header(text)
    if found is None or found.format != fmt:
        return ImportResult(problems=[f"no {fmt} header row found; nothing imported"])
    columns = header_index(found.cells)
    fields = generic_columns(found.cells)
    width = len(found.cells)
    contacts: list[ImportedContact] = []
    problems: list[str] = []
    try:
        for line, cells in csv_rows(text, found.delimiter):
            if line <= found.line or not any(c.strip() for c in cells):
                continue
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                problems.append(
                    f"line {line}: skipped: {len(cells)} fields but the header has {width} "
                    f"(probably an unquoted {_separator_name(found.delimiter)})"
                )
                continue
            row = _Row(cells, columns)
            if fmt == "linkedin":
                contact = _linkedin_contact(row, line, problems)
            elif fmt == "google":
                contact = _google_contact(row, line, columns)
            elif fmt == "outlook":
                contact = _outlook_contact(row, line)
            else:
                contact = generic_contact(cells, fields, line)
            if not _has_identity(contact):
                problems.append(f"line {line}: skipped: no name, email, phone or profile URL")
                continue
            contacts.append(contact)
    except csv.Error as error:
        problems.append(f"stopped reading: the CSV is damaged ({error})")
    return ImportResult(contacts=contacts, problems=problems)


def _separator_name(delimiter: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab", "|": "|"}[delimiter]
