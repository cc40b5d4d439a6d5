"""Issue 26, "check before spending": a warehouse that opens but refuses the load (read-only SQLite,
a PostgreSQL role or MariaDB user without grants) fails the task before its first Wolkvox call,
with no retry and a message saying what to grant; the emulator's request log stays empty."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.airflow_compat import task_text
from tests.postgres_login import login_role
from tests.unit.test_transfer import (  # noqa: F401  (fixtures)
    END,
    Warehouse,
    dag,
    mariadb_warehouse,
    postgres_warehouse,
    sqlite_warehouse,
)

pytestmark = pytest.mark.airflow_release


class Login(NamedTuple):
    """A login the test made with no grants, and the warehouse's connection as that login."""

    name: str
    connection: str  # for AIRFLOW_CONN_WOLKVOX_<warehouse>


def tries(run: object) -> dict[str, tuple[str, int]]:
    return {ti.task_id: (ti.state, ti.try_number) for ti in run.get_task_instances()}  # type: ignore[attr-defined]


@dataclass
class CheckFirst:
    """The check-first DAGs (tests/unit/dags/wolkvox_test_check_first.py) against the emulator."""

    airflow_db: Path
    emulator: WolkvoxEmulator
    capsys: pytest.CaptureFixture[str]

    def dag(self, target: Warehouse) -> Any:
        return dag(self.airflow_db, f"wolkvox_test_check_first_{target.name}")

    def loaded_by_the_owner(self, target: Warehouse) -> tuple[Any, list[Any]]:
        """``target``'s DAG, run once as the warehouse's owner (the tables created and loaded), and
        what the warehouse holds then; the emulator's counts and the output reset after."""
        load = self.dag(target)
        assert tries(load.test(logical_date=END)) == {"load": ("success", 1)}
        before = target.dump()
        self.emulator.reset_stats()
        self.capsys.readouterr()
        return load, before

    def fails_before_any_api_call(self, load: Any, *in_log: str) -> None:
        """One run of ``load`` fails its first try (a grant or a mode fixes it, not a retry) without
        a request to the emulator, and its task log says each of ``in_log``."""
        run = load.test(logical_date=END)
        assert tries(run) == {"load": ("failed", 1)}
        assert self.emulator.stats()["requests"] == 0
        log = task_text(self.capsys.readouterr().out)
        for text in in_log:
            assert text in log


@pytest.fixture
def check_first(
    airflow_db: Path, emulator: WolkvoxEmulator, wolkvox_conn: str, capsys: pytest.CaptureFixture[str]
) -> CheckFirst:
    return CheckFirst(airflow_db, emulator, capsys)


def test_a_sqlite_file_opened_read_only_fails_before_any_api_call(
    check_first: CheckFirst,
    sqlite_warehouse: Warehouse,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    load, before = check_first.loaded_by_the_owner(sqlite_warehouse)
    assert len(before) > 0

    read_only = {"conn_type": "sqlite", "host": str(tmp_path / "warehouse.db"), "extra": {"mode": "ro"}}
    monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_SQLITE", json.dumps(read_only))
    check_first.fails_before_any_api_call(
        load,
        "WolkvoxWarehousePermissionError",
        "may not DELETE the data table wolkvox_machine_codes",
        "attempt to write a readonly database",
        "open the SQLite file read-write",
        "nothing was asked of the Wolkvox API",
    )
    assert sqlite_warehouse.dump() == before


@pytest.fixture
def pg_role(postgres_warehouse: Warehouse) -> Iterator[Login]:  # noqa: F811
    """A login role with no grants, in the test's own database; ``wolkvox_postgres`` is left as the
    owner's until the test points it at the role."""
    owner_dsn = os.environ["AIRFLOW_CONN_WOLKVOX_POSTGRES"].replace("postgres://", "postgresql://", 1)
    role = f"wolkvox_unit_{uuid.uuid4().hex[:10]}"
    with login_role(owner_dsn, role) as role_dsn:
        yield Login(role, role_dsn.replace("postgresql://", "postgres://", 1))


@pytest.fixture
def mariadb_user(mariadb_warehouse: Warehouse, mariadb_database: str) -> Iterator[Login]:  # noqa: F811
    """A user with no grants, in the test's own database; ``wolkvox_mariadb`` is left as root's
    until the test points it at the user."""
    from tests.conftest import mysql_connection_json

    user, password = f"wv_{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    mariadb_warehouse.execute(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'")
    try:
        as_user = json.loads(mysql_connection_json(mariadb_database))
        as_user.update(login=user, password=password)
        yield Login(user, json.dumps(as_user))
    finally:
        mariadb_warehouse.execute(f"DROP USER '{user}'@'%'")


def test_a_postgres_role_without_create_on_the_schema_fails_before_any_api_call(
    check_first: CheckFirst,
    postgres_warehouse: Warehouse,  # noqa: F811
    pg_role: Login,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_POSTGRES", pg_role.connection)
    check_first.fails_before_any_api_call(
        check_first.dag(postgres_warehouse),
        "may not create the data table wolkvox_machine_codes",
        "permission denied for schema public",
        "grant CREATE on the connection's default schema",
    )
    assert postgres_warehouse.query("SELECT to_regclass('wolkvox_machine_codes')") == [(None,)]


def test_a_postgres_role_granted_only_select_fails_before_any_api_call_and_its_grants_suffice(
    check_first: CheckFirst,
    postgres_warehouse: Warehouse,  # noqa: F811
    pg_role: Login,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    load, before = check_first.loaded_by_the_owner(postgres_warehouse)  # creates the tables
    postgres_warehouse.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {pg_role.name}")

    monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_POSTGRES", pg_role.connection)
    check_first.fails_before_any_api_call(
        load,
        "may not DELETE the data table wolkvox_machine_codes",
        "permission denied for table wolkvox_machine_codes",
        "GRANT DELETE ON wolkvox_machine_codes TO the connection's user",
    )
    assert postgres_warehouse.dump() == before

    # What docs/warehouse.md says a loader role needs is enough: the check does not ask for more.
    postgres_warehouse.execute(
        f"GRANT INSERT, DELETE ON wolkvox_machine_codes TO {pg_role.name}; "
        f"GRANT INSERT ON wolkvox_loads TO {pg_role.name}; "
        f"GRANT INSERT, DELETE ON wolkvox_density TO {pg_role.name}"
    )
    assert tries(load.test(logical_date=END)) == {"load": ("success", 1)}
    assert check_first.emulator.stats()["requests"] == 2


def test_a_mariadb_user_without_write_grants_fails_before_any_api_call(
    check_first: CheckFirst,
    mariadb_warehouse: Warehouse,  # noqa: F811
    mariadb_database: str,
    mariadb_user: Login,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    load, before = check_first.loaded_by_the_owner(mariadb_warehouse)
    mariadb_warehouse.execute(f"GRANT SELECT ON `{mariadb_database}`.* TO '{mariadb_user.name}'@'%'")

    monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_MARIADB", mariadb_user.connection)
    check_first.fails_before_any_api_call(
        load,
        "may not DELETE the data table wolkvox_machine_codes",
        "DELETE command denied",
        "GRANT DELETE ON wolkvox_machine_codes TO the connection's user",
    )
    assert mariadb_warehouse.dump() == before
