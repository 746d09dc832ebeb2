"""Rows patched as bytes come out as the lxml patch makes them, and the parts of the
package the write does not touch are copied as stored.

The bytes path (`rowbytes`) is a shortcut for the common write; every row is compared
here with the same row patched through lxml (the path it replaces), as canonical XML,
together with the cell formats either path added to styles.xml.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator

import pytest
from lxml import etree
from python_calamine import CalamineWorkbook

from sheets_keepup.backends.xlsx import sheet as sheet_module
from sheets_keepup.backends.xlsx.package import Package, write_package
from sheets_keepup.backends.xlsx.sheet import SheetEdit, SheetPart, outline
from sheets_keepup.backends.xlsx.styles import Styles
from sheets_keepup.core.model import WriteValue

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<worksheet xmlns="{MAIN}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<dimension ref="A1:C4"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
    '<sheetFormatPr defaultRowHeight="15"/><cols><col min="5" max="5" width="12" style="1"'
    ' customWidth="1"/></cols><sheetData>'
)
TAIL = (
    '</sheetData><conditionalFormatting sqref="A1:C9"><cfRule type="expression" '
    'dxfId="0" priority="1"><formula>$C1="x"</formula></cfRule></conditionalFormatting>'
    '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    "</worksheet>"
)
STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" '
    'formatCode="yyyy-mm-dd"/></numFmts><fonts count="1"><font><sz val="11"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill '
    'patternType="gray125"/></fill></fills><borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
    'xfId="0"/><xf numFmtId="0" fontId="0" fillId="1" borderId="0" xfId="0" applyFill="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs></styleSheet>"
)

ROWS = {
    "plain": (
        '<row r="4"><c r="A4" t="inlineStr"><is><t>Ada</t></is></c><c r="B4"><v>3</v></c></row>'
    ),
    "spans": (
        '<row r="4" spans="1:2"><c r="A4" t="s"><v>0</v></c><c r="B4" s="1"><v>3</v></c></row>'
    ),
    "row format": '<row r="4" s="1" customFormat="1"><c r="A4"><v>1</v></c></row>',
    "empty": '<row r="4" ht="20" customHeight="1"/>',
    "owned cells there": (
        '<row r="4"><c r="A4"><v>1</v></c><c r="D4" t="inlineStr"><is><t xml:space="preserve">'
        'old</t></is></c><c r="E4" s="2"><v>46000</v></c><c r="F4" t="s"><v>2</v></c></row>'
    ),
    "owned cells empty": '<row r="4"><c r="A4"><v>1</v></c><c r="D4" s="1"/><c r="F4"/></row>',
    "a cell between": '<row r="4"><c r="A4"><v>1</v></c><c r="H4"><v>9</v></c></row>',
    "formula in the way": (
        '<row r="4"><c r="A4"><v>1</v></c><c r="E4"><f>A4+1</f><v>2</v></c></row>'
    ),
    "single quotes": "<row r='4'><c r='A4' s='1'><v>1</v></c></row>",
    "odd attribute": '<row r="4"><c r="A4"><v>1</v></c><c r="E4" cm="1"><v>2</v></c></row>',
    "no references": '<row r="4"><c><v>1</v></c><c><v>2</v></c></row>',
    "extLst": '<row r="4"><c r="A4"><v>1</v></c><extLst><ext uri="x"/></extLst></row>',
    "missing": "",
}
VALUES: dict[str, dict[int, WriteValue]] = {
    "text": {3: "Email Ada: it has been 4 months & more <soon>", 4: dt.date(2026, 3, 2), 5: "ok"},
    "numbers": {3: 7, 4: 1.25, 5: True},
    "awkward text": {3: "=SUM(A1)", 4: "line\r\nbreak\ttab\x01bell _x0041_", 5: "Zoë Ørsted"},
    "clearing": {3: None, 4: "", 5: None},
    "a datetime": {3: dt.datetime(2026, 3, 2, 12, 30), 5: float("inf")},
}
FILLS = {"none": {}, "colours": {3: "#F4A09A", 5: None}}


def _part(row: str) -> bytes:
    return (HEAD + row + TAIL).encode()


def _build(
    row: str, values: dict[int, WriteValue], fills: dict[int, str | None], fast: bool
) -> tuple[bytes, list[str], bytes]:
    edit = SheetEdit(
        values={(3, col): value for col, value in values.items()},
        fills={(3, col): colour for col, colour in fills.items()},
    )
    styles = Styles(STYLES.encode())
    original = sheet_module._RowPatcher._as_bytes
    try:
        if not fast:
            sheet_module._RowPatcher._as_bytes = lambda *_: None  # type: ignore[method-assign]
        data, dropped = SheetPart(_part(row)).build(edit, styles)
    finally:
        sheet_module._RowPatcher._as_bytes = original  # type: ignore[method-assign]
    return data, dropped, styles.to_bytes()


def _canonical(data: bytes) -> bytes:
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.tostring(etree.fromstring(data, parser), method="c14n")


@pytest.mark.parametrize("row", list(ROWS))
@pytest.mark.parametrize("values", list(VALUES))
@pytest.mark.parametrize("fills", list(FILLS))
def test_bytes_path_writes_what_lxml_writes(row: str, values: str, fills: str) -> None:
    fast = _build(ROWS[row], VALUES[values], FILLS[fills], fast=True)
    slow = _build(ROWS[row], VALUES[values], FILLS[fills], fast=False)
    assert _canonical(fast[0]) == _canonical(slow[0])
    assert fast[1] == slow[1]  # the formulas the write removed
    assert _canonical(fast[2]) == _canonical(slow[2])  # the cell formats it added


def test_bytes_path_keeps_every_other_byte_of_the_row() -> None:
    row = '<row r="4" spans="1:2" x14ac:dyDescent="0.25"><c r="A4" t="s"><v>0</v></c></row>'
    data, _, _ = _build(row, {3: "hi"}, {}, fast=True)
    assert (
        b'<row r="4" spans="1:4" x14ac:dyDescent="0.25"><c r="A4" t="s"><v>0</v></c>'
        b'<c r="D4" t="inlineStr"><is><t xml:space="preserve">hi</t></is></c></row>'
    ) in data


def test_bytes_path_is_taken_for_the_common_rows() -> None:
    """The shortcut is worth having only if plain rows take it."""
    taken: list[bytes | None] = []
    original = sheet_module._RowPatcher._as_bytes

    def spy(self: object, number: int, source: bytes | None) -> bytes | None:
        found = original(self, number, source)  # type: ignore[arg-type]
        taken.append(found)
        return found

    sheet_module._RowPatcher._as_bytes = spy  # type: ignore[method-assign]
    try:
        for row in ("plain", "spans", "owned cells there", "missing"):
            SheetPart(_part(ROWS[row])).build(
                SheetEdit(values={(3, 3): "x", (3, 4): dt.date(2026, 1, 2)}),
                Styles(STYLES.encode()),
            )
    finally:
        sheet_module._RowPatcher._as_bytes = original  # type: ignore[method-assign]
    assert len(taken) == 4 and all(found is not None for found in taken)


def _chunks(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.mark.parametrize("size", [1, 7, 64, 1 << 20])
@pytest.mark.parametrize("rows", ["", ROWS["plain"] * 50])
def test_outline_is_the_part_without_its_rows(size: int, rows: str) -> None:
    data = _part(rows)
    found = outline(_chunks(data, size))
    assert found == (HEAD + TAIL).encode()
    part = SheetPart(found)
    assert part.rows() == []
    assert len(part.findall("conditionalFormatting")) == 1


def test_outline_of_a_part_without_rows_element() -> None:
    data = (HEAD.replace("<sheetData>", "<sheetData/>") + TAIL.replace("</sheetData>", "")).encode()
    assert outline(_chunks(data, 5)) == data


def _workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
            'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        book.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        book.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><sheets><sheet name="Contacts" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>',
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        stored = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=(2020, 5, 6, 7, 8, 10))
        stored.compress_type = zipfile.ZIP_STORED
        book.writestr(stored, _part(ROWS["plain"]))
        book.writestr("xl/media/ünïcode.bin", bytes(range(256)) * 64)
    return out.getvalue()


def test_untouched_parts_are_copied_as_stored() -> None:
    package = Package(_workbook())
    out = io.BytesIO()
    write_package(package, out, {"xl/workbook.xml": package.read("xl/workbook.xml")}, {})
    copied = Package(out.getvalue())
    assert copied.zip.testzip() is None
    for before, after in zip(package.infos, copied.infos, strict=True):
        assert (before.filename, before.date_time) == (after.filename, after.date_time)
        assert (before.compress_type, before.CRC) == (after.compress_type, after.CRC)
        assert copied.zip.read(after) == package.zip.read(before)
        raw_before, raw_after = package.raw(before), copied.raw(after)
        assert raw_before is not None and raw_after is not None
        assert bytes(raw_before) == bytes(raw_after)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(out.getvalue())).get_sheet_by_name("Contacts")
    assert sheet.to_python(skip_empty_area=False)[3][:2] == ["Ada", 3.0]


class _Pipe(io.RawIOBase):
    """An output that cannot seek, like a pipe."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, chunk: bytes) -> int:  # type: ignore[override]
        self.data += chunk
        return len(chunk)


def test_parts_are_compressed_again_where_they_cannot_be_copied_as_stored() -> None:
    package = Package(_workbook())
    out = _Pipe()
    write_package(package, out, {}, {})  # type: ignore[arg-type]
    copied = Package(bytes(out.data))
    assert copied.zip.testzip() is None
    for before, after in zip(package.infos, copied.infos, strict=True):
        assert copied.zip.read(after) == package.zip.read(before)
