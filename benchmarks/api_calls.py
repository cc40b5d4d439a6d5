"""API calls spent on a 31-day backfill, counted on the emulator's side.

Three ways to fetch the same 31 days of campaign_8:

- the provider, one run over the whole span (``fetch_interval``, as
  ``MachineCodesToSqlOperator`` with ``window_start``/``window_end`` set to the month);
- the provider, 31 daily runs (a daily DAG backfilled over the month);
- the naive glue: one GET per hourly interval (an hourly DAG of ``HttpOperator`` +
  ``insert_rows``, backfilled), sent here as plain GETs.

Each is counted as HTTP requests in ``emulator.stats()``. The minimum is what a client
that knew every dial in advance would need (:func:`benchmarks.dataset.fewest_windows`).
"""

from __future__ import annotations

import math
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from benchmarks.dataset import Density, fewest_windows
from benchmarks.emulator_proc import BOGOTA, EmulatorProcess
from benchmarks.runner import run_case

CAMPAIGN = "1"
START = 1_793_509_200  # 2026-11-01T05:00:00Z: local midnight in Bogota
DAYS = 31
ROW_CAP = 60_000

DENSITIES = {
    "low": Density(seed=5, telephones=4_000, dials_per_hour=300),
    "high": Density(seed=5, telephones=2_000_000, dials_per_hour=4_000),
}
"""low: ~7,200 dials a day over 4,000 numbers, about 3,000 distinct telephones a day.
high: ~96,000 dials a day over 2,000,000 numbers, about 85,000 distinct telephones a day."""


@dataclass
class CallsResult:
    density: Density
    telephones_per_day: float
    distinct: int
    provider_calls: int
    provider_requests: int
    provider_rows: int
    daily_calls: int
    naive_calls: int
    minimum_calls: int
    minimum_rows: int
    lower_bound: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "telephones": self.density.telephones,
            "dials_per_hour": self.density.dials_per_hour,
            "distinct_telephones_per_day": self.telephones_per_day,
            "distinct_telephones_31_days": self.distinct,
            "provider_one_run": {
                "api_calls": self.provider_calls,
                "kept_requests": self.provider_requests,
                "rows_received": self.provider_rows,
            },
            "provider_31_daily_runs": {"api_calls": self.daily_calls},
            "naive_hourly": {"api_calls": self.naive_calls},
            "minimum": {"api_calls": self.minimum_calls, "rows_received": self.minimum_rows},
            "lower_bound": self.lower_bound,
            "provider_over_minimum": self.provider_calls / self.minimum_calls,
        }


def iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat()


def count_calls(
    densities: dict[str, Density], work: Path, env: dict[str, str], log: Callable[[str], None]
) -> dict[str, CallsResult]:
    results = {}
    end = START + DAYS * 86_400
    for name, density in densities.items():
        data = density.data()
        log(f"[calls {name}] the fewest windows a client knowing the data could use ...")
        fewest = fewest_windows(data, CAMPAIGN, START, end, ROW_CAP)
        per_day = (
            sum(_distinct(data, START + d * 86_400, START + (d + 1) * 86_400) for d in range(DAYS)) / DAYS
        )
        lower = max(math.ceil(DAYS / 31), math.ceil(fewest.distinct / (ROW_CAP - 1)))
        with EmulatorProcess(density, row_cap=ROW_CAP) as emulator:
            case_env = {**env, "AIRFLOW_CONN_WOLKVOX_BENCH": emulator.connection()}
            one = run_case("fetch_calls", _args([(START, end)]), case_env).result
            one_seen = emulator.stats()["requests"]
            emulator.reset()
            days = [(START + d * 86_400, START + (d + 1) * 86_400) for d in range(DAYS)]
            daily = run_case("fetch_calls", _args(days), case_env).result
            daily_seen = emulator.stats()["requests"]
            emulator.reset()
            naive_seen = _naive_hourly(emulator, START, end)
        if (one_seen, daily_seen) != (one["api_calls"], daily["api_calls"]):
            log(
                f"[calls {name}] the hook counted {one['api_calls']}/{daily['api_calls']} calls, "
                f"the emulator saw {one_seen}/{daily_seen}"
            )
        results[name] = CallsResult(
            density=density,
            telephones_per_day=per_day,
            distinct=fewest.distinct,
            provider_calls=one_seen,
            provider_requests=one["requests"],
            provider_rows=one["rows"],
            daily_calls=daily_seen,
            naive_calls=naive_seen,
            minimum_calls=fewest.windows,
            minimum_rows=fewest.rows,
            lower_bound=lower,
        )
        log(
            f"[calls {name}] provider {one_seen}, daily runs {daily_seen}, naive {naive_seen}, "
            f"minimum {fewest.windows} (lower bound {lower}); {per_day:,.0f} telephones a day"
        )
    return results


def _args(windows: list[tuple[int, int]]) -> dict[str, Any]:
    return {
        "campaign_id": CAMPAIGN,
        "wolkvox_conn_id": "wolkvox_bench",
        "windows": [[iso(a), iso(b)] for a, b in windows],
    }


def _distinct(data: Any, start: int, end: int) -> int:
    from benchmarks.dataset import distinct_telephones

    return distinct_telephones(data, CAMPAIGN, start, end)


def _naive_hourly(emulator: EmulatorProcess, start: int, end: int) -> int:
    """One GET per hourly interval, as an hourly HttpOperator DAG would send; the emulator counts them."""
    for hour in range(start, end, 3600):
        first = datetime.fromtimestamp(hour, timezone.utc).astimezone(BOGOTA)
        last = first + timedelta(seconds=3599)
        query = urllib.parse.urlencode(
            {
                "api": "campaign_8",
                "campaign_id": CAMPAIGN,
                "date_ini": first.strftime("%Y%m%d%H%M%S"),
                "date_end": last.strftime("%Y%m%d%H%M%S"),
            }
        )
        request = urllib.request.Request(
            f"{emulator.base_url}/api/v2/reports_manager.php?{query}",
            headers={"wolkvox-token": emulator.token},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:
                answer.read()
        except urllib.error.HTTPError as err:  # 404 "Validate dates entered": an empty hour
            err.read()
    requests: int = emulator.stats()["requests"]
    return requests
