"""Request-window sizing: pure arithmetic, so replayed here over made-up densities."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_wolkvox.history import DensityHistory, Observation
from airflow_provider_wolkvox.sizing import WindowSizer, best_fill

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
    # 78 % of the cap at first: 2.5 guessed spreads of 10 % below it (no history: margin_fill)
    assert timedelta(hours=11) < sizer.size <= timedelta(hours=12)


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


def replay_planned(
    sizer: WindowSizer, rows_in: Callable[[int, int], int], start: int, end: int
) -> list[tuple[int, int, int]]:
    """Fetch ``[start, end)`` the way ``fetch_interval`` does, with ``rows_in(a, b)`` as each
    answer's rows; return every answered window ``(start, end, rows)``, capped ones included."""
    answered = []
    cursor = start
    while cursor < end:
        stop = min(end, cursor + int(sizer.size_at(cursor, end).total_seconds()))
        rows = rows_in(cursor, stop)
        answered.append((cursor, stop, rows))
        if rows >= CAP:
            sizer.capped(timedelta(seconds=stop - cursor))
        else:
            sizer.kept(timedelta(seconds=stop - cursor), rows)
            cursor = stop
    return answered


def steady(rows_per_hour: float) -> Callable[[int, int], int]:
    return lambda a, b: int(rows_per_hour * (b - a) / 3600)


def learnt(rows_per_hour: float, hours: int = 2 * 168) -> DensityHistory:
    """A history of hourly runs at a steady density."""
    history = DensityHistory.empty("UTC")
    for h in range(hours):
        a = START - (hours - h) * 3600
        history = history.updated([Observation(a, a + 3600, int(rows_per_hour))])
    return history


START = 1_796_014_800


@given(
    answers=st.lists(
        st.tuples(st.booleans(), st.integers(min_value=0, max_value=CAP - 1)), min_size=1, max_size=40
    ),
    max_hours=st.integers(min_value=1, max_value=744),
)
def test_no_history_plans_exactly_today_s_windows(answers: list[tuple[bool, int]], max_hours: int) -> None:
    today = WindowSizer(CAP, HOUR * max_hours)
    without, empty = WindowSizer(CAP, HOUR * max_hours, None), WindowSizer(CAP, HOUR * max_hours, EMPTY)
    cursor = START
    for capped, rows in answers:
        size = today.size
        assert without.size_at(cursor, START + 10**8) == empty.size_at(cursor, START + 10**8) == size
        for sizer in (today, without, empty):
            if capped:
                sizer.capped(size)
            else:
                sizer.kept(size, rows)
        cursor += 0 if capped else int(size.total_seconds())


EMPTY = DensityHistory.empty("UTC")


def test_a_history_plans_the_first_window_instead_of_a_blind_month() -> None:
    answered = replay_planned(
        WindowSizer(CAP, MONTH, learnt(4_000)), steady(4_000), START, START + 31 * 86_400
    )
    assert not any(rows >= CAP for _, _, rows in answered), "no window over the cap"
    assert answered[0][2] >= 0.9 * CAP, "the first window is filled, not guessed"
    blind = replay_planned(WindowSizer(CAP, MONTH), steady(4_000), START, START + 31 * 86_400)
    assert blind[0][2] >= CAP
    assert len(answered) < len(blind)


def test_stale_history_that_says_sparse_still_splits_on_the_cap_and_covers_the_interval() -> None:
    # The history learnt 50 rows an hour; now the campaign dials 20,000 an hour.
    sizer = WindowSizer(CAP, MONTH, learnt(50))
    answered = replay_planned(sizer, steady(20_000), START, START + 7 * 86_400)
    assert answered[0][2] >= CAP, "the stale plan asks for far too long a window first"
    kept = [(a, b) for a, b, rows in answered if rows < CAP]
    assert kept[0][0] == START
    assert kept[-1][1] == START + 7 * 86_400
    assert all(b == a2 for (_, b), (a2, _) in itertools.pairwise(kept)), "kept windows tile the interval"
    # Cut the way a blind window is: a day at most, then quartered, and no further cap once the
    # density is measured.
    assert [b - a for a, b, rows in answered if rows >= CAP] == [7 * 86_400, 86_400, 6 * 3600]
    assert all(rows >= 0.75 * CAP for _, _, rows in answered[4:-1]), "then near the cap"


def test_the_fill_aimed_at_brings_the_most_rows_per_call_for_the_spread() -> None:
    fills = [best_fill(spread) for spread in (0.0, 0.05, 0.1, 0.15, 0.3, 1.0)]
    assert fills == sorted(fills, reverse=True), "wider misses, more headroom"
    assert fills[0] == 0.97
    assert fills[-1] == 0.6
    assert 0.77 < best_fill(0.15) < 0.81  # a weekly profile missing by 15 %: about 79 %
    # Aiming 10 % higher or lower brings fewer rows per call sent (capped calls bring none).
    spread, fill = 0.15, best_fill(0.15)
    rng = random.Random(7)
    errors = [rng.gauss(0, spread) for _ in range(20_000)]

    def per_call(f: float) -> float:
        return sum(f * math.exp(e) for e in errors if f * math.exp(e) < 1) / len(errors)

    assert per_call(fill) > max(per_call(fill * 1.1), per_call(fill * 0.9))


def test_the_rest_of_the_interval_is_one_call_where_a_sliver_would_be_another() -> None:
    sizer = WindowSizer(CAP, MONTH)
    sizer.kept(12 * HOUR, 44_000)  # 3,667 rows an hour: the next window is aimed at about 12.7 hours
    assert timedelta(hours=12) < sizer.size < timedelta(hours=13)
    # 14 hours are left: 51,000 rows at that density, under the cap, in one call.
    assert sizer.size_at(START, START + 14 * 3600) == timedelta(hours=14)
    # 30 hours are left: more than another window, so the planned one.
    assert timedelta(hours=12) < sizer.size_at(START, START + 30 * 3600) < timedelta(hours=13)
    # A quiet day says little of the month after it: no stretch past the growth a kept window allows.
    quiet = WindowSizer(CAP, MONTH)
    quiet.kept(24 * HOUR, 1_935)
    assert quiet.size == 16 * 24 * HOUR
    assert quiet.size_at(START, START + 30 * 86_400) == 16 * 24 * HOUR
