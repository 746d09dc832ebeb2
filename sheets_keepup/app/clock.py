"""Time sources: the Clock the nightly loop runs on, and the real one.

Tests pass a clock of their own (tests/fake_clock.py) that moves only when told to.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
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

    def driving_wall_clock(self) -> AbstractContextManager[None]:
        """Inside this block, the process's wall clock (``datetime.now()``) shows :meth:`now`.

        The nightly loop needs it because the ``schedule`` library reads the wall clock
        itself and cannot be handed a clock.
        """
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

    def driving_wall_clock(self) -> AbstractContextManager[None]:
        """Nothing to do: this clock is the wall clock."""
        return nullcontext()
