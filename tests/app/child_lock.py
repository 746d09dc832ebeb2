"""Child for lock tests: try the lock; if taken, hold it until stdin is closed.

Usage: child_lock.py STATE_DIR [STARTED_HOURS_AGO]
Prints "got" or "held <pid>", and "released" after a clean release.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fake_clock import FakeClock

from sheets_keepup.app.lock import LockHeld, SyncLock


def main() -> int:
    state_dir = Path(sys.argv[1])
    hours_ago = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    clock = FakeClock(datetime.now(UTC) - timedelta(hours=hours_ago))
    try:
        lock = SyncLock(state_dir, clock=clock).acquire()
    except LockHeld as exc:
        print(f"held {exc.pid}", flush=True)
        return 0
    print("got", flush=True)
    sys.stdin.read()  # hold the lock until the parent closes stdin (or kills us)
    lock.release()
    print("released", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
