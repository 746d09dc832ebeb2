"""Plain data types shared by the contact importers and the matcher."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

SourceFormat = Literal["linkedin", "google", "outlook", "csv", "vcard"]
""""csv" is any other contacts table whose headers name the fields (Name, Email...)."""
MatchKey = Literal["email", "profile_url", "name"]

SUPPORTED_FORMATS_TEXT = (
    "LinkedIn Connections.csv, Google Contacts CSV (current or older 'Google CSV' layout), "
    "Outlook contacts CSV, vCard .vcf (version 3.0 or 4.0), or any CSV whose header row "
    "names a Name (or First name and Last name) or Email column, separated by commas, "
    "semicolons, tabs or |"
)


class UnsupportedFileError(ValueError):
    """The file is not one of the contact export formats we can read."""


@dataclass(frozen=True, kw_only=True)
class ImportedContact:
    """One person read from an export file. Missing text fields are ``""``."""

    name: str
    source: SourceFormat
    email: str = ""
    phone: str = ""
    company: str = ""
    role: str = ""
    profile_url: str = ""
    connected_on: datetime.date | None = None
    notes: str = ""
    birthday: str = ""
    """As the file wrote it ("1985-03-02", "3/2/1985"): the sheet's date order reads it."""
    # Physical line where the record starts (1-based), so messages can point at it.
    source_line: int = 0


@dataclass(frozen=True)
class ImportResult:
    """Contacts read from one file plus human-readable notes on records that were skipped."""

    contacts: list[ImportedContact] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ExistingContact:
    """The identifying cells of a contact row already in the sheet (``row`` is 1-based)."""

    row: int
    name: str
    email: str = ""
    profile_url: str = ""
    company: str = ""


class Match(NamedTuple):
    """An imported person matched to exactly one existing row, and the key that matched."""

    imported: ImportedContact
    existing: ExistingContact
    key: MatchKey


class Ambiguity(NamedTuple):
    """An imported person whose first matching key hit several existing rows."""

    imported: ImportedContact
    candidates: list[ExistingContact]


class Duplicate(NamedTuple):
    """A new person that appears again later in the same import; only ``kept`` is added."""

    dropped: ImportedContact
    kept: ImportedContact


@dataclass(frozen=True)
class ImportPlan:
    """What to do with each imported person. Every person lands in exactly one list."""

    new: list[ImportedContact] = field(default_factory=list)
    matched: list[Match] = field(default_factory=list)
    ambiguous: list[Ambiguity] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)


@dataclass(frozen=True)
class DuplicateGroup:
    """Existing rows that look like the same person, and why."""

    reason: Literal["email", "name_and_company"]
    key: str
    contacts: tuple[ExistingContact, ...]

    @property
    def rows(self) -> list[int]:
        """Sheet row numbers in the group, ascending."""
        return sorted(c.row for c in self.contacts)
