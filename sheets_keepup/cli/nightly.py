"""Commands for running unattended: `run`, `status` and `digest`.

Registered on the main group by importing this module from `sheets_keepup.cli`.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from pathlib import Path

import click

from sheets_keepup.app.config_file import find_config_path, load_config
from sheets_keepup.backends import open_backend
from sheets_keepup.cli.common import (
    config_option,
    console,
    handle_errors,
    lock_wait,
    state_dir_of,
    today_of,
    today_option,
)


def _verbosity() -> int:
    """How many -v the user gave to the main command."""
    context = click.get_current_context(silent=True)
    if context is None:
        return 0
    verbose = context.find_root().params.get("verbose", 0)
    return int(verbose or 0)


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
    level = logging.DEBUG if _verbosity() >= 2 else logging.INFO
    configure_logging(level, log_file or config.log_file)
    job = NightlyJob(config, state_dir=state_dir)
    runner = NightlyRunner(
        job, at=config.schedule.at, timezone=config.timezone, state_dir=state_dir
    )
    status = runner.run_once() if once else runner.serve()
    sys.exit(int(status))


@click.command("status", short_help="Show how the last sync went and when the next one is.")
@config_option
@handle_errors
def status_command(config_path: Path | None) -> None:
    """Show the last sync's result, the next scheduled run and the state folder."""
    from sheets_keepup.app.run import status_view

    config = load_config(find_config_path(config_path))
    view = status_view(config, state_dir_of(config), dt.datetime.now(dt.UTC))
    out = console()
    lines = view.lines()
    if config.health.enabled:
        lines.append(("Health tab", f"'{config.health.tab}'"))
    if config.digest.enabled:
        lines.append(("Digest tab", f"'{config.digest.tab}' (each {config.schedule.digest_day})"))
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        out.print(f"{label + ':':<{width + 1}} {value}", markup=False)


@click.command("digest", short_help="Write this week's digest tab now, or preview it.")
@config_option
@today_option
@click.option("--print", "print_only", is_flag=True, help="Only show the digest; write nothing.")
@click.option("--email", is_flag=True, help="Also send it by email (the digest.email settings).")
@handle_errors
def digest_command(
    config_path: Path | None, today: dt.datetime | None, print_only: bool, email: bool
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
    out = console()
    out.print(render_text(digest), markup=False, end="")
    if not print_only:
        sent = " and emailed it" if email else ""
        out.print(
            f"\nWrote the '{config.digest.tab}' tab ({len(digest.picks)} pick(s), "
            f"{len(digest.birthdays)} birthday(s)){sent}.",
            markup=False,
        )
