"""The empty-answer guard and the load ledger on every load path: SQLite, generic DB-API, COPY,
MySQL multi-row INSERT.

Real databases throughout: a SQLite file (through SqliteHook and through the generic path),
PostgreSQL in a schema of its own and MariaDB in a database of its own.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pendulum
import pytest
from airflow.providers.common.sql.hooks.sql import DbApiHook
from airflow.providers.sqlite.hooks.sqlite import SqliteHook

from airflow_provider_wolkvox.exceptions import WolkvoxEmptyAnswerError
from airflow_provider_wolkvox.sql import load_window
from airflow_provider_wolkvox.sql.job import LedgerEntry
from airflow_provider_wolkvox.sql.ledger import LEDGER_COLUMNS, create_ledger_sql, ledger_doc

from ..conftest import pg_schema
from .test_sql_load import END, LOADED, START, PlainSqliteHook, failing_rows, make_rows

pytestmark = pytest.mark.airflow_release

TROUBLESHOOTING = Path(__file__).resolve().parents[2] / "docs" / "troubleshooting.md"


def documented_queries() -> list[str]:
    """The ```sql blocks of docs/troubleshooting.md marked ``-- ledger: SQLite, PostgreSQL``."""
    blocks = re.findall(r"```sql\n(.*?)```", TROUBLESHOOTING.read_text(encoding="utf-8"), re.DOTALL)
    return [block for block in blocks if block.startswith("-- ledger: SQLite, PostgreSQL")]


WINDOW_LOADS, USAGE_PER_DAY, CLEARED = documented_queries()

ENTRY = LedgerEntry(
    wolkvox_conn_id="wolkvox_default",
    rows_received=25,
    requests=2,
    api_calls=4,
    capped_calls=1,
    retried_calls=1,
    request_windows=((START, START.add(minutes=30)), (START.add(minutes=30), END)),
    dag_id="a_dag",
    run_id="a_run",
    task_id="load",
    try_number=2,
)


@dataclass
class Target:
    """One load path under test: a hook, where its tables live, and how to read them back."""

    name: str
    hook: DbApiHook
    schema: str | None
    query: Callable[[str], list[tuple[Any, ...]]]

    def table(self, name: str) -> str:
        return f"{self.schema}.{name}" if self.schema else name

    def dump(self) -> list[tuple[Any, ...]]:
        """Both tables, every column: equal dumps mean nothing changed."""
        data = self.query(f"SELECT * FROM {self.table('machine_codes')} ORDER BY 1, 2, 3, 4")
        return [*data, ("--",), *self.query(f"SELECT * FROM {self.table('wolkvox_loads')} ORDER BY 1")]

    def ledger(self) -> list[dict[str, Any]]:
        names = [name for name, *_ in LEDGER_COLUMNS]
        rows = self.query(f"SELECT {', '.join(names)} FROM {self.table('wolkvox_loads')} ORDER BY loaded_at")
        return [dict(zip(names, row, strict=True)) for row in rows]


def _sqlite_query(path: Path) -> Callable[[str], list[tuple[Any, ...]]]:
    def query(sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(path) as conn:
            return conn.execute(sql).fetchall()

    return query


@pytest.fixture(params=["sqlite", "generic", "postgres", pytest.param("mysql", marks=pytest.mark.mariadb)])
def target(
    request: pytest.FixtureRequest, tmp_path: Path, unique_name: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Target]:
    if request.param == "mysql":
        yield _mysql_target(request, unique_name, monkeypatch)
        return
    if request.param != "postgres":
        path = tmp_path / "warehouse.sqlite"
        conn_id = f"wk_{request.param}_{unique_name}"
        if request.param == "sqlite":
            connection: dict[str, Any] = {"conn_type": "sqlite", "host": str(path)}
            hook: DbApiHook = SqliteHook(sqlite_conn_id=conn_id)  # type: ignore[no-untyped-call,unused-ignore]
        else:
            connection = {"conn_type": "generic", "extra": {"path": str(path)}}
            hook = PlainSqliteHook(plain_conn_id=conn_id)
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(connection))
        yield Target(request.param, hook, None, _sqlite_query(path))
        return
    import psycopg

    from .test_sql_load_postgres import pg_hook

    pg_dsn = request.getfixturevalue("pg_dsn")

    def query(sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(pg_dsn, options="-c TimeZone=UTC") as conn:
            return list(conn.execute(sql).fetchall())  # type: ignore[arg-type]

    with pg_schema(pg_dsn, unique_name):
        yield Target("postgres", pg_hook(pg_dsn, monkeypatch, unique_name), unique_name, query)


def _mysql_target(
    request: pytest.FixtureRequest, unique_name: str, monkeypatch: pytest.MonkeyPatch
) -> Target:
    """MariaDB through MySqlHook: DDL commits there, so the tables are made before the load's
    transaction, and the guard and the ledger row must still roll back with the data."""
    from airflow.providers.mysql.hooks.mysql import MySqlHook

    from tests.conftest import mariadb_connect, mysql_connection_json

    database = request.getfixturevalue("mariadb_database")
    conn_id = f"wk_my_{unique_name}"
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", mysql_connection_json(database))

    def query(sql: str) -> list[tuple[Any, ...]]:
        conn = mariadb_connect(database, time_zone="+00:00")
        try:
            cursor = conn.cursor()
            cursor.execute(sql)
            return list(cursor.fetchall())
        finally:
            conn.close()

    return Target("mysql", MySqlHook(mysql_conn_id=conn_id), None, query)


def load(target: Target, rows: Any, **kwargs: Any) -> int:
    args: dict[str, Any] = {
        "table": target.table("machine_codes"),
        "campaign_id": "42",
        "window_start": START,
        "window_end": END,
        "loaded_at": LOADED,
        "ledger": ENTRY,
    }
    args.update(kwargs)
    return load_window(target.hook, rows=rows, **args)


def utc(value: Any) -> datetime:
    """A ledger time as an aware UTC datetime, whatever form the path stores it in."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def test_an_empty_answer_over_loaded_rows_fails_and_changes_nothing(target: Target) -> None:
    load(target, make_rows(10))
    before = target.dump()
    with pytest.raises(WolkvoxEmptyAnswerError) as err:
        load(target, iter(()), loaded_at=LOADED + timedelta(hours=1))
    message = str(err.value)
    for needed in ("10 rows are already loaded", "'wolkvox_default'", "server and token", "allow_empty=True"):
        assert needed in message
    assert target.dump() == before


def test_allow_empty_clears_the_window_and_the_ledger_says_so(target: Target) -> None:
    load(target, make_rows(10))
    load(target, make_rows(3), campaign_id="43")
    assert load(target, [], allow_empty=True, loaded_at=LOADED + timedelta(hours=1)) == 0
    assert {row[0] for row in target.query(f"SELECT campaign_id FROM {target.table('machine_codes')}")} == {
        "43"
    }
    last = target.ledger()[-1]
    assert (last["campaign_id"], last["rows_loaded"], last["rows_replaced"]) == ("42", 0, 10)


def test_an_empty_first_load_is_loaded_and_empty_not_never_loaded(target: Target) -> None:
    assert load(target, []) == 0  # nothing to wipe: no guard
    loaded = f"SELECT rows_loaded FROM {target.table('wolkvox_loads')} WHERE campaign_id = '%s'"
    assert target.query(loaded % "42") == [(0,)]  # loaded, and empty
    assert target.query(loaded % "43") == []  # never loaded
    load(target, [])  # an empty window loaded empty again: nothing is wiped either
    assert target.query(loaded % "42") == [(0,), (0,)]


def test_ledger_rows_match_the_loads_exactly(target: Target) -> None:
    load(target, make_rows(25))
    with pytest.raises(RuntimeError):  # a failed load adds no ledger row
        load(target, failing_rows(12_000), loaded_at=LOADED + timedelta(hours=1))
    retried = LedgerEntry(**{**ENTRY.__dict__, "try_number": 3, "api_calls": 2, "retried_calls": 0})
    load(target, make_rows(20), ledger=retried, loaded_at=LOADED + timedelta(hours=2))
    later = {"loaded_at": LOADED + timedelta(hours=3), "ledger": None}
    load(target, make_rows(5), window_start=END, window_end=END.add(hours=1), **later)

    first, second, third = target.ledger()
    assert {k: first[k] for k in ("wolkvox_conn_id", "report_api", "campaign_id", "target_table")} == {
        "wolkvox_conn_id": "wolkvox_default",
        "report_api": "campaign_8",
        "campaign_id": "42",
        "target_table": target.table("machine_codes"),
    }
    figures = ("rows_received", "rows_loaded", "rows_replaced", "requests", "api_calls", "capped_calls")
    assert [first[k] for k in figures] == [25, 25, 0, 2, 4, 1]
    assert (first["retried_calls"], first["dag_id"], first["run_id"], first["task_id"]) == (
        1,
        "a_dag",
        "a_run",
        "load",
    )
    assert (first["try_number"], second["try_number"]) == (2, 3)
    assert [second[k] for k in ("rows_loaded", "rows_replaced", "api_calls")] == [20, 25, 2]
    assert (utc(first["window_start"]), utc(first["window_end"])) == (START, END)
    assert (utc(first["loaded_at"]), utc(second["loaded_at"])) == (
        LOADED.replace(microsecond=0),
        LOADED.replace(microsecond=0) + timedelta(hours=2),
    )
    assert json.loads(first["request_windows"]) == [
        ["2026-11-27T06:00:00+00:00", "2026-11-27T06:30:00+00:00"],
        ["2026-11-27T06:30:00+00:00", "2026-11-27T07:00:00+00:00"],
    ]
    # A load without an entry records what the load itself knows, and nulls for the rest.
    assert [third[k] for k in ("rows_loaded", "api_calls", "request_windows", "dag_id")] == [
        5,
        None,
        None,
        None,
    ]
    assert len({first["load_id"], second["load_id"], third["load_id"]}) == 3


def test_api_usage_per_connection_per_day_is_one_query(target: Target) -> None:
    load(target, make_rows(2))
    load(target, make_rows(2), loaded_at=LOADED + timedelta(hours=3))
    load(target, make_rows(2), ledger=LedgerEntry(wolkvox_conn_id="other", api_calls=7))
    load(target, make_rows(2), loaded_at=LOADED + timedelta(days=1))
    sql = USAGE_PER_DAY.replace("wolkvox_loads", target.table("wolkvox_loads"))
    usage = [(conn, str(day), int(calls)) for conn, day, calls in target.query(sql)]
    assert usage == [
        ("other", "2026-11-27", 7),
        ("wolkvox_default", "2026-11-27", 8),
        ("wolkvox_default", "2026-11-28", 4),
    ]


def test_no_ledger_when_told(target: Target) -> None:
    load(target, make_rows(2), ledger_table=None)
    with pytest.raises(Exception, match="wolkvox_loads"):
        target.query(f"SELECT * FROM {target.table('wolkvox_loads')}")


def test_ledger_ddl_and_doc_list_every_column() -> None:
    assert "TEXT" in create_ledger_sql("mysql")  # request windows outgrow VARCHAR(255)
    assert "timestamptz" in create_ledger_sql("postgresql", "audit.loads")
    assert all(f"`{name}`" in ledger_doc() for name, *_ in LEDGER_COLUMNS)


def test_pendulum_windows_are_recorded_as_utc(target: Target) -> None:
    bogota = pendulum.timezone("America/Bogota")
    entry = LedgerEntry(request_windows=((START.in_timezone(bogota), END.in_timezone(bogota)),))
    load(target, make_rows(1), ledger=entry)
    assert json.loads(target.ledger()[0]["request_windows"]) == [
        ["2026-11-27T06:00:00+00:00", "2026-11-27T07:00:00+00:00"]
    ]


def test_the_documented_window_and_cleared_queries_answer(target: Target) -> None:
    if target.name in ("generic", "mysql"):
        pytest.skip("the documented literals are in the SQLite and PostgreSQL time forms")
    hour = {"window_start": START.add(hours=8), "window_end": END.add(hours=8)}
    load(target, make_rows(4), **hour)
    load(target, [], allow_empty=True, loaded_at=LOADED + timedelta(hours=1), campaign_id="1", **hour)
    load(target, make_rows(3), campaign_id="1", loaded_at=LOADED + timedelta(hours=2), **hour)
    load(target, [], allow_empty=True, campaign_id="1", loaded_at=LOADED + timedelta(hours=3), **hour)
    table = target.table("wolkvox_loads")
    window = target.query(WINDOW_LOADS.replace("wolkvox_loads", table))
    assert [(row[1], row[2], row[6]) for row in window] == [(0, 3, 2), (3, 0, 2), (0, 0, 2)]
    cleared = target.query(CLEARED.replace("wolkvox_loads", table))
    assert [(row[1], row[3]) for row in cleared] == [("1", 3)]


def test_many_request_windows_are_summarised_to_fit_any_free_text_column(target: Target) -> None:
    minutes = [(START.add(minutes=i), START.add(minutes=i + 1)) for i in range(100)]
    load(target, make_rows(1), ledger=LedgerEntry(request_windows=minutes))
    stored = target.ledger()[0]["request_windows"]
    assert len(stored) <= 4000
    assert json.loads(stored) == {
        "count": 100,
        "first": ["2026-11-27T06:00:00+00:00", "2026-11-27T06:01:00+00:00"],
        "last": ["2026-11-27T07:39:00+00:00", "2026-11-27T07:40:00+00:00"],
    }
