"""MachineCodesToSqlOperator and the example DAGs, run by dag.test() into real SQLite and PostgreSQL."""

from __future__ import annotations

import json
import socket
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest

from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.airflow_compat import dag_bag, task_text

pytestmark = pytest.mark.airflow_release

EXAMPLE_DAGS = Path(__file__).parents[2] / "example_dags"
END = pendulum.datetime(2026, 11, 27, 15, tz="UTC")
HOUR = (END.subtract(hours=1), END)
FOUR_HOURS = (pendulum.datetime(2026, 11, 27, 5, tz="UTC"), pendulum.datetime(2026, 11, 27, 9, tz="UTC"))
COUNTS = "total_machine_recognitions, no_answer, answer_machine, busy, congestion, failed"


class Warehouse:
    """One warehouse under test: where ``wolkvox_<name>`` points, and how to read it back."""

    def __init__(
        self, name: str, query: Callable[[str], list[tuple[Any, ...]]], execute: Callable[[str], None]
    ):
        self.name, self.query, self.execute = name, query, execute

    def window(self, campaign_id: str, start: pendulum.DateTime) -> dict[str, tuple[int, ...]]:
        rows = self.query(f"SELECT campaign_id, window_start, telephone, {COUNTS} FROM wolkvox_machine_codes")
        return {
            r[2]: tuple(r[3:])
            for r in rows
            if r[0] == campaign_id and pendulum.instance(_as_datetime(r[1])) == start
        }

    def dump(self) -> list[tuple[Any, ...]]:
        """Every row and column, loaded_at included: the table byte for byte."""
        return self.query("SELECT * FROM wolkvox_machine_codes ORDER BY campaign_id, window_start, telephone")


def _as_datetime(value: Any) -> Any:
    return pendulum.parse(value) if isinstance(value, str) else value


@pytest.fixture
def sqlite_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Warehouse:
    path = tmp_path / "warehouse.db"
    monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_SQLITE", json.dumps({"conn_type": "sqlite", "host": str(path)}))

    def query(sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(path) as db:
            return db.execute(sql).fetchall()

    def execute(sql: str) -> None:
        with sqlite3.connect(path) as db:
            db.executescript(sql)

    return Warehouse("sqlite", query, execute)


@pytest.fixture
def postgres_warehouse(pg_dsn: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Warehouse]:
    import psycopg

    from tests import leftovers

    database = f"wolkvox_unit_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {database}")
        admin.execute(leftovers.mark_database_sql(database))  # type: ignore[arg-type]
    dsn = pg_dsn.rsplit("/", 1)[0] + "/" + database
    monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_POSTGRES", dsn.replace("postgresql://", "postgres://"))

    def query(sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(dsn) as db:
            return db.execute(sql).fetchall()

    def execute(sql: str) -> None:
        with psycopg.connect(dsn, autocommit=True) as db:
            db.execute(sql)

    yield Warehouse("postgres", query, execute)
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


@pytest.fixture
def mariadb_warehouse(mariadb_database: str, monkeypatch: pytest.MonkeyPatch) -> Warehouse:
    from tests.conftest import mariadb_connect, mysql_connection_json

    monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_MARIADB", mysql_connection_json(mariadb_database))

    def query(sql: str) -> list[tuple[Any, ...]]:
        db = mariadb_connect(mariadb_database, time_zone="+00:00")
        try:
            cursor = db.cursor()
            cursor.execute(sql)
            return list(cursor.fetchall())
        finally:
            db.close()

    def execute(sql: str) -> None:
        db = mariadb_connect(mariadb_database)
        try:
            db.cursor().execute(sql)
        finally:
            db.close()

    return Warehouse("mariadb", query, execute)


@pytest.fixture(params=["sqlite", "postgres"])
def warehouse(request: pytest.FixtureRequest) -> Warehouse:
    return request.getfixturevalue(f"{request.param}_warehouse")  # type: ignore[no-any-return]


def dag(dags_folder: Path, dag_id: str) -> Any:
    bag = dag_bag(dag_folder=str(dags_folder))
    assert not bag.import_errors, bag.import_errors
    return bag.dags[dag_id]


def states(dag_run: Any) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in dag_run.get_task_instances()}


def test_example_dags_import_with_no_network_connection_or_db(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow_provider_wolkvox._compat import BaseHook

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsing a DAG file must not touch the network or a connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(BaseHook, "get_connection", refuse)
    bag = dag_bag(dag_folder=str(EXAMPLE_DAGS))
    assert bag.import_errors == {}
    assert set(bag.dags) == {
        "wolkvox_machine_codes_sqlite",
        "wolkvox_machine_codes_postgres",
        "wolkvox_ineffective_numbers",
        "wolkvox_contact_center_daily",
    }


def test_example_dag_loads_the_ground_truth_and_reruns_replace_it(
    airflow_db: Path, emulator: WolkvoxEmulator, wolkvox_conn: str, warehouse: Warehouse
) -> None:
    example = dag(airflow_db, f"wolkvox_machine_codes_{warehouse.name}")
    first = example.test(logical_date=END)
    assert first.state == "success", states(first)
    truth = emulator.ground_truth("all", *HOUR)
    assert warehouse.window("all", HOUR[0]) == truth
    before = warehouse.query(
        f"SELECT campaign_id, window_start, telephone, {COUNTS} FROM wolkvox_machine_codes"
    )

    second = example.test(logical_date=END)
    assert second.state == "success", states(second)
    after = warehouse.query(
        f"SELECT campaign_id, window_start, telephone, {COUNTS} FROM wolkvox_machine_codes"
    )
    assert sorted(after) == sorted(before)  # same rows, none duplicated
    assert len(after) == len(truth)


def test_neighbouring_intervals_do_not_touch_each_other(
    airflow_db: Path, emulator: WolkvoxEmulator, wolkvox_conn: str, sqlite_warehouse: Warehouse
) -> None:
    example = dag(airflow_db, "wolkvox_machine_codes_sqlite")
    for logical_date in (END, END.add(hours=1), END):
        assert example.test(logical_date=logical_date).state == "success"
    assert sqlite_warehouse.window("all", HOUR[0]) == emulator.ground_truth("all", *HOUR)
    assert sqlite_warehouse.window("all", END) == emulator.ground_truth("all", END, END.add(hours=1))


def test_api_error_on_the_third_request_window_leaves_the_table_unchanged(
    airflow_db: Path, emulator: WolkvoxEmulator, wolkvox_conn: str, warehouse: Warehouse
) -> None:
    four_hours = dag(airflow_db, f"wolkvox_test_4h_{warehouse.name}")
    assert four_hours.test(logical_date=END).state == "success"
    assert warehouse.window("1", FOUR_HOURS[0]) == emulator.ground_truth("1", *FOUR_HOURS)
    before = warehouse.dump()

    emulator.reset_stats()
    emulator.set_faults(script=["none", "none", "html"])
    failed = four_hours.test(logical_date=END)
    assert states(failed) == {"load": "failed"}
    assert emulator.stats()["requests"] == 3  # it stopped at the third window
    assert warehouse.dump() == before


def test_database_error_during_the_insert_leaves_the_table_unchanged(
    airflow_db: Path, emulator: WolkvoxEmulator, wolkvox_conn: str, warehouse: Warehouse
) -> None:
    four_hours = dag(airflow_db, f"wolkvox_test_4h_{warehouse.name}")
    assert four_hours.test(logical_date=END).state == "success"
    before = warehouse.dump()
    victim = sorted(emulator.ground_truth("1", *FOUR_HOURS))[len(before) // 2]
    if warehouse.name == "sqlite":
        warehouse.execute(
            "CREATE TRIGGER fail BEFORE INSERT ON wolkvox_machine_codes "
            f"WHEN NEW.telephone = '{victim}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
        )
    else:
        warehouse.execute(
            "CREATE FUNCTION fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.telephone = '{victim}' THEN RAISE EXCEPTION 'injected failure'; END IF; "
            "RETURN NEW; END $$; CREATE TRIGGER fail BEFORE INSERT ON wolkvox_machine_codes "
            "FOR EACH ROW EXECUTE FUNCTION fail();"
        )
    failed = four_hours.test(logical_date=END)
    assert states(failed) == {"load": "failed"}
    assert warehouse.dump() == before


GUARD_HOUR = (pendulum.datetime(2026, 11, 27, 14, tz="UTC"), pendulum.datetime(2026, 11, 27, 15, tz="UTC"))
LEDGER_COLUMNS = (
    "SELECT wolkvox_conn_id, report_api, campaign_id, rows_received, rows_loaded, rows_replaced, requests, "
    "api_calls, capped_calls, retried_calls, dag_id, task_id, try_number FROM wolkvox_loads "
)
LEDGER = LEDGER_COLUMNS + "WHERE failed IS NULL ORDER BY loaded_at"
"""The loads that committed."""
LEDGER_FAILED = LEDGER_COLUMNS + "WHERE failed IS NOT NULL ORDER BY loaded_at"
"""The rows of tries that spent calls and failed (issue 26)."""


def test_an_empty_answer_never_wipes_a_loaded_window(
    airflow_db: Path,
    emulator: WolkvoxEmulator,
    token: str,
    warehouse: Warehouse,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Loaded from one server, then re-run against a server that does not have the report (it answers
    404 "Validate dates entered", as a live server does): the task fails and nothing changes; with
    allow_empty=True the window is cleared, and the ledger says so."""
    from tests.conftest import SERVER_LIMIT, connection_json

    monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(emulator.base_url, token))
    guarded = dag(airflow_db, f"wolkvox_test_guard_{warehouse.name}")
    assert guarded.test(logical_date=END).state == "success"
    truth = emulator.ground_truth("1", *GUARD_HOUR)
    assert warehouse.window("1", GUARD_HOUR[0]) == truth
    before = warehouse.dump(), warehouse.query(LEDGER)
    capsys.readouterr()

    with WolkvoxEmulator([token], server_limit=SERVER_LIMIT, missing_reports=["campaign_8"]) as elsewhere:
        monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(elsewhere.base_url, token))
        failed = guarded.test(logical_date=END)
        assert {ti.task_id: (ti.state, ti.try_number) for ti in failed.get_task_instances()} == {
            "load": ("failed", 1)  # not retried: the same answer would come back
        }
        log = task_text(capsys.readouterr().out)
        assert "WolkvoxEmptyAnswerError" in log
        assert f"{len(truth):,} rows are already loaded" in log
        assert "check connection 'wolkvox_default'" in log
        assert "allow_empty=True" in log
        assert "answered no rows for any of the 1 request window(s)" in log  # the run-level warning
        assert (warehouse.dump(), warehouse.query(LEDGER)) == before
        # The refused try's call is in the ledger all the same, marked failed (nothing loaded).
        assert warehouse.query(LEDGER_FAILED) == [
            ("wolkvox_default", "campaign_8", "1", 0, 0, 0, 1, 1, 0, 0,
             f"wolkvox_test_guard_{warehouse.name}", "load", 1)
        ]  # fmt: skip

        cleared = dag(airflow_db, f"wolkvox_test_guard_allow_{warehouse.name}").test(logical_date=END)
        assert cleared.state == "success"
    assert warehouse.window("1", GUARD_HOUR[0]) == {}
    # Both loads may commit within one second (loaded_at's resolution): compare them by DAG.
    ledger = sorted(warehouse.query(LEDGER), key=lambda row: row[10])
    assert ledger == [
        ("wolkvox_default", "campaign_8", "1", 0, 0, len(truth), 1, 1, 0, 0,
         f"wolkvox_test_guard_allow_{warehouse.name}", "load", 1),
        ("wolkvox_default", "campaign_8", "1", len(truth), len(truth), 0, 1, 1, 0, 0,
         f"wolkvox_test_guard_{warehouse.name}", "load", 1),
    ]  # fmt: skip


def test_a_failed_then_retried_run_leaves_the_row_of_the_try_that_loaded_and_of_the_failed_one(
    airflow_db: Path, emulator: WolkvoxEmulator, wolkvox_conn: str, warehouse: Warehouse
) -> None:
    emulator.set_faults(script=["html"])  # the first try's only request: not the API's envelope
    run = dag(airflow_db, f"wolkvox_test_guard_{warehouse.name}").test(logical_date=END)
    assert {ti.task_id: (ti.state, ti.try_number) for ti in run.get_task_instances()} == {
        "load": ("success", 2)
    }
    truth = emulator.ground_truth("1", *GUARD_HOUR)
    assert warehouse.window("1", GUARD_HOUR[0]) == truth
    assert warehouse.query(LEDGER) == [
        ("wolkvox_default", "campaign_8", "1", len(truth), len(truth), 0, 1, 1, 0, 0,
         f"wolkvox_test_guard_{warehouse.name}", "load", 2)
    ]  # fmt: skip
    # The first try failed in the fetch: its one call, and nothing else known, marked failed.
    assert warehouse.query(LEDGER_FAILED) == [
        ("wolkvox_default", "campaign_8", "1", None, 0, 0, None, 1, None, None,
         f"wolkvox_test_guard_{warehouse.name}", "load", 1)
    ]  # fmt: skip
    [(failed,)] = warehouse.query("SELECT failed FROM wolkvox_loads WHERE failed IS NOT NULL")
    assert failed.startswith("WolkvoxResponseError: ")
    assert emulator.stats()["requests"] == 2  # both tries' calls are in the ledger: 1 + 1


def test_a_warehouse_that_cannot_be_opened_costs_no_api_call(
    airflow_db: Path,
    emulator: WolkvoxEmulator,
    wolkvox_conn: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    missing = tmp_path / "no-such-folder" / "warehouse.db"
    monkeypatch.setenv(
        "AIRFLOW_CONN_WOLKVOX_SQLITE", json.dumps({"conn_type": "sqlite", "host": str(missing)})
    )
    run = dag(airflow_db, "wolkvox_test_guard_sqlite").test(logical_date=END)
    assert {ti.task_id: (ti.state, ti.try_number) for ti in run.get_task_instances()} == {
        "load": ("failed", 2)  # retried (the warehouse may come back), and neither try spent a call
    }
    assert emulator.stats()["requests"] == 0
    log = task_text(capsys.readouterr().out)
    assert "warehouse connection 'wolkvox_sqlite' could not be opened" in log
    assert "nothing was asked of the Wolkvox API" in log
    assert not missing.parent.exists()
