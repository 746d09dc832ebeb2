"""Security: formula injection, secrets and personal data in output, credential files.

What "output at the default level" means here:
- Logs (any level up to INFO, so the default WARNING too) carry no contact data at all:
  no name, email, phone, note, interest, key or token.
- The CLI summary is printed to the user's own terminal: it may show names and the
  planned actions, but never an email, phone number, Interests or Notes text. A row
  with no name is shown as "row 7", not by its email.
- `--dry-run` is the exception by design: it lists the exact cell contents it would
  write, which is what the user asked to see.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import stat
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import yaml
from click.testing import CliRunner
from harness import FORMULA_STARTS, TODAY, contacts, examples, make_config, person
from hypothesis import given, settings
from hypothesis import strategies as st

from sheets_keepup.app.snapshots import SnapshotStore
from sheets_keepup.app.sync import sync
from sheets_keepup.backends.google.permissions import check_credentials_file
from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_keepup.cli import main
from sheets_keepup.core.errors import ExitStatus, SheetChangedError, UserError

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"
TOKEN = "ya29.a0AfH6SMBx-SECRET-TOKEN"
SECRETS = [
    "secret.ann@example.org",
    "nameless.person@example.org",
    "ghost.person@example.org",
    "+44 7700 900123",
    "7700 900123",
    "PRIVATE-NOTE",
    "Zed and Yo",
    "INTEREST-SECRET",
    "BEGIN PRIVATE KEY",
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
    "ya29.",
    "SECRET-TOKEN",
]
NAMES = ["Ann Secretname", "Bob Plainname"]


def private_tabs() -> dict[str, list[list[Any]]]:
    old = dt.date(2025, 1, 5)
    return {
        "Contacts": contacts(
            person(
                "Ann Secretname",
                email="secret.ann@example.org",
                phone="+44 7700 900123",
                tier="close",
                last_contact=old,
                notes="PRIVATE-NOTE kids Zed and Yo. " + PEM,
                interests="INTEREST-SECRET sailing",
            ),
            person("", email="nameless.person@example.org", tier="core", last_contact=old),
            person("Bob Plainname", phone="+44 7700 900123", tier="network", last_contact=old),
            person("Cy Badtier", tier="vip", notes=TOKEN),
        ),
        "Log": [
            ["Date", "Who", "Kind", "Note"],
            [dt.date(2026, 11, 1), "ghost.person@example.org", "call", TOKEN],
        ],
    }


def leaks(text: str, *, names_allowed: bool) -> list[str]:
    found = [s for s in SECRETS if s in text]
    if not names_allowed:
        found += [n for n in NAMES if n in text]
    return found


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "private.xlsx"
    write_new_workbook(path, private_tabs())
    return path


def config_file(folder: Path, workbook: Path, **extra: Any) -> Path:
    path = folder / "sheets-keepup.yaml"
    data = {"source": {"kind": "xlsx", "path": str(workbook)}, "state_dir": str(folder / "state")}
    path.write_text(yaml.safe_dump({**data, **extra}))
    return path


# --- Formula injection ---------------------------------------------------------------


def _sheet_cells(path: Path) -> list[tuple[str, str | None, bool, str]]:
    """(cell, type attribute, has a formula, text) for every cell in the first sheet."""
    with zipfile.ZipFile(path) as archive:
        root = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
        shared: list[str] = []
        if "xl/sharedStrings.xml" in archive.namelist():
            strings = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in strings]
    found = []
    for c in root.iter(f"{{{NS['m']}}}c"):
        kind = c.get("t")
        value = c.find("m:v", NS)
        inline = "".join(t.text or "" for t in c.iter(f"{{{NS['m']}}}t"))
        text = inline
        if kind == "s" and value is not None and value.text is not None:
            text = shared[int(value.text)]
        elif value is not None and value.text is not None and not inline:
            text = value.text
        found.append((c.get("r", ""), kind, c.find("m:f", NS) is not None, text))
    return found


HOSTILE_NAMES = [
    "=1+1",
    '=HYPERLINK("http://evil.example","click me")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    '=IMPORTXML("http://evil.example","//a")',
]


def test_xlsx_never_stores_contact_text_as_a_formula(tmp_path: Path) -> None:
    path = tmp_path / "hostile.xlsx"
    rows = contacts(*(person(n, tier="close", email=n, notes=n) for n in HOSTILE_NAMES))
    write_new_workbook(path, {"Contacts": rows})
    config = make_config(
        path, columns={"owned": {"next_action": "=Next action", "status": "+Status"}}
    )
    result = sync(XlsxBackend(path), config, TODAY)
    assert result.written
    cells = _sheet_cells(path)
    assert [c for c in cells if c[2]] == [], "no cell may hold a formula"
    risky = [c for c in cells if c[3].startswith(FORMULA_STARTS)]
    assert len(risky) >= 3 * len(HOSTILE_NAMES) + 2  # names, emails, notes, two headers
    for ref, kind, _formula, text in risky:
        assert kind in ("s", "inlineStr"), (ref, kind, text)
    # Every owned cell written starts with plain text, whatever the name held.
    for cell in result.changes.cells:
        if isinstance(cell.value, str) and cell.row > 0:
            assert not cell.value.startswith(FORMULA_STARTS), cell.value
    # And they read back as text, not as a formula result.
    from openpyxl import load_workbook

    sheet = load_workbook(path)["Contacts"]
    assert sheet["A2"].value == "=1+1" and sheet["A2"].data_type == "s"


@pytest.mark.slow
@settings(max_examples=examples(60))
@given(
    names=st.lists(
        st.tuples(st.sampled_from(FORMULA_STARTS), st.text(max_size=20)).map("".join),
        min_size=1,
        max_size=6,
    ),
    tier=st.sampled_from(["close", "core", "network", "acquaintance", "vip", ""]),
    last=st.one_of(st.none(), st.dates(dt.date(2015, 1, 1), dt.date(2026, 11, 23))),
    birthday=st.sampled_from([None, "11-25", "02-29", "12-31"]),
    email=st.sampled_from(["", "=x@example.com", "-x@example.com"]),
    picks=st.integers(0, 3),
    day=st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31)),
)
def test_owned_text_never_starts_like_a_formula(
    names: list[str],
    tier: str,
    last: dt.date | None,
    birthday: str | None,
    email: str,
    picks: int,
    day: dt.date,
) -> None:
    """Next action quotes the contact's name; whatever the name, no owned cell may start
    with = + - or @, and the name is never the first thing in it."""
    people = [
        person(n, tier=tier, last_contact=last, birthday=birthday, email=email, notes=n)
        for n in names
    ]
    people.append(person("", email="=cmd@example.com", tier=tier))
    sheet = MemoryBackend.from_rows({"Contacts": contacts(*people)})
    result = sync(sheet, make_config(picks_per_week=picks), day)
    for cell in result.changes.cells:
        if isinstance(cell.value, str):
            assert not cell.value.startswith(FORMULA_STARTS), cell.value
            for name in names:
                if name.strip():
                    assert not cell.value.startswith(name.strip())


# --- Secrets and personal data in output ---------------------------------------------


@pytest.mark.parametrize("level", [logging.WARNING, logging.INFO])
def test_library_logs_and_prints_no_contact_data(
    level: int,
    workbook: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(level)
    store = SnapshotStore(tmp_path / "state", str(workbook))
    result = sync(XlsxBackend(workbook), make_config(workbook), TODAY, snapshots=store)
    assert result.written and result.problems
    # A failing sync: the sheet keeps moving under every attempt, so it gives up.
    moving = MemoryBackend.from_rows(private_tabs())

    def shuffle(backend: MemoryBackend) -> None:
        rows = backend.tabs["Contacts"]
        rows[1:] = [*rows[2:], rows[1]]

    moving.before_apply.append(shuffle)
    with pytest.raises(SheetChangedError) as failed:
        sync(moving, make_config(), TODAY)
    out = capsys.readouterr()
    logged = caplog.text + "".join(r.getMessage() for r in caplog.records)
    everything = logged + out.out + out.err + str(failed.value)
    assert leaks(everything, names_allowed=False) == []
    if level == logging.INFO:
        assert "planning again" in caplog.text  # the test did capture INFO


@pytest.mark.parametrize("verbose", [[], ["-v"]])
def test_cli_summary_shows_names_but_no_private_data(
    verbose: list[str], workbook: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    config = config_file(tmp_path, workbook)
    result = CliRunner().invoke(
        main, [*verbose, "sync", "-c", str(config), "--today", "2026-11-23"]
    )
    assert result.exit_code == 0, result.output
    assert "Ann Secretname" in result.output  # names are the point of the summary
    assert "row 3" in result.output  # the nameless contact, by row
    assert "'Log'!B2" in result.output  # the unknown Log entry, by cell
    assert leaks(result.output + caplog.text, names_allowed=True) == []
    assert leaks(caplog.text, names_allowed=False) == []


def test_cli_failing_sync_shows_no_private_data(
    workbook: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    config = config_file(tmp_path, workbook)
    workbook.with_name(f"~${workbook.name}").write_text("locked by Excel")
    result = CliRunner().invoke(main, ["-v", "sync", "-c", str(config), "--today", "2026-11-23"])
    assert result.exit_code == ExitStatus.ACCESS, result.output
    assert "open in another program" in result.stderr
    assert leaks(result.output + caplog.text, names_allowed=False) == []


def test_cli_config_error_does_not_echo_secret_values(tmp_path: Path) -> None:
    """A config value that fails validation is named by its key, and secrets put in the
    wrong place are not echoed back."""
    path = tmp_path / "sheets-keepup.yaml"
    path.write_text(yaml.safe_dump({"source": {"kind": "xlsx", "path": "x.xlsx", "token": TOKEN}}))
    result = CliRunner().invoke(main, ["sync", "-c", str(path)])
    assert result.exit_code == ExitStatus.CONFIG
    assert "source.token" in result.output
    assert "SECRET-TOKEN" not in result.output


def test_snapshots_are_private_to_the_user(workbook: Path, tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "state", str(workbook))
    result = sync(XlsxBackend(workbook), make_config(workbook), TODAY, snapshots=store)
    assert result.snapshot is not None
    assert stat.S_IMODE(result.snapshot.stat().st_mode) == 0o600
    for folder in (result.snapshot.parent, result.snapshot.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


# --- Credential files ------------------------------------------------------------------


@pytest.fixture
def credentials(tmp_path: Path) -> Path:
    folder = tmp_path / "private"
    folder.mkdir(mode=0o700)
    path = folder / "service-account.json"
    path.write_text(json.dumps({"type": "service_account", "private_key": PEM}))
    return path


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (0o600, None),
        (0o400, None),
        (0o644, "readable by other users (mode 0644)"),
        (0o640, "readable by its group (mode 0640)"),
        (0o604, "readable by other users (mode 0604)"),
        (0o622, "can be changed by other users (mode 0622)"),
    ],
)
def test_credentials_readable_by_others_are_warned_about(
    credentials: Path, mode: int, expected: str | None
) -> None:
    credentials.chmod(mode)
    warnings = check_credentials_file(credentials)
    if expected is None:
        assert warnings == []
    else:
        assert len(warnings) == 1
        assert expected in warnings[0]
        assert f"chmod 600 '{credentials}'" in warnings[0]
    assert not any(re.search("PRIVATE KEY|MIIE|service_account", w) for w in warnings)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_credentials_in_a_folder_anyone_can_write_are_warned_about(credentials: Path) -> None:
    credentials.chmod(0o600)
    credentials.parent.chmod(0o777)
    try:
        warnings = check_credentials_file(credentials)
    finally:
        credentials.parent.chmod(0o700)
    assert len(warnings) == 1 and "can be written by anyone" in warnings[0]


def test_missing_credentials_file_is_left_to_the_caller(tmp_path: Path) -> None:
    assert check_credentials_file(tmp_path / "nope.json") == []


@pytest.mark.parametrize("level", [logging.WARNING, logging.INFO])
def test_google_sync_with_retries_logs_no_contact_data(
    level: int, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """Retries, a re-plan after the sheet moved, and a failing write on the Google
    backend: the log says what happened, never to whom."""
    from harness import GoogleTarget, sheets_server

    caplog.set_level(level)
    t = GoogleTarget(private_tabs())
    faults = sheets_server().faults
    try:
        faults.queue_error(429, 2, method="GET")
        faults.before_request(
            lambda state, info: state.insert_rows(t.key, "Contacts", 2, [["Zed", "z@x.org"]]),
            once=True,
            path_pattern="values:batchGet",
        )
        assert sync(t.backend(), make_config(), TODAY).written
        faults.queue_error(503, 10, method="POST")
        with pytest.raises(UserError) as failed:
            sync(t.backend(), make_config(), TODAY + dt.timedelta(days=40))
    finally:
        faults.clear()
    out = capsys.readouterr()
    everything = caplog.text + out.out + out.err + str(failed.value)
    assert leaks(everything, names_allowed=False) == []
    if level == logging.INFO:
        assert "retry" in caplog.text
