"""Recognising which export format a file is, from its content rather than its name."""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from typing import NamedTuple

from .generic import generic_columns, is_generic_header
from .models import SUPPORTED_FORMATS_TEXT, SourceFormat, UnsupportedFileError
from .textio import DELIMITERS, csv_rows, header_index

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


# Columns of Outlook's contacts export (classic Outlook and Outlook.com) that no other
# export here has; "E-mail Address" alone could be anyone's.
_OUTLOOK_MARKERS = frozenset(
    {
        "job title",
        "e-mail display name",
        "e-mail 2 address",
        "mobile phone",
        "business phone",
        "home phone",
        "primary phone",
    }
)


def is_outlook_header(columns: Mapping[str, int]) -> bool:
    """Outlook's export: First/Last Name, "E-mail Address" and an Outlook-only column."""
    names = columns.keys()
    return (
        "e-mail address" in names
        and bool({"first name", "last name"} & names)
        and bool(_OUTLOOK_MARKERS & names)
    )


def looks_like_vcard(text: str) -> bool:
    """True when the first non-blank line opens a vCard."""
    for line in text.splitlines():
        if line.strip():
            return line.strip().upper() == "BEGIN:VCARD"
    return False


class CsvHeader(NamedTuple):
    """Where a CSV export's header row is, and how to read the file."""

    format: SourceFormat
    line: int
    """1-based line of the header row."""
    cells: list[str]
    delimiter: str


def _header_format(cells: list[str]) -> SourceFormat | None:
    """The export a header row belongs to; exporters' own layouts before generic tables."""
    columns = header_index(cells)
    if is_linkedin_header(columns):
        return "linkedin"
    if is_google_header(columns):
        return "google"
    if is_outlook_header(columns):
        return "outlook"
    if is_generic_header(generic_columns(cells)):
        return "csv"
    return None


def _header_with(text: str, delimiter: str) -> CsvHeader | None:
    try:
        for count, (line, cells) in enumerate(csv_rows(text, delimiter)):
            if count >= _HEADER_SEARCH_ROWS:
                break
            fmt = _header_format(cells)
            if fmt is not None:
                return CsvHeader(fmt, line, cells, delimiter)
    except csv.Error:
        return None
    return None


def find_csv_header(text: str) -> CsvHeader | None:
    """Locate the header row, trying each separator in turn; None if there is none.

    A header split with the wrong separator is one cell naming no known column, so the
    first separator that yields a recognisable header is the file's.
    """
    for delimiter in DELIMITERS:
        found = _header_with(text, delimiter)
        if found is not None:
            return found
    return None


def detect_text_format(text: str) -> SourceFormat | None:
    """Format of already-decoded export text, or None if unrecognised."""
    if looks_like_vcard(text):
        return "vcard"
    found = find_csv_header(text)
    return found.format if found else None


def unsupported_file_error(path: str | os.PathLike[str]) -> UnsupportedFileError:
    """The error for an unrecognised file, naming the formats that are supported."""
    return UnsupportedFileError(
        f"{os.fspath(path)} is not a contacts export sheets-keepup can read. "
        f"Supported formats: {SUPPORTED_FORMATS_TEXT}."
    )
