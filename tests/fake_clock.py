"""A clock that moves only when told to, for tests of the nightly loop and the lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import time_machine


class FakeClock:
    """A clock that only moves when told to; ``sleep`` advances it instantly."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)
        self.slept = timedelta(0)
        self._traveller: time_machine.Traveller | None = None

    def now(self) -> datetime:
        """Return the fake current time (UTC)."""
        return self._now

    def sleep(self, seconds: float) -> None:
        """Advance the clock by ``seconds`` without waiting."""
        step = timedelta(seconds=max(0.0, seconds))
        self.slept += step
        self._move(step)

    def advance(self, delta: timedelta) -> None:
        """Jump forward, e.g. to simulate the machine being suspended."""
        self._move(delta)

    def wake(self) -> None:
        """Nothing to do: fake sleeps never block."""

    @contextmanager
    def driving_wall_clock(self) -> Iterator[None]:
        """Move the process's wall clock with this one while inside the block.

        The travel is limited to the block (a runner's ``serve``) because it is
        process-wide; meanwhile the local time zone is UTC too (time-machine sets TZ),
        which keeps naive local times unambiguous.
        """
        with time_machine.travel(self._now, tick=False) as traveller:
            self._traveller = traveller
            try:
                yield
            finally:
                self._traveller = None

    def _move(self, delta: timedelta) -> None:
        self._now += delta
        if self._traveller is not None:
            self._traveller.shift(delta)
