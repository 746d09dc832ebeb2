"""Any contacts table whose header row names its columns: "Name,Email,Company" and kin.

People keep lists in spreadsheets and save them as CSV; no exporting program is behind
such a file, so its columns are found by header, the way the Contacts tab's are: case,
spaces and punctuation ignored ("E-mail" is "email"), common aliases accepted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sheets_keepup.core.headers import normalise_header

from .models import ImportedContact
from .normalize import collapse_whitespace

# Field -> accepted headers; compared after normalise_header.
GENERIC_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("Name", "Full name", "Contact", "Contact name", "Display name", "Person"),
    "first_name": ("First name", "Given name", "First", "Forename"),
    "middle_name": ("Middle name", "Additional name"),
    "last_name": ("Last name", "Surname", "Family name", "Last"),
    "email": ("Email", "E-mail", "Email address", "E-mail address", "Mail", "Email 1"),
    "phone": ("Phone", "Mobile", "Mobile phone", "Cell", "Telephone", "Phone number", "Tel"),
    "company": ("Company", "Organisation", "Organization", "Employer", "Company name"),
    "role": ("Role", "Title", "Job title", "Position", "Job"),
    "notes": ("Notes", "Note", "Comments", "Comment"),
    "birthday": ("Birthday", "Birth date", "Birthdate", "Date of birth", "DOB"),
    "profile_url": ("LinkedIn", "LinkedIn URL", "Profile URL", "Profile", "URL", "Website"),
}

_INDEX = {normalise_header(alias): f for f, aliases in GENERIC_ALIASES.items() for alias in aliases}
# Without one of these nothing in a row could say who it is.
_IDENTITY_FIELDS = frozenset({"name", "first_name", "last_name", "email"})


def generic_columns(header: Sequence[str]) -> dict[str, int]:
    """Field -> column position for a header row (the leftmost of repeated fields wins)."""
    columns: dict[str, int] = {}
    for position, text in enumerate(header):
        field = _INDEX.get(normalise_header(text))
        if field is not None:
            columns.setdefault(field, position)
    return columns


def is_generic_header(columns: Mapping[str, int]) -> bool:
    """A header naming who people are (a name or an email) and one more known field.

    Two fields, so that a lone "Name" heading some other table is not taken for contacts.
    """
    return bool(_IDENTITY_FIELDS & columns.keys()) and len(columns) >= 2


def generic_contact(cells: Sequence[str], columns: Mapping[str, int], line: int) -> ImportedContact:
    """One row of a generic contacts table."""

    def get(field: str) -> str:
        position = columns.get(field)
        return cells[position].strip() if position is not None and position < len(cells) else ""

    name = get("name") or collapse_whitespace(
        " ".join((get("first_name"), get("middle_name"), get("last_name")))
    )
    return ImportedContact(
        name=name,
        email=get("email"),
        phone=get("phone"),
        company=get("company"),
        role=get("role"),
        profile_url=get("profile_url"),
        notes=get("notes"),
        birthday=get("birthday"),
        source="csv",
        source_line=line,
    )
