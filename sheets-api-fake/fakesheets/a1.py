"""A1 notation: parse Google-style range strings and render them back like Google does."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CELL = re.compile(r"^(\$?[A-Za-z]*)(\$?[0-9]*)$")
_PLAIN_NAME = re.compile(r"^[^\W\d]\w*$")  # letters, digits, underscore; no leading digit
# Titles that read as a cell (``D3``) or R1C1 reference get quoted, as in Google's responses.
_LOOKS_LIKE_REF = re.compile(r"^([A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*)$")


class RangeError(ValueError):
    """A range string that Google would answer with 'Unable to parse range'."""


@dataclass(frozen=True)
class Bounds:
    """Zero-based, end-exclusive bounds; ``None`` means open on that side."""

    start_row: int | None = None
    end_row: int | None = None
    start_col: int | None = None
    end_col: int | None = None


def col_to_index(letters: str) -> int:
    """``"A"`` -> 0, ``"AA"`` -> 26."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def index_to_col(index: int) -> str:
    """0 -> ``"A"``, 26 -> ``"AA"``."""
    out = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def split_sheet(text: str) -> tuple[str | None, str | None]:
    """Split ``'My tab'!A1:B2`` into (sheet title, cell part); either may be None."""
    if text.startswith("'"):
        i, name = 1, []
        while i < len(text):
            if text[i] == "'":
                if text[i + 1 : i + 2] == "'":
                    name.append("'")
                    i += 2
                    continue
                break
            name.append(text[i])
            i += 1
        else:
            raise RangeError(text)
        rest = text[i + 1 :]
        if rest == "":
            return "".join(name), None
        if not rest.startswith("!"):
            raise RangeError(text)
        return "".join(name), rest[1:] or None
    if "!" in text:
        sheet, _, cells = text.rpartition("!")
        return sheet, cells or None
    return None, text


def _parse_cell(part: str) -> tuple[int | None, int | None]:
    """``"B3"`` -> (row 2, col 1); ``"B"`` -> (None, 1); ``"3"`` -> (2, None)."""
    m = _CELL.match(part.strip())
    if not m or not (m.group(1) or m.group(2)):
        raise RangeError(part)
    letters, digits = m.group(1).lstrip("$"), m.group(2).lstrip("$")
    col = col_to_index(letters) if letters else None
    row = int(digits) - 1 if digits else None
    if row is not None and row < 0:
        raise RangeError(part)
    return row, col


def parse_cells(cells: str) -> Bounds:
    """Parse the part after ``!``: ``A1``, ``A1:B2``, ``A:C``, ``2:5``, ``A2:C`` ..."""
    first, sep, second = cells.partition(":")
    r1, c1 = _parse_cell(first)
    if not sep:
        if r1 is None or c1 is None:
            raise RangeError(cells)
        return Bounds(r1, r1 + 1, c1, c1 + 1)
    r2, c2 = _parse_cell(second)
    # A bare row ("A1:3") or bare column ("A1:C") leaves the other axis open-ended.
    start_row = r1 if r1 is not None else (None if r2 is None else 0)
    start_col = c1 if c1 is not None else (None if c2 is None else 0)
    bounds = Bounds(
        start_row=start_row if start_row is not None else 0,
        end_row=r2 + 1 if r2 is not None else None,
        start_col=start_col if start_col is not None else 0,
        end_col=c2 + 1 if c2 is not None else None,
    )
    if r1 is None and r2 is not None and c1 is not None and c2 is None:
        raise RangeError(cells)
    return _ordered(bounds)


def _ordered(b: Bounds) -> Bounds:
    """Google accepts reversed corners (``B2:A1``) and swaps them."""
    sr, er, sc, ec = b.start_row, b.end_row, b.start_col, b.end_col
    if sr is not None and er is not None and er <= sr:
        sr, er = er - 1, sr + 1
    if sc is not None and ec is not None and ec <= sc:
        sc, ec = ec - 1, sc + 1
    return Bounds(sr, er, sc, ec)


def looks_like_cell(text: str) -> bool:
    """True for ``D3``, ``R1C1``-style text, which needs quoting or cannot name a range."""
    return _LOOKS_LIKE_REF.match(text) is not None


def quote_title(title: str) -> str:
    """Quote a sheet title the way Google does in response ranges."""
    if _PLAIN_NAME.match(title) and not _LOOKS_LIKE_REF.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def format_range(title: str, start_row: int, end_row: int, start_col: int, end_col: int) -> str:
    """Render closed bounds as ``Sheet1!A1:B2`` (a single cell as ``Sheet1!A1``)."""
    first = f"{index_to_col(start_col)}{start_row + 1}"
    if end_row - start_row == 1 and end_col - start_col == 1:
        return f"{quote_title(title)}!{first}"
    return f"{quote_title(title)}!{first}:{index_to_col(end_col - 1)}{end_row}"
