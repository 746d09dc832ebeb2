"""Errors a user can act on, and the exit status each maps to.

The library raises these; only the CLI turns them into a message and an exit code.
"""

from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    """Process exit codes, documented in docs/cli.md."""

    OK = 0
    ERROR = 1
    USAGE = 2
    CONFIG = 3
    AUTH = 4
    ACCESS = 5
    DATA = 6
    LOCKED = 7
    NETWORK = 8
    # 128 + SIGINT, the shell convention; also used after SIGTERM so that a clean
    # stop reads the same way whichever signal asked for it.
    INTERRUPTED = 130


class UserError(Exception):
    """Something the user can fix; the message says what to do."""

    exit_status: ExitStatus = ExitStatus.ERROR
    may_have_written: bool = False
    """True when part of a write may have landed before the error (a lost answer, a
    write split in parts), so that the snapshot taken before it is kept for `restore`."""


class ConfigError(UserError):
    """The configuration file is missing or invalid."""

    exit_status = ExitStatus.CONFIG

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []

    def __str__(self) -> str:
        head = super().__str__()
        if not self.problems:
            return head
        return head + "\n" + "\n".join(f"  - {p}" for p in self.problems)


class AuthError(UserError):
    """Credentials are missing, unreadable or rejected."""

    exit_status = ExitStatus.AUTH


class AccessError(UserError):
    """The sheet or file exists but cannot be opened or written."""

    exit_status = ExitStatus.ACCESS


class DataError(UserError):
    """The sheet cannot be used as a contact list (no tab, no header row...)."""

    exit_status = ExitStatus.DATA


class SheetChangedError(UserError):
    """The sheet changed between reading and writing; nothing was written."""

    exit_status = ExitStatus.DATA


class NetworkError(UserError):
    """The remote service could not be reached after retrying."""

    exit_status = ExitStatus.NETWORK


class LockedError(UserError):
    """Another sync holds the lock in the state folder."""

    exit_status = ExitStatus.LOCKED
