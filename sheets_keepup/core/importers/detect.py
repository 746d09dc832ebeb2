"""Recognising which export format a file is, from its content rather than its name."""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping

from .models import SUPPORTED_FORMATS_TEXT, SourceFormat, UnsupportedFileError
from .textio import csv_rows, header_index

# LinkedIn puts a few lines of prose above the header; Google never does, but allow slack.
_HEADER_SEARCH_ROWS = 30

_GOOGLE_MARKERS = frozenset(
    {
        "e-mail 1 - value",
        "phone 1 - value",
        "organization 1 - name",
        "organization name",
        "given name",
        "family name",
        "file as",
    }
)


_LINKEDIN_MARKERS = frozenset({"connected on", "url", "profile url", "position"})


def is_linkedin_header(columns: Mapping[str, int]) -> bool:
    """LinkedIn's Connections.csv header (URL may be "URL" or "Profile URL").

    Needs First/Last Name plus any LinkedIn-only column, so a trimmed export still counts.
    """
    names = columns.keys()
    return {"first name", "last name"} <= names and bool(_LINKEDIN_MARKERS & names)


def is_google_header(columns: Mapping[str, int]) -> bool:
    """Either Google Contacts CSV layout: current (First Name…) or older (Name, Given Name…)."""
    if is_linkedin_header(columns):
        return False
    return bool(_GOOGLE_MARKERS & columns.keys())


def looks_like_vcard(text: str) -> bool:
    """True when the first non-blank line opens a vCard."""
    for line in text.splitlines():
        if line.strip():
            return line.strip().upper() == "BEGIN:VCARD"
    return False


def find_csv_header(text: str) -> tuple[SourceFormat, int, dict[str, int]] | None:
    """Locate the header row: ``(format, line_number, column_index)``, or None."""
    try:
        for count, (line, cells) in enumerate(csv_rows(text)):
            if count >= _HEADER_SEARCH_ROWS:
                break
            columns = header_index(cells)
            if is_linkedin_header(columns):
                return "linkedin", line, columns
            if is_google_header(columns):
                return "google", line, columns
    except csv.Error:
        return None
    return None


def detect_text_format(text: str) -> SourceFormat | None:
    """Format of already-decoded export text, or None if unrecognised."""
    if looks_like_vcard(text):
        return "vcard"
    found = find_csv_header(text)
    return found[0] if found else None


def unsupported_file_error(path: str | os.PathLike[str]) -> UnsupportedFileError:
    """The error for an unrecognised file, naming the formats that are supported."""
    return UnsupportedFileError(
        f"{os.fspath(path)} is not a contacts export sheets-keepup can read. "
        f"Supported formats: {SUPPORTED_FORMATS_TEXT}."
    )
