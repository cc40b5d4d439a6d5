"""Request-window sizing replayed over busy days: days that hold more than one answer's worth.

The shapes of :mod:`benchmarks.sizing_replay` hold less than one 60,000-row answer a day, so a
daily run's minimum is one call. Here a weekday holds 1.5, 2, 3 or 4 times the cap, in
business hours (08-18 local, half as busy over lunch 12-14), Saturday mornings are lighter
(08-13 at 60 %), Sundays quiet (09-13 at 10 %) and nights empty; each day's volume varies
by +-10 %. Every dial is a distinct telephone (a pool far larger than a day's dials), so a
window's rows are its dials: counted per minute, spread evenly within the minute. Replayed
as in :mod:`benchmarks.sizing_replay`: hourly, daily and 31-day runs, with the fixed 80 %
rule, without history, with the history of the two months before, and learning from an
empty history from the measured month's first day (a new deployment: its first week and
the rest counted apart).
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any

from airflow_provider_wolkvox.fetching.density import DensityHistory
from airflow_provider_wolkvox.fetching.sizing import WindowSizer
from benchmarks.api_calls import ROW_CAP, START
from benchmarks.dataset import MAX_WINDOW_SECONDS
from benchmarks.sizing_replay import (
    DAY,
    END,
    HISTORY_START,
    INTERVALS,
    TIMEZONE,
    Backfill,
    FixedFill,
    local,
)

WEEK = 7 * DAY
SCALES = (1.5, 2.0, 3.0, 4.0)
"""How many answers' worth of rows an average weekday holds."""
DAY_JITTER = 0.1
"""Each day's volume is the shape's times a factor drawn from 1 +- this."""


def busy_share(t: datetime) -> float:
    """Share of a weekday's full hourly rate in local hour ``t``."""
    if t.weekday() < 5 and 8 <= t.hour < 18:
        return 0.5 if 12 <= t.hour < 14 else 1.0  # the lunch dip
    if t.weekday() == 5 and 8 <= t.hour < 13:
        return 0.6  # a lighter Saturday morning
    return 0.1 if t.weekday() == 6 and 9 <= t.hour < 13 else 0.0  # a quiet Sunday, empty nights


WEEKDAY_HOURS = sum(busy_share(datetime(2026, 11, 2, h)) for h in range(24))
"""Full-rate hours in a weekday (9: ten hours, two of them at half)."""


@dataclass(frozen=True)
class Minutes:
    """Dials counted per minute from ``HISTORY_START``; each a distinct telephone."""

    cumulative: list[int]
    """Dials before each minute (one entry more than minutes)."""

    @classmethod
    def of(cls, scale: float, seed: int = 1) -> Minutes:
        rng = random.Random(seed)
        per_hour = scale * ROW_CAP / WEEKDAY_HOURS
        counts: list[int] = []
        factor = 1.0
        for hour in range(HISTORY_START // 3600, END // 3600):
            if (hour * 3600 - START) % DAY == 0:
                factor = 1 + DAY_JITTER * (2 * rng.random() - 1)
            per_minute = per_hour * factor * busy_share(local(hour)) / 60
            counts += [int(per_minute * (0.9 + 0.2 * rng.random()) + rng.random()) for _ in range(60)]
        return cls([0, *accumulate(counts)])

    def before(self, moment: int) -> int:
        """Dials before epoch second ``moment`` (a minute's dials spread evenly over it)."""
        minute, second = divmod(moment - HISTORY_START, 60)
        low = self.cumulative[minute]
        if not second:
            return low
        return low + (self.cumulative[minute + 1] - low) * second // 60

    def distinct(self, start: int, end: int) -> int:
        return self.before(end) - self.before(start)

    def fewest_windows(self, start: int, end: int) -> int:
        """The greedy cut of ``[start, end)``: each window as long as it stays below the cap."""
        windows = 0
        while start < end:
            limit = min(end, start + MAX_WINDOW_SECONDS)
            base = self.before(start)
            # The last second a window from start may end at, holding at most ROW_CAP - 1 rows.
            stop = bisect.bisect_right(
                range(start, limit + 1), ROW_CAP - 1, key=lambda t: self.before(t) - base
            )
            start = start + stop - 1 if stop > 1 else start + 1
            windows += 1
        return windows


def minimum(events: Minutes, step: int, first: int = START, last: int = END) -> int:
    return sum(events.fewest_windows(a, min(a + step, END)) for a in range(first, last, step))


def replay_busy(events: Minutes, step: int) -> dict[str, Any]:
    month = timedelta(seconds=MAX_WINDOW_SECONDS)
    new = DensityHistory.empty(TIMEZONE)
    fixed = Backfill(events, lambda h: FixedFill(ROW_CAP, month))
    blind = Backfill(events, lambda h: WindowSizer(ROW_CAP, month, timezone=TIMEZONE))
    learnt = Backfill(events, lambda h: WindowSizer(ROW_CAP, month, h), new)
    fresh = Backfill(events, lambda h: WindowSizer(ROW_CAP, month, h), new)
    learnt.run(HISTORY_START, START, step)  # the months before: build the history, not counted
    learnt.calls = learnt.capped = 0
    for backfill in (fixed, blind, learnt):
        backfill.run(START, END, step)
    week = max(step, WEEK // step * step)  # a 31-day run's first "week" is the run
    fresh.run(START, START + week, step)
    first = {
        "api_calls": fresh.calls,
        "capped": fresh.capped,
        "minimum": minimum(events, step, START, START + week),
    }
    fresh.calls = fresh.capped = 0
    fresh.run(START + week, END, step)
    rest = {"api_calls": fresh.calls, "capped": fresh.capped, "minimum": minimum(events, step, START + week)}
    return {
        "minimum": minimum(events, step),
        "fixed_80": {"api_calls": fixed.calls, "capped": fixed.capped},
        "provider": {"api_calls": blind.calls, "capped": blind.capped},
        "provider_history": {"api_calls": learnt.calls, "capped": learnt.capped},
        "new_history": {"first_week": first, "later": rest},
    }


def replay_busy_days(
    log: Callable[[str], None], scales: tuple[float, ...] = SCALES
) -> dict[str, dict[str, Any]]:
    results = {}
    for scale in scales:
        events = Minutes.of(scale)
        name = f"busy days {scale:g}x"
        kinds = {kind: replay_busy(events, step) for kind, step in INTERVALS.items()}
        days = [events.distinct(START + d * DAY, START + (d + 1) * DAY) for d in range(31)]
        results[name] = {"telephones_per_day": sum(days) / len(days), "intervals": kinds}
        log(
            f"[sizing {name}] "
            + "; ".join(
                f"{kind}: history {r['provider_history']['api_calls']}, none {r['provider']['api_calls']}, "
                f"fixed 80 % {r['fixed_80']['api_calls']}, minimum {r['minimum']}, new history week 1 "
                f"{r['new_history']['first_week']['api_calls']}/{r['new_history']['first_week']['minimum']}, "
                f"later {r['new_history']['later']['api_calls']}/{r['new_history']['later']['minimum']}"
                for kind, r in kinds.items()
            )
        )
    return results


if __name__ == "__main__":
    import sys
    import time

    only = tuple(float(s) for s in sys.argv[1:]) or SCALES
    began = time.monotonic()
    replay_busy_days(lambda m: print(f"{time.monotonic() - began:6.1f}s {m}", flush=True), only)
