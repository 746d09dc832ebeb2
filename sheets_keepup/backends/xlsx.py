"""Local .xlsx workbooks through openpyxl: the only module that touches xlsx files.

Writes go to a temporary file in the same folder, which is then renamed over the
original, so a crash or a full disk never leaves a half-written workbook.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import _writer as openpyxl_cell_writer
from openpyxl.styles import PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from sheets_keepup.backends.base import BackendBase
from sheets_keepup.core.errors import AccessError, DataError, SheetChangedError
from sheets_keepup.core.model import (
    DATE_PATTERN,
    CellValue,
    ChangeSet,
    DropDown,
    SheetData,
    Tab,
    TabSetup,
)

DATE_FORMAT = DATE_PATTERN
MAX_ROWS = 1_048_576
"""The last row of an xlsx sheet: column-wide formats and dropdowns reach down to it."""
PIXELS_PER_CHAR = 7

_openpyxl_safe_string = openpyxl_cell_writer.safe_string


def _exact_number_string(value: object) -> str:
    """Cell values as openpyxl writes them, except numbers, which keep every digit.

    openpyxl writes numbers with '%.16g': saving a workbook changed the user's
    0.30000000000000004 to 0.3, a 17-digit whole number to 1.234567890123457e+16, and
    the largest floats to inf, which the next save wrote as an empty cell.
    """
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    result: str = _openpyxl_safe_string(value)
    return result


# Installed once for the process: every cell a workbook save writes goes through it.
openpyxl_cell_writer.safe_string = _exact_number_string


@dataclass(frozen=True)
class _Stamp:
    """Enough of a file's stat to notice that someone else saved it meanwhile.

    Modification time and size alone miss a same-size save within the file system's
    timestamp granularity (2 s on FAT and some network shares), or a program that puts
    the old time back. A save that replaces the file changes its inode, and any write
    or rename moves the change time, which no program can set.
    """

    mtime_ns: int
    size: int
    inode: int
    ctime_ns: int

    @classmethod
    def of(cls, path: Path) -> _Stamp:
        info = path.stat()
        return cls(info.st_mtime_ns, info.st_size, info.st_ino, info.st_ctime_ns)


def lock_files(path: Path) -> list[Path]:
    """Lock files that LibreOffice and Excel leave beside a workbook they have open."""
    candidates = [path.with_name(f".~lock.{path.name}#"), path.with_name(f"~${path.name}")]
    return [p for p in candidates if p.exists()]


def _hex(fill: Any) -> str | None:
    if fill is None or fill.fill_type != "solid":
        return None
    rgb = getattr(fill.fgColor, "rgb", None)
    if not isinstance(rgb, str) or len(rgb) not in (6, 8):
        return None
    return "#" + rgb[-6:].upper()


class XlsxBackend(BackendBase):
    """A workbook on disk. Reads keep the workbook open in memory for the write."""

    def __init__(self, path: Path, locale: str | None = None) -> None:
        self.path = Path(path)
        self.locale = locale
        self._book: Workbook | None = None
        self._formula_values: dict[str, dict[tuple[int, int], CellValue]] = {}
        self._stamp: _Stamp | None = None

    def describe(self) -> str:
        return str(self.path)

    def tab_titles(self) -> list[str]:
        # The workbook a read loaded, if any: loading again would also move the stamp
        # that apply checks the file against.
        book = self._book if self._book is not None else self._load()
        return list(book.sheetnames)

    def file_to_create(self) -> Path | None:
        return None if self.path.exists() else self.path

    def read(self, tabs: Sequence[str]) -> SheetData:
        book = self._load()
        found: dict[str, Tab] = {}
        cached: Workbook | None = None
        for title in tabs:
            if title not in book.sheetnames:
                continue
            sheet = book[title]
            rows = [list(r) for r in sheet.iter_rows(values_only=True)]
            formulas = _formula_cells(sheet, rows)
            if formulas:
                # Formulas are kept as written; the rules read the values Excel last saved.
                cached = cached or load_workbook(self.path, data_only=True)
                for r, c in formulas:
                    rows[r][c] = cached[title].cell(r + 1, c + 1).value
            self._formula_values[title] = {(r, c): rows[r][c] for r, c in formulas}
            found[title] = Tab(title, rows, background=_background_reader(sheet))
        return SheetData(tabs=found, locale=self.locale, title=self.path.name)

    def _load(self) -> Workbook:
        if not self.path.exists():
            raise AccessError(f"No workbook at {self.path}. Check source.path in the config.")
        try:
            self._stamp = _Stamp.of(self.path)
            self._book = load_workbook(self.path)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
            raise DataError(f"{self.path} is not a readable .xlsx workbook: {error}") from error
        return self._book

    def apply(self, changes: ChangeSet) -> None:
        if self._book is None or self._stamp is None:
            raise RuntimeError("read() must come before apply()")
        self._check_writable()
        if _Stamp.of(self.path) != self._stamp:
            raise SheetChangedError(f"{self.path} was saved by something else while syncing.")
        book = self._book
        # Check every tab before touching any: a refused write changes nothing.
        for part in changes.all_tabs():
            if part.tab not in book.sheetnames:
                if not part.create_tab:
                    raise SheetChangedError(f"Tab '{part.tab}' disappeared before the write.")
            else:
                _check_identity(book[part.tab], part, self._formula_values.get(part.tab, {}))
        for part in changes.all_tabs():
            if part.tab not in book.sheetnames:
                book.create_sheet(part.tab)
            _apply_tab(book[part.tab], part)
        save_atomically(self._book, self.path)
        self._stamp = _Stamp.of(self.path)

    def _check_writable(self) -> None:
        locks = lock_files(self.path)
        if locks:
            raise AccessError(
                f"{self.path.name} is open in another program (found {locks[0].name}). "
                "Close it there and sync again; nothing was written."
            )
        if not os.access(self.path, os.W_OK) or not os.access(self.path.parent, os.W_OK):
            raise AccessError(f"{self.path} is not writable; nothing was written.")


def _apply_tab(sheet: Any, changes: ChangeSet) -> None:
    if changes.replace and sheet.max_row:
        sheet.delete_rows(1, sheet.max_row)
    for cell in changes.cells:
        _write_cell(sheet.cell(cell.row + 1, cell.col + 1), cell.value)
    for fill in changes.fills:
        pattern = (
            PatternFill(fill_type=None)
            if fill.colour is None
            else PatternFill("solid", fgColor="FF" + fill.colour.lstrip("#"))
        )
        for col in range(fill.start_col, fill.end_col):
            sheet.cell(fill.row + 1, col + 1).fill = pattern
    first_free = _last_used_row(sheet) + 1
    for offset, values in enumerate(changes.appends):
        for col, value in enumerate(values):
            if value is not None:
                _write_cell(sheet.cell(first_free + offset, col + 1), value)
    if changes.setup is not None:
        _set_up(sheet, changes.setup)


def _column_range(col: int, first_row: int) -> str:
    letter = get_column_letter(col + 1)
    return f"{letter}{first_row + 1}:{letter}{MAX_ROWS}"


def _set_up(sheet: Any, setup: TabSetup) -> None:
    """Freeze, date formats, dropdowns and widths, as Excel and LibreOffice show them."""
    if setup.frozen_rows is not None:
        sheet.freeze_panes = f"A{setup.frozen_rows + 1}" if setup.frozen_rows else None
    for col in setup.date_columns:
        letter = get_column_letter(col + 1)
        # The column's own format: cells typed later take it. Existing cells keep
        # theirs (touching each would also create every empty cell down the sheet).
        sheet.column_dimensions[letter].number_format = setup.date_pattern
    for dropdown in setup.dropdowns:
        where = _column_range(dropdown.col, setup.first_row)
        # Setting a dropdown replaces the one set before on the same cells (as in Sheets).
        for existing in list(sheet.data_validations.dataValidation):
            if str(existing.sqref) == where:
                sheet.data_validations.dataValidation.remove(existing)
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(dropdown.values) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="stop" if dropdown.strict else "warning",
        )
        validation.add(where)
        sheet.add_data_validation(validation)
    for col, pixels in setup.widths.items():
        width = max(1.0, round(pixels / PIXELS_PER_CHAR, 1))
        sheet.column_dimensions[get_column_letter(col + 1)].width = width


def read_tab_setup(path: Path, tab: str) -> TabSetup:
    """The freeze, date formats, dropdowns and widths of one tab of a workbook."""
    sheet = load_workbook(path)[tab]
    frozen = sheet.freeze_panes
    frozen_rows = int("".join(ch for ch in frozen if ch.isdigit())) - 1 if frozen else 0
    dates, widths = [], {}
    for letter, dimension in sheet.column_dimensions.items():
        col = _column_index(letter)
        if dimension.number_format == DATE_FORMAT:
            dates.append(col)
        if dimension.customWidth and dimension.width:
            widths[col] = round(dimension.width * PIXELS_PER_CHAR)
    dropdowns = []
    first_row = 1
    for validation in sheet.data_validations.dataValidation:
        if validation.type != "list" or not validation.formula1:
            continue
        first = str(validation.sqref).split(":")[0]
        first_row = int("".join(ch for ch in first if ch.isdigit())) - 1
        values = tuple(validation.formula1.strip('"').split(","))
        strict = validation.errorStyle in (None, "stop") and bool(validation.showErrorMessage)
        dropdowns.append(DropDown(_column_index(first), values, strict))
    return TabSetup(
        frozen_rows=frozen_rows,
        first_row=first_row,
        date_columns=sorted(dates),
        dropdowns=sorted(dropdowns, key=lambda d: d.col),
        widths=widths,
    )


def _column_index(reference: str) -> int:
    letters = "".join(ch for ch in reference if ch.isalpha())
    index: int = column_index_from_string(letters)
    return index - 1


def _formula_cells(sheet: Any, rows: list[list[CellValue]]) -> list[tuple[int, int]]:
    found = []
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            is_text_formula = isinstance(value, str) and value.startswith("=")
            if is_text_formula and sheet.cell(r + 1, c + 1).data_type == "f":
                found.append((r, c))
    return found


def _background_reader(sheet: Any) -> Any:
    # openpyxl computes max_row and max_column by scanning every cell: once, not per call.
    max_row, max_column = sheet.max_row, sheet.max_column

    def background(row: int, col: int) -> str | None:
        if row >= max_row or col >= max_column:
            return None
        return _hex(sheet.cell(row + 1, col + 1).fill)

    return background


def _last_used_row(sheet: Any) -> int:
    """1-based number of the last row holding a value (0 for an empty sheet)."""
    for row in range(sheet.max_row, 0, -1):
        if any(c.value not in (None, "") for c in sheet[row]):
            return row
    return 0


def _check_identity(
    sheet: Any, changes: ChangeSet, formula_values: Mapping[tuple[int, int], CellValue]
) -> None:
    """Check each target row still holds the person it held when read.

    A formula cell (a Name built from first and last name) is compared by the value
    read for it, as the plan saw it, not by its formula text.
    """
    identity = changes.identity
    if identity is None:
        return
    for row, expected in identity.rows.items():
        # Only the identity cells: sheet[row] would rescan the whole sheet for its width.
        values: list[CellValue] = [None] * (
            max(identity.name_col or 0, identity.email_col or 0) + 1
        )
        for col in (identity.name_col, identity.email_col):
            if col is not None:
                cell = sheet.cell(row + 1, col + 1)
                is_formula = cell.data_type == "f"
                values[col] = (
                    formula_values.get((row, col), cell.value) if is_formula else cell.value
                )
        if identity.of(values) != expected:
            raise SheetChangedError(f"Row {row + 1} of '{changes.tab}' changed while syncing.")


def _write_cell(cell: Any, value: object) -> None:
    if isinstance(value, dt.date):
        cell.value = value
        cell.number_format = DATE_FORMAT
        return
    if cell.number_format == DATE_FORMAT:
        # Our date format would show a restored number (or a later text) as a date.
        cell.number_format = "General"
    cell.value = value
    if isinstance(value, str):
        # openpyxl stores any string starting with "=" as a formula; ours are always text.
        cell.data_type = "s"


def save_atomically(book: Workbook, path: Path) -> None:
    """Save to a temporary file beside `path`, then rename it into place."""
    handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        book.save(tmp)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        with open(tmp, "rb") as written:
            os.fsync(written.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_new_workbook(
    path: Path,
    tabs: Mapping[str, Sequence[Sequence[CellValue]]],
    *,
    overwrite: bool = False,
    setups: Mapping[str, TabSetup] | None = None,
) -> None:
    """Create a workbook holding `tabs` (text cells stay text, dates get a date format).

    Each tab's header row is frozen unless `setups` says otherwise for that tab.
    """
    if path.exists() and not overwrite:
        raise AccessError(f"{path} already exists; not overwriting it.")
    book = Workbook()
    book.remove(book.active)
    for title, rows in tabs.items():
        sheet = book.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    _write_cell(sheet.cell(r, c), value)
        sheet.freeze_panes = "A2"
        if setups and title in setups:
            _set_up(sheet, setups[title])
    path.parent.mkdir(parents=True, exist_ok=True)
    save_atomically(book, path)
