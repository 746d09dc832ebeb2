"""Compare two versions of a workbook part by part, as the integrity tests need.

`integrity_problems(before, after)` lists, in plain words, everything that changed
outside what sheets-keepup owns: parts added, dropped or altered, user cells of the
Contacts tab, its drawings, tables and extensions, the user's formats, and the values
every formula cell last showed. An empty list means the tool kept its promise.

What the tool owns in a workbook: the Contacts sheet part (only its owned columns, its
conditional formats, validations, column widths, views and dimension), `xl/styles.xml`,
`xl/workbook.xml`, `xl/_rels/workbook.xml.rels`, `[Content_Types].xml`, the parts of the
tabs it creates, and `xl/calcChain.xml` when one of its cells held a formula. Even in the
parts it owns, nothing the user had may go missing (a sheet, a defined name, a pivot
cache, a relationship, a content type).
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"

CONTACTS = "Contacts"
OWNED_HEADERS = ("Next action", "Due", "Status", "Done")
TOOL_PARTS = frozenset(
    {"xl/styles.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
)
# Children of the Contacts sheet the tool may rewrite: its own rules, dropdowns, widths,
# frozen header and the used range. Everything else (drawings, tables, extLst...) is not.
SHEET_CHILDREN_THE_TOOL_MAY_CHANGE = frozenset(
    {"sheetData", "conditionalFormatting", "dataValidations", "cols", "sheetViews", "dimension"}
)
WORKBOOK_CHILDREN_THE_TOOL_MAY_CHANGE = frozenset({"sheets", "definedNames", "bookViews", "calcPr"})
# Column properties compared past the last header: enough to see a range split or dropped.
COLUMNS_COMPARED = 40

CellValue = object
Grid = dict[tuple[int, int], CellValue]


def q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def local(element: etree._Element) -> str:
    return str(etree.QName(element).localname)


def canonical(element: etree._Element) -> bytes:
    """C14N bytes: equal exactly when two elements mean the same XML."""
    return bytes(etree.tostring(element, method="c14n"))


def read_parts(path: Path) -> dict[str, bytes]:
    """Every part of the package, uncompressed, by name."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source: str, target: str) -> str:
    """The part name a relationship of `source` points at."""
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def relationships(parts: Mapping[str, bytes], source: str) -> dict[str, tuple[str, str]]:
    """Id -> (type, resolved target) of `source`'s relationships (external ones as given)."""
    name = rels_name(source)
    if name not in parts:
        return {}
    found = {}
    for rel in etree.fromstring(parts[name]):
        target = rel.get("Target", "")
        if rel.get("TargetMode") != "External":
            target = resolve(source, target)
        found[rel.get("Id", "")] = (rel.get("Type", ""), target)
    return found


@dataclass(frozen=True)
class SheetEntry:
    name: str
    sheet_id: str
    state: str
    part: str


def sheets(parts: Mapping[str, bytes]) -> list[SheetEntry]:
    """The workbook's tabs in order, with the part each one lives in."""
    book = etree.fromstring(parts["xl/workbook.xml"])
    rels = relationships(parts, "xl/workbook.xml")
    return [
        SheetEntry(
            name=sheet.get("name", ""),
            sheet_id=sheet.get("sheetId", ""),
            state=sheet.get("state", "visible"),
            part=rels[sheet.get(q(R_NS, "id"), "")][1],
        )
        for sheet in book.iter(q(MAIN, "sheet"))
    ]


def sheet_part(parts: Mapping[str, bytes], title: str) -> str:
    for entry in sheets(parts):
        if entry.name == title:
            return entry.part
    raise KeyError(title)


def column_letters(ref: str) -> str:
    return re.sub(r"\d", "", ref)


def column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char.upper()) - 64
    return number


# ---------------------------------------------------------------------------------------
# Values, as a reader of the file sees them


def values(path: Path, title: str) -> Grid:
    """The non-empty values of a tab as python-calamine reads them (cached formula values)."""
    workbook = CalamineWorkbook.from_path(str(path))
    if title not in workbook.sheet_names:
        return {}
    rows = workbook.get_sheet_by_name(title).to_python(skip_empty_area=False)
    return {
        (r, c): value
        for r, row in enumerate(rows)
        for c, value in enumerate(row)
        if value not in ("", None)
    }


def header(grid: Grid) -> tuple[int, dict[str, int]]:
    """The header row (0-based) of a Contacts grid: the first row holding a Name cell."""
    rows = sorted({r for r, _ in grid})
    for row in rows:
        cells = {str(v).strip(): c for (r, c), v in grid.items() if r == row}
        if "Name" in cells or "First" in cells:
            return row, cells
    raise AssertionError("no header row with a Name column")


def owned_columns(*grids: Grid) -> set[int]:
    """0-based columns headed by an owned name in any of `grids`."""
    found = set()
    for grid in grids:
        _, cells = header(grid)
        found |= {col for name, col in cells.items() if name in OWNED_HEADERS}
    return found


def row_of(grid: Grid, name: str) -> int:
    """The 0-based row whose Name (or any) cell reads `name`."""
    for (row, _), value in sorted(grid.items()):
        if value == name:
            return row
    raise AssertionError(f"no row for {name!r}")


def owned_values(grid: Grid, name: str) -> dict[str, CellValue]:
    _, cells = header(grid)
    row = row_of(grid, name)
    return {h: grid.get((row, cells[h]), "") for h in OWNED_HEADERS if h in cells}


def formula_values(path: Path, cells: Mapping[str, Iterable[str]]) -> dict[str, CellValue]:
    """What openpyxl (data_only) reads for the given formula cells, by 'tab!A1'."""
    book = load_workbook(path, data_only=True, read_only=False)
    found: dict[str, CellValue] = {}
    for title, refs in cells.items():
        for ref in refs:
            value = book[title][ref].value if title in book.sheetnames else None
            found[f"{title}!{ref}"] = value
    return found


# ---------------------------------------------------------------------------------------
# A sheet part, element by element


def cells_by_ref(xml: bytes) -> dict[str, bytes]:
    root = etree.fromstring(xml)
    return {cell.get("r", ""): canonical(cell) for cell in root.iter(q(MAIN, "c"))}


def formula_refs(xml: bytes) -> list[str]:
    root = etree.fromstring(xml)
    return [
        cell.get("r", "") for cell in root.iter(q(MAIN, "c")) if cell.find(q(MAIN, "f")) is not None
    ]


def row_attributes(xml: bytes) -> dict[str, dict[str, str]]:
    """Each row's own attributes (height, style, hidden...) but `spans`, a reader's hint."""
    root = etree.fromstring(xml)
    return {
        row.get("r", ""): {str(k): str(v) for k, v in row.attrib.items() if k != "spans"}
        for row in root.iter(q(MAIN, "row"))
    }


def other_children(xml: bytes) -> list[tuple[str, bytes]]:
    """The sheet's children the tool does not own, in order, canonical."""
    root = etree.fromstring(xml)
    return [
        (local(child), canonical(child))
        for child in root
        if local(child) not in SHEET_CHILDREN_THE_TOOL_MAY_CHANGE
    ]


def user_rules(xml: bytes) -> list[tuple[str, bytes]]:
    """Every conditional-format rule with its range; priorities may be renumbered."""
    root = etree.fromstring(xml)
    found = []
    for block in root.findall(q(MAIN, "conditionalFormatting")):
        for rule in block.findall(q(MAIN, "cfRule")):
            copy = etree.fromstring(canonical(rule))
            if "priority" in copy.attrib:
                del copy.attrib["priority"]
            found.append((block.get("sqref", ""), canonical(copy)))
    return found


def validations(xml: bytes) -> list[bytes]:
    root = etree.fromstring(xml)
    return [canonical(v) for v in root.iter(q(MAIN, "dataValidation"))]


def column_properties(xml: bytes, last: int) -> dict[int, dict[str, str]]:
    """Width, style, hidden... of columns 1..last, one entry per column."""
    root = etree.fromstring(xml)
    found: dict[int, dict[str, str]] = {}
    for col in root.iter(q(MAIN, "col")):
        attributes = {str(k): str(v) for k, v in col.attrib.items() if k not in ("min", "max")}
        for number in range(int(col.get("min", "1")), min(int(col.get("max", "1")), last) + 1):
            found[number] = attributes
    return found


# ---------------------------------------------------------------------------------------
# The comparison


@dataclass
class Compared:
    before: Path
    after: Path
    owned_formulas: bool = False
    """An owned cell held a formula before: the calculation chain may then change."""
    owned_from: tuple[Path, ...] = ()
    """Versions in between (a sync before a restore) whose owned columns count too."""

    def __post_init__(self) -> None:
        self.old = read_parts(self.before)
        self.new = read_parts(self.after)
        self.old_sheets = {s.name: s for s in sheets(self.old)}
        self.new_sheets = {s.name: s for s in sheets(self.new)}
        self.old_grid = values(self.before, CONTACTS)
        self.new_grid = values(self.after, CONTACTS)
        between = [values(path, CONTACTS) for path in self.owned_from]
        self.owned_cols = owned_columns(self.old_grid, self.new_grid, *between)
        self.problems: list[str] = []

    def problem(self, text: str) -> None:
        self.problems.append(text)

    @property
    def new_tabs(self) -> set[str]:
        return set(self.new_sheets) - set(self.old_sheets)

    def tool_parts(self) -> set[str]:
        owned = set(TOOL_PARTS) | {self.old_sheets[CONTACTS].part}
        for title in self.new_tabs:
            part = self.new_sheets[title].part
            owned |= {part, rels_name(part)}
        if self.owned_formulas:
            owned.add("xl/calcChain.xml")
        return owned

    def check_parts(self) -> None:
        owned = self.tool_parts()
        for name in sorted(set(self.old) - set(self.new)):
            if not (self.owned_formulas and name == "xl/calcChain.xml"):
                self.problem(f"part {name} was dropped")
        for name in sorted(set(self.new) - set(self.old)):
            if name not in owned:
                self.problem(f"part {name} was added, and is not a tab the tool created")
        for name in sorted(set(self.old) & set(self.new)):
            if name not in owned and self.old[name] != self.new[name]:
                self.problem(f"part {name} changed (it is not the tool's)")

    def check_workbook(self) -> None:
        """The tool may edit workbook.xml, its rels and the content types: but lose nothing."""
        if "xl/workbook.xml" not in self.new:
            return
        for title, entry in self.old_sheets.items():
            now = self.new_sheets.get(title)
            if now is None:
                self.problem(f"tab {title!r} is gone from the workbook")
            elif (now.part, now.sheet_id, now.state) != (entry.part, entry.sheet_id, entry.state):
                self.problem(f"tab {title!r} moved or changed: {entry} -> {now}")
        order = [t for t in self.new_sheets if t in self.old_sheets]
        if order != list(self.old_sheets):
            self.problem(f"the tabs were reordered: {list(self.old_sheets)} -> {order}")
        old_book = etree.fromstring(self.old["xl/workbook.xml"])
        new_book = etree.fromstring(self.new["xl/workbook.xml"])
        new_names = {canonical(n) for n in new_book.iter(q(MAIN, "definedName"))}
        for defined in old_book.iter(q(MAIN, "definedName")):
            if canonical(defined) not in new_names:
                self.problem(f"defined name {defined.get('name')!r} was lost or changed")
        old_kept, new_kept = kept_children(old_book), kept_children(new_book)
        for name in sorted(set(old_kept) | set(new_kept)):
            if old_kept.get(name) != new_kept.get(name):
                self.problem(f"workbook.xml: <{name}> changed or was lost")
        old_rels = set(relationships(self.old, "xl/workbook.xml").values())
        new_rels = set(relationships(self.new, "xl/workbook.xml").values())
        for rel_type, target in sorted(old_rels - new_rels):
            if not (self.owned_formulas and target == "xl/calcChain.xml"):
                self.problem(f"workbook relationship to {target} ({rel_type}) was lost")
        self.check_content_types()

    def check_content_types(self) -> None:
        def entries(xml: bytes) -> dict[str, str]:
            found = {}
            for entry in etree.fromstring(xml):
                key = entry.get("Extension") or entry.get("PartName") or ""
                found[key.lower()] = entry.get("ContentType", "")
            return found

        old = entries(self.old["[Content_Types].xml"])
        new = entries(self.new["[Content_Types].xml"])
        for key, content_type in sorted(old.items()):
            dropped_part = key.startswith("/") and key[1:] not in self.new
            if new.get(key) != content_type and not dropped_part:
                self.problem(f"content type of {key} was {content_type}, now {new.get(key)}")

    def check_contacts(self) -> None:
        old_part = self.old_sheets[CONTACTS].part
        now = self.new_sheets.get(CONTACTS)
        if now is None or now.part not in self.new:
            self.problem("the Contacts sheet part is gone")
            return
        old_xml, new_xml = self.old[old_part], self.new[now.part]
        owned_letters = {self._letter(col) for col in self.owned_cols}
        old_cells, new_cells = cells_by_ref(old_xml), cells_by_ref(new_xml)
        changed = []
        for ref in sorted(set(old_cells) | set(new_cells)):
            if column_letters(ref) in owned_letters:
                continue
            if old_cells.get(ref) != new_cells.get(ref):
                changed.append(ref)
        if changed:
            shown = ", ".join(changed[:8]) + (" ..." if len(changed) > 8 else "")
            self.problem(f"{len(changed)} user cell(s) of Contacts changed: {shown}")
            first = changed[0]
            self.problem(f"  {first} was {old_cells.get(first)!r}, now {new_cells.get(first)!r}")
        old_rows, new_rows = row_attributes(old_xml), row_attributes(new_xml)
        rows = [r for r, attrs in old_rows.items() if new_rows.get(r, {}) != attrs]
        if rows:
            self.problem(f"{len(rows)} row(s) of Contacts lost their height or format: {rows[:5]}")
        old_children, new_children = other_children(old_xml), other_children(new_xml)
        if old_children != new_children:
            names = sorted(
                {n for n, _ in old_children} ^ {n for n, _ in new_children}
                | {n for (n, x) in old_children if (n, x) not in new_children}
            )
            self.problem(f"Contacts sheet elements changed or lost: {names}")
        kept_rules = set(user_rules(new_xml))
        lost = [sqref for sqref, rule in user_rules(old_xml) if (sqref, rule) not in kept_rules]
        if lost:
            self.problem(f"the user's conditional formats on {lost} were lost or changed")
        kept_validations = set(validations(new_xml))
        if any(v not in kept_validations for v in validations(old_xml)):
            self.problem("a data validation (dropdown) of the user was lost or changed")
        self.check_columns(old_xml, new_xml)

    def check_columns(self, old_xml: bytes, new_xml: bytes) -> None:
        _, cells = header(self.old_grid)
        last = max(cells.values()) + 1 + COLUMNS_COMPARED
        old_cols, new_cols = column_properties(old_xml, last), column_properties(new_xml, last)
        changed = [
            number
            for number in range(1, last + 1)
            if number - 1 not in self.owned_cols and old_cols.get(number) != new_cols.get(number)
        ]
        if changed:
            self.problem(f"width or format of user column(s) {changed[:6]} changed")

    def check_values(self) -> None:
        """Every value a reader sees (cached formula results too) outside owned cells."""
        for title in self.old_sheets:
            if title not in self.new_sheets:
                continue
            old = self.old_grid if title == CONTACTS else values(self.before, title)
            new = self.new_grid if title == CONTACTS else values(self.after, title)
            skip = self.owned_cols if title == CONTACTS else set()
            keys = {k for k in set(old) | set(new) if k[1] not in skip}
            changed = sorted(k for k in keys if not same_value(old.get(k), new.get(k)))
            if changed:
                r, c = changed[0]
                self.problem(
                    f"{title}: {len(changed)} value(s) read differently, first at row {r + 1} "
                    f"column {c + 1}: {old.get(changed[0])!r} -> {new.get(changed[0])!r}"
                )
        self.check_formula_values()

    def check_formula_values(self) -> None:
        formulas: dict[str, list[str]] = {}
        for title, entry in self.old_sheets.items():
            refs = [
                ref
                for ref in formula_refs(self.old[entry.part])
                if title != CONTACTS
                or column_number(column_letters(ref)) - 1 not in self.owned_cols
            ]
            if refs and title in self.new_sheets:
                formulas[title] = refs
        if not formulas:
            return
        before, after = formula_values(self.before, formulas), formula_values(self.after, formulas)
        lost = [ref for ref, value in before.items() if not same_value(value, after[ref])]
        if lost:
            self.problem(
                f"openpyxl reads {len(lost)} cached formula value(s) differently, e.g. "
                f"{lost[0]}: {before[lost[0]]!r} -> {after[lost[0]]!r}"
            )

    @staticmethod
    def _letter(col: int) -> str:
        letters = ""
        number = col + 1
        while number:
            number, rest = divmod(number - 1, 26)
            letters = chr(65 + rest) + letters
        return letters


def kept_children(book: etree._Element) -> dict[str, list[bytes]]:
    """workbook.xml's children the tool has no reason to touch, by element name."""
    found: dict[str, list[bytes]] = {}
    for child in book:
        if local(child) not in WORKBOOK_CHILDREN_THE_TOOL_MAY_CHANGE:
            found.setdefault(local(child), []).append(canonical(child))
    return found


def same_value(a: CellValue, b: CellValue) -> bool:
    """Equal as a reader would show them (a date and its midnight date-time are one)."""
    if isinstance(a, dt.datetime) and a.time() == dt.time(0):
        a = a.date()
    if isinstance(b, dt.datetime) and b.time() == dt.time(0):
        b = b.date()
    return a == b or (a in (None, "") and b in (None, ""))


def integrity_problems(
    before: Path,
    after: Path,
    *,
    owned_formulas: bool = False,
    owned_from: tuple[Path, ...] = (),
) -> list[str]:
    """Everything that changed in `after` outside what the tool owns (empty: nothing).

    `owned_from`: versions in between whose owned columns are the tool's too (a restore
    empties the columns a sync created, headers included).
    """
    compared = Compared(before, after, owned_formulas=owned_formulas, owned_from=owned_from)
    compared.check_parts()
    compared.check_workbook()
    compared.check_contacts()
    compared.check_values()
    return compared.problems


def owned_cells(path: Path) -> dict[int, tuple[CellValue, ...]]:
    """Per contact row (0-based), the values of its owned cells ('' when a column is absent)."""
    grid = values(path, CONTACTS)
    header_row, cells = header(grid)
    rows = sorted({r for r, _ in grid if r > header_row})
    return {
        row: tuple(grid.get((row, cells[h]), "") if h in cells else "" for h in OWNED_HEADERS)
        for row in rows
    }


def has_formula_in_owned_cells(path: Path) -> bool:
    parts = read_parts(path)
    grid = values(path, CONTACTS)
    header_row, cells = header(grid)
    owned = {cells[h] for h in OWNED_HEADERS if h in cells}
    xml = parts[sheet_part(parts, CONTACTS)]
    return any(
        column_number(column_letters(ref)) - 1 in owned
        and int(re.sub(r"\D", "", ref)) - 1 > header_row
        for ref in formula_refs(xml)
    )
