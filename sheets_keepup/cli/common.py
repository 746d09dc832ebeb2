"""What every command shares: the console, error handling, the common options."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.markup import escape

from sheets_keepup.app.files import default_state_dir
from sheets_keepup.core.errors import ExitStatus, UserError
from sheets_keepup.core.settings import Config

F = TypeVar("F", bound=Callable[..., Any])


def console(stderr: bool = False) -> Console:
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
            # The message is the user's text (tab names, paths): never read it as markup.
            err = console(stderr=True)
            err.print("[bold red]Error:[/] " + escape(str(error)), soft_wrap=True)
            sys.exit(int(error.exit_status))
        except KeyboardInterrupt:
            console(stderr=True).print("Interrupted.")
            sys.exit(int(ExitStatus.INTERRUPTED))

    return wrapper  # type: ignore[return-value]


def today_of(value: dt.datetime | None, config: Config) -> dt.date:
    if value is not None:
        return value.date()
    return dt.datetime.now(ZoneInfo(config.timezone)).date()


def state_dir_of(config: Config) -> Path:
    return config.state_dir or default_state_dir()


config_option = click.option(
    "--config",
    "-c",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The config file. Default: $SHEETS_KEEPUP_CONFIG, else the file sheets-keepup.yaml"
    " in this folder.",
)
today_option = click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    default=None,
    help="Plan as of this day instead of today.",
)
