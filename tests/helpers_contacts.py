"""Backends for the import and log tests: the sample workbook on memory and on xlsx."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sheets_keepup.backends import Backend
from sheets_keepup.backends.base import BackendBase
from sheets_keepup.core.model import ChangeSet, SheetData
from sheets_keepup.core.settings import Config, config_from_mapping

FIXTURES = Path(__file__).parent / "core" / "importers" / "fixtures"
TODAY = dt.date(2026, 11, 23)


def make_config(**overrides: Any) -> Config:
    """A config for an xlsx source, with any top-level keys overridden."""
    data: dict[str, Any] = {"source": {"kind": "xlsx", "path": "contacts.xlsx"}}
    data.update(overrides)
    return config_from_mapping(data)


@dataclass
class Counting(BackendBase):
    """Wraps a backend and records every read and every write it is asked for."""

    inner: Backend
    reads: int = 0
    writes: list[ChangeSet] = field(default_factory=list)

    def describe(self) -> str:
        return self.inner.describe()

    def read(self, tabs: Sequence[str]) -> SheetData:
        self.reads += 1
        return self.inner.read(tabs)

    def apply(self, changes: ChangeSet) -> None:
        self.writes.append(changes)
        self.inner.apply(changes)


def rows_of(backend: Backend, tab: str) -> list[list[Any]]:
    """A tab's values with trailing empty cells and rows trimmed; datetimes as dates."""
    found = backend.read([tab]).tabs[tab]
    trimmed = []
    for row in found.rows:
        values = [v.date() if isinstance(v, dt.datetime) else v for v in row]
        while values and values[-1] in (None, ""):
            values.pop()
        trimmed.append(values)
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed


def same_cells(before: Sequence[Sequence[Any]], after: Sequence[Sequence[Any]]) -> bool:
    """True when every non-empty cell of `before` holds the same value in `after`."""
    for r, row in enumerate(before):
        for c, value in enumerate(row):
            if value in (None, ""):
                continue
            now = after[r][c] if r < len(after) and c < len(after[r]) else None
            if now != value:
                return False
    return True
