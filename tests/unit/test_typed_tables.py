"""Tables an analyst can use as they land (issue 23): typed schema on read, on SQLite, PostgreSQL
and MariaDB.

The daily core set (cdr_1, agent_3, skill_1 with skill_id="all") loaded by the SQL operator in
``dag.test()`` gives numeric columns for counts, durations and money, percentages as numbers and
skill_1's real ids under their own name: ``SELECT SUM(...)`` works without a cast and equals the
sums of the emulator's own answers. A found column that widens across loads (integer -> decimal
-> text) keeps every value and the row counts exact, and a load repeated after the widening
leaves the same rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_wolkvox._compat import BaseHook
from airflow_provider_wolkvox.reports import REPORTS
from airflow_provider_wolkvox.reports.found import INT, NUM, TEXT, FoundTypes
from airflow_provider_wolkvox.reports.stored import stored_spec, with_extras
from airflow_provider_wolkvox.sql import load_window
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.airflow_compat import newest_release_only
from tests.unit import test_transfer
from tests.unit.test_transfer import (  # noqa: F401 (fixtures)
    Warehouse,
    mariadb_warehouse,
    postgres_warehouse,
    sqlite_warehouse,
)

pytestmark = pytest.mark.airflow_release

START = datetime(2026, 11, 27, 13, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)
LOGICAL = datetime(2026, 11, 27, 20, tzinfo=timezone.utc)
WAREHOUSES = ["sqlite", "postgres", "mariadb"]

heavy = newest_release_only("loading the daily core set (provider logic, not Airflow compatibility)")


def number(value: Any) -> Decimal:
    """A SUM as the warehouse returns it (int, Decimal, or SQLite's float), refusing text."""
    assert not isinstance(value, str), f"{value!r} is text: the column is not numeric"
    return Decimal(str(value))


@heavy
@pytest.mark.parametrize("name", WAREHOUSES)
def test_the_daily_core_set_sums_without_casts(
    name: str, airflow_db: Path, emulator: WolkvoxEmulator, wolkvox_conn: str, request: pytest.FixtureRequest
) -> None:
    wh: Warehouse = request.getfixturevalue(f"{name}_warehouse")
    run = test_transfer.dag(airflow_db, f"wolkvox_test_any_{name}").test(logical_date=LOGICAL)
    assert run.state == "success", test_transfer.states(run)

    # skill_1: one answer per request window (an hour), every metric found on read.
    answers = [
        emulator.ground_truth_rows("skill_1", {"skill_id": "all"}, START + HOUR * i, START + HOUR * (i + 1))
        for i in range(4)
    ]
    rows = [row for answer in answers for row in answer]
    got = wh.query(
        "SELECT SUM(inbound_calls), SUM(answer_calls), SUM(service_level_10seg), SUM(wait_time), COUNT(*) "
        "FROM wolkvox_skill_1"
    )[0]
    assert number(got[0]) == sum(int(r["inbound_calls"]) for r in rows)
    assert number(got[1]) == sum(int(r["answer_calls"]) for r in rows)
    service = sum(Decimal(r["service_level_10seg"].removesuffix("%")) for r in rows)
    assert round(number(got[2]), 2) == service  # SQLite sums its NUMERIC column as a float
    assert number(got[3]) == sum(int(r["wait_time"]) for r in rows)
    assert got[4] == len(rows)
    ids = wh.query("SELECT DISTINCT requested_skill_id, skill_id FROM wolkvox_skill_1")
    assert sorted(ids) == sorted({("all", r["skill_id"]) for r in rows})

    # cdr_1: money and seconds; agent_3: seconds per state.
    calls = emulator.ground_truth_rows("cdr_1", {}, START, START + 4 * HOUR)
    cost, seconds, count = wh.query("SELECT SUM(cost), SUM(time_seg), COUNT(*) FROM wolkvox_cdr_1")[0]
    assert (number(cost), number(seconds), count) == (
        sum(Decimal(r["cost"]) for r in calls),
        sum(int(r["time_seg"]) for r in calls),
        len(calls),
    )
    states_ = emulator.ground_truth_rows("agent_3", {}, START, START + 4 * HOUR)
    [(time,)] = wh.query("SELECT SUM(time) FROM wolkvox_agent_3")
    assert number(time) == sum(int(r["time"]) for r in states_)


TABLE = "wolkvox_skill_1"
SPEC = with_extras(stored_spec(REPORTS["skill_1"]), ("queue",))
"""skill_1 with one field found on read, ``queue``, whose values widen its column load by load."""


def load(wh: Warehouse, hour: int, values: list[str], kind: str) -> int:
    start = START + HOUR * hour
    db_hook = BaseHook.get_connection(f"wolkvox_{wh.name}").get_hook()  # type: ignore[no-untyped-call]
    return load_window(
        db_hook,
        table=TABLE,
        report_params={"skill_id": "all"},
        window_start=start,
        window_end=start + HOUR,
        rows=[(start, start + HOUR, n, value) for n, value in enumerate(values, 1)],
        spec=SPEC,
        found_types=FoundTypes({"queue": kind}, "UTC"),  # type: ignore[dict-item]
    )


def queue(wh: Warehouse) -> list[tuple[int, Any]]:
    return [
        (int(n), v)
        for n, v in wh.query(f"SELECT answer_row, queue FROM {TABLE} ORDER BY window_start, answer_row")
    ]


def column_type(wh: Warehouse) -> str:
    if wh.name == "sqlite":
        return next(str(t) for _, n, t, *_ in wh.query(f"PRAGMA table_info({TABLE})") if n == "queue").lower()
    where = " AND table_schema = DATABASE()" if wh.name == "mariadb" else ""
    [(kind,)] = wh.query(
        "SELECT data_type FROM information_schema.columns "
        f"WHERE table_name = '{TABLE}' AND column_name = 'queue'{where}"
    )
    return str(kind).lower()


@pytest.mark.parametrize("name", WAREHOUSES)
def test_a_found_column_widens_across_loads_keeping_every_value(
    name: str, request: pytest.FixtureRequest
) -> None:
    wh: Warehouse = request.getfixturevalue(f"{name}_warehouse")
    integer, decimal, text = {
        "sqlite": ("integer", "numeric", "text"),
        "postgres": ("integer", "numeric", "text"),
        "mariadb": ("int", "decimal", "mediumtext"),
    }[name]
    assert load(wh, 0, ["7", "8"], INT) == 2
    assert column_type(wh) == integer
    assert queue(wh) == [(1, 7), (2, 8)]
    assert load(wh, 1, ["7.5"], NUM) == 1
    assert column_type(wh) == decimal
    assert [(n, Decimal(str(v))) for n, v in queue(wh)] == [(1, 7), (2, 8), (1, Decimal("7.5"))]
    assert load(wh, 2, ["n/a", "83.82%"], TEXT) == 2
    assert column_type(wh) == text
    widened = queue(wh)
    assert [(n, Decimal(v)) for n, v in widened[:3]] == [(1, 7), (2, 8), (1, Decimal("7.5"))]
    assert widened[3:] == [(1, "n/a"), (2, "83.82%")]
    # Never narrowed: integers again land in the text column, as sent; a repeat changes nothing.
    assert load(wh, 0, ["7", "8"], INT) == 2
    assert column_type(wh) == text
    again = queue(wh)
    assert len(again) == 5
    assert again[:2] == [(1, "7"), (2, "8")]
    assert again[2:] == widened[2:]
    assert load(wh, 0, ["7", "8"], INT) == 2
    assert queue(wh) == again
