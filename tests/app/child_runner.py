"""Child for signal tests: run NightlyRunner.serve() and exit with its status.

Usage: child_runner.py MODE STATE_DIR WORK_DIR
  job:   fake clock one minute before the 01:30 run (it moves the wall clock for
         schedule while serving, with time-machine); the job prints "job started",
         waits for WORK_DIR/release, then records whether a stop was requested.
  sleep: real clock, next run about 12 hours away, so the loop is sleeping.
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fake_clock import FakeClock

from sheets_keepup.app.clock import Clock, SystemClock
from sheets_keepup.app.logs import configure_logging
from sheets_keepup.app.outcome import JobOutcome
from sheets_keepup.app.scheduler import NightlyRunner

LONDON = ZoneInfo("Europe/London")


def main() -> int:
    mode, state_dir, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    configure_logging(logging.INFO)
    runs = work / "runs.txt"
    runners: list[NightlyRunner] = []

    def job() -> JobOutcome:
        with runs.open("a") as handle:
            handle.write("start\n")
        print("job started", flush=True)
        deadline = time.monotonic() + 30
        while not (work / "release").exists():
            if time.monotonic() > deadline:
                raise RuntimeError("never released")
            time.sleep(0.01)
        with runs.open("a") as handle:
            handle.write(f"end stopping={runners[0].stopping}\n")
        return JobOutcome(ok=True, rows=3)

    clock: Clock
    if mode == "job":
        clock = FakeClock(datetime(2026, 10, 22, 1, 29, tzinfo=LONDON))
        at = "01:30"
    else:
        clock = SystemClock()
        at = f"{(datetime.now(LONDON).hour + 12) % 24:02d}:00"
    runner = NightlyRunner(
        job, at=at, timezone="Europe/London", state_dir=state_dir, clock=clock, poll_seconds=3600
    )
    runners.append(runner)
    return int(runner.serve())


if __name__ == "__main__":
    raise SystemExit(main())
