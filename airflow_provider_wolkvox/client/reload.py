"""The windows of the recent past a run re-reads to catch late rows (``reload_previous``). No I/O.

A server writes some records after the moment they carry, so a window fetched right after it
ends can lack rows that a later fetch of it has. A run of ``[start, end)`` with
``reload_previous`` also replaces the windows just before its own, each exactly an earlier run's
window, so its load replaces that window's rows (``docs/backfills.md``, "Late rows"): the DAG's
earlier data intervals when its timetable says them (``interval_before``: a 23- or 25-hour day
of a daily schedule in a zone with summer time stays a day), else the run's interval moved back
by its own length.
"""

from __future__ import annotations

import math
from collections.abc import Callable
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


IntervalBefore = Callable[[DateTime], tuple[DateTime, DateTime]]
"""The data interval that ends at a moment (a DAG's timetable answers it)."""


def previous_windows(
    start: DateTime, end: DateTime, value: ReloadPrevious, interval_before: IntervalBefore | None = None
) -> list[tuple[DateTime, DateTime]]:
    """The earlier windows a run of ``[start, end)`` replaces too, oldest first: ``value`` of them
    (a span: as many as reach back over it). ``interval_before`` gives each (the DAG's own
    intervals); without it, or where it gives no interval ending at the one after, ``[start,
    end)`` moved back by its own length."""
    length = timedelta(seconds=(end - start).total_seconds())  # a plain timedelta: pendulum's mixes badly
    count = reload_count(value, length)
    if not count:
        return []
    if interval_before is not None:
        found = _intervals_before(start, count, value, interval_before)
        if found is not None:
            return found
    return [(start - k * length, start - (k - 1) * length) for k in range(count, 0, -1)]


def _intervals_before(
    start: DateTime, count: int, value: ReloadPrevious, interval_before: IntervalBefore
) -> list[tuple[DateTime, DateTime]] | None:
    """The intervals that end where the next begins, back from ``start``; None if one does not."""
    reach = start - value if isinstance(value, timedelta) else None
    windows: list[tuple[DateTime, DateTime]] = []
    cursor = start
    while len(windows) < (MAX_RELOAD_WINDOWS if reach is not None else count):
        try:
            first, last = interval_before(cursor)
        except Exception:  # a timetable that cannot say: the run's own length, as without one
            return None
        if last != cursor or not first < last:
            return None
        windows.append((first, last))
        cursor = first
        if reach is not None and cursor <= reach:
            break
    return windows[::-1]
