"""Issue 17 item 12: text from the sheet never reaches the terminal as control sequences."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
from cli_support import TODAY, write_config, write_workbook
from click.testing import CliRunner
from rich.table import Table

from sheets_keepup.cli import main
from sheets_keepup.cli.common import SafeConsole, visible
from sheets_keepup.core.errors import ExitStatus

# Retitles the terminal, clears the screen, and reverses the text after it.
HOSTILE = "Eve\x1b]0;pwned\x07 \x1b[2J\x9b31mX\u202eY"
SHOWN = "Eve\\x1b]0;pwned\\x07 \\x1b[2J\\x9b31mX\\u202eY"
RAW = ("\x1b", "\x07", "\x9b", "\u202e")


def _hostile_workbook(path: Path) -> Path:
    """A workbook whose one contact is named HOSTILE, stored as Excel stores control
    characters (`_x001B_`), since XML cannot hold them."""
    plain = path.with_name("plain.xlsx")
    write_workbook(plain, [["PLACEHOLDER", "e@example.com", "", dt.date(2020, 1, 1), ""]])
    stored = "".join(
        f"_x{ord(ch):04X}_" if ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F else ch for ch in HOSTILE
    )
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, data.replace(b"PLACEHOLDER", stored.encode()))
    return path


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path, _hostile_workbook(tmp_path / "c.xlsx"))


@pytest.mark.parametrize("extra", [[], ["--dry-run"], ["--dry-run", "--all"]])
def test_a_hostile_name_is_shown_escaped_in_every_table(config: Path, extra: list[str]) -> None:
    args = ["sync", "-c", str(config), "--today", TODAY.isoformat(), *extra]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert SHOWN in result.stdout
    assert not any(ch in result.output for ch in RAW)


def test_json_escapes_them_too(config: Path) -> None:
    args = ["sync", "-c", str(config), "--dry-run", "--json", "--today", TODAY.isoformat()]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert not any(ch in result.stdout for ch in RAW)
    found = json.loads(result.stdout)
    assert found["picks"][0]["name"] == HOSTILE  # the data itself is intact


def test_an_error_naming_sheet_text_is_escaped(tmp_path: Path) -> None:
    workbook = write_workbook(tmp_path / "c.xlsx", [["Ann", "", "", "", ""]])
    config = write_config(tmp_path, workbook, tabs={"contacts": "People\x1b[2J"})
    result = CliRunner().invoke(main, ["sync", "-c", str(config)])
    assert result.exit_code == ExitStatus.DATA, result.output
    assert "'People\\x1b[2J'" in result.stderr
    assert "\x1b" not in result.output


def test_visible_writes_out_controls_and_keeps_the_rest() -> None:
    assert visible("Zoë Ørsted, 東京") == "Zoë Ørsted, 東京"
    assert visible("a\tb\nc\rd\x00") == "a\tb\nc\\x0dd\\x00"
    assert visible("a\tb\nc", one_line=True) == "a\\tb\\nc"
    assert visible(visible(HOSTILE)) == visible(HOSTILE) == SHOWN


def test_the_console_escapes_what_a_command_forgot_to() -> None:
    screen = io.StringIO()
    out = SafeConsole(file=screen, width=80, force_terminal=True, color_system="standard")
    table = Table("Name")
    table.add_row(HOSTILE)
    out.print(table)
    out.print("[red]styled[/]", HOSTILE)
    printed = screen.getvalue()
    assert "\x07" not in printed and "\u202e" not in printed and "\x9b" not in printed
    # Only the console's own colour codes remain as escapes, never the sheet's.
    assert "\x1b]0;" not in printed and "\x1b[2J" not in printed
    assert "\x1b[31m" in printed  # [red] still works
