"""One interface over the local backends, so every reliability property runs on each.

A `Target` builds a spreadsheet from rows, opens a fresh backend on it (as a new process
would), and reads every cell back exactly as stored, so tests compare the whole sheet
before and after without trusting the code under test.

Hypothesis profiles are registered here (every reliability test imports this module
first): `HYPOTHESIS_PROFILE=ci` draws the same examples on every run (derandomize), so a
CI failure reproduces locally; `thorough` draws ten times as many for a manual soak.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core_helpers import HEADERS
from core_helpers import TODAY as TODAY  # re-exported for the reliability tests
from hypothesis import HealthCheck, settings
from openpyxl import load_workbook

from sheets_keepup.backends import Backend
from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_keepup.core.model import CellValue
from sheets_keepup.core.settings import Config, config_from_mapping

OWNED_HEADERS = ("Next action", "Due", "Status")
FORMULA_STARTS = ("=", "+", "-", "@")

Cells = dict[tuple[str, int, int], Any]
"""Every non-empty cell as (tab, 0-based row, 0-based col) -> value."""

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "reliability")
SCALE = 10 if PROFILE == "thorough" else 1
_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
settings.register_profile("reliability", deadline=None, suppress_health_check=_SLOW_IS_FINE)
settings.register_profile(
    "ci", deadline=None, suppress_health_check=_SLOW_IS_FINE, derandomize=True, database=None
)
settings.register_profile("thorough", deadline=None, suppress_health_check=_SLOW_IS_FINE)
settings.load_profile(PROFILE if PROFILE in ("ci", "thorough") else "reliability")


def examples(count: int) -> int:
    """Per-test example budget, scaled up by the `thorough` profile."""
    return count * SCALE


def make_config(path: Path | str = "contacts.xlsx", **overrides: Any) -> Config:
    data: dict[str, Any] = {"source": {"kind": "xlsx", "path": str(path)}}
    data.update(overrides)
    return config_from_mapping(data)


class Target:
    """A spreadsheet under test on one backend."""

    name = "abstract"

    def backend(self) -> Backend:
        raise NotImplementedError

    def cells(self) -> Cells:
        raise NotImplementedError

    def backgrounds(self) -> dict[tuple[str, int, int], str | None]:
        raise NotImplementedError

    def write_stamp(self) -> object:
        """Changes whenever anything is written."""
        raise NotImplementedError

    def config(self, **overrides: Any) -> Config:
        return make_config(**overrides)


class MemoryTarget(Target):
    name = "memory"

    def __init__(self, tabs: Mapping[str, Sequence[Sequence[CellValue]]]) -> None:
        self.sheet = MemoryBackend.from_rows(tabs)

    def backend(self) -> MemoryBackend:
        return self.sheet

    def cells(self) -> Cells:
        return {
            (tab, r, c): value
            for tab, rows in self.sheet.tabs.items()
            for r, row in enumerate(rows)
            for c, value in enumerate(row)
            if value not in (None, "")
        }

    def backgrounds(self) -> dict[tuple[str, int, int], str | None]:
        return dict(self.sheet.backgrounds)

    def write_stamp(self) -> object:
        return self.sheet.writes


class XlsxTarget(Target):
    name = "xlsx"

    def __init__(self, folder: Path, tabs: Mapping[str, Sequence[Sequence[CellValue]]]) -> None:
        self.path = folder / "contacts.xlsx"
        write_new_workbook(self.path, tabs, overwrite=True)

    def backend(self) -> XlsxBackend:
        return XlsxBackend(self.path)

    def cells(self) -> Cells:
        """Values as stored: formulas as their text, with the cell's data type."""
        book = load_workbook(self.path)
        return {
            (sheet.title, c.row - 1, c.column - 1): (c.value, c.data_type)
            for sheet in book.worksheets
            for row in sheet.iter_rows()
            for c in row
            if c.value not in (None, "")
        }

    def backgrounds(self) -> dict[tuple[str, int, int], str | None]:
        book = load_workbook(self.path)
        found: dict[tuple[str, int, int], str | None] = {}
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for c in row:
                    if c.fill is not None and c.fill.fill_type == "solid":
                        found[(sheet.title, c.row - 1, c.column - 1)] = (
                            "#" + str(c.fill.fgColor.rgb)[-6:].upper()
                        )
        return found

    def write_stamp(self) -> object:
        info = self.path.stat()
        return (info.st_mtime_ns, info.st_ino, self.path.read_bytes())

    def config(self, **overrides: Any) -> Config:
        return make_config(self.path, **overrides)


@contextmanager
def target(kind: str, tabs: Mapping[str, Sequence[Sequence[CellValue]]]) -> Iterator[Target]:
    """A fresh target of `kind` holding `tabs` (xlsx in its own temporary folder)."""
    if kind == "memory":
        yield MemoryTarget(tabs)
        return
    if kind == "google":
        yield GoogleTarget(tabs)
        return
    with tempfile.TemporaryDirectory(prefix="keepup-") as folder:
        yield XlsxTarget(Path(folder), tabs)


def changed_cells(before: Cells, after: Cells) -> set[tuple[str, int, int]]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def person(name: str, **fields: Any) -> list[Any]:
    """One contact row in HEADERS order; keyword names are snake_case headers."""
    keys = [h.lower().replace(" ", "_") for h in HEADERS]
    unknown = set(fields) - set(keys)
    assert not unknown, unknown
    return [name, *(fields.get(k) for k in keys[1:])]


def contacts(*people: Sequence[Any]) -> list[list[Any]]:
    return [list(HEADERS), *[list(p) for p in people]]


# --- Google, through the offline Sheets API fake -----------------------------------------

_SERVER: Any = None


def sheets_server() -> Any:
    """One offline Sheets API server for the whole run, on 127.0.0.1."""
    global _SERVER
    if _SERVER is None:
        import atexit

        from fakesheets import FakeSheetsServer

        _SERVER = FakeSheetsServer().start()
        atexit.register(_SERVER.stop)
    return _SERVER


class GoogleTarget(Target):
    """A spreadsheet on the offline Sheets API; cells read from its stored CellData."""

    name = "google"

    def __init__(self, tabs: Mapping[str, Sequence[Sequence[CellValue]]], **options: Any) -> None:
        from fake_google import FakeGoogle

        self.server = sheets_server()
        self.fake = FakeGoogle(self.server)
        self.key = self.fake.create(tabs)
        self.options = options

    def backend(self) -> Any:
        return self.fake.backend(self.key, **self.options)

    def _sheets(self) -> list[Any]:
        return list(self.server.state.get(self.key).sheets)

    def cells(self) -> Cells:
        """Entered value and number format of every cell, as the API stores them."""
        found: Cells = {}
        with self.server.state.lock:
            for sheet in self._sheets():
                for (r, c), cell in sheet.cells.items():
                    entered = cell.get("userEnteredValue")
                    if entered:
                        fmt = (cell.get("userEnteredFormat") or {}).get("numberFormat")
                        found[(sheet.title, r, c)] = repr((entered, fmt))
        return found

    def backgrounds(self) -> dict[tuple[str, int, int], str | None]:
        found: dict[tuple[str, int, int], str | None] = {}
        with self.server.state.lock:
            for sheet in self._sheets():
                for (r, c), cell in sheet.cells.items():
                    colour = (cell.get("userEnteredFormat") or {}).get("backgroundColor")
                    if colour is not None:
                        found[(sheet.title, r, c)] = repr(colour)
        return found

    def write_stamp(self) -> object:
        return self.server.request_count(method="POST", path_contains=self.key, kind="write")

    def writes(self) -> list[Any]:
        """Bodies of every write request sent for this spreadsheet."""
        return [
            r.body
            for r in self.server.find_requests(method="POST", path_contains=self.key, kind="write")
        ]
