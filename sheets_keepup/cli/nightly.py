"""Commands for running unattended: `run`, `status` and `digest`.

Registered on the main group by importing this module from `sheets_keepup.cli`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from sheets_keepup.app.config_file import CONFIG_ENV, find_config_path, load_config
from sheets_keepup.app.files import default_state_dir, sheet_of
from sheets_keepup.backends import open_backend
from sheets_keepup.cli.common import (
    config_option,
    console,
    emit_json,
    handle_errors,
    json_option,
    lock_wait,
    state_dir_of,
    today_of,
    today_option,
    verbosity,
)
from sheets_keepup.core.settings import Config


@click.command("run", short_help="Sync every day at schedule.at, or once with --once.")
@config_option
@click.option("--once", is_flag=True, help="Sync once now and exit (for cron and timers).")
@click.option(
    "--log-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also log to this file (default: the config's log_file, if any).",
)
@handle_errors
def run_command(config_path: Path | None, once: bool, log_file: Path | None) -> None:
    """Sync every day at schedule.at, in the foreground; or once with --once.

    One line is logged per sync. SIGTERM or Ctrl-C stop between syncs, or after the
    running sync has finished writing.
    """
    from sheets_keepup.app.logs import configure_logging
    from sheets_keepup.app.run import NightlyJob
    from sheets_keepup.app.scheduler import NightlyRunner

    config = load_config(find_config_path(config_path))
    state_dir = state_dir_of(config)
    given = verbosity()
    # The job's one line a sync is INFO: shown unless -q, with debug detail at -vv.
    level = logging.DEBUG if given.verbose >= 2 else logging.INFO
    if given.quiet:
        level = logging.WARNING
    configure_logging(level, log_file or config.log_file)
    job = NightlyJob(config, state_dir=state_dir)
    runner = NightlyRunner(
        job,
        at=config.schedule.at,
        timezone=config.timezone,
        state_dir=state_dir,
        sheet=sheet_of(config),
    )
    status = runner.run_once() if once else runner.serve()
    sys.exit(int(status))


@click.command("status", short_help="Show how the last syncs went, one line per sheet.")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead.")
@handle_errors
def status_command(config_path: Path | None, as_json: bool) -> None:
    """Show every sheet's last sync, one line each; with --config, that sheet in full.

    The list covers the state folder of the config in this folder (or the default
    state folder when there is none). With --config (or $SHEETS_KEEPUP_CONFIG) it shows
    the sheet that config names: its last result, whether a sync is running now, the
    timezone, and the next run when a `sheets-keepup run` loop serves it.
    """
    explicit = config_path is not None or bool(os.environ.get(CONFIG_ENV))
    path = find_config_path(config_path)
    if explicit:
        _one_sheet(load_config(path), as_json)
        return
    config = load_config(path) if path.exists() else None
    state_dir = state_dir_of(config) if config is not None else default_state_dir()
    _all_sheets(state_dir, config, as_json)


def _one_sheet(config: Config, as_json: bool) -> None:
    from sheets_keepup.app.run import status_view

    view = status_view(config, state_dir_of(config), dt.datetime.now(dt.UTC))
    out = console()
    if as_json:
        data = view.to_json()
        data["health_tab"] = config.health.tab if config.health.enabled else None
        data["digest_tab"] = config.digest.tab if config.digest.enabled else None
        emit_json(data)
        return
    lines = view.lines()
    if config.health.enabled:
        lines.append(("Health tab", f"'{config.health.tab}'"))
    if config.digest.enabled:
        lines.append(("Digest tab", f"'{config.digest.tab}' (each {config.schedule.digest_day})"))
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        out.print(f"{label + ':':<{width + 1}} {value}", markup=False, soft_wrap=True)


def _all_sheets(state_dir: Path, config: Config | None, as_json: bool) -> None:
    from sheets_keepup.app.run import outcome_text, status_json
    from sheets_keepup.app.status import known_sheets

    sheets = known_sheets(state_dir)
    out = console()
    if as_json:
        emit_json({"state_dir": str(state_dir), "sheets": [status_json(s) for s in sheets]})
        return
    zone = ZoneInfo(config.timezone) if config is not None else None
    if not sheets:
        out.print(f"No sync recorded yet in {state_dir}.", markup=False)
    for status in sheets:
        name = status.sheet or "(a sheet synced before this version; sync it to name it)"
        when = status.last_run.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
        contacts = "1 contact" if status.rows == 1 else f"{status.rows} contacts"
        counts = (
            f"{contacts}, {status.overdue} overdue, {status.due_soon} due soon, "
            f"{status.problems} problem(s)"
        )
        # One line a sheet, however long the path: scripts and grep read it.
        line = f"{name}  {when}  {outcome_text(status)}  {counts}"
        out.print(line, markup=False, soft_wrap=True)
    if sheets:
        out.print("Details of one sheet: sheets-keepup status --config FILE", markup=False)


@click.command("digest", short_help="Write this week's digest tab now, or preview it.")
@config_option
@today_option
@click.option("--print", "print_only", is_flag=True, help="Only show the digest; write nothing.")
@click.option("--email", is_flag=True, help="Also send it by email (the digest.email settings).")
@json_option
@handle_errors
def digest_command(
    config_path: Path | None,
    today: dt.datetime | None,
    print_only: bool,
    email: bool,
    as_json: bool,
) -> None:
    """Write this week's digest tab now (or preview it with --print)."""
    from sheets_keepup.app.run import make_digest
    from sheets_keepup.core.digest import render_text

    config = load_config(find_config_path(config_path))
    if print_only and email:
        raise click.UsageError("--print writes and sends nothing; drop --email or --print.")
    digest = make_digest(
        open_backend(config),
        config,
        today_of(today, config),
        state_dir=state_dir_of(config),
        write=not print_only,
        email=email,
        wait=lock_wait(),
    )
    if as_json:
        emit_json({**dataclasses.asdict(digest), "written": not print_only, "emailed": email})
        return
    out = console()
    out.print(render_text(digest), markup=False, end="")
    if not print_only:
        sent = " and emailed it" if email else ""
        out.print(
            f"\nWrote the '{config.digest.tab}' tab ({len(digest.picks)} pick(s), "
            f"{len(digest.birthdays)} birthday(s)){sent}.",
            markup=False,
        )
