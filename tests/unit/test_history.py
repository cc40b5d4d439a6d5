"""The density history: what it learns from observations, and its stored form."""

from __future__ import annotations

import calendar
import functools
import json
import math
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from airflow_provider_wolkvox.exceptions import WolkvoxConfigError
from airflow_provider_wolkvox.fetching.density import HOURS_OF_WEEK, DensityHistory, Observation

MONDAY = 1_796_014_800  # 2026-11-30T05:00:00Z: Monday 00:00 in Bogota
HOUR = 3600
TZ = "America/Bogota"


def office_rows(hour_of_week: int) -> int:
    """1,000 rows an hour on weekdays 08-18 local, none otherwise."""
    day, hour = divmod(hour_of_week % HOURS_OF_WEEK, 24)
    return 1_000 if day < 5 and 8 <= hour < 18 else 0


@functools.cache  # a history is an immutable value
def hourly_runs(weeks: int) -> DensityHistory:
    history = DensityHistory.empty(TZ)
    for h in range(weeks * HOURS_OF_WEEK):
        start = MONDAY + h * HOUR
        history = history.updated([Observation(start, start + HOUR, office_rows(h))])
    return history


def test_hourly_runs_learn_the_week() -> None:
    history = hourly_runs(2)
    tuesday = MONDAY + 24 * HOUR
    assert history.predict(tuesday + 9 * HOUR, tuesday + 11 * HOUR) == pytest.approx(2_000)
    assert history.predict(tuesday + 20 * HOUR, tuesday + 31 * HOUR) == pytest.approx(0)
    # The longest window from Tuesday 17:00 with at most 1,500 rows: the evening and night are
    # free, so it reaches into Wednesday morning, half an hour past 08:00.
    span = history.span_for(tuesday + 17 * HOUR, 1_500, 31 * 24 * HOUR)
    assert span == (24 + 8 - 17) * HOUR + HOUR // 2


def test_windows_spanning_busy_and_quiet_hours_are_told_apart() -> None:
    # Windows of 10 hours that start at different hours: none sees an hour alone, together they
    # say which hours were busy.
    history = DensityHistory.empty(TZ)
    for week in range(3):
        run = []
        for start_hour in range(week * 3, HOURS_OF_WEEK - 10, 10):
            start = MONDAY + (week * HOURS_OF_WEEK + start_hour) * HOUR
            rows = sum(office_rows(start_hour + i) for i in range(10))
            run.append(Observation(start, start + 10 * HOUR, rows))
        history = history.updated(run)
    wednesday = MONDAY + 2 * 24 * HOUR
    assert history.predict(wednesday + 10 * HOUR, wednesday + 16 * HOUR) > 5 * history.predict(
        wednesday + 20 * HOUR, wednesday + 26 * HOUR
    )


def test_the_errors_are_those_a_sizer_planning_from_it_would_make() -> None:
    assert DensityHistory.empty(TZ).updated([Observation(MONDAY, MONDAY + HOUR, 900)]).errors.weight == 0
    history = hourly_runs(3)
    tuesday = MONDAY + 3 * HOURS_OF_WEEK * HOUR + 24 * HOUR
    window = (tuesday + 9 * HOUR, tuesday + 12 * HOUR)
    assert history.predict(*window) == pytest.approx(3_000)
    exact = history.updated([Observation(*window, 3_000)])
    missed = history.updated([Observation(*window, 6_000)])
    assert exact.errors.weight == missed.errors.weight == 20  # it remembers about 20 predictions
    assert missed.errors.mean - exact.errors.mean == pytest.approx(math.log(2) / 20)
    # Hours of a few rows say nothing of a miss by a share of the cap.
    assert history.updated([Observation(tuesday, tuesday + HOUR, 400)]).errors == history.errors


def test_a_capped_answer_is_not_taken_as_the_window_rows() -> None:
    history = hourly_runs(2)
    tuesday = MONDAY + 2 * HOURS_OF_WEEK * HOUR + 24 * HOUR
    capped = history.updated([Observation(tuesday, tuesday + 24 * HOUR, 60_000, capped=True)])
    assert (capped.rows, capped.seconds) == (history.rows, history.seconds)
    assert capped.errors.mean > history.errors.mean + 0.05  # but it says the profile predicted too few


def test_a_cap_where_the_profile_predicted_more_than_the_cap_is_no_miss() -> None:
    # A window asked blind over two weeks, which the profile says hold 100,000 rows: the cap
    # proves only "at least 60,000", no error of the profile's; counted as one, a single blind
    # window made a month-end peak's history look unreliable to the next run.
    history = hourly_runs(2)
    start = MONDAY + 2 * HOURS_OF_WEEK * HOUR
    window = (start, start + 2 * HOURS_OF_WEEK * HOUR)
    assert history.predict(*window) == pytest.approx(100_000)
    assert history.updated([Observation(*window, 60_000, capped=True)]).errors == history.errors


def test_the_stored_form_round_trips_and_stays_small() -> None:
    history = hourly_runs(2).updated([Observation(MONDAY, MONDAY + 7 * HOUR, 12)])
    text = json.dumps(history.to_json())
    assert DensityHistory.from_json(json.loads(text)) == history
    assert len(text) < 10_000


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": 99}, "version 99"),
        ({"rows": [1.0] * 10}, "168 finite non-negative"),
        ({"seconds": [-1.0] * HOURS_OF_WEEK}, "168 finite non-negative"),
        ({"errors": "none"}, r"not one DensityHistory\.to_json wrote"),
        ({"timezone": "Mars/Olympus"}, "not an IANA name"),
    ],
)
def test_a_damaged_stored_form_is_refused_clearly(change: dict[str, object], message: str) -> None:
    data = {**hourly_runs(1).to_json(), **change}
    with pytest.raises(WolkvoxConfigError, match=message):
        DensityHistory.from_json(data)
    with pytest.raises(WolkvoxConfigError, match=r"not one DensityHistory\.to_json wrote"):
        DensityHistory.from_json({"rows": []})


SEPTEMBER_1 = 1_788_238_800  # 2026-09-01T05:00:00Z: Tuesday 00:00 in Bogota
DAY = 24 * HOUR


def daily_runs(rows_on: Callable[[datetime], int], days: int = 61) -> DensityHistory:
    """One run a day from 2026-09-01 (Bogota), each one window of the whole day."""
    history = DensityHistory.empty(TZ)
    for d in range(days):
        start = SEPTEMBER_1 + d * DAY
        local = datetime.fromtimestamp(start, ZoneInfo(TZ))
        history = history.updated([Observation(start, start + DAY, rows_on(local))])
    return history


def month_end_peak(local: datetime) -> int:
    """10,000 rows a day, 40,000 on the month's last five days."""
    last = calendar.monthrange(local.year, local.month)[1]
    return 40_000 if local.day > last - 5 else 10_000


def test_a_month_end_peak_is_learnt_apart_from_the_week() -> None:
    history = daily_runs(month_end_peak)
    assert history.month_end_peak
    november_16, november_30 = SEPTEMBER_1 + 76 * DAY, SEPTEMBER_1 + 90 * DAY  # both Mondays
    assert history.predict(november_16, november_16 + DAY) == pytest.approx(10_000, rel=0.1)
    assert history.predict(november_30, november_30 + DAY) > 3 * history.predict(
        november_16, november_16 + DAY
    )


def test_a_month_end_peak_seen_once_is_predicted_at_its_own_rate() -> None:
    # A peak drawn toward its quieter weekdays is predicted low, and a window planned low caps:
    # after one month, the next month's last days are predicted near what the last ones held.
    history = daily_runs(month_end_peak, days=30)
    assert history.month_end_peak
    october_31 = SEPTEMBER_1 + 60 * DAY
    assert history.predict(october_31, october_31 + DAY) == pytest.approx(40_000, rel=0.05)


def test_ordinary_last_days_teach_the_week_like_any_other() -> None:
    history = daily_runs(lambda local: 10_000)
    assert not history.month_end_peak
    decay = 0.5 ** (1 / 28)  # a day's decay: the half-life is four weeks
    every_day = DAY * (1 - decay**61) / (1 - decay)
    assert sum(history.seconds) == pytest.approx(every_day)  # the last days counted in the week too
    assert sum(daily_runs(month_end_peak).seconds) < 0.9 * every_day  # a peak's days are not
    november_30 = SEPTEMBER_1 + 90 * DAY
    assert history.predict(november_30, november_30 + DAY) == pytest.approx(10_000, rel=0.05)


def test_a_stored_form_from_before_the_month_end_days_still_loads() -> None:
    history = daily_runs(month_end_peak)
    data = {k: v for k, v in history.to_json().items() if not k.startswith("end_")}
    older = DensityHistory.from_json(data)
    assert (older.rows, older.seconds) == (history.rows, history.seconds)
    assert not older.month_end_peak  # it starts learning the month's end from the next run
