"""`init` never sets up an empty contacts tab beside the real list (issue 17, items 2, 11).

With the contact list on a tab called "People", `init` used to create an empty
"Contacts" tab, and every later sync then read no one and said all was well. Now `init`
stops and says which line to put in the config, a sync of no contacts says where the
contacts are, and `init --dry-run` speaks of what it would do.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from fake_clock import FakeClock
from openpyxl import load_workbook

from sheets_keepup.app.init import init_sheet
from sheets_keepup.app.run import NightlyJob
from sheets_keepup.app.scheduler import NightlyRunner
from sheets_keepup.app.status import read_status
from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.backends.xlsx import write_new_workbook
from sheets_keepup.cli import main
from sheets_keepup.core.errors import DataError, ExitStatus
from sheets_keepup.core.settings import Config, SourceConfig

TODAY = dt.date(2026, 11, 23)
PEOPLE = [
    ["Name", "Email", "Last contact"],
    ["Ada Lovelace", "ada@example.org", "2026-01-05"],
    ["Bo Chen", "bo@example.org", "2026-06-01"],
]


def config_for(path: Path, **extra: Any) -> Config:
    return Config(source=SourceConfig(kind="xlsx", path=path), timezone="UTC", **extra)


def test_init_stops_when_the_contacts_are_on_another_tab() -> None:
    backend = MemoryBackend(tabs={"People": [list(r) for r in PEOPLE]})
    with pytest.raises(DataError) as caught:
        init_sheet(backend, config_for(Path("x.xlsx")), TODAY)
    message = str(caught.value)
    assert "tab 'People' holds one (2 contacts" in message
    assert "`tabs.contacts: People`" in message
    assert caught.value.exit_status == ExitStatus.DATA
    assert set(backend.tabs) == {"People"}  # no Contacts tab, no Log tab


def test_init_stops_too_when_an_empty_contacts_tab_was_made_by_mistake() -> None:
    backend = MemoryBackend(tabs={"Contacts": [], "People": [list(r) for r in PEOPLE]})
    with pytest.raises(DataError, match=r"tabs\.contacts: People"):
        init_sheet(backend, config_for(Path("x.xlsx")), TODAY)
    assert backend.tabs["Contacts"] == []


def test_a_tab_without_names_and_emails_is_not_taken_for_contacts() -> None:
    backend = MemoryBackend(tabs={"Notes": [["Topic", "Text"], ["x", "y"]]})
    result = init_sheet(backend, config_for(Path("x.xlsx")), TODAY)
    assert result.written
    assert "Contacts" in backend.tabs


def test_init_command_exits_non_zero_and_says_what_to_set(tmp_path: Path) -> None:
    workbook = tmp_path / "contacts.xlsx"
    write_new_workbook(workbook, {"People": PEOPLE})
    before = workbook.read_bytes()
    config = tmp_path / "sheets-keepup.yaml"
    source = {"kind": "xlsx", "path": str(workbook)}
    config.write_text(yaml.safe_dump({"source": source, "state_dir": str(tmp_path / "s")}))
    result = CliRunner().invoke(main, ["init", "-c", str(config)])
    assert result.exit_code == ExitStatus.DATA, result.output
    assert "tab 'People'" in result.output and "tabs.contacts: People" in result.output
    assert workbook.read_bytes() == before
    assert load_workbook(workbook).sheetnames == ["People"]


def test_init_dry_run_says_would_not_did(tmp_path: Path) -> None:
    config = tmp_path / "sheets-keepup.yaml"
    result = CliRunner().invoke(
        main, ["init", "-c", str(config), "--xlsx", str(tmp_path / "new.xlsx"), "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "Would create tab 'Contacts'" in result.output
    assert "Would freeze the header row" in result.output
    assert "Created tab" not in result.output and "Froze" not in result.output
    assert not (tmp_path / "new.xlsx").exists()


def test_a_nightly_run_of_no_contacts_says_where_the_contacts_are(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The sheet as a too-eager init left it: an empty Contacts tab beside the list.
    tabs = {"Contacts": [["Name", "Email"]], "People": [list(r) for r in PEOPLE]}
    backend = MemoryBackend(tabs=tabs)
    config = config_for(Path("x.xlsx"), state_dir=tmp_path / "state")
    clock = FakeClock(dt.datetime(2026, 11, 23, 6, tzinfo=dt.UTC))
    job = NightlyJob(
        config, state_dir=tmp_path / "state", clock=clock, backend_factory=lambda _: backend
    )
    runner = NightlyRunner(
        job, at="06:00", timezone="UTC", state_dir=tmp_path / "state", clock=clock
    )
    with caplog.at_level(logging.INFO):
        assert runner.run_once() == ExitStatus.OK
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("tabs.contacts: People" in w for w in warnings), caplog.text
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("sync ok"))
    assert "rows=0" in line and "tab 'People' holds one" in line
    status = read_status(tmp_path / "state")
    assert status is not None and "tabs.contacts: People" in status.message
