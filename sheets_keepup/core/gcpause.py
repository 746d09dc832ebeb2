"""Pause Python's cyclic garbage collector around work that builds millions of objects.

Decoding a large read and planning it allocate millions of small objects (cells, strings,
tuples) and free none that form cycles. Each allocation burst would trigger collections
that walk every object alive, again and again; at 100,000 rows they cost more than the
planning itself. Reference counting still frees everything as usual while paused.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the body with the cyclic collector off; turn it back on only if it was on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
