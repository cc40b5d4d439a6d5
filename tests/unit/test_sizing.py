"""Request-window sizing: the sizer's arithmetic over made-up densities, and the real fetch_interval
planning its windows against the emulator, judged by what the emulator saw."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_wolkvox.fetching.density import DensityHistory, Observation
from airflow_provider_wolkvox.fetching.sizing import WindowSizer, best_fill
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.conftest import connection_json

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
# A run longer than a day folds its answers into a profile (LEARN_SPAN): slower than a blind one.
@settings(deadline=None, max_examples=30)
def test_no_history_plans_exactly_today_s_windows(answers: list[tuple[bool, int]], max_hours: int) -> None:
    today = WindowSizer(CAP, HOUR * max_hours, timezone="UTC")
    without, empty = WindowSizer(CAP, HOUR * max_hours, None), WindowSizer(CAP, HOUR * max_hours, EMPTY)
    cursor = START
    for capped, rows in answers:
        size = today.size_at(cursor, START + 10**8)
        assert without.size_at(cursor, START + 10**8) == empty.size_at(cursor, START + 10**8) == size
        for sizer in (today, without, empty):
            if capped:
                sizer.capped(size)
            else:
                sizer.kept(size, rows)
        cursor += 0 if capped else int(size.total_seconds())


EMPTY = DensityHistory.empty("UTC")


# -- the real fetch_interval against the emulator --------------------------------------------------
# campaign_3 has one row per dial, about DIALS an hour; a cap of ROW_CAP rows is some 15 hours of them.
# What was asked and answered is read from the emulator's own log (it shares no client code).

DIALS = 40
ROW_CAP = 600


@pytest.fixture
def dials(token: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[WolkvoxEmulator]:
    with WolkvoxEmulator([token], seed=7, dials_per_hour=DIALS, row_cap=ROW_CAP) as emu:
        monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(emu.base_url, token))
        yield emu


def fetch(emu: WolkvoxEmulator, start: int, end: int, history: DensityHistory | None) -> list[Answered]:
    """Fetch campaign_3 of campaign 1 over ``[start, end)`` with the provider's fetch_interval; check
    the staged rows are exactly the emulator's for the interval; return what the server answered."""
    from airflow_provider_wolkvox.fetching.interval import fetch_interval
    from airflow_provider_wolkvox.hooks.wolkvox import WolkvoxHook
    from airflow_provider_wolkvox.reports import CAMPAIGN_3
    from airflow_provider_wolkvox.staging.store import Staging

    emu.reset_stats()
    first, last = pendulum.from_timestamp(start), pendulum.from_timestamp(end)
    hook = WolkvoxHook(backoff_seconds=0.01, max_backoff_seconds=0.05)
    try:
        with Staging(spec=CAMPAIGN_3) as staging:
            fetch_interval(hook, "1", first, last, staging, row_cap=ROW_CAP, history=history)
            staged = sorted(row[-1] for row in staging.rows())  # conn_id: one per dial
    finally:
        hook.close()
    truth = emu.ground_truth_rows("campaign_3", {"campaign_id": "1"}, first, last)
    assert staged == sorted(row["conn_id"] for row in truth)
    zone = ZoneInfo(emu.timezone)

    def epoch(text: str) -> int:
        return int(datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=zone).timestamp())

    log = emu.stats()["log"]
    assert all(entry["status"] in (200, 404) for entry in log)
    return [
        Answered(epoch(e["params"]["date_ini"]), epoch(e["params"]["date_end"]) + 1, e["rows"]) for e in log
    ]


class Answered(NamedTuple):
    """One request as the emulator saw it: its window ``[start, end)`` and the rows it sent."""

    start: int
    end: int
    rows: int

    @property
    def capped(self) -> bool:
        return self.rows >= ROW_CAP


def observed(emu: WolkvoxEmulator, start: int, hours: int) -> DensityHistory:
    """Earlier runs' history: the emulator's own hourly counts over the ``hours`` before ``start``."""
    history = DensityHistory.empty("UTC")
    for h in range(hours, 0, -1):
        a = start - h * 3600
        rows = emu.ground_truth_rows(
            "campaign_3", {"campaign_id": "1"}, pendulum.from_timestamp(a), pendulum.from_timestamp(a + 3600)
        )
        history = history.updated([Observation(a, a + 3600, len(rows))])
    return history


def test_a_history_plans_the_first_window_instead_of_a_blind_month(dials: WolkvoxEmulator) -> None:
    end = START + 31 * 86_400
    answered = fetch(dials, START, end, observed(dials, START, 2 * 168))
    assert not answered[0].capped
    assert answered[0].rows >= 0.75 * ROW_CAP, "the first window is filled, not guessed"
    # Aimed near the cap for the density's spread: an answer over it now and then, never many.
    assert sum(a.capped for a in answered) <= len(answered) / 10
    blind = fetch(dials, START, end, None)
    assert blind[0].capped
    assert (blind[0].start, blind[0].end) == (START, end)  # a whole month asked for first
    assert len(answered) < len(blind)


def test_stale_history_that_says_sparse_still_splits_on_the_cap_and_covers_the_interval(
    dials: WolkvoxEmulator,
) -> None:
    # The history learnt one row an hour; now the campaign dials some DIALS an hour.
    end = START + 7 * 86_400
    answered = fetch(dials, START, end, learnt(1))
    assert answered[0].capped, "the stale plan asks for far too long a window first"
    kept = [a for a in answered if not a.capped]
    assert kept[0].start == START
    assert kept[-1].end == end
    assert all(b.start == a.end for a, b in itertools.pairwise(kept)), "kept windows tile the interval"
    # Cut the way a blind window is: a day at most, then quartered; once the density is measured,
    # near the cap, over it now and then, never many times.
    assert [(a.end - a.start, a.capped) for a in answered[:3]] == [
        (7 * 86_400, True),
        (86_400, True),
        (21_600, False),
    ]
    assert sum(a.capped for a in answered[3:]) <= len(answered) / 10
    assert all(a.rows >= 0.75 * ROW_CAP for a in kept[1:-1]), "then near the cap"


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


# -- a month's run without history learns its own days (LEARN_SPAN) --------------------------------
# Four weeks of a busy operation in UTC: weekdays 08-18 at 12,000 rows an hour (6,000 over lunch,
# 12-14), 108,000 rows a weekday, 1.8 answers' worth; Saturdays 08-13 at 6,000; Sundays 09-13 at
# 1,000; empty nights. Rows are spread evenly within each hour.

BUSY_MONDAY = 1_795_996_800  # 2026-11-30 00:00 UTC


def busy_rate(hour_of_week: int) -> int:
    day, hour = divmod(hour_of_week % 168, 24)
    if day < 5 and 8 <= hour < 18:
        return 6_000 if 12 <= hour < 14 else 12_000
    if day == 5 and 8 <= hour < 13:
        return 6_000
    return 1_000 if day == 6 and 9 <= hour < 13 else 0


def busy_before(moment: int) -> int:
    """Rows before epoch second ``moment`` (from BUSY_MONDAY)."""
    hours, seconds = divmod(moment - BUSY_MONDAY, 3600)
    return sum(busy_rate(h) for h in range(hours)) + busy_rate(hours) * seconds // 3600


def greedy_windows(start: int, end: int) -> int:
    """The fewest windows: each as long as it holds fewer than CAP rows (bisection on the count)."""
    windows = 0
    while start < end:
        base, low, high = busy_before(start), start + 1, end
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if busy_before(middle) - base < CAP else (low, middle - 1)
        start, windows = low, windows + 1
    return windows


def calls_of(sizer: WindowSizer | FixedRule, start: int, end: int) -> int:
    """API calls of one run over ``[start, end)``, as fetch_interval makes them."""
    calls = 0
    while start < end and calls < 1_000:
        stop = min(end, start + int(sizer.size_at(start, end).total_seconds()))
        rows, calls = busy_before(stop) - busy_before(start), calls + 1
        if rows >= CAP:
            sizer.capped(timedelta(seconds=stop - start))
        else:
            sizer.kept(timedelta(seconds=stop - start), rows)
            start = stop
    return calls


class FixedRule:
    """The rule the sizer replaced: 80 % of the cap at the last density, half to four times the last
    window; a capped window halved."""

    def __init__(self) -> None:
        self.size = MONTH

    def size_at(self, start: int, limit: int) -> timedelta:
        return self.size

    def kept(self, span: timedelta, rows: int) -> None:
        factor = min(4.0, max(0.5, 0.8 * CAP / rows)) if rows else 4.0
        self.size = timedelta(seconds=max(1, int(min(span * factor, MONTH).total_seconds())))

    def capped(self, span: timedelta) -> None:
        self.size = timedelta(seconds=max(1, int(span.total_seconds() / 2)))


def test_a_month_run_without_history_learns_its_days_from_its_own_answers() -> None:
    end = BUSY_MONDAY + 28 * 86_400
    assert busy_before(end) == 2_296_000  # 4 * (5 * 108,000 + 30,000 + 4,000)
    minimum = greedy_windows(BUSY_MONDAY, end)
    assert minimum == 39  # 2,296,000 rows in windows of at most 59,999: 39 at the very least
    calls = calls_of(WindowSizer(CAP, MONTH, timezone="UTC"), BUSY_MONDAY, end)
    fixed = calls_of(FixedRule(), BUSY_MONDAY, end)
    assert fixed == 177, fixed  # the fixed rule pays the night-to-morning jump every weekday
    # Blind all month (before LEARN_SPAN: 161 calls, worse than the fixed rule); planned from the
    # profile of its own first days: 80 here.
    assert calls <= 2.25 * minimum, (calls, minimum)
    assert calls < fixed / 2, (calls, fixed)


# -- a day's run without history, its density proven wrong ----------------------------------------
# The busy weekday above, 108,000 rows, fetched by a daily run that starts blind: the whole day caps,
# its first half (00-12) brings 48,000 rows (4,000 an hour), the next window is sized at 78 % of the
# cap at that density (margin_fill: 11.68 hours) and stretched to the day's end, 12 hours, where
# 60,000 rows are: the cap. A day's run never learns where its rows are (LEARN_SPAN).


class Recorded:
    """A sizer whose kept and capped windows are written down, in order."""

    def __init__(self, sizer: WindowSizer | FixedRule) -> None:
        self.sizer, self.windows = sizer, list[tuple[int, bool]]()

    def size_at(self, start: int, limit: int) -> timedelta:
        return self.sizer.size_at(start, limit)

    def kept(self, span: timedelta, rows: int) -> None:
        self.windows.append((int(span.total_seconds()), False))
        self.sizer.kept(span, rows)

    def capped(self, span: timedelta) -> None:
        self.windows.append((int(span.total_seconds()), True))
        self.sizer.capped(span)


def test_a_day_run_whose_density_capped_follows_the_fixed_rule_from_half_the_window_sized() -> None:
    monday = BUSY_MONDAY + 7 * 86_400
    sizer = Recorded(WindowSizer(CAP, MONTH, timezone="UTC"))
    calls = calls_of(sizer, monday, monday + 86_400)  # type: ignore[arg-type]
    sized = int(12 * 3600 * math.exp(-0.25) * CAP / 48_000)  # 42,055 s: 11.68 hours
    halved = sized // 2  # 21,027 s from 12:00: 12,000 + 46,090 rows, under the cap
    retry = 0.8 * CAP / (12_000 + 12_000 * (halved - 7_200) // 3_600)  # the fixed rule's factor
    assert sizer.windows[:5] == [
        (86_400, True),  # the day: 108,000 rows
        (43_200, False),  # 00-12: 48,000
        (43_200, True),  # 12-24 (stretched from 11.68 hours): 60,000
        (halved, False),  # half of what the density sized, not 0.75 of the stretched 12 hours
        (int(halved * retry), False),  # then 80 % of the cap at the last density
    ], sizer.windows
    assert calls == 6, sizer.windows  # the last: what is left of the day, empty
    fixed = calls_of(FixedRule(), monday, monday + 86_400)
    assert fixed == 7  # 12-24 capped, 12-18 capped (exactly 60,000), 12-15, 15-21, 21-24
    # Every day of a week of daily runs: never more calls than the fixed rule.
    for day in range(7):
        start = monday + day * 86_400
        ours = calls_of(WindowSizer(CAP, MONTH, timezone="UTC"), start, start + 86_400)
        assert ours <= calls_of(FixedRule(), start, start + 86_400), day
