"""Where contact sheets live: a Google Sheet, a local workbook, or memory.

Every backend implements `Backend` (see `base`); `open_backend` picks the one the
config names. Backends depend on the core's data types only, never on the app.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from sheets_keepup.backends.base import Backend, BackendBase, WriteStats

if TYPE_CHECKING:
    from sheets_keepup.core.settings import Config

__all__ = ["Backend", "BackendBase", "WriteStats", "open_backend"]


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
