"""The sheet-level parts of a worksheet around its cells: the tool's conditional formats,
dropdowns, column formats and widths, frozen rows, merged ranges.

Each function edits the head-and-tail tree of a `SheetPart`; elements the tool did not
create keep their attributes, and new ones go where the schema orders them.
"""

from __future__ import annotations

import bisect
import copy
from collections.abc import Callable, Iterable

from lxml import etree

from sheets_keepup.backends.xlsx.package import local, q
from sheets_keepup.backends.xlsx.refs import Box, areas_of, cell_name, sqref_of
from sheets_keepup.backends.xlsx.sheet import SheetPart, insert
from sheets_keepup.backends.xlsx.styles import Restyle, Styles
from sheets_keepup.core.errors import DataError
from sheets_keepup.core.model import HIGHLIGHT_MARK, DropDown, Highlight, Rule

DEFAULT_BASE_WIDTH = 8
PIXELS_PER_CHAR = 7


# --- conditional formats --------------------------------------------------------------


def _formula(rule: etree._Element) -> str:
    formula = rule.find(q("formula"))
    return "" if formula is None or formula.text is None else formula.text.strip()


def is_ours(rule: etree._Element) -> bool:
    return rule.get("type") == "expression" and _formula(rule).startswith(HIGHLIGHT_MARK)


def read_highlight(part: SheetPart, styles: Callable[[], Styles]) -> Highlight | None:
    """The tool's rules on the sheet in priority order, or None when it has none."""
    marked: list[tuple[int, str, etree._Element]] = []
    for block in part.findall("conditionalFormatting"):
        for rule in block.findall(q("cfRule")):
            if is_ours(rule):
                marked.append((int(rule.get("priority", "0")), block.get("sqref", ""), rule))
    if not marked:
        return None
    marked.sort(key=lambda found: found[0])
    rules = []
    for _, _, rule in marked:
        dxf = rule.get("dxfId")
        colour, bold = (
            styles().dxf(int(dxf)) if dxf is not None and dxf.isdigit() else (None, False)
        )
        rules.append(Rule("=" + _formula(rule), colour, bold))
    sqrefs = {sqref for _, sqref, _ in marked}
    # Rules split over several ranges (a user dragged cells) read as no areas at all,
    # which differs from any planned highlight, so the next write puts them together.
    areas = areas_of(sqrefs.pop()) if len(sqrefs) == 1 else None
    return Highlight(areas or (), tuple(rules))


def write_highlight(part: SheetPart, highlight: Highlight, styles: Styles) -> None:
    """Replace the tool's rules with `highlight`'s, after every rule of the user."""
    for block in part.findall("conditionalFormatting"):
        for rule in block.findall(q("cfRule")):
            if is_ours(rule):
                block.remove(rule)
        if block.find(q("cfRule")) is None:
            part.tree.remove(block)
    if not highlight.rules or not highlight.areas:
        return
    priorities = [
        int(p)
        for rule in part.tree.iter()
        if local(rule) == "cfRule" and (p := rule.get("priority", "")).isdigit()
    ]
    block = etree.Element(q("conditionalFormatting"))
    block.set("sqref", sqref_of(highlight.areas))
    for offset, planned in enumerate(highlight.rules, start=max(priorities, default=0) + 1):
        element = etree.SubElement(block, q("cfRule"))
        element.set("type", "expression")
        element.set("dxfId", str(styles.conditional(planned.colour, planned.bold)))
        element.set("priority", str(offset))
        formula = etree.SubElement(element, q("formula"))
        formula.text = planned.formula[1:] if planned.formula.startswith("=") else planned.formula
    insert(part.tree, block)


# --- dropdowns --------------------------------------------------------------------------


def set_dropdown(part: SheetPart, sqref: str, dropdown: DropDown) -> None:
    """A list validation on `sqref`, replacing one set before on exactly those cells."""
    validations = part.find("dataValidations")
    if validations is None:
        validations = etree.Element(q("dataValidations"))
        insert(part.tree, validations)
    for existing in validations.findall(q("dataValidation")):
        if existing.get("sqref") == sqref:
            validations.remove(existing)
    element = etree.SubElement(validations, q("dataValidation"))
    element.set("type", "list")
    element.set("errorStyle", "stop" if dropdown.strict else "warning")
    element.set("allowBlank", "1")
    element.set("showErrorMessage", "1")
    element.set("sqref", sqref)
    formula = etree.SubElement(element, q("formula1"))
    formula.text = '"' + ",".join(dropdown.values) + '"'
    validations.set("count", str(len(validations.findall(q("dataValidation")))))


# --- columns ----------------------------------------------------------------------------


def _default_width(part: SheetPart) -> str:
    fmt = part.find("sheetFormatPr")
    if fmt is not None and fmt.get("defaultColWidth"):
        return fmt.get("defaultColWidth", "")
    base = fmt.get("baseColWidth") if fmt is not None else None
    # Excel's column width for a base of 8 characters of the default font.
    return str((int(base) if base and base.isdigit() else DEFAULT_BASE_WIDTH) + 1.140625)


def _column(part: SheetPart, col: int) -> etree._Element:
    """The `<col>` of exactly one column, split out of a wider one when needed."""
    cols = part.find("cols")
    if cols is None:
        cols = etree.Element(q("cols"))
        insert(part.tree, cols)
    number = col + 1
    for element in cols.findall(q("col")):
        low, high = int(element.get("min", "0")), int(element.get("max", "0"))
        if not low <= number <= high:
            continue
        if low == high:
            return element
        # Split the user's range so that only this column changes; the pieces keep
        # every attribute of the original (width, style, hidden, outline level).
        index = cols.index(element)
        pieces = [(low, number - 1), (number, number), (number + 1, high)]
        cols.remove(element)
        single = element
        for offset, (a, b) in enumerate(p for p in pieces if p[0] <= p[1]):
            piece = copy.deepcopy(element)
            piece.set("min", str(a))
            piece.set("max", str(b))
            cols.insert(index + offset, piece)
            if a == number:
                single = piece
        return single
    element = etree.Element(q("col"))
    element.set("min", str(number))
    element.set("max", str(number))
    element.set("width", _default_width(part))
    later = [e for e in cols.findall(q("col")) if int(e.get("min", "0")) > number]
    if later:
        cols.insert(cols.index(later[0]), element)
    else:
        cols.append(element)
    return element


def restyle_column(part: SheetPart, col: int, styles: Styles, change: Restyle) -> None:
    element = _column(part, col)
    new = styles.derive(int(element.get("style", "0")), change)
    element.set("style", str(new))


def set_width(part: SheetPart, col: int, pixels: int) -> None:
    element = _column(part, col)
    element.set("width", str(max(1.0, round(pixels / PIXELS_PER_CHAR, 1))))
    element.set("customWidth", "1")


# --- frozen rows ----------------------------------------------------------------------


def set_frozen_rows(part: SheetPart, rows: int) -> None:
    views = part.find("sheetViews")
    if views is None:
        views = etree.Element(q("sheetViews"))
        etree.SubElement(views, q("sheetView"), workbookViewId="0")
        insert(part.tree, views)
    for view in views.findall(q("sheetView")):
        _freeze(view, rows)


def _freeze(view: etree._Element, rows: int) -> None:
    pane = view.find(q("pane"))
    frozen = pane is not None and pane.get("state") in ("frozen", "frozenSplit")
    cols = int(float(pane.get("xSplit", "0"))) if pane is not None and frozen else 0
    if pane is not None and not frozen:
        view.remove(pane)  # a plain split is replaced by the freeze
        pane = None
    if rows == 0 and cols == 0:
        if pane is not None:
            view.remove(pane)
        active = None
    else:
        if pane is None:
            pane = etree.Element(q("pane"))
            view.insert(0, pane)
        if rows:
            pane.set("ySplit", str(rows))
        else:
            pane.attrib.pop("ySplit", "")
        active = "bottomRight" if rows and cols else "bottomLeft" if rows else "topRight"
        pane.set("topLeftCell", cell_name(rows, cols))
        pane.set("activePane", active)
        pane.set("state", "frozen")
    allowed = {"bottomRight", "bottomLeft", "topRight"} if rows and cols else {active}
    for selection in view.findall(q("selection")):
        if selection.get("pane") not in (None, "topLeft") and selection.get("pane") not in allowed:
            view.remove(selection)
    if active is not None and not any(
        s.get("pane") == active for s in view.findall(q("selection"))
    ):
        selection = etree.Element(q("selection"))
        selection.set("pane", active)
        selection.set("activeCell", cell_name(rows, cols))
        selection.set("sqref", cell_name(rows, cols))
        assert pane is not None
        view.insert(view.index(pane) + 1, selection)


# --- merged cells ---------------------------------------------------------------------


def check_merged(part: SheetPart, title: str, cells: Iterable[tuple[int, int]]) -> None:
    """Refuse a value inside a merged range other than its top-left cell."""
    boxes = part.merged()
    if not boxes:
        return
    rows_by_col: dict[int, list[int]] = {}
    for row, col in cells:
        rows_by_col.setdefault(col, []).append(row)
    for rows in rows_by_col.values():
        rows.sort()
    for box in boxes:
        for col, rows in rows_by_col.items():
            if not box.left <= col <= box.right:
                continue
            inside = rows[bisect.bisect_left(rows, box.top) : bisect.bisect_right(rows, box.bottom)]
            for row in inside:
                if (row, col) != (box.top, box.left):
                    _refuse_merged(title, row, col, box)


def _refuse_merged(title: str, row: int, col: int, box: Box) -> None:
    raise DataError(
        f"'{title}'!{cell_name(row, col)} is inside the merged cells {box.a1()}, so it "
        f"cannot hold a value of its own. Unmerge {box.a1()} in Excel or LibreOffice, "
        "then sync again; nothing was written."
    )
