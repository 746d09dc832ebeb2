"""Talking to Google: the gspread client, retries, and what an API error means to the user."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import gspread
import requests
from gspread.exceptions import APIError
from tenacity import (
    RetryCallState,
)

from sheets_keepup.core.errors import (
    AuthError,
    NetworkError,
    UserError,
)

log = logging.getLogger(__name__)
if TYPE_CHECKING:
    pass


COMPACT = {"prettyPrint": "false"}
"""Google indents its JSON by default; a grid read is far smaller without it."""


TRANSIENT_STATUS = (408, 429, 500, 502, 503, 504)


def _status(error: APIError) -> int:
    response = getattr(error, "response", None)
    code = getattr(response, "status_code", None)
    return int(code) if isinstance(code, int) else int(error.code)


def is_transient(error: BaseException) -> bool:
    """Worth retrying: 408, 429, 5xx, timeouts, dropped connections."""
    if isinstance(error, APIError):
        return _status(error) in TRANSIENT_STATUS
    if isinstance(error, requests.ConnectionError | requests.Timeout):
        return True
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return True
    from google.auth.exceptions import TransportError

    return isinstance(error, TransportError)


def surely_not_applied(error: BaseException) -> bool:
    """Failures after which Google certainly did nothing: quota refusals, no connection."""
    if isinstance(error, APIError):
        return _status(error) == 429
    return isinstance(error, requests.exceptions.ConnectTimeout) or (
        isinstance(error, requests.ConnectionError)
        and not isinstance(error, requests.exceptions.ChunkedEncodingError | requests.ReadTimeout)
        and "RemoteDisconnected" not in str(error)
        and "Connection aborted" not in str(error)
    )


def _auth_error(error: Exception) -> UserError | None:
    from google.auth.exceptions import RefreshError, TransportError

    if isinstance(error, RefreshError):
        # The reason ("invalid_grant", ...) names no secret; the key itself never appears.
        reason = str(error.args[0]) if error.args else type(error).__name__
        return AuthError(
            f"Google refused the credentials ({reason.split(':')[0]}). The key may have been "
            "deleted or the sign-in revoked; create a new key or sign in again."
        )
    if isinstance(error, TransportError):
        return NetworkError("Google's sign-in service could not be reached; run again later.")
    return None


def _nothing_written(what: str) -> str:
    return "Nothing was written." if what.startswith("write") else "Nothing was changed."


def _log_retry(state: RetryCallState) -> None:
    outcome = state.outcome
    error = outcome.exception() if outcome is not None else None
    label = f"{_status(error)}" if isinstance(error, APIError) else type(error).__name__
    log.info("request failed (%s), retry %d", label, state.attempt_number)


def client_for(credentials: Any, session: requests.Session | None = None) -> gspread.Client:
    """A gspread Client; with a session, it is used as is (tests, the offline demo)."""
    if session is not None:
        return gspread.Client(auth=None, session=session)  # type: ignore[arg-type]
    return gspread.Client(auth=credentials)
