"""``reload_previous`` catches rows the server writes late: hourly dag.test() runs of cdr_1 against an
emulator whose rows come 20 minutes after their own date, into real SQLite and PostgreSQL.

What each window should hold is worked out here, apart from the operator: a window holds the rows
the emulator had written when the last run that loaded it asked (the server's "now" is set to each
run's interval end, as on a live schedule).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pendulum
import pytest

from airflow_provider_wolkvox.client.reload import previous_windows
from airflow_provider_wolkvox.exceptions import WolkvoxConfigError
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from airflow_provider_wolkvox.transfers.report_to_sql import WolkvoxReportToSqlOperator
from tests.airflow_compat import airflow_version
from tests.unit.expected import comparable
from tests.unit.test_assets import asset_events, expected_uri
from tests.unit.test_operators import xcom
from tests.unit.test_transfer import (  # noqa: F401 (fixtures)
    Warehouse,
    dag,
    postgres_warehouse,
    sqlite_warehouse,
    states,
)

pytestmark = pytest.mark.airflow_release

BOGOTA = ZoneInfo("America/Bogota")
LAG = timedelta(minutes=20)
HOUR = timedelta(hours=1)
RUN_ENDS = [pendulum.datetime(2026, 11, 27, 14 + n, tz="UTC") for n in range(3)]  # 09:00-11:00 local
RELOADED = 2  # RELOAD_PREVIOUS of the test DAG: two hours


@pytest.fixture(params=["sqlite", "postgres"])
def warehouse(request: pytest.FixtureRequest) -> Warehouse:
    return request.getfixturevalue(f"{request.param}_warehouse")  # type: ignore[no-any-return]


def written(emulator: WolkvoxEmulator, start: datetime, now: datetime) -> Counter[tuple[str, str]]:
    """The rows of ``[start, start + 1 h)`` the emulator had written at ``now``: (UTC date, telephone)."""
    newest = (now - LAG).astimezone(BOGOTA).strftime("%Y-%m-%d %H:%M:%S")
    rows = emulator.ground_truth_rows("cdr_1", {}, start, start + HOUR)
    return Counter((_utc(row["date"]), row["telephone"]) for row in rows if row["date"] <= newest)


def _utc(local: str) -> str:
    moment = datetime.strptime(local, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BOGOTA)
    return comparable("timestamp", moment)  # type: ignore[no-any-return]


def held(warehouse: Warehouse, table: str) -> dict[str, Counter[tuple[str, str]]]:
    """The table's rows per window start: (UTC date, telephone)."""
    windows: dict[str, Counter[tuple[str, str]]] = {}
    for start, date, telephone in warehouse.query(f"SELECT window_start, date, telephone FROM {table}"):
        windows.setdefault(comparable("timestamp", start), Counter())[
            comparable("timestamp", date), telephone
        ] += 1
    return windows


def expected(emulator: WolkvoxEmulator, runs: list[pendulum.DateTime], back: int) -> dict[str, Counter[Any]]:
    """Each window as the last run that loaded it saw it (a run loads its hour and ``back`` before)."""
    last_seen: dict[datetime, datetime] = {}
    for end in runs:
        for k in range(back + 1):
            last_seen[end - HOUR * (k + 1)] = end
    return {comparable("timestamp", start): written(emulator, start, now) for start, now in last_seen.items()}


def test_late_rows_are_loaded_by_the_next_runs_and_reruns_change_nothing(
    airflow_db: Path, emulator: WolkvoxEmulator, wolkvox_conn: str, warehouse: Warehouse
) -> None:
    emulator.set_late("cdr_1", LAG)
    hourly = dag(airflow_db, f"wolkvox_test_reload_{warehouse.name}")
    for end in RUN_ENDS:
        emulator.set_clock(end)  # each run asks right when its hour ends
        run = hourly.test(logical_date=end)
        assert run.state == "success", states(run)

    with_reload = held(warehouse, "cdr_1_reload")
    assert with_reload == {k: v for k, v in expected(emulator, RUN_ENDS, RELOADED).items() if v}
    without = held(warehouse, "cdr_1_plain")
    assert without == {k: v for k, v in expected(emulator, RUN_ENDS, 0).items() if v}
    # The late rows exist: the first two hours, re-read after their lag, hold rows the plain load lacks.
    for start in RUN_ENDS[:2]:
        hour = comparable("timestamp", start - HOUR)
        final = written(emulator, start - HOUR, start + HOUR)
        assert with_reload[hour] == final
        assert 0 < sum(without[hour].values()) < sum(final.values())

    ledger = warehouse.query(
        "SELECT target_table, window_start, rows_loaded, api_calls FROM wolkvox_loads ORDER BY loaded_at"
    )
    reload_loads = [row for row in ledger if row[0] == "cdr_1_reload"]
    assert len(reload_loads) == len(RUN_ENDS) * (RELOADED + 1)  # every window's load has its ledger row
    # One call per hour at least (a slow answer may be asked again), and every call the emulator
    # answered, retries included, is counted in the ledger of the table it was for.
    assert sum(row[3] for row in reload_loads) >= len(RUN_ENDS) * (RELOADED + 1)
    assert sum(row[3] for row in ledger if row[0] == "cdr_1_plain") >= len(RUN_ENDS)
    served = [entry for entry in emulator.stats()["log"] if entry["api"] == "cdr_1"]
    assert sum(row[3] for row in ledger) == len(served)

    every_column_but_loaded_at = (
        "SELECT window_start, window_end, answer_row, agent_name, date, destiny, telephone, cost, time_seg, "
        "cod_act, type_interaction FROM cdr_1_reload ORDER BY window_start, answer_row"
    )
    before = warehouse.query(every_column_but_loaded_at)
    again = hourly.test(logical_date=RUN_ENDS[-1])  # the same clock: nothing more was written
    assert again.state == "success", states(again)
    assert warehouse.query(every_column_but_loaded_at) == before
    assert held(warehouse, "cdr_1_reload") == with_reload

    earlier = [RUN_ENDS[-1] - HOUR * k for k in (3, 2)]  # the two hours before the last run's
    sizes = [sum(with_reload[comparable("timestamp", start)].values()) for start in earlier]
    spans = [[start.isoformat(), (start + HOUR).isoformat()] for start in earlier]
    result = xcom(again, "reload")
    assert [[r["window_start"], r["window_end"], r["rows"], r["api_calls"]] for r in result["reloaded"]] == [
        [*span, size, 1] for span, size in zip(spans, sizes, strict=True)
    ]
    assert "reloaded" not in xcom(again, "plain")
    [extra] = asset_events(again.run_id)[expected_uri(warehouse, "cdr_1_reload")]  # the table's own asset
    windows = extra["reloaded_windows"]  # JSON text through an alias on 3.0 (see _compat.alias_event_extra)
    assert (json.loads(windows) if airflow_version() < (3, 1) else windows) == spans
    assert (extra["reload_api_calls"], extra["reload_rows_loaded"]) == (
        2,
        sum(sizes),
    )


@pytest.mark.parametrize("value", [-1, True, timedelta(hours=-1), "2h", 1.5])
def test_a_bad_reload_previous_is_refused_when_the_dag_is_parsed(value: Any) -> None:
    with pytest.raises(WolkvoxConfigError, match="reload_previous must be"):
        WolkvoxReportToSqlOperator(task_id="t", api="cdr_1", sql_conn_id="x", reload_previous=value)


UTC = "UTC"
SPRING_FORWARD = (pendulum.datetime(2026, 3, 8, 5, tz=UTC), pendulum.datetime(2026, 3, 9, 4, tz=UTC))
"""2026-03-08 in New York: 23 hours."""
NEXT_DAY = (SPRING_FORWARD[1], pendulum.datetime(2026, 3, 10, 4, tz=UTC))
MARCH_7 = (pendulum.datetime(2026, 3, 7, 5, tz=UTC), SPRING_FORWARD[0])


def test_earlier_windows_are_the_timetables_own_intervals() -> None:
    from airflow.timetables.interval import CronDataIntervalTimetable

    infer = CronDataIntervalTimetable("0 0 * * *", timezone="America/New_York").infer_manual_data_interval

    def before(moment: pendulum.DateTime) -> tuple[pendulum.DateTime, pendulum.DateTime]:
        interval = infer(run_after=moment)
        return interval.start, interval.end

    assert previous_windows(*NEXT_DAY, 2, before) == [MARCH_7, SPRING_FORWARD]
    assert previous_windows(*NEXT_DAY, timedelta(hours=30), before) == [MARCH_7, SPRING_FORWARD]
    # Without a timetable, or one whose interval is not the run's: the run's 24 hours moved back.
    moved = [(NEXT_DAY[0].subtract(hours=24), NEXT_DAY[0])]
    assert previous_windows(*NEXT_DAY, 1) == moved
    shifted = (NEXT_DAY[0].add(hours=1), NEXT_DAY[1].add(hours=1))
    assert previous_windows(*shifted, 1, before) == [(shifted[0].subtract(hours=24), shifted[0])]


def test_a_day_with_summer_time_change_is_reloaded_with_its_own_bounds(
    airflow_db: Path,
    emulator: WolkvoxEmulator,
    wolkvox_conn: str,
    sqlite_warehouse: Warehouse,  # noqa: F811
) -> None:
    """The run of 2026-03-09 re-reads 2026-03-08, a 23-hour day (whose run re-read 2026-03-07):
    one window per day, none overlapping another."""
    days = dag(airflow_db, "wolkvox_test_reload_new_york_days")
    for end in (SPRING_FORWARD[1], NEXT_DAY[1]):
        run = days.test(logical_date=end)
        assert run.state == "success", states(run)
    stored: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for start, end, agent, calls in sqlite_warehouse.query(
        "SELECT window_start, window_end, agent_name, calls FROM cdr_2_days"
    ):
        stored.setdefault((comparable("timestamp", start), comparable("timestamp", end)), []).append(
            (agent, calls)
        )
    expected = {
        (comparable("timestamp", start), comparable("timestamp", end)): sorted(
            (row["agent_name"], int(row["calls"]))
            for row in emulator.ground_truth_rows("cdr_2", {}, start, end)
        )
        for start, end in (MARCH_7, SPRING_FORWARD, NEXT_DAY)
    }
    assert {window: sorted(rows) for window, rows in stored.items()} == expected
    ledger = sqlite_warehouse.query(
        "SELECT window_start, window_end FROM wolkvox_loads ORDER BY loaded_at, window_start"
    )
    assert len(ledger) == 4  # each run: the day before, then its own


def test_a_run_that_fails_after_reloading_changes_nothing_twice(
    airflow_db: Path,
    emulator: WolkvoxEmulator,
    wolkvox_conn: str,
    sqlite_warehouse: Warehouse,  # noqa: F811
) -> None:
    """The day before is replaced (its own transaction), then the run's own day fails: the day before
    holds the new rows, the run's day nothing; the run again leaves both exact."""
    days = dag(airflow_db, "wolkvox_test_reload_new_york_days")
    emulator.set_faults(script=["none", "html"])  # the second call, for the run's own day, answers HTML
    failed = days.test(logical_date=NEXT_DAY[1])
    assert states(failed) == {"reload": "failed"}
    loaded = sqlite_warehouse.query("SELECT window_start, count(*) FROM cdr_2_days GROUP BY window_start")
    truth = {day: len(emulator.ground_truth_rows("cdr_2", {}, *day)) for day in (SPRING_FORWARD, NEXT_DAY)}
    assert [(comparable("timestamp", start), rows) for start, rows in loaded] == [
        (comparable("timestamp", SPRING_FORWARD[0]), truth[SPRING_FORWARD])
    ]
    assert len(sqlite_warehouse.query("SELECT 1 FROM wolkvox_loads WHERE failed IS NULL")) == 1
    # The run's own day failed in its fetch: its one call is in a row of its own, marked failed (the
    # reloaded day's call is in that day's row); the two add up to the server's log.
    assert sqlite_warehouse.query(
        "SELECT api_calls, rows_loaded, rows_replaced FROM wolkvox_loads WHERE failed IS NOT NULL"
    ) == [(1, 0, 0)]
    assert sqlite_warehouse.query("SELECT SUM(api_calls) FROM wolkvox_loads") == [
        (emulator.stats()["requests"],)
    ]
    emulator.set_faults()
    again = days.test(logical_date=NEXT_DAY[1])
    assert again.state == "success", states(again)
    loaded = sqlite_warehouse.query(
        "SELECT window_start, count(*) FROM cdr_2_days GROUP BY window_start ORDER BY window_start"
    )
    assert [(comparable("timestamp", start), rows) for start, rows in loaded] == [
        (comparable("timestamp", day[0]), truth[day]) for day in (SPRING_FORWARD, NEXT_DAY)
    ]
