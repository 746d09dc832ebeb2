"""Command line: thin wrappers over the library. The only module that prints."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click
import pandas as pd
from rich.console import Console
from rich.table import Table

from sheets_keepup import __version__
from sheets_keepup.backends import Backend, open_backend
from sheets_keepup.config import Config, default_config, find_config_path, load_config
from sheets_keepup.errors import ExitStatus, UserError
from sheets_keepup.headers import cell_name
from sheets_keepup.planner import DUE_SOON, OVERDUE
from sheets_keepup.state import SnapshotStore, default_state_dir
from sheets_keepup.sync import SyncResult, sync

F = TypeVar("F", bound=Callable[..., Any])
DEMO_FILE = "sheets-keepup-demo.xlsx"
LIST_LIMIT = 10


def _console(stderr: bool = False) -> Console:
    return Console(
        file=sys.stderr if stderr else sys.stdout,
        highlight=False,
        soft_wrap=False,
        width=None if sys.stdout.isatty() else 120,
    )


def handle_errors(command: F) -> F:
    """Turn a UserError into its message on stderr and its exit status."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except UserError as error:
            _console(stderr=True).print(f"[bold red]Error:[/] {error}", markup=True)
            sys.exit(int(error.exit_status))
        except KeyboardInterrupt:
            _console(stderr=True).print("Interrupted.")
            sys.exit(int(ExitStatus.INTERRUPTED))

    return wrapper  # type: ignore[return-value]


def _today(value: dt.datetime | None, config: Config) -> dt.date:
    if value is not None:
        return value.date()
    return dt.datetime.now(ZoneInfo(config.timezone)).date()


def _state_dir(config: Config) -> Path:
    return config.state_dir or default_state_dir()


config_option = click.option(
    "--config",
    "-c",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file (default: $SHEETS_KEEPUP_CONFIG or ./sheets-keepup.yaml).",
)
today_option = click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Plan as of this day (YYYY-MM-DD) instead of today.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sheets-keepup")
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
def main(verbose: int) -> None:
    """Keep professional relationships alive from a spreadsheet.

    Reads your contact sheet, works out who is due and what to do, and writes a
    Next action, a Due date, a Status and a row colour back. Nothing else is touched.
    """
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@main.command()
@click.option(
    "--dir",
    "folder",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="Where to put the demo workbook.",
)
@click.option(
    "--google",
    is_flag=True,
    help="Sync the sample through the Google Sheets code path, against a local fake API.",
)
@today_option
@handle_errors
def demo(folder: Path, google: bool, today: dt.datetime | None) -> None:
    """Copy the bundled sample workbook, sync it and show what it found."""
    from sheets_keepup.backends.xlsx import write_new_workbook
    from sheets_keepup.sample import sample_setup, sample_tabs

    if google:
        _google_demo(_today(today, default_config(Path(DEMO_FILE))))
        return
    path = (folder / DEMO_FILE).resolve()
    config = default_config(path)
    day = _today(today, config)
    write_new_workbook(path, sample_tabs(day), overwrite=True, setups=sample_setup())
    result = sync(open_backend(config), config, day)
    out = _console()
    print_summary(out, result)
    out.print(
        f"\nThe demo workbook is at [bold]{path}[/]. Open it in LibreOffice or Excel to "
        "see the row colours; edit it and run `sheets-keepup demo` again to start over."
    )


def _google_demo(day: dt.date) -> None:
    from sheets_keepup.backends.google_demo import run_google_demo

    demo = run_google_demo(day)
    out = _console()
    print_summary(out, demo.result)
    out.print(
        f"\nGoogle Sheets API requests: {demo.requests} ({demo.reads} read(s), "
        f"{demo.writes} write(s), {demo.body_bytes:,} bytes sent), all to a local fake of "
        "the API on 127.0.0.1."
    )
    wrote = "and wrote again" if demo.second_sync_wrote else "and nothing to write"
    out.print(f"Syncing again at once: {demo.second_sync_requests} request(s), {wrote}.")


@main.command(name="sync")
@config_option
@click.option("--dry-run", is_flag=True, help="Show exactly what would change; write nothing.")
@today_option
@handle_errors
def sync_command(config_path: Path | None, dry_run: bool, today: dt.datetime | None) -> None:
    """Sync the sheet the config names, once."""
    config = load_config(find_config_path(config_path))
    backend = open_backend(config)
    result = run_sync(backend, config, _today(today, config), dry_run=dry_run)
    out = _console()
    print_summary(out, result)
    stats = getattr(backend, "last_write", None)
    if result.written and stats is not None and stats.split:
        out.print(
            f"The write was {sum(stats.body_sizes):,} bytes, so it went out as "
            f"{stats.requests} requests of under 2 MB each, in row order."
        )
    if dry_run:
        print_changes(out, result)


@main.command(name="check")
@config_option
@today_option
@handle_errors
def check_command(config_path: Path | None, today: dt.datetime | None) -> None:
    """Check the config, credentials, sheet, tab and headers; write nothing."""
    from sheets_keepup.check import check_source

    config = load_config(find_config_path(config_path))
    report = check_source(config, _today(today, config))
    out = _console()
    marks = {True: "[green]OK[/]  ", False: "[red]FAIL[/]", None: "    "}
    for finding in report.findings:
        out.print(f"{marks[finding.ok]} ", end="")
        out.print(finding.text, markup=False)
    if not report.ok:
        sys.exit(int(report.status))


@main.command(name="restore")
@config_option
@click.option("--list", "list_only", is_flag=True, help="List the snapshots, newest first.")
@click.argument("snapshot", required=False)
@handle_errors
def restore_command(config_path: Path | None, list_only: bool, snapshot: str | None) -> None:
    """Put back the owned cells and colours as a snapshot saw them (default: newest)."""
    from sheets_keepup.restore import pick_snapshot, restore_snapshot

    config = load_config(find_config_path(config_path))
    backend = open_backend(config)
    store = snapshot_store(config, backend)
    out = _console()
    if list_only:
        found = store.list()
        if not found:
            out.print("No snapshots yet: they are taken before each sync that writes.")
        for info in found:
            out.print(
                f"{info.path.stem}  {info.taken:%Y-%m-%d %H:%M:%S}  "
                f"{info.cells} cell(s) in {info.rows} row(s)"
            )
        return
    path = pick_snapshot(store, snapshot)
    result = restore_snapshot(backend, store, path, dt.datetime.now())
    out.print(
        f"Restored {len(result.changes.cells)} cell(s) and the colours of "
        f"{result.changes.rows_touched} row(s) from snapshot {path.stem}."
    )
    if result.undo is not None:
        out.print(f"To undo this restore: sheets-keepup restore {result.undo.stem}")


def run_sync(backend: Backend, config: Config, today: dt.date, *, dry_run: bool) -> SyncResult:
    """A sync with snapshots kept in the config's state folder.

    A real sync holds the state folder's lock (one sync at a time), updates the health
    tab and records its result for `sheets-keepup status`; a dry run only reads.
    """
    if not dry_run:
        from sheets_keepup.nightly import sync_locked

        return sync_locked(backend, config, today, state_dir=_state_dir(config))
    store = snapshot_store(config, backend)
    return sync(backend, config, today, dry_run=dry_run, snapshots=store)


def snapshot_store(config: Config, backend: Backend) -> SnapshotStore:
    """The snapshots of the sheet `backend` reaches, pruned as the config says."""
    return SnapshotStore.configured(_state_dir(config), backend.describe(), config)


@main.command(name="config-example")
def config_example() -> None:
    """Print the documented example configuration."""
    click.echo(example_config_text(), nl=False)


def example_config_text() -> str:
    """The example config shipped with the package."""
    return (
        resources.files("sheets_keepup")
        .joinpath("data/config.example.yaml")
        .read_text(encoding="utf-8")
    )


def _due(value: Any) -> str:
    return "" if pd.isna(value) else value.strftime("%Y-%m-%d")


def _rows_table(title: str, rows: pd.DataFrame, limit: int = LIST_LIMIT) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False, expand=False)
    table.add_column("Row", justify="right", style="dim")
    table.add_column("Name")
    table.add_column("Next action", overflow="fold")
    table.add_column("Due")
    shown = rows.head(limit)
    for row, item in zip(shown.index.tolist(), shown.to_dict("records"), strict=True):
        table.add_row(
            str(int(row) + 1), str(item["label"]), str(item["summary"]), _due(item["due"])
        )
    if len(rows) > limit:
        table.caption = f"... and {len(rows) - limit} more"
    return table


def print_summary(out: Console, result: SyncResult) -> None:
    """A readable summary: headline counts, picks, overdue, due soon, problems."""
    counts = result.counts()
    plan = result.plan
    out.print(
        f"[bold]{result.target}[/]: {counts['rows']} contacts, "
        f"[red]{counts['overdue']} overdue[/], [yellow]{counts['due_soon']} due soon[/], "
        f"{counts['problems']} problem(s)."
    )
    if result.dry_run:
        out.print(
            f"Dry run: {counts['cells_changed']} cell(s) in {counts['rows_changed']} "
            "row(s) would change. Nothing was written."
        )
    elif result.written:
        out.print(
            f"Wrote {counts['cells_changed']} cell(s) and colours in "
            f"{counts['rows_changed']} row(s)."
        )
    else:
        out.print("Nothing to change: the sheet is up to date.")
    rows = plan.rows.sort_values("priority", ascending=False, kind="stable")
    if not plan.picks.empty:
        out.print(_rows_table("This week's picks", plan.picks))
    for status, title in ((OVERDUE, "Overdue"), (DUE_SOON, "Due soon")):
        selected = rows[(rows["status"] == status) & ~rows["pick"]]
        if not selected.empty:
            out.print(_rows_table(title, selected))
    if result.problems:
        out.print("[bold]Cells I could not read[/] (these rows are marked 'check'):")
        for problem in result.problems:
            out.print(f"  - {problem}", markup=False)


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def print_changes(out: Console, result: SyncResult) -> None:
    """Every owned cell and colour a write would change, old -> new."""
    if not result.changes:
        return
    previous = result.changes.details.get("previous", {})
    table = Table(title="Changes (dry run)", title_justify="left")
    table.add_column("Cell")
    table.add_column("Now", overflow="fold", style="dim")
    table.add_column("Would become", overflow="fold")
    for cell in result.changes.cells:
        table.add_row(
            cell_name(cell.row, cell.col),
            _shown(previous.get((cell.row, cell.col))),
            _shown(cell.value),
        )
    for fill in result.changes.fills:
        span = f"{cell_name(fill.row, fill.start_col)}:{cell_name(fill.row, fill.end_col - 1)}"
        table.add_row(
            span,
            f"colour {previous.get((fill.row, -1)) or 'none'}",
            f"colour {fill.colour or 'none'}",
        )
    out.print(table)


# Commands kept in their own modules register themselves on `main` when imported.
from sheets_keepup import cli_contacts, cli_init, cli_nightly  # noqa: E402, F401
