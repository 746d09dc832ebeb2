"""Time sources: the real clock, and a fake one that advances instantly for tests."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """What the runner needs from time: the current moment and a way to wait."""

    def now(self) -> datetime:
        """Return the current time as a timezone-aware datetime."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait for ``seconds`` (may return early after :meth:`wake`)."""
        ...

    def wake(self) -> None:
        """Cut a current or upcoming :meth:`sleep` short (called from signal handlers)."""
        ...


class SystemClock:
    """The wall clock; ``sleep`` can be interrupted by :meth:`wake`."""

    def __init__(self) -> None:
        self._woken = threading.Event()

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        """Wait up to ``seconds``; returns at once if :meth:`wake` was called."""
        # An Event wait (unlike time.sleep, which PEP 475 restarts after a signal)
        # returns as soon as a signal handler calls wake(), so Ctrl-C is prompt.
        self._woken.wait(max(0.0, seconds))
        self._woken.clear()

    def wake(self) -> None:
        """Make the current or next ``sleep`` return immediately."""
        self._woken.set()


class FakeClock:
    """A clock that only moves when told to; ``sleep`` advances it instantly."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)
        self.slept = timedelta(0)

    def now(self) -> datetime:
        """Return the fake current time (UTC)."""
        return self._now

    def sleep(self, seconds: float) -> None:
        """Advance the clock by ``seconds`` without waiting."""
        step = timedelta(seconds=max(0.0, seconds))
        self.slept += step
        self._now += step

    def advance(self, delta: timedelta) -> None:
        """Jump forward, e.g. to simulate the machine being suspended."""
        self._now += delta

    def wake(self) -> None:
        """Nothing to do: fake sleeps never block."""
