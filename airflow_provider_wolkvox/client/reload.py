"""The windows of the recent past a run re-reads to catch late rows (``reload_previous``). No I/O.

A server writes some records after the moment they carry, so a window fetched right after it
ends can lack rows that a later fetch of it has. A run of ``[start, end)`` with
``reload_previous`` also replaces the windows just before its own: its interval moved back by
its own length, once per earlier interval, so each one is exactly an earlier run's window and
its load replaces that window's rows (``docs/backfills.md``, "Late rows").
"""

from __future__ import annotations

import math
from datetime import timedelta

from pendulum import DateTime

from airflow_provider_wolkvox.exceptions import WolkvoxConfigError

MAX_RELOAD_WINDOWS = 168
"""Most earlier windows one run re-reads: a week of hourly runs."""

ReloadPrevious = int | timedelta | None
"""How far back a run re-reads: a number of earlier intervals, a span (rounded up to whole
intervals), or None (nothing)."""


def check_reload_previous(value: object) -> ReloadPrevious:
    """``value`` if it is a whole number >= 0, a ``timedelta`` >= 0 or None, else
    :class:`WolkvoxConfigError` saying what to give."""
    if value is None:
        return None
    if isinstance(value, timedelta) and value >= timedelta(0):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise WolkvoxConfigError(
        f"reload_previous must be a number of earlier intervals (an int >= 0), a timedelta >= 0 such "
        f"as timedelta(hours=2), or None, got {value!r}"
    )


def reload_count(value: ReloadPrevious, interval: timedelta) -> int:
    """How many earlier intervals of length ``interval`` ``value`` covers (a span rounds up)."""
    value = check_reload_previous(value)
    if not value:
        return 0
    if isinstance(value, timedelta):
        count = math.ceil(value.total_seconds() / interval.total_seconds())
    else:
        count = value
    if count > MAX_RELOAD_WINDOWS:
        raise WolkvoxConfigError(
            f"reload_previous={value!r} is {count:,} earlier intervals of {interval}; at most "
            f"{MAX_RELOAD_WINDOWS} are re-read per run: give a shorter span, or reload older data "
            "with a backfill (--reprocess-behavior completed)"
        )
    return count


def previous_windows(
    start: DateTime, end: DateTime, value: ReloadPrevious
) -> list[tuple[DateTime, DateTime]]:
    """The windows ``[start, end)`` moved back by its own length, ``reload_count`` times, oldest first."""
    length = timedelta(seconds=(end - start).total_seconds())  # a plain timedelta: pendulum's mixes badly
    count = reload_count(value, length)
    return [(start - k * length, start - (k - 1) * length) for k in range(count, 0, -1)]
