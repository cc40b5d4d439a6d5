"""The cyclic garbage collector, paused around loops that build a window's rows."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Run the block with the cyclic garbage collector off, then switch it back on if it was on.

    Building tens of thousands of rows sets off collection after collection, and every row is a
    ``MachineCodesRow`` (a tuple subclass, which the collector never stops tracking), so each full
    collection walks every row alive and every object Airflow has loaded: measured at a third of a
    600,000-row load's CPU time. The blocks paused here only build rows of strings and integers,
    which cannot form reference cycles; reference counting still frees everything as usual.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
