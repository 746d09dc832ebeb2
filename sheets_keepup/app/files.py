"""The state folder: where it is, owner-only folders and files, atomic JSON writes."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, NoReturn

import platformdirs

from sheets_keepup.core.settings import Config

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
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        _raise_naming(error, path)
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


def default_state_dir() -> Path:
    """Per-user state folder (e.g. ~/.local/state/sheets-keepup on Linux)."""
    return Path(platformdirs.user_state_dir("sheets-keepup", appauthor=False))


def ensure_private_dir(path: Path) -> Path:
    """Create `path` readable by the owner only (0700).

    Missing parents are created with the usual permissions (mkdir ignores the mode for
    them), so callers make the state folder itself private before any folder inside it.
    """
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def write_private(path: Path, text: str) -> None:
    """Write a file 0600, replacing it atomically.

    A failed write (a full disk) leaves the old file and no temporary one, and names
    `path` in its OSError, which a write to an open file does not.
    """
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        # A temporary file left by a crash keeps its old mode through O_TRUNC: reset it.
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        _raise_naming(error, path)


def _raise_naming(error: OSError, path: Path) -> NoReturn:
    """Raise `error`, with `path` as its file name when it has none."""
    if error.filename is not None or error.errno is None:
        raise error
    raise OSError(error.errno, error.strerror, str(path)) from error


def sheet_of(config: Config) -> str:
    """The sheet a config names, as its backend describes it, without opening it.

    State (lock, status, memo, snapshots) is kept under this name, so it must be the
    backend's `describe()`: the workbook's path, or "Google Sheet <key>".
    """
    source = config.source
    if source.kind == "xlsx":
        assert source.path is not None
        return str(source.path)
    # Imported here: the Google libraries take a second to load and xlsx users never need them.
    from sheets_keepup.backends.google.auth import spreadsheet_key

    assert source.spreadsheet is not None
    return f"Google Sheet {spreadsheet_key(source.spreadsheet)}"


def sheet_key(target: str) -> str:
    """The name a sheet's state is kept under: a workbook by its real path.

    Two configs that reach one workbook through different paths (a symlink, `..`)
    must share its lock; a Google Sheet's description names its key already.
    """
    return os.path.realpath(target) if os.path.isabs(target) else target


def _folder_name(target: str) -> str:
    return hashlib.sha256(target.encode()).hexdigest()[:12]


def target_path(state_dir: Path, target: str) -> Path:
    """The sub-folder of one spreadsheet (not created), so two sheets never share state.

    A folder an older version kept under the path as typed is renamed to it on the way.
    """
    folder = state_dir / _folder_name(sheet_key(target))
    legacy = state_dir / _folder_name(target)
    if legacy != folder and legacy.is_dir() and not folder.exists():
        os.replace(legacy, folder)
    return folder


def target_dir(state_dir: Path, target: str) -> Path:
    """The sub-folder of one spreadsheet, created owner-only with the state folder."""
    ensure_private_dir(state_dir)
    return ensure_private_dir(target_path(state_dir, target))
