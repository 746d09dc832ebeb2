"""Commands `init` (set a sheet up, writing a config first if needed) and `state`."""

from __future__ import annotations

import datetime as dt
import json
from contextlib import nullcontext
from pathlib import Path

import click
import yaml
from rich.markup import escape

from sheets_keepup.app.config_file import (
    config_text,
    example_config_text,
    find_config_path,
    load_config,
    workbook_in_config,
    write_config,
)
from sheets_keepup.app.files import default_state_dir
from sheets_keepup.app.init import init_sheet
from sheets_keepup.app.lock import sync_lock
from sheets_keepup.app.snapshots import describe_state
from sheets_keepup.backends import open_backend
from sheets_keepup.cli.common import (
    config_option,
    console,
    handle_errors,
    lock_wait,
    state_dir_of,
    today_of,
    today_option,
    visible,
)
from sheets_keepup.core.errors import ConfigError, UserError
from sheets_keepup.core.init_plan import InitResult
from sheets_keepup.core.settings import Config, config_from_mapping


@click.command("init", short_help="Set up a contact sheet, writing a config first if needed.")
@config_option
@click.option(
    "--xlsx",
    "workbook",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Without a config: the workbook to use (new or existing .xlsx). Or --sheet.",
)
@click.option(
    "--sheet",
    "sheet",
    metavar="URL",
    help="Without a config: the Google Sheet's URL or key. Or --xlsx.",
)
@click.option("--sample", is_flag=True, help="Add a few example rows to a new sheet.")
@click.option("--yes", "-y", is_flag=True, help="Write a missing config without asking.")
@click.option("--dry-run", is_flag=True, help="Say what init would do; write nothing.")
@today_option
@handle_errors
def init_command(
    config_path: Path | None,
    workbook: Path | None,
    sheet: str | None,
    sample: bool,
    yes: bool,
    dry_run: bool,
    today: dt.datetime | None,
) -> None:
    """Set up a contact sheet: headers, Log tab, frozen header, formats, dropdowns.

    On a sheet that already has contacts it adds only what is missing. Without a config
    it writes one first (from the example, with --xlsx PATH or --sheet URL).
    """
    out = console()
    path = find_config_path(config_path)
    wrote_config = False
    if workbook is not None and sheet is not None:
        raise ConfigError("Give --xlsx PATH or --sheet URL, not both.")
    if sheet is not None:
        _sheet_key(sheet)  # a URL or key that cannot name a sheet stops here
    if path.exists():
        config = load_config(path)
        _check_same_source(config, workbook, sheet, path)
    else:
        if workbook is None and sheet is None:
            raise ConfigError(
                f"No config file at {path}. Say where your contacts are:\n"
                "  sheets-keepup init --xlsx contacts.xlsx   (a new or existing workbook)\n"
                "  sheets-keepup init --sheet URL            (a Google Sheet shared with you)"
            )
        source = workbook_in_config(workbook, path) if workbook is not None else None
        text = config_text(example_config_text(), xlsx=source, sheet=sheet)
        config = config_from_mapping(yaml.safe_load(text), base_dir=path.resolve().parent)
        if workbook is not None:
            text, config = _pointed_at_contacts(text, config, path)
        target = str(workbook) if workbook is not None else str(sheet)
        if dry_run:
            out.print(f"Would write a config at {path} for {target}.", markup=False)
        elif yes or click.confirm(f"Write a config at {path} for {target}?", default=True):
            write_config(path, text)
            wrote_config = True
            out.print(f"Wrote {path} (every key is explained in it).", markup=False)
        else:
            out.print("Nothing written.")
            return
    backend = open_backend(config)
    lock = sync_lock(state_dir_of(config), wait=lock_wait(), sheet=backend.describe())
    try:
        with nullcontext() if dry_run else lock:
            result = init_sheet(
                backend, config, today_of(today, config), sample=sample, dry_run=dry_run
            )
    except UserError as error:
        if wrote_config:
            said = str(error).replace("Nothing was written.", "Nothing was written to the sheet.")
            error.args = (f"{said} The config file {path} was written and is kept.",)
        raise
    print_init(result)


def _pointed_at_contacts(text: str, config: Config, path: Path) -> tuple[str, Config]:
    """A new config for an existing workbook whose contacts sit on another tab than the
    default: the config names that tab, so that init and every sync find them."""
    from sheets_keepup.app.init import read_with_other_tabs
    from sheets_keepup.core.init_plan import contact_like_tab

    backend = open_backend(config)
    if backend.file_to_create() is not None:
        return text, config
    # Reads the other tabs only when the configured one is missing or empty.
    found = contact_like_tab(read_with_other_tabs(backend, config), config)
    line = f"  contacts: {config.tabs.contacts}\n"
    if found is None or text.count(line) != 1:
        return text, config
    text = text.replace(line, f"  contacts: {json.dumps(found.tab)}\n")
    people = "1 contact" if found.contacts == 1 else f"{found.contacts} contacts"
    console().print(
        f"Your contacts are on tab '{visible(found.tab)}' ({people}): the config names it "
        "(tabs.contacts).",
        markup=False,
    )
    return text, config_from_mapping(yaml.safe_load(text), base_dir=path.resolve().parent)


def _sheet_key(text: str) -> str:
    """The key a URL or key names; stops with a message when it cannot name a sheet."""
    # Imported here: the Google libraries take a second to load and most users never need them.
    from sheets_keepup.backends.google.auth import spreadsheet_key

    return spreadsheet_key(text)


def _check_same_source(config: Config, workbook: Path | None, sheet: str | None, at: Path) -> None:
    """--xlsx or --sheet given with an existing config must name the sheet it names."""
    source = config.source
    named = source.path or source.spreadsheet
    same = True
    if workbook is not None:
        same = source.path is not None and source.path.resolve() == workbook.resolve()
    if sheet is not None:
        same = source.spreadsheet is not None and (
            _sheet_key(source.spreadsheet) == _sheet_key(sheet)
        )
    if not same:
        raise UserError(
            f"The config at {at} names another sheet ({named}). Edit its source, or pass "
            "--config for a new config file."
        )


def print_init(result: InitResult) -> None:
    """What init did (or would do) and what it left alone."""
    out = console()
    plan = result.plan
    if result.created_file:
        out.print(f"Created the workbook {result.target}.", markup=False)
    if not plan.changes:
        out.print(f"{result.target}: already set up; nothing to add.", markup=False)
    else:
        head = "Would do" if result.dry_run else "Done"
        out.print(f"[bold]{result.target}[/]: {head}:", highlight=False)
        for line in plan.done:
            out.print(f"  - {line}", markup=False)
    for line in plan.notes:
        out.print(f"  * {line}", markup=False)
    if result.written:
        out.print("Next: fill in your contacts, then `sheets-keepup sync --dry-run`.")


@click.command("state", short_help="Show where the local state is kept and what it holds.")
@click.option(
    "--config",
    "-c",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The config whose state_dir to show. Default: the one the other commands use,"
    " if there is one.",
)
@handle_errors
def state_command(config_path: Path | None) -> None:
    """Show where the local state (snapshots, last run, lock) is and how much it holds."""
    path = find_config_path(config_path)
    if path.exists():
        state_dir = state_dir_of(load_config(path))
    elif config_path is not None:
        load_config(path)  # reports the missing file
        return
    else:
        state_dir = default_state_dir()
    summary = describe_state(state_dir)
    out = console()
    out.print(f"State folder: {summary.path}", markup=False)
    if not summary.exists:
        out.print("It does not exist yet: nothing is stored.")
        return
    out.print(f"{summary.files} file(s), {_size(summary.bytes)}, {summary.snapshots} snapshot(s).")
    out.print("It holds contact data (snapshots of owned cells); keep it private.")
    if not summary.private:
        out.print(
            "[bold red]Warning:[/] some of it is readable by other users. "
            f"Fix with: chmod -R go-rwx {escape(str(summary.path))}"
        )


def _size(count: int) -> str:
    size = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")
