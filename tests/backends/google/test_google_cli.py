"""check, restore and demo --google as a user meets them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from fake_google import FakeGoogle
from openpyxl import load_workbook

from sheets_keepup.app.check import check_source
from sheets_keepup.app.restore import pick_snapshot, restore_snapshot
from sheets_keepup.app.snapshots import SnapshotStore
from sheets_keepup.app.sync import sync
from sheets_keepup.backends.google.auth import load_credentials
from sheets_keepup.backends.google.backend import GoogleBackend
from sheets_keepup.backends.xlsx import write_new_workbook
from sheets_keepup.cli import main
from sheets_keepup.core.errors import AuthError, ExitStatus, SheetChangedError
from sheets_keepup.core.sample import sample_tabs
from sheets_keepup.core.settings import Config, SourceConfig

TODAY = dt.date(2026, 11, 23)
EMAIL = "keepup@demo-project.iam.gserviceaccount.com"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write_config(folder: Path, source: dict[str, Any]) -> Path:
    path = folder / "sheets-keepup.yaml"
    path.write_text(yaml.safe_dump({"source": source, "state_dir": str(folder / "state")}))
    return path


@pytest.fixture
def service_account_key(tmp_path: Path) -> Path:
    """A syntactically real service-account key (a fresh RSA key, never used online)."""
    rsa = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.rsa")
    serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = tmp_path / "service-account.json"
    info = {
        "type": "service_account",
        "project_id": "demo-project",
        "private_key_id": "0" * 40,
        "private_key": pem,
        "client_email": EMAIL,
        "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    path.write_text(json.dumps(info))
    return path


# --- demo --google ------------------------------------------------------------------------


def test_demo_google_runs_the_google_path_and_counts_requests(runner: CliRunner) -> None:
    result = runner.invoke(main, ["demo", "--google", "--today", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert "33 contacts" in result.output and "This week's picks" in result.output
    # A first sync: the metadata and values reads, then the structure and values writes.
    assert "Google Sheets API requests: 4 (2 read(s), 2 write(s)" in result.output
    assert "Syncing again at once: 2 request(s), and nothing to write." in result.output


# --- check ----------------------------------------------------------------------------------


def test_check_passes_on_a_good_workbook(runner: CliRunner, tmp_path: Path) -> None:
    book = tmp_path / "contacts.xlsx"
    write_new_workbook(book, sample_tabs(TODAY))
    config = write_config(tmp_path, {"kind": "xlsx", "path": str(book)})
    result = runner.invoke(main, ["check", "-c", str(config), "--today", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert "Tab 'Contacts': header row 3, 33 contact(s)" in result.output
    assert "will add the column(s) Next action, Due, Status" in result.output
    assert "Ready" in result.output


DUPLICATED = [
    ["Name", "Email", "Company"],
    ["Ada Lovelace", "ada@example.com", "Engines"],
    ["Charles Babbage", "cb@example.com", "Engines"],
    ["A. Lovelace", "ADA@example.com", ""],
    ["Grace Hopper", "", "Navy"],
    ["Grace Hopper", "", "Navy"],
]


def test_check_reports_duplicate_rows_in_a_workbook(runner: CliRunner, tmp_path: Path) -> None:
    book = tmp_path / "contacts.xlsx"
    write_new_workbook(book, {"Contacts": DUPLICATED})
    config = write_config(tmp_path, {"kind": "xlsx", "path": str(book)})
    result = runner.invoke(main, ["check", "-c", str(config), "--today", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert "2 person(s) appear on more than one row" in result.output
    assert "Duplicate rows, same email: row 2 Ada Lovelace" in result.output
    assert "row 4 A. Lovelace" in result.output
    assert "Duplicate rows, same name and company: row 5 Grace Hopper" in result.output

    write_new_workbook(book, sample_tabs(TODAY), overwrite=True)
    clean = runner.invoke(main, ["check", "-c", str(config), "--today", "2026-11-23"])
    assert clean.exit_code == 0 and "Duplicate rows" not in clean.output


def test_check_reports_duplicate_rows_on_google(fake: FakeGoogle) -> None:
    key = fake.create({"Contacts": DUPLICATED})
    config = Config(source=SourceConfig(kind="google", spreadsheet=key))
    report = check_source(config, TODAY, lambda _c: fake.backend(key))
    assert report.ok
    notes = [f.text for f in report.findings if f.ok is None]
    duplicates = [n.strip() for n in notes if "Duplicate rows" in n]
    assert len(duplicates) == 2
    assert duplicates[0].startswith("Duplicate rows, same email: row 2 Ada Lovelace")
    assert report.findings[-1].text.startswith("Ready")
    assert fake.server.request_count(kind="write") == 0


def test_check_names_the_missing_workbook_tab_and_headers(
    runner: CliRunner, tmp_path: Path
) -> None:
    book = tmp_path / "contacts.xlsx"
    config = write_config(tmp_path, {"kind": "xlsx", "path": str(book)})
    missing = runner.invoke(main, ["check", "-c", str(config)])
    assert missing.exit_code == ExitStatus.ACCESS and "No workbook at" in missing.output

    write_new_workbook(book, {"People": [["Name", "Email"], ["Ada", "a@x"]]})
    no_tab = runner.invoke(main, ["check", "-c", str(config)])
    assert no_tab.exit_code == ExitStatus.DATA and "No tab named 'Contacts'" in no_tab.output

    write_new_workbook(book, {"Contacts": [["Phone", "Tier"], ["1", "core"]]}, overwrite=True)
    no_name = runner.invoke(main, ["check", "-c", str(config)])
    assert no_name.exit_code == ExitStatus.DATA
    assert "'Full name'" in no_name.output  # the aliases it looked for


def test_check_says_the_credentials_are_missing_or_wrong(runner: CliRunner, tmp_path: Path) -> None:
    source = {"kind": "google", "spreadsheet": "1" * 44}
    config = write_config(tmp_path, {**source, "credentials": str(tmp_path / "nope.json")})
    result = runner.invoke(main, ["check", "-c", str(config)])
    assert result.exit_code == ExitStatus.AUTH
    assert "does not exist" in result.output

    client_file = tmp_path / "client.json"
    client_file.write_text(json.dumps({"installed": {"client_id": "x"}}))
    config = write_config(tmp_path, {**source, "credentials": str(client_file)})
    result = runner.invoke(main, ["check", "-c", str(config)])
    assert result.exit_code == ExitStatus.AUTH
    assert "not a service-account key" in result.output and "auth: oauth" in result.output


def test_no_credentials_at_all_points_at_the_config_and_the_environment() -> None:
    source = SourceConfig(kind="google", spreadsheet="1" * 44)
    with pytest.raises(AuthError, match="GOOGLE_APPLICATION_CREDENTIALS"):
        load_credentials(source, env={})


def test_the_key_file_gives_the_email_and_never_the_key(service_account_key: Path) -> None:
    source = SourceConfig(kind="google", spreadsheet="1" * 44)
    loaded = load_credentials(
        source, env={"GOOGLE_APPLICATION_CREDENTIALS": str(service_account_key)}
    )
    assert loaded.account_email == EMAIL
    assert "PRIVATE KEY" not in loaded.describe() and EMAIL in loaded.describe()


def test_check_on_a_sheet_not_shared_names_the_account_to_share_with(
    fake: FakeGoogle, service_account_key: Path
) -> None:
    key = fake.create(sample_tabs(TODAY))
    loaded = load_credentials(
        SourceConfig(kind="google", spreadsheet=key, credentials=service_account_key)
    )
    config = Config(source=SourceConfig(kind="google", spreadsheet=key))

    def opener(_config: Config) -> GoogleBackend:
        return fake.backend(
            key, account_email=loaded.account_email, credentials_note=loaded.describe()
        )

    fake.server.faults.revoke_permission()
    report = check_source(config, TODAY, opener)
    assert report.status == ExitStatus.ACCESS
    assert f"add {EMAIL} as an Editor" in report.findings[-1].text
    credentials = next(f for f in report.findings if EMAIL in f.text)
    assert credentials.ok
    assert all("PRIVATE KEY" not in f.text for f in report.findings)

    fake.server.faults.revoke_permission(False)
    assert check_source(config, TODAY, opener).ok


def test_check_on_google_lists_the_tabs_when_contacts_is_missing(fake: FakeGoogle) -> None:
    key = fake.create({"People": [["Name", "Email"]], "Notes": [["x"]]})
    config = Config(source=SourceConfig(kind="google", spreadsheet=key))
    report = check_source(config, TODAY, lambda _c: fake.backend(key))
    assert report.status == ExitStatus.DATA
    assert "The sheet has: 'People', 'Notes'" in report.findings[-1].text


# --- restore -------------------------------------------------------------------------------


def test_restore_on_xlsx_puts_back_and_can_be_undone(runner: CliRunner, tmp_path: Path) -> None:
    book = tmp_path / "contacts.xlsx"
    write_new_workbook(book, sample_tabs(TODAY))
    config = write_config(tmp_path, {"kind": "xlsx", "path": str(book)})
    assert runner.invoke(main, ["sync", "-c", str(config), "--today", "2026-11-23"]).exit_code == 0
    synced = [c.value for c in load_workbook(book)["Contacts"][4]]
    assert synced[-2] is not None  # the Status (the Done box after it starts empty)

    listed = runner.invoke(main, ["restore", "-c", str(config), "--list"])
    assert listed.exit_code == 0 and "cell(s)" in listed.output
    restored = runner.invoke(main, ["restore", "-c", str(config)])
    assert restored.exit_code == 0, restored.output
    row = [c.value for c in load_workbook(book)["Contacts"][4]]
    assert not any(row[13:])
    assert load_workbook(book)["Contacts"].cell(4, 1).fill.fill_type is None

    undo = restored.output.split("sheets-keepup restore ")[-1].split()[0]
    again = runner.invoke(main, ["restore", "-c", str(config), undo])
    assert again.exit_code == 0, again.output
    assert [c.value for c in load_workbook(book)["Contacts"][4]] == synced


def synced_with_snapshot(fake: FakeGoogle, key: str, tmp_path: Path) -> SnapshotStore:
    """The sheet synced once, and the store holding the snapshot that undoes that sync."""
    backend = fake.backend(key)
    store = SnapshotStore(tmp_path, backend.describe())
    config = Config(source=SourceConfig(kind="google", spreadsheet=key))
    sync(backend, config, TODAY, snapshots=store, now=dt.datetime(2026, 11, 23, 6))
    return store


def test_restore_on_google_puts_back_in_one_values_write(fake: FakeGoogle, tmp_path: Path) -> None:
    key = fake.create(sample_tabs(TODAY))
    before = fake.rows(key, "Contacts")
    store = synced_with_snapshot(fake, key, tmp_path)
    assert fake.rows(key, "Contacts") != before

    fake.server.clear_log()
    restore_snapshot(fake.backend(key), store, pick_snapshot(store, None), dt.datetime.now())
    assert fake.rows(key, "Contacts") == before
    assert fake.background(key, "Contacts", 3, 0) is None
    # Every row the sync wrote is anchored already: the restore needs no structure.
    writes = [r.name for r in fake.server.find_requests(kind="write")]
    assert writes == ["sheets.spreadsheets.values.batchUpdateByDataFilter"]


def test_restore_on_google_after_a_sort_puts_back_each_persons_own_cells(
    fake: FakeGoogle, tmp_path: Path
) -> None:
    """Restoring after the user sorted the rows either refuses and writes nothing, or
    gives every person back their own cells: never one person's cells to another."""
    key = fake.create(sample_tabs(TODAY))
    store = synced_with_snapshot(fake, key, tmp_path)
    header = 2
    width = len(sample_tabs(TODAY)["Contacts"][header])
    sheet_id = fake.server.state.sheet_properties(key, "Contacts")["sheetId"]
    grid = {"sheetId": sheet_id, "startRowIndex": header + 1}
    spec = {"dimensionIndex": 0, "sortOrder": "DESCENDING"}
    fake.server.state.apply(key, {"sortRange": {"range": grid, "sortSpecs": [spec]}})
    sorted_rows = fake.rows(key, "Contacts")
    try:
        restore_snapshot(fake.backend(key), store, pick_snapshot(store, None), dt.datetime.now())
    except SheetChangedError:
        assert fake.rows(key, "Contacts") == sorted_rows
        return
    rows = fake.rows(key, "Contacts")
    # The snapshot was taken before the first sync: nobody had owned cells then.
    holding = {str(r[0]): r[width:] for r in rows[header + 1 :] if any(r[width:])}
    assert holding == {}
    assert [r[:width] for r in rows] == [r[:width] for r in sorted_rows]


def test_open_google_backend_from_the_config(fake: FakeGoogle, service_account_key: Path) -> None:
    from fakesheets import fake_session

    from sheets_keepup.backends.google import open_google_backend

    key = fake.create(sample_tabs(TODAY))
    source = SourceConfig(
        kind="google",
        spreadsheet=f"https://docs.google.com/spreadsheets/d/{key}/edit#gid=0",
        credentials=service_account_key,
        timeout_seconds=7,
        max_retries=0,
    )
    backend = open_google_backend(Config(source=source), session=fake_session(fake.server))
    assert backend.key == key and backend.account_email == EMAIL
    assert backend.max_retries == 0 and backend.client.http_client.timeout == 7
    assert "Contacts" in backend.read(["Contacts"]).tabs
