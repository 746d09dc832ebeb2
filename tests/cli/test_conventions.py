"""Issue 17 item 9: the command line behaves as gh, sqlite-utils or httpie users expect."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
from cli_support import TODAY, crowded_workbook, write_config
from click.testing import CliRunner

from sheets_keepup.cli import main
from sheets_keepup.core.errors import ExitStatus

ROOT = Path(__file__).resolve().parents[2]
# The timestamp of every log line, as `run` has always written it: 2026-11-23T06:00:01+0000.
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} (DEBUG|INFO|WARNING) ", re.M)
DAY = ["--today", TODAY.isoformat()]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    workbook = crowded_workbook(tmp_path / "c.xlsx", overdue=4, unreadable=2)
    return write_config(tmp_path, workbook, timezone="Europe/London")


def invoke(*args: str, code: int = 0, **kwargs: object) -> click.testing.Result:
    result = CliRunner().invoke(main, list(args), **kwargs)  # type: ignore[arg-type]
    assert result.exit_code == code, result.output
    return result


# --- --json ------------------------------------------------------------------------------


def test_sync_json_is_the_only_output_and_holds_counts_rows_and_problems(config: Path) -> None:
    found = json.loads(invoke("sync", "-c", str(config), "--json", *DAY).stdout)
    assert found["written"] is True and found["dry_run"] is False
    assert found["counts"]["rows"] == 6 and found["counts"]["problems"] == 2
    overdue = found["picks"] + found["overdue"]
    assert {row["name"] for row in overdue} == {f"Person {n:03}" for n in range(4)}
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", row["due"]) for row in overdue)
    assert [p["cell"] for p in found["problems"]] == ["D6", "D7"]
    assert "changes" not in found  # a real sync lists no changes: they are written


def test_a_dry_run_json_lists_every_change(config: Path) -> None:
    found = json.loads(invoke("sync", "-c", str(config), "--dry-run", "--json", *DAY).stdout)
    assert found["dry_run"] is True and found["written"] is False
    cells = [c for c in found["changes"] if re.fullmatch(r"[A-Z]+\d+", c["where"])]
    assert len(cells) == found["counts"]["cells_changed"]
    assert any("Person 000" in c["would_become"] for c in cells)


def test_check_json_reports_each_finding_and_exits_as_check_does(
    config: Path, tmp_path: Path
) -> None:
    found = json.loads(invoke("check", "-c", str(config), "--json", *DAY).stdout)
    assert found["ok"] is True and found["exit_status"] == 0
    assert any(f["ok"] is True and "Ready" in f["text"] for f in found["findings"])
    broken = write_config(tmp_path, tmp_path / "c.xlsx", tabs={"contacts": "People"})
    result = invoke("check", "-c", str(broken), "--json", code=ExitStatus.DATA)
    failed = json.loads(result.stdout)
    assert failed["ok"] is False and failed["exit_status"] == ExitStatus.DATA
    assert any(f["ok"] is False and "'People'" in f["text"] for f in failed["findings"])


# --- -q and -v, before or after the command ------------------------------------------------


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_prints_nothing_but_still_syncs(config: Path, where: str) -> None:
    args = ["sync", "-c", str(config), *DAY]
    result = invoke(*(["-q", *args] if where == "before" else [*args, "--quiet"]))
    assert result.stdout == ""
    again = invoke("sync", "-c", str(config), *DAY)
    assert "Nothing to change" in again.stdout  # the quiet sync did write


def test_quiet_still_shows_errors(tmp_path: Path) -> None:
    result = invoke("sync", "-q", "-c", str(tmp_path / "none.yaml"), code=ExitStatus.CONFIG)
    assert result.stdout == ""
    assert "No config file" in result.stderr


def test_sync_and_run_log_with_one_timestamp_format(config: Path) -> None:
    invoke("sync", "-c", str(config), *DAY)
    # Nothing changed, so the health tab is left alone, which sync says at debug level.
    synced = invoke("sync", "-c", str(config), *DAY, "-vv")
    sync_lines = LOG_LINE.findall(synced.stderr)
    assert sync_lines, synced.stderr
    assert all(LOG_LINE.match(line) for line in synced.stderr.splitlines() if line.strip())
    ran = invoke("-v", "run", "--once", "-c", str(config))
    assert LOG_LINE.search(ran.stderr), ran.stderr


def test_v_counts_wherever_it_is_given(config: Path) -> None:
    invoke("sync", "-c", str(config), *DAY)
    before = invoke("-v", "sync", "-c", str(config), *DAY, "-v")  # -v twice: debug
    assert "DEBUG" in before.stderr
    once = invoke("sync", "-c", str(config), *DAY, "-v")
    assert "DEBUG" not in once.stderr


# --- help, completion ------------------------------------------------------------------------


def _commands() -> list[str]:
    return [name for name, command in main.commands.items() if not command.hidden]


@pytest.mark.parametrize("name", _commands())
def test_dates_are_shown_as_yyyy_mm_dd_and_every_command_takes_q_and_v(name: str) -> None:
    shown = invoke(name, "--help", terminal_width=200).stdout
    assert "%Y" not in shown
    if "--today" in shown:
        assert "--today YYYY-MM-DD" in shown
    assert "-q, --quiet" in shown and "-v, --verbose" in shown


def test_bash_completion_script_and_completions() -> None:
    script = invoke(prog_name="sheets-keepup", env={"_SHEETS_KEEPUP_COMPLETE": "bash_source"})
    assert "complete -o nosort -F _sheets_keepup_completion sheets-keepup" in script.stdout
    env = {
        "_SHEETS_KEEPUP_COMPLETE": "bash_complete",
        "COMP_WORDS": "sheets-keepup sync --dr",
        "COMP_CWORD": "2",
    }
    done = invoke(prog_name="sheets-keepup", env=env)
    assert done.stdout.split() == ["plain,--dry-run"]


def test_completion_is_documented_with_the_variable_that_works() -> None:
    reference = (ROOT / "docs" / "cli.md").read_text()
    for shell in ("bash", "zsh", "fish"):
        assert f"_SHEETS_KEEPUP_COMPLETE={shell}_source sheets-keepup" in reference, shell


# --- config files ------------------------------------------------------------------------------


def test_a_yaml_error_names_the_file_and_the_line(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("source:\n  kind: xlsx\n path: c.xlsx\n")
    result = invoke("sync", "-c", str(path), code=ExitStatus.CONFIG)
    assert "<unicode string>" not in result.output
    assert f"{path} is not valid YAML: line 3, column 2:" in result.stderr


def test_an_unknown_key_gets_a_did_you_mean(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text(
        "source: {kind: xlsx, path: c.xlsx}\ntabz: {contacts: People}\n"
        "tiers: {close: {cadense_days: 30}}\nrules: {due_son_days: 3}\n"
    )
    result = invoke("sync", "-c", str(path), code=ExitStatus.CONFIG)
    for line in (
        "tabz: unknown key; did you mean 'tabs'?",
        "tiers.close.cadense_days: unknown key; did you mean 'cadence_days'?",
        "rules.due_son_days: unknown key; did you mean 'due_soon_days'?",
    ):
        assert line in result.stderr


def test_the_example_config_says_true_things_in_both_of_its_uses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    printed = invoke("config-example").stdout
    monkeypatch.chdir(tmp_path)
    invoke("init", "--xlsx", "c.xlsx", "--yes")
    written = (tmp_path / "sheets-keepup.yaml").read_text()
    for text in (printed, written):
        header = text.split("\n\n", 1)[0]
        # `init` writes it as sheets-keepup.yaml, so "copy this file" was wrong there,
        # and a pip install ships no docs/ folder to point to.
        assert "Copy this file" not in header
        assert "docs/" not in header
        assert "sheets-keepup init" in header


def test_init_with_another_workbook_than_the_config_names_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    invoke("init", "--xlsx", "c.xlsx", "--yes")
    result = CliRunner().invoke(main, ["init", "--xlsx", "other.xlsx"])
    assert result.exit_code != 0
    assert "unexpected" not in result.output.lower()
    assert "names another sheet" in result.stderr and "--config" in result.stderr
    assert not (tmp_path / "other.xlsx").exists()
