"""Find the header row and map user columns to the fields the rules read.

Columns are found by header, never by position: case, spaces and punctuation are
ignored and common aliases accepted, so a user's own sheet works as it is.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sheets_keepup.core.errors import DataError

# Field -> accepted headers. The first alias is the canonical header `init` writes.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("Name", "Full name", "Contact", "Person", "Who", "Contact name"),
    "first_name": ("First name", "Given name", "First"),
    "last_name": ("Last name", "Surname", "Family name"),
    "email": ("Email", "E-mail", "Email address", "Mail", "E-mail address"),
    "phone": ("Phone", "Mobile", "Cell", "Telephone", "Phone number", "Tel"),
    "company": (
        "Company/Role",
        "Company",
        "Organisation",
        "Organization",
        "Employer",
        "Company / role",
    ),
    # Its own field, so a sheet with both a Company and a Role column reads both.
    "role": ("Role", "Title", "Job title", "Position"),
    "how_met": ("How we met", "Met", "Where we met", "Source", "Context"),
    "tier": ("Tier", "Circle", "Priority", "Level", "Relationship"),
    "cadence": ("Cadence", "Frequency", "Every", "Contact every", "Keep in touch every"),
    "last_contact": (
        "Last contact",
        "Last spoke",
        "Last contacted",
        "Last touch",
        "Last touched",
        "Last talked",
        "Last spoken",
        "Last contact date",
        "Last interaction",
    ),
    "last_in_person": (
        "Last in person",
        "Last met",
        "Last meeting",
        "Last seen",
        "Last met in person",
        "Last coffee",
    ),
    "birthday": ("Birthday", "Birth date", "Birthdate", "DOB", "Date of birth", "Bday"),
    "interests": ("Interests", "Hobbies", "Topics", "Likes"),
    "notes": ("Notes", "Note", "Comments", "Details", "Remember"),
    "snooze_until": ("Snooze until", "Snooze", "Snoozed until", "Pause until", "Skip until"),
    "profile_url": ("LinkedIn", "Profile URL", "URL", "Profile", "LinkedIn URL"),
    # When a connection was made (a LinkedIn export's "Connected On"): not a conversation.
    "connected": ("Connected", "Connected on"),
}

LOG_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("Date", "When", "Day"),
    "who": ("Who", "Name", "Contact", "Person", "Email"),
    "kind": ("Kind", "Type", "How", "Channel", "Touch"),
    "note": ("Note", "Notes", "Details", "Summary"),
}

HEADER_SCAN_ROWS = 30


def normalise_header(text: object) -> str:
    """Lower-case, accents folded, everything but letters and digits removed."""
    if text is None:
        return ""
    text = str(text)
    if text.isascii():
        return _ascii_key(text)
    # Accents decompose into combining marks, which go with everything outside 0-9 a-z.
    return _ascii_key(unicodedata.normalize("NFKD", text).casefold())


_ASCII_DROP = bytes(c for c in range(128) if not chr(c).isdigit() and not "a" <= chr(c) <= "z")


def _ascii_key(text: str) -> str:
    # Dropping non-ASCII in encode and the rest through bytes.translate's C table is
    # faster than a regex or str.translate with a dict.
    return text.lower().encode("ascii", "ignore").translate(None, _ASCII_DROP).decode("ascii")


def _normalise_cell(value: object) -> str:
    if isinstance(value, str):
        return normalise_header(value)
    return "" if value is None or value != value else normalise_header(value)


def normalise_headers(texts: pd.Series) -> pd.Series:
    """`normalise_header` over a column; empty cells (None, NaN) give ''."""
    return pd.Series(
        [
            _ascii_key(t) if type(t) is str and t.isascii() else _normalise_cell(t)
            for t in texts.tolist()
        ],
        index=texts.index,
        dtype=object,
    )


def build_alias_index(
    aliases: Mapping[str, Sequence[str]], extra: Mapping[str, Sequence[str]] | None = None
) -> dict[str, str]:
    """Normalised header -> field. User-configured aliases win over built-in ones."""
    index: dict[str, str] = {}
    for name, names in aliases.items():
        for alias in names:
            index.setdefault(normalise_header(alias), name)
    for name, names in (extra or {}).items():
        for alias in names:
            index[normalise_header(alias)] = name
    return index


@dataclass(frozen=True)
class HeaderMap:
    """Where the header row is and which column holds each field (0-based indices)."""

    row: int
    fields: dict[str, int]
    owned: dict[str, int]
    width: int
    notes: list[str] = field(default_factory=list)

    def column(self, name: str) -> int | None:
        return self.fields.get(name)


def _row_score(row: Sequence[Any], index: Mapping[str, str]) -> int:
    return len({index[h] for h in map(normalise_header, row) if h in index})


def find_header_row(rows: Sequence[Sequence[Any]], index: Mapping[str, str]) -> int | None:
    """The row among the first few that names the most known fields (at least two)."""
    best_row, best_score = None, 1
    for number, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = _row_score(row, index)
        if score > best_score:
            best_row, best_score = number, score
    return best_row


def map_headers(
    rows: Sequence[Sequence[Any]],
    index: Mapping[str, str],
    owned_names: Mapping[str, str],
    required: Sequence[str],
    tab: str,
) -> HeaderMap:
    """Locate the header row and the column of every known and owned field.

    Duplicate headers: the leftmost wins and the others are noted. Owned columns are
    matched by their configured names and never mistaken for user fields.
    """
    # A switched-off owned column has no name; "" would claim every empty header cell.
    owned_index = {normalise_header(n): key for key, n in owned_names.items() if n}
    owned_index.pop("", None)
    combined = {k: v for k, v in index.items() if k not in owned_index}
    header_row = find_header_row(rows, {**combined, **owned_index})
    if header_row is None:
        wanted = ", ".join(
            f"'{FIELD_ALIASES.get(f, LOG_ALIASES.get(f, (f,)))[0]}'" for f in required
        )
        raise DataError(
            f"No header row found in the first {HEADER_SCAN_ROWS} rows of tab '{tab}'. "
            f"Add a row of column names including {wanted}."
        )
    header = rows[header_row]
    fields: dict[str, int] = {}
    owned: dict[str, int] = {}
    notes: list[str] = []
    for col, text in enumerate(header):
        key = normalise_header(text)
        target, name = (
            (owned, owned_index[key]) if key in owned_index else (fields, combined.get(key, ""))
        )
        if not name:
            continue
        if name in target:
            notes.append(
                f"Tab '{tab}': column {column_letter(col)} '{text}' repeats column "
                f"{column_letter(target[name])}; using {column_letter(target[name])}."
            )
            continue
        target[name] = col
    _require(fields, required, tab, header_row)
    width = max((i + 1 for i, v in enumerate(header) if v not in (None, "")), default=0)
    return HeaderMap(row=header_row, fields=fields, owned=owned, width=width, notes=notes)


def _require(fields: Mapping[str, int], required: Sequence[str], tab: str, row: int) -> None:
    missing = [f for f in required if f not in fields]
    if "name" in missing and ("first_name" in fields or "email" in fields):
        missing.remove("name")
    if missing:
        looked = "; ".join(
            f"{f}: " + ", ".join(f"'{a}'" for a in FIELD_ALIASES.get(f, LOG_ALIASES.get(f, ())))
            for f in missing
        )
        raise DataError(
            f"Tab '{tab}', header row {row + 1}: required column(s) missing. Looked for {looked}."
        )


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    number = index + 1
    while number:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_name(row: int, col: int) -> str:
    """A1-style name of a 0-based (row, col)."""
    return f"{column_letter(col)}{row + 1}"
