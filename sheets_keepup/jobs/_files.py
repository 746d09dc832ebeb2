"""Owner-only state folder and atomic JSON files."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from sheets_keepup.state import ensure_private_dir

FILE_MODE = 0o600


def ensure_state_dir(state_dir: Path) -> Path:
    """Create ``state_dir`` (and parents) readable by the owner only; return it.

    The same helper as the snapshots use, so every writer leaves the folder 0700.
    """
    return ensure_private_dir(Path(state_dir))


def write_json_private(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` to ``path`` atomically with mode 0o600."""
    ensure_state_dir(path.parent)
    # mkstemp creates the file 0o600; replacing means readers never see half a file.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path) -> dict[str, Any] | None:
    """Return the JSON object in ``path``, or None if missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return None  # callers log; an unreadable file must not stop the nightly loop
    return data if isinstance(data, dict) else None
