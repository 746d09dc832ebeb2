"""Where contact sheets live. Every backend implements `Backend`.

A backend reads the tabs it is asked for in as few requests as it can and applies a
`ChangeSet` atomically: all of it, or nothing. It knows nothing of the rules.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from sheets_keepup.core.model import ChangeSet, SheetData

if TYPE_CHECKING:
    from sheets_keepup.core.settings import Config


@runtime_checkable
class Backend(Protocol):
    """A spreadsheet the sync can read from and write to."""

    def describe(self) -> str:
        """A short, non-secret description of the target, e.g. the workbook path."""
        ...

    def read(self, tabs: Sequence[str]) -> SheetData:
        """Read the named tabs (missing ones are simply absent from the result)."""
        ...

    def apply(self, changes: ChangeSet) -> None:
        """Write all of `changes` or nothing.

        Raises SheetChangedError when the sheet moved since `read` (rows inserted,
        sorted, deleted) so that the caller can plan again from fresh data.
        """
        ...


def open_backend(config: Config) -> Backend:
    """The backend the config names."""
    if config.source.kind == "xlsx":
        from sheets_keepup.backends.xlsx import XlsxBackend

        assert config.source.path is not None
        return XlsxBackend(config.source.path, locale=config.dates.locale)
    # Imported by name so that xlsx users never import gspread and google-auth.
    google = importlib.import_module("sheets_keepup.backends.google")
    backend: Backend = google.open_google_backend(config)
    return backend
