"""Checks on the files that hold secrets. They warn; they never print what a file holds.

>>> check_credentials_file(Path("service-account.json"))  # doctest: +SKIP
['service-account.json is readable by other users (mode 0644); run: chmod 600 ...']
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def check_credentials_file(path: Path) -> list[str]:
    """Warnings about a credentials file that other users could read or replace.

    Empty when the file is private to its owner, or on systems without POSIX modes.
    A missing file is left to whoever opens it: that is an error, not a warning.
    """
    if os.name != "posix":
        return []
    path = Path(path)
    try:
        info = path.stat()
    except OSError:
        return []
    warnings = []
    mode = stat.S_IMODE(info.st_mode)
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        who = "other users" if mode & stat.S_IROTH else "its group"
        warnings.append(f"{path} is readable by {who} (mode {mode:04o}); run: chmod 600 '{path}'")
    elif mode & (stat.S_IWGRP | stat.S_IWOTH):
        warnings.append(
            f"{path} can be changed by other users (mode {mode:04o}); run: chmod 600 '{path}'"
        )
    if hasattr(os, "getuid") and info.st_uid not in (os.getuid(), 0):
        warnings.append(f"{path} belongs to another user; keep your own copy, readable by you only")
    folder = path.resolve().parent
    try:
        folder_mode = stat.S_IMODE(folder.stat().st_mode)
    except OSError:
        return warnings
    if folder_mode & stat.S_IWOTH and not folder_mode & stat.S_ISVTX:
        warnings.append(
            f"{folder} can be written by anyone, so {path.name} could be swapped; "
            "keep credentials in a private folder"
        )
    return warnings
