"""The last sync's result, kept in the state folder for `status` and catch-up decisions."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sheets_keepup.app.files import read_json, write_json_private
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


def write_status(state_dir: Path, outcome: JobOutcome, when: datetime) -> Status:
    """Record ``outcome`` of the attempt that started at ``when``; return the new status.

    ``consecutive_failures`` counts failed attempts (each retry counts) since the
    last success.
    """
    if when.tzinfo is None:
        raise ValueError("write_status needs a timezone-aware time")
    previous = read_status(state_dir)
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
    )
    data: dict[str, Any] = asdict(status)
    data["version"] = _VERSION
    data["last_run"] = status.last_run.isoformat()
    data["last_success"] = last_success.isoformat() if last_success else None
    write_json_private(Path(state_dir) / STATUS_NAME, data)
    return status


def read_status(state_dir: Path) -> Status | None:
    """Return the recorded status, or None if there is none (or it is unreadable)."""
    path = Path(state_dir) / STATUS_NAME
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
