"""Docs kept true: every command a doc shows parses against the real command tree, and
the getting-started walk-through runs, command by command, on a workbook.

A command is any `sheets-keepup ...` in a fenced code block of README.md or docs/*.md
(shell, crontab, systemd or CI YAML alike: the program may be named by a path), or in
an inline code span of their prose. Parsing is click's own, without running anything:
an unknown command or option, a missing argument or one too many fails the test.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from sheets_keepup.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PROG = "sheets-keepup"
FENCE = re.compile(r"^```([\w-]*)\n(.*?)^```", re.M | re.S)
INLINE = re.compile(r"(?<!`)`(sheets-keepup(?: [^`]*)?)`(?!`)")
# Where a command ends on a shell line.
ENDS = {"&&", "||", ";", "|", ">", ">>", "<", "2>", "2>&1", "&"}
# A program named in a systemd unit or a supervisord section (not `Description=`).
UNIT_KEYS = {"", "ExecStart", "ExecStartPre", "command"}
# Inline spans that name a command loosely, in prose, not as something to type.
LOOSE = re.compile(r"\.\.\.|[A-Z]{3,} ?\.\.\.")


@dataclass(frozen=True)
class Example:
    doc: str
    line: int
    args: tuple[str, ...]
    name_only: bool = False
    """Prose naming a command (`sheets-keepup log`) rather than a line to type."""

    def __str__(self) -> str:
        return f"{self.doc}:{self.line}: {PROG} {' '.join(self.args)}"


def _words(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars="|&;<>")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    return list(lexer)


def _commands_in(line: str) -> Iterator[tuple[str, ...]]:
    """The arguments of each `sheets-keepup` a line runs."""
    try:
        words = _words(line.replace("\\\n", " "))
    except ValueError:  # an unbalanced quote: not a shell line
        return
    for start, word in enumerate(words):
        key, _, program = word.rpartition("=")
        if Path(program).name != PROG or key not in UNIT_KEYS:
            continue
        args: list[str] = []
        for item in words[start + 1 :]:
            if item in ENDS:
                break
            args.append(item)
        yield tuple(args)


def _examples() -> list[Example]:
    found: list[Example] = []
    for doc in DOCS:
        text = doc.read_text()
        name = doc.relative_to(ROOT).as_posix()
        for block in FENCE.finditer(text):
            if block.group(1) in ("text", "json", "python"):
                continue  # output, not commands
            first = text.count("\n", 0, block.start(2)) + 1
            body = block.group(2).replace("\\\n", "  ")
            for offset, line in enumerate(body.splitlines()):
                for args in _commands_in(line):
                    found.append(Example(name, first + offset, args))
        for span in INLINE.finditer(text):
            if LOOSE.search(span.group(1)):
                continue
            line = text.count("\n", 0, span.start()) + 1
            for args in _commands_in(span.group(1)):
                found.append(Example(name, line, args, name_only=len(args) == 1))
    return found


def parse(args: tuple[str, ...], *, name_only: bool = False) -> None:
    """Parse as the shell would hand them to `sheets-keepup`; raise click's error if wrong.

    Values are not converted (a doc's `contacts.xlsx` need not exist), and nothing runs.
    """
    root = click.Context(main, info_name=PROG)
    _, rest, _ = main.make_parser(root).parse_args(list(args))
    if not rest:
        return
    name, *more = rest
    command = main.get_command(root, name)
    if command is None:
        raise click.UsageError(f"no command {name!r}")
    if name_only:
        return
    context = click.Context(command, info_name=name, parent=root)
    values, extra, _ = command.make_parser(context).parse_args(list(more))
    if extra:
        raise click.UsageError(f"unexpected argument(s) {extra}")
    for param in command.params:
        given = values.get(param.name or "")
        missing = not isinstance(given, str | list | tuple)  # click marks it unset
        if isinstance(param, click.Argument) and param.required and missing:
            raise click.UsageError(f"missing argument {param.human_readable_name}")


EXAMPLES = _examples()


def test_the_docs_show_commands_at_all() -> None:
    docs = {example.doc for example in EXAMPLES}
    assert {"README.md", "docs/getting-started.md", "docs/cli.md"} <= docs
    assert len(EXAMPLES) > 30


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_each_command_in_the_docs_parses(example: Example) -> None:
    try:
        parse(example.args, name_only=example.name_only)
    except click.UsageError as error:
        pytest.fail(f"{example}: {error.format_message()}")


@pytest.mark.parametrize(
    "args",
    [
        ("sync", "--dry"),  # no prefix matching
        ("synch",),
        ("sync", "extra"),
        ("log", "Jane Doe"),
        ("init", "--xlsx"),
        ("--bogus", "sync"),
    ],
)
def test_the_parser_refuses_what_the_program_refuses(args: tuple[str, ...]) -> None:
    with pytest.raises(click.UsageError):
        parse(args)
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 2  # click's usage error: the program refuses it too


def test_commands_are_found_on_shell_cron_and_unit_lines() -> None:
    assert list(_commands_in("pip install -e . && sheets-keepup demo")) == [("demo",)]
    assert list(_commands_in("sheets-keepup sync   # write them")) == [("sync",)]
    assert list(_commands_in("sheets-keepup config-example > x.yaml")) == [("config-example",)]
    unit = "ExecStart=%h/.local/bin/sheets-keepup run --once"
    assert list(_commands_in(unit)) == [("run", "--once")]
    cron = '0 6 * * * sheets-keepup log "Jane Doe" coffee'
    assert list(_commands_in(cron)) == [("log", "Jane Doe", "coffee")]


# --- the getting-started walk-through, run --------------------------------------------------


def _walkthrough() -> list[tuple[str, ...]]:
    guide = (ROOT / "docs" / "getting-started.md").read_text()
    found: list[tuple[str, ...]] = []
    for block in FENCE.finditer(guide):
        if block.group(1) == "sh":
            for line in block.group(2).splitlines():
                found.extend(_commands_in(line))
    return found


def _existing_workbook(path: Path) -> None:
    """A contact list kept by hand: a title row, then a header, as people make them."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Contacts"
    sheet.append(["My network"])
    sheet.append(["Name", "E-mail", "Company", "Last contact"])
    sheet.append(["Ada Lovelace", "ada@example.com", "Analytical", "2026-01-15"])
    sheet.append(["Alan Turing", "alan@example.com", "Bletchley", "2025-06-01"])
    book.save(path)


@pytest.mark.parametrize("start", ["from nothing", "from a workbook you keep"])
def test_the_getting_started_walkthrough_runs_word_for_word(
    start: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guide gives two ways in (a new workbook, or one you keep); each is followed in
    a folder of its own, with every other command of the guide. A Google Sheet needs an
    account, so its command is only parsed (above)."""
    monkeypatch.chdir(tmp_path)
    commands = [args for args in _walkthrough() if "--sheet" not in args]
    assert ("sync", "--dry-run") in commands and ("sync",) in commands
    own = "my-network.xlsx"
    if start == "from nothing":
        commands = [args for args in commands if own not in args]
    else:
        _existing_workbook(tmp_path / own)
        commands = [args for args in commands if "contacts.xlsx" not in args]
    runner = CliRunner()
    for args in commands:
        # `init` asks before writing the config; the reader says yes.
        result = runner.invoke(main, list(args), input="y\n")
        assert result.exit_code == 0, f"{PROG} {' '.join(args)}\n{result.output}"
    again = runner.invoke(main, ["sync"])
    assert again.exit_code == 0 and "Nothing to change" in again.stdout, again.output


def test_the_problem_line_the_guide_quotes_is_what_the_demo_prints(tmp_path: Path) -> None:
    guide = (ROOT / "docs" / "getting-started.md").read_text()
    quoted = re.search(r"for example\s+`([^`]+)`", guide)
    assert quoted is not None
    result = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"  - {quoted.group(1)}" in result.stdout
