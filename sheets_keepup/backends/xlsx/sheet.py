"""One worksheet part, patched without re-serialising what does not change.

`<sheetData>` is found by a byte search and every `<row>` without a change is copied
byte for byte; only the rows that change are parsed (lxml), patched and serialised,
together with the small head and tail around sheetData (views, columns, merged
cells, conditional formats, validations). A sheet of 100,000 formatted empty rows
costs one regular-expression scan, not 100,000 parsed elements.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from lxml import etree

from sheets_keepup.backends.xlsx.package import (
    DECLARATION,
    MAIN_NS,
    insert_in_order,
    local,
    parse_xml,
    q,
)
from sheets_keepup.backends.xlsx.refs import Box, cell_name, parse_box, parse_cell
from sheets_keepup.backends.xlsx.rowbytes import cell_bytes, escape, patch_row
from sheets_keepup.backends.xlsx.styles import KEEP, Restyle, Styles, _Keep
from sheets_keepup.core.errors import DataError
from sheets_keepup.core.model import DATE_PATTERN, WriteValue

WORKSHEET_ORDER = [
    "sheetPr",
    "dimension",
    "sheetViews",
    "sheetFormatPr",
    "cols",
    "sheetData",
    "sheetCalcPr",
    "sheetProtection",
    "protectedRanges",
    "scenarios",
    "autoFilter",
    "sortState",
    "dataConsolidate",
    "customSheetViews",
    "mergeCells",
    "phoneticPr",
    "conditionalFormatting",
    "dataValidations",
    "hyperlinks",
    "printOptions",
    "pageMargins",
    "pageSetup",
    "headerFooter",
    "rowBreaks",
    "colBreaks",
    "customProperties",
    "cellWatches",
    "ignoredErrors",
    "smartTags",
    "drawing",
    "legacyDrawing",
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
]

EMPTY_SHEET = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="' + MAIN_NS.encode() + b'" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<dimension ref="A1"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
    b'<sheetFormatPr defaultRowHeight="15"/><sheetData/>'
    b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    b"</worksheet>"
)

_NAME = rb"(?:([A-Za-z_][\w.\-]*):)?"
_ROOT = re.compile(rb"<" + _NAME + rb"worksheet\b[^>]*>")
_SHEET_DATA = re.compile(rb"<" + _NAME + rb"sheetData\b[^>]*>")
_ROW = re.compile(rb"<" + _NAME + rb"row\b([^>]*)>")
_R_ATTR = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")
_MARK = "keepup-rows"
_SPLIT = b"<!--keepup-split-->"
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPE_LIKE = re.compile("_(x[0-9A-Fa-f]{4}_)")
EPOCH = dt.datetime(1899, 12, 30)
_C, _F, _V, _IS, _T = q("c"), q("f"), q("v"), q("is"), q("t")
_PRESERVE = {"{http://www.w3.org/XML/1998/namespace}space": "preserve"}


@dataclass(frozen=True)
class RowAt:
    """Where one `<row>` starts in the part, and its number (0-based)."""

    number: int
    start: int
    tag_end: int
    closed: bool
    """True for `<row .../>`, which has no cells."""


@dataclass
class SheetEdit:
    """What a change set does to one sheet's cells (0-based rows and columns)."""

    values: dict[tuple[int, int], WriteValue] = field(default_factory=dict)
    fills: dict[tuple[int, int], str | None] = field(default_factory=dict)
    links: frozenset[tuple[int, int]] = frozenset()
    """Cells styled as links (the link itself is the sheet's `<hyperlinks>` entry)."""
    bold_rows: int = 0
    wrap_columns: frozenset[int] = frozenset()
    heights: Mapping[int, int] = field(default_factory=dict)
    """Row -> pixels, for rows whose wrapped text needs more than one line."""
    clear: bool = False
    date_pattern: str = DATE_PATTERN

    def rows(self) -> set[int]:
        return {r for r, _ in self.values} | {r for r, _ in self.fills}


class SheetPart:
    """A worksheet part split around its sheetData, with the rest parsed as `tree`."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        root = _ROOT.search(data)
        found = _SHEET_DATA.search(data)
        if root is None or found is None:
            raise DataError("a worksheet of the workbook has no sheetData")
        self.root_tag = data[root.start() : root.end()]
        root_name = (root.group(1) + b":" if root.group(1) else b"") + b"worksheet"
        self.root_close = b"</" + root_name + b">"
        self.prefix = found.group(1) or b""
        self.data_start = found.start()
        if found.group(0).endswith(b"/>"):
            self.body_start = self.body_end = self.data_end = found.end()
        else:
            close = b"</" + (self.prefix + b":" if self.prefix else b"") + b"sheetData>"
            self.body_start = found.end()
            self.body_end = data.find(close, self.body_start)
            if self.body_end < 0:
                raise DataError("a worksheet of the workbook is cut short")
            self.data_end = self.body_end + len(close)
        self._tree: etree._Element | None = None
        self._rows: list[RowAt] | None = None

    @property
    def tree(self) -> etree._Element:
        """The worksheet without its rows: everything but sheetData's content."""
        if self._tree is None:
            tag = b"<" + (self.prefix + b":" if self.prefix else b"") + b"sheetData/>"
            self._tree = parse_xml(self.data[: self.data_start] + tag + self.data[self.data_end :])
        return self._tree

    def find(self, name: str) -> etree._Element | None:
        return self.tree.find(q(name))

    def findall(self, name: str) -> list[etree._Element]:
        return self.tree.findall(q(name))

    def rows(self) -> list[RowAt]:
        if self._rows is None:
            self._rows = list(_scan_rows(self.data, self.body_start, self.body_end))
            numbers = [r.number for r in self._rows]
            if any(b <= a for a, b in itertools.pairwise(numbers)):
                raise DataError(
                    "a sheet of the workbook lists its rows out of order; open it in Excel "
                    "or LibreOffice, save it, and sync again"
                )
        return self._rows

    def row_bytes(self, row: RowAt) -> bytes:
        return self.data[row.start : _row_end(self.data, row)]

    def merged(self) -> list[Box]:
        merges = self.find("mergeCells")
        boxes = [] if merges is None else [parse_box(m.get("ref", "")) for m in merges]
        return [b for b in boxes if b is not None]

    def col_styles(self) -> dict[int, int]:
        """Column -> cell format of `<col style=>` (what a new cell in it takes)."""
        cols = self.find("cols")
        found: dict[int, int] = {}
        for col in [] if cols is None else cols.findall(q("col")):
            style = col.get("style")
            if style and style != "0":
                for index in range(int(col.get("min", "1")) - 1, int(col.get("max", "1"))):
                    found[index] = int(style)
        return found

    # --- writing ------------------------------------------------------------------------

    def build(self, edit: SheetEdit, styles: Styles) -> tuple[bytes, list[str]]:
        """The part with `edit` made, and the cells whose formula the edit removed."""
        existing = [] if edit.clear else self.rows()
        by_number = {r.number: r for r in existing}
        targets = edit.rows()
        if edit.bold_rows:
            targets |= {r for r in range(edit.bold_rows) if r in by_number or r in targets}
        if edit.wrap_columns:
            targets |= {r.number for r in existing if not r.closed}
        targets |= set(edit.heights)
        patcher = _RowPatcher(self, edit, styles)
        ordered = sorted(targets)
        sources = [self.row_bytes(by_number[n]) if n in by_number else None for n in ordered]
        patched = patcher.patch(ordered, sources)
        patcher.extent = _extent(edit)
        body = _splice(self.data, self.body_start, self.body_end, existing, ordered, patched)
        if patcher.extent is not None or edit.clear:
            self._extend_dimension(patcher.extent, edit.clear)
        return self._assemble(body), patcher.dropped

    def _extend_dimension(self, extent: Box | None, reset: bool) -> None:
        dimension = self.find("dimension")
        if dimension is None:
            dimension = etree.Element(q("dimension"))
            insert(self.tree, dimension)
        current = None if reset else parse_box(dimension.get("ref", ""))
        box = extent or current or Box(0, 0, 0, 0)
        if current is not None and extent is not None:
            box = Box(
                min(current.top, extent.top),
                min(current.left, extent.left),
                max(current.bottom, extent.bottom),
                max(current.right, extent.right),
            )
        dimension.set("ref", box.a1())

    def _assemble(self, body: list[bytes | memoryview]) -> bytes:
        data = self.tree.find(q("sheetData"))
        assert data is not None
        data.text = None
        for child in list(data):
            data.remove(child)
        data.append(etree.Comment(_MARK))
        text = DECLARATION + etree.tostring(
            self.tree.getroottree(), encoding="UTF-8", xml_declaration=False
        )
        before, _, after = text.partition(f"<!--{_MARK}-->".encode())
        data.remove(data[0])
        # One join: the part is written once, not copied again for the head and tail.
        return b"".join([before, *body, after])


_DATA_CLOSE = re.compile(rb"</" + _NAME + rb"sheetData>")
_CARRY = 64
"""Bytes kept from one chunk to the next, so a tag split between them is still found."""


def outline(chunks: Iterable[bytes]) -> bytes:
    """A worksheet part without its rows, from its bytes in chunks.

    What the highlight read needs (conditional formats, after sheetData) without
    holding a 50,000-row sheet's 40 MB of XML at once: the rows are read and dropped.
    """
    head = b""
    pieces = iter(chunks)
    for chunk in pieces:
        head += chunk
        found = _SHEET_DATA.search(head)
        if found is None:
            continue
        if found.group(0).endswith(b"/>"):
            return head + b"".join(pieces)
        carry = head[found.end() :]
        head = head[: found.end()]
        break
    else:
        return head
    for chunk in itertools.chain([b""], pieces):
        window = carry + chunk
        # A plain find first: the pattern would stop at every closing tag of the rows.
        close = _DATA_CLOSE.search(window) if b"sheetData>" in window else None
        if close is not None:
            return head + window[close.start() :] + b"".join(pieces)
        carry = window[-_CARRY:]
    return head + carry


def insert(root: etree._Element, element: etree._Element) -> None:
    """Put a new child of <worksheet> where the schema wants it."""
    insert_in_order(root, element, WORKSHEET_ORDER)


def _scan_rows(data: bytes, start: int, end: int) -> Iterator[RowAt]:
    previous = -1
    for match in _ROW.finditer(data, start, end):
        number_match = _R_ATTR.search(b" " + match.group(2))
        number = int(number_match.group(1)) - 1 if number_match else previous + 1
        previous = number
        yield RowAt(number, match.start(), match.end(), match.group(2).endswith(b"/"))


def _row_end(data: bytes, row: RowAt) -> int:
    if row.closed:
        return row.tag_end
    name_end = data.find(b"row", row.start)
    prefix = data[row.start + 1 : name_end]
    close = b"</" + prefix + b"row>"
    end = data.find(close, row.tag_end)
    if end < 0:
        raise DataError("a worksheet of the workbook is cut short")
    return end + len(close)


def _splice(
    data: bytes,
    body_start: int,
    body_end: int,
    existing: list[RowAt],
    ordered: list[int],
    patched: list[bytes],
) -> list[bytes | memoryview]:
    """The rows region with each patched row in place of its old bytes, or inserted.

    The unchanged runs are views of `data`, so the region is not copied before the
    part is put together.
    """
    if not existing:
        return list(patched)
    view = memoryview(data)
    starts = [r.number for r in existing]
    pieces: list[bytes | memoryview] = []
    position = body_start
    for number, content in zip(ordered, patched, strict=True):
        index = bisect.bisect_left(starts, number)
        if index < len(existing) and existing[index].number == number:
            row = existing[index]
            pieces += [view[position : row.start], content]
            position = _row_end(data, row)
        else:
            insert_at = existing[index].start if index < len(existing) else body_end
            insert_at = max(insert_at, position)
            pieces += [view[position:insert_at], content]
            position = insert_at
    pieces.append(view[position:body_end])
    return pieces


class _RowPatcher:
    """Parses the rows that change in one document, patches them and serialises them."""

    def __init__(self, part: SheetPart, edit: SheetEdit, styles: Styles) -> None:
        self.part = part
        self.edit = edit
        self.styles = styles
        self.col_styles = part.col_styles()
        self.dropped: list[str] = []
        self.extent: Box | None = None
        self._date_format: int | None = None
        self._cells_by_row: dict[int, list[int]] = {}
        # Per cell format, so that 100,000 cells cost a dict look-up each, not a derive.
        self._derived: dict[tuple[int, int | None, str | _Keep | None, bool], int] = {}
        self._date_styles: dict[int, bool] = {}
        for row, col in [*edit.values, *edit.fills]:
            self._cells_by_row.setdefault(row, []).append(col)

    def patch(self, numbers: list[int], sources: list[bytes | None]) -> list[bytes]:
        """The rows `numbers` patched; `sources` are their bytes (None for a new row)."""
        out = [self._as_bytes(n, s) for n, s in zip(numbers, sources, strict=True)]
        slow = [i for i, piece in enumerate(out) if piece is None]
        if slow:
            parsed = self._parsed([numbers[i] for i in slow], [sources[i] for i in slow])
            for index, piece in zip(slow, parsed, strict=True):
                out[index] = piece
        return [piece for piece in out if piece is not None]

    def _as_bytes(self, number: int, source: bytes | None) -> bytes | None:
        """The row patched as bytes (see `rowbytes`), or None to patch it with lxml."""
        if (
            self.part.prefix
            or number < self.edit.bold_rows
            or self.edit.wrap_columns
            or number in self.edit.heights
        ):
            return None
        cols = sorted(set(self._cells_by_row.get(number, ())))
        if not cols:
            return None
        return patch_row(number, source, cols, self.col_styles, self._cell_bytes)

    def _cell_bytes(self, row: int, col: int, style: int, fresh: bool) -> bytes | None:
        """One cell as `_patch_cell` leaves it, as bytes; None when only lxml can."""
        key = (row, col)
        number_format: int | None = None
        encoded: tuple[bytes | None, bytes] | None = (None, b"")
        if key in self.edit.values:
            value = self.edit.values[key]
            encoded = _value_bytes(value)
            if isinstance(value, dt.date):
                number_format = self._date_id()
            elif value is not None and self._is_date(style):
                number_format = 0
        elif not fresh:
            return None  # a colour alone on a cell that stays: its value must be kept
        if encoded is None:
            return None
        change = (style, number_format, self.edit.fills.get(key, KEEP), key in self.edit.links)
        derived = self._derived.get(change)
        if derived is None:
            restyle = Restyle(number_format=number_format, fill=change[2], link=change[3])
            derived = self._derived[change] = self.styles.derive(style, restyle)
        style = derived
        kind, inner = encoded
        if fresh and not inner and not style:
            return b""
        return cell_bytes(row, col, style, kind, inner)

    def _is_date(self, style: int) -> bool:
        known = self._date_styles.get(style)
        if known is None:
            known = self._date_styles[style] = self.styles.is_date(style)
        return known

    def _parsed(self, numbers: list[int], sources: list[bytes | None]) -> list[bytes]:
        """The rows patched as lxml elements, in one document."""
        prefix = self.part.prefix
        pieces = [self.part.root_tag]
        for number, source in zip(numbers, sources, strict=True):
            pieces.append(source if source is not None else _new_row(prefix, number))
            pieces.append(_SPLIT)
        pieces.append(self.part.root_close)
        wrapper = parse_xml(b"".join(pieces))
        rows = [child for child in wrapper if local(child) == "row"]
        for number, row in zip(numbers, rows, strict=True):
            self._patch_row(row, number)
        text = etree.tostring(wrapper, encoding="UTF-8", xml_declaration=False)
        body = text[text.index(b">") + 1 : text.rindex(b"</")]
        return body.split(_SPLIT)[:-1]

    def _patch_row(self, row: etree._Element, number: int) -> None:
        cells = cells_of(row, number)
        row_style = int(row.get("s", "0")) if row.get("customFormat") in ("1", "true") else None
        for col in sorted(set(self._cells_by_row.get(number, ()))):
            cell = cells.get(col)
            created = cell is None
            if cell is None:
                cell = _new_cell(row, cells, number, col)
                base = row_style if row_style is not None else self.col_styles.get(col, 0)
                if base:
                    cell.set("s", str(base))
            self._patch_cell(cell, number, col, created)
            if created and _is_blank(cell):
                row.remove(cell)
                del cells[col]
        bold = number < self.edit.bold_rows
        if bold or self.edit.wrap_columns:
            for col, cell in cells.items():
                wrap = col in self.edit.wrap_columns
                if bold or wrap:
                    self._restyle(cell, Restyle(bold=bold, wrap=wrap))
        pixels = self.edit.heights.get(number)
        if pixels is not None:
            # Points, as the format counts them (96 pixels to 72 points).
            row.set("ht", f"{pixels * 0.75:g}")
            row.set("customHeight", "1")
        _fix_spans(row, cells)

    def _patch_cell(self, cell: etree._Element, row: int, col: int, fresh: bool) -> None:
        key = (row, col)
        number_format: int | None = None
        if key in self.edit.values:
            value = self.edit.values[key]
            if not fresh:
                self._drop_formula(cell, row, col)
                _clear_value(cell)
            _set_value(cell, value)
            style = int(cell.get("s", "0"))
            if isinstance(value, dt.date):
                number_format = self._date_id()
            elif value is not None and self.styles.is_date(style):
                number_format = 0
        fill: str | _Keep | None = self.edit.fills.get(key, KEEP)
        link = key in self.edit.links
        self._restyle(cell, Restyle(number_format=number_format, fill=fill, link=link))

    def _restyle(self, cell: etree._Element, change: Restyle) -> None:
        if not change:
            return
        old = int(cell.get("s", "0"))
        new = self.styles.derive(old, change)
        if new != old:
            if new:
                cell.set("s", str(new))
            else:
                cell.attrib.pop("s", "")

    def _date_id(self) -> int:
        if self._date_format is None:
            self._date_format = self.styles.date_format(self.edit.date_pattern)
        return self._date_format

    def _drop_formula(self, cell: etree._Element, row: int, col: int) -> None:
        formula = cell.find(_F)
        if formula is None:
            return
        spread = parse_box(formula.get("ref", "")) if formula.get("ref") else None
        if spread is not None and (spread.top, spread.left) != (spread.bottom, spread.right):
            kind = "an array formula" if formula.get("t") == "array" else "a shared formula"
            raise DataError(
                f"{cell_name(row, col)} holds {kind} that also fills {spread.a1()}; the sync "
                f"would write there. Clear or move that formula, then sync again."
            )
        self.dropped.append(cell_name(row, col))


def _extent(edit: SheetEdit) -> Box | None:
    """The cells that get a value, for the sheet's dimension."""
    written = [key for key, value in edit.values.items() if value is not None and value != ""]
    if not written:
        return None
    rows = [r for r, _ in written]
    cols = [c for _, c in written]
    return Box(min(rows), min(cols), max(rows), max(cols))


def _new_row(prefix: bytes, number: int) -> bytes:
    name = (prefix + b":" if prefix else b"") + b"row"
    return b"<" + name + b' r="' + str(number + 1).encode() + b'"/>'


def cells_of(row: etree._Element, number: int) -> dict[int, etree._Element]:
    """The row's cells by column, each given an explicit reference."""
    cells: dict[int, etree._Element] = {}
    previous = -1
    for cell in row:
        if local(cell) != "c":
            continue
        found = parse_cell(cell.get("r", ""))
        col = found[1] if found is not None else previous + 1
        if found is None:
            cell.set("r", cell_name(number, col))
        cells[col] = cell
        previous = col
    return cells


def _new_cell(
    row: etree._Element, cells: dict[int, etree._Element], number: int, col: int
) -> etree._Element:
    cell = etree.Element(_C)
    cell.set("r", cell_name(number, col))
    after = min((c for c in cells if c > col), default=None)
    if after is not None:
        cells[after].addprevious(cell)
    elif len(row) and local(row[-1]) == "extLst":
        row[-1].addprevious(cell)
    else:
        row.append(cell)
    cells[col] = cell
    return cell


def _is_blank(cell: etree._Element) -> bool:
    return len(cell) == 0 and cell.get("s", "0") == "0"


def _fix_spans(row: etree._Element, cells: dict[int, etree._Element]) -> None:
    """Widen the row's optional `spans` hint to its cells (Excel trusts it)."""
    spans = row.get("spans")
    if not spans or not cells:
        return
    first, _, last = spans.partition(":")
    if not (first.isdigit() and last.isdigit()):
        return
    low, high = min(int(first), min(cells) + 1), max(int(last), max(cells) + 1)
    row.set("spans", f"{low}:{high}")


def serial(value: dt.date) -> float | int:
    """A date as Excel's day count from 1899-12-30 (a fraction for a time of day)."""
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - EPOCH
        return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000
    return (value - EPOCH.date()).days


def escape_text(text: str) -> str:
    """Characters XML cannot hold, as the _xHHHH_ escapes of the format."""
    text = _ESCAPE_LIKE.sub(r"_x005F_\1", text)
    return _INVALID_XML.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def _clear_value(cell: etree._Element) -> None:
    for child in list(cell):
        if local(child) in ("f", "v", "is"):
            cell.remove(child)
    for attribute in ("t", "cm", "vm"):
        cell.attrib.pop(attribute, "")


def _set_value(cell: etree._Element, value: WriteValue) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        cell.set("t", "b")
        _add_value(cell, "1" if value else "0")
    elif isinstance(value, dt.date):
        _add_value(
            cell, repr(serial(value)) if isinstance(value, dt.datetime) else str(serial(value))
        )
    elif isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        _add_value(cell, repr(value) if isinstance(value, float) else str(value))
    else:
        cell.set("t", "inlineStr")
        rich = etree.Element(_IS)
        text = etree.SubElement(rich, _T, _PRESERVE)
        text.text = escape_text(str(value))
        cell.insert(0, rich)


def _value_bytes(value: WriteValue) -> tuple[bytes | None, bytes] | None:
    """A value as `_set_value` writes it: (the cell's type, its content as bytes)."""
    if value is None or value == "":
        return None, b""
    if isinstance(value, bool):
        return b"b", b"<v>1</v>" if value else b"<v>0</v>"
    if isinstance(value, dt.date):
        number = serial(value)
        text = repr(number) if isinstance(value, dt.datetime) else str(number)
        return None, b"<v>" + text.encode() + b"</v>"
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        text = repr(value) if isinstance(value, float) else str(value)
        return None, b"<v>" + text.encode() + b"</v>"
    try:
        content = escape(escape_text(str(value)))
    except UnicodeEncodeError:
        return None  # lone surrogates: lxml decides what becomes of them
    return b"inlineStr", b'<is><t xml:space="preserve">' + content + b"</t></is>"


def _add_value(cell: etree._Element, text: str) -> None:
    element = etree.Element(_V)
    element.text = text
    cell.insert(0, element)
