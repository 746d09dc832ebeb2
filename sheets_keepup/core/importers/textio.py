"""Decoding export bytes into text whichever encoding the exporting program chose."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator

_SNIFF_BYTES = 4096


def _guess_bomless_utf16(data: bytes) -> str | None:
    """Return "utf-16-le"/"utf-16-be" when NUL bytes show UTF-16 text without a BOM."""
    head = data[:_SNIFF_BYTES]
    if len(head) < 4:
        return None
    even_nuls = head[0::2].count(0)
    odd_nuls = head[1::2].count(0)
    half = len(head) // 2
    # Mostly-ASCII UTF-16 has a NUL in every other byte; plain text has none.
    if odd_nuls > half * 0.4 and even_nuls == 0:
        return "utf-16-le"
    if even_nuls > half * 0.4 and odd_nuls == 0:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes) -> str:
    """Decode an export, honouring BOMs; unmarked files are UTF-8, else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    bomless = _guess_bomless_utf16(data)
    if bomless is not None:
        return data.decode(bomless, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Spreadsheet programs on Windows re-save CSVs in the ANSI code page.
        return data.decode("cp1252", errors="replace")


DELIMITERS = (",", ";", "\t", "|")
"""Separators tried, in order: spreadsheet programs in locales with a decimal comma save
CSVs with semicolons, and "Unicode text" exports use tabs."""


def csv_rows(text: str, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """Yield ``(first_line_number, cells)`` for each CSV record, 1-based.

    Records may span several physical lines when a quoted cell holds newlines, so the
    number reported is where the record starts.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    for cells in reader:
        yield start, cells
        start = reader.line_num + 1


def header_index(header: list[str]) -> dict[str, int]:
    """Map lower-cased, trimmed header names to column positions (first wins)."""
    index: dict[str, int] = {}
    for position, name in enumerate(header):
        index.setdefault(name.strip().lower(), position)
    return index
