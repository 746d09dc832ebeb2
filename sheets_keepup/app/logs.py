"""Logging for the command line and the nightly loop: stderr plus an optional file."""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
from collections.abc import Callable
from pathlib import Path

from sheets_keepup.app.files import FILE_MODE, ensure_state_dir

LOGGER_NAME = "sheets_keepup"
# Keep this stable: people grep and parse these lines (see tests).
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
MAX_BYTES = 1_000_000
BACKUPS = 5

_MARK = "_sheets_keepup_handler"


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log file that is created readable by its owner only."""

    def _open(self) -> io.TextIOWrapper:
        # The default open() follows the umask (usually 0o644); logs may name files
        # and errors, so each new file, including after rotation, is made 0o600.
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        return open(fd, "a", encoding=self.encoding, errors=self.errors)


def make_formatter() -> logging.Formatter:
    """The formatter used by every handler configured here."""
    return logging.Formatter(LOG_FORMAT, DATE_FORMAT)


def logging_restorer() -> Callable[[], None]:
    """A function that puts the package logger back as it is now (level, handlers, propagation).

    The command line configures logging for one command; run in-process (tests, other
    programs embedding it), it must not leave a quieter logger behind for what runs next.
    """
    logger = logging.getLogger(LOGGER_NAME)
    level, handlers, propagate = logger.level, list(logger.handlers), logger.propagate

    def restore() -> None:
        for handler in list(logger.handlers):
            if handler not in handlers:
                logger.removeHandler(handler)
                if getattr(handler, _MARK, False):
                    handler.close()
        for handler in handlers:
            if handler not in logger.handlers:
                logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate

    return restore


def configure_logging(
    level: int | str = logging.INFO,
    log_file: Path | None = None,
    *,
    max_bytes: int = MAX_BYTES,
    backups: int = BACKUPS,
) -> logging.Logger:
    """Send the package's log records to stderr and, optionally, to ``log_file``.

    Calling it again replaces the handlers it installed earlier.
    """
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        if getattr(handler, _MARK, False):
            logger.removeHandler(handler)
            handler.close()
    logger.setLevel(level)
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_file is not None:
        ensure_state_dir(log_file.parent)
        handlers.append(
            PrivateRotatingFileHandler(
                log_file, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
            )
        )
    for handler in handlers:
        handler.setFormatter(make_formatter())
        setattr(handler, _MARK, True)
        logger.addHandler(handler)
    # Our handlers print everything; propagating would print it twice if the root
    # logger has handlers too.
    logger.propagate = False
    return logger
