"""Process exit codes shared by the command-line entry points."""

from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    """Exit codes; stable so that cron, systemd and scripts can react to them."""

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
