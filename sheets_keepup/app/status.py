"""The last sync's result, kept per sheet for `status` and catch-up decisions.

Each sheet's `status.json` lives in its own folder of the state folder (see
`app.files.target_path`) and names the sheet, so `status` can list every sheet it
knows. Versions before that kept one `status.json` for all sheets at the top of the
state folder; the first sheet that reads its status takes that file over when it is
that sheet's (see `_adopt_legacy`).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sheets_keepup.app.files import read_json, target_dir, target_path, write_json_private
from sheets_keepup.app.outcome import JobOutcome

STATUS_NAME = "status.json"
_VERSION = 1

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Status:
    """Summary of the most recent sync attempt and of the last successful one."""

    last_run: datetime
    ok: bool
    rows: int
    overdue: int
    due_soon: int
    problems: int
    requests: int
    seconds: float
    message: str
    last_success: datetime | None
    consecutive_failures: int
    sheet: str = ""
    """The sheet it is about, as its backend describes it ("" in a state folder's own file)."""


def status_path(state_dir: Path, sheet: str | None = None) -> Path:
    """Where the status of `sheet` is kept (the state folder's own file without one)."""
    state_dir = Path(state_dir)
    folder = state_dir if sheet is None else target_path(state_dir, sheet)
    return folder / STATUS_NAME


def write_status(
    state_dir: Path, outcome: JobOutcome, when: datetime, sheet: str | None = None
) -> Status:
    """Record ``outcome`` of the attempt that started at ``when``; return the new status.

    ``consecutive_failures`` counts failed attempts (each retry counts) since the
    last success.
    """
    if when.tzinfo is None:
        raise ValueError("write_status needs a timezone-aware time")
    previous = read_status(state_dir, sheet)
    if outcome.ok:
        last_success: datetime | None = when
        failures = 0
    else:
        last_success = previous.last_success if previous else None
        failures = (previous.consecutive_failures if previous else 0) + 1
    status = Status(
        last_run=when,
        ok=outcome.ok,
        rows=outcome.rows,
        overdue=outcome.overdue,
        due_soon=outcome.due_soon,
        problems=outcome.problems,
        requests=outcome.requests,
        seconds=outcome.seconds,
        message=outcome.message,
        last_success=last_success,
        consecutive_failures=failures,
        sheet=sheet or "",
    )
    if sheet is not None:
        target_dir(Path(state_dir), sheet)  # the state folder too is made owner-only
    _write(status_path(state_dir, sheet), status)
    return status


def _write(path: Path, status: Status) -> None:
    data: dict[str, Any] = asdict(status)
    data["version"] = _VERSION
    data["last_run"] = status.last_run.isoformat()
    data["last_success"] = status.last_success.isoformat() if status.last_success else None
    write_json_private(path, data)


def read_status(state_dir: Path, sheet: str | None = None) -> Status | None:
    """Return the recorded status of `sheet`, or None if there is none (or it is unreadable)."""
    path = status_path(state_dir, sheet)
    if sheet is not None and not path.exists():
        _adopt_legacy(Path(state_dir), sheet)
    return _read(path)


def known_sheets(state_dir: Path) -> list[Status]:
    """The status of every sheet with one in `state_dir`, most recent run first.

    A status left by an older version, which does not say its sheet, is listed too
    (with `sheet` ""), until a sync of its sheet takes it over.
    """
    state_dir = Path(state_dir)
    if not state_dir.is_dir():
        return []
    paths = [state_dir / STATUS_NAME, *sorted(state_dir.glob(f"*/{STATUS_NAME}"))]
    found = [status for status in map(_read, paths) if status is not None]
    return sorted(found, key=lambda status: status.last_run, reverse=True)


def _adopt_legacy(state_dir: Path, sheet: str) -> None:
    """Move the state folder's own status file to `sheet`'s folder when it is that sheet's.

    The old file does not say which sheet it is about; the sheet whose folder changed
    last (its memo or snapshots, written by the same syncs) is taken to be it, or the
    first sheet to ask when no sheet has a folder yet.
    """
    legacy = state_dir / STATUS_NAME
    status = _read(legacy) if legacy.exists() else None
    if status is None or status.sheet:
        return
    folders = [f for f in state_dir.iterdir() if f.is_dir() and not f.name.startswith(".")]
    mine = target_path(state_dir, sheet)
    if folders and max(folders, key=_last_change) != mine:
        return
    _write(status_path(state_dir, sheet), replace(status, sheet=sheet))
    legacy.unlink(missing_ok=True)
    _log.info("moved the status of the last sync to the folder of %s", sheet)


def _last_change(folder: Path) -> float:
    """The newest modification time of anything in `folder`."""
    times = [folder.stat().st_mtime]
    times += [p.stat().st_mtime for p in folder.rglob("*") if p.is_file()]
    return max(times)


def _read(path: Path) -> Status | None:
    data = read_json(path)
    if data is None:
        if path.exists():
            _log.warning("ignoring unreadable status file %s", path)
        return None
    try:
        success = data["last_success"]
        return Status(
            last_run=_aware(data["last_run"]),
            ok=bool(data["ok"]),
            rows=int(data["rows"]),
            overdue=int(data["overdue"]),
            due_soon=int(data["due_soon"]),
            problems=int(data["problems"]),
            requests=int(data["requests"]),
            seconds=float(data["seconds"]),
            message=str(data["message"]),
            last_success=_aware(success) if success else None,
            consecutive_failures=int(data["consecutive_failures"]),
            sheet=str(data.get("sheet") or ""),
        )
    except (KeyError, TypeError, ValueError):
        _log.warning("ignoring unreadable status file %s", path)
        return None


def _aware(text: str) -> datetime:
    """Parse an ISO time that must carry an offset."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("time without offset")
    return value
