"""Default per-user locations for the state folder and the log file."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "sheets-keepup"


def default_state_dir() -> Path:
    """Per-user state folder (lock, status), e.g. ``~/.local/state/sheets-keepup``."""
    return platformdirs.user_state_path(APP_NAME, appauthor=False)


def default_log_file() -> Path:
    """Per-user log file, e.g. ``~/.local/state/sheets-keepup/log/sheets-keepup.log``."""
    return platformdirs.user_log_path(APP_NAME, appauthor=False) / f"{APP_NAME}.log"
