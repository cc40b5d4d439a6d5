"""Issue 26, "check before spending": a warehouse that opens but refuses the load (read-only SQLite,
a PostgreSQL role or MariaDB user without grants) fails the task before its first Wolkvox call,
with no retry and a message saying what to grant; the emulator's request log stays empty."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.airflow_compat import task_text
from tests.unit.test_transfer import (  # noqa: F401  (fixtures)
    END,
    Warehouse,
    dag,
    mariadb_warehouse,
    postgres_warehouse,
    sqlite_warehouse,
)

pytestmark = pytest.mark.airflow_release


def tries(run: object) -> dict[str, tuple[str, int]]:
    return {ti.task_id: (ti.state, ti.try_number) for ti in run.get_task_instances()}  # type: ignore[attr-defined]


def test_a_sqlite_file_opened_read_only_fails_before_any_api_call(
    airflow_db: Path,
    emulator: WolkvoxEmulator,
    wolkvox_conn: str,
    sqlite_warehouse: Warehouse,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    load = dag(airflow_db, "wolkvox_test_check_first_sqlite")
    assert tries(load.test(logical_date=END)) == {"load": ("success", 1)}
    before = sqlite_warehouse.dump()
    assert len(before) > 0
    emulator.reset_stats()
    capsys.readouterr()

    read_only = {"conn_type": "sqlite", "host": str(tmp_path / "warehouse.db"), "extra": {"mode": "ro"}}
    monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_SQLITE", json.dumps(read_only))
    run = load.test(logical_date=END)
    assert tries(run) == {"load": ("failed", 1)}  # a grant or a mode fixes it, not a retry
    assert emulator.stats()["requests"] == 0
    log = task_text(capsys.readouterr().out)
    assert "WolkvoxWarehousePermissionError" in log
    assert "may not DELETE the data table wolkvox_machine_codes" in log
    assert "attempt to write a readonly database" in log
    assert "open the SQLite file read-write" in log
    assert "nothing was asked of the Wolkvox API" in log
    assert sqlite_warehouse.dump() == before


@pytest.fixture
def pg_role(postgres_warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:  # noqa: F811
    """A login role with no grants, in the test's own database; ``wolkvox_postgres`` is left as the
    owner's until the test points it at the role (``AIRFLOW_CONN_WOLKVOX_POSTGRES_ROLE``)."""
    import psycopg

    from tests.conftest import require_server

    owner_dsn = os.environ["AIRFLOW_CONN_WOLKVOX_POSTGRES"].replace("postgres://", "postgresql://", 1)
    role = f"wolkvox_unit_{uuid.uuid4().hex[:10]}"
    password = uuid.uuid4().hex
    postgres_warehouse.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    try:
        parts = urlsplit(owner_dsn)
        netloc = f"{role}:{password}@{parts.hostname}:{parts.port or 5432}"
        role_dsn = urlunsplit(parts._replace(netloc=netloc))
        try:
            psycopg.connect(role_dsn, connect_timeout=3).close()
            cannot = None
        except psycopg.OperationalError as err:
            cannot = f"cannot log in as a new role over TCP ({err})"
        require_server("PostgreSQL logins of new roles", cannot)
        monkeypatch.setenv("WOLKVOX_TEST_ROLE_DSN", role_dsn.replace("postgresql://", "postgres://", 1))
        yield role
    finally:
        postgres_warehouse.execute(f"DROP OWNED BY {role}")
        postgres_warehouse.execute(f"DROP ROLE {role}")


def test_a_postgres_role_without_create_on_the_schema_fails_before_any_api_call(
    airflow_db: Path,
    emulator: WolkvoxEmulator,
    wolkvox_conn: str,
    postgres_warehouse: Warehouse,  # noqa: F811
    pg_role: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_POSTGRES", os.environ["WOLKVOX_TEST_ROLE_DSN"])
    run = dag(airflow_db, "wolkvox_test_check_first_postgres").test(logical_date=END)
    assert tries(run) == {"load": ("failed", 1)}
    assert emulator.stats()["requests"] == 0
    log = task_text(capsys.readouterr().out)
    assert "may not create the data table wolkvox_machine_codes" in log
    assert "permission denied for schema public" in log
    assert "grant CREATE on the connection's default schema" in log
    assert postgres_warehouse.query("SELECT to_regclass('wolkvox_machine_codes')") == [(None,)]


def test_a_postgres_role_granted_only_select_fails_before_any_api_call_and_its_grants_suffice(
    airflow_db: Path,
    emulator: WolkvoxEmulator,
    wolkvox_conn: str,
    postgres_warehouse: Warehouse,  # noqa: F811
    pg_role: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    load = dag(airflow_db, "wolkvox_test_check_first_postgres")
    assert tries(load.test(logical_date=END)) == {"load": ("success", 1)}  # the owner creates the tables
    before = postgres_warehouse.dump()
    postgres_warehouse.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {pg_role}")
    emulator.reset_stats()
    capsys.readouterr()

    monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_POSTGRES", os.environ["WOLKVOX_TEST_ROLE_DSN"])
    run = load.test(logical_date=END)
    assert tries(run) == {"load": ("failed", 1)}
    assert emulator.stats()["requests"] == 0
    log = task_text(capsys.readouterr().out)
    assert "may not DELETE the data table wolkvox_machine_codes" in log
    assert "permission denied for table wolkvox_machine_codes" in log
    assert "GRANT DELETE ON wolkvox_machine_codes TO the connection's user" in log
    assert postgres_warehouse.dump() == before

    # What docs/warehouse.md says a loader role needs is enough: the check does not ask for more.
    postgres_warehouse.execute(
        f"GRANT INSERT, DELETE ON wolkvox_machine_codes TO {pg_role}; "
        f"GRANT INSERT ON wolkvox_loads TO {pg_role}; "
        f"GRANT INSERT, DELETE ON wolkvox_density TO {pg_role}"
    )
    assert tries(load.test(logical_date=END)) == {"load": ("success", 1)}
    assert emulator.stats()["requests"] == 2


def test_a_mariadb_user_without_write_grants_fails_before_any_api_call(
    airflow_db: Path,
    emulator: WolkvoxEmulator,
    wolkvox_conn: str,
    mariadb_warehouse: Warehouse,  # noqa: F811
    mariadb_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tests.conftest import mysql_connection_json

    load = dag(airflow_db, "wolkvox_test_check_first_mariadb")
    assert tries(load.test(logical_date=END)) == {"load": ("success", 1)}
    before = mariadb_warehouse.dump()
    user, password = f"wv_{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    mariadb_warehouse.execute(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'")
    try:
        mariadb_warehouse.execute(f"GRANT SELECT ON `{mariadb_database}`.* TO '{user}'@'%'")
        emulator.reset_stats()
        capsys.readouterr()
        as_user = json.loads(mysql_connection_json(mariadb_database))
        as_user.update(login=user, password=password)
        monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_MARIADB", json.dumps(as_user))
        run = load.test(logical_date=END)
        assert tries(run) == {"load": ("failed", 1)}
        assert emulator.stats()["requests"] == 0
        log = task_text(capsys.readouterr().out)
        assert "may not DELETE the data table wolkvox_machine_codes" in log
        assert "DELETE command denied" in log
        assert "GRANT DELETE ON wolkvox_machine_codes TO the connection's user" in log
        assert mariadb_warehouse.dump() == before
    finally:
        mariadb_warehouse.execute(f"DROP USER '{user}'@'%'")
