"""Where the density history lives between runs: its JSON, its scope, and its table in real SQLite,
PostgreSQL and MariaDB through their Airflow hooks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_wolkvox.exceptions import WolkvoxConfigError
from airflow_provider_wolkvox.fetching.density import (
    HOURS_OF_WEEK,
    MONTH_END_DAYS,
    DensityHistory,
    ErrorStats,
    Observation,
)
from airflow_provider_wolkvox.fetching.density_store import SCOPE_MAX, density_scope, dumps, loads
from airflow_provider_wolkvox.sql.density import SqlDensityStore

pytestmark = pytest.mark.airflow_release

KEY = ("wolkvox_default", "campaign_8", "campaign_id=12")
OTHER = ("wolkvox_default", "campaign_8", "campaign_id=13")


def test_scope_is_the_sorted_parameters_and_stays_short() -> None:
    assert density_scope({"campaign_id": " 12 "}) == "campaign_id=12"
    assert density_scope({"b": "2", "a": "1"}) == density_scope({"a": "1", "b": "2"}) == "a=1&b=2"
    long = density_scope({"campaign_id": "9" * 300})
    assert len(long) <= SCOPE_MAX
    assert long != density_scope({"campaign_id": "9" * 301})


def test_the_stored_json_round_trips_within_five_digits_and_fits_4000_characters() -> None:
    history = DensityHistory.empty("America/Bogota")
    for day in range(20):
        a = 1_790_000_000 + day * 86_400
        history = history.updated([Observation(a, a + 86_400, 123_456 + day), Observation(a, a + 7, 3)])
    small, large = 1.2345678901234567e-05, 123456.789e6
    worst = DensityHistory(
        "America/Argentina/ComodRivadavia",
        (small,) * HOURS_OF_WEEK,
        (large,) * HOURS_OF_WEEK,
        ErrorStats(19.123456789012345, -small, small),
        (small,) * MONTH_END_DAYS,
        (large,) * MONTH_END_DAYS,
        small,
    )
    assert len(dumps(worst)) <= 4000
    back = loads(dumps(history), "America/Bogota")
    assert back.rates() == pytest.approx(history.rates(), rel=1e-4)
    assert back.errors.mean == pytest.approx(history.errors.mean, rel=1e-5)
    assert back.errors.variance == pytest.approx(history.errors.variance, rel=1e-5)
    assert loads(dumps(history), "Europe/Madrid") == DensityHistory.empty("Europe/Madrid")  # other hours
    assert loads(None, "America/Bogota") == DensityHistory.empty("America/Bogota")
    for bad in ("not json", "[1, 2]", json.dumps({"version": 99})):
        with pytest.raises(WolkvoxConfigError, match="drop"):
            loads(bad, "America/Bogota")


@pytest.fixture(params=["sqlite", "postgres", "mariadb"])
def db_hook(request: pytest.FixtureRequest, tmp_path: Path, unique_name: str) -> Iterator[Any]:
    if request.param == "sqlite":
        from airflow.providers.sqlite.hooks.sqlite import SqliteHook

        monkeypatch = request.getfixturevalue("monkeypatch")
        monkeypatch.setenv(
            "AIRFLOW_CONN_WK_DENSITY", json.dumps({"conn_type": "sqlite", "host": str(tmp_path / "w.db")})
        )
        yield SqliteHook(sqlite_conn_id="wk_density")
    elif request.param == "postgres":
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        pg_dsn = request.getfixturevalue("pg_dsn")
        monkeypatch = request.getfixturevalue("monkeypatch")
        monkeypatch.setenv("AIRFLOW_CONN_WK_DENSITY", pg_dsn)
        hook = PostgresHook(postgres_conn_id="wk_density")
        yield hook
        with closing(hook.get_conn()) as conn:
            conn.autocommit = True
            conn.cursor().execute(f'DROP TABLE IF EXISTS "{unique_name}"')
    else:
        from airflow.providers.mysql.hooks.mysql import MySqlHook

        from tests.conftest import mysql_connection_json

        database = request.getfixturevalue("mariadb_database")
        monkeypatch = request.getfixturevalue("monkeypatch")
        monkeypatch.setenv("AIRFLOW_CONN_WK_DENSITY", mysql_connection_json(database))
        yield MySqlHook(mysql_conn_id="wk_density")


def rows(db_hook: Any, table: str) -> list[tuple[Any, ...]]:
    with closing(db_hook.get_conn()) as conn:
        cursor = conn.cursor()
        cursor.execute(f"SELECT wolkvox_conn_id, report_api, scope, history FROM {table} ORDER BY scope")
        return [tuple(row) for row in cursor.fetchall()]


def test_the_history_table_is_created_on_first_write_and_one_row_per_key_is_replaced(
    db_hook: Any, unique_name: str
) -> None:
    store = SqlDensityStore(db_hook, unique_name, KEY)
    assert store.read() is None  # no table yet: no history, no error
    store.write('{"a": 1}')
    store.write('{"a": 2}')
    SqlDensityStore(db_hook, unique_name, OTHER).write('{"b": 1}')
    assert store.read() == '{"a": 2}'
    assert rows(db_hook, unique_name) == [(*KEY, '{"a": 2}'), (*OTHER, '{"b": 1}')]


def test_without_create_table_a_missing_history_table_is_an_error_to_warn_about(
    db_hook: Any, unique_name: str
) -> None:
    store = SqlDensityStore(db_hook, unique_name, KEY, create_table=False)
    assert store.read() is None
    with pytest.raises(Exception, match=r"(?i)exist|no such table"):  # each driver words it its own way
        store.write("{}")
