"""Entry point for parsing the text of any supported contacts export."""

from __future__ import annotations

import dataclasses
import os

from .csv_formats import read_csv_export
from .detect import detect_text_format, unsupported_file_error
from .models import ImportedContact, ImportResult, SourceFormat
from .normalize import collapse_whitespace
from .vcard import read_vcard_text


def parse_export(
    text: str, source: str | os.PathLike[str], fmt: SourceFormat | None = None
) -> ImportResult:
    """Contacts from the text of a contacts export (see SUPPORTED_FORMATS_TEXT).

    The format is detected from the content unless ``fmt`` is given. Unreadable records
    are skipped and listed in ``ImportResult.problems``; an unrecognised text raises
    UnsupportedFileError naming `source` (the file it came from).
    """
    # A byte-order mark survives when the text was decoded without BOM handling.
    text = text.removeprefix("\ufeff")
    fmt = fmt or detect_text_format(text)
    if fmt is None:
        raise unsupported_file_error(source)
    result = read_vcard_text(text) if fmt == "vcard" else read_csv_export(text, fmt)
    return ImportResult([tidy_contact(c) for c in result.contacts], result.problems)


def tidy_contact(contact: ImportedContact) -> ImportedContact:
    """Make values sheet-ready: one-line fields on one line, notes with plain newlines.

    Exports carry stray CRLFs and wrapped titles inside quoted cells; a sheet cell for a
    role or company should not.
    """
    notes = contact.notes.replace("\r\n", "\n").replace("\r", "\n").strip()
    return dataclasses.replace(
        contact,
        name=collapse_whitespace(contact.name),
        email=collapse_whitespace(contact.email),
        phone=collapse_whitespace(contact.phone),
        company=collapse_whitespace(contact.company),
        role=collapse_whitespace(contact.role),
        profile_url=collapse_whitespace(contact.profile_url),
        notes=notes,
        birthday=collapse_whitespace(contact.birthday),
    )
