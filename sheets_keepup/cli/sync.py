"""`demo`, `sync`, `check`, `restore` and `config-example`, and how a sync is shown."""

from __future__ import annotations

import datetime as dt
import shlex
import sys
from pathlib import Path
from typing import Any

import click
import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sheets_keepup.app.config_file import (
    example_config_text,
    find_config_path,
    load_config,
    local_default_config,
)
from sheets_keepup.app.snapshots import SnapshotStore
from sheets_keepup.app.sync import SyncResult, sync
from sheets_keepup.backends import Backend, open_backend
from sheets_keepup.cli.common import (
    SHOW_FIRST,
    all_option,
    config_option,
    console,
    emit_json,
    handle_errors,
    json_option,
    lock_wait,
    more_line,
    progress_shown,
    state_dir_of,
    today_of,
    today_option,
    visible,
    writer_lock,
)
from sheets_keepup.core.headers import cell_name, column_letter
from sheets_keepup.core.model import Highlight, Problem
from sheets_keepup.core.planner import DUE_SOON, OVERDUE
from sheets_keepup.core.settings import Config

DEMO_FILE = "sheets-keepup-demo.xlsx"
SEE_ALL = "sheets-keepup sync --dry-run --all"
"""How to list what a summary left out: a dry run writes nothing, and sees what a sync sees."""


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
@click.option(
    "--reset",
    is_flag=True,
    help="Start over from the sample, even if the demo workbook is there (and edited).",
)
@today_option
@handle_errors
def demo(folder: Path, google: bool, reset: bool, today: dt.datetime | None) -> None:
    """Copy the bundled sample workbook, sync it and show what it found.

    Run again, it syncs the demo workbook as you left it, edits and all; --reset
    starts over from the sample.
    """
    from sheets_keepup.backends.xlsx import write_new_workbook
    from sheets_keepup.core.sample import sample_setup, sample_tabs

    if google:
        _google_demo(today_of(today, local_default_config(Path(DEMO_FILE))))
        return
    path = (folder / DEMO_FILE).resolve()
    config = local_default_config(path)
    day = today_of(today, config)
    kept = path.exists() and not reset
    if not kept:
        write_new_workbook(path, sample_tabs(day), overwrite=True, setups=sample_setup())
    with progress_shown():
        result = _demo_run(path, config, day)
    out = console()
    print_summary(out, result, limit=SHOW_FIRST, see_all=None)
    where = escape(visible(path))
    if kept:
        out.print(
            f"\nSynced the demo workbook at [bold]{where}[/] as you left it: your edits are "
            "kept. `sheets-keepup demo --reset` starts over from the sample.",
            soft_wrap=True,
        )
    else:
        out.print(
            f"\nThe demo workbook is at [bold]{where}[/]. Open it in LibreOffice or Excel to "
            "see the row colours; edit it (close it first) and run `sheets-keepup demo` "
            "again to see your edits synced, or `sheets-keepup demo --reset` to start over.",
            soft_wrap=True,
        )


def _demo_run(path: Path, config: Config, day: dt.date) -> SyncResult:
    """One nightly run of the demo workbook, the week's digest and health tab included,
    with a state folder of its own that is gone afterwards: the demo leaves no state."""
    import tempfile
    from zoneinfo import ZoneInfo

    from sheets_keepup.app.run import SyncRun, make_digest

    now = dt.datetime.now(ZoneInfo(config.timezone))
    if now.date() != day:
        now = dt.datetime.combine(day, dt.time(hour=6), ZoneInfo(config.timezone))
    with tempfile.TemporaryDirectory(prefix="sheets-keepup-demo-") as state:
        # The digest first, whatever the day: `run` would wait for the digest day.
        make_digest(open_backend(config), config, day, state_dir=Path(state), write=True)
        run = SyncRun(config, Path(state), env={}, scheduled=False)
        return run(open_backend(config), day, now, weekly=False).result


def _google_demo(day: dt.date) -> None:
    from sheets_keepup.app.demo import run_google_demo

    demo = run_google_demo(day)
    out = console()
    print_summary(out, demo.result, limit=SHOW_FIRST, see_all=None)
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
@all_option
@json_option
@today_option
@handle_errors
def sync_command(
    config_path: Path | None,
    dry_run: bool,
    show_all: bool,
    as_json: bool,
    today: dt.datetime | None,
) -> None:
    """Sync the sheet the config names, once.

    The summary lists the first 20 rows of each kind, problems and (with --dry-run)
    changes; --all lists every one, --json prints it all as JSON.
    """
    config = load_config(find_config_path(config_path))
    with progress_shown():
        backend = open_backend(config)
        result = run_sync(backend, config, today_of(today, config), dry_run=dry_run)
    if as_json:
        emit_json(sync_json(result))
        return
    out = console()
    limit = None if show_all else SHOW_FIRST
    see_all = _see_all(config_path, today)
    print_summary(out, result, limit=limit, see_all=see_all)
    stats = backend.last_write
    if result.written and stats is not None and stats.split:
        out.print(
            f"The write was {sum(stats.body_sizes):,} bytes, so it went out as "
            f"{stats.requests} requests of under 2 MB each, in row order."
        )
    if dry_run:
        print_changes(out, result, limit=limit, see_all=see_all)


@click.command(name="check", short_help="Say what is wrong with the setup; write nothing.")
@config_option
@json_option
@all_option
@today_option
@handle_errors
def check_command(
    config_path: Path | None, as_json: bool, show_all: bool, today: dt.datetime | None
) -> None:
    """Check the config, credentials, sheet, tab and headers; write nothing."""
    from sheets_keepup.app.check import check_source

    config = load_config(find_config_path(config_path))
    limit = None if show_all else SHOW_FIRST
    with progress_shown("Checking the sheet"):
        report = check_source(config, today_of(today, config), limit=limit)
    if as_json:
        emit_json(
            {
                "ok": report.ok,
                "exit_status": int(report.status),
                "findings": [{"ok": f.ok, "text": f.text} for f in report.findings],
            }
        )
    else:
        out = console()
        marks = {True: "[green]OK[/]  ", False: "[red]FAIL[/]", None: "    "}
        for finding in report.findings:
            out.print(f"{marks[finding.ok]} ", end="")
            out.print(visible(finding.text), markup=False)
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
                f"{info.cells} cell(s) in {info.rows} row(s)",
                markup=False,
            )
        return
    with writer_lock(config):
        path = pick_snapshot(store, snapshot)
        result = restore_snapshot(backend, store, path, dt.datetime.now())
    if result.already:
        out.print(
            f"Nothing to restore: the sheet already holds what snapshot {path.stem} saw. "
            "Nothing was written.",
            markup=False,
        )
        return
    out.print(
        f"Restored {len(result.changes.cells)} cell(s) and the colours of "
        f"{result.changes.rows_touched} row(s) from snapshot {path.stem}.",
        markup=False,
    )
    if result.undo is not None:
        out.print(f"To undo this restore: sheets-keepup restore {result.undo.stem}", markup=False)


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
    from sheets_keepup.app.run import meetings_to_come

    store = snapshot_store(config, backend)
    owned = owned_tabs(config, digest=False)
    upcoming = meetings_to_come(config, state_dir_of(config), backend.describe(), today)
    return sync(
        backend, config, today, dry_run=dry_run, snapshots=store, owned=owned, upcoming=upcoming
    )


def snapshot_store(config: Config, backend: Backend) -> SnapshotStore:
    """The snapshots of the sheet `backend` reaches, pruned as the config says."""
    return SnapshotStore.configured(state_dir_of(config), backend.describe(), config)


@click.command(name="config-example")
def config_example() -> None:
    """Print the documented example configuration."""
    click.echo(example_config_text(), nl=False)


def _due(value: Any) -> str:
    return "" if pd.isna(value) else value.strftime("%Y-%m-%d")


def _listed(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as the summary and --json show them: sheet row, name, action, due, status."""
    return [
        {
            "row": int(row) + 1,
            "name": str(item["label"]),
            "next_action": str(item["summary"]),
            "due": _due(item["due"]) or None,
            "status": str(item["status"]),
        }
        for row, item in zip(rows.index.tolist(), rows.to_dict("records"), strict=True)
    ]


def _rows_table(title: str, rows: pd.DataFrame, limit: int | None, see_all: str | None) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False, expand=False)
    table.add_column("Row", justify="right", style="dim")
    table.add_column("Name")
    table.add_column("Next action", overflow="fold")
    table.add_column("Due")
    for item in _listed(rows.head(limit) if limit is not None else rows):
        table.add_row(
            str(item["row"]),
            visible(item["name"], one_line=True),
            visible(item["next_action"], one_line=True),
            item["due"] or "",
            # Sheet text is never markup: a name like "[red]" is shown as typed.
        )
    if limit is not None and len(rows) > limit:
        table.caption = _more(len(rows) - limit, see_all)
        table.caption_justify = "left"
    return table


def _more(hidden: int, see_all: str | None) -> str:
    return more_line(hidden, see_all) if see_all else f"... and {hidden} more"


def _sections(result: SyncResult) -> list[tuple[str, str, pd.DataFrame]]:
    """The summary's lists, most urgent first within each: picks, overdue, due soon."""
    rows = result.plan.rows.sort_values("priority", ascending=False, kind="stable")
    found = [("picks", "This week's picks (most urgent first)", result.plan.picks)]
    for status, key, title in ((OVERDUE, "overdue", "Overdue"), (DUE_SOON, "due_soon", "Due soon")):
        # The title says the order: a reader should not guess why row 40 comes first.
        titled = f"{title} (not picks; most urgent first: tier weight x time overdue)"
        found.append((key, titled, rows[(rows["status"] == status) & ~rows["pick"]]))
    return found


def print_summary(
    out: Console, result: SyncResult, *, limit: int | None = SHOW_FIRST, see_all: str | None
) -> None:
    """A readable summary: headline counts, picks, overdue, due soon, problems.

    Each list shows its first `limit` entries (all with None), then how many were left
    out and `see_all`, the command that lists them all.
    """
    counts = result.counts()
    out.print(
        f"[bold]{escape(visible(result.target, one_line=True))}[/]: {counts['rows']} contacts, "
        f"[red]{counts['overdue']} overdue[/], [yellow]{counts['due_soon']} due soon[/], "
        f"{counts['problems']} problem(s).",
        soft_wrap=True,
    )
    if result.dry_run:
        out.print(_dry_run_line(result), markup=False, soft_wrap=True)
    elif result.written:
        out.print(
            f"Wrote {counts['cells_changed']} cell(s) and colours in "
            f"{counts['rows_changed']} row(s)."
        )
    else:
        out.print("Nothing to change: the sheet is up to date.")
    for _, title, rows in _sections(result):
        if not rows.empty:
            out.print(_rows_table(title, rows, limit, see_all))
    if result.problems:
        out.print("[bold]Cells I could not read[/] (these rows are marked 'check'):")
        shown = result.problems if limit is None else result.problems[:limit]
        for problem in shown:
            out.print(f"  - {visible(problem, one_line=True)}", markup=False, soft_wrap=True)
        if len(shown) < len(result.problems):
            out.print(f"  {_more(len(result.problems) - len(shown), see_all)}", markup=False)


def _dry_run_line(result: SyncResult) -> str:
    """How much a dry run would change, by owned column, in one line."""
    changes = result.changes
    counts = result.counts()
    text = f"Dry run: {counts['cells_changed']} cell(s) in {counts['rows_changed']} row(s)"
    names = {col: key for key, col in changes.owned_columns.items()}
    by_column: dict[str, int] = {}
    for cell in changes.cells:
        name = names.get(cell.col, column_letter(cell.col))
        by_column[name] = by_column.get(name, 0) + 1
    if by_column:
        text += " (" + ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in by_column.items()) + ")"
    if changes.fills:
        text += f" and the colours of {len(changes.fills)} row(s)"
    if changes.highlight is not None:
        text += " and the colour rules"
    return text + " would change. Nothing was written."


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def change_rows(result: SyncResult) -> list[tuple[str, str, str]]:
    """Every owned cell, row colour and colour rule a write would change: where, now, after."""
    changes = result.changes
    if not changes:
        return []
    previous = changes.previous
    values = previous.values if previous is not None else {}
    # A row's colour is the one its Status cell wears, as in the diff.
    status_col = changes.owned_columns.get("status")
    found = [
        (
            cell_name(cell.row, cell.col),
            _shown(values.get((cell.row, cell.col))),
            _shown(cell.value),
        )
        for cell in changes.cells
    ]
    for fill in changes.fills:
        span = f"{cell_name(fill.row, fill.start_col)}:{cell_name(fill.row, fill.end_col - 1)}"
        was = (
            previous.background(fill.row, status_col)
            if previous is not None and status_col is not None
            else None
        )
        found.append((span, f"colour {was or 'none'}", f"colour {fill.colour or 'none'}"))
    if changes.highlight is not None:
        found.append(("colour rules", "replaced", _rules_shown(changes.highlight)))
    return found


def _see_all(config_path: Path | None, today: dt.datetime | None) -> str:
    """The command that lists everything this one cut short, for the same sheet and day."""
    command = SEE_ALL
    if config_path is not None:
        command += f" --config {shlex.quote(str(config_path))}"
    if today is not None:
        command += f" --today {today.date().isoformat()}"
    return command


def print_changes(
    out: Console, result: SyncResult, *, limit: int | None = SHOW_FIRST, see_all: str = SEE_ALL
) -> None:
    """The owned cells and colours a write would change, old -> new: the first `limit`."""
    found = change_rows(result)
    if not found:
        return
    shown = found if limit is None else found[:limit]
    table = Table(title="Changes (dry run)", title_justify="left")
    table.add_column("Cell")
    table.add_column("Now", overflow="fold", style="dim")
    table.add_column("Would become", overflow="fold")
    for where, now, after in shown:
        table.add_row(where, visible(now, one_line=True), visible(after, one_line=True))
    if len(shown) < len(found):
        table.caption = more_line(len(found) - len(shown), see_all)
        table.caption_justify = "left"
    out.print(table)


def sync_json(result: SyncResult) -> dict[str, Any]:
    """What `sync --json` prints: the counts, every listed row and problem, and, for a
    dry run, every change."""
    found: dict[str, Any] = {
        "sheet": result.target,
        "dry_run": result.dry_run,
        "written": result.written,
        "counts": result.counts(),
    }
    for key, _, rows in _sections(result):
        found[key] = _listed(rows)
    found["problems"] = [_problem_json(problem) for problem in result.problems]
    if result.dry_run:
        found["changes"] = [
            {"where": where, "now": now, "would_become": after}
            for where, now, after in change_rows(result)
        ]
    return found


def _problem_json(problem: Problem) -> dict[str, Any]:
    return {
        "tab": problem.tab,
        "row": None if problem.row is None else problem.row + 1,
        "cell": None
        if problem.row is None or problem.col is None
        else cell_name(problem.row, problem.col),
        "message": problem.message,
        "text": str(problem),
    }


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
