"""Sent mail becomes Log rows: against a real Dovecot on 127.0.0.1, to a workbook and to Google.

Every message is APPENDed over IMAP by the test. Each "must never happen" of the feature
has a test here: a message counted twice (re-run, server restart, a renumbered folder),
a touch for the wrong person (lists, crowds, strangers), credentials or subjects in the
logs, and any change to the user's mailbox (flags, bodies downloaded).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fake_google
import fakesheets
import pytest
import yaml
from click.testing import CliRunner
from fake_clock import FakeClock
from helpers_contacts import TODAY, rows_of
from servers import dovecot
from servers.dovecot import SENT, MailAccount

from sheets_keepup.app.imap_scan import MailState, nightly_mail, record_mail
from sheets_keepup.app.run import NightlyJob
from sheets_keepup.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_keepup.cli import main
from sheets_keepup.core.errors import AuthError, ConfigError
from sheets_keepup.core.settings import Config, config_from_mapping
from sheets_keepup.core.touches import ALREADY_LOGGED, NO_CONTACT, TOO_MANY_RECIPIENTS

# The real server, one per module, and a fresh account on it per test.
dovecot_server = dovecot.dovecot_server
mail_account = dovecot.mail_account

PASSWORD_ENV = "TEST_IMAP_PASSWORD"
DAY = TODAY - dt.timedelta(days=3)
CONTACTS = [
    ["Name", "Email", "Tier", "Last contact"],
    ["Jane Doe", "jane.doe@gmail.com", "core", dt.date(2026, 1, 5)],
    ["Bruno Castillo", "bruno@example.com", "network", None],
    ["Ana Lima", "ana@example.org", "close", None],
]


def config_for(
    account: MailAccount, tmp_path: Path, source: dict[str, Any] | None = None, **mail: Any
) -> Config:
    settings: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": account.server.tls_port,
        "username": account.username,
        "password_env": PASSWORD_ENV,
        "ca_file": str(account.server.cert_file),
    }
    settings.update(mail)
    return config_from_mapping(
        {
            "source": source or {"kind": "xlsx", "path": str(tmp_path / "contacts.xlsx")},
            "state_dir": str(tmp_path / "state"),
            "touches": {"mail": settings},
        }
    )


def env_of(account: MailAccount) -> dict[str, str]:
    return {PASSWORD_ENV: account.password}


@pytest.fixture
def workbook(tmp_path: Path) -> XlsxBackend:
    path = tmp_path / "contacts.xlsx"
    write_new_workbook(path, {"Contacts": CONTACTS})
    return XlsxBackend(path)


def scan(config: Config, backend: Any, account: MailAccount, tmp_path: Path, **kw: Any) -> Any:
    return record_mail(
        config,
        backend,
        state_dir=tmp_path / "state",
        today=kw.pop("today", TODAY),
        env=env_of(account),
        **kw,
    )


def log_rows(backend: Any) -> list[list[Any]]:
    return rows_of(backend, "Log")[1:]


def test_sent_mail_to_contacts_becomes_log_rows_and_nothing_else(
    mail_account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    account = mail_account
    account.append(SENT, to=["Jane <J.ane.Doe+keepup@googlemail.com>"], day=DAY)
    account.append(SENT, to=["stranger@example.com"], day=DAY)
    account.append(SENT, to=["ana@example.org"], day=DAY, headers={"List-Id": "<x.lists>"})
    account.append(SENT, to=["ana@example.org"], day=DAY, headers={"Precedence": "bulk"})
    crowd = [f"p{i}@example.com" for i in range(10)]
    account.append(SENT, to=["bruno@example.com"], cc=crowd, day=DAY)
    account.append(SENT, to=["ana@example.org"], day=TODAY - dt.timedelta(days=45))
    account.append("INBOX", to=[account.address], sender="bruno@example.com", day=DAY)
    before = rows_of(workbook, "Contacts")

    run = scan(config_for(account, tmp_path), workbook, account, tmp_path)

    assert log_rows(workbook) == [[DAY, "Jane Doe", "email"]]
    assert rows_of(workbook, "Contacts") == before
    assert run.scanned == 5  # the 45-day-old message is outside the first scan's 30 days
    assert run.skipped == {"mailing list": 2, TOO_MANY_RECIPIENTS: 1, NO_CONTACT: 1}


def test_a_second_run_reads_only_new_mail_and_counts_nothing_twice(
    mail_account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    account, config = mail_account, config_for(mail_account, tmp_path)
    account.append(SENT, to=["bruno@example.com"], day=DAY)
    assert len(scan(config, workbook, account, tmp_path).summary.rows) == 1

    again = scan(config, workbook, account, tmp_path)
    assert again.scanned == 0 and again.summary.rows == () and not again.summary.written

    account.append(SENT, to=["bruno@example.com"], day=DAY)  # same day, same person
    account.append(SENT, to=["ana@example.org"], day=DAY + dt.timedelta(days=1))
    third = scan(config, workbook, account, tmp_path)
    assert third.scanned == 2
    assert log_rows(workbook) == [
        [DAY, "Bruno Castillo", "email"],
        [DAY + dt.timedelta(days=1), "Ana Lima", "email"],
    ]


def test_a_server_restart_changes_nothing(
    mail_account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    account, config = mail_account, config_for(mail_account, tmp_path)
    account.append(SENT, to=["bruno@example.com"], day=DAY)
    scan(config, workbook, account, tmp_path)
    account.server.restart()
    account.append(SENT, to=["ana@example.org"], day=DAY)
    run = scan(config, workbook, account, tmp_path)
    assert run.scanned == 1 and run.rescanned == ()
    assert log_rows(workbook) == [[DAY, "Bruno Castillo", "email"], [DAY, "Ana Lima", "email"]]


def test_a_renumbered_folder_is_read_again_without_counting_a_message_twice(
    mail_account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    account, config = mail_account, config_for(mail_account, tmp_path)
    message_id = account.append(SENT, to=["bruno@example.com"], day=DAY)
    scan(config, workbook, account, tmp_path)
    with account.client() as imap:
        before = imap.folder_status(SENT, [b"UIDVALIDITY"])[b"UIDVALIDITY"]
        imap.delete_folder(SENT)
        imap.create_folder(SENT)
        after = imap.folder_status(SENT, [b"UIDVALIDITY"])[b"UIDVALIDITY"]
    assert before != after
    # The same message comes back under new UIDs (a server migration does this), and
    # the user had deleted its Log row meanwhile: it must not come back.
    account.append(SENT, to=["bruno@example.com"], day=DAY, message_id=message_id)
    account.append(SENT, to=["ana@example.org"], day=DAY)
    path = Path(str(config.source.path))
    write_new_workbook(
        path, {"Contacts": CONTACTS, "Log": [["Date", "Who", "Kind"]]}, overwrite=True
    )

    run = scan(config, workbook, account, tmp_path)

    assert run.rescanned == (SENT,)
    assert run.scanned == 2 and run.skipped.get(ALREADY_LOGGED) == 1
    assert log_rows(workbook) == [[DAY, "Ana Lima", "email"]]


def _flags(account: MailAccount, folder: str) -> dict[int, tuple[bytes, ...]]:
    with account.client() as imap:
        imap.select_folder(folder, readonly=True)
        uids = imap.search("ALL")
        return {uid: item[b"FLAGS"] for uid, item in imap.fetch(uids, ["FLAGS"]).items()}


def test_the_mailbox_is_only_examined_and_no_body_is_downloaded(
    mail_account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    account = mail_account
    account.append(SENT, to=["bruno@example.com"], day=DAY)
    account.append(SENT, to=["ana@example.org"], day=DAY, flags=(b"\\Flagged",))
    account.append("INBOX", to=[account.address], sender="Ana <ana@example.org>", day=DAY)
    sent, inbox = _flags(account, SENT), _flags(account, "INBOX")
    assert all(b"\\Seen" not in f for f in (*sent.values(), *inbox.values()))
    server_log = account.server.root / "dovecot.log"
    start = server_log.stat().st_size

    run = scan(config_for(account, tmp_path, replies=True), workbook, account, tmp_path)

    assert len(run.summary.rows) == 2
    # Checked over a second connection: not one flag changed (no \Seen, no \Recent lost).
    assert _flags(account, SENT) == sent and _flags(account, "INBOX") == inbox
    sessions = server_log.read_text()[start:]
    scanner = [line for line in sessions.splitlines() if f"imap({account.username})" in line]
    assert scanner and all("Logged out" not in s or "body_count=0" in s for s in scanner)
    assert any("Logged out" in s for s in scanner)


def test_replies_received_count_only_when_configured(
    mail_account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    account = mail_account
    account.append("INBOX", to=[account.address], sender="Ana <ANA@example.org>", day=DAY)
    account.append(
        "INBOX",
        to=[account.address],
        sender="bruno@example.com",
        day=DAY,
        headers={"List-Unsubscribe": "<mailto:x@example.com>"},
    )
    account.append(
        "INBOX",
        to=[account.address],
        sender="bruno@example.com",
        day=DAY,
        headers={"Auto-Submitted": "auto-replied"},
    )
    off = scan(config_for(account, tmp_path), workbook, account, tmp_path, dry_run=True)
    assert off.scanned == 0
    run = scan(config_for(account, tmp_path, replies=True), workbook, account, tmp_path)
    assert log_rows(workbook) == [[DAY, "Ana Lima", "email"]]
    assert run.skipped == {"mailing list": 1, "automatic reply": 1}


def test_the_subject_is_written_only_when_asked(
    mail_account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    account = mail_account
    account.append(SENT, to=["bruno@example.com"], day=DAY, subject="Coffee next week?")
    scan(config_for(account, tmp_path), workbook, account, tmp_path, dry_run=True)
    scan(config_for(account, tmp_path, include_subject=True), workbook, account, tmp_path)
    assert log_rows(workbook) == [[DAY, "Bruno Castillo", "email", "Coffee next week?"]]


def test_a_dry_run_lists_the_rows_and_writes_and_remembers_nothing(
    mail_account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    account, config = mail_account, config_for(mail_account, tmp_path)
    account.append(SENT, to=["bruno@example.com"], day=DAY)
    path = Path(str(config.source.path))
    before = path.read_bytes()
    dry = scan(config, workbook, account, tmp_path, dry_run=True)
    assert [(r.who, r.kind) for r in dry.summary.rows] == [("Bruno Castillo", "email")]
    assert path.read_bytes() == before
    assert not list((tmp_path / "state").rglob("mail-scan.json"))
    real = scan(config, workbook, account, tmp_path)
    assert real.scanned == 1 and real.summary.written


def test_no_credentials_addresses_or_subjects_in_the_logs(
    mail_account: MailAccount,
    workbook: XlsxBackend,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    account = mail_account
    account.append(SENT, to=["bruno@example.com"], day=DAY, subject="Secret plans")
    caplog.set_level(logging.DEBUG)
    run = scan(config_for(account, tmp_path), workbook, account, tmp_path)
    assert run.summary.written
    with pytest.raises(AuthError) as refused:
        record_mail(
            config_for(account, tmp_path),
            workbook,
            state_dir=tmp_path / "state",
            today=TODAY,
            env={PASSWORD_ENV: "wrong-" + account.password},
        )
    text = caplog.text + str(refused.value)
    assert "mail scan: 1 message(s) read, 1 Log row(s) added" in caplog.text
    for secret in (account.password, "Secret plans", "bruno@example.com", "Bruno"):
        assert secret not in text
    state = next((tmp_path / "state").rglob("mail-scan.json")).read_text()
    assert "bruno" not in state.casefold() and "test.invalid" not in state


def test_a_missing_password_names_the_variable(
    mail_account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    config = config_for(mail_account, tmp_path)
    with pytest.raises(ConfigError, match=PASSWORD_ENV):
        record_mail(config, workbook, state_dir=tmp_path / "state", today=TODAY, env={})


def test_starttls_on_the_plain_port(
    mail_account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    account = mail_account
    account.append(SENT, to=["ana@example.org"], day=DAY)
    config = config_for(account, tmp_path, port=account.server.plain_port, security="starttls")
    assert len(scan(config, workbook, account, tmp_path).summary.rows) == 1


def test_an_untrusted_certificate_is_refused(
    mail_account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    config = config_for(mail_account, tmp_path, ca_file=None)
    with pytest.raises(Exception, match=r"Could not reach|certificate"):
        scan(config, workbook, mail_account, tmp_path)


def test_plain_text_is_refused_for_a_remote_host() -> None:
    with pytest.raises(ConfigError, match="localhost"):
        config_from_mapping(
            {
                "source": {"kind": "xlsx", "path": "c.xlsx"},
                "touches": {
                    "mail": {"host": "imap.example.com", "username": "me", "security": "none"}
                },
            }
        )


def test_the_sent_folder_is_found_by_its_flag_and_the_name_is_a_fallback(
    mail_account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    account = mail_account
    # "Sent" exists too, as a decoy: the flagged folder is "Sent Items".
    with account.client() as imap:
        imap.create_folder("Sent")
    account.append("Sent", to=["ana@example.org"], day=DAY)
    account.append(SENT, to=["bruno@example.com"], day=DAY)
    scan(config_for(account, tmp_path, sent_folder="Sent"), workbook, account, tmp_path)
    assert log_rows(workbook) == [[DAY, "Bruno Castillo", "email"]]
    state = MailState.load(tmp_path / "state", workbook.describe())
    assert [key.rsplit("/", 1)[1] for key in state.folders] == [SENT]


@pytest.fixture
def google() -> Iterator[fake_google.FakeGoogle]:
    with fakesheets.FakeSheetsServer() as server:
        yield fake_google.FakeGoogle(server)


def test_end_to_end_against_the_google_fake_in_one_write(
    mail_account: MailAccount, google: fake_google.FakeGoogle, tmp_path: Path
) -> None:
    account = mail_account
    account.append(SENT, to=["bruno@example.com", "ana@example.org"], day=DAY)
    key = google.create({"Contacts": CONTACTS, "Log": [["Date", "Who", "Kind", "Note"]]})
    config = config_for(account, tmp_path, source={"kind": "google", "spreadsheet": key})
    backend = google.backend(key)
    scan(config, backend, account, tmp_path)
    writes = google.writes()
    assert len(writes) == 1
    rows = google.rows(key, "Log")[1:]
    assert [r[1:3] for r in rows] == [["Bruno Castillo", "email"], ["Ana Lima", "email"]]
    assert scan(config, backend, account, tmp_path).summary.rows == ()
    assert len(google.writes()) == 1


def test_the_mail_command_dry_run_json_and_one_job_log_line(
    mail_account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    account = mail_account
    account.append(SENT, to=["Bruno <bruno@example.com>"], day=DAY, subject="Hi Bruno")
    account.append(SENT, to=["stranger@example.com"], day=DAY)
    config_file = tmp_path / "sheets-keepup.yaml"
    mail = config_for(account, tmp_path).touches.mail
    assert mail is not None
    config_file.write_text(
        yaml.safe_dump(
            {
                "source": {"kind": "xlsx", "path": str(tmp_path / "contacts.xlsx")},
                "state_dir": str(tmp_path / "state"),
                "log_file": str(tmp_path / "job.log"),
                "touches": {"mail": json.loads(mail.model_dump_json(exclude_none=True))},
            }
        )
    )
    runner = CliRunner()
    args = ["mail", "-c", str(config_file), "--today", TODAY.isoformat()]
    result = runner.invoke(main, [*args, "--dry-run", "--json"], env=env_of(account))
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["rows"] == [
        {"date": DAY.isoformat(), "who": "Bruno Castillo", "kind": "email", "note": ""}
    ]
    assert shown["skipped"] == {NO_CONTACT: 1} and shown["written"] is False
    assert not log_rows_exist(workbook)

    result = runner.invoke(main, args, env=env_of(account))
    assert result.exit_code == 0, result.output
    assert "2026" in result.stdout and "Bruno Castillo" in result.stdout
    job_log = (tmp_path / "job.log").read_text()
    lines = [line for line in job_log.splitlines() if "mail scan:" in line]
    assert len(lines) == 2
    assert re.search(r"mail scan: 2 message\(s\) read, 1 Log row\(s\) added", lines[1])
    for secret in ("bruno@", "stranger@", "Hi Bruno", account.password):
        assert secret not in job_log


def log_rows_exist(backend: XlsxBackend) -> bool:
    return "Log" in backend.read(["Log"]).tabs


def test_a_failing_mail_scan_is_logged_and_the_nightly_sync_goes_on(
    mail_account: MailAccount,
    workbook: XlsxBackend,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = config_for(mail_account, tmp_path)
    caplog.set_level(logging.INFO)
    bad = {PASSWORD_ENV: "nope"}
    assert nightly_mail(config, workbook, state_dir=tmp_path / "s", today=TODAY, env=bad) is None
    assert "mail scan failed; the sync runs anyway" in caplog.text
    assert "nope" not in caplog.text


def test_the_nightly_job_logs_sent_mail_before_it_syncs(
    mail_account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    account = mail_account
    account.append(SENT, to=["ana@example.org"], day=DAY)
    config = config_for(account, tmp_path)
    noon = dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC)
    job = NightlyJob(
        config,
        state_dir=tmp_path / "state",
        clock=FakeClock(noon),
        backend_factory=lambda _: workbook,
        env=env_of(account),
    )
    assert job().ok
    assert log_rows(workbook) == [[DAY, "Ana Lima", "email"]]
    contacts = rows_of(workbook, "Contacts")
    status = contacts[0].index("Status")
    ana = next(row for row in contacts if row[0] == "Ana Lima")
    # The sync after the scan already counts the email: Ana (close, 30 days) is not overdue.
    assert ana[status] != "overdue"


def test_a_failing_mail_scan_leaves_the_nightly_sync_running(
    mail_account: MailAccount, workbook: XlsxBackend, tmp_path: Path
) -> None:
    config = config_for(mail_account, tmp_path)
    noon = dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC)
    job = NightlyJob(
        config,
        state_dir=tmp_path / "state",
        clock=FakeClock(noon),
        backend_factory=lambda _: workbook,
        env={},
    )
    assert job().ok
    assert "Status" in rows_of(workbook, "Contacts")[0]
