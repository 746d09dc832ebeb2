"""What every command shares: the console, error handling, the common options.

Everything a command prints goes through `console()` (or `emit_json`), so that sheet text
(names, notes, tab titles) never reaches the terminal as control sequences, and `-q`
silences every command alike.
"""

from __future__ import annotations

import datetime as dt
import errno
import functools
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click
from rich.console import Console, ConsoleOptions, RenderableType
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.segment import Segment

from sheets_keepup.app.files import default_state_dir, sheet_of
from sheets_keepup.app.lock import WRITER_WAIT_SECONDS, SyncLock, sync_lock
from sheets_keepup.app.logs import configure_logging, logging_restorer
from sheets_keepup.app.sync import Stage, reporting_stages
from sheets_keepup.core.errors import ConfigError, ExitStatus, UserError
from sheets_keepup.core.settings import Config

F = TypeVar("F", bound=Callable[..., Any])
LOCK_WAIT_ENV = "SHEETS_KEEPUP_LOCK_WAIT"
_FULL = (errno.ENOSPC, errno.EDQUOT)

_log = logging.getLogger(__name__)


SHOW_FIRST = 20
"""How many changes, rows or problems a command lists before "... and K more"."""

# C0 and C1 controls (ESC starts every terminal escape sequence; CSI is also one C1
# byte), DEL, and the invisible marks that reorder text (bidirectional overrides): a
# contact named "\x1b]0;...\x07" must not retitle the terminal or hide text after it.
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
_HIDDEN = re.compile(f"[{_CONTROLS}]")
_HIDDEN_IN_A_LINE = re.compile(f"[{_CONTROLS}\t\n]")


def visible(text: object, *, one_line: bool = False) -> str:
    r"""`text` with every control character written out, as `\x1b` or `\u202e`.

    Newlines and tabs stay unless `one_line` (a table cell, a list item), where they are
    shown as `\n` and `\t` too.

    >>> visible("Ann\x1b[2J")
    'Ann\\x1b[2J'
    """
    pattern = _HIDDEN_IN_A_LINE if one_line else _HIDDEN
    return pattern.sub(_escaped, str(text))


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 0x09:
        return "\\t"
    if code == 0x0A:
        return "\\n"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class SafeConsole(Console):
    """A console that shows control characters in printed text instead of obeying them.

    Commands pass sheet text through `visible` before laying it out (so that columns
    line up); this is the net under that, for any text that reaches a print unescaped.
    Rich's own control output (cursor moves of a progress bar) is left alone.
    """

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            if segment.control or not _HIDDEN.search(segment.text):
                yield segment
            else:
                yield Segment(visible(segment.text), segment.style, segment.control)


def console(stderr: bool = False) -> Console:
    """Where a command prints: stdout (results) or stderr (errors, progress).

    With -q only stderr prints: the exit status says how it went.
    """
    stream = sys.stderr if stderr else sys.stdout
    terminal = _is_terminal(sys.stdout)
    return SafeConsole(
        file=stream,
        highlight=False,
        # Into a file or a pipe, a line stays one line (for grep); tables keep 120 columns.
        soft_wrap=not terminal,
        width=None if terminal else 120,
        quiet=verbosity().quiet and not stderr,
    )


def _is_terminal(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty()) if callable(isatty) else False


def emit_json(obj: object) -> None:
    """Print `obj` as JSON on stdout, the one output of a command run with --json.

    Dates are written YYYY-MM-DD and paths as text. Characters that a terminal would
    obey are escaped inside the strings (JSON allows \\u escapes anywhere in a string).
    """
    text = json.dumps(obj, indent=2, ensure_ascii=False, default=_json_default)
    click.echo(_HIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def _json_default(value: object) -> object:
    if isinstance(value, dt.date):  # a datetime too
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def more_line(hidden: int, command: str) -> str:
    """The last line of a list cut short: how many are left out and how to see them all."""
    return f"... and {hidden} more ({command})"


# --- -v and -q, before or after the command name --------------------------------------

_VERBOSITY = "sheets_keepup.verbosity"


@dataclass
class Verbosity:
    """The -v and -q given so far, wherever they were on the command line."""

    verbose: int = 0
    quiet: bool = False

    @property
    def level(self) -> int:
        if self.quiet:
            return logging.ERROR
        return {0: logging.WARNING, 1: logging.INFO}.get(self.verbose, logging.DEBUG)


def verbosity() -> Verbosity:
    """The -v count and -q of the command running now (none outside a command)."""
    context = click.get_current_context(silent=True)
    if context is None:
        return Verbosity()
    found = context.find_root().meta.get(_VERBOSITY)
    return found if isinstance(found, Verbosity) else Verbosity()


def _count_verbose(context: click.Context, _: click.Parameter, value: int | None) -> None:
    _note(context, verbose=value or 0)


def _set_quiet(context: click.Context, _: click.Parameter, value: bool | None) -> None:
    _note(context, quiet=bool(value))


def _note(context: click.Context, *, verbose: int = 0, quiet: bool = False) -> None:
    if context.resilient_parsing:
        # Shell completion and help introspection parse without running, and never
        # close their contexts: they must leave logging alone.
        return
    root = context.find_root()
    state = root.meta.get(_VERBOSITY)
    if not isinstance(state, Verbosity):
        state = Verbosity()
        root.meta[_VERBOSITY] = state
        # Logging is set for this command only: put it back when the command ends.
        root.call_on_close(logging_restorer())
    state.verbose += verbose
    state.quiet = state.quiet or quiet
    if context is not root:
        # Commands that read the group's own parameter see every -v, wherever it was given.
        root.params["verbose"] = state.verbose
    configure_logging(state.level)


def verbosity_options() -> list[click.Option]:
    """-v/--verbose and -q/--quiet, for the group and again for every command."""
    return [
        click.Option(
            ["-v", "--verbose"],
            count=True,
            expose_value=False,
            callback=_count_verbose,
            help="More logging (-vv for debug).",
        ),
        click.Option(
            ["-q", "--quiet"],
            is_flag=True,
            expose_value=False,
            callback=_set_quiet,
            help="Print only errors; the exit status says how it went.",
        ),
    ]


# --- progress --------------------------------------------------------------------------

STAGE_TEXT: dict[Stage, str] = {
    "reading": "Reading the sheet",
    "planning": "Planning",
    "writing": "Writing",
}


@contextmanager
def progress_shown(start: str = "Opening the sheet", err: Console | None = None) -> Iterator[None]:
    """Show which step a sync is at, on stderr when it is a terminal; nothing otherwise.

    The bar pulses (a read or a write has no known length) with the time spent so far,
    and disappears when the block ends.
    """
    err = err or console(stderr=True)
    if verbosity().quiet or not _is_terminal(err.file):
        yield
        return
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(start, total=None)

        def on_stage(stage: Stage) -> None:
            bar.update(task, description=STAGE_TEXT[stage])
            # Drawn now, not at the next tick: a stage may end before the tick comes.
            bar.refresh()

        with reporting_stages(on_stage):
            yield


def handle_errors(command: F) -> F:
    """Turn a UserError into its message on stderr and its exit status."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except UserError as error:
            # The message is the user's text (tab names, paths): never read it as markup.
            err = console(stderr=True)
            err.print("[bold red]Error:[/] " + escape(visible(error)), soft_wrap=True)
            sys.exit(int(error.exit_status))
        except KeyboardInterrupt:
            console(stderr=True).print("Interrupted.")
            sys.exit(int(ExitStatus.INTERRUPTED))
        except OSError as error:
            # The app's own files (state folder, snapshots, status, config): backends
            # already turn their errors into UserErrors. One line, never a traceback.
            _log.debug("the command stopped on an OS error", exc_info=True)
            err = console(stderr=True)
            message = escape(visible(os_error_message(error)))
            err.print("[bold red]Error:[/] " + message, soft_wrap=True)
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
    with sync_lock(state_dir_of(config), wait=lock_wait(), sheet=sheet_of(config)) as lock:
        yield lock


def plural(count: int, one: str, many: str) -> str:
    """'1 person', '2 people'."""
    return f"{count} {one if count == 1 else many}"


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
all_option = click.option(
    "--all",
    "show_all",
    is_flag=True,
    help=f"List every change, row and problem, not the first {SHOW_FIRST}.",
)
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print the result as JSON (nothing else on stdout)."
)
today_option = click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    default=None,
    help="Plan as of this day instead of today.",
)
