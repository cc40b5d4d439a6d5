"""Fetching an interval: request windows, the row cap, timeouts and summing, against the emulator."""

from __future__ import annotations

import itertools
import math
from datetime import timedelta

import pendulum
import pytest

from airflow_provider_wolkvox.exceptions import WolkvoxTruncatedError
from airflow_provider_wolkvox.fetching.density import DensityHistory, Observation
from airflow_provider_wolkvox.fetching.interval import fetch_interval
from airflow_provider_wolkvox.hooks.wolkvox import WolkvoxHook
from airflow_provider_wolkvox.staging.store import Staging
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.conftest import SERVER_LIMIT, connection_json

DAY = pendulum.datetime(2026, 11, 27, 5, tz="UTC")  # local midnight in Bogota


def fetch(emu: WolkvoxEmulator, start: pendulum.DateTime, end: pendulum.DateTime, **kwargs: object):  # type: ignore[no-untyped-def]
    hook = WolkvoxHook(backoff_seconds=0.01, max_backoff_seconds=0.05)
    with Staging() as staging:
        summary = fetch_interval(hook, "1", start, end, staging, **kwargs)  # type: ignore[arg-type]
        rows = {row.telephone: tuple(row[1:]) for row in staging.rows()}
    return summary, rows, emu.stats()["log"]


@pytest.fixture
def emu(token: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """An emulator with a small row cap, so the cap is reached with little data."""
    with WolkvoxEmulator(tokens=[token], seed=3, row_cap=2_000, dials_per_hour=300, telephones=50_000) as e:
        monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(e.base_url, token))
        yield e


def test_an_hour_is_one_call(emu: WolkvoxEmulator) -> None:
    summary, rows, log = fetch(emu, DAY, DAY + timedelta(hours=1), row_cap=2_000)
    assert (summary.requests, summary.api_calls, len(log)) == (1, 1, 1)
    assert rows == emu.ground_truth("1", DAY, DAY + timedelta(hours=1))
    assert summary.rows == len(rows)


def test_dense_window_is_split_until_below_the_cap_and_sums_to_the_truth(emu: WolkvoxEmulator) -> None:
    start, end = DAY, DAY + timedelta(days=1)
    truth = emu.ground_truth("1", start, end)
    assert len(truth) > 2_000, "the day must be denser than the cap for this test to mean anything"
    summary, rows, log = fetch(emu, start, end, row_cap=2_000)
    assert rows == truth
    assert any(entry["rows"] == 2_000 for entry in log), "the first answer hit the cap"
    capped = sum(entry["rows"] == 2_000 for entry in log)
    assert (summary.capped_calls, summary.retried_calls) == (capped, 0)
    assert summary.api_calls == summary.requests + summary.capped_calls == len(log)
    assert [w[0] for w in summary.windows[1:]] == [w[1] for w in summary.windows[:-1]]
    assert (summary.windows[0][0], summary.windows[-1][1], len(summary.windows)) == (
        start,
        end,
        summary.requests,
    )
    assert all(entry["rows"] < 2_000 for entry in log[-summary.requests :])
    assert summary.api_calls == len(log)
    # Once density is known, windows are sized for it: few wasted calls.
    assert summary.api_calls - summary.requests <= 3
    # Every call is kept, discarded at the cap or a retry; the kept windows tile the interval.
    assert summary.capped_calls == sum(entry["rows"] == 2_000 for entry in log) >= 1
    assert summary.retried_calls == 0
    assert summary.api_calls == summary.requests + summary.capped_calls
    assert len(summary.windows) == summary.requests
    assert (summary.windows[0][0], summary.windows[-1][1]) == (start, end)
    assert all(a[1] == b[0] for a, b in zip(summary.windows, summary.windows[1:], strict=False))
    assert summary.api_seconds > 0


def test_later_windows_start_at_the_size_that_worked(emu: WolkvoxEmulator) -> None:
    # A week at ~300 dials an hour: each day holds more than the cap, so every call must be small,
    # and a naive splitter that restarts from 31 days for each window would hit the cap every time.
    start, end = DAY, DAY + timedelta(days=7)
    summary, rows, log = fetch(emu, start, end, row_cap=2_000)
    assert rows == emu.ground_truth("1", start, end)
    first_kept = next(i for i, entry in enumerate(log) if entry["rows"] < 2_000)
    assert first_kept <= 3, "7 days, then 1 day, 6 hours and 90 minutes at most"
    # Every call counted, discarded ones included: at most 1.3 calls per cap's worth of rows
    # (sizing every window for a fixed 80 % of the cap spent 34 calls here, 1.5 per cap's worth).
    assert summary.api_calls == len(log) <= math.ceil(summary.rows / 2_000 * 1.3)


@pytest.mark.parametrize(("days", "expected_calls"), [(31, 1), (45, 2), (62, 2), (63, 3)])
def test_long_sparse_intervals_use_the_fewest_calls(
    token: str, monkeypatch: pytest.MonkeyPatch, days: int, expected_calls: int
) -> None:
    with WolkvoxEmulator(tokens=[token], dials_per_hour=2, telephones=500) as e:
        monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(e.base_url, token))
        summary, rows, log = fetch(e, DAY, DAY + timedelta(days=days))
        assert rows == e.ground_truth("1", DAY, DAY + timedelta(days=days))
    assert summary.api_calls == expected_calls == len(log)


def test_max_request_window_is_respected(emu: WolkvoxEmulator) -> None:
    summary, rows, log = fetch(emu, DAY, DAY + timedelta(hours=6), max_request_window=timedelta(hours=2))
    assert summary.api_calls == 3
    assert [entry["params"]["date_ini"][8:] for entry in log] == ["000000", "020000", "040000"]
    assert rows == emu.ground_truth("1", DAY, DAY + timedelta(hours=6))


def test_one_second_at_the_cap_fails_loudly(token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with WolkvoxEmulator(tokens=[token], row_cap=1, dials_per_hour=20_000) as e:
        monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(e.base_url, token))
        with pytest.raises(WolkvoxTruncatedError, match="one-second window"):
            fetch(e, DAY, DAY + timedelta(minutes=1), row_cap=1)


def test_window_that_keeps_timing_out_is_split(token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with WolkvoxEmulator(tokens=[token], seed=3, server_limit=SERVER_LIMIT) as e:
        monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(e.base_url, token, timeout=1.0))
        # A timeout long enough that a real answer never misses it on a loaded machine.
        e.set_faults(script=["timeout", "timeout"], fault_sleep=3.0)
        summary, rows, log = fetch(e, DAY, DAY + timedelta(hours=4))
        assert rows == e.ground_truth("1", DAY, DAY + timedelta(hours=4))
        assert e.stats()["simultaneous_rejections"] == 0
    kept = log[2:]
    assert [entry["params"]["date_ini"][8:] for entry in kept][:2] == ["000000", "020000"]
    assert summary.requests == 2
    # The retry and the smaller window are both sent again after a timeout...
    assert (summary.api_calls, summary.retried_calls, summary.capped_calls) == (4, 2, 0)
    # ...and each only once the server has stopped working on the request abandoned before it.
    assert all(later["started"] >= earlier["ended"] for earlier, later in itertools.pairwise(log))
    assert summary.windows == (
        (DAY, DAY + timedelta(hours=2)),
        (DAY + timedelta(hours=2), DAY + timedelta(hours=4)),
    )
    # Waiting on the API includes the two timeouts the client waited out (1 s each).
    assert summary.api_seconds >= 2.0


def test_stale_history_that_says_sparse_is_split_on_the_cap_and_loads_exactly(emu: WolkvoxEmulator) -> None:
    # Two weeks of hourly runs saw 5 rows an hour; today the campaign dials about 300 an hour.
    history = DensityHistory.empty("America/Bogota")
    for hour in range(2 * 168, 0, -1):
        a = int(DAY.timestamp()) - hour * 3600
        history = history.updated([Observation(a, a + 3600, 5)])
    start, end = DAY, DAY + timedelta(days=1)
    summary, rows, log = fetch(emu, start, end, row_cap=2_000, history=history)
    assert rows == emu.ground_truth("1", start, end)
    observed = summary.observations
    assert observed[0] == Observation(int(start.timestamp()), int(end.timestamp()), 2_000, capped=True)
    assert len(observed) == summary.api_calls == len(log)
    assert [o.rows for o in observed] == [entry["rows"] for entry in log]
    kept = [o for o in observed if not o.capped]
    assert len(kept) == summary.requests
    assert sum(o.rows for o in kept) == summary.rows
    assert [(o.start, o.end) for o in kept] == list(
        zip([int(start.timestamp())] + [o.end for o in kept[:-1]], [o.end for o in kept], strict=True)
    )
    assert kept[-1].end == int(end.timestamp())


def test_history_of_yesterday_plans_today_without_a_blind_cap(emu: WolkvoxEmulator) -> None:
    yesterday, today, tomorrow = DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)
    first, _, _ = fetch(emu, yesterday, today, row_cap=2_000)
    history = DensityHistory.empty("America/Bogota").updated(first.observations)
    emu.reset_stats()
    blind, blind_rows, _ = fetch(emu, today, tomorrow, row_cap=2_000)
    emu.reset_stats()
    planned, rows, log = fetch(emu, today, tomorrow, row_cap=2_000, history=history)
    assert rows == blind_rows == emu.ground_truth("1", today, tomorrow)
    assert log[0]["rows"] < 2_000
    assert blind.observations[0].capped
    assert planned.api_calls < blind.api_calls
