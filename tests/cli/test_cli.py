"""The command line as a user meets it, through click's runner (no subprocess needed)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner
from openpyxl import load_workbook

from sheets_keepup.cli import main
from sheets_keepup.cli.sync import DEMO_FILE
from sheets_keepup.core.errors import ExitStatus


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write_config(folder: Path, workbook: Path, **extra: object) -> Path:
    path = folder / "sheets-keepup.yaml"
    data = {
        "source": {"kind": "xlsx", "path": str(workbook)},
        "state_dir": str(folder / "state"),
        **extra,
    }
    path.write_text(yaml.safe_dump(data))
    return path


def test_demo_copies_syncs_and_summarises(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["demo", "--dir", str(tmp_path), "--today", "2026-11-23"])
    assert result.exit_code == 0, result.output
    out = result.output
    for text in (
        "33 contacts",
        "overdue",
        "This week's picks (most urgent first)",
        # Each list says its order (a reader should not have to guess it).
        "Overdue (not picks; most urgent first: tier weight x time overdue)",
        "Due soon (not picks;",
        "Cells I could not read",
        "'last spring'",
        DEMO_FILE,
    ):
        assert text in out, text
    book = load_workbook(tmp_path / DEMO_FILE)
    header = [c.value for c in book["Contacts"][3]]
    assert header[-4:] == ["Next action", "Due", "Status", "Done"]


def test_demo_shows_the_week_and_the_health_tab_on_any_day(
    runner: CliRunner, tmp_path: Path
) -> None:
    """The getting-started guide shows the demo's This week tab: it is there on a
    Thursday too, not only on the digest day, and the demo leaves no state behind."""
    thursday = ["demo", "--dir", str(tmp_path), "--today", "2026-12-03"]
    result = runner.invoke(main, thursday)
    assert result.exit_code == 0, result.output
    book = load_workbook(tmp_path / DEMO_FILE)
    assert book.sheetnames == ["Contacts", "Log", "This week", "keepup"]
    week = [row for row in book["This week"].iter_rows(values_only=True)]
    assert week[0][0] == "This week: Thursday 3 December 2026"
    picks = [row for row in week if isinstance(row[0], int)]
    assert len(picks) == 3 and all(row[1] for row in picks)
    health = {row[0]: row[1] for row in book["keepup"].iter_rows(values_only=True)}
    assert health["Updated"] == "ok" and health["Contacts"] == 33
    assert sorted(p.name for p in tmp_path.iterdir()) == [DEMO_FILE]


def test_sync_dry_run_lists_changes_and_writes_nothing(runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(main, ["demo", "--dir", str(tmp_path), "--today", "2026-11-23"])
    workbook = tmp_path / DEMO_FILE
    config = write_config(tmp_path, workbook)
    before = workbook.read_bytes()
    result = runner.invoke(main, ["sync", "-c", str(config), "--dry-run", "--today", "2026-12-24"])
    assert result.exit_code == 0, result.output
    assert "Dry run:" in result.output and "Nothing was written" in result.output
    assert re.search(r"Would become", result.output)
    assert re.search(r"\bN\d+\b", result.output)  # owned cells named A1-style
    assert workbook.read_bytes() == before


def test_a_dry_run_of_a_highlight_switch_lists_the_rules_and_no_cell(
    runner: CliRunner, tmp_path: Path
) -> None:
    runner.invoke(main, ["demo", "--dir", str(tmp_path), "--today", "2026-11-23"])
    workbook = tmp_path / DEMO_FILE
    config = write_config(tmp_path, workbook, highlight="status")
    before = workbook.read_bytes()
    result = runner.invoke(main, ["sync", "-c", str(config), "--dry-run", "--today", "2026-11-23"])
    assert result.exit_code == 0, result.output
    # Only the rules change: over the three owned columns (N to P), from the row under
    # the header to the end of the sheet.
    assert "6 rules keyed on Status, on N4:Q" in result.output
    assert not re.search(r"│ [A-Z]+\d+ +│", result.output)  # no cell would change
    assert workbook.read_bytes() == before


def test_sync_writes_then_reports_nothing_to_change(runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(main, ["demo", "--dir", str(tmp_path), "--today", "2026-11-23"])
    config = write_config(tmp_path, tmp_path / DEMO_FILE)
    first = runner.invoke(main, ["sync", "-c", str(config), "--today", "2026-12-01"])
    assert first.exit_code == 0, first.output
    assert "Wrote" in first.output
    assert list((tmp_path / "state").rglob("*.json")), "a snapshot is kept before writing"
    second = runner.invoke(main, ["sync", "-c", str(config), "--today", "2026-12-01"])
    assert "Nothing to change" in second.output


def test_missing_config_says_how_to_create_one(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["sync", "-c", str(tmp_path / "none.yaml")])
    assert result.exit_code == ExitStatus.CONFIG
    assert "sheets-keepup init --xlsx" in result.output


def test_bad_config_lists_every_problem(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(
        "source: {kind: xlsx, path: x.xlsx}\npicks_per_week: -1\n"
        "colours: {ok: green}\nsurprise: 1\n"
    )
    result = runner.invoke(main, ["sync", "-c", str(config)])
    assert result.exit_code == ExitStatus.CONFIG
    for text in ("picks_per_week", "colours.ok", "surprise: unknown key"):
        assert text in result.output


def test_missing_tab_is_a_data_error(runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(main, ["demo", "--dir", str(tmp_path)])
    config = write_config(tmp_path, tmp_path / DEMO_FILE, tabs={"contacts": "People"})
    result = runner.invoke(main, ["sync", "-c", str(config)])
    assert result.exit_code == ExitStatus.DATA
    assert "No tab named 'People' (found: 'Log')" in result.output


def test_config_example_is_the_shipped_file(runner: CliRunner, repo_root: Path) -> None:
    result = runner.invoke(main, ["config-example"])
    assert result.output == (repo_root / "config.example.yaml").read_text()


def _commands(group: click.Group, prefix: str = "") -> list[str]:
    names = []
    for name, command in group.commands.items():
        names.append(prefix + name)
        if isinstance(command, click.Group):
            names += _commands(command, prefix + name + " ")
    return names


def test_every_command_and_exit_status_is_documented(repo_root: Path) -> None:
    reference = (repo_root / "docs" / "cli.md").read_text()
    for name in _commands(main):
        assert f"sheets-keepup {name}" in reference, name
    for status in ExitStatus:
        assert f"| {int(status)} |" in reference, status


def test_init_refuses_a_workbook_and_a_sheet_at_once(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["init", "--xlsx", "c.xlsx", "--sheet", "1" * 44, "--yes"]
    result = runner.invoke(main, args)
    assert result.exit_code == ExitStatus.CONFIG
    assert "not both" in result.output
    assert not (tmp_path / "sheets-keepup.yaml").exists()
    assert not (tmp_path / "c.xlsx").exists()


def test_an_error_message_is_printed_as_typed_never_as_markup(
    runner: CliRunner, tmp_path: Path
) -> None:
    workbook = tmp_path / "c.xlsx"
    runner.invoke(main, ["demo", "--dir", str(tmp_path)])
    (tmp_path / DEMO_FILE).rename(workbook)
    config = write_config(tmp_path, workbook, tabs={"contacts": "[bold]People[/]"})
    result = runner.invoke(main, ["sync", "-c", str(config)])
    assert result.exit_code != 0
    assert "'[bold]People[/]'" in result.output
