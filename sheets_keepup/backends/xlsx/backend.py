"""`XlsxBackend`: a workbook on disk, read with python-calamine and written by patching
only the parts a change set touches (see `edit`), then renamed into place."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook

from sheets_keepup.backends.base import BackendBase
from sheets_keepup.backends.xlsx.edit import BookEdit, Rows
from sheets_keepup.backends.xlsx.files import (
    Seen,
    lock_files,
    no_space,
    remove_stale_temporaries,
    replace_atomically,
)
from sheets_keepup.backends.xlsx.formats import read_highlight
from sheets_keepup.backends.xlsx.package import STYLES, Book, Package, SheetEntry, write_package
from sheets_keepup.backends.xlsx.read import BackgroundReader, open_values, read_rows
from sheets_keepup.backends.xlsx.sheet import SheetPart, outline
from sheets_keepup.backends.xlsx.styles import Styles
from sheets_keepup.core.errors import AccessError, DataError
from sheets_keepup.core.model import ChangeSet, SheetData, Tab


@dataclass
class _Read:
    """What the last read saw, kept for the write: the bytes and what was parsed of them."""

    seen: Seen
    package: Package
    book: Book
    rows: dict[str, Rows] = field(default_factory=dict)
    _values: CalamineWorkbook | None = None
    _styles: Styles | None = None

    def values(self) -> CalamineWorkbook:
        if self._values is None:
            self._values = open_values(self.seen.data)
        return self._values

    def rows_of(self, title: str) -> Rows:
        if title not in self.rows:
            self.rows[title] = read_rows(self.values(), title)
        return self.rows[title]

    def styles(self) -> Styles:
        if self._styles is None:
            part = self.book.part_of(STYLES)
            has = part is not None and self.package.has(part)
            self._styles = Styles(self.package.read(part) if has and part else None)
        return self._styles

    def part(self, entry: SheetEntry) -> SheetPart:
        return SheetPart(self.package.read(entry.part))

    def outline(self, entry: SheetEntry) -> SheetPart:
        """The part without its rows: a 50,000-row sheet is 40 MB of XML, and the
        highlight read needs only what follows the rows."""
        return SheetPart(outline(self.package.chunks(entry.part)))

    def kept_part(self, entry: SheetEntry) -> Callable[[], SheetPart]:
        """The part, read on the first call and kept, for the row colours read on demand."""
        found: list[SheetPart] = []

        def part() -> SheetPart:
            if not found:
                found.append(self.part(entry))
            return found[0]

        return part


class XlsxBackend(BackendBase):
    """A workbook on disk. A read keeps the bytes it parsed; apply patches those."""

    def __init__(self, path: Path, locale: str | None = None) -> None:
        self.path = Path(path)
        self.locale = locale
        self._read: _Read | None = None

    def describe(self) -> str:
        return str(self.path)

    def file_to_create(self) -> Path | None:
        return None if self.path.exists() else self.path

    def tab_titles(self) -> list[str]:
        # The read's own view when there was one: the titles the plan saw.
        book = self._read.book if self._read is not None else self._open().book
        return [entry.title for entry in book.sheets()]

    def read(self, tabs: Sequence[str]) -> SheetData:
        state = self._open()
        entries = state.book.sheets()
        marks = state.book.marks()
        found: dict[str, Tab] = {}
        for entry in entries:
            if entry.title not in tabs or not entry.is_worksheet:
                continue
            mark = marks.get(entry.index)
            found[entry.title] = Tab(
                entry.title,
                state.rows_of(entry.title),
                background=BackgroundReader(state.kept_part(entry), state.styles),
                highlight=read_highlight(state.outline(entry), state.styles),
                owned_columns=frozenset() if mark is None else mark.columns,
            )
        self._read = state
        owned = frozenset(e.title for e in entries if (m := marks.get(e.index)) and m.whole)
        return SheetData(
            tabs=found,
            locale=self.locale,
            title=self.path.name,
            owned_tabs=owned,
            titles=[e.title for e in entries],
        )

    def _open(self) -> _Read:
        if not self.path.exists():
            raise AccessError(f"No workbook at {self.path}. Check source.path in the config.")
        try:
            seen = Seen.load(self.path)
        except OSError as error:
            raise AccessError(f"{self.path} cannot be read: {error.strerror}.") from error
        try:
            package = Package(seen.data)
            return _Read(seen, package, Book(package))
        except DataError as error:
            raise DataError(f"{self.path} is not a readable .xlsx workbook: {error}") from error
        except (KeyError, ValueError, SyntaxError) as error:  # lxml's XMLSyntaxError too
            raise DataError(f"{self.path} is not a readable .xlsx workbook: {error}") from error

    def apply(self, changes: ChangeSet) -> None:
        if self._read is None:
            raise RuntimeError("read() must come before apply()")
        if not changes and not any(part.create_tab for part in changes.all_tabs()):
            return
        self._check_writable()
        target = Path(os.path.realpath(self.path))
        remove_stale_temporaries(target)
        state = self._read
        edit = BookEdit(state.package, state.rows_of)
        for part in changes.all_tabs():
            if part or part.create_tab:
                edit.apply(part)
        parts = edit.finish()

        def write(out: object) -> None:
            write_package(state.package, out, parts.replaced, parts.added, parts.removed)  # type: ignore[arg-type]

        replace_atomically(self.path, state.seen, write)
        # What is on disk now is what the next apply builds on, as if read again.
        try:
            seen = Seen.load(self.path)
            package = Package(seen.data)
            self._read = _Read(seen, package, Book(package))
        except OSError as error:
            mapped = no_space(error, self.path)
            if mapped is None:
                raise
            raise mapped from error

    def _check_writable(self) -> None:
        locks = lock_files(self.path)
        if locks:
            raise AccessError(
                f"{self.path.name} is open in another program (found {locks[0].name}). "
                "Close it there and sync again; nothing was written."
            )
        target = Path(os.path.realpath(self.path))
        if not os.access(target, os.W_OK) or not os.access(target.parent, os.W_OK):
            raise AccessError(f"{self.path} is not writable; nothing was written.")
