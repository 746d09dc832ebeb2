"""Build the corpus of real-world workbooks that the integrity tests sync.

Run `python tests/workbooks/build_corpus.py` from the repository root. Each workbook is
built with openpyxl first; what openpyxl cannot write (pictures, macros, sparklines,
x14 extensions, threaded comments, rich text, cached formula values, pivot tables, a
calculation chain) is then added by editing the zip package directly, part by part, the
way Excel writes those parts. The outputs are committed, so the tests need neither this
script's tools nor LibreOffice.

Generation is deterministic (fixed zip dates, fixed document properties), except the
workbook LibreOffice re-saves: `soffice` stamps its own dates into it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import posixpath
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from lxml import etree
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"

TODAY = dt.date(2026, 3, 16)
"""The day every corpus workbook is planned for; the tests pass it with --today."""

EXCEL_EPOCH = dt.date(1899, 12, 30)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
OWNED_HEADERS = ("Next action", "Due", "Status")
BASE_HEADERS = ("Name", "Email", "Company", "Tier", "Last contact", "Notes")
EMPTY_FORMATTED_ROWS = 20_000

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"
XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
DRAWING_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
THREADED = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
MS_REL = "http://schemas.microsoft.com/office/2017/10/relationships/"
CT_SHEETML = "application/vnd.openxmlformats-officedocument.spreadsheetml."

# CT_Worksheet's children in schema order: Excel rejects a part whose children are not.
SHEET_ORDER = [
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
WORKBOOK_ORDER = [
    "fileVersion",
    "fileSharing",
    "workbookPr",
    "workbookProtection",
    "bookViews",
    "sheets",
    "functionGroups",
    "externalReferences",
    "definedNames",
    "calcPr",
    "oleSize",
    "customWorkbookViews",
    "pivotCaches",
    "smartTagPr",
    "smartTagTypes",
    "webPublishing",
    "fileRecoveryPr",
    "webPublishObjects",
    "extLst",
]
# Excel orders a sheet's extLst entries by these URIs.
EXT_ORDER = (
    "{78C0D931-6437-407d-A8EE-F0AAD7539E65}",  # x14:conditionalFormattings
    "{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}",  # x14:dataValidations
    "{05C60535-1F16-4fd2-B633-F4F36F0B64E0}",  # x14:sparklineGroups
)


# ---------------------------------------------------------------------------------------
# The people


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    email: str
    company: str
    tier: str
    days_ago: int | None
    notes: str
    score: int

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def last_contact(self) -> dt.date | None:
        return None if self.days_ago is None else TODAY - dt.timedelta(days=self.days_ago)


PEOPLE = (
    Person("Ada", "Lovelace", "ada@example.org", "Analytical", "close", 100, "Book club", 9),
    Person("Grace", "Hopper", "grace@example.org", "Navy Labs", "core", 5, "Compilers", 8),
    Person("Alan", "Turing", "alan@example.org", "Bletchley", "network", 170, "Chess", 7),
    Person("Katherine", "Johnson", "kj@example.org", "NASA", "core", 400, "Orbits", 9),
    Person("Linus", "Torvalds", "linus@example.org", "Kernel Co", "acquaintance", 30, "", 4),
    Person("Margaret", "Hamilton", "mh@example.org", "Apollo", "close", 12, "Kids", 10),
    Person("Tim", "Berners-Lee", "tim@example.org", "W3", "network", None, "Web", 6),
    Person("Barbara", "Liskov", "bl@example.org", "MIT", "core", 80, "Types", 8),
    Person("Edsger", "Dijkstra", "ed@example.org", "Eindhoven", "network", 20, "", 5),
    Person("Donald", "Knuth", "dk@example.org", "Stanford", "core", 200, "Typesetting", 7),
    Person("Frances", "Allen", "fa@example.org", "IBM", "close", 45, "Hiking", 6),
    Person("John", "McCarthy", "jm@example.org", "Lisp Labs", "acquaintance", 500, "", 3),
    Person("Radia", "Perlman", "rp@example.org", "Bridges", "network", 60, "Music", 7),
    Person("Ken", "Thompson", "kt@example.org", "Bell", "core", 95, "Go", 6),
    Person("Hedy", "Lamarr", "hl@example.org", "Films", "close", 2, "Patents", 9),
    Person("Claude", "Shannon", "cs@example.org", "Bell", "network", 365, "Juggling", 8),
)
TIERS = ("close", "core", "network", "acquaintance")


def serial(day: dt.date) -> int:
    return (day - EXCEL_EPOCH).days


# ---------------------------------------------------------------------------------------
# The zip package


def q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


class Package:
    """The parts of an .xlsx held in memory, with the edits Excel's own writer makes."""

    def __init__(self, parts: dict[str, bytes]) -> None:
        self.parts = parts

    @classmethod
    def from_bytes(cls, data: bytes) -> Package:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return cls({name: archive.read(name) for name in archive.namelist()})

    def xml(self, name: str) -> etree._Element:
        return etree.fromstring(self.parts[name])

    def put_xml(self, name: str, root: etree._Element) -> None:
        self.parts[name] = etree.tostring(
            root, xml_declaration=True, encoding="UTF-8", standalone=True
        )

    def put_text(self, name: str, text: str) -> None:
        self.parts[name] = text.encode()

    def content_type(self, part: str, content_type: str) -> None:
        types = self.xml("[Content_Types].xml")
        for entry in types.findall(q(CT_NS, "Override")):
            if entry.get("PartName") == "/" + part:
                entry.set("ContentType", content_type)
                break
        else:
            etree.SubElement(
                types, q(CT_NS, "Override"), PartName="/" + part, ContentType=content_type
            )
        self.put_xml("[Content_Types].xml", types)

    def default_type(self, extension: str, content_type: str) -> None:
        types = self.xml("[Content_Types].xml")
        if not any(d.get("Extension") == extension for d in types.findall(q(CT_NS, "Default"))):
            # Defaults come before overrides, as Excel writes them.
            types.insert(0, types.makeelement(q(CT_NS, "Default"), Extension=extension))
            types[0].set("ContentType", content_type)
        self.put_xml("[Content_Types].xml", types)

    def relate(self, source: str, rel_type: str, target: str) -> str:
        """Add a relationship from part `source` to part `target`; return its id."""
        name = rels_name(source)
        if name in self.parts:
            rels = self.xml(name)
        else:
            rels = etree.fromstring(f'<Relationships xmlns="{PKG_RELS}"/>')
        taken = {r.get("Id") for r in rels}
        number = 1
        while f"rId{number}" in taken:
            number += 1
        rel_id = f"rId{number}"
        relative = posixpath.relpath(target, posixpath.dirname(source))
        etree.SubElement(
            rels, q(PKG_RELS, "Relationship"), Id=rel_id, Type=rel_type, Target=relative
        )
        self.put_xml(name, rels)
        return rel_id

    def sheet_part(self, title: str) -> str:
        book = self.xml("xl/workbook.xml")
        rels = self.xml("xl/_rels/workbook.xml.rels")
        targets = {r.get("Id"): r.get("Target", "") for r in rels}
        for sheet in book.iter(q(MAIN, "sheet")):
            if sheet.get("name") == title:
                target = targets[sheet.get(q(R_NS, "id"))]
                return target.lstrip("/") if target.startswith("/") else "xl/" + target
        raise KeyError(title)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            # [Content_Types].xml first, as Excel writes it; then a stable order.
            names = sorted(self.parts, key=lambda n: (n != "[Content_Types].xml", n))
            for name in names:
                info = zipfile.ZipInfo(name, ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o600 << 16
                archive.writestr(info, self.parts[name], compresslevel=9)
        path.write_bytes(buffer.getvalue())


def insert_ordered(parent: etree._Element, child: etree._Element, order: list[str]) -> None:
    """Insert `child` where the schema's child order puts it (after its own kind)."""
    rank = order.index(etree.QName(child).localname)
    position = 0
    for index, existing in enumerate(parent):
        name = etree.QName(existing).localname
        if name in order and order.index(name) <= rank:
            position = index + 1
    parent.insert(position, child)


def sheet_child(pkg: Package, title: str, xml: str) -> None:
    part = pkg.sheet_part(title)
    root = pkg.xml(part)
    insert_ordered(root, etree.fromstring(xml), SHEET_ORDER)
    pkg.put_xml(part, root)


def sheet_ext(pkg: Package, title: str, ext_xml: str) -> None:
    """Add one <ext> to the sheet's extLst, keeping Excel's order of extension URIs."""
    part = pkg.sheet_part(title)
    root = pkg.xml(part)
    ext_list = root.find(q(MAIN, "extLst"))
    if ext_list is None:
        ext_list = etree.Element(q(MAIN, "extLst"))
        insert_ordered(root, ext_list, SHEET_ORDER)
    ext = etree.fromstring(ext_xml)
    ext_list.append(ext)
    ext_list[:] = sorted(ext_list, key=lambda e: EXT_ORDER.index(e.get("uri", "")))
    pkg.put_xml(part, root)


def sheet_index(pkg: Package, title: str) -> int:
    titles = [s.get("name") for s in pkg.xml("xl/workbook.xml").iter(q(MAIN, "sheet"))]
    return titles.index(title)


def fixed_properties(pkg: Package) -> None:
    """openpyxl stamps the time of saving; a fixed date keeps the build reproducible."""
    pkg.put_text(
        "docProps/core.xml",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/'
        'dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<dc:creator>Sam Keeper</dc:creator><cp:lastModifiedBy>Sam Keeper</cp:lastModifiedBy>"
        '<dcterms:created xsi:type="dcterms:W3CDTF">2026-01-05T09:00:00Z</dcterms:created>'
        '<dcterms:modified xsi:type="dcterms:W3CDTF">2026-03-13T17:30:00Z</dcterms:modified>'
        "</cp:coreProperties>",
    )


# ---------------------------------------------------------------------------------------
# The Contacts tab, built with openpyxl


@dataclass(frozen=True)
class Layout:
    """Which columns a workbook's Contacts tab has, and where its header row is."""

    headers: tuple[str, ...] = BASE_HEADERS
    owned: bool = False
    header_row: int = 1
    people: tuple[Person, ...] = PEOPLE

    @property
    def all_headers(self) -> tuple[str, ...]:
        return self.headers + (OWNED_HEADERS if self.owned else ())

    def col(self, header: str) -> int:
        return self.all_headers.index(header) + 1

    def letter(self, header: str) -> str:
        return str(get_column_letter(self.col(header)))

    def row_of(self, index: int) -> int:
        return self.header_row + 1 + index

    @property
    def last_row(self) -> int:
        return self.row_of(len(self.people) - 1)


def person_value(person: Person, header: str, row: int) -> object:
    """The value a user typed for `person` under `header` (formulas as text)."""
    values: dict[str, object] = {
        "Name": person.name,
        "First": person.first,
        "Last": person.last,
        "Email": person.email,
        "Company": person.company,
        "Tier": person.tier,
        "Last contact": person.last_contact,
        "Notes": person.notes or None,
        "Score": person.score,
        # Stale owned values, as an earlier sync left them: every Status is one the tool
        # writes, so the tool adopts the columns as its own.
        "Next action": None,
        "Due": TODAY - dt.timedelta(days=3),
        "Status": "ok",
    }
    return values.get(header)


def contacts_sheet(book: Workbook, layout: Layout) -> Worksheet:
    sheet = book.active
    assert sheet is not None
    sheet.title = "Contacts"
    for col, header in enumerate(layout.all_headers, start=1):
        sheet.cell(layout.header_row, col, header)
    for index, person in enumerate(layout.people):
        row = layout.row_of(index)
        for col, header in enumerate(layout.all_headers, start=1):
            value = person_value(person, header, row)
            if value is None:
                continue
            cell = sheet.cell(row, col, value)
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    for col, header in enumerate(layout.all_headers, start=1):
        width = 30 if header in ("Notes", "Next action", "Email") else 14
        sheet.column_dimensions[get_column_letter(col)].width = width
    return sheet


def new_book(layout: Layout) -> tuple[Workbook, Worksheet]:
    book = Workbook()
    return book, contacts_sheet(book, layout)


def openpyxl_package(book: Workbook) -> Package:
    buffer = BytesIO()
    book.save(buffer)
    pkg = Package.from_bytes(buffer.getvalue())
    fixed_properties(pkg)
    share_strings(pkg)
    return pkg


def share_strings(pkg: Package) -> None:
    """Move openpyxl's inline strings into the shared string table, where Excel keeps them.

    A tool that rewrites this table (rather than writing its own cells inline) renumbers
    what the user's cells point at: the corpus must have one for the tests to see that.
    """
    table = etree.fromstring(f'<sst xmlns="{MAIN}"/>')
    index: dict[bytes, int] = {}
    uses = 0
    for title in [s.get("name") for s in pkg.xml("xl/workbook.xml").iter(q(MAIN, "sheet"))]:
        part = pkg.sheet_part(str(title))
        root = pkg.xml(part)
        for cell in root.iter(q(MAIN, "c")):
            if cell.get("t") == "n":
                del cell.attrib["t"]  # the default: Excel never writes it
            inline = cell.find(q(MAIN, "is"))
            if cell.get("t") != "inlineStr" or inline is None:
                continue
            item = etree.Element(q(MAIN, "si"))
            item[:] = list(inline)
            key = etree.tostring(item, method="c14n")
            if key not in index:
                index[key] = len(index)
                table.append(item)
            cell.remove(inline)
            cell.set("t", "s")
            etree.SubElement(cell, q(MAIN, "v")).text = str(index[key])
            uses += 1
        pkg.put_xml(part, root)
    table.set("count", str(uses))
    table.set("uniqueCount", str(len(index)))
    pkg.put_xml("xl/sharedStrings.xml", table)
    pkg.content_type("xl/sharedStrings.xml", CT_SHEETML + "sharedStrings+xml")
    pkg.relate("xl/workbook.xml", REL + "sharedStrings", "xl/sharedStrings.xml")


# ---------------------------------------------------------------------------------------
# Parts openpyxl cannot write


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG, small and the same bytes on every build."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(row * height, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def add_picture(pkg: Package, title: str, number: int, col: int, row: int) -> None:
    """A PNG anchored on `title` at (col, row), 0-based, in drawing `number`."""
    media = f"xl/media/image{number}.png"
    drawing = f"xl/drawings/drawing{number}.xml"
    pkg.parts[media] = png(24, 24, (40 * number, 120, 200))
    pkg.default_type("png", "image/png")
    image_id = pkg.relate(drawing, REL + "image", media)
    pkg.put_text(
        drawing,
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<xdr:wsDr xmlns:xdr="{XDR}" xmlns:a="{DRAWING_A}">'
        '<xdr:twoCellAnchor editAs="oneCell">'
        f"<xdr:from><xdr:col>{col}</xdr:col><xdr:colOff>0</xdr:colOff>"
        f"<xdr:row>{row}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>"
        f"<xdr:to><xdr:col>{col + 1}</xdr:col><xdr:colOff>0</xdr:colOff>"
        f"<xdr:row>{row + 3}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>"
        f'<xdr:pic><xdr:nvPicPr><xdr:cNvPr id="{number + 1}" name="Picture {number}" '
        'descr="Photo"/><xdr:cNvPicPr><a:picLocks noChangeAspect="1"/></xdr:cNvPicPr>'
        f'</xdr:nvPicPr><xdr:blipFill><a:blip xmlns:r="{R_NS}" r:embed="{image_id}"/>'
        "<a:stretch><a:fillRect/></a:stretch></xdr:blipFill><xdr:spPr><a:xfrm>"
        '<a:off x="0" y="0"/><a:ext cx="228600" cy="228600"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic>'
        "<xdr:clientData/></xdr:twoCellAnchor></xdr:wsDr>",
    )
    pkg.content_type(drawing, "application/vnd.openxmlformats-officedocument.drawing+xml")
    sheet = pkg.sheet_part(title)
    rel_id = pkg.relate(sheet, REL + "drawing", drawing)
    sheet_child(pkg, title, f'<drawing xmlns="{MAIN}" xmlns:r="{R_NS}" r:id="{rel_id}"/>')


def add_vba(pkg: Package) -> None:
    # The project is opaque to every tool but Excel: any bytes behind an OLE signature.
    filler = bytes((i * 37) % 251 for i in range(4096))
    pkg.parts["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + filler
    pkg.default_type("bin", "application/vnd.ms-office.vbaProject")
    pkg.content_type("xl/workbook.xml", "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    pkg.relate(
        "xl/workbook.xml",
        "http://schemas.microsoft.com/office/2006/relationships/vbaProject",
        "xl/vbaProject.bin",
    )
    book = pkg.xml("xl/workbook.xml")
    pr = book.find(q(MAIN, "workbookPr"))
    if pr is None:
        pr = etree.Element(q(MAIN, "workbookPr"))
        insert_ordered(book, pr, WORKBOOK_ORDER)
    pr.set("codeName", "ThisWorkbook")
    pkg.put_xml("xl/workbook.xml", book)


def cache_values(pkg: Package, title: str, values: dict[str, object]) -> None:
    """Write the values Excel last calculated into formula cells (openpyxl writes none)."""
    part = pkg.sheet_part(title)
    root = pkg.xml(part)
    for cell in root.iter(q(MAIN, "c")):
        ref = cell.get("r")
        if ref not in values or cell.find(q(MAIN, "f")) is None:
            continue
        value = values[ref]
        for old in cell.findall(q(MAIN, "v")):
            cell.remove(old)
        if "t" in cell.attrib:
            del cell.attrib["t"]
        if isinstance(value, str):
            cell.set("t", "str")
        elif isinstance(value, bool):
            cell.set("t", "b")
            value = int(value)
        elif isinstance(value, dt.date):
            value = serial(value)
        etree.SubElement(cell, q(MAIN, "v")).text = str(value)
    pkg.put_xml(part, root)


def add_calc_chain(pkg: Package, cells: Iterable[tuple[str, str]]) -> None:
    """A calculation chain over (tab, cell) formula cells, as Excel keeps one."""
    entries = []
    current = None
    for title, ref in cells:
        index = sheet_index(pkg, title) + 1
        # Excel writes the sheet index only when it differs from the entry before.
        entries.append(f'<c r="{ref}" i="{index}"/>' if index != current else f'<c r="{ref}"/>')
        current = index
    pkg.put_text(
        "xl/calcChain.xml",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<calcChain xmlns="{MAIN}">{"".join(entries)}</calcChain>',
    )
    pkg.content_type("xl/calcChain.xml", CT_SHEETML + "calcChain+xml")
    pkg.relate("xl/workbook.xml", REL + "calcChain", "xl/calcChain.xml")


def shared_string(pkg: Package, si_xml: str) -> int:
    """Append one <si> to the shared strings; return its index."""
    table = pkg.xml("xl/sharedStrings.xml")
    table.append(etree.fromstring(si_xml))
    count = len(table.findall(q(MAIN, "si")))
    table.set("uniqueCount", str(count))
    table.set("count", str(int(table.get("count", "0")) + 1))
    pkg.put_xml("xl/sharedStrings.xml", table)
    return count - 1


def set_shared_string(pkg: Package, title: str, ref: str, index: int) -> None:
    part = pkg.sheet_part(title)
    root = pkg.xml(part)
    for cell in root.iter(q(MAIN, "c")):
        if cell.get("r") == ref:
            cell[:] = []
            cell.set("t", "s")
            etree.SubElement(cell, q(MAIN, "v")).text = str(index)
            break
    else:
        raise KeyError(ref)
    pkg.put_xml(part, root)


# ---------------------------------------------------------------------------------------
# The workbooks


def build_pictures() -> Package:
    layout = Layout()
    book, _ = new_book(layout)
    about = book.create_sheet("About")
    about["A1"] = "Our team photo and logo"
    pkg = openpyxl_package(book)
    add_picture(pkg, "Contacts", 1, col=11, row=1)
    add_picture(pkg, "About", 2, col=1, row=2)
    return pkg


def build_chart() -> Package:
    layout = Layout()
    book, _ = new_book(layout)
    stats = book.create_sheet("Stats")
    stats.append(["Tier", "People"])
    tier = layout.letter("Tier")
    for row, name in enumerate(TIERS, start=2):
        stats.cell(row, 1, name)
        stats.cell(row, 2, f"=COUNTIF(Contacts!${tier}:${tier},A{row})")
    chart = BarChart()
    chart.title = "People per tier"
    chart.add_data(Reference(stats, min_col=2, min_row=1, max_row=5), titles_from_data=True)
    chart.set_categories(Reference(stats, min_col=1, min_row=2, max_row=5))
    stats.add_chart(chart, "D2")
    pkg = openpyxl_package(book)
    counts = {f"B{row}": sum(p.tier == t for p in PEOPLE) for row, t in enumerate(TIERS, 2)}
    cache_values(pkg, "Stats", dict(counts))
    add_calc_chain(pkg, [("Stats", ref) for ref in counts])
    return pkg


def build_macros() -> Package:
    book, sheet = new_book(Layout(owned=True))
    sheet.sheet_properties.codeName = "Sheet1"
    pkg = openpyxl_package(book)
    add_vba(pkg)
    return pkg


def build_sparklines() -> Package:
    quarters = ("Q1", "Q2", "Q3", "Q4")
    layout = Layout(headers=(*BASE_HEADERS, *quarters, "Trend"))
    book, sheet = new_book(layout)
    first, last = layout.col("Q1"), layout.col("Q4")
    for index, person in enumerate(layout.people):
        for offset, col in enumerate(range(first, last + 1)):
            sheet.cell(layout.row_of(index), col, (person.score * (offset + 2)) % 7)
    pkg = openpyxl_package(book)
    q1, q4, trend = layout.letter("Q1"), layout.letter("Q4"), layout.letter("Trend")
    lines = "".join(
        f"<x14:sparkline><xm:f>Contacts!{q1}{r}:{q4}{r}</xm:f><xm:sqref>{trend}{r}</xm:sqref>"
        "</x14:sparkline>"
        for r in range(layout.row_of(0), layout.last_row + 1)
    )
    sheet_ext(
        pkg,
        "Contacts",
        f'<ext xmlns="{MAIN}" xmlns:x14="{X14}" uri="{EXT_ORDER[2]}">'
        f'<x14:sparklineGroups xmlns:xm="{XM}">'
        '<x14:sparklineGroup displayEmptyCellsAs="gap" markers="1">'
        '<x14:colorSeries theme="4" tint="-0.499984740745262"/>'
        '<x14:colorNegative theme="5"/><x14:colorAxis rgb="FF000000"/>'
        '<x14:colorMarkers theme="4" tint="-0.499984740745262"/>'
        '<x14:colorFirst theme="4" tint="0.39997558519241921"/>'
        '<x14:colorLast theme="4" tint="0.39997558519241921"/>'
        '<x14:colorHigh theme="4"/><x14:colorLow theme="4"/>'
        f"<x14:sparklines>{lines}</x14:sparklines></x14:sparklineGroup>"
        "</x14:sparklineGroups></ext>",
    )
    return pkg


def build_x14_validation() -> Package:
    layout = Layout(headers=(*BASE_HEADERS, "Score"))
    book, sheet = new_book(layout)
    lists = book.create_sheet("Lists")
    for row, name in enumerate(TIERS, start=1):
        lists.cell(row, 1, name)
    score = layout.letter("Score")
    whole = DataValidation(type="whole", operator="between", formula1="0", formula2="10")
    whole.add(f"{score}2:{score}200")
    sheet.add_data_validation(whole)
    pkg = openpyxl_package(book)
    tier = layout.letter("Tier")
    guid = "{5F1E2C3A-9B7D-4E21-8C3B-1A2B3C4D5E6F}"
    bars = f"{score}2:{score}{layout.last_row}"
    sheet_child(
        pkg,
        "Contacts",
        f'<conditionalFormatting xmlns="{MAIN}" sqref="{bars}">'
        '<cfRule type="dataBar" priority="1"><dataBar><cfvo type="min"/><cfvo type="max"/>'
        '<color rgb="FF638EC6"/></dataBar><extLst>'
        f'<ext xmlns:x14="{X14}" uri="{{B025F937-C7B1-47D3-B67F-A62EFF666E3E}}">'
        f"<x14:id>{guid}</x14:id></ext></extLst></cfRule></conditionalFormatting>",
    )
    sheet_ext(
        pkg,
        "Contacts",
        f'<ext xmlns="{MAIN}" xmlns:x14="{X14}" uri="{EXT_ORDER[0]}">'
        f'<x14:conditionalFormattings><x14:conditionalFormatting xmlns:xm="{XM}">'
        f'<x14:cfRule type="dataBar" id="{guid}"><x14:dataBar minLength="0" '
        'maxLength="100" gradient="0" border="1" negativeBarBorderColorSameAsPositive="0">'
        '<x14:cfvo type="autoMin"/><x14:cfvo type="autoMax"/>'
        '<x14:borderColor rgb="FF638EC6"/><x14:negativeFillColor rgb="FFFF0000"/>'
        '<x14:negativeBorderColor rgb="FFFF0000"/><x14:axisColor rgb="FF000000"/>'
        f"</x14:dataBar></x14:cfRule><xm:sqref>{bars}</xm:sqref>"
        "</x14:conditionalFormatting></x14:conditionalFormattings></ext>",
    )
    sheet_ext(
        pkg,
        "Contacts",
        f'<ext xmlns="{MAIN}" xmlns:x14="{X14}" uri="{EXT_ORDER[1]}">'
        f'<x14:dataValidations xmlns:xm="{XM}" count="1">'
        '<x14:dataValidation type="list" allowBlank="1" showInputMessage="1" '
        'showErrorMessage="1"><x14:formula1><xm:f>Lists!$A$1:$A$4</xm:f></x14:formula1>'
        f"<xm:sqref>{tier}2:{tier}200</xm:sqref></x14:dataValidation>"
        "</x14:dataValidations></ext>",
    )
    return pkg


THREAD_NOTE = (
    "[Threaded comment]\n\nYour version of Excel allows you to read this threaded comment; "
    "however, any edits to it will get removed if the file is opened in a newer version of "
    "Excel. Learn more: https://go.microsoft.com/fwlink/?linkid=870924\n\n"
    "Comment:\n    Ask about the book club\nReplies:\n    She runs it now"
)


def vml_shape(number: int, row: int, col: int) -> str:
    return (
        f'<v:shape id="_x0000_s{1024 + number}" type="#_x0000_t202" '
        'style="position:absolute;margin-left:59.25pt;margin-top:1.5pt;width:108pt;'
        'height:59.25pt;z-index:1;visibility:hidden" fillcolor="infoBackground [80]" '
        'strokecolor="none [81]" o:insetmode="auto"><v:fill color2="infoBackground [80]"/>'
        '<v:shadow color="none [81]" obscured="t"/><v:path o:connecttype="none"/>'
        '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div>'
        '</v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
        f"<x:AutoFill>False</x:AutoFill><x:Row>{row}</x:Row><x:Column>{col}</x:Column>"
        "</x:ClientData></v:shape>"
    )


def build_threaded_comments() -> Package:
    layout = Layout()
    book, _ = new_book(layout)
    pkg = openpyxl_package(book)
    notes = layout.letter("Notes")
    email = layout.letter("Email")
    thread, reply = (
        "{1C5E4F2A-0B3D-4C6E-9F70-8A1B2C3D4E01}",
        "{1C5E4F2A-0B3D-4C6E-9F70-8A1B2C3D4E02}",
    )
    me, friend = "{7D1C0E6B-2A34-4F51-B6C7-D8E9F0A1B2C3}", "{7D1C0E6B-2A34-4F51-B6C7-D8E9F0A1B2C4}"
    sheet = pkg.sheet_part("Contacts")
    pkg.put_text(
        "xl/persons/person.xml",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<personList xmlns="{THREADED}" xmlns:x="{MAIN}">'
        f'<person displayName="Sam Keeper" id="{me}" userId="sam@example.org" providerId="AD"/>'
        f'<person displayName="Kim Lee" id="{friend}" userId="kim@example.org" '
        'providerId="AD"/></personList>',
    )
    pkg.content_type("xl/persons/person.xml", "application/vnd.ms-excel.person+xml")
    pkg.relate("xl/workbook.xml", MS_REL + "person", "xl/persons/person.xml")
    ref = f"{notes}2"
    pkg.put_text(
        "xl/threadedComments/threadedComment1.xml",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<ThreadedComments xmlns="{THREADED}" xmlns:x="{MAIN}">'
        f'<threadedComment ref="{ref}" dT="2026-03-01T10:00:00.00" personId="{me}" '
        f'id="{thread}"><text>Ask about the book club</text></threadedComment>'
        f'<threadedComment ref="{ref}" dT="2026-03-02T09:30:00.00" personId="{friend}" '
        f'id="{reply}" parentId="{thread}"><text>She runs it now</text></threadedComment>'
        "</ThreadedComments>",
    )
    pkg.content_type(
        "xl/threadedComments/threadedComment1.xml", "application/vnd.ms-excel.threadedcomments+xml"
    )
    pkg.relate(sheet, MS_REL + "threadedComment", "xl/threadedComments/threadedComment1.xml")
    comments = etree.fromstring(f'<comments xmlns="{MAIN}"/>')
    authors = etree.SubElement(comments, q(MAIN, "authors"))
    etree.SubElement(authors, q(MAIN, "author")).text = f"tc={thread}"
    etree.SubElement(authors, q(MAIN, "author")).text = "Sam Keeper"
    listed = etree.SubElement(comments, q(MAIN, "commentList"))
    for cell, author, text in ((ref, "0", THREAD_NOTE), (f"{email}3", "1", "Prefers calls")):
        comment = etree.SubElement(listed, q(MAIN, "comment"), ref=cell, authorId=author)
        comment.set("shapeId", "0")
        body = etree.SubElement(etree.SubElement(comment, q(MAIN, "text")), q(MAIN, "t"))
        body.text = text
    pkg.put_xml("xl/comments1.xml", comments)
    pkg.content_type("xl/comments1.xml", CT_SHEETML + "comments+xml")
    pkg.relate(sheet, REL + "comments", "xl/comments1.xml")
    pkg.put_text(
        "xl/drawings/vmlDrawing1.vml",
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        '<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="1"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
        'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
        '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        + vml_shape(1, 1, layout.col("Notes") - 1)
        + vml_shape(2, 2, layout.col("Email") - 1)
        + "</xml>",
    )
    pkg.default_type("vml", "application/vnd.openxmlformats-officedocument.vmlDrawing")
    vml_id = pkg.relate(sheet, REL + "vmlDrawing", "xl/drawings/vmlDrawing1.vml")
    sheet_child(
        pkg, "Contacts", f'<legacyDrawing xmlns="{MAIN}" xmlns:r="{R_NS}" r:id="{vml_id}"/>'
    )
    return pkg


def build_rich_text() -> Package:
    layout = Layout()
    book, _ = new_book(layout)
    pkg = openpyxl_package(book)
    # Excel writes a run's properties in this order: b, i, sz, color, rFont, family, scheme.
    size, face = '<sz val="11"/>', '<rFont val="Calibri"/><family val="2"/><scheme val="minor"/>'
    red = '<color rgb="FFC00000"/>'
    index = shared_string(
        pkg,
        f'<si xmlns="{MAIN}"><r><rPr><b/>{size}{red}{face}</rPr><t>Important:</t></r>'
        f'<r><rPr><i/>{size}{face}</rPr><t xml:space="preserve"> ask about the kids</t></r></si>',
    )
    set_shared_string(pkg, "Contacts", f"{layout.letter('Notes')}2", index)
    return pkg


def formula_layout() -> Layout:
    return Layout(
        headers=(
            "First",
            "Last",
            "Name",
            "Email",
            "Tier",
            "Emailed",
            "Met",
            "Last contact",
            "Notes",
        )
    )


def build_formulas(*, owned_formulas: bool = False) -> Package:
    layout = formula_layout()
    if owned_formulas:
        layout = Layout(headers=layout.headers, owned=True)
    book, sheet = new_book(layout)
    l = layout.letter  # noqa: E741
    cached: dict[str, object] = {}
    chain: list[tuple[str, str]] = []
    for index, person in enumerate(layout.people):
        row = layout.row_of(index)
        emailed = person.last_contact
        met = None if emailed is None else emailed - dt.timedelta(days=40)
        for header, day in (("Emailed", emailed), ("Met", met)):
            if day is not None:
                cell = sheet.cell(row, layout.col(header), day)
                cell.number_format = "yyyy-mm-dd"
        sheet.cell(row, layout.col("Name"), f'={l("First")}{row}&" "&{l("Last")}{row}')
        cached[f"{l('Name')}{row}"] = person.name
        last = sheet.cell(row, layout.col("Last contact"))
        touches = f"{l('Emailed')}{row}:{l('Met')}{row}"
        last.value = f'=IF(COUNT({touches})=0,"",MAX({touches}))'
        last.number_format = "yyyy-mm-dd"
        cached[f"{l('Last contact')}{row}"] = "" if emailed is None else emailed
        chain += [("Contacts", f"{l('Name')}{row}"), ("Contacts", f"{l('Last contact')}{row}")]
        if owned_formulas:
            # A user typed formulas into the Due column; the tool owns it and replaces them.
            due = sheet.cell(row, layout.col("Due"))
            due.value = f'=IF({l("Last contact")}{row}="","",{l("Last contact")}{row}+90)'
            due.number_format = "yyyy-mm-dd"
            cached[f"{l('Due')}{row}"] = "" if emailed is None else emailed + dt.timedelta(90)
            chain.append(("Contacts", f"{l('Due')}{row}"))
    stats = book.create_sheet("Stats")
    stats["A1"], stats["B1"] = "People", f"=COUNTA(Contacts!{l('Email')}2:{l('Email')}200)"
    stats["A2"], stats["B2"] = "Close", f'=COUNTIF(Contacts!{l("Tier")}:{l("Tier")},"close")'
    stats["A3"], stats["B3"] = (
        "Latest touch",
        f"=MAX(Contacts!{l('Last contact')}:{l('Last contact')})",
    )
    stats["B3"].number_format = "yyyy-mm-dd"
    stats["A4"], stats["B4"] = "Everyone known", "=AND(B1>0,B2>0)"
    pkg = openpyxl_package(book)
    cache_values(pkg, "Contacts", cached)
    latest = max(p.last_contact for p in PEOPLE if p.last_contact is not None)
    stats_values: dict[str, object] = {
        "B1": len(PEOPLE),
        "B2": sum(p.tier == "close" for p in PEOPLE),
        "B3": latest,
        "B4": True,
    }
    cache_values(pkg, "Stats", stats_values)
    add_calc_chain(pkg, chain + [("Stats", ref) for ref in stats_values])
    return pkg


def build_table() -> Package:
    layout = Layout(owned=True)
    book, sheet = new_book(layout)
    ref = f"A{layout.header_row}:{get_column_letter(len(layout.all_headers))}{layout.last_row}"
    table = Table(displayName="People", ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    sheet.add_table(table)
    return openpyxl_package(book)


def build_pivot() -> Package:
    layout = Layout()
    book, _ = new_book(layout)
    pivot = book.create_sheet("Pivot")
    pivot["A3"], pivot["B3"] = "Row Labels", "Count of Name"
    counts = [sum(p.tier == t for p in PEOPLE) for t in TIERS]
    for row, (name, count) in enumerate(zip(TIERS, counts, strict=True), start=4):
        pivot.cell(row, 1, name)
        pivot.cell(row, 2, count)
    pivot["A8"], pivot["B8"] = "Grand Total", len(PEOPLE)
    pkg = openpyxl_package(book)
    width = len(layout.all_headers)
    source = f"A1:{get_column_letter(width)}{layout.last_row}"
    fields = []
    for header in layout.all_headers:
        if header == "Tier":
            items = "".join(f'<s v="{t}"/>' for t in TIERS)
            fields.append(
                f'<cacheField name="Tier" numFmtId="0"><sharedItems count="4">'
                f"{items}</sharedItems></cacheField>"
            )
        else:
            fields.append(
                f'<cacheField name="{header}" numFmtId="0"><sharedItems '
                'containsBlank="1"/></cacheField>'
            )
    definition = "xl/pivotCache/pivotCacheDefinition1.xml"
    records = "xl/pivotCache/pivotCacheRecords1.xml"
    record_rows = []
    for person in layout.people:
        values = []
        for header in layout.all_headers:
            value = person_value(person, header, 0)
            if header == "Tier":
                values.append(f'<x v="{TIERS.index(person.tier)}"/>')
            elif value is None:
                values.append("<m/>")
            elif isinstance(value, dt.date):
                values.append(f'<d v="{value.isoformat()}T00:00:00"/>')
            else:
                values.append(f'<s v="{value}"/>')
        record_rows.append(f"<r>{''.join(values)}</r>")
    pkg.put_text(
        records,
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<pivotCacheRecords xmlns="{MAIN}" xmlns:r="{R_NS}" count="{len(record_rows)}">'
        f"{''.join(record_rows)}</pivotCacheRecords>",
    )
    pkg.content_type(records, CT_SHEETML + "pivotCacheRecords+xml")
    records_id = pkg.relate(definition, REL + "pivotCacheRecords", records)
    pkg.put_text(
        definition,
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<pivotCacheDefinition xmlns="{MAIN}" xmlns:r="{R_NS}" r:id="{records_id}" '
        'refreshedBy="Sam Keeper" refreshedDate="46092.5" createdVersion="8" '
        f'refreshedVersion="8" minRefreshableVersion="3" recordCount="{len(record_rows)}">'
        f'<cacheSource type="worksheet"><worksheetSource ref="{source}" sheet="Contacts"/>'
        f'</cacheSource><cacheFields count="{width}">{"".join(fields)}</cacheFields>'
        "</pivotCacheDefinition>",
    )
    pkg.content_type(definition, CT_SHEETML + "pivotCacheDefinition+xml")
    cache_id = pkg.relate("xl/workbook.xml", REL + "pivotCacheDefinition", definition)
    book_xml = pkg.xml("xl/workbook.xml")
    caches = etree.fromstring(
        f'<pivotCaches xmlns="{MAIN}" xmlns:r="{R_NS}"><pivotCache cacheId="1" r:id="{cache_id}"/>'
        "</pivotCaches>"
    )
    insert_ordered(book_xml, caches, WORKBOOK_ORDER)
    pkg.put_xml("xl/workbook.xml", book_xml)
    tier_field = layout.all_headers.index("Tier")
    name_field = layout.all_headers.index("Name")
    pivot_fields = []
    for index in range(width):
        if index == tier_field:
            items = "".join(f'<item x="{i}"/>' for i in range(4))
            pivot_fields.append(
                f'<pivotField axis="axisRow" showAll="0"><items count="5">'
                f'{items}<item t="default"/></items></pivotField>'
            )
        elif index == name_field:
            pivot_fields.append('<pivotField dataField="1" showAll="0"/>')
        else:
            pivot_fields.append('<pivotField showAll="0"/>')
    row_items = (
        '<i><x/></i><i><x v="1"/></i><i><x v="2"/></i><i><x v="3"/></i><i t="grand"><x/></i>'
    )
    table = "xl/pivotTables/pivotTable1.xml"
    pkg.put_text(
        table,
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<pivotTableDefinition xmlns="{MAIN}" name="PivotTable1" cacheId="1" '
        'applyNumberFormats="0" applyBorderFormats="0" applyFontFormats="0" '
        'applyPatternFormats="0" applyAlignmentFormats="0" applyWidthHeightFormats="1" '
        'dataCaption="Values" updatedVersion="8" minRefreshableVersion="3" '
        'useAutoFormatting="1" itemPrintTitles="1" createdVersion="8" indent="0" '
        'outline="1" outlineData="1" multipleFieldFilters="0">'
        '<location ref="A3:B8" firstHeaderRow="1" firstDataRow="1" firstDataCol="1"/>'
        f'<pivotFields count="{width}">{"".join(pivot_fields)}</pivotFields>'
        f'<rowFields count="1"><field x="{tier_field}"/></rowFields>'
        f'<rowItems count="5">{row_items}</rowItems><colItems count="1"><i/></colItems>'
        f'<dataFields count="1"><dataField name="Count of Name" fld="{name_field}" '
        'subtotal="count" baseField="0" baseItem="0"/></dataFields>'
        '<pivotTableStyleInfo name="PivotStyleLight16" showRowHeaders="1" '
        'showColHeaders="1" showRowStripes="0" showColStripes="0" showLastColumn="1"/>'
        "</pivotTableDefinition>",
    )
    pkg.content_type(table, CT_SHEETML + "pivotTable+xml")
    pkg.relate(table, REL + "pivotCacheDefinition", definition)
    pkg.relate(pkg.sheet_part("Pivot"), REL + "pivotTable", table)
    return pkg


def build_defined_names() -> Package:
    layout = Layout()
    book, sheet = new_book(layout)
    email, tier = layout.letter("Email"), layout.letter("Tier")
    end = layout.last_row
    book.defined_names["ContactEmails"] = DefinedName(
        "ContactEmails", attr_text=f"Contacts!${email}$2:${email}${end}"
    )
    book.defined_names["Target"] = DefinedName("Target", attr_text="3", comment="Picks a week")
    sheet.defined_names["LocalTiers"] = DefinedName(
        "LocalTiers", attr_text=f"Contacts!${tier}$2:${tier}${end}"
    )
    last_col = get_column_letter(len(layout.all_headers))
    sheet.print_area = f"A1:{last_col}{end}"
    sheet.print_title_rows = "1:1"
    sheet.auto_filter.ref = f"A1:{last_col}{end}"
    return openpyxl_package(book)


def build_user_formatting() -> Package:
    # A title above the header row, as people make their sheets look nice.
    layout = Layout(owned=True, header_row=3)
    book, sheet = new_book(layout)
    sheet["A1"] = "My people"
    sheet["A1"].font = Font(size=16, bold=True, color="FF1F4E79")
    thin = Side(style="thin", color="FF7F7F7F")
    fills = {
        "close": PatternFill("solid", fgColor="FFFCE4D6"),
        "core": PatternFill("solid", fgColor="FFE2EFDA"),
        "network": PatternFill("solid", fgColor="FFDDEBF7"),
        "acquaintance": PatternFill("solid", fgColor="FFFFF2CC"),
    }
    for col in range(1, len(layout.all_headers) + 1):
        head = sheet.cell(layout.header_row, col)
        head.font = Font(bold=True, color="FFFFFFFF")
        head.fill = PatternFill("solid", fgColor="FF305496")
        head.border = Border(bottom=Side(style="medium"))
    for index, person in enumerate(layout.people):
        row = layout.row_of(index)
        sheet.row_dimensions[row].height = 21
        for col, header in enumerate(layout.all_headers, start=1):
            cell = sheet.cell(row, col)
            cell.fill = fills[person.tier]
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            if header == "Name":
                cell.font = Font(bold=True, name="Georgia")
            elif header == "Email":
                cell.font = Font(color="FF0563C1", underline="single")
            elif header == "Notes":
                cell.font = Font(italic=True)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif header in ("Last contact", "Due"):
                cell.number_format = "d mmm yyyy"
    return openpyxl_package(book)


def build_empty_formatted_rows(empty_rows: int = EMPTY_FORMATTED_ROWS) -> Package:
    """8 contacts, then `empty_rows` rows the user formatted in advance and left empty."""
    layout = Layout(people=PEOPLE[:8])
    book, sheet = new_book(layout)
    thin = Side(style="thin", color="FFBFBFBF")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    fill = PatternFill("solid", fgColor="FFF2F2F2")
    first = layout.last_row + 1
    date_col = layout.col("Last contact")
    for row in range(first, first + empty_rows):
        # The whole row formatted (a row style), and the date cell formatted on its own.
        dimension = sheet.row_dimensions[row]
        dimension.fill = fill
        dimension.border = border
        cell = sheet.cell(row, date_col)
        cell.border = border
        cell.number_format = "yyyy-mm-dd"
    return openpyxl_package(book)


def build_libreoffice(work: Path) -> Package | None:
    """A workbook as LibreOffice saves it: openpyxl builds it, soffice re-saves it."""
    soffice = shutil.which("soffice")
    if soffice is None:
        print("soffice not found: libreoffice.xlsx not rebuilt", file=sys.stderr)
        return None
    layout = Layout(headers=(*BASE_HEADERS, "Score"), owned=True)
    book, sheet = new_book(layout)
    sheet["A1"].font = Font(bold=True)
    stats = book.create_sheet("Stats")
    stats["A1"], stats["B1"] = (
        "Average score",
        f"=AVERAGE(Contacts!{layout.letter('Score')}:{layout.letter('Score')})",
    )
    source = work / "libreoffice.xlsx"
    openpyxl_package(book).save(source)
    out = work / "out"
    profile = work / "profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return Package.from_bytes((out / "libreoffice.xlsx").read_bytes())


BUILDERS: dict[str, Callable[[], Package]] = {
    "pictures.xlsx": build_pictures,
    "chart.xlsx": build_chart,
    "macros.xlsm": build_macros,
    "sparklines.xlsx": build_sparklines,
    "x14_validation_databar.xlsx": build_x14_validation,
    "threaded_comments.xlsx": build_threaded_comments,
    "rich_text.xlsx": build_rich_text,
    "formulas.xlsx": build_formulas,
    "formulas_in_owned.xlsx": lambda: build_formulas(owned_formulas=True),
    "table.xlsx": build_table,
    "pivot.xlsx": build_pivot,
    "defined_names.xlsx": build_defined_names,
    "user_formatting.xlsx": build_user_formatting,
    "empty_formatted_rows.xlsx": build_empty_formatted_rows,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=CORPUS, help="where to write the corpus")
    parser.add_argument("--skip-libreoffice", action="store_true")
    args = parser.parse_args(argv)
    for name, build in BUILDERS.items():
        build().save(args.out / name)
        print(f"{name}: {(args.out / name).stat().st_size} bytes")
    if not args.skip_libreoffice:
        with tempfile.TemporaryDirectory() as work:
            pkg = build_libreoffice(Path(work))
        if pkg is not None:
            # Re-zipped with fixed dates; the parts are LibreOffice's bytes.
            pkg.save(args.out / "libreoffice.xlsx")
            print(f"libreoffice.xlsx: {(args.out / 'libreoffice.xlsx').stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
