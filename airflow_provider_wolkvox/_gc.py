"""The cyclic garbage collector, paused around loops that build a window's rows."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Run the block with the cyclic garbage collector off, then switch it back on if it was on.

    Each full collection would walk every row alive (tuples the collector keeps tracking); the blocks
    paused here build only rows of strings and integers, which cannot form reference cycles, and
    reference counting still frees them. Why: ``docs/decisions/0005-collector-paused.md``.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
