"""The workbook as the zip package it is: parts, relationships, content types, sheets
and the defined names that mark what the tool created.

Nothing here rewrites a part it was not asked to change: `write_package` copies every
other part under its own name, date and compression, in the original order.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO

from lxml import etree

from sheets_keepup.backends.xlsx.refs import (
    MAX_COLS,
    MAX_ROWS,
    column_letter,
    column_runs,
    parse_box,
)
from sheets_keepup.core.errors import DataError

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
OFFICE_DOCUMENT = REL_NS + "/officeDocument"
WORKSHEET = REL_NS + "/worksheet"
STYLES = REL_NS + "/styles"
CALC_CHAIN = REL_NS + "/calcChain"
WORKSHEET_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
STYLES_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"

_LOCAL_HEADER = struct.Struct("<4s22xHH")
"""A zip entry's local header: its signature, then (after 22 bytes) name and extra lengths."""
_LOCAL_SIGNATURE = b"PK\x03\x04"
_ENCRYPTED = 0x1
_DATA_DESCRIPTOR = 0x8

DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
OWNED_NAME = "keepup.owned"
"""The hidden, sheet-scoped defined name that marks what the tool created on a sheet."""

_WORKBOOK_ORDER = [
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
_PLAIN_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_LOOKS_LIKE_REF = re.compile(r"^([A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*)$")


def q(name: str, ns: str = MAIN_NS) -> str:
    """An element's qualified name for lxml."""
    return f"{{{ns}}}{name}"


def local(element: etree._Element) -> str:
    tag = element.tag
    # Comments and processing instructions have a function as their tag.
    return tag[tag.rfind("}") + 1 :] if isinstance(tag, str) else ""


def parse_xml(data: bytes) -> etree._Element:
    # huge_tree: a sheet's head or tail (thousands of validations) may be large.
    parser = etree.XMLParser(remove_blank_text=False, huge_tree=True, resolve_entities=False)
    return etree.fromstring(data, parser)


def to_xml(root: etree._Element) -> bytes:
    # Excel's own declaration (lxml would write it with single quotes).
    return DECLARATION + etree.tostring(root.getroottree(), encoding="UTF-8", xml_declaration=False)


def insert_in_order(parent: etree._Element, child: etree._Element, order: list[str]) -> None:
    """Insert `child` where the schema's sequence `order` puts it among `parent`'s children.

    Elements the list does not know keep the place of the known one before them, so an
    extension written by another program never moves.
    """
    rank = order.index(local(child))
    current = -1
    for index, sibling in enumerate(parent):
        name = local(sibling)
        if name in order:
            current = order.index(name)
        elif name == "AlternateContent" and "oleObjects" in order:
            current = order.index("oleObjects")
        if current > rank:
            parent.insert(index, child)
            return
    parent.append(child)


class Package:
    """The parts of one .xlsx/.xlsm file, read from its bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as error:
            raise DataError(f"not a readable .xlsx workbook ({error})") from error
        self.infos = self.zip.infolist()
        self._names = {info.filename.lower(): info.filename for info in self.infos}

    def name_of(self, part: str) -> str | None:
        """The entry name of a part (part names are case-insensitive in a package)."""
        return self._names.get(part.lstrip("/").lower())

    def lower_names(self) -> set[str]:
        """Every entry name in lower case, to choose a free one for a new part."""
        return set(self._names)

    def has(self, part: str) -> bool:
        return self.name_of(part) is not None

    def read(self, part: str) -> bytes:
        name = self.name_of(part)
        if name is None:
            raise DataError(f"the workbook has no part {part}")
        return self.zip.read(name)

    def chunks(self, part: str, size: int = 1 << 20) -> Iterator[bytes]:
        """A part's bytes, inflated a chunk at a time."""
        name = self.name_of(part)
        if name is None:
            raise DataError(f"the workbook has no part {part}")
        with self.zip.open(name) as stream:
            while chunk := stream.read(size):
                yield chunk

    def raw(self, info: zipfile.ZipInfo) -> memoryview | None:
        """An entry's bytes as stored (compressed), or None when they cannot be copied
        as they are (encrypted, or a local header that does not say what to skip)."""
        start = info.header_offset
        header = self.data[start : start + _LOCAL_HEADER.size]
        if info.flag_bits & _ENCRYPTED or len(header) < _LOCAL_HEADER.size:
            return None
        signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
        if signature != _LOCAL_SIGNATURE:
            return None
        begin = start + _LOCAL_HEADER.size + name_length + extra_length
        if begin + info.compress_size > len(self.data):
            return None
        return memoryview(self.data)[begin : begin + info.compress_size]


@dataclass(frozen=True)
class Relationship:
    id: str
    type: str
    target: str
    """The part it points to, resolved to a name inside the package (no leading /)."""


def add_relationship(
    rels: etree._Element, rel_type: str, target: str, *, external: bool = False
) -> str:
    """Add a relationship to a `.rels` root under the first free `rIdN`; its id."""
    taken = {rel.get("Id") for rel in rels}
    number = len(taken) + 1
    while f"rId{number}" in taken:
        number += 1
    rel = etree.SubElement(rels, q("Relationship", PKG_REL_NS))
    rel.set("Id", f"rId{number}")
    rel.set("Type", rel_type)
    rel.set("Target", target)
    if external:
        rel.set("TargetMode", "External")
    return f"rId{number}"


def rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def relationships(root: etree._Element, source: str) -> list[Relationship]:
    found = []
    for rel in root.iter(q("Relationship", PKG_REL_NS)):
        if rel.get("TargetMode") == "External":
            continue
        found.append(Relationship(rel.get("Id", ""), rel.get("Type", ""), rel.get("Target", "")))
    return [Relationship(r.id, r.type, resolve(source, r.target)) for r in found]


@dataclass(frozen=True)
class SheetEntry:
    title: str
    index: int
    """Position in workbook.xml <sheets>, which a sheet-scoped name's localSheetId uses."""
    sheet_id: int
    part: str
    is_worksheet: bool


def quote_title(title: str) -> str:
    """A sheet title as a formula spells it: quoted unless it is a plain name."""
    if _PLAIN_TITLE.match(title) and not _LOOKS_LIKE_REF.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def _split_union(text: str) -> list[str]:
    """A defined name's range list split at commas outside quoted titles."""
    parts, current, quoted = [], "", False
    for ch in text.strip().strip("()"):
        if ch == "'":
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


@dataclass(frozen=True)
class Mark:
    """What `keepup.owned` says of one sheet: all of it, or some whole columns."""

    whole: bool
    columns: frozenset[int]


def parse_mark(text: str) -> Mark:
    whole, columns = False, set[int]()
    for part in _split_union(text):
        box = parse_box(part.rpartition("!")[2].replace("$", ""))
        if box is None or box.top != 0 or box.bottom != MAX_ROWS - 1:
            if box is not None and box.left == 0 and box.right == MAX_COLS - 1:
                whole = whole or (box.top == 0 and box.bottom == MAX_ROWS - 1)
            continue
        if box.left == 0 and box.right == MAX_COLS - 1:
            whole = True
        else:
            columns.update(range(box.left, box.right + 1))
    return Mark(whole, frozenset(columns))


def mark_text(title: str, whole: bool, columns: Iterable[int]) -> str:
    sheet = quote_title(title)
    # A tab the tool created is marked whole; the columns it created in it (the owned
    # columns of a Contacts tab that `init` made) are listed as well.
    parts = [f"{sheet}!$A:${column_letter(MAX_COLS - 1)}"] if whole else []
    runs = column_runs(set(columns))
    parts += [f"{sheet}!${column_letter(a)}:${column_letter(b)}" for a, b in runs]
    return ",".join(parts)


class Book:
    """workbook.xml, its relationships and [Content_Types].xml, parsed and editable.

    `changed` names the parts an edit touched, so that only those are written again.
    """

    def __init__(self, package: Package) -> None:
        self.package = package
        root_rels = parse_xml(package.read("_rels/.rels"))
        documents = [r for r in relationships(root_rels, "") if r.type == OFFICE_DOCUMENT]
        if not documents:
            raise DataError("the package holds no workbook part")
        self.workbook_part = package.name_of(documents[0].target) or documents[0].target
        self.rels_part = rels_name(self.workbook_part)
        self.workbook = parse_xml(package.read(self.workbook_part))
        self.rels = (
            parse_xml(package.read(self.rels_part))
            if package.has(self.rels_part)
            else parse_xml(f'<Relationships xmlns="{PKG_REL_NS}"/>'.encode())
        )
        self.types = parse_xml(package.read("[Content_Types].xml"))
        self.changed: set[str] = set()
        self.added: dict[str, bytes] = {}
        self.removed: set[str] = set()

    # --- reading ---------------------------------------------------------------------

    def targets(self) -> dict[str, Relationship]:
        return {r.id: r for r in relationships(self.rels, self.workbook_part)}

    def sheets(self) -> list[SheetEntry]:
        targets = self.targets()
        found = []
        container = self.workbook.find(q("sheets"))
        for index, sheet in enumerate([] if container is None else container):
            rel = targets.get(sheet.get(q("id", REL_NS), ""))
            part = "" if rel is None else (self.package.name_of(rel.target) or rel.target)
            is_worksheet = rel is not None and rel.type == WORKSHEET
            found.append(
                SheetEntry(
                    sheet.get("name", ""), index, int(sheet.get("sheetId", "0")), part, is_worksheet
                )
            )
        return found

    def part_of(self, rel_type: str) -> str | None:
        for rel in self.targets().values():
            if rel.type == rel_type:
                return self.package.name_of(rel.target) or rel.target
        return None

    def _owned_names(self) -> dict[int, etree._Element]:
        found: dict[int, etree._Element] = {}
        for name in self.workbook.iterfind(f"{q('definedNames')}/{q('definedName')}"):
            scope = name.get("localSheetId")
            if name.get("name", "").lower() == OWNED_NAME and scope and scope.isdigit():
                found[int(scope)] = name
        return found

    def marks(self) -> dict[int, Mark]:
        """The marks by sheet index."""
        return {i: parse_mark(e.text or "") for i, e in self._owned_names().items()}

    # --- editing ---------------------------------------------------------------------

    def set_mark(self, sheet: SheetEntry, whole: bool, columns: Iterable[int]) -> None:
        text = mark_text(sheet.title, whole, columns)
        element = self._owned_names().get(sheet.index)
        if element is None:
            names = self.workbook.find(q("definedNames"))
            if names is None:
                names = etree.Element(q("definedNames"))
                insert_in_order(self.workbook, names, _WORKBOOK_ORDER)
            element = etree.SubElement(names, q("definedName"))
            element.set("name", OWNED_NAME)
            element.set("localSheetId", str(sheet.index))
            element.set("hidden", "1")
        if element.text != text:
            element.text = text
            self.changed.add(self.workbook_part)

    def add_sheet(self, title: str, content: bytes) -> SheetEntry:
        """Register a new worksheet part after the last tab."""
        sheets = self.sheets()
        taken = (
            {s.part.lower() for s in sheets}
            | self.package.lower_names()
            | {p.lower() for p in self.added}
        )
        number = 1
        while f"xl/worksheets/sheet{number}.xml" in taken:
            number += 1
        part = f"xl/worksheets/sheet{number}.xml"
        rel_id = self._relate(part, WORKSHEET)
        container = self.workbook.find(q("sheets"))
        if container is None:
            container = etree.Element(q("sheets"))
            insert_in_order(self.workbook, container, _WORKBOOK_ORDER)
        sheet_id = max([s.sheet_id for s in sheets] + [0]) + 1
        element = etree.SubElement(container, q("sheet"))
        element.set("name", title)
        element.set("sheetId", str(sheet_id))
        element.set(q("id", REL_NS), rel_id)
        self.add_part(part, content, WORKSHEET_CONTENT)
        self.changed.update({self.workbook_part, self.rels_part})
        return SheetEntry(title, len(sheets), sheet_id, part, True)

    def _relate(self, part: str, rel_type: str) -> str:
        """A new relationship of the workbook to `part`; its id."""
        target = posixpath.relpath(part, posixpath.dirname(self.workbook_part))
        return add_relationship(self.rels, rel_type, target)

    def add_part(self, part: str, content: bytes, content_type: str) -> None:
        override = etree.SubElement(self.types, q("Override", CT_NS))
        override.set("PartName", "/" + part)
        override.set("ContentType", content_type)
        self.added[part] = content
        self.changed.add("[Content_Types].xml")

    def add_related_part(self, part: str, content: bytes, rel_type: str, kind: str) -> None:
        """A new workbook-level part (styles) with its relationship and content type."""
        self._relate(part, rel_type)
        self.add_part(part, content, kind)
        self.changed.add(self.rels_part)

    def remove_part(self, part: str, rel_type: str) -> None:
        """Drop a workbook-level part, its relationship and its content type."""
        for rel in list(self.rels):
            if rel.get("Type") == rel_type:
                self.rels.remove(rel)
        for override in list(self.types):
            if override.get("PartName", "").lstrip("/").lower() == part.lower():
                self.types.remove(override)
        self.removed.add(part)
        self.changed.update({self.rels_part, "[Content_Types].xml"})

    def serialised(self) -> dict[str, bytes]:
        """The new bytes of the package parts this edit changed."""
        trees = {
            self.workbook_part: self.workbook,
            self.rels_part: self.rels,
            "[Content_Types].xml": self.types,
        }
        return {name: to_xml(trees[name]) for name in self.changed if name in trees}


def write_package(
    package: Package,
    out: IO[bytes],
    replaced: Mapping[str, bytes],
    added: Mapping[str, bytes],
    removed: Iterable[str] = (),
) -> None:
    """Write the package again: `replaced` parts get new bytes, `added` ones go last,
    and every other part is copied with its name, date, attributes and compression."""
    gone = {name.lower() for name in removed}
    replaced_lower = {name.lower(): data for name, data in replaced.items()}
    with zipfile.ZipFile(out, "w", allowZip64=True) as target:
        target.comment = package.zip.comment
        for info in package.infos:
            if info.filename.lower() in gone:
                continue
            data = replaced_lower.get(info.filename.lower())
            if data is None and _copy_raw(package, info, target):
                continue
            if data is None:
                data = package.zip.read(info)
            target.writestr(_copy_info(info), data)
        for name, data in added.items():
            if package.name_of(name) is None:
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                target.writestr(info, data)


def _copy_raw(package: Package, info: zipfile.ZipInfo, target: zipfile.ZipFile) -> bool:
    """Copy an entry's compressed bytes unchanged: no inflating and deflating again of
    parts the write does not touch (a 50,000-row Log tab costs 0.5 s each way).

    zipfile has no public way to add stored bytes, so this does what its own writer
    does: a local header, the data, and the entry in the list the central directory is
    written from. False when the entry cannot be copied so (the caller recompresses).
    """
    raw = package.raw(info)
    out = target.fp
    # zipfile wraps an output that cannot seek in a writer without `seekable`.
    seekable = getattr(out, "seekable", None)
    if raw is None or out is None or seekable is None or not seekable():
        return False
    copy = _copy_info(info)
    copy.flag_bits = info.flag_bits & ~_DATA_DESCRIPTOR  # sizes go in the header itself
    copy.CRC = info.CRC
    copy.compress_size = info.compress_size
    copy.file_size = info.file_size
    out.seek(target.start_dir)
    copy.header_offset = out.tell()
    out.write(copy.FileHeader())
    out.write(raw)
    target.start_dir = out.tell()
    target.filelist.append(copy)
    target.NameToInfo[copy.filename] = copy
    target._didModify = True  # type: ignore[attr-defined]  # so close() writes the directory
    return True


def _copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    copy.compress_type = info.compress_type
    copy.comment = info.comment
    copy.external_attr = info.external_attr
    copy.create_system = info.create_system
    return copy
