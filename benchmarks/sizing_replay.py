"""Request-window sizing replayed over a month of dial events of contact-center shapes.

The emulator's dense operation dials at a steady rate; real operations do not. This
replays the provider's :class:`~airflow_provider_wolkvox.fetching.sizing.WindowSizer` (and, for
comparison, the fixed rule it replaced: 80 % of the cap, halving on a capped answer)
over the same events thinned into other shapes: business hours, a daily cycle, weekdays
only, an office week with a lunch dip and Saturday mornings, campaign bursts, month-end
peaks, a different volume every day. Runs are replayed the way a DAG makes them: hourly,
daily or one 31-day run, in order, each with and without the history of the runs before
it (the two months before the measured one are replayed first, to build it). Each request
window's rows are the distinct telephones in it, exactly what the emulator would answer,
so the calls counted are those ``fetch_interval`` would spend; no HTTP.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from airflow_provider_wolkvox.fetching.density import DensityHistory, Observation
from airflow_provider_wolkvox.fetching.sizing import WindowSizer
from benchmarks.api_calls import CAMPAIGN, DAYS, DENSITIES, ROW_CAP, START
from benchmarks.dataset import MAX_WINDOW_SECONDS, fewest_windows_of

DAY = 86_400
BOGOTA_OFFSET = -5 * 3600
TIMEZONE = "America/Bogota"  # no DST: the fixed offset above is exact
END = START + DAYS * DAY
HISTORY_START = START - 2 * DAYS * DAY
"""The two months before, replayed first to build the history (September and October 2026,
as 31-day runs when the runs are 31 days: a monthly DAG's history is few runs)."""
DAILY_VOLUME = (0.3, 1.0, 0.6, 0.9, 0.2, 1.0, 0.5, 0.8, 0.4, 1.0)
"""Share of the dials kept on each day of the "day to day" shape, repeating every ten days."""


def local(hour: int) -> datetime:
    return datetime.fromtimestamp(hour * 3600 + BOGOTA_OFFSET, timezone.utc).replace(tzinfo=None)


def _office(t: datetime) -> float:
    if t.weekday() < 5 and 8 <= t.hour < 18:
        return 0.4 if 12 <= t.hour < 14 else 1.0  # the lunch dip
    return 0.8 if t.weekday() == 5 and 8 <= t.hour < 13 else 0.0  # Saturday mornings


def _burst(t: datetime) -> float:
    """A campaign that runs on some days only, for a few hours from a random start."""
    day = random.Random(t.toordinal())
    if day.random() < 0.4:
        first = day.randrange(7, 17)
        if first <= t.hour < first + day.randrange(2, 7):
            return 1.0
    return 0.05 if 8 <= t.hour < 18 else 0.0


def _month_end(t: datetime) -> float:
    last_day = ((t.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day
    if t.day > last_day - 3:
        return 1.0 if 7 <= t.hour < 22 else 0.1
    return 0.3 if t.weekday() < 5 and 8 <= t.hour < 18 else 0.02


Share = Callable[[datetime], float]
SHAPES: dict[str, tuple[str, Share]] = {
    "steady": ("high", lambda t: 1.0),
    "business hours": ("high", lambda t: 1.0 if 8 <= t.hour < 20 else 0.0),
    "daily cycle": ("high", lambda t: 0.15 + 0.85 * math.sin(math.pi * (t.hour + 0.5) / 24) ** 2),
    "weekdays 8-18": ("high", lambda t: 1.0 if 8 <= t.hour < 18 and t.weekday() < 5 else 0.0),
    "office week": ("high", _office),
    "campaign bursts": ("high", _burst),
    "month-end peak": ("high", _month_end),
    "day to day": ("high", lambda t: DAILY_VOLUME[(t.toordinal() - local(START // 3600).toordinal()) % 10]),
    "half": ("high", lambda t: 0.5),
    "sparse": ("high", lambda t: 0.15),
    "low": ("low", lambda t: 1.0),
}
"""Each shape: the density whose events it starts from, and the share of each local hour's
dials it keeps (office week: Monday to Friday 08-18 with 40 % over lunch, Saturday 08-13 at
80 %; campaign bursts: on 40 % of days, 2-6 hours at full rate from a random hour, else 5 %
of business hours; month-end peak: 30 % of weekday business hours, then 07-22 every day at
full rate over the month's last three days)."""

INTERVALS = {"hourly": 3600, "daily": DAY, "31 days": DAYS * DAY}
"""The data intervals of the DAG runs replayed, back to back over the month."""


class Sizer(Protocol):
    size: timedelta

    def size_at(self, start: int, limit: int) -> timedelta: ...

    def kept(self, span: timedelta, rows: int) -> None: ...

    def capped(self, span: timedelta) -> None: ...


class FixedFill:
    """The rule ``WindowSizer`` replaced: 80 % of the cap at the last density, between half
    and four times the last window; a capped window is halved."""

    def __init__(self, row_cap: int, max_window: timedelta) -> None:
        self.row_cap, self.max_window, self.size = row_cap, max_window, max_window

    def size_at(self, start: int, limit: int) -> timedelta:
        return self.size

    def kept(self, span: timedelta, rows: int) -> None:
        factor = min(4.0, max(0.5, 0.8 * self.row_cap / rows)) if rows else 4.0
        self.size = max(
            timedelta(seconds=1), timedelta(seconds=int(min(span * factor, self.max_window).total_seconds()))
        )

    def capped(self, span: timedelta) -> None:
        self.size = max(timedelta(seconds=1), timedelta(seconds=int(span.total_seconds() / 2)))


class Counted(Protocol):
    """Anything that says how many rows a window ``[start, end)`` holds."""

    def distinct(self, start: int, end: int) -> int: ...


@dataclass(frozen=True)
class Events:
    """One campaign's dials in time order: epoch seconds and telephone indexes, aligned."""

    moments: list[int]
    phones: list[int]

    def distinct(self, start: int, end: int) -> int:
        low, high = bisect.bisect_left(self.moments, start), bisect.bisect_left(self.moments, end)
        return len(set(self.phones[low:high]))

    def seconds(self, start: int, end: int) -> Iterator[tuple[int, set[int]]]:
        moments, phones = self.moments, self.phones
        i, stop = bisect.bisect_left(moments, start), bisect.bisect_left(moments, end)
        while i < stop:
            j = bisect.bisect_right(moments, moments[i], lo=i, hi=stop)
            yield moments[i], set(phones[i:j])
            i = j

    def thinned(self, share: Share, rng: random.Random) -> Events:
        """The dials kept when each local hour keeps ``share`` of them."""
        moments: list[int] = []
        phones: list[int] = []
        for hour in range(self.moments[0] // 3600, self.moments[-1] // 3600 + 1):
            low = bisect.bisect_left(self.moments, hour * 3600)
            high = bisect.bisect_left(self.moments, hour * 3600 + 3600)
            p = share(local(hour))
            if p >= 1:
                moments += self.moments[low:high]
                phones += self.phones[low:high]
            elif p > 0:
                for i in range(low, high):
                    if rng.random() < p:
                        moments.append(self.moments[i])
                        phones.append(self.phones[i])
        return Events(moments, phones)


def months_of(density: str) -> Events:
    """The dials of the history month and the measured one."""
    data = DENSITIES[density].data()
    pairs = []
    for hour in range(HISTORY_START // 3600, END // 3600):
        base = hour * 3600
        for seconds, phones in data.hour(CAMPAIGN, hour):
            pairs.extend(zip([base + s for s in seconds], phones, strict=True))
    pairs.sort()
    return Events([t for t, _ in pairs], [p for _, p in pairs])


def replay_run(events: Counted, sizer: Sizer, start: int, end: int) -> tuple[int, int, list[Observation]]:
    """``(API calls, capped answers, observations)`` of one run over ``[start, end)``, the way
    ``fetch_interval`` does it."""
    calls = capped = 0
    observations = []
    cursor = start
    while cursor < end:
        stop = min(cursor + int(sizer.size_at(cursor, end).total_seconds()), end)
        span = timedelta(seconds=stop - cursor)
        rows = events.distinct(cursor, stop)
        calls += 1
        # fetch_interval sees at most the cap: a capped answer says only "at least ROW_CAP rows"
        observations.append(Observation(cursor, stop, min(rows, ROW_CAP), rows >= ROW_CAP))
        if rows >= ROW_CAP:
            capped += 1
            sizer.capped(span)
        else:
            sizer.kept(span, rows)
            cursor = stop
    return calls, capped, observations


@dataclass
class Backfill:
    """Runs replayed back to back, optionally each planning from the history of those before."""

    events: Counted
    make_sizer: Callable[[DensityHistory | None], Sizer]
    history: DensityHistory | None = None
    calls: int = 0
    capped: int = 0

    def run(self, start: int, end: int, step: int) -> None:
        for a in range(start, end, step):
            calls, capped, observations = replay_run(
                self.events, self.make_sizer(self.history), a, min(a + step, end)
            )
            self.calls, self.capped = self.calls + calls, self.capped + capped
            if self.history is not None:
                self.history = self.history.updated(observations)


def minimum(events: Events, step: int) -> int:
    """The fewest calls runs of ``step`` seconds could make over the measured month."""
    return sum(
        fewest_windows_of(events.seconds(a, min(a + step, END)), a, min(a + step, END), ROW_CAP).windows
        for a in range(START, END, step)
    )


def replay_shape(events: Events, step: int) -> dict[str, Any]:
    month = timedelta(seconds=MAX_WINDOW_SECONDS)
    fixed = Backfill(events, lambda h: FixedFill(ROW_CAP, month))
    blind = Backfill(events, lambda h: WindowSizer(ROW_CAP, month, timezone=TIMEZONE))
    learnt = Backfill(events, lambda h: WindowSizer(ROW_CAP, month, h), DensityHistory.empty(TIMEZONE))
    learnt.run(HISTORY_START, START, step)  # the months before: build the history, not counted
    learnt.calls = learnt.capped = 0
    for backfill in (fixed, blind, learnt):
        backfill.run(START, END, step)
    return {
        "minimum": minimum(events, step),
        "fixed_80": {"api_calls": fixed.calls, "capped": fixed.capped},
        "provider": {"api_calls": blind.calls, "capped": blind.capped},
        "provider_history": {"api_calls": learnt.calls, "capped": learnt.capped},
    }


def replay_shapes(log: Callable[[str], None], only: set[str] | None = None) -> dict[str, dict[str, Any]]:
    sources: dict[str, Events] = {}
    results = {}
    for name, (density, share) in SHAPES.items():
        if only and name not in only:
            continue
        if density not in sources:
            sources[density] = months_of(density)
        events = sources[density].thinned(share, random.Random(1))
        kinds = {kind: replay_shape(events, step) for kind, step in INTERVALS.items()}
        results[name] = {
            "dials": bisect.bisect_left(events.moments, END) - bisect.bisect_left(events.moments, START),
            "telephones_per_day": sum(
                events.distinct(START + d * DAY, START + (d + 1) * DAY) for d in range(DAYS)
            )
            / DAYS,
            "intervals": kinds,
        }
        log(
            f"[sizing {name}] "
            + "; ".join(
                f"{kind}: history {r['provider_history']['api_calls']}, none {r['provider']['api_calls']}, "
                f"fixed 80 % {r['fixed_80']['api_calls']}, minimum {r['minimum']}"
                for kind, r in kinds.items()
            )
        )
    return results
