"""Issue 17 item 10: a first run is guided the way the docs guide it."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from sheets_keepup.cli import main
from sheets_keepup.cli.sync import DEMO_FILE
from sheets_keepup.core.errors import ExitStatus

ROOT = Path(__file__).resolve().parents[2]
# Commands that work without a config file, by design.
NO_CONFIG_NEEDED = {"demo", "config-example", "state"}
SUGGESTION = re.compile(r"sheets-keepup init --(xlsx|sheet) \S+")


def _needing_a_config() -> list[str]:
    return sorted(
        name
        for name, command in main.commands.items()
        if name not in NO_CONFIG_NEEDED
        and any("--config" in getattr(param, "opts", []) for param in command.params)
    )


def _arguments(command: click.Command) -> list[str]:
    """A value for each argument, so that only the missing config can stop the command."""
    return ["x" for p in command.params if isinstance(p, click.Argument)]


@pytest.mark.parametrize("name", _needing_a_config())
def test_every_command_without_a_config_suggests_init_as_the_docs_do(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    command = main.commands[name]
    args = [name, *_arguments(command), "--config", "missing.yaml"]
    result = CliRunner().invoke(main, args, input="n\n")
    assert result.exit_code == ExitStatus.CONFIG, result.output
    suggested = {match.group(0) for match in SUGGESTION.finditer(result.stderr)}
    assert {s.split()[2] for s in suggested} == {"--xlsx", "--sheet"}, result.stderr
    assert "config-example >" not in result.output  # no hand-made config any more
    guide = (ROOT / "docs" / "getting-started.md").read_text()
    for option in ("--xlsx", "--sheet"):
        assert f"sheets-keepup init {option} " in guide


def test_the_demo_keeps_an_edited_workbook_and_reset_starts_over(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["demo", "--dir", str(tmp_path), "--today", "2026-11-23"]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "run `sheets-keepup demo` again" in first.stdout.replace("\n", " ")
    path = tmp_path / DEMO_FILE
    book = load_workbook(path)
    book["Contacts"]["A5"] = "Edited Person"
    book.save(path)

    again = runner.invoke(main, args)
    assert again.exit_code == 0, again.output
    assert "your edits are kept" in again.stdout
    contacts = load_workbook(path)["Contacts"]
    assert contacts["A5"].value == "Edited Person"
    header = [cell.value for cell in contacts[3]]
    action = contacts.cell(5, header.index("Next action") + 1).value
    assert "Edited Person" in action  # the sync read the edit

    reset = runner.invoke(main, [*args, "--reset"])
    assert reset.exit_code == 0, reset.output
    assert load_workbook(path)["Contacts"]["A5"].value != "Edited Person"
