"""The result of one sync and its one-line log summary."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class JobOutcome:
    """Counts reported by one sync; ``message`` must not contain contact data."""

    ok: bool
    rows: int = 0
    overdue: int = 0
    due_soon: int = 0
    problems: int = 0
    requests: int = 0
    seconds: float = 0.0
    message: str = ""


def format_log_line(outcome: JobOutcome) -> str:
    """Summarise a sync as one ``key=value`` line (counts only, no contact data)."""
    result = "ok" if outcome.ok else "failed"
    # Newlines would split the record in log files; keep it one line whatever the message.
    message = " ".join(outcome.message.split())
    return (
        f"sync {result} rows={outcome.rows} overdue={outcome.overdue} "
        f"due_soon={outcome.due_soon} problems={outcome.problems} "
        f"requests={outcome.requests} seconds={outcome.seconds:.1f}"
        + (f' message="{message}"' if message else "")
    )
