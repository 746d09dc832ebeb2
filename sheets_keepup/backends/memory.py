"""An in-memory spreadsheet with real behaviour, for tests and for trying things out."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sheets_keepup.backends.base import BackendBase
from sheets_keepup.core.errors import SheetChangedError
from sheets_keepup.core.model import (
    CellValue,
    ChangeSet,
    DropDown,
    Highlight,
    SheetData,
    Tab,
    TabSetup,
)


@dataclass
class MemoryBackend(BackendBase):
    """Tabs held as lists of rows, with cell backgrounds keyed by (tab, row, col).

    Sheet-level formatting is kept as plain dicts: `frozen` rows per tab, and the date
    `number_formats`, `dropdowns` and `widths` keyed by (tab, col). `highlights` holds
    the tool's conditional formats per tab; `owned_tabs` and `owned_columns` what the tool
    marked as its own.

    `writes` counts applied change sets, so tests can assert "no write at all";
    `requests` is reads plus writes.
    `before_apply` lets a test edit the sheet between the read and the write.
    """

    tabs: dict[str, list[list[CellValue]]]
    backgrounds: dict[tuple[str, int, int], str] = field(default_factory=dict)
    links: dict[tuple[str, int, int], str] = field(default_factory=dict)
    """(tab, row, col) -> the URL the cell links to."""
    locale: str | None = "en_GB"
    writes: int = 0
    reads: int = 0
    before_apply: list[object] = field(default_factory=list)
    frozen: dict[str, int] = field(default_factory=dict)
    number_formats: dict[tuple[str, int], str] = field(default_factory=dict)
    dropdowns: dict[tuple[str, int], DropDown] = field(default_factory=dict)
    widths: dict[tuple[str, int], int] = field(default_factory=dict)
    first_rows: dict[str, int] = field(default_factory=dict)
    bold_rows: dict[str, int] = field(default_factory=dict)
    wrapped: dict[str, set[int]] = field(default_factory=dict)
    highlights: dict[str, Highlight] = field(default_factory=dict)
    owned_tabs: set[str] = field(default_factory=set)
    owned_columns: dict[str, set[int]] = field(default_factory=dict)

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

    def tab_titles(self) -> list[str]:
        return list(self.tabs)

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
                highlight=self.highlights.get(title),
                owned_columns=frozenset(self.owned_columns.get(title, ())),
            )
        return SheetData(
            tabs=found,
            locale=self.locale,
            title="memory",
            owned_tabs=frozenset(self.owned_tabs & set(self.tabs)),
            titles=list(self.tabs),
        )

    def apply(self, changes: ChangeSet) -> None:
        for hook in self.before_apply:
            if callable(hook):
                hook(self)
        # Check every tab first: a refused write changes nothing at all.
        for part in changes.all_tabs():
            self._check(part)
        for part in changes.all_tabs():
            self._apply_tab(part)
        self.writes += 1

    def _check(self, changes: ChangeSet) -> None:
        rows = self.tabs.get(changes.tab)
        if rows is None:
            if changes.create_tab:
                return
            raise SheetChangedError(f"Tab '{changes.tab}' disappeared before the write.")
        if changes.identity is not None:
            for row, expected in changes.identity.rows.items():
                current = rows[row] if row < len(rows) else []
                if changes.identity.of(current) != expected:
                    raise SheetChangedError(
                        f"Row {row + 1} of '{changes.tab}' changed while syncing."
                    )

    def _apply_tab(self, changes: ChangeSet) -> None:
        if changes.create_tab or changes.tab not in self.tabs:
            self.owned_tabs.add(changes.tab)
        rows = self.tabs.setdefault(changes.tab, [])
        if changes.replace:
            rows.clear()
            for key in [k for k in self.backgrounds if k[0] == changes.tab]:
                del self.backgrounds[key]
            for key in [k for k in self.links if k[0] == changes.tab]:
                del self.links[key]
        elif changes.links:
            raise ValueError("links are written only in a tab the tool rewrites whole")
        for link in changes.links:
            self.links[(changes.tab, link.row, link.col)] = link.url
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
        self.owned_columns.setdefault(changes.tab, set()).update(changes.mark_columns)
        if changes.highlight is not None:
            if changes.highlight.rules:
                self.highlights[changes.tab] = changes.highlight
            else:
                self.highlights.pop(changes.tab, None)
        if changes.setup is not None:
            self._set_up(changes.tab, changes.setup)

    def _set_up(self, tab: str, setup: TabSetup) -> None:
        if setup.frozen_rows is not None:
            self.frozen[tab] = setup.frozen_rows
        if setup.date_columns or setup.dropdowns:
            self.first_rows[tab] = setup.first_row
        for col in setup.date_columns:
            self.number_formats[(tab, col)] = setup.date_pattern
        for dropdown in setup.dropdowns:
            self.dropdowns[(tab, dropdown.col)] = dropdown
        for col, pixels in setup.widths.items():
            self.widths[(tab, col)] = pixels
        if setup.bold_rows:
            self.bold_rows[tab] = setup.bold_rows
        self.wrapped.setdefault(tab, set()).update(setup.wrap_columns)

    def tab_setup(self, tab: str) -> TabSetup:
        """The formatting applied to `tab` so far, in the form a ChangeSet sets it."""
        return TabSetup(
            frozen_rows=self.frozen.get(tab, 0),
            first_row=self.first_rows.get(tab, 1),
            date_columns=sorted(c for t, c in self.number_formats if t == tab),
            dropdowns=sorted(
                (d for (t, _), d in self.dropdowns.items() if t == tab), key=lambda d: d.col
            ),
            widths={c: w for (t, c), w in self.widths.items() if t == tab},
            bold_rows=self.bold_rows.get(tab, 0),
            wrap_columns=sorted(self.wrapped.get(tab, ())),
        )
