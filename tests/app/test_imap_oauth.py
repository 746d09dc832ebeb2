"""IMAP sign-in with OAuth 2 (XOAUTH2), against a real Dovecot and a real token server.

Dovecot runs on 127.0.0.1 with an `oauth2` passdb: each XOAUTH2 token it is given is
introspected at the local OAuth server (`servers/oauth.py`), which also renews grants
at its token endpoint exactly as Google's does for google-auth. Nothing is mocked: the
credentials file is refreshed over HTTP by google-auth, the token command is a real
program, and the sign-in is a real AUTHENTICATE XOAUTH2.

Tokens, refresh tokens and client secrets are secrets: every failure test checks that
none of them reaches an error message, the log or the command's output.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from helpers_contacts import TODAY, rows_of
from servers import dovecot, oauth
from servers.dovecot import SENT, DovecotServer, MailAccount
from servers.oauth import MAIL_SCOPE, Grant, OAuthServer

from sheets_keepup.app.imap_scan import nightly_mail, record_mail
from sheets_keepup.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_keepup.cli import main
from sheets_keepup.core.errors import AuthError, ConfigError, ExitStatus
from sheets_keepup.core.settings import Config, config_from_mapping

oauth_server = oauth.oauth_server
# A server that offers passwords only, for the "no XOAUTH2 here" case.
dovecot_server = dovecot.dovecot_server

DAY = TODAY - dt.timedelta(days=3)
CONTACTS: list[list[Any]] = [
    ["Name", "Email", "Tier", "Last contact"],
    ["Jane Doe", "jane.doe@gmail.com", "core", dt.date(2026, 1, 5)],
    ["Bruno Castillo", "bruno@example.com", "network", None],
]
SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"

# Prints an access token renewed at the local token endpoint, as oama or mutt_oauth2.py
# do with Microsoft's: the refresh token comes from a file the test writes.
TOKEN_SCRIPT = """\
import json, sys, urllib.parse, urllib.request
grant = json.load(open(sys.argv[1]))
body = urllib.parse.urlencode({
    "grant_type": "refresh_token",
    "refresh_token": grant["refresh_token"],
    "client_id": grant["client_id"],
    "client_secret": grant["client_secret"],
}).encode()
with urllib.request.urlopen(grant["token_uri"], body, timeout=30) as answer:
    print(json.load(answer)["access_token"])
"""


@pytest.fixture(scope="module")
def oauth_dovecot(oauth_server: OAuthServer) -> Iterator[DovecotServer]:
    with dovecot.running_dovecot(oauth_server.introspection_url) as server:
        yield server


@pytest.fixture
def account(oauth_dovecot: DovecotServer) -> MailAccount:
    return oauth_dovecot.add_account()


@pytest.fixture
def workbook(tmp_path: Path) -> XlsxBackend:
    path = tmp_path / "contacts.xlsx"
    write_new_workbook(path, {"Contacts": CONTACTS})
    return XlsxBackend(path)


def mail_settings(server: DovecotServer, username: str, **auth: Any) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": server.tls_port,
        "username": username,
        "ca_file": str(server.cert_file),
        "auth": "oauth2",
        **auth,
    }


def config_of(tmp_path: Path, settings: dict[str, Any]) -> Config:
    return config_from_mapping(
        {
            "source": {"kind": "xlsx", "path": str(tmp_path / "contacts.xlsx")},
            "state_dir": str(tmp_path / "state"),
            "touches": {"mail": settings},
        }
    )


def credentials_file(server: OAuthServer, grant: Grant, tmp_path: Path) -> Path:
    return server.authorized_user_file(tmp_path / "gmail-oauth.json", grant)


def token_command(server: OAuthServer, grant: Grant, tmp_path: Path) -> str:
    script = tmp_path / "print-token.py"
    script.write_text(TOKEN_SCRIPT, encoding="utf-8")
    grant_file = server.authorized_user_file(tmp_path / "grant.json", grant)
    return f"{sys.executable} {script} {grant_file}"


def scan(config: Config, backend: XlsxBackend, tmp_path: Path, **kw: Any) -> Any:
    return record_mail(config, backend, state_dir=tmp_path / "state", today=TODAY, env={}, **kw)


def log_rows(backend: XlsxBackend) -> list[list[Any]]:
    return rows_of(backend, "Log")[1:]


def xoauth2_logins(server: DovecotServer, username: str) -> int:
    text = (server.root / "dovecot.log").read_text(errors="replace")
    return text.count(f"Login: user=<{username}>, method=XOAUTH2")


def secrets_of(server: OAuthServer, grant: Grant) -> list[str]:
    """Everything that must never be shown: the grant's secrets and every token issued."""
    with server.lock:
        issued = [t for t, g in server.access_tokens.items() if g == grant]
    return [grant.refresh_token, grant.client_secret, *issued]


def assert_hidden(secrets: list[str], *texts: str) -> None:
    for secret in secrets:
        for text in texts:
            assert secret not in text


# --- signing in -------------------------------------------------------------------------


def test_a_google_credentials_file_signs_in_with_xoauth2_and_logs_the_touches(
    oauth_server: OAuthServer,
    account: MailAccount,
    workbook: XlsxBackend,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    account.append(SENT, to=["Jane <jane.doe@gmail.com>"], day=DAY)
    account.append(SENT, to=["stranger@example.com"], day=DAY)
    grant = oauth_server.grant(account.username)
    path = credentials_file(oauth_server, grant, tmp_path)
    config = config_of(
        tmp_path, mail_settings(account.server, account.username, oauth_credentials=str(path))
    )
    caplog.set_level(logging.DEBUG)

    run = scan(config, workbook, tmp_path)

    assert log_rows(workbook) == [[DAY, "Jane Doe", "email"]]
    assert run.scanned == 2 and run.summary.written
    assert xoauth2_logins(account.server, account.username) == 1
    secrets = secrets_of(oauth_server, grant)
    assert len(secrets) == 3  # one access token was issued, and it is hidden too
    state = next((tmp_path / "state").rglob("mail-scan.json")).read_text()
    assert_hidden(secrets, caplog.text, state)


def test_each_run_renews_the_token_and_reads_only_new_mail(
    oauth_server: OAuthServer, account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    grant = oauth_server.grant(account.username)
    path = credentials_file(oauth_server, grant, tmp_path)
    config = config_of(
        tmp_path, mail_settings(account.server, account.username, oauth_credentials=str(path))
    )
    account.append(SENT, to=["bruno@example.com"], day=DAY)
    first = scan(config, workbook, tmp_path)
    account.append(SENT, to=["jane.doe@gmail.com"], day=TODAY)
    second = scan(config, workbook, tmp_path)

    assert (first.scanned, second.scanned) == (1, 1)
    assert log_rows(workbook) == [[DAY, "Bruno Castillo", "email"], [TODAY, "Jane Doe", "email"]]
    assert len(secrets_of(oauth_server, grant)) == 2 + 2  # a fresh token per run
    # The file is only read: the refresh token in it still works and nothing was added.
    assert json.loads(path.read_text())["refresh_token"] == grant.refresh_token
    assert "token" not in json.loads(path.read_text())


def test_a_token_command_signs_in_with_xoauth2(
    oauth_server: OAuthServer,
    account: MailAccount,
    workbook: XlsxBackend,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    account.append(SENT, to=["bruno@example.com"], day=DAY)
    grant = oauth_server.grant(account.username)
    command = token_command(oauth_server, grant, tmp_path)
    config = config_of(
        tmp_path, mail_settings(account.server, account.username, token_command=command)
    )
    caplog.set_level(logging.DEBUG)

    run = scan(config, workbook, tmp_path)

    assert log_rows(workbook) == [[DAY, "Bruno Castillo", "email"]]
    assert run.summary.written
    assert xoauth2_logins(account.server, account.username) == 1
    secrets = secrets_of(oauth_server, grant)
    assert len(secrets) == 3
    assert_hidden(secrets, caplog.text)


def test_a_file_saved_by_google_auth_oauthlib_signs_in(
    oauth_server: OAuthServer, account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    # What `credentials.to_json()` writes after InstalledAppFlow (docs/touches.md): a
    # stale access token and its expiry too, which must not stop the renewal.
    from google.oauth2.credentials import Credentials

    grant = oauth_server.grant(account.username)
    saved = Credentials(  # type: ignore[no-untyped-call]
        token="ya29.stale-from-the-browser-sign-in",
        refresh_token=grant.refresh_token,
        token_uri=oauth_server.token_url,
        client_id=grant.client_id,
        client_secret=grant.client_secret,
        scopes=[MAIL_SCOPE],
        expiry=dt.datetime(2020, 1, 1),
    )
    path = tmp_path / "gmail-oauth.json"
    path.write_text(saved.to_json(), encoding="utf-8")  # type: ignore[no-untyped-call]
    account.append(SENT, to=["bruno@example.com"], day=DAY)
    config = config_of(
        tmp_path, mail_settings(account.server, account.username, oauth_credentials=str(path))
    )
    assert scan(config, workbook, tmp_path).summary.written
    assert xoauth2_logins(account.server, account.username) == 1


def test_a_token_command_runs_a_program_from_home_with_the_environment(
    oauth_server: OAuthServer,
    account: MailAccount,
    workbook: XlsxBackend,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    grant = oauth_server.grant(account.username)
    grant_file = oauth_server.authorized_user_file(tmp_path / "grant.json", grant)
    helper = tmp_path / "bin" / "token-helper"
    helper.parent.mkdir()
    body = TOKEN_SCRIPT.replace("sys.argv[1]", 'os.environ["HELPER_GRANT"]')
    helper.write_text(f"#!{sys.executable}\nimport os\n{body}", encoding="utf-8")
    helper.chmod(0o700)
    monkeypatch.setenv("HOME", str(tmp_path))
    config = config_of(
        tmp_path,
        mail_settings(account.server, account.username, token_command="~/bin/token-helper"),
    )
    run = record_mail(
        config,
        workbook,
        state_dir=tmp_path / "state",
        today=TODAY,
        env={"HELPER_GRANT": str(grant_file)},
    )
    assert run.scanned == 0 and xoauth2_logins(account.server, account.username) == 1


def test_passwords_still_work_on_the_same_server(
    account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    account.append(SENT, to=["bruno@example.com"], day=DAY)
    settings = mail_settings(account.server, account.username, auth="password")
    settings["password_env"] = "TEST_IMAP_PASSWORD"
    run = record_mail(
        config_of(tmp_path, settings),
        workbook,
        state_dir=tmp_path / "state",
        today=TODAY,
        env={"TEST_IMAP_PASSWORD": account.password},
    )
    assert run.summary.written and log_rows(workbook) == [[DAY, "Bruno Castillo", "email"]]
    assert xoauth2_logins(account.server, account.username) == 0


# --- refused -----------------------------------------------------------------------------


def test_a_revoked_grant_is_a_clear_auth_error_and_nothing_is_logged(
    oauth_server: OAuthServer,
    account: MailAccount,
    workbook: XlsxBackend,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    account.append(SENT, to=["bruno@example.com"], day=DAY)
    grant = oauth_server.grant(account.username)
    path = credentials_file(oauth_server, grant, tmp_path)
    config = config_of(
        tmp_path, mail_settings(account.server, account.username, oauth_credentials=str(path))
    )
    oauth_server.revoke(grant)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(AuthError) as refused:
        scan(config, workbook, tmp_path)

    message = str(refused.value)
    assert "invalid_grant" in message and "revoked or has expired" in message
    assert str(path) in message
    assert "Log" not in workbook.read(["Log"]).tabs
    assert not list((tmp_path / "state").rglob("mail-scan.json"))
    # Refused before the mail server was asked anything.
    assert xoauth2_logins(account.server, account.username) == 0
    assert_hidden(secrets_of(oauth_server, grant), message, caplog.text)


def test_a_token_the_server_does_not_know_is_refused_without_showing_it(
    account: MailAccount, workbook: XlsxBackend, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = "ya29.not-issued-by-anyone-0123456789"
    script = tmp_path / "print-token.py"
    script.write_text(f"print({fake!r})\n", encoding="utf-8")
    config = config_of(
        tmp_path,
        mail_settings(account.server, account.username, token_command=f"{sys.executable} {script}"),
    )
    caplog.set_level(logging.DEBUG)

    with pytest.raises(AuthError, match="refused the OAuth token for user") as refused:
        scan(config, workbook, tmp_path)

    assert fake not in str(refused.value) and fake not in caplog.text
    assert "Log" not in workbook.read(["Log"]).tabs


def test_credentials_without_the_mail_scope_are_refused_with_the_scope_named(
    oauth_server: OAuthServer, account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    # A Sheets sign-in's file cannot read mail: scopes are fixed when the user consents.
    grant = oauth_server.grant(account.username, scopes=(SHEETS_SCOPE,))
    path = credentials_file(oauth_server, grant, tmp_path)
    config = config_of(
        tmp_path, mail_settings(account.server, account.username, oauth_credentials=str(path))
    )
    with pytest.raises(AuthError, match="invalid_scope") as refused:
        scan(config, workbook, tmp_path)
    assert MAIL_SCOPE in str(refused.value)


def test_a_server_without_xoauth2_is_never_sent_the_token(
    oauth_server: OAuthServer,
    dovecot_server: DovecotServer,
    workbook: XlsxBackend,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = dovecot_server.add_account()
    grant = oauth_server.grant(user.username)
    path = credentials_file(oauth_server, grant, tmp_path)
    config = config_of(
        tmp_path, mail_settings(dovecot_server, user.username, oauth_credentials=str(path))
    )
    caplog.set_level(logging.DEBUG)

    with pytest.raises(AuthError) as refused:
        scan(config, workbook, tmp_path)

    assert "does not offer OAuth sign-in" in str(refused.value)
    assert "app password" in str(refused.value)
    server_log = (dovecot_server.root / "dovecot.log").read_text(errors="replace")
    assert "XOAUTH2" not in server_log
    assert_hidden(secrets_of(oauth_server, grant), str(refused.value), caplog.text)


@pytest.mark.parametrize(
    ("program", "expected"),
    [
        ("import sys; sys.exit(3)", "failed (exit status 3)"),
        ("print()", "printed no access token"),
        ("print('two words')", "more than one word"),
    ],
)
def test_a_failing_token_command_says_what_went_wrong(
    account: MailAccount, workbook: XlsxBackend, tmp_path: Path, program: str, expected: str
) -> None:
    script = tmp_path / "helper.py"
    script.write_text(program + "\n", encoding="utf-8")
    config = config_of(
        tmp_path,
        mail_settings(account.server, account.username, token_command=f"{sys.executable} {script}"),
    )
    with pytest.raises(AuthError, match=re.escape(expected)) as refused:
        scan(config, workbook, tmp_path)
    assert "two words" not in str(refused.value)  # what it printed is never quoted
    assert xoauth2_logins(account.server, account.username) == 0


def test_a_token_command_that_hangs_is_stopped(
    account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    script = tmp_path / "hang.py"
    script.write_text("import time\ntime.sleep(60)\n", encoding="utf-8")
    settings = mail_settings(
        account.server, account.username, token_command=f"{sys.executable} {script}"
    )
    settings["timeout_seconds"] = 0.5
    with pytest.raises(AuthError, match=r"did not finish within 0\.5 seconds"):
        scan(config_of(tmp_path, settings), workbook, tmp_path)


def test_a_missing_program_or_file_is_a_config_error(
    account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    missing = config_of(
        tmp_path,
        mail_settings(
            account.server, account.username, token_command="no-such-helper-xyz --account me"
        ),
    )
    with pytest.raises(ConfigError, match="no-such-helper-xyz was not found"):
        scan(missing, workbook, tmp_path)
    no_file = config_of(
        tmp_path,
        mail_settings(
            account.server, account.username, oauth_credentials=str(tmp_path / "none.json")
        ),
    )
    with pytest.raises(ConfigError, match="does not exist"):
        scan(no_file, workbook, tmp_path)


def test_an_oauth_client_file_is_not_taken_for_a_sign_in(
    account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    client = tmp_path / "client_secret.json"
    client.write_text(
        json.dumps({"installed": {"client_id": "x.apps", "client_secret": "s3cr3t-value"}})
    )
    config = config_of(
        tmp_path, mail_settings(account.server, account.username, oauth_credentials=str(client))
    )
    with pytest.raises(ConfigError, match="not an authorized-user credentials file") as refused:
        scan(config, workbook, tmp_path)
    assert "s3cr3t-value" not in str(refused.value)


# --- the config --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("auth", "problem"),
    [
        ({}, "needs exactly one of oauth_credentials"),
        (
            {"oauth_credentials": "/a.json", "token_command": "helper"},
            "needs exactly one of oauth_credentials",
        ),
        ({"oauth_credentials": "relative.json"}, "must be an absolute path"),
        ({"token_command": "helper 'unclosed"}, "cannot be split into words"),
        ({"token_command": "  "}, "the command is empty"),
        ({"auth": "password", "token_command": "helper"}, "used only with auth: oauth2"),
    ],
)
def test_the_config_asks_for_exactly_one_token_source(
    tmp_path: Path, auth: dict[str, Any], problem: str
) -> None:
    settings = {"host": "imap.example.org", "username": "me@example.org", "auth": "oauth2"}
    with pytest.raises(ConfigError, match=problem):
        config_of(tmp_path, {**settings, **auth})


def test_password_settings_are_not_read_with_oauth2(
    oauth_server: OAuthServer, account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    grant = oauth_server.grant(account.username)
    settings = mail_settings(
        account.server,
        account.username,
        oauth_credentials=str(credentials_file(oauth_server, grant, tmp_path)),
    )
    settings["password_env"] = "TEST_UNSET_PASSWORD"  # left over from a password set-up
    run = scan(config_of(tmp_path, settings), workbook, tmp_path)  # env={} has no password
    assert run.scanned == 0 and xoauth2_logins(account.server, account.username) == 1


# --- the command and the nightly run -----------------------------------------------------


def write_config(tmp_path: Path, settings: dict[str, Any]) -> Path:
    path = tmp_path / "sheets-keepup.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "source": {"kind": "xlsx", "path": str(tmp_path / "contacts.xlsx")},
                "state_dir": str(tmp_path / "state"),
                "log_file": str(tmp_path / "job.log"),
                "touches": {"mail": settings},
            }
        ),
        encoding="utf-8",
    )
    return path


def test_the_mail_command_signs_in_with_oauth(
    oauth_server: OAuthServer, account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    account.append(SENT, to=["bruno@example.com"], day=DAY)
    grant = oauth_server.grant(account.username)
    path = credentials_file(oauth_server, grant, tmp_path)
    config_file = write_config(
        tmp_path, mail_settings(account.server, account.username, oauth_credentials=str(path))
    )
    args = ["mail", "-c", str(config_file), "--today", TODAY.isoformat(), "--json"]
    result = CliRunner().invoke(main, args, env={})
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["rows"] == [
        {"date": DAY.isoformat(), "who": "Bruno Castillo", "kind": "email", "note": ""}
    ]
    job_log = (tmp_path / "job.log").read_text()
    assert "mail scan: 1 message(s) read, 1 Log row(s) added" in job_log
    assert_hidden(secrets_of(oauth_server, grant), result.output, job_log)


def test_the_mail_command_exits_with_the_auth_status_on_a_revoked_grant(
    oauth_server: OAuthServer, account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    account.append(SENT, to=["bruno@example.com"], day=DAY)
    grant = oauth_server.grant(account.username)
    command = token_command(oauth_server, grant, tmp_path)
    # Revoked after the helper was set up: its refresh fails, so it exits non-zero.
    oauth_server.revoke(grant)
    config_file = write_config(
        tmp_path, mail_settings(account.server, account.username, token_command=command)
    )
    args = ["mail", "-c", str(config_file), "--today", TODAY.isoformat()]
    result = CliRunner().invoke(main, args, env={})
    assert result.exit_code == ExitStatus.AUTH, result.output
    assert "token command" in result.output and "failed" in result.output
    job_log = tmp_path / "job.log"
    texts = [result.output, job_log.read_text() if job_log.exists() else ""]
    assert_hidden(secrets_of(oauth_server, grant), *texts)
    assert "Log" not in workbook.read(["Log"]).tabs


def test_a_revoked_grant_is_logged_and_the_nightly_run_goes_on(
    oauth_server: OAuthServer,
    account: MailAccount,
    workbook: XlsxBackend,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    grant = oauth_server.grant(account.username)
    path = credentials_file(oauth_server, grant, tmp_path)
    config = config_of(
        tmp_path, mail_settings(account.server, account.username, oauth_credentials=str(path))
    )
    oauth_server.revoke(grant)
    caplog.set_level(logging.DEBUG)
    assert nightly_mail(config, workbook, state_dir=tmp_path / "s", today=TODAY, env={}) is None
    assert "mail scan failed; the sync runs anyway" in caplog.text
    assert "invalid_grant" in caplog.text
    assert_hidden(secrets_of(oauth_server, grant), caplog.text)
