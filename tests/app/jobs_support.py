"""Helpers for the nightly loop's tests: child processes, and a clock on time-machine."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from time_machine import TimeMachineFixture

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
# Generous: only reached when something hangs, never part of an assertion about speed.
HANG_TIMEOUT = 20.0


class Child:
    """A Python child process running one of the ``child_*.py`` scripts in this folder."""

    def __init__(self, script: str, *args: str) -> None:
        # The children import the package and the shared test helpers (tests/fake_clock.py).
        path = os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "tests")])
        env = dict(os.environ, PYTHONPATH=path, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / script), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.output: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self.proc.pid

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def wait_for(self, text: str) -> str:
        """Return the first output line containing ``text``; fail if the child hangs."""
        while True:
            try:
                line = self._lines.get(timeout=HANG_TIMEOUT)
            except queue.Empty:
                raise AssertionError(f"no {text!r} from child; output: {self.output}") from None
            if line is None:
                raise AssertionError(f"child ended without {text!r}; output: {self.output}")
            self.output.append(line)
            if text in line:
                return line

    def close_stdin(self) -> None:
        """Close the child's stdin (the child scripts treat that as "go on")."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()

    def finish(self) -> int:
        """Wait for the child to exit and return its exit code."""
        return self.proc.wait(timeout=HANG_TIMEOUT)

    def rest_of_output(self) -> list[str]:
        """All output lines after the child exited."""
        self.finish()
        while (line := self._lines.get(timeout=HANG_TIMEOUT)) is not None:
            self.output.append(line)
        return self.output


class Stoppable(Protocol):
    def request_stop(self) -> None: ...


class TravelClock:
    """A Clock that is the process's wall clock, moved by time-machine.

    ``sleep`` shifts the travel at once, so ``schedule`` (which reads ``datetime.now()``)
    sees the same time as the runner. The process's local time zone is ``local_zone``
    meanwhile, unlike with FakeClock (UTC while serving): schedule keeps naive local
    times, so where the process's own clocks change matters. At ``end`` the clock asks
    ``runner`` to stop.
    """

    def __init__(
        self, machine: TimeMachineFixture, start: datetime, end: datetime, local_zone: str
    ) -> None:
        machine.move_to(start.astimezone(ZoneInfo(local_zone)), tick=False)
        self.machine = machine
        self.end = end
        self.runner: Stoppable | None = None

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        self.machine.shift(timedelta(seconds=max(0.0, seconds)))
        if self.now() >= self.end and self.runner is not None:
            self.runner.request_stop()

    def wake(self) -> None:
        """Nothing to do: sleeps never block."""

    def driving_wall_clock(self) -> AbstractContextManager[None]:
        """Nothing to do: time-machine already moves the wall clock."""
        return nullcontext()
