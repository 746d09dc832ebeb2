"""Reading contact export files from disk; the parsing itself is in core.importers."""

from __future__ import annotations

import os
from pathlib import Path

from sheets_keepup.core.errors import AccessError, DataError
from sheets_keepup.core.importers import (
    ImportResult,
    SourceFormat,
    UnsupportedFileError,
    detect_text_format,
    parse_export,
)
from sheets_keepup.core.importers.detect import unsupported_file_error
from sheets_keepup.core.importers.textio import decode_bytes


def read_text(path: str | os.PathLike[str]) -> str:
    """Whole file as text (newlines untouched, so CSV quoting keeps working)."""
    with open(path, "rb") as handle:
        return decode_bytes(handle.read())


def read_contacts(path: str | os.PathLike[str], fmt: SourceFormat | None = None) -> ImportResult:
    """Read contacts from an export file (LinkedIn, Google, Outlook, vCard or any CSV).

    The format is detected from the content unless ``fmt`` is given; an unrecognised
    file raises UnsupportedFileError naming the supported formats.
    """
    return parse_export(read_text(path), path, fmt)


def detect_format(path: str | os.PathLike[str]) -> SourceFormat:
    """Return "linkedin", "google", "outlook", "csv" or "vcard" for the file at ``path``.

    Raises UnsupportedFileError (a ValueError) naming the supported formats otherwise.
    """
    fmt = detect_text_format(read_text(path))
    if fmt is None:
        raise unsupported_file_error(path)
    return fmt


def read_import_file(path: Path) -> ImportResult:
    """Read a contacts export, turning file problems into errors a user can act on."""
    try:
        return read_contacts(path)
    except UnsupportedFileError as error:
        raise DataError(str(error)) from None
    except FileNotFoundError:
        raise AccessError(f"No file at {path}.") from None
    except IsADirectoryError:
        raise AccessError(f"{path} is a folder, not a contacts export.") from None
    except OSError as error:
        raise AccessError(f"Cannot read {path}: {error.strerror or error}") from None
