"""Request-window sizing: pure arithmetic, so replayed here over made-up densities."""

from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_wolkvox.sizing import WindowSizer

CAP = 60_000
HOUR = timedelta(hours=1)
MONTH = timedelta(days=31)


def replay(sizer: WindowSizer, rows_per_hour: list[float]) -> list[int]:
    """Feed the sizer answers at the given hourly densities; return the rows of each kept window."""
    kept = []
    for density in rows_per_hour:
        span = sizer.size
        rows = int(density * span / HOUR)
        if rows >= CAP:
            sizer.capped(span)
        else:
            sizer.kept(span, rows)
            kept.append(rows)
    return kept


def test_steady_density_is_fetched_close_to_the_cap() -> None:
    sizer = WindowSizer(CAP, MONTH)
    kept = replay(sizer, [4_000.0] * 30)
    assert kept[-1] >= 0.95 * CAP, kept
    assert all(rows < CAP for rows in kept)


def test_jumpy_density_keeps_more_headroom() -> None:
    rng = random.Random(7)
    steady, jumpy = WindowSizer(CAP, MONTH), WindowSizer(CAP, MONTH)
    replay(steady, [4_000.0] * 30)
    replay(jumpy, [4_000.0 * rng.uniform(0.6, 1.4) for _ in range(30)])
    assert jumpy.size < 0.85 * steady.size


def test_a_cap_with_no_density_known_halves_then_quarters_within_a_day() -> None:
    sizer = WindowSizer(CAP, MONTH)
    sizer.capped(MONTH)
    assert sizer.size == timedelta(days=1)  # a month over the cap says little about a day
    sizer.capped(sizer.size)
    assert sizer.size == timedelta(hours=6)
    sizer.capped(sizer.size)
    assert sizer.size == timedelta(minutes=90)
    sizer.kept(sizer.size, 6_000)  # 4,000 rows an hour
    assert timedelta(hours=11) < sizer.size <= timedelta(hours=12)  # 78 % of the cap at first


def test_a_short_interval_over_the_cap_is_halved() -> None:
    sizer = WindowSizer(CAP, timedelta(hours=6))
    sizer.capped(timedelta(hours=3))
    assert sizer.size == timedelta(minutes=90)


def test_a_cap_after_a_prediction_retries_shorter_then_halves() -> None:
    sizer = WindowSizer(CAP, MONTH)
    sizer.kept(HOUR * 10, 40_000)
    span = sizer.size
    sizer.capped(span)
    assert sizer.size == timedelta(seconds=int(span.total_seconds() * 0.75))
    sizer.capped(sizer.size)
    assert sizer.size == timedelta(seconds=int(span.total_seconds() * 0.75) // 2)


def test_few_rows_grow_at_most_fourfold_and_never_past_the_maximum() -> None:
    sizer = WindowSizer(CAP, timedelta(days=2))
    sizer.kept(HOUR, 10)
    assert sizer.size == 4 * HOUR
    sizer.kept(HOUR * 20, 0)
    assert sizer.size == timedelta(days=2)


@given(
    answers=st.lists(
        st.tuples(st.booleans(), st.integers(min_value=0, max_value=CAP - 1)), min_size=1, max_size=40
    ),
    max_hours=st.integers(min_value=1, max_value=744),
)
def test_sizes_are_whole_seconds_within_the_limits(answers: list[tuple[bool, int]], max_hours: int) -> None:
    maximum = HOUR * max_hours
    sizer = WindowSizer(CAP, maximum)
    for capped, rows in answers:
        if capped:
            sizer.capped(sizer.size)
        else:
            sizer.kept(sizer.size, rows)
        assert timedelta(seconds=1) <= sizer.size <= maximum
        assert sizer.size.microseconds == 0
