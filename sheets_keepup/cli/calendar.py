"""`sheets-keepup calendar` (meetings become Log rows) and `sheets-keepup ics` (this week's
reminders as calendar entries)."""

from __future__ import annotations

import datetime as dt
import logging
import sys
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
from sheets_keepup.cli.touches import print_touch_rows

if TYPE_CHECKING:
    # Only for types: the calendar libraries are loaded when these commands run, not by
    # every command.
    from sheets_keepup.app.calendar_touches import CalendarRun


@click.command("calendar", short_help="Log the meetings you had with contacts as touches.")
@config_option
@click.option("--dry-run", is_flag=True, help="List the Log rows it would add; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@handle_errors
def calendar_command(config_path: Path | None, dry_run: bool, as_json: bool) -> None:
    """Read the calendars in touches.calendar and log past meetings with contacts.

    Each meeting that has ended, with a contact among its attendees or named in its
    title, adds one Log row: coffee or lunch when the title says so, call when it had
    only a video link, else meeting. Declined, cancelled, all-day and large meetings
    are left out. Meetings in the next days are remembered as planned, not logged.
    A dry run reads the same calendars and lists the rows, but writes and remembers
    nothing.
    """
    from sheets_keepup.app.calendar_touches import scan_calendars, source_failures

    config = load_config(find_config_path(config_path))
    if config.log_file is not None:
        # The job log gets the run's one line of counts, like the nightly run's.
        configure_logging(logging.INFO, config.log_file)
    backend = open_backend(config)
    with nullcontext() if dry_run else writer_lock(config):
        run = scan_calendars(
            config, state_dir=state_dir_of(config), dry_run=dry_run, backend=backend
        )
    out = console()
    if as_json:
        emit_json(run_json(run))
    else:
        print_calendar_run(out, run)
    failure = source_failures(run)
    if failure is not None:
        console(stderr=True).print(f"Error: {failure}", markup=False, soft_wrap=True)
        sys.exit(int(failure.exit_status))


def run_json(run: CalendarRun) -> dict[str, Any]:
    """The run as plain data: rows to add (or added), meetings to come, counts."""
    summary = run.summary
    rows = summary.rows if summary else ()
    skipped = dict(run.skipped)
    if summary is not None:
        for why, count in summary.skipped.items():
            skipped[why] = skipped.get(why, 0) + count
    return {
        "dry_run": run.dry_run,
        "written": bool(summary and summary.written),
        "sources": list(run.sources),
        "failed": {r.name: r.error for r in run.failed},
        "occurrences": run.occurrences,
        "log_tab": summary.log_tab if summary else "",
        "rows": [
            {"date": r.day.isoformat(), "who": r.who, "kind": r.kind, "note": r.note} for r in rows
        ],
        "planned": [
            {"date": m.day.isoformat(), "who": m.name or m.email, "kind": m.kind}
            for m in run.planned
        ],
        "skipped": dict(sorted(skipped.items())),
        "warnings": list(summary.warnings) if summary else [],
    }


def print_calendar_run(out: Console, run: CalendarRun) -> None:
    """The rows, the meetings to come, then one line of counts."""
    if run.summary is not None:
        print_touch_rows(out, run.summary, dry_run=run.dry_run)
    if run.planned:
        out.print("Planned (not logged):", markup=False)
        for meeting in run.planned:
            who = meeting.name or meeting.email
            out.print(f"  {meeting.day.isoformat()}  {who}  {meeting.kind}", markup=False)
    out.print(run.line(), markup=False)
    if run.dry_run:
        out.print("Dry run: nothing was written, and the next run reads these again.")


@click.command("ics", short_help="Write this week's picks, birthdays and thank-yous as .ics.")
@config_option
@today_option
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The .ics file to write (default: touches.reminders.file, else keep-in-touch.ics here).",
)
@click.option(
    "--push", is_flag=True, help="Also put them into the touches.reminders.caldav calendar."
)
@click.option("--dry-run", is_flag=True, help="List the entries; write and push nothing.")
@handle_errors
def ics_command(
    config_path: Path | None,
    today: dt.datetime | None,
    output: Path | None,
    push: bool,
    dry_run: bool,
) -> None:
    """Write this week's picks, coming birthdays and thank-yous owed as an .ics file.

    Each is an all-day event (or a task, with touches.reminders.format: tasks) whose UID stays
    the same from run to run, so importing the file again updates the entries instead
    of adding copies. With --push they also go to a CalDAV calendar, where entries this
    command put there earlier and no longer current are deleted; with --push the file
    is written only when --output or touches.reminders.file names it.
    """
    from sheets_keepup.app.reminders import (
        build_reminders,
        caldav_settings,
        output_path,
        push_reminders,
        reminder_lines,
        write_ics,
    )

    config = load_config(find_config_path(config_path))
    if config.log_file is not None:
        configure_logging(logging.INFO, config.log_file)
    settings = caldav_settings(config) if push else None
    reminders = build_reminders(config, today_of(today, config), state_dir=state_dir_of(config))
    out = console()
    if dry_run:
        for line in reminder_lines(reminders.items):
            out.print(line, markup=False)
    elif not push or output or config.touches.reminders.file:
        path = output_path(config, output)
        write_ics(reminders, path)
        out.print(f"Wrote {path} ({reminders.counts()}).", markup=False, soft_wrap=True)
    if settings is not None:
        result = push_reminders(settings, reminders, dry_run=dry_run)
        out.print(result.line(), markup=False)
    if dry_run:
        out.print(f"Dry run: {reminders.counts()}; nothing was written.", markup=False)
