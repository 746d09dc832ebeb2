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


def test_init_writing_a_new_config_points_it_at_the_tab_with_the_contacts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`init --xlsx` on an existing workbook whose list is on 'People': the config it
    writes names that tab, init sets it up, and the next sync reads both contacts."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    write_new_workbook(tmp_path / "my-network.xlsx", {"People": PEOPLE})
    result = CliRunner().invoke(main, ["init", "--xlsx", "my-network.xlsx", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Your contacts are on tab 'People' (2 contacts)" in result.output
    written = yaml.safe_load((tmp_path / "sheets-keepup.yaml").read_text())
    assert written["tabs"]["contacts"] == "People"
    book = load_workbook(tmp_path / "my-network.xlsx")
    assert book.sheetnames == ["People", "Log"]
    assert [c.value for c in book["People"][1]][-4:] == ["Next action", "Due", "Status", "Done"]
    synced = CliRunner().invoke(main, ["sync", "--json", "--today", TODAY.isoformat()])
    assert synced.exit_code == 0, synced.output
    assert '"rows": 2' in synced.output


def test_an_init_that_fails_after_writing_the_config_says_the_config_was_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    header = ["Name", "Email", "Last contact", "Status"]  # a column of the tool's name
    write_new_workbook(tmp_path / "c.xlsx", {"Contacts": [header, ["Ada", "a@example.org"]]})
    result = CliRunner().invoke(main, ["init", "--xlsx", "c.xlsx", "--yes"])
    assert result.exit_code == ExitStatus.DATA, result.output
    assert "Nothing was written." not in result.output  # the config was
    assert "The config file sheets-keepup.yaml was written and is kept." in result.output
    assert (tmp_path / "sheets-keepup.yaml").exists()


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
