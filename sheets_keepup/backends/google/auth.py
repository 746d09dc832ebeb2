"""Google credentials: a service-account key, a personal account (OAuth), or the defaults.

Nothing here talks to the Sheets API; it only builds credentials. Credentials and tokens
are never logged and never put into error messages: only paths and the service
account's public email address are.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from sheets_keepup.backends.google.permissions import check_credentials_file
from sheets_keepup.core.errors import AuthError, ConfigError
from sheets_keepup.core.settings import SourceConfig

log = logging.getLogger(__name__)

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
"""Sheets only: sheets-keepup never needs Drive."""

CREDENTIALS_ENV = "GOOGLE_APPLICATION_CREDENTIALS"
TOKEN_FILE = "google-token.json"
CLIENT_SECRET_FILE = "client_secret.json"
_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{20,}$")
_URL_KEY_RE = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")

OAuthFlow = Callable[..., Any]


@dataclass(frozen=True)
class LoadedCredentials:
    """Credentials ready for gspread, and who they act as (for the sharing hint)."""

    credentials: Any
    method: str
    account_email: str | None = None
    source: Path | None = None

    def describe(self) -> str:
        """A short, non-secret description: method, account email and key path."""
        parts = [self.method.replace("_", " ")]
        if self.account_email:
            parts.append(self.account_email)
        if self.source is not None:
            parts.append(f"from {self.source}")
        return ", ".join(parts)


def spreadsheet_key(value: str) -> str:
    """The key of a spreadsheet named by URL or by key.

    >>> spreadsheet_key("https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUv/edit")
    '1AbCdEfGhIjKlMnOpQrStUv'
    """
    text = value.strip()
    match = _URL_KEY_RE.search(text)
    if match:
        return match.group(1)
    if _KEY_RE.match(text):
        return text
    raise ConfigError(
        f"source.spreadsheet {value!r} is neither a Google Sheets URL nor a key. Copy the "
        "address of the sheet from the browser (https://docs.google.com/spreadsheets/d/...)."
    )


def config_dir() -> Path:
    """Per-user config folder (e.g. ~/.config/sheets-keepup), where the OAuth token lives."""
    return Path(platformdirs.user_config_dir("sheets-keepup", appauthor=False))


def load_credentials(
    source: SourceConfig,
    env: Mapping[str, str] | None = None,
    *,
    token_dir: Path | None = None,
    flow: OAuthFlow | None = None,
) -> LoadedCredentials:
    """Credentials for `source.auth`; AuthError says in plain words what is missing."""
    env = dict(os.environ) if env is None else env
    if source.auth == "service_account":
        return service_account_credentials(_key_path(source, env))
    if source.auth == "oauth":
        folder = token_dir or config_dir()
        secret = source.credentials or folder / CLIENT_SECRET_FILE
        return oauth_credentials(secret.expanduser(), folder / TOKEN_FILE, flow=flow)
    return default_credentials()


def _key_path(source: SourceConfig, env: Mapping[str, str]) -> Path:
    if source.credentials is not None:
        return source.credentials.expanduser()
    if env.get(CREDENTIALS_ENV):
        return Path(env[CREDENTIALS_ENV]).expanduser()
    raise AuthError(
        "No service-account key given. Set source.credentials in the config to the JSON key "
        f"file (or set {CREDENTIALS_ENV}). docs/google-sheets.md shows how to create one."
    )


def read_key_file(path: Path) -> dict[str, Any]:
    """The parsed JSON of a service-account key file, checked for the fields Google needs."""
    if not path.exists():
        raise AuthError(f"The credentials file {path} does not exist. Check source.credentials.")
    for warning in check_credentials_file(path):
        log.warning("%s", warning)
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise AuthError(f"Cannot read the credentials file {path}: {error.strerror}.") from None
    except ValueError:
        raise AuthError(
            f"{path} is not a JSON key file. Download a new key for the service account "
            "(Cloud console > IAM & Admin > Service accounts > Keys > Add key > JSON)."
        ) from None
    if not isinstance(info, dict):
        raise AuthError(f"{path} is not a service-account key file.")
    if info.get("type") != "service_account":
        kind = info.get("type") or ("OAuth client" if "installed" in info else "unknown")
        raise AuthError(
            f"{path} is not a service-account key (its type is {kind!r}). Use a service "
            "account's JSON key, or set source.auth: oauth for an OAuth client file."
        )
    missing = [k for k in ("client_email", "private_key", "token_uri") if not info.get(k)]
    if missing:
        raise AuthError(f"{path} lacks {', '.join(missing)}; download a fresh JSON key.")
    return info


def service_account_credentials(path: Path) -> LoadedCredentials:
    """Credentials from a service-account JSON key file."""
    from google.oauth2.service_account import Credentials

    info = read_key_file(path)
    try:
        credentials = Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=list(SCOPES)
        )
    except ValueError:
        raise AuthError(
            f"The private key in {path} cannot be read; download a fresh JSON key."
        ) from None
    return LoadedCredentials(credentials, "service_account", str(info["client_email"]), path)


def oauth_credentials(
    client_secret: Path, token_path: Path, *, flow: OAuthFlow | None = None
) -> LoadedCredentials:
    """A personal account: the cached token, or a browser sign-in the first time.

    The token (which can refresh itself) is cached owner-only in the user's config folder.
    """
    from google.auth.exceptions import GoogleAuthError
    from gspread.auth import load_credentials as load_token
    from gspread.auth import local_server_flow, store_credentials

    try:
        cached = load_token(token_path)
    except (ValueError, OSError):
        cached = None  # a damaged token is replaced by signing in again
    if cached is not None:
        return LoadedCredentials(cached, "oauth", None, token_path)
    if not client_secret.exists():
        raise AuthError(
            f"No OAuth client file at {client_secret}. Create an OAuth client ID of type "
            "'Desktop app' in the Cloud console, download its JSON and set "
            "source.credentials to it (see docs/google-sheets.md)."
        )
    try:
        client_config = json.loads(client_secret.read_text(encoding="utf-8"))
        credentials = (flow or local_server_flow)(client_config=client_config, scopes=SCOPES)
    except (OSError, ValueError, GoogleAuthError) as error:
        raise AuthError(
            f"Signing in with the OAuth client {client_secret} failed: {type(error).__name__}. "
            "Check that it is a 'Desktop app' client JSON and try again."
        ) from None
    token_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    store_credentials(credentials, filename=token_path)
    os.chmod(token_path, 0o600)
    return LoadedCredentials(credentials, "oauth", None, token_path)


def default_credentials() -> LoadedCredentials:
    """Application default credentials (gcloud login, a Cloud VM's account...)."""
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    try:
        credentials, _project = google.auth.default(scopes=list(SCOPES))
    except DefaultCredentialsError:
        raise AuthError(
            "No application default credentials found. Run `gcloud auth application-default "
            "login --scopes=https://www.googleapis.com/auth/spreadsheets,"
            "https://www.googleapis.com/auth/cloud-platform`, or use auth: service_account."
        ) from None
    email = getattr(credentials, "service_account_email", None)
    return LoadedCredentials(
        credentials, "default", email if isinstance(email, str) and "@" in email else None
    )
