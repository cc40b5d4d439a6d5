from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_wolkvox.client.windows import (
    API_MAX_WINDOW,
    ONE_SECOND,
    api_dates,
    check_timezone,
    describe,
    local_span,
    split_window,
    validate_window,
)
from airflow_provider_wolkvox.exceptions import WolkvoxConfigError, WolkvoxWindowError

UTC = pendulum.UTC
ZONES = [
    "America/Bogota",
    "America/New_York",
    "Europe/Madrid",
    "Australia/Lord_Howe",
    "UTC",
    "Asia/Kathmandu",
]


def utc(*args: int) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz="UTC")


class TestValidateWindow:
    def test_iso_strings_as_airflow_renders_them(self) -> None:
        start, end = validate_window("2026-11-27T06:00:00+00:00", "2026-11-27T07:00:00+00:00")
        assert (start, end) == (utc(2026, 11, 27, 6), utc(2026, 11, 27, 7))

    def test_other_offsets_are_converted_to_utc(self) -> None:
        start, _ = validate_window("2026-11-27T01:00:00-05:00", "2026-11-27T07:00:00Z")
        assert start == utc(2026, 11, 27, 6)
        assert start.timezone_name == "UTC"

    def test_aware_datetimes(self) -> None:
        start, end = validate_window(
            datetime(2026, 1, 1, tzinfo=timezone.utc), pendulum.datetime(2026, 1, 2, tz="America/Bogota")
        )
        assert end - start == timedelta(days=1, hours=5)

    @pytest.mark.parametrize(
        ("start", "end", "message"),
        [
            (None, "2026-11-27T07:00:00+00:00", "window_start is missing"),
            ("None", "2026-11-27T07:00:00+00:00", "window_start rendered as 'None'"),
            ("2026-11-27T07:00:00+00:00", "", "window_end rendered as ''"),
            ("2026-11-27T06:00:00", "2026-11-27T07:00:00+00:00", "is naive"),
            (datetime(2026, 11, 27), "2026-11-27T07:00:00+00:00", "is naive"),
            ("yesterday", "2026-11-27T07:00:00+00:00", "not an ISO-8601"),
            ("2026-11-27T06:00:00.5+00:00", "2026-11-27T07:00:00+00:00", "fraction of a second"),
            ("2026-11-27T08:00:00+00:00", "2026-11-27T07:00:00+00:00", "is after window_end"),
            (42, "2026-11-27T07:00:00+00:00", "must be a datetime"),
        ],
    )
    def test_bad_bounds_say_what_is_wrong(self, start: object, end: object, message: str) -> None:
        with pytest.raises(WolkvoxWindowError, match=message):
            validate_window(start, end)

    def test_zero_length_interval_names_the_airflow3_fix(self) -> None:
        with pytest.raises(WolkvoxWindowError) as err:
            validate_window("2026-11-27T00:00:00+00:00", "2026-11-27T00:00:00+00:00")
        text = str(err.value)
        assert "both 2026-11-27T00:00:00+00:00" in text
        assert "CronDataIntervalTimetable" in text
        assert "DeltaDataIntervalTimetable" in text
        assert "CronTriggerTimetable" in text


class TestApiDates:
    def test_bogota_hour_with_inclusive_end(self) -> None:
        assert api_dates(utc(2026, 11, 27, 5), utc(2026, 11, 27, 6), "America/Bogota") == (
            "20261127000000",
            "20261127005959",
        )

    def test_pendulum_zoneinfo_pitfall_is_avoided(self) -> None:
        # AIRFLOW3.md: astimezone(ZoneInfo) then "- 1 s" gives 05:59:59 where 00:59:59 is meant.
        end = pendulum.parse("2026-11-27 06:00:00+00:00")
        assert isinstance(end, pendulum.DateTime)
        assert api_dates(end - timedelta(hours=1), end, "America/Bogota")[1] == "20261127005959"

    def test_dst_spring_forward_new_york(self) -> None:
        # 2026-03-08 02:00 EST jumps to 03:00 EDT: the UTC hour 07:00-08:00 is 03:00-03:59:59 local.
        assert api_dates(utc(2026, 3, 8, 7), utc(2026, 3, 8, 8), "America/New_York") == (
            "20260308030000",
            "20260308035959",
        )
        assert api_dates(utc(2026, 3, 8, 6), utc(2026, 3, 8, 7), "America/New_York") == (
            "20260308010000",
            "20260308015959",
        )

    def test_describe_matches_the_task_log_format(self) -> None:
        assert describe(utc(2026, 11, 27, 7), utc(2026, 11, 27, 8), "America/Bogota") == (
            "[2026-11-27 02:00, 03:00) -05:00"
        )


class TestSplit:
    def test_31_days_is_one_window(self) -> None:
        windows = split_window(utc(2026, 1, 1), utc(2026, 2, 1), API_MAX_WINDOW, "America/Bogota")
        assert windows == [(utc(2026, 1, 1), utc(2026, 2, 1))]

    def test_dst_cannot_stretch_a_window_past_31_local_days(self) -> None:
        # Spring forward inside the window: 31 UTC days would be 31 days + 1 h on the wall clock.
        start = utc(2026, 3, 1, 5)
        windows = split_window(start, start + timedelta(days=62), API_MAX_WINDOW, "America/New_York")
        assert windows[0][1] - windows[0][0] == API_MAX_WINDOW - timedelta(hours=1)
        assert all(local_span(a, b, "America/New_York") <= API_MAX_WINDOW for a, b in windows)

    def test_bad_time_zone(self) -> None:
        with pytest.raises(WolkvoxConfigError, match="not an IANA name"):
            check_timezone("Mars/Olympus")


instants = st.integers(min_value=0, max_value=3 * 365 * 86400).map(
    lambda s: utc(2025, 1, 1) + timedelta(seconds=s)
)


@settings(max_examples=300, deadline=None)
@given(
    start=instants,
    length=st.integers(min_value=1, max_value=200 * 86400),
    size=st.integers(min_value=1, max_value=40 * 86400),
    tz=st.sampled_from(ZONES),
)
def test_windows_tile_the_interval_within_the_limits(
    start: pendulum.DateTime, length: int, size: int, tz: str
) -> None:
    end = start + timedelta(seconds=length)
    size = max(size, length // 400)  # keep the number of windows testable
    windows = split_window(start, end, timedelta(seconds=size), tz)
    # Tiles exactly: first starts at start, each starts where the previous ended, last ends at end.
    assert windows[0][0] == start
    assert windows[-1][1] == end
    assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))
    for a, b in windows:
        assert a < b
        assert b - a <= min(timedelta(seconds=size), API_MAX_WINDOW)
        assert local_span(a, b, tz) <= API_MAX_WINDOW  # the limit as the API measures it
        ini, fin = api_dates(a, b, tz)
        assert ini <= fin or tz not in ("America/Bogota", "UTC", "Asia/Kathmandu")
    # Inclusive ends never overlap the next window's start.
    for (_, b), (c, _) in itertools.pairwise(windows):
        assert b - ONE_SECOND < c
    # In zones without DST the API strings are strictly increasing as well.
    if tz in ("America/Bogota", "UTC", "Asia/Kathmandu"):
        dates = [api_dates(a, b, tz) for a, b in windows]
        assert all(x[1] < y[0] for x, y in itertools.pairwise(dates))
