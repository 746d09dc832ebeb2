"""Brand-new workbooks (for `init` and the demo) through openpyxl, which has nothing
to lose on a file it creates, and the read-back of a tab's setup for tests and checks."""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import _writer as openpyxl_cell_writer
from openpyxl.styles import Alignment, Font
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from sheets_keepup.backends.xlsx.formats import PIXELS_PER_CHAR
from sheets_keepup.backends.xlsx.package import OWNED_NAME, mark_text
from sheets_keepup.backends.xlsx.refs import MAX_ROWS
from sheets_keepup.core.errors import AccessError
from sheets_keepup.core.model import DATE_PATTERN, CellValue, DropDown, TabSetup

DATE_FORMAT = DATE_PATTERN

_openpyxl_safe_string = openpyxl_cell_writer.safe_string


def _exact_number_string(value: object) -> str:
    """Cell values as openpyxl writes them, except numbers, which keep every digit.

    openpyxl writes numbers with '%.16g', which changes 0.30000000000000004 to 0.3 and a
    17-digit whole number to 1.234567890123457e+16.
    """
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    result: str = _openpyxl_safe_string(value)
    return result


# Installed once for the process: every cell a new workbook's save writes goes through it.
openpyxl_cell_writer.safe_string = _exact_number_string


def _write_cell(cell: Any, value: object) -> None:
    if isinstance(value, dt.date):
        cell.value = value
        cell.number_format = DATE_FORMAT
        return
    cell.value = value
    if isinstance(value, str):
        # openpyxl stores any string starting with "=" as a formula; ours are always text.
        cell.data_type = "s"


def _column_range(col: int, first_row: int) -> str:
    letter = get_column_letter(col + 1)
    return f"{letter}{first_row + 1}:{letter}{MAX_ROWS}"


def _set_up(sheet: Any, setup: TabSetup) -> None:
    """Freeze, date formats, dropdowns, widths, bold header and wrapping."""
    if setup.frozen_rows is not None:
        sheet.freeze_panes = f"A{setup.frozen_rows + 1}" if setup.frozen_rows else None
    for col in setup.date_columns:
        sheet.column_dimensions[get_column_letter(col + 1)].number_format = setup.date_pattern
    for dropdown in setup.dropdowns:
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(dropdown.values) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="stop" if dropdown.strict else "warning",
        )
        validation.add(_column_range(dropdown.col, setup.first_row))
        sheet.add_data_validation(validation)
    for col, pixels in setup.widths.items():
        width = max(1.0, round(pixels / PIXELS_PER_CHAR, 1))
        sheet.column_dimensions[get_column_letter(col + 1)].width = width
    # Not iter_rows(max_row=0): openpyxl reads 0 as "no limit" and would bold every row.
    for row in sheet.iter_rows(max_row=setup.bold_rows) if setup.bold_rows else ():
        for cell in row:
            cell.font = _bold(cell.font)
    for col in setup.wrap_columns:
        for (cell,) in sheet.iter_rows(min_col=col + 1, max_col=col + 1):
            cell.alignment = Alignment(wrap_text=True)
    for row, pixels in setup.heights.items():
        sheet.row_dimensions[row + 1].height = pixels * 0.75


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
    owned_tabs: Collection[str] = (),
) -> None:
    """Create a workbook holding `tabs` (text cells stay text, dates get a date format).

    Each tab's header row is frozen unless `setups` says otherwise for that tab. The
    tabs named in `owned_tabs` are marked as the tool's, as `apply` marks a tab it adds.
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
        if title in owned_tabs:
            sheet.defined_names[OWNED_NAME] = DefinedName(
                OWNED_NAME, attr_text=mark_text(title, True, ()), hidden=True
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    save_atomically(book, path)


TICK_VALUES = ("TRUE", "FALSE")
"""The list a tick-box column's validation offers in a workbook."""


def read_tab_setup(path: Path, tab: str) -> TabSetup:
    """The freeze, date formats, dropdowns, widths, bold rows and wrapping of one tab."""
    sheet = load_workbook(path)[tab]
    frozen = sheet.freeze_panes
    frozen_rows = int("".join(ch for ch in frozen if ch.isdigit())) - 1 if frozen else 0
    dates, widths, wraps = [], {}, []
    for letter, dimension in sheet.column_dimensions.items():
        col = _column_index(letter)
        for index in range(dimension.min or col + 1, (dimension.max or col + 1) + 1):
            if dimension.number_format == DATE_FORMAT:
                dates.append(index - 1)
            if dimension.customWidth and dimension.width:
                widths[index - 1] = round(dimension.width * PIXELS_PER_CHAR)
            if dimension.alignment is not None and dimension.alignment.wrap_text:
                wraps.append(index - 1)
    dropdowns = []
    checkboxes: list[int] = []
    first_row = 1
    for validation in sheet.data_validations.dataValidation:
        if validation.type != "list" or not validation.formula1:
            continue
        first = str(validation.sqref).split(":")[0]
        first_row = int("".join(ch for ch in first if ch.isdigit())) - 1
        values = tuple(validation.formula1.strip('"').split(","))
        strict = validation.errorStyle in (None, "stop") and bool(validation.showErrorMessage)
        if values == TICK_VALUES:
            checkboxes.append(_column_index(first))  # how a workbook holds tick boxes
            continue
        dropdowns.append(DropDown(_column_index(first), values, strict))
    bold_rows = 0
    for row in sheet.iter_rows():
        filled = [c for c in row if c.value is not None]
        if not filled or not all(c.font is not None and c.font.b for c in filled):
            break
        bold_rows += 1
    return TabSetup(
        frozen_rows=frozen_rows,
        first_row=first_row,
        date_columns=sorted(set(dates)),
        dropdowns=sorted(dropdowns, key=lambda d: d.col),
        widths=widths,
        bold_rows=bold_rows,
        wrap_columns=sorted(set(wraps)),
        checkboxes=sorted(checkboxes),
    )


def _column_index(reference: str) -> int:
    letters = "".join(ch for ch in reference if ch.isalpha())
    index: int = column_index_from_string(letters)
    return index - 1


def _bold(font: Font) -> Font:
    """The cell's font, bold: same face and size (a bare Font would fall back to serif)."""
    return Font(
        name=font.name,
        sz=font.sz,
        family=font.family,
        scheme=font.scheme,
        color=font.color,
        italic=font.italic,
        bold=True,
    )
