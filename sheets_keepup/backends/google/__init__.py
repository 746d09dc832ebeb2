"""Google Sheets through gspread: read in one request, write in one atomic batchUpdate."""

from __future__ import annotations

import logging

import requests

from sheets_keepup.backends.google.backend import GoogleBackend
from sheets_keepup.backends.google.transport import client_for
from sheets_keepup.core.settings import Config

__all__ = ["GoogleBackend", "client_for", "open_google_backend"]

log = logging.getLogger(__name__)


def open_google_backend(config: Config, session: requests.Session | None = None) -> GoogleBackend:
    """The backend for `source.kind: google`: credentials loaded, sheet named by URL or key."""
    from sheets_keepup.backends.google.auth import load_credentials, spreadsheet_key

    source = config.source
    assert source.spreadsheet is not None
    key = spreadsheet_key(source.spreadsheet)
    loaded = load_credentials(source)
    log.debug("using %s credentials", loaded.method)
    return GoogleBackend(
        client_for(loaded.credentials, session),
        key,
        account_email=loaded.account_email,
        credentials_note=loaded.describe(),
        max_retries=source.max_retries,
        timeout_seconds=source.timeout_seconds,
    )
