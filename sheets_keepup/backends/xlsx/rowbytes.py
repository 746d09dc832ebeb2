"""A `<row>` patched as bytes: the common write (owned cells set on plain rows) without
an element per cell.

A first sync of 50,000 contacts sets 110,000 cells; parsing their rows with lxml,
patching the elements and serialising them again took most of the sync. Here a row is
cut into its cells with one regular expression, the cells the write replaces or adds are
written as text, and every other byte of the row is kept as it was. Whatever this does
not recognise (a namespace prefix, a formula in a replaced cell, extra attributes, an
`extLst`, a cell without a reference where one is needed) makes `parse_row` or
`patch_row` return None, and the caller patches that row with lxml instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sheets_keepup.backends.xlsx.refs import cell_name, parse_cell

_OPEN = re.compile(rb"<row\b([^>]*?)(/?)>")
_CELL_TAG = re.compile(rb"<c(?=[\s/>])([^>]*)>")
_ATTR = re.compile(rb"""\s*([A-Za-z_][\w.\-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CONTENT = re.compile(rb"(?:<v>[^<]*</v>|<is>(?:<t>|<t xml:space=\"preserve\">)[^<]*</t></is>)?")
_SPANS = re.compile(rb"""(\sspans\s*=\s*["'])(\d+):(\d+)(["'])""")
_PLAIN_ATTRS = frozenset({b"r", b"s", b"t"})
_CLOSE = b"</c>"

CellXml = Callable[[int, int, int, bool], bytes | None]
"""(row, col, the cell's format, whether the cell is new) -> the cell's new bytes (b""
for no cell), or None when it cannot be written as bytes."""


@dataclass(frozen=True)
class Cell:
    start: int
    end: int
    attrs: dict[bytes, bytes] | None
    """None when the tag's attributes are not plain name="value" pairs."""
    content: bytes | None
    """Between the tags; None for `<c .../>`."""

    @property
    def col(self) -> int | None:
        ref = None if self.attrs is None else self.attrs.get(b"r")
        found = None if ref is None else parse_cell(ref.decode("ascii", "replace"))
        return None if found is None else found[1]


@dataclass
class ParsedRow:
    open_tag: bytes
    """The `<row ...>` tag, open even when the row was written `<row .../>`."""
    body: bytes
    _cells: list[Cell] | None = field(default=None, repr=False)

    def cells(self) -> list[Cell] | None:
        """Every cell of the row in order; None unless the row holds nothing but cells."""
        if self._cells is None:
            self._cells = _cut(self.body)
        return self._cells

    def cell_at(self, position: int) -> Cell | None:
        """The cell whose tag starts at `position` of the body."""
        match = _CELL_TAG.match(self.body, position)
        if match is None:
            return None
        return _cell(self.body, match)

    def last_cell(self) -> Cell | None:
        """The row's last cell, found from its end without cutting the whole row."""
        position = self.body.rfind(b"<c")
        while position >= 0:
            found = self.cell_at(position)
            if found is not None:
                return found if found.end == len(self.body) else None
            position = self.body.rfind(b"<c", 0, position)
        return None


def _cell(body: bytes, match: re.Match[bytes]) -> Cell | None:
    raw = match.group(1)
    if raw.endswith(b"/"):
        return Cell(match.start(), match.end(), _attrs(raw[:-1]), None)
    close = body.find(_CLOSE, match.end())
    if close < 0:
        return None
    return Cell(match.start(), close + len(_CLOSE), _attrs(raw), body[match.end() : close])


def _cut(body: bytes) -> list[Cell] | None:
    cells = []
    position = 0
    while position < len(body):
        match = _CELL_TAG.match(body, position)
        found = None if match is None else _cell(body, match)
        if found is None:
            return None  # whitespace, an extLst or a comment between cells
        cells.append(found)
        position = found.end
    return cells


def parse_row(source: bytes) -> ParsedRow | None:
    """The row split into its tag and body; None unless it looks like a plain `<row>`."""
    opened = _OPEN.match(source)
    if opened is None:
        return None
    if opened.group(2):
        if opened.end() != len(source):
            return None
        return ParsedRow(b"<row" + opened.group(1) + b">", b"", [])
    if not source.endswith(b"</row>"):
        return None
    body = source[opened.end() : -len(b"</row>")]
    if b"<extLst" in body or b"<!--" in body or b"<?" in body:
        return None
    return ParsedRow(source[: opened.end()], body)


def _attrs(raw: bytes) -> dict[bytes, bytes] | None:
    found: dict[bytes, bytes] = {}
    position = 0
    for match in _ATTR.finditer(raw):
        if match.start() != position:
            return None
        found[match.group(1)] = match.group(2) if match.group(2) is not None else match.group(3)
        position = match.end()
    if raw[position:].strip():
        return None
    return found


def patch_row(
    row: int,
    source: bytes | None,
    cols: list[int],
    col_styles: Mapping[int, int],
    cell_xml: CellXml,
) -> bytes | None:
    """Row `row` (0-based) with the cells in `cols` (sorted) written by `cell_xml`.

    `source` is the row's bytes, None for a row the sheet does not have. A new cell takes
    the row's own format when it has one, else its column's (`col_styles`).
    """
    parsed = (
        ParsedRow(b'<row r="' + str(row + 1).encode() + b'">', b"", [])
        if source is None
        else parse_row(source)
    )
    if parsed is None:
        return None
    row_style = _row_style(parsed.open_tag)
    landed: list[int] = []

    def fresh(col: int) -> bytes | None:
        style = row_style if row_style is not None else col_styles.get(col, 0)
        written = cell_xml(row, col, style, True)
        if written:
            landed.append(col)
        return written

    body = _patched_body(row, parsed, cols, fresh, cell_xml)
    if body is None:
        return None
    if not body:
        # Nothing landed in a row that had no cells: leave it as it was.
        return source if source is not None else b'<row r="' + str(row + 1).encode() + b'"/>'
    return _widen_spans(parsed, landed) + body + b"</row>"


def _row_style(open_tag: bytes) -> int | None:
    found = _attrs(open_tag[4:-1]) or {}
    if found.get(b"customFormat") in (b"1", b"true"):
        return int(found.get(b"s", b"0"))
    return None


def _patched_body(
    row: int,
    parsed: ParsedRow,
    cols: list[int],
    fresh: Callable[[int], bytes | None],
    cell_xml: CellXml,
) -> bytes | None:
    """The row's body with each cell of `cols` replaced, or inserted in column order."""
    last = parsed.last_cell() if parsed.body else None
    last_col = -1 if not parsed.body else (None if last is None else last.col)
    if last_col is None:
        return None
    if cols[0] > last_col:
        # The usual case: the owned columns are right of every cell the row has.
        added = [fresh(col) for col in cols]
        if any(piece is None for piece in added):
            return None
        return parsed.body + b"".join(p for p in added if p is not None)
    cells = parsed.cells()
    if cells is None:
        return None
    pieces: list[bytes] = []
    previous = -1
    pending = list(cols)
    for cell in cells:
        col = cell.col
        if cell.attrs is None or col is None or col <= previous:
            return None
        previous = col
        while pending and pending[0] < col:
            inserted = fresh(pending.pop(0))
            if inserted is None:
                return None
            pieces.append(inserted)
        if not pending or pending[0] != col:
            pieces.append(parsed.body[cell.start : cell.end])
            continue
        pending.pop(0)
        if set(cell.attrs) - _PLAIN_ATTRS or not _CONTENT.fullmatch(cell.content or b""):
            return None  # a formula, a rich value or attributes the bytes path does not keep
        replaced = cell_xml(row, col, int(cell.attrs.get(b"s", b"0")), False)
        if replaced is None:
            return None
        pieces.append(replaced)
    for col in pending:
        appended = fresh(col)
        if appended is None:
            return None
        pieces.append(appended)
    return b"".join(pieces)


def _widen_spans(parsed: ParsedRow, added: list[int]) -> bytes:
    """The row's optional `spans` hint widened to the cells added (Excel trusts it)."""
    match = _SPANS.search(parsed.open_tag)
    if match is None or not added:
        return parsed.open_tag
    ends = (parsed.cell_at(0), parsed.last_cell()) if parsed.body else ()
    cols = [*added, *(c.col for c in ends if c is not None and c.col is not None)]
    first, last = int(match.group(2)), int(match.group(3))
    spans = f"{min(first, min(cols) + 1)}:{max(last, max(cols) + 1)}".encode()
    return parsed.open_tag[: match.start(2)] + spans + parsed.open_tag[match.end(3) :]


def escape(text: str) -> bytes:
    """Text content as lxml would write it."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\r", "&#13;")
        .encode("utf-8")
    )


def cell_bytes(row: int, col: int, style: int, kind: bytes | None, inner: bytes) -> bytes:
    """One `<c>` with its reference, format (omitted when 0), type and content."""
    out = b'<c r="' + cell_name(row, col).encode() + b'"'
    if style:
        out += b' s="' + str(style).encode() + b'"'
    if kind is not None:
        out += b' t="' + kind + b'"'
    return out + (b">" + inner + b"</c>" if inner else b"/>")
