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
from openpyxl.utils.exceptions import InvalidFileException

from sheets_keepup.errors import AccessError, DataError, SheetChangedError
from sheets_keepup.model import CellValue, ChangeSet, SheetData, Tab

DATE_FORMAT = "yyyy-mm-dd"

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


class XlsxBackend:
    """A workbook on disk. Reads keep the workbook open in memory for the write."""

    def __init__(self, path: Path, locale: str | None = None) -> None:
        self.path = Path(path)
        self.locale = locale
        self._book: Workbook | None = None
        self._formula_values: dict[str, dict[tuple[int, int], CellValue]] = {}
        self._stamp: _Stamp | None = None

    def describe(self) -> str:
        return str(self.path)

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
        if changes.tab not in self._book.sheetnames:
            if not changes.create_tab:
                raise SheetChangedError(f"Tab '{changes.tab}' disappeared before the write.")
            self._book.create_sheet(changes.tab)
        sheet = self._book[changes.tab]
        _check_identity(sheet, changes, self._formula_values.get(changes.tab, {}))
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


def _formula_cells(sheet: Any, rows: list[list[CellValue]]) -> list[tuple[int, int]]:
    found = []
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            is_text_formula = isinstance(value, str) and value.startswith("=")
            if is_text_formula and sheet.cell(r + 1, c + 1).data_type == "f":
                found.append((r, c))
    return found


def _background_reader(sheet: Any) -> Any:
    def background(row: int, col: int) -> str | None:
        if row >= sheet.max_row or col >= sheet.max_column:
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
        cells = sheet[row + 1] if row < sheet.max_row else ()
        values = [
            formula_values.get((row, col), cell.value) if cell.data_type == "f" else cell.value
            for col, cell in enumerate(cells)
        ]
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
) -> None:
    """Create a workbook holding `tabs` (text cells stay text, dates get a date format)."""
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
    path.parent.mkdir(parents=True, exist_ok=True)
    save_atomically(book, path)
