"""Entry point for reading any supported contacts export."""

from __future__ import annotations

import os

from .csv_formats import read_csv_export
from .detect import detect_text_format
from .models import SUPPORTED_FORMATS_TEXT, ImportResult, SourceFormat, UnsupportedFileError
from .textio import read_text
from .vcard import read_vcard_text


def read_contacts(path: str | os.PathLike[str], fmt: SourceFormat | None = None) -> ImportResult:
    """Read contacts from a LinkedIn, Google Contacts or vCard export.

    The format is detected from the content unless ``fmt`` is given. Unreadable records
    are skipped and listed in ``ImportResult.problems``; an unrecognised file raises
    UnsupportedFileError.
    """
    text = read_text(path)
    fmt = fmt or detect_text_format(text)
    if fmt is None:
        raise UnsupportedFileError(
            f"{os.fspath(path)} is not a contacts export this tool can read. "
            f"Supported formats: {SUPPORTED_FORMATS_TEXT}."
        )
    if fmt == "vcard":
        return read_vcard_text(text)
    return read_csv_export(text, fmt)
