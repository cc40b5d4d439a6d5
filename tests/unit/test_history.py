"""The density history: what it learns from observations, and its stored form."""

from __future__ import annotations

import functools
import json
import math

import pytest

from airflow_provider_wolkvox.exceptions import WolkvoxConfigError
from airflow_provider_wolkvox.history import HOURS_OF_WEEK, DensityHistory, Observation

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
