"""`demo`, `sync`, `check`, `restore` and `config-example`, and how a sync is shown."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click
import pandas as pd
from rich.console import Console
from rich.table import Table

from sheets_keepup.app.config_file import example_config_text, find_config_path, load_config
from sheets_keepup.app.snapshots import SnapshotStore
from sheets_keepup.app.sync import SyncResult, sync
from sheets_keepup.backends import Backend, open_backend
from sheets_keepup.cli.common import (
    config_option,
    console,
    handle_errors,
    lock_wait,
    state_dir_of,
    today_of,
    today_option,
    writer_lock,
)
from sheets_keepup.core.headers import cell_name, column_letter
from sheets_keepup.core.model import Highlight
from sheets_keepup.core.planner import DUE_SOON, OVERDUE
from sheets_keepup.core.settings import Config, default_config

DEMO_FILE = "sheets-keepup-demo.xlsx"
LIST_LIMIT = 10


@click.command(short_help="Sync a sample workbook and show what it found.")
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
    from sheets_keepup.core.sample import sample_setup, sample_tabs

    if google:
        _google_demo(today_of(today, default_config(Path(DEMO_FILE))))
        return
    path = (folder / DEMO_FILE).resolve()
    config = default_config(path)
    day = today_of(today, config)
    write_new_workbook(path, sample_tabs(day), overwrite=True, setups=sample_setup())
    result = sync(open_backend(config), config, day)
    out = console()
    print_summary(out, result)
    out.print(
        f"\nThe demo workbook is at [bold]{path}[/]. Open it in LibreOffice or Excel to "
        "see the row colours; edit it and run `sheets-keepup demo` again to start over."
    )


def _google_demo(day: dt.date) -> None:
    from sheets_keepup.app.demo import run_google_demo

    demo = run_google_demo(day)
    out = console()
    print_summary(out, demo.result)
    out.print(
        f"\nGoogle Sheets API requests: {demo.requests} ({demo.reads} read(s), "
        f"{demo.writes} write(s), {demo.body_bytes:,} bytes sent), all to a local fake of "
        "the API on 127.0.0.1."
    )
    wrote = "and wrote again" if demo.second_sync_wrote else "and nothing to write"
    out.print(f"Syncing again at once: {demo.second_sync_requests} request(s), {wrote}.")


@click.command(name="sync")
@config_option
@click.option("--dry-run", is_flag=True, help="Show exactly what would change; write nothing.")
@today_option
@handle_errors
def sync_command(config_path: Path | None, dry_run: bool, today: dt.datetime | None) -> None:
    """Sync the sheet the config names, once."""
    config = load_config(find_config_path(config_path))
    backend = open_backend(config)
    result = run_sync(backend, config, today_of(today, config), dry_run=dry_run)
    out = console()
    print_summary(out, result)
    stats = backend.last_write
    if result.written and stats is not None and stats.split:
        out.print(
            f"The write was {sum(stats.body_sizes):,} bytes, so it went out as "
            f"{stats.requests} requests of under 2 MB each, in row order."
        )
    if dry_run:
        print_changes(out, result)


@click.command(name="check", short_help="Say what is wrong with the setup; write nothing.")
@config_option
@today_option
@handle_errors
def check_command(config_path: Path | None, today: dt.datetime | None) -> None:
    """Check the config, credentials, sheet, tab and headers; write nothing."""
    from sheets_keepup.app.check import check_source

    config = load_config(find_config_path(config_path))
    report = check_source(config, today_of(today, config))
    out = console()
    marks = {True: "[green]OK[/]  ", False: "[red]FAIL[/]", None: "    "}
    for finding in report.findings:
        out.print(f"{marks[finding.ok]} ", end="")
        out.print(finding.text, markup=False)
    if not report.ok:
        sys.exit(int(report.status))


@click.command(name="restore", short_help="Undo a sync: put back what a snapshot saw.")
@config_option
@click.option("--list", "list_only", is_flag=True, help="List the snapshots, newest first.")
@click.argument("snapshot", required=False)
@handle_errors
def restore_command(config_path: Path | None, list_only: bool, snapshot: str | None) -> None:
    """Put back the owned cells and colours as a snapshot saw them (default: newest)."""
    from sheets_keepup.app.restore import pick_snapshot, restore_snapshot

    config = load_config(find_config_path(config_path))
    backend = open_backend(config)
    store = snapshot_store(config, backend)
    out = console()
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
    with writer_lock(config):
        path = pick_snapshot(store, snapshot)
        result = restore_snapshot(backend, store, path, dt.datetime.now())
    if result.already:
        out.print(
            f"Nothing to restore: the sheet already holds what snapshot {path.stem} saw. "
            "Nothing was written."
        )
        return
    out.print(
        f"Restored {len(result.changes.cells)} cell(s) and the colours of "
        f"{result.changes.rows_touched} row(s) from snapshot {path.stem}."
    )
    if result.undo is not None:
        out.print(f"To undo this restore: sheets-keepup restore {result.undo.stem}")


def run_sync(backend: Backend, config: Config, today: dt.date, *, dry_run: bool) -> SyncResult:
    """A sync with snapshots kept in the config's state folder.

    A real sync holds the state folder's lock (one writer at a time, waiting a little
    for another), updates the health tab and records its result for `sheets-keepup
    status`; a dry run only reads, and stops as the sync would on a clash of tab names.
    """
    from sheets_keepup.app.owned_tabs import owned_tabs

    if not dry_run:
        from sheets_keepup.app.run import sync_locked

        return sync_locked(backend, config, today, state_dir=state_dir_of(config), wait=lock_wait())
    store = snapshot_store(config, backend)
    owned = owned_tabs(config, digest=False)
    return sync(backend, config, today, dry_run=dry_run, snapshots=store, owned=owned)


def snapshot_store(config: Config, backend: Backend) -> SnapshotStore:
    """The snapshots of the sheet `backend` reaches, pruned as the config says."""
    return SnapshotStore.configured(state_dir_of(config), backend.describe(), config)


@click.command(name="config-example")
def config_example() -> None:
    """Print the documented example configuration."""
    click.echo(example_config_text(), nl=False)


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
    changes = result.changes
    if not changes:
        return
    previous = changes.previous
    values = previous.values if previous is not None else {}
    # A row's colour is the one its Status cell wears, as in the diff.
    status_col = changes.owned_columns.get("status")
    table = Table(title="Changes (dry run)", title_justify="left")
    table.add_column("Cell")
    table.add_column("Now", overflow="fold", style="dim")
    table.add_column("Would become", overflow="fold")
    for cell in changes.cells:
        table.add_row(
            cell_name(cell.row, cell.col),
            _shown(values.get((cell.row, cell.col))),
            _shown(cell.value),
        )
    for fill in changes.fills:
        span = f"{cell_name(fill.row, fill.start_col)}:{cell_name(fill.row, fill.end_col - 1)}"
        was = (
            previous.background(fill.row, status_col)
            if previous is not None and status_col is not None
            else None
        )
        table.add_row(span, f"colour {was or 'none'}", f"colour {fill.colour or 'none'}")
    if changes.highlight is not None:
        table.add_row("colour rules", "replaced", _rules_shown(changes.highlight))
    out.print(table)


def _rules_shown(highlight: Highlight) -> str:
    """The tool's conditional formats, as the dry run lists them: how many, and where."""
    if not highlight.rules:
        return "none (highlight: none)"
    areas = ", ".join(
        f"{cell_name(a.first_row, a.first_col)}:{column_letter(a.end_col - 1)}"
        + ("" if a.end_row is None else str(a.end_row))
        for a in highlight.areas
    )
    return f"{len(highlight.rules)} rules keyed on Status, on {areas}"


# Commands kept in their own modules register themselves on `main` when imported.
