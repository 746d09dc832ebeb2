"""Helpers for tests that run child processes."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
# Generous: only reached when something hangs, never part of an assertion about speed.
HANG_TIMEOUT = 20.0


class Child:
    """A Python child process running one of the ``child_*.py`` scripts in this folder."""

    def __init__(self, script: str, *args: str) -> None:
        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), PYTHONUNBUFFERED="1")
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
