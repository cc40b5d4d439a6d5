"""How many examples the property and fuzz suites try: a few seconds' worth in ``make test``, and
``WOLKVOX_FUZZ_SCALE`` times as many on demand (``WOLKVOX_FUZZ_SCALE=10 pytest tests/unit/...``)."""

from __future__ import annotations

import os

SCALE_VARIABLE = "WOLKVOX_FUZZ_SCALE"


def scale() -> int:
    """The multiplier from the environment (1 unless set)."""
    value = os.environ.get(SCALE_VARIABLE, "1")
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{SCALE_VARIABLE} must be a whole number >= 1, got {value!r}")
    return int(value)


def examples(count: int) -> int:
    """``count`` examples, times the scale."""
    return count * scale()
