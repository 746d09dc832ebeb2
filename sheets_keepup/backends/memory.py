"""An in-memory spreadsheet with real behaviour, for tests and for trying things out."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sheets_keepup.errors import SheetChangedError
from sheets_keepup.model import CellValue, ChangeSet, SheetData, Tab


@dataclass
class MemoryBackend:
    """Tabs held as lists of rows, with cell backgrounds keyed by (tab, row, col).

    `writes` counts applied change sets, so tests can assert "no write at all";
    `requests` is reads plus writes.
    `before_apply` lets a test edit the sheet between the read and the write.
    """

    tabs: dict[str, list[list[CellValue]]]
    backgrounds: dict[tuple[str, int, int], str] = field(default_factory=dict)
    locale: str | None = "en_GB"
    writes: int = 0
    reads: int = 0
    before_apply: list[object] = field(default_factory=list)

    @classmethod
    def from_rows(
        cls, tabs: Mapping[str, Sequence[Sequence[CellValue]]], locale: str | None = "en_GB"
    ) -> MemoryBackend:
        return cls(tabs={t: [list(r) for r in rows] for t, rows in tabs.items()}, locale=locale)

    @property
    def requests(self) -> int:
        """Reads plus writes, the way a remote backend would count its requests."""
        return self.reads + self.writes

    def describe(self) -> str:
        return "in-memory sheet"

    def read(self, tabs: Sequence[str]) -> SheetData:
        self.reads += 1
        found = {}
        for title in tabs:
            if title not in self.tabs:
                continue
            rows = copy.deepcopy(self.tabs[title])
            snapshot = dict(self.backgrounds)
            found[title] = Tab(
                title=title,
                rows=rows,
                background=lambda r, c, t=title, s=snapshot: s.get((t, r, c)),  # type: ignore[misc]
            )
        return SheetData(tabs=found, locale=self.locale, title="memory")

    def apply(self, changes: ChangeSet) -> None:
        for hook in self.before_apply:
            if callable(hook):
                hook(self)
        if changes.tab not in self.tabs and changes.create_tab:
            self.tabs[changes.tab] = []
        rows = self.tabs.get(changes.tab)
        if rows is None:
            raise SheetChangedError(f"Tab '{changes.tab}' disappeared before the write.")
        if changes.identity is not None:
            for row, expected in changes.identity.rows.items():
                current = rows[row] if row < len(rows) else []
                if changes.identity.of(current) != expected:
                    raise SheetChangedError(
                        f"Row {row + 1} of '{changes.tab}' changed while syncing."
                    )
        if changes.replace:
            rows.clear()
            for key in [k for k in self.backgrounds if k[0] == changes.tab]:
                del self.backgrounds[key]
        for cell in changes.cells:
            while len(rows) <= cell.row:
                rows.append([])
            line = rows[cell.row]
            line.extend([None] * (cell.col + 1 - len(line)))
            line[cell.col] = cell.value
        for fill in changes.fills:
            for col in range(fill.start_col, fill.end_col):
                key = (changes.tab, fill.row, col)
                if fill.colour is None:
                    self.backgrounds.pop(key, None)
                else:
                    self.backgrounds[key] = fill.colour
        while rows and not any(v not in (None, "") for v in rows[-1]):
            rows.pop()
        rows.extend(list(r) for r in changes.appends)
        self.writes += 1
