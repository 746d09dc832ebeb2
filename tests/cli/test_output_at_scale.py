"""Issue 17 item 8: on a big sheet the output stays short, says what it left out, and a
terminal sees progress while a sync reads, plans and writes."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from cli_support import TODAY, crowded_workbook, write_config
from click.testing import CliRunner
from rich.console import Console

from sheets_keepup.app.sync import Stage, sync
from sheets_keepup.backends.xlsx import XlsxBackend
from sheets_keepup.cli import main
from sheets_keepup.cli.common import SHOW_FIRST, progress_shown
from sheets_keepup.core.settings import default_config

CHANGE_ROW = re.compile(r"^│ [A-Z]+\d+ ", re.M)  # a Changes row starts with its cell
OVERDUE_ROW = re.compile(r"^│ +\d+ │ Person ", re.M)
PROBLEM_ROW = re.compile(r"^  - 'Contacts'!", re.M)


@pytest.fixture
def crowded(tmp_path: Path) -> Path:
    workbook = crowded_workbook(tmp_path / "big.xlsx", overdue=60, unreadable=30)
    return write_config(tmp_path, workbook, picks_per_week=0)


def see_all(config: Path) -> str:
    """The hint after a cut list: the same sheet and the same day, every row."""
    return f"(sheets-keepup sync --dry-run --all --config {config} --today {TODAY.isoformat()})"


def invoke(*args: str) -> str:
    result = CliRunner().invoke(main, [*args, "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_dry_run_prints_counts_and_the_first_changes_then_how_many_more(crowded: Path) -> None:
    everything = json.loads(invoke("sync", "-c", str(crowded), "--dry-run", "--json"))
    counts, changes = everything["counts"], everything["changes"]
    assert counts["cells_changed"] >= 3 * 60  # each overdue row gets all its owned cells
    out = invoke("sync", "-c", str(crowded), "--dry-run")
    assert f"Dry run: {counts['cells_changed']} cell(s) in {counts['rows_changed']} row(s)" in out
    assert "(next action " in out  # and how many in each owned column
    assert len(CHANGE_ROW.findall(out)) == SHOW_FIRST
    assert f"... and {len(changes) - SHOW_FIRST} more {see_all(crowded)}" in out
    assert len(out.splitlines()) < 200  # not one line per change


def test_lists_are_cut_alike_and_say_how_to_see_the_rest(crowded: Path) -> None:
    out = invoke("sync", "-c", str(crowded))
    assert len(OVERDUE_ROW.findall(out)) == SHOW_FIRST
    assert f"... and {60 - SHOW_FIRST} more {see_all(crowded)}" in out
    assert len(PROBLEM_ROW.findall(out)) == SHOW_FIRST
    assert f"  ... and {30 - SHOW_FIRST} more {see_all(crowded)}" in out


def test_all_lists_every_change_row_and_problem(crowded: Path) -> None:
    everything = json.loads(invoke("sync", "-c", str(crowded), "--dry-run", "--json"))
    out = invoke("sync", "-c", str(crowded), "--dry-run", "--all")
    cells = [c for c in everything["changes"] if CHANGE_ROW.match(f"│ {c['where']} ")]
    assert len(CHANGE_ROW.findall(out)) == len(cells) > SHOW_FIRST
    assert len(OVERDUE_ROW.findall(out)) == 60
    assert len(PROBLEM_ROW.findall(out)) == 30
    assert "more (" not in out


def test_a_sync_tells_each_stage_as_it_starts(tmp_path: Path) -> None:
    workbook = crowded_workbook(tmp_path / "c.xlsx", overdue=3, unreadable=0)
    config = default_config(workbook)
    seen: list[Stage] = []
    sync(XlsxBackend(workbook), config, TODAY, dry_run=True, on_stage=seen.append)
    assert seen == ["reading", "planning"]
    sync(XlsxBackend(workbook), config, TODAY, on_stage=seen.append)
    assert seen[2:] == ["reading", "planning", "writing"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_on_a_terminal_for_each_stage(tmp_path: Path) -> None:
    workbook = crowded_workbook(tmp_path / "c.xlsx", overdue=3, unreadable=0)
    screen = _Terminal()
    err = Console(file=screen, force_terminal=True, width=80)
    with progress_shown(err=err):
        sync(XlsxBackend(workbook), default_config(workbook), TODAY)
    drawn = screen.getvalue()
    for text in ("Reading the sheet", "Planning", "Writing"):
        assert text in drawn


def test_progress_is_silent_when_stderr_is_not_a_terminal(crowded: Path) -> None:
    result = CliRunner().invoke(main, ["sync", "-c", str(crowded), "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    screen = io.StringIO()  # a file or a pipe
    with progress_shown(err=Console(file=screen, force_terminal=True)):
        pass
    assert screen.getvalue() == ""


def test_check_lists_the_first_problems_and_all_of_them_with_all(crowded: Path) -> None:
    def problem_lines(text: str) -> list[str]:
        return [line for line in text.splitlines() if "'Contacts'!" in line]

    result = CliRunner().invoke(main, ["check", "-c", str(crowded), "--today", TODAY.isoformat()])
    assert len(problem_lines(result.output)) == SHOW_FIRST
    assert f"... and {30 - SHOW_FIRST} more (sheets-keepup check --all)" in result.output
    every = CliRunner().invoke(
        main, ["check", "-c", str(crowded), "--all", "--today", TODAY.isoformat()]
    )
    assert len(problem_lines(every.output)) == 30
    assert "more (sheets-keepup check --all)" not in every.output
