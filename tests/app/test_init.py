"""`init` on a blank sheet, a new workbook and a sheet that already has contacts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from core_helpers import TODAY, contacts, make_config, person

from sheets_keepup.app.config_file import config_text, example_config_text, load_config
from sheets_keepup.app.init import init_sheet
from sheets_keepup.app.sync import sync
from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.backends.xlsx import XlsxBackend, read_tab_setup, write_new_workbook
from sheets_keepup.cli import main
from sheets_keepup.core.errors import DataError, ExitStatus, UserError
from sheets_keepup.core.init_plan import log_kinds
from sheets_keepup.core.model import TabSetup
from sheets_keepup.core.settings import Config, config_from_mapping

Backend = MemoryBackend | XlsxBackend
Factory = Callable[[dict[str, list[list[Any]]]], Backend]
CONTACT_HEADERS = [
    "Name",
    "Email",
    "Phone",
    "Company/Role",
    "How we met",
    "Tier",
    "Cadence",
    "Last contact",
    "Last in person",
    "Birthday",
    "Interests",
    "Notes",
    "Snooze until",
    "Next action",
    "Due",
    "Status",
    "Done",
]


@pytest.fixture(params=["memory", "xlsx"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Factory:
    def memory(tabs: dict[str, list[list[Any]]]) -> Backend:
        return MemoryBackend.from_rows(tabs)

    def xlsx(tabs: dict[str, list[list[Any]]]) -> Backend:
        path = tmp_path / "book.xlsx"
        write_new_workbook(path, tabs, overwrite=True)
        return XlsxBackend(path)

    return memory if request.param == "memory" else xlsx


def setup_of(backend: Backend, tab: str) -> TabSetup:
    if isinstance(backend, MemoryBackend):
        return backend.tab_setup(tab)
    return read_tab_setup(backend.path, tab)


def rows_of(backend: Backend, tab: str) -> list[list[Any]]:
    found = backend.read([tab]).tabs[tab]
    trimmed = []
    for row in found.rows:
        values = list(row)
        while values and values[-1] is None:
            values.pop()
        trimmed.append(values)
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed


def test_blank_sheet_gets_headers_log_freeze_formats_dropdowns(
    make: Factory, config: Config
) -> None:
    backend = make({"Contacts": [], "Notes": [["mine"]]})
    result = init_sheet(backend, config, TODAY)
    assert result.written
    assert rows_of(backend, "Contacts") == [CONTACT_HEADERS]
    assert rows_of(backend, "Log") == [["Date", "Who", "Kind", "Note"]]
    assert rows_of(backend, "Notes") == [["mine"]]
    contacts = setup_of(backend, "Contacts")
    assert contacts.frozen_rows == 1
    assert [CONTACT_HEADERS[c] for c in contacts.date_columns] == [
        "Last contact",
        "Last in person",
        "Snooze until",
        "Due",
    ]
    [tiers] = contacts.dropdowns
    assert CONTACT_HEADERS[tiers.col] == "Tier"
    assert tiers.values == ("close", "core", "network", "acquaintance")
    assert set(contacts.widths) == set(range(len(CONTACT_HEADERS)))
    log = setup_of(backend, "Log")
    assert log.frozen_rows == 1
    assert list(log.date_columns) == [0]
    [kinds] = log.dropdowns
    assert kinds.col == 2
    assert kinds.values == log_kinds(config)
    assert {"email", "call", "coffee", "lunch", "thank-you"} <= set(kinds.values)


def test_missing_contacts_tab_is_created(make: Factory, config: Config) -> None:
    backend = make({"Sheet1": []})
    init_sheet(backend, config, TODAY)
    assert rows_of(backend, "Contacts") == [CONTACT_HEADERS]


def test_sample_rows_sync_cleanly(make: Factory, config: Config) -> None:
    backend = make({"Contacts": []})
    result = init_sheet(backend, config, TODAY, sample=True)
    rows = rows_of(backend, "Contacts")
    assert 3 <= len(rows) - 1 <= 6
    assert all(str(r[0]).startswith("Example:") for r in rows[1:])
    assert any("example rows" in line for line in result.plan.done)
    assert len(rows_of(backend, "Log")) == 2
    synced = sync(backend, config, TODAY)
    assert synced.written
    assert not synced.problems
    assert len(synced.plan.rows) == len(rows) - 1


def test_custom_tiers_and_owned_names_are_used(make: Factory) -> None:
    config = make_config(
        tiers={"mentor": {"cadence_days": 60}, "friend": {"cadence_days": 30}},
        default_tier="friend",
        rules={"new_year": {"tiers": ["mentor"]}},
        columns={"owned": {"next_action": "To do", "due": "When", "status": "State"}},
    )
    backend = make({"Contacts": []})
    init_sheet(backend, config, TODAY, sample=True)
    header = rows_of(backend, "Contacts")[0]
    assert header[-4:] == ["To do", "When", "State", "Done"]
    [tiers] = setup_of(backend, "Contacts").dropdowns
    assert tiers.values == ("mentor", "friend")
    tier_col = header.index("Tier")
    assert {r[tier_col] for r in rows_of(backend, "Contacts")[1:]} <= {"mentor", "friend"}


def test_existing_contacts_get_only_what_is_missing(make: Factory, config: Config) -> None:
    rows = [
        ["My contacts"],
        [],
        ["Surname", "Name", "E-mail", "Tier", "My column"],
        ["Lovelace", "Ada", "ada@example.com", "Close", "x"],
        ["Hopper", "Grace", None, None, "y"],
    ]
    backend = make({"Contacts": [list(r) for r in rows]})
    result = init_sheet(backend, config, TODAY, sample=True)
    after = rows_of(backend, "Contacts")
    assert after[0] == ["My contacts"]
    assert after[2] == [*rows[2], "Next action", "Due", "Status", "Done"]
    assert after[3:] == rows[3:]
    assert rows_of(backend, "Log") == [["Date", "Who", "Kind", "Note"]]
    setup = setup_of(backend, "Contacts")
    assert setup.first_row == 3
    assert [d.col for d in setup.dropdowns] == [3]
    assert list(setup.date_columns) == [6]
    assert set(setup.widths) == {5, 6, 7, 8}
    if isinstance(backend, XlsxBackend):
        assert list(setup.checkboxes) == [8]  # Done: a TRUE/FALSE list in a workbook
    assert setup.frozen_rows in (0, 1)  # left as it was (a new workbook freezes row 1)
    assert any("--sample ignored" in n for n in result.plan.notes)


def test_unknown_tiers_get_no_dropdown_and_say_where(make: Factory, config: Config) -> None:
    table = contacts(person("Ada", tier="close"), person("Bo", tier="vip"))
    backend = make({"Contacts": table, "Log": [["Date", "Who"]]})
    init_sheet(backend, config, TODAY)  # adds (and marks) the owned columns
    result = init_sheet(backend, config, TODAY)
    assert not setup_of(backend, "Contacts").dropdowns
    assert any("D3 'vip'" in n for n in result.plan.notes), result.plan.notes
    assert not result.written  # nothing else was missing
    assert rows_of(backend, "Log") == [["Date", "Who"]]


def test_init_twice_changes_nothing_more(make: Factory, config: Config) -> None:
    backend = make({"Contacts": [["Name", "Tier"], ["Ada", "core"]]})
    init_sheet(backend, config, TODAY)
    first = rows_of(backend, "Contacts"), rows_of(backend, "Log")
    again = init_sheet(backend, config, TODAY)
    assert (rows_of(backend, "Contacts"), rows_of(backend, "Log")) == first
    assert len(setup_of(backend, "Contacts").dropdowns) == 1
    assert not again.plan.changes.cells
    assert not again.plan.changes.extra_tabs


def test_cells_without_a_header_are_refused(make: Factory, config: Config) -> None:
    backend = make({"Contacts": [["just", "some"], ["text", None]]})
    with pytest.raises(DataError, match="never rewrites your cells"):
        init_sheet(backend, config, TODAY)


def test_dry_run_writes_nothing(make: Factory, config: Config) -> None:
    backend = make({"Contacts": []})
    result = init_sheet(backend, config, TODAY, dry_run=True)
    assert not result.written and result.plan.done
    assert rows_of(backend, "Contacts") == []


def test_new_workbook_path_is_created(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "contacts.xlsx"
    config = config_from_mapping({"source": {"kind": "xlsx", "path": str(path)}})
    dry = init_sheet(XlsxBackend(path), config, TODAY, dry_run=True)
    assert not path.exists() and dry.plan.done
    result = init_sheet(XlsxBackend(path), config, TODAY)
    assert result.created_file and result.written
    assert rows_of(XlsxBackend(path), "Contacts") == [CONTACT_HEADERS]


def test_config_text_fills_in_the_source_and_keeps_comments(tmp_path: Path) -> None:
    example = example_config_text()
    text = config_text(example, xlsx=Path("my contacts.xlsx"))
    assert text.count("\n#") == example.count("\n#")
    data = yaml.safe_load(text)
    assert data["source"] == {"kind": "xlsx", "path": "my contacts.xlsx"}
    url = "https://docs.google.com/spreadsheets/d/abc123/edit"
    data = yaml.safe_load(config_text(example, sheet=url))
    assert data["source"] == {"kind": "google", "spreadsheet": url}
    with pytest.raises(UserError):
        config_text(example)


def test_cli_init_writes_config_after_asking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    refused = runner.invoke(main, ["init", "--xlsx", "contacts.xlsx"], input="n\n")
    assert refused.exit_code == 0
    assert not Path("sheets-keepup.yaml").exists()
    result = runner.invoke(
        main,
        ["init", "--xlsx", "contacts.xlsx", "--sample", "--today", "2026-11-23"],
        input="y\n",
    )
    assert result.exit_code == 0, result.output
    assert "Write a config" in result.output
    config = load_config(Path("sheets-keepup.yaml"))
    assert config.source.path == Path("contacts.xlsx").resolve()
    assert Path("contacts.xlsx").exists()
    assert "example rows" in result.output
    again = runner.invoke(main, ["init", "--xlsx", "other.xlsx"])
    assert again.exit_code == int(ExitStatus.ERROR)
    assert "names another sheet" in again.output


def test_cli_init_yes_and_missing_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    missing = runner.invoke(main, ["init"])
    assert missing.exit_code == int(ExitStatus.CONFIG)
    assert "--xlsx" in missing.output
    result = runner.invoke(main, ["init", "--xlsx", "c.xlsx", "--yes", "-c", "cfg/k.yaml"])
    assert result.exit_code == 0, result.output
    config = load_config(Path("cfg/k.yaml"))
    assert config.source.path == Path("c.xlsx").resolve()
    assert yaml.safe_load(Path("cfg/k.yaml").read_text())["source"]["path"].endswith("c.xlsx")
    synced = runner.invoke(main, ["sync", "-c", "cfg/k.yaml"])
    assert synced.exit_code == 0, synced.output


def test_a_created_contacts_tab_says_how_to_use_another(make: Factory, config: Config) -> None:
    backend = make({"People": [["Name"], ["Ada"]]})
    result = init_sheet(backend, config, TODAY)
    assert any("tabs.contacts" in note for note in result.plan.notes)
    assert rows_of(backend, "People") == [["Name"], ["Ada"]]


def test_cli_init_dry_run_without_config_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["init", "--xlsx", "c.xlsx", "--dry-run", "--sample"])
    assert result.exit_code == 0, result.output
    assert "Would write a config" in result.output
    assert "Would do" in result.output and "example rows" in result.output
    assert list(tmp_path.iterdir()) == []


def test_cli_init_rejects_a_sheet_url_it_cannot_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["init", "--sheet", "my contacts", "--yes"])
    assert result.exit_code == int(ExitStatus.CONFIG)
    assert "neither a Google Sheets URL nor a key" in result.output
    assert list(tmp_path.iterdir()) == []
