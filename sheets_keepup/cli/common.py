"""What every command shares: the console, error handling, the common options."""

from __future__ import annotations

import datetime as dt
import errno
import functools
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.markup import escape

from sheets_keepup.app.files import default_state_dir
from sheets_keepup.app.lock import WRITER_WAIT_SECONDS, SyncLock, sync_lock
from sheets_keepup.core.errors import ConfigError, ExitStatus, UserError
from sheets_keepup.core.settings import Config

F = TypeVar("F", bound=Callable[..., Any])
LOCK_WAIT_ENV = "SHEETS_KEEPUP_LOCK_WAIT"
_FULL = (errno.ENOSPC, errno.EDQUOT)

_log = logging.getLogger(__name__)


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
        except OSError as error:
            # The app's own files (state folder, snapshots, status, config): backends
            # already turn their errors into UserErrors. One line, never a traceback.
            _log.debug("the command stopped on an OS error", exc_info=True)
            err = console(stderr=True)
            err.print("[bold red]Error:[/] " + escape(os_error_message(error)), soft_wrap=True)
            sys.exit(int(ExitStatus.ACCESS if error.errno is not None else ExitStatus.ERROR))

    return wrapper  # type: ignore[return-value]


def os_error_message(error: OSError) -> str:
    """An OSError as one sentence a user can act on."""
    what = error.strerror or str(error) or type(error).__name__
    where = str(error.filename) if error.filename else "a file"
    if error.errno in _FULL:
        return f"Could not write {where}: {what}. Free some space and run the command again."
    return f"Could not use {where}: {what}."


def lock_wait() -> float:
    """Seconds a writer waits for the lock: $SHEETS_KEEPUP_LOCK_WAIT, else the default."""
    text = os.environ.get(LOCK_WAIT_ENV, "").strip()
    if not text:
        return WRITER_WAIT_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise ConfigError(f"{LOCK_WAIT_ENV} must be a number of seconds (0 to 3600), not {text!r}.")
    return seconds


@contextmanager
def writer_lock(config: Config) -> Iterator[SyncLock]:
    """Hold the sheet's lock while a command writes: one writer at a time, or a message."""
    with sync_lock(state_dir_of(config), wait=lock_wait()) as lock:
        yield lock


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
