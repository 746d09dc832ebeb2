"""A small OAuth 2 authorization server on 127.0.0.1, for the IMAP XOAUTH2 tests.

It does the two things a real provider does for IMAP sign-in:

- `POST /token`: the refresh-token grant (RFC 6749 section 6) exactly as google-auth
  sends it (form fields `grant_type`, `refresh_token`, `client_id`, `client_secret` and,
  when the client asks for scopes, `scope`). It answers with a fresh access token, or
  with the error Google gives: `invalid_grant` for a revoked or unknown refresh token,
  `invalid_client` for a wrong client secret, `invalid_scope` for a scope never granted.
- `POST /introspect`: token introspection (RFC 7662), which Dovecot's `oauth2` passdb
  calls (`introspection_mode = post`) to learn whose access token it was given:
  `{"active": true, "username": ...}` for a live token it issued, `{"active": false}`
  for anything else.

Tests make grants with `grant()`, revoke them with `revoke()`, and read how often each
endpoint was called. Nothing is logged: tokens are secrets even in a test.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

MAIL_SCOPE = "https://mail.google.com/"


@dataclass(frozen=True)
class Grant:
    """What a user consented to: a client, a refresh token, the user and the scopes."""

    client_id: str
    client_secret: str
    refresh_token: str
    username: str
    scopes: frozenset[str]


@dataclass
class OAuthServer:
    """The provider's state; the handler reads and changes it under `lock`."""

    port: int = 0
    grants: dict[str, Grant] = field(default_factory=dict)
    access_tokens: dict[str, Grant] = field(default_factory=dict)
    token_requests: int = 0
    introspections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    @property
    def introspection_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/introspect"

    def grant(self, username: str, scopes: tuple[str, ...] = (MAIL_SCOPE,)) -> Grant:
        """A user's consent for a new client: returns what a login flow would save."""
        grant = Grant(
            client_id=f"{secrets.token_hex(6)}.apps.test.invalid",
            client_secret=secrets.token_urlsafe(12),
            refresh_token="1//" + secrets.token_urlsafe(24),
            username=username,
            scopes=frozenset(scopes),
        )
        with self.lock:
            self.grants[grant.refresh_token] = grant
        return grant

    def revoke(self, grant: Grant) -> None:
        """What "remove access" in the account settings does: the refresh token and
        every access token issued from it stop working."""
        with self.lock:
            self.grants.pop(grant.refresh_token, None)
            for token in [t for t, g in self.access_tokens.items() if g == grant]:
                del self.access_tokens[token]

    def authorized_user_file(self, path: Path, grant: Grant) -> Path:
        """The JSON google-auth-oauthlib and `gcloud auth application-default login` save."""
        info = {
            "type": "authorized_user",
            "client_id": grant.client_id,
            "client_secret": grant.client_secret,
            "refresh_token": grant.refresh_token,
            "token_uri": self.token_url,
        }
        path.write_text(json.dumps(info), encoding="utf-8")
        path.chmod(0o600)
        return path

    def refresh(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """The token endpoint's answer to one request."""
        with self.lock:
            self.token_requests += 1
            if form.get("grant_type") != "refresh_token":
                return 400, {"error": "unsupported_grant_type"}
            grant = self.grants.get(form.get("refresh_token", ""))
            if grant is None:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                }
            if (form.get("client_id"), form.get("client_secret")) != (
                grant.client_id,
                grant.client_secret,
            ):
                return 401, {"error": "invalid_client", "error_description": "Unauthorized"}
            asked = frozenset(form.get("scope", "").split()) or grant.scopes
            if not asked <= grant.scopes:
                return 400, {"error": "invalid_scope", "error_description": "Bad scope."}
            token = "ya29." + secrets.token_urlsafe(32)
            self.access_tokens[token] = grant
        return 200, {
            "access_token": token,
            "expires_in": 3599,
            "scope": " ".join(sorted(asked)),
            "token_type": "Bearer",
        }

    def introspect(self, form: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            self.introspections += 1
            grant = self.access_tokens.get(form.get("token", ""))
        if grant is None:
            return {"active": False}
        return {"active": True, "username": grant.username, "scope": " ".join(grant.scopes)}


def _handler(state: OAuthServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace")
            form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
            if self.path == "/token":
                status, answer = state.refresh(form)
            elif self.path == "/introspect":
                status, answer = 200, state.introspect(form)
            else:
                status, answer = 404, {"error": "not_found"}
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: nothing about a token reaches pytest's captured output."""

    return Handler


def start_oauth_server() -> tuple[OAuthServer, ThreadingHTTPServer, threading.Thread]:
    state = OAuthServer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return state, server, thread


@pytest.fixture(scope="module")
def oauth_server() -> Iterator[OAuthServer]:
    state, server, thread = start_oauth_server()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
