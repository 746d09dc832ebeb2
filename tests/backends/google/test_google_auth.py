"""Credentials for a personal account (OAuth) and the checks on key files."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from google.oauth2.credentials import Credentials

from sheets_keepup.backends.google.auth import (
    SCOPES,
    TOKEN_FILE,
    load_credentials,
    oauth_credentials,
    read_key_file,
)
from sheets_keepup.core.errors import AuthError
from sheets_keepup.core.settings import SourceConfig

CLIENT = {
    "installed": {
        "client_id": "id.apps.googleusercontent.com",
        "client_secret": "not-a-real-secret",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "redirect_uris": ["http://localhost"],
    }
}


def signed_in(**_: Any) -> Credentials:
    return Credentials(  # type: ignore[no-untyped-call]
        token="short-lived",
        refresh_token="long-lived",
        token_uri="https://oauth2.googleapis.com/token",
        client_id="id.apps.googleusercontent.com",
        client_secret="not-a-real-secret",
        scopes=list(SCOPES),
    )


def test_first_run_signs_in_once_and_caches_the_token_privately(tmp_path: Path) -> None:
    secret = tmp_path / "client_secret.json"
    secret.write_text(json.dumps(CLIENT))
    calls: list[dict[str, Any]] = []

    def flow(**kwargs: Any) -> Credentials:
        calls.append(kwargs)
        return signed_in()

    source = SourceConfig(kind="google", spreadsheet="1" * 44, auth="oauth", credentials=secret)
    first = load_credentials(source, {}, token_dir=tmp_path / "config", flow=flow)
    token = tmp_path / "config" / TOKEN_FILE
    assert first.method == "oauth" and len(calls) == 1
    assert calls[0]["scopes"] == SCOPES
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert "short-lived" not in token.read_text()  # only the refresh token is kept

    second = load_credentials(source, {}, token_dir=tmp_path / "config", flow=flow)
    assert len(calls) == 1 and second.credentials.refresh_token == "long-lived"


def test_oauth_without_a_client_file_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(AuthError, match="Desktop app"):
        oauth_credentials(tmp_path / "missing.json", tmp_path / TOKEN_FILE, flow=signed_in)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not a JSON key file"),
        ("[1]", "not a service-account key"),
        (json.dumps({"type": "service_account"}), "lacks client_email, private_key"),
    ],
)
def test_broken_key_files_are_auth_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "key.json"
    path.write_text(content)
    with pytest.raises(AuthError, match=message):
        read_key_file(path)


def test_an_unreadable_private_key_is_an_auth_error_without_the_key(tmp_path: Path) -> None:
    path = tmp_path / "key.json"
    secret = "-----BEGIN PRIVATE KEY-----\nnot really\n-----END PRIVATE KEY-----\n"
    info = {
        "type": "service_account",
        "client_email": "a@b.iam.gserviceaccount.com",
        "private_key": secret,
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    path.write_text(json.dumps(info))
    source = SourceConfig(kind="google", spreadsheet="1" * 44, credentials=path)
    with pytest.raises(AuthError) as caught:
        load_credentials(source, {})
    assert "not really" not in str(caught.value) and "BEGIN" not in str(caught.value)


@pytest.mark.parametrize(("mode", "warned"), [(0o644, True), (0o640, True), (0o600, False)])
def test_key_files_others_can_read_are_warned_about_without_their_content(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, mode: int, warned: bool
) -> None:
    path = tmp_path / "key.json"
    info = {
        "type": "service_account",
        "client_email": "a@b.iam.gserviceaccount.com",
        "private_key": "-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----\n",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    path.write_text(json.dumps(info))
    path.chmod(mode)
    with caplog.at_level("WARNING"):
        assert read_key_file(path)["client_email"] == info["client_email"]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert bool(warnings) is warned
    if warned:
        assert "chmod 600" in warnings[0]
    assert "secret" not in caplog.text and "BEGIN" not in caplog.text
