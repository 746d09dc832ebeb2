"""One atomic write: the change sets of an apply turned into new bytes for the few
parts they touch (sheets, styles, workbook, calcChain); every other part stays as is."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from lxml import etree

from sheets_keepup.backends.xlsx.formats import (
    check_merged,
    restyle_column,
    set_dropdown,
    set_frozen_rows,
    set_width,
    write_highlight,
)
from sheets_keepup.backends.xlsx.links import set_links, sheet_rels_part
from sheets_keepup.backends.xlsx.package import (
    CALC_CHAIN,
    STYLES,
    STYLES_CONTENT,
    Book,
    Package,
    SheetEntry,
    parse_xml,
    to_xml,
)
from sheets_keepup.backends.xlsx.refs import MAX_COLS, MAX_ROWS, cell_name, column_letter
from sheets_keepup.backends.xlsx.sheet import EMPTY_SHEET, SheetEdit, SheetPart
from sheets_keepup.backends.xlsx.styles import Restyle, Styles
from sheets_keepup.core.errors import DataError, SheetChangedError
from sheets_keepup.core.model import (
    CellLink,
    CellValue,
    ChangeSet,
    DropDown,
    TabSetup,
    WriteValue,
)

Rows = list[list[CellValue]]
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
MAX_TITLE = 31


@dataclass
class Parts:
    """What the write puts in the new package."""

    replaced: dict[str, bytes] = field(default_factory=dict)
    added: dict[str, bytes] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)


class BookEdit:
    """Collects the change sets of one apply; `finish` gives the parts to write."""

    def __init__(self, package: Package, rows_of: Callable[[str], Rows]) -> None:
        self.package = package
        self.book = Book(package)
        self.entries = self.book.sheets()
        self.rows_of = rows_of
        self.sheets: dict[str, bytes] = {}
        self.rels: dict[str, bytes] = {}
        self.dropped: dict[int, set[str]] = {}
        self.cleared: set[int] = set()
        self._styles: Styles | None = None
        self._styles_part = self.book.part_of(STYLES)

    @property
    def styles(self) -> Styles:
        if self._styles is None:
            part = self._styles_part
            data = self.package.read(part) if part and self.package.has(part) else None
            self._styles = Styles(data)
        return self._styles

    def _bytes_of(self, entry: SheetEntry) -> bytes:
        if entry.part in self.sheets:
            return self.sheets[entry.part]
        if entry.part in self.book.added:
            return self.book.added[entry.part]
        return self.package.read(entry.part)

    # --- one change set ---------------------------------------------------------------

    def apply(self, change: ChangeSet) -> None:
        entry, created = self._target(change)
        current = self.book.marks().get(entry.index)
        if change.create_tab and (current is None or not current.whole):
            # A tab the tool creates is marked; so is one an older version created (the
            # app recognised it by its header) on its next write.
            known = current.columns if current is not None else frozenset()
            self.book.set_mark(entry, whole=True, columns=known)
        if change.links and not change.replace:
            raise ValueError("links are written only in a tab the tool rewrites whole")
        rows: Rows = [] if created else self.rows_of(entry.title)
        _check_identity(change, rows)
        edit = _sheet_edit(change, [] if change.replace else rows)
        if change.replace:
            # Only ever a tab the tool owns (the app checks): it is made anew, so nothing
            # of an older layout (merged cells, stale formats) can get in the way.
            part = SheetPart(EMPTY_SHEET)
            self.cleared.add(entry.sheet_id)
            self._link(entry, part, change.links)
            edit.links = frozenset((link.row, link.col) for link in change.links)
        else:
            part = SheetPart(self._bytes_of(entry))
            check_merged(part, entry.title, edit.values)
        if change.highlight is not None:
            write_highlight(part, change.highlight, self.styles)
        if change.setup is not None:
            self._set_up(part, change.setup, edit)
        if change.mark_columns:
            self._mark_columns(entry, change.mark_columns)
        touches_sheet = (
            (change.cells or change.fills or change.appends or change.replace or created)
            or change.highlight is not None
            or change.setup
        )
        if touches_sheet:
            data, dropped = part.build(edit, self.styles)
            self.sheets[entry.part] = data
            if dropped:
                self.dropped.setdefault(entry.sheet_id, set()).update(dropped)

    def _target(self, change: ChangeSet) -> tuple[SheetEntry, bool]:
        for entry in self.entries:
            if entry.title == change.tab:
                if not entry.is_worksheet:
                    raise DataError(f"'{change.tab}' is a chart sheet, not a sheet of cells.")
                return entry, False
        if not change.create_tab:
            raise SheetChangedError(f"Tab '{change.tab}' disappeared before the write.")
        for entry in self.entries:
            if entry.title.casefold() == change.tab.casefold():
                raise DataError(
                    f"Cannot add the tab '{change.tab}': the workbook has a tab '{entry.title}', "
                    "and Excel does not allow two names that differ only in case. Rename "
                    "that tab, or set the tab's name in the config to match it exactly."
                )
        _check_title(change.tab)
        entry = self.book.add_sheet(change.tab, EMPTY_SHEET)
        self.entries.append(entry)
        return entry, True

    def _link(self, entry: SheetEntry, part: SheetPart, links: Sequence[CellLink]) -> None:
        name, existing = sheet_rels_part(self.package, entry.part)
        if name in self.rels:
            existing = self.rels[name]
        rels = set_links(existing, part, links)
        if rels is not None:
            self.rels[name] = rels

    def _mark_columns(self, entry: SheetEntry, columns: Sequence[int]) -> None:
        current = self.book.marks().get(entry.index)
        whole = current is not None and current.whole
        known = current.columns if current is not None else frozenset()
        self.book.set_mark(entry, whole=whole, columns=known | set(columns))

    def _set_up(self, part: SheetPart, setup: TabSetup, edit: SheetEdit) -> None:
        if setup.frozen_rows is not None:
            set_frozen_rows(part, setup.frozen_rows)
        if setup.date_columns:
            number_format = self.styles.date_format(setup.date_pattern)
            for col in setup.date_columns:
                restyle_column(part, col, self.styles, Restyle(number_format=number_format))
        for dropdown in setup.dropdowns:
            letter = column_letter(dropdown.col)
            set_dropdown(part, f"{letter}{setup.first_row + 1}:{letter}{MAX_ROWS}", dropdown)
        for col in setup.checkboxes:
            # A workbook has no checkbox: a TRUE/FALSE list, warning only, so a typed "x"
            # still counts as a tick (core.done).
            letter = column_letter(col)
            ticks = DropDown(col, ("TRUE", "FALSE"))
            set_dropdown(part, f"{letter}{setup.first_row + 1}:{letter}{MAX_ROWS}", ticks)
        for col, pixels in setup.widths.items():
            set_width(part, col, pixels)
        for col in setup.wrap_columns:
            restyle_column(part, col, self.styles, Restyle(wrap=True))
        edit.bold_rows = setup.bold_rows
        edit.wrap_columns = frozenset(setup.wrap_columns)
        edit.heights = dict(setup.heights)

    # --- the parts to write -------------------------------------------------------------

    def finish(self) -> Parts:
        parts = Parts()
        for name, data in self.sheets.items():
            if name in self.book.added:
                self.book.added[name] = data
            else:
                parts.replaced[name] = data
        if self.dropped or self.cleared:
            self._trim_calc_chain(parts)
        if self._styles is not None and self._styles.modified:
            if self._styles_part is None or not self.package.has(self._styles_part):
                self.book.add_related_part(
                    "xl/styles.xml", self._styles.to_bytes(), STYLES, STYLES_CONTENT
                )
            else:
                parts.replaced[self._styles_part] = self._styles.to_bytes()
        for name, data in self.rels.items():
            (parts.replaced if self.package.has(name) else parts.added)[name] = data
        parts.replaced.update(self.book.serialised())
        parts.added.update(self.book.added)
        parts.removed |= self.book.removed
        return parts

    def _trim_calc_chain(self, parts: Parts) -> None:
        """Forget the formulas the write replaced, so Excel opens without a repair."""
        name = self.book.part_of(CALC_CHAIN)
        if name is None or not self.package.has(name):
            return
        root = parse_xml(self.package.read(name))
        total = len(root)
        sheet = ""
        kept: list[tuple[etree._Element, str]] = []
        for entry in list(root):
            # An entry without `i` belongs to the sheet of the entry before it.
            sheet = entry.get("i") or sheet
            sheet_id = int(sheet) if sheet.isdigit() else -1
            ref = entry.get("r", "").upper()
            if sheet_id in self.cleared or ref in self.dropped.get(sheet_id, ()):
                root.remove(entry)
            else:
                kept.append((entry, sheet))
        if len(kept) == total:
            return  # none of the sheet's formulas was replaced: the part stays as it is
        previous = ""
        for entry, sheet in kept:
            if entry.get("i") is None and sheet != previous:
                entry.set("i", sheet)
            previous = sheet
        if len(root) == 0:
            self.book.remove_part(name, CALC_CHAIN)
        else:
            parts.replaced[name] = to_xml(root)


def _check_title(title: str) -> None:
    if (
        not title.strip()
        or len(title) > MAX_TITLE
        or _BAD_TITLE.search(title)
        or title.startswith("'")
        or title.endswith("'")
    ):
        raise DataError(
            f"Cannot add a tab named '{title}': Excel allows up to {MAX_TITLE} characters, "
            "none of [ ] : * ? / \\, and no ' at either end. Choose another name in the config."
        )


def _check_identity(change: ChangeSet, rows: Rows) -> None:
    identity = change.identity
    if identity is None:
        return
    for row, expected in identity.rows.items():
        current = rows[row] if row < len(rows) else []
        if identity.of(current) != expected:
            raise SheetChangedError(f"Row {row + 1} of '{change.tab}' changed while syncing.")


def _check_bounds(tab: str, row: int, col: int) -> None:
    if col >= MAX_COLS or row >= MAX_ROWS:
        where = "column XFD" if col >= MAX_COLS else f"row {MAX_ROWS}"
        raise DataError(
            f"The sync would write '{tab}'!{cell_name(row, col)}, past {where}, the last an "
            ".xlsx sheet has; nothing was written. Make room on the sheet (delete empty "
            "columns or rows at its end) and sync again."
        )


def _is_value(value: object) -> bool:
    return value is not None and value != ""


def _last_used(rows: Rows, values: dict[tuple[int, int], WriteValue]) -> int:
    """The last row holding a value once `values` are written (-1 when none)."""
    last = max((r for (r, _), v in values.items() if _is_value(v)), default=-1)
    for row in range(len(rows) - 1, last, -1):
        if any(_is_value(v) and (row, c) not in values for c, v in enumerate(rows[row])):
            return row
    return last


def _sheet_edit(change: ChangeSet, rows: Rows) -> SheetEdit:
    edit = SheetEdit(clear=change.replace)
    for cell in change.cells:
        _check_bounds(change.tab, cell.row, cell.col)
        edit.values[(cell.row, cell.col)] = cell.value
    for fill in change.fills:
        if fill.end_col > fill.start_col:
            _check_bounds(change.tab, fill.row, fill.end_col - 1)
        for col in range(fill.start_col, fill.end_col):
            edit.fills[(fill.row, col)] = fill.colour
    first = _last_used(rows, edit.values) + 1
    for offset, line in enumerate(change.appends):
        for col, value in enumerate(line):
            if _is_value(value):
                _check_bounds(change.tab, first + offset, col)
                edit.values[(first + offset, col)] = value
    return edit
