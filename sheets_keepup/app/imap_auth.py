"""Signing in to the IMAP server: a password, or an OAuth 2 access token (XOAUTH2).

The secret is obtained before the connection opens, so a missing password or a refused
token renewal stops the run before the mail server is contacted. Three sources:

- `auth: password`: the environment variable `password_env` names;
- `auth: oauth2` with `oauth_credentials`: a Google authorized-user file (client id,
  client secret, refresh token), renewed with google-auth for the `https://mail.google.com/`
  scope each run;
- `auth: oauth2` with `token_command`: whatever a helper program (oama, mutt_oauth2.py...)
  prints, the way mutt, isync and aerc take Microsoft 365 tokens.

No secret is ever logged or put in an error message: errors name the file, the program
or the server and say what to do.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from imapclient import IMAPClient  # type: ignore[import-untyped]
from imapclient.exceptions import LoginError  # type: ignore[import-untyped]

from sheets_keepup.core.errors import AuthError, ConfigError, NetworkError
from sheets_keepup.core.settings import MailScanConfig

MAIL_SCOPE = "https://mail.google.com/"
"""The only scope Google accepts for IMAP; narrower Gmail scopes do not cover it."""

_GOOGLE_TOKEN_URIS = frozenset(
    {"https://oauth2.googleapis.com/token", "https://accounts.google.com/o/oauth2/token"}
)
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_REFRESH_HINTS = {
    "invalid_grant": "it was revoked or has expired; sign in again to make a new file",
    "invalid_client": "its client_id or client_secret is wrong, or the OAuth client was deleted",
    "invalid_scope": f"it does not grant mail access ({MAIL_SCOPE}); sign in again asking "
    "for that scope",
    "unauthorized_client": "the OAuth client may not use this sign-in; check its type "
    "(Desktop app) in the Cloud console",
}


@dataclass(frozen=True)
class Secret:
    """What signs in: a password or an access token. Its repr never shows the value."""

    kind: Literal["password", "oauth2"]
    value: str = field(repr=False)


def secret_for(config: MailScanConfig, env: Mapping[str, str]) -> Secret:
    """The password or a fresh access token, as `config.auth` says."""
    if config.auth == "password":
        return Secret("password", _password(config, env))
    if config.oauth_credentials is not None:
        return Secret("oauth2", google_access_token(config.oauth_credentials, config))
    if config.token_command is not None:
        return Secret("oauth2", command_token(config.token_command, config, env))
    raise ConfigError("touches.mail auth: oauth2 needs oauth_credentials or token_command.")


def sign_in(imap: IMAPClient, config: MailScanConfig, secret: Secret, where: str) -> None:
    """LOGIN with the password, or AUTHENTICATE XOAUTH2 with the token.

    A server that does not list XOAUTH2 among its mechanisms is never sent the token.
    imapclient's LoginError carries the server's answer, which is not shown: an answer
    may quote what was sent.
    """
    if secret.kind == "password":
        try:
            imap.login(config.username, secret.value)
        except LoginError:
            raise AuthError(
                f"The mail server {where} refused the login of {config.username}. Check the "
                f"password in {config.password_env} (Gmail and Outlook need an app password)."
            ) from None
        return
    if not offers_xoauth2(imap):
        raise AuthError(
            f"The mail server {where} does not offer OAuth sign-in (XOAUTH2); use an app "
            "password instead (touches.mail.auth: password)."
        )
    try:
        imap.oauth2_login(config.username, secret.value)
    except LoginError:
        raise AuthError(
            f"The mail server {where} refused the OAuth token for {config.username}: check "
            "that the account allows IMAP sign-in with OAuth and that the token is for it, "
            f"with mail access ({_source(config)})."
        ) from None


def offers_xoauth2(imap: IMAPClient) -> bool:
    """True when the server lists AUTH=XOAUTH2, or lists no mechanism at all."""
    capabilities = [bytes(c).upper() for c in imap.capabilities()]
    mechanisms = [c for c in capabilities if c.startswith(b"AUTH=")]
    return not mechanisms or b"AUTH=XOAUTH2" in mechanisms


def _source(config: MailScanConfig) -> str:
    if config.oauth_credentials is not None:
        return f"the credentials in {config.oauth_credentials}"
    return "the token_command's token"


def _password(config: MailScanConfig, env: Mapping[str, str]) -> str:
    password = env.get(config.password_env, "")
    if not password:
        raise ConfigError(
            f"Set the environment variable {config.password_env} to the password of "
            f"{config.username} on {config.host} (for Gmail and Outlook, an app password)."
        )
    return password


def google_access_token(path: Path, config: MailScanConfig) -> str:
    """A fresh access token from a Google authorized-user file, for `MAIL_SCOPE`.

    The file is the JSON google-auth's `Credentials.to_json()` writes after a
    google-auth-oauthlib sign-in: client_id, client_secret, refresh_token (and a stale
    token, an expiry, a token_uri). It is only read; the renewed token lives for this
    run alone.
    """
    from google.auth.exceptions import RefreshError, TransportError
    from google.oauth2.credentials import Credentials

    credentials = _read_authorized_user(path)
    try:
        credentials.refresh(_timed_request(config.timeout_seconds))
    except RefreshError as error:
        raise AuthError(_refresh_refused(path, error)) from None
    except TransportError:
        raise NetworkError(
            f"Could not reach the token endpoint to renew the OAuth sign-in in {path}."
        ) from None
    token = credentials.token if isinstance(credentials, Credentials) else None
    if not token:
        raise AuthError(f"Renewing the OAuth sign-in in {path} gave no access token.")
    return str(token)


def _read_authorized_user(path: Path) -> Any:
    from google.oauth2.credentials import Credentials

    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"The OAuth credentials file {path} does not exist (touches.mail.oauth_credentials)."
        ) from None
    except OSError as error:
        raise ConfigError(
            f"Cannot read the OAuth credentials file {path}: {error.strerror}."
        ) from None
    except ValueError:
        info = None
    try:
        if not isinstance(info, dict):
            raise ValueError("not a JSON object")
        credentials = Credentials.from_authorized_user_info(  # type: ignore[no-untyped-call]
            info, scopes=[MAIL_SCOPE]
        )
    except ValueError:
        # google-auth's own text may quote the file, which holds secrets.
        raise ConfigError(
            f"{path} is not an authorized-user credentials file (JSON with client_id, "
            "client_secret and refresh_token); an OAuth client file is not enough, sign in "
            "once to make one (docs/touches.md)."
        ) from None
    local = _local_token_uri(info.get("token_uri"), path)
    return credentials if local is None else credentials.with_token_uri(local)


def _local_token_uri(value: object, path: Path) -> str | None:
    """The file's token endpoint when it is on this machine; None for Google's own.

    google-auth always renews at Google's endpoint, whatever the file says, so a file
    cannot send its refresh token and client secret elsewhere. The one exception kept
    here is a token service on this machine (a local broker, or a test's server);
    any other address is refused rather than silently replaced.
    """
    if value is None or value in _GOOGLE_TOKEN_URIS:
        return None
    parts = urlsplit(str(value))
    if parts.scheme in ("http", "https") and (parts.hostname or "") in _LOOPBACK_HOSTS:
        return str(value)
    raise ConfigError(
        f"The token_uri in {path} is not Google's. oauth_credentials is for Google "
        "accounts; for another provider use touches.mail.token_command."
    )


def _timed_request(timeout: float) -> Any:
    """google-auth's requests transport, with the config's timeout on every call."""
    from google.auth.transport.requests import Request

    class _TimedRequest(Request):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            kwargs["timeout"] = timeout
            return super().__call__(*args, **kwargs)  # type: ignore[no-untyped-call]

    return _TimedRequest()


def _refresh_refused(path: Path, error: Exception) -> str:
    """One sentence for a refused refresh: the OAuth error code, never the response text."""
    details = error.args[1] if len(error.args) > 1 else None
    code = details.get("error") if isinstance(details, dict) else None
    hint = _REFRESH_HINTS.get(str(code), "sign in again to make a new file")
    shown = f" ({code})" if isinstance(code, str) and code.isidentifier() else ""
    return f"Renewing the OAuth sign-in in {path} was refused{shown}: {hint}."


def command_token(command: str, config: MailScanConfig, env: Mapping[str, str]) -> str:
    """The access token `command` prints on its standard output.

    Run without a shell (so nothing in the config is interpreted by one), with the
    config's timeout. Its output is never logged; its error output goes where ours does,
    so a helper can say why it failed.
    """
    words = shlex.split(command)
    words[0] = os.path.expanduser(words[0])
    program = words[0]
    try:
        done = subprocess.run(
            words,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            env=dict(env),
            timeout=config.timeout_seconds,
            check=False,
        )
    except FileNotFoundError:
        raise ConfigError(
            f"The token command {program} was not found (touches.mail.token_command)."
        ) from None
    except OSError as error:
        raise ConfigError(
            f"The token command {program} cannot be run: {error.strerror or 'not executable'}."
        ) from None
    except subprocess.TimeoutExpired:
        raise AuthError(
            f"The token command {program} did not finish within "
            f"{config.timeout_seconds:g} seconds (touches.mail.timeout_seconds)."
        ) from None
    if done.returncode != 0:
        raise AuthError(
            f"The token command {program} failed (exit status {done.returncode}); run it "
            "by hand to see why."
        )
    token = done.stdout.decode("utf-8", "replace").strip()
    if not token:
        raise AuthError(f"The token command {program} printed no access token.")
    if any(c.isspace() for c in token):
        raise AuthError(
            f"The token command {program} printed more than one word; it must print the "
            "access token alone."
        )
    return token
