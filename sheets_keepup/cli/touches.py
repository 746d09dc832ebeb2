"""`sheets-keepup mail`: the mail the user sent becomes rows of the Log tab."""

from __future__ import annotations

import datetime as dt
import logging
import os
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from sheets_keepup.app.config_file import find_config_path, load_config
from sheets_keepup.app.logs import configure_logging
from sheets_keepup.backends import open_backend
from sheets_keepup.cli.common import (
    config_option,
    console,
    emit_json,
    handle_errors,
    state_dir_of,
    today_of,
    today_option,
    writer_lock,
)

if TYPE_CHECKING:
    # Only for types: the IMAP library is loaded when `mail` runs, not by every command.
    from sheets_keepup.app.imap_scan import MailRun
    from sheets_keepup.app.touches import TouchesSummary


@click.command("mail", short_help="Log the mail you sent to contacts as touches.")
@config_option
@today_option
@click.option("--dry-run", is_flag=True, help="List the Log rows it would add; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@handle_errors
def mail_command(
    config_path: Path | None, today: dt.datetime | None, dry_run: bool, as_json: bool
) -> None:
    """Read the headers of the mail you sent since the last run and log them as touches.

    Connects to the mailbox in touches.mail over IMAP, read-only, and adds one Log row
    (date, who, email) per contact you wrote to on a day. Message bodies are never
    downloaded, and nothing in the mailbox changes. A dry run reads the same headers
    and lists the rows, but writes nothing and remembers nothing.
    """
    from sheets_keepup.app.imap_scan import record_mail

    config = load_config(find_config_path(config_path))
    if config.log_file is not None:
        # The job log gets the run's one line of counts, like the nightly run's.
        configure_logging(logging.INFO, config.log_file)
    day = today_of(today, config)
    backend = open_backend(config)
    with nullcontext() if dry_run else writer_lock(config):
        run = record_mail(
            config,
            backend,
            state_dir=state_dir_of(config),
            today=day,
            env=os.environ,
            dry_run=dry_run,
        )
    out = console()
    if as_json:
        emit_json(run_json(run))
        return
    print_mail_run(out, run)


def run_json(run: MailRun) -> dict[str, Any]:
    """The run as plain data: rows to add (or added), counts, and whether it wrote."""
    summary = run.summary
    return {
        "dry_run": summary.dry_run,
        "written": summary.written,
        "messages_read": run.scanned,
        "log_tab": summary.log_tab,
        "rows": [
            {"date": r.day.isoformat(), "who": r.who, "kind": r.kind, "note": r.note}
            for r in summary.rows
        ],
        "skipped": dict(sorted(run.skipped.items())),
        "warnings": list(summary.warnings),
    }


def print_touch_rows(out: Console, summary: TouchesSummary, *, dry_run: bool) -> None:
    """The warnings, then the Log rows a run added (or would add)."""
    for warning in summary.warnings:
        out.print(f"Warning: {warning}", markup=False, soft_wrap=True)
    verb = "Would add" if dry_run else "Added"
    if summary.rows:
        out.print(f"{verb} to '{summary.log_tab}':", markup=False)
        for row in summary.rows:
            note = f"  ({row.note})" if row.note else ""
            out.print(f"  {row.day.isoformat()}  {row.who}  {row.kind}{note}", markup=False)


def print_mail_run(out: Console, run: MailRun) -> None:
    """The rows, then one line of counts."""
    summary = run.summary
    print_touch_rows(out, summary, dry_run=summary.dry_run)
    out.print(run.line(), markup=False)
    if summary.dry_run:
        out.print("Dry run: nothing was written, and the next run reads these again.")
