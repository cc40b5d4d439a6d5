"""Request-window sizing replayed over a month of dial events of several shapes.

The emulator's dense operation dials at a steady rate; real operations do not. This
replays the provider's :class:`~airflow_provider_wolkvox.sizing.WindowSizer` (and, for
comparison, the fixed rule it replaced: 80 % of the cap, halving on a capped answer)
over the same month of events thinned into other shapes: business hours, a daily
cycle, weekdays only, a different volume every day. Each request window's rows are the
distinct telephones in it, exactly what the emulator would answer, so the calls counted
are those ``fetch_interval`` would spend; no HTTP, so every shape takes seconds.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from airflow_provider_wolkvox.sizing import WindowSizer
from benchmarks.api_calls import CAMPAIGN, DAYS, DENSITIES, ROW_CAP, START
from benchmarks.dataset import MAX_WINDOW_SECONDS, fewest_windows_of

BOGOTA_OFFSET = -5 * 3600
END = START + DAYS * 86_400
DAILY_VOLUME = (0.3, 1.0, 0.6, 0.9, 0.2, 1.0, 0.5, 0.8, 0.4, 1.0)
"""Share of the dials kept on each day of the "day to day" shape, repeating every ten days."""


def _hour(moment: int) -> float:
    return (moment + BOGOTA_OFFSET) % 86_400 / 3600


def _weekday(moment: int) -> int:
    return ((moment + BOGOTA_OFFSET) // 86_400 + 3) % 7  # 0 = Monday (1970-01-01 was a Thursday)


Keep = Callable[[int, random.Random], bool]
SHAPES: dict[str, tuple[str, Keep]] = {
    "steady": ("high", lambda t, r: True),
    "business hours": ("high", lambda t, r: 8 <= _hour(t) < 20),
    "daily cycle": ("high", lambda t, r: r.random() < 0.15 + 0.85 * math.sin(math.pi * _hour(t) / 24) ** 2),
    "weekdays 8-18": ("high", lambda t, r: 8 <= _hour(t) < 18 and _weekday(t) < 5),
    "day to day": ("high", lambda t, r: r.random() < DAILY_VOLUME[(t - START) // 86_400 % 10]),
    "half": ("high", lambda t, r: r.random() < 0.5),
    "sparse": ("high", lambda t, r: r.random() < 0.15),
    "low": ("low", lambda t, r: True),
}
"""Each shape: the density whose events it starts from, and which dials it keeps."""


class Sizer(Protocol):
    size: timedelta

    def kept(self, span: timedelta, rows: int) -> None: ...

    def capped(self, span: timedelta) -> None: ...


class FixedFill:
    """The rule ``WindowSizer`` replaced: 80 % of the cap at the last density, between half
    and four times the last window; a capped window is halved."""

    def __init__(self, row_cap: int, max_window: timedelta) -> None:
        self.row_cap, self.max_window, self.size = row_cap, max_window, max_window

    def kept(self, span: timedelta, rows: int) -> None:
        factor = min(4.0, max(0.5, 0.8 * self.row_cap / rows)) if rows else 4.0
        self.size = max(
            timedelta(seconds=1), timedelta(seconds=int(min(span * factor, self.max_window).total_seconds()))
        )

    def capped(self, span: timedelta) -> None:
        self.size = max(timedelta(seconds=1), timedelta(seconds=int(span.total_seconds() / 2)))


@dataclass(frozen=True)
class Events:
    """One campaign's dials in time order: epoch seconds and telephone indexes, aligned."""

    moments: list[int]
    phones: list[int]

    def distinct(self, start: int, end: int) -> int:
        low, high = bisect.bisect_left(self.moments, start), bisect.bisect_left(self.moments, end)
        return len(set(self.phones[low:high]))

    def seconds(self) -> Iterator[tuple[int, set[int]]]:
        moments, phones, i = self.moments, self.phones, 0
        while i < len(moments):
            j = bisect.bisect_right(moments, moments[i], lo=i)
            yield moments[i], set(phones[i:j])
            i = j


def month_of(density: str) -> Events:
    data = DENSITIES[density].data()
    pairs = []
    for hour in range(START // 3600, END // 3600):
        base = hour * 3600
        for seconds, phones in data.hour(CAMPAIGN, hour):
            pairs.extend(zip([base + s for s in seconds], phones, strict=True))
    pairs.sort()
    return Events([t for t, _ in pairs], [p for _, p in pairs])


def replay(events: Events, sizer: Sizer) -> tuple[int, int]:
    """``(API calls, capped answers)`` to fetch the month the way ``fetch_interval`` does."""
    calls = capped = 0
    cursor = START
    while cursor < END:
        stop = min(cursor + int(sizer.size.total_seconds()), END)
        span = timedelta(seconds=stop - cursor)
        rows = events.distinct(cursor, stop)
        calls += 1
        if rows >= ROW_CAP:
            capped += 1
            sizer.capped(span)
        else:
            sizer.kept(span, rows)
            cursor = stop
    return calls, capped


def replay_shapes(log: Callable[[str], None]) -> dict[str, dict[str, Any]]:
    months = {density: month_of(density) for density in {d for d, _ in SHAPES.values()}}
    month = timedelta(seconds=MAX_WINDOW_SECONDS)
    results = {}
    for name, (density, keep) in SHAPES.items():
        rng = random.Random(1)
        source = months[density]
        kept = [(t, p) for t, p in zip(source.moments, source.phones, strict=True) if keep(t, rng)]
        events = Events([t for t, _ in kept], [p for _, p in kept])
        minimum = fewest_windows_of(events.seconds(), START, END, ROW_CAP).windows
        provider = replay(events, WindowSizer(ROW_CAP, month))
        fixed = replay(events, FixedFill(ROW_CAP, month))
        results[name] = {
            "dials": len(events.moments),
            "telephones_per_day": sum(
                events.distinct(START + d * 86_400, START + (d + 1) * 86_400) for d in range(DAYS)
            )
            / DAYS,
            "minimum": minimum,
            "provider": {"api_calls": provider[0], "capped": provider[1]},
            "fixed_80": {"api_calls": fixed[0], "capped": fixed[1]},
        }
        log(
            f"[sizing {name}] provider {provider[0]} ({provider[1]} capped), "
            f"fixed 80 % {fixed[0]}, minimum {minimum}"
        )
    return results
