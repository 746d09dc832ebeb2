"""Shared fixtures: child processes for lock and signal tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from jobs_support import Child


@pytest.fixture
def spawn() -> Iterator[type[Child]]:
    """Start child processes; any still running at the end of the test are killed."""
    started: list[Child] = []

    class TrackedChild(Child):
        def __init__(self, script: str, *args: str) -> None:
            super().__init__(script, *args)
            started.append(self)

    yield TrackedChild
    for child in started:
        if child.proc.poll() is None:
            child.proc.kill()
            child.proc.wait()
        for stream in (child.proc.stdin, child.proc.stdout):
            if stream is not None:
                stream.close()
