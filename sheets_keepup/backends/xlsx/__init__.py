"""Local .xlsx/.xlsm workbooks: the only package that touches workbook files.

A workbook is a zip package of XML parts. Reads take values with python-calamine
(cached formula results included). Writes copy every part the tool has no change in
byte for byte and patch only the rest (the changed rows of a sheet, styles.xml, and
workbook.xml when tabs or marks change), into a temporary file beside the workbook
that is renamed over it once the original is known not to have moved.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sheets_keepup.backends.xlsx.backend import XlsxBackend
from sheets_keepup.backends.xlsx.files import lock_files
from sheets_keepup.backends.xlsx.formats import PIXELS_PER_CHAR
from sheets_keepup.backends.xlsx.refs import MAX_ROWS

if TYPE_CHECKING:
    from sheets_keepup.backends.xlsx.new import (
        DATE_FORMAT,
        read_tab_setup,
        save_atomically,
        write_new_workbook,
    )

_NEW = {"DATE_FORMAT", "read_tab_setup", "save_atomically", "write_new_workbook"}


def __getattr__(name: str) -> Any:
    # Creating a workbook needs openpyxl, which a sync never does: importing it only
    # then keeps 0.2 s and its memory out of every nightly run.
    if name in _NEW:
        return getattr(importlib.import_module("sheets_keepup.backends.xlsx.new"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DATE_FORMAT",
    "MAX_ROWS",
    "PIXELS_PER_CHAR",
    "XlsxBackend",
    "lock_files",
    "read_tab_setup",
    "save_atomically",
    "write_new_workbook",
]
