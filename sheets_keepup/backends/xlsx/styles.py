"""styles.xml: cell formats read by index, and new ones appended when a write needs them.

Existing entries are never renumbered or changed, since every cell of every sheet
points at them by position; an identical entry is reused rather than appended twice.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Final

from lxml import etree

from sheets_keepup.backends.xlsx.package import (
    MAIN_NS,
    insert_in_order,
    local,
    parse_xml,
    q,
    to_xml,
)

_ORDER = [
    "numFmts",
    "fonts",
    "fills",
    "borders",
    "cellStyleXfs",
    "cellXfs",
    "cellStyles",
    "dxfs",
    "tableStyles",
    "colors",
    "extLst",
]
_DATE_BUILTINS = frozenset({14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47})
_QUOTED_OR_BRACKETED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')
FIRST_CUSTOM_FORMAT = 164
"""Number format ids below this are Excel's built-in ones."""

MINIMAL = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<styleSheet xmlns="' + MAIN_NS.encode() + b'">'
    b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    b'<fills count="2"><fill><patternFill patternType="none"/></fill>'
    b'<fill><patternFill patternType="gray125"/></fill></fills>'
    b'<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    b'<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    b"</cellStyleXfs>"
    b'<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    b"</cellXfs>"
    b'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    b"</styleSheet>"
)


LINK_BLUE = "FF0563C1"
"""The colour of Excel's built-in Hyperlink cell style."""
_FONT_ORDER = [
    "b",
    "i",
    "strike",
    "condense",
    "extend",
    "outline",
    "shadow",
    "u",
    "vertAlign",
    "sz",
    "color",
    "name",
    "family",
    "charset",
    "scheme",
]


class _Keep:
    """The sentinel for "leave this as it is"."""


KEEP: Final = _Keep()


@dataclass(frozen=True)
class Restyle:
    """What a write changes in a cell's format; everything else is the cell's own."""

    number_format: int | None = None
    fill: str | _Keep | None = KEEP
    bold: bool = False
    wrap: bool = False
    link: bool = False

    def __bool__(self) -> bool:
        return bool(
            self.number_format is not None
            or not isinstance(self.fill, _Keep)
            or self.bold
            or self.wrap
            or self.link
        )


def _key(element: etree._Element) -> tuple[object, ...]:
    """Identity of an entry regardless of attribute order or whitespace."""
    return (
        local(element),
        tuple(sorted(element.attrib.items())),
        tuple(_key(child) for child in element if isinstance(child.tag, str)),
    )


def is_date_code(code: str) -> bool:
    """Whether a number format shows a date or time (what Excel itself decides)."""
    plain = _QUOTED_OR_BRACKETED.sub("", code).lower()
    if plain.strip() in ("", "general", "@"):
        return False
    return any(ch in plain for ch in "dmyhs")


def _rgb(colour: str) -> str:
    return "FF" + colour.lstrip("#").upper()


def _hex(element: etree._Element | None) -> str | None:
    rgb = None if element is None else element.get("rgb")
    if not rgb or len(rgb) not in (6, 8):
        return None
    return "#" + rgb[-6:].upper()


class Styles:
    """The parsed stylesheet with its lookups built on first use."""

    def __init__(self, data: bytes | None) -> None:
        self.created = data is None
        self.root = parse_xml(MINIMAL if data is None else data)
        self.modified = False
        self._xfs: list[etree._Element] | None = None
        self._derived: dict[tuple[int, Restyle], int] = {}

    # --- lookups -----------------------------------------------------------------------

    def _section(self, name: str, create: bool = False) -> etree._Element | None:
        found = self.root.find(q(name))
        if found is None and create:
            found = etree.Element(q(name))
            found.set("count", "0")
            insert_in_order(self.root, found, _ORDER)
        return found

    def _entries(self, section: str, tag: str) -> list[etree._Element]:
        found = self._section(section)
        return [] if found is None else found.findall(q(tag))

    def xfs(self) -> list[etree._Element]:
        if self._xfs is None:
            self._xfs = self._entries("cellXfs", "xf")
        return self._xfs

    def xf(self, index: int) -> etree._Element | None:
        xfs = self.xfs()
        return xfs[index] if 0 <= index < len(xfs) else None

    def number_format_code(self, index: int) -> str:
        xf = self.xf(index)
        number = int(xf.get("numFmtId", "0")) if xf is not None else 0
        if number < FIRST_CUSTOM_FORMAT:
            return "date" if number in _DATE_BUILTINS else "General"
        for fmt in self._entries("numFmts", "numFmt"):
            if fmt.get("numFmtId") == str(number):
                return fmt.get("formatCode", "General")
        return "General"

    def is_date(self, index: int) -> bool:
        return is_date_code(self.number_format_code(index))

    def background(self, index: int) -> str | None:
        """A cell format's solid fill as '#RRGGBB' (None for no fill, patterns, themes)."""
        xf = self.xf(index)
        if xf is None:
            return None
        fills = self._entries("fills", "fill")
        fill_id = int(xf.get("fillId", "0"))
        if not 0 <= fill_id < len(fills):
            return None
        pattern = fills[fill_id].find(q("patternFill"))
        if pattern is None or pattern.get("patternType") != "solid":
            return None
        return _hex(pattern.find(q("fgColor")))

    def dxf(self, index: int) -> tuple[str | None, bool]:
        """The fill colour and boldness of a conditional format's differential style."""
        dxfs = self._entries("dxfs", "dxf")
        if not 0 <= index < len(dxfs):
            return None, False
        dxf = dxfs[index]
        colour = None
        pattern = dxf.find(f"{q('fill')}/{q('patternFill')}")
        if pattern is not None:
            colour = _hex(pattern.find(q("bgColor"))) or _hex(pattern.find(q("fgColor")))
        bold = dxf.find(f"{q('font')}/{q('b')}")
        is_bold = bold is not None and bold.get("val", "1") not in ("0", "false")
        return colour, is_bold

    # --- appending ---------------------------------------------------------------------

    def _add(self, section: str, element: etree._Element) -> int:
        """The index of an entry equal to `element`, appended when there is none."""
        container = self._section(section, create=True)
        assert container is not None
        tag = local(element)
        wanted = _key(element)
        entries = container.findall(q(tag))
        for index, entry in enumerate(entries):
            if _key(entry) == wanted:
                return index
        container.append(element)
        container.set("count", str(len(entries) + 1))
        self.modified = True
        if section == "cellXfs":
            self._xfs = None
        return len(entries)

    def date_format(self, pattern: str) -> int:
        """The id of a number format showing `pattern`, added when missing."""
        formats = self._entries("numFmts", "numFmt")
        for fmt in formats:
            if fmt.get("formatCode") == pattern:
                return int(fmt.get("numFmtId", "0"))
        number = max([int(f.get("numFmtId", "0")) for f in formats] + [FIRST_CUSTOM_FORMAT - 1])
        element = etree.Element(q("numFmt"))
        element.set("numFmtId", str(number + 1))
        element.set("formatCode", pattern)
        self._add("numFmts", element)
        return number + 1

    def _fill(self, colour: str) -> int:
        fills = self._entries("fills", "fill")
        for index, fill in enumerate(fills):
            pattern = fill.find(q("patternFill"))
            if (
                pattern is not None
                and pattern.get("patternType") == "solid"
                and _hex(pattern.find(q("fgColor"))) == _hex_of(colour)
                and len(pattern) <= 2
            ):
                return index
        fill = etree.Element(q("fill"))
        pattern = etree.SubElement(fill, q("patternFill"), patternType="solid")
        etree.SubElement(pattern, q("fgColor"), rgb=_rgb(colour))
        etree.SubElement(pattern, q("bgColor"), indexed="64")
        return self._add("fills", fill)

    def _bold_font(self, font_id: int) -> int:
        fonts = self._entries("fonts", "font")
        base = fonts[font_id] if 0 <= font_id < len(fonts) else None
        font = etree.Element(q("font")) if base is None else copy.deepcopy(base)
        current = font.find(q("b"))
        if current is not None:
            if current.get("val", "1") not in ("0", "false"):
                return font_id
            font.remove(current)
        font.insert(0, etree.Element(q("b")))
        return self._add("fonts", font)

    def _link_font(self, font_id: int) -> int:
        """The font `font_id` as a link shows: underlined, in Excel's hyperlink blue."""
        fonts = self._entries("fonts", "font")
        base = fonts[font_id] if 0 <= font_id < len(fonts) else None
        font = etree.Element(q("font")) if base is None else copy.deepcopy(base)
        for name in ("u", "color"):
            for child in font.findall(q(name)):
                font.remove(child)
        insert_in_order(font, etree.Element(q("u")), _FONT_ORDER)
        insert_in_order(font, etree.Element(q("color"), rgb=LINK_BLUE), _FONT_ORDER)
        return self._add("fonts", font)

    def derive(self, index: int, change: Restyle) -> int:
        """The cell format `index` with `change` made: reused or appended."""
        if not change:
            return index
        known = self._derived.get((index, change))
        if known is not None:
            return known
        base = self.xf(index)
        xf = (
            etree.Element(q("xf"), numFmtId="0", fontId="0", fillId="0", borderId="0", xfId="0")
            if base is None
            else copy.deepcopy(base)
        )
        if change.number_format is not None:
            _set_applied(xf, "numFmtId", str(change.number_format), "applyNumberFormat")
        if not isinstance(change.fill, _Keep):
            fill = 0 if change.fill is None else self._fill(change.fill)
            _set_applied(xf, "fillId", str(fill), "applyFill")
        if change.bold:
            font = self._bold_font(int(xf.get("fontId", "0")))
            _set_applied(xf, "fontId", str(font), "applyFont")
        if change.link:
            font = self._link_font(int(xf.get("fontId", "0")))
            _set_applied(xf, "fontId", str(font), "applyFont")
        if change.wrap:
            alignment = xf.find(q("alignment"))
            if alignment is None:
                alignment = etree.Element(q("alignment"))
                xf.insert(0, alignment)
            alignment.set("wrapText", "1")
            xf.set("applyAlignment", "1")
        result = index if base is not None and _key(xf) == _key(base) else self._add("cellXfs", xf)
        self._derived[(index, change)] = result
        return result

    def conditional(self, colour: str | None, bold: bool) -> int:
        """The id of a differential format filling with `colour` (and bold)."""
        dxf = etree.Element(q("dxf"))
        if bold:
            font = etree.SubElement(dxf, q("font"))
            etree.SubElement(font, q("b"))
        if colour is not None:
            fill = etree.SubElement(dxf, q("fill"))
            pattern = etree.SubElement(fill, q("patternFill"))
            etree.SubElement(pattern, q("bgColor"), rgb=_rgb(colour))
        return self._add("dxfs", dxf)

    def to_bytes(self) -> bytes:
        return to_xml(self.root)


def _hex_of(colour: str) -> str:
    return "#" + colour.lstrip("#").upper()[-6:]


def _set_applied(xf: etree._Element, attribute: str, value: str, apply: str) -> None:
    xf.set(attribute, value)
    xf.set(apply, "1")
