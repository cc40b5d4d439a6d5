"""Shared fixtures: an isolated AIRFLOW_HOME, the emulator, SQLite, PostgreSQL and MariaDB warehouses."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests import leftovers, metadata_db, proof, release_marker

# Airflow reads its configuration on first import: isolate it before any test imports airflow.
# Marked with this run as its owner: removed at exit, or by the next run if this one is killed.
# A pytest-xdist worker inherits the controller's environment, so it always takes a home (and so a
# metadata database) of its own: two workers sharing one SQLite DB lose each other's task instances.
_HOME = leftovers.owned_folder("wolkvox-airflow-home-")
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["AIRFLOW_HOME"] = str(_HOME)
else:
    os.environ.setdefault("AIRFLOW_HOME", str(_HOME))
# The run's one migrated metadata database (tests/metadata_db.py), shared by the workers.
if metadata_db.TEMPLATE_VARIABLE not in os.environ:
    os.environ[metadata_db.TEMPLATE_VARIABLE] = str(leftovers.owned_folder("wolkvox-airflow-template-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")

PG_DSN = os.environ.get("WOLKVOX_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
SERVER_LIMIT = 1.0
"""The emulators' time limit per request in tests (the vendor's is 60 s), and the connections'
``server_time_limit`` to match: a request the hook gives up on is waited out this long."""


def postgres_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(PG_DSN, connect_timeout=3):
            return None
    except Exception as err:
        return f"PostgreSQL at {PG_DSN} is unreachable ({type(err).__name__}: {err})"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--one-warehouse",
        action="store_true",
        help="run the metadata-DB (dag.test) tests parametrized by warehouse on SQLite only (make matrix)",
    )


@pytest.hookimpl(tryfirst=True)  # before ``-m`` selects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put a metadata-DB test its module forgot to mark in the matrix all the same (the module's
    guard test fails); mark the real servers each test reaches (tests/proof.py); with
    ``--one-warehouse``, keep the SQLite variant of the dag.test runs."""
    for item in items:
        markers = [mark.name for mark in item.iter_markers()]
        fixtures = getattr(item, "fixturenames", [])
        if release_marker.unmarked_metadata_db_user(item.nodeid, fixtures, markers):
            item.add_marker(release_marker.MARKER)
    proof.mark_servers(items)
    if config.getoption("--one-warehouse"):
        kept, dropped = [], []
        for item in items:
            uses_db = "airflow_db" in getattr(item, "fixturenames", [])
            other = item.get_closest_marker("postgres") or item.get_closest_marker("mariadb")
            (dropped if uses_db and other else kept).append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = kept


def pytest_configure(config: pytest.Config) -> None:
    """Tear down on SIGTERM as on Ctrl-C, and sweep what killed runs left (only provably dead ones)."""
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(proof.ProofCount(), "wolkvox-proof")
    leftovers.tear_down_on_sigterm()
    leftovers.sweep_processes()
    for prefix in ("wolkvox-airflow-home-", "wolkvox-airflow-template-", "wolkvox-it-"):
        leftovers.sweep_folders(prefix)


def require_server(name: str, reason: str | None) -> None:
    """Skip the test for ``reason`` (a server is unreachable), or fail it when CI=true."""
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires {name}: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_dsn() -> str:
    """DSN of a reachable PostgreSQL; skips (or fails when CI=true) otherwise."""
    require_server("PostgreSQL", postgres_available())
    for prefix in ("wolkvox_it_", "wolkvox_unit_"):
        leftovers.sweep_databases(PG_DSN, prefix)
    leftovers.sweep_schemas(PG_DSN, SCHEMA_PREFIX)
    return PG_DSN


SCHEMA_PREFIX = "t_"


@contextlib.contextmanager
def pg_schema(dsn: str, name: str) -> Iterator[str]:
    """A PostgreSQL schema of its own in ``dsn``'s database, marked with this run as its owner (so
    the next run drops it if this one is killed), dropped with everything in it afterwards."""
    import psycopg

    if not name.startswith(SCHEMA_PREFIX):
        raise ValueError(f"test schemas are named {SCHEMA_PREFIX}*, so a killed run's are swept: {name}")

    def drop() -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")  # type: ignore[arg-type]

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")  # type: ignore[arg-type]
        conn.execute(leftovers.mark_database_sql(name, "SCHEMA"))  # type: ignore[arg-type]
    at_exit = leftovers.at_exit(drop)
    try:
        yield name
    finally:
        drop()
        leftovers.done(at_exit)


MARIADB = {
    "host": os.environ.get("WOLKVOX_TEST_MARIADB_HOST", "127.0.0.1"),
    "port": int(os.environ.get("WOLKVOX_TEST_MARIADB_PORT", "3306")),
    "user": os.environ.get("WOLKVOX_TEST_MARIADB_USER", "root"),
    "password": os.environ.get("WOLKVOX_TEST_MARIADB_PASSWORD", ""),
}


def mariadb_connect(database: str | None = None, **options: object) -> Any:
    """A mysql-connector-python connection to the test server (autocommit on)."""
    import mysql.connector

    config: dict[str, Any] = {**MARIADB, "connection_timeout": 5, "autocommit": True, **options}
    if database:
        config["database"] = database
    return mysql.connector.connect(**config)


def mariadb_available() -> str | None:
    """None when MariaDB (or MySQL) answers, else why not."""
    where = f"MariaDB at {MARIADB['host']}:{MARIADB['port']}"
    try:
        mariadb_connect().close()
        return None
    except Exception as err:
        return f"{where} is unreachable ({type(err).__name__}: {err})"


@pytest.fixture(scope="session")
def mariadb_server() -> dict[str, Any]:
    """Connection settings of a reachable MariaDB; skips (or fails when CI=true) otherwise."""
    require_server("MariaDB", mariadb_available())
    admin = mariadb_connect()
    try:
        leftovers.sweep_mariadb_databases(admin, "wolkvox_")
    finally:
        admin.close()
    return MARIADB


def create_mariadb_database(name: str) -> str:
    """Create the MariaDB database ``name``, marked with this run as its owner (its ``COMMENT``),
    so that the next run drops it if this one is killed."""
    admin = mariadb_connect()
    try:
        owner = leftovers.COMMENT_PREFIX + leftovers.OWNER
        admin.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COMMENT '{owner}'")
    finally:
        admin.close()
    return name


@pytest.fixture
def mariadb_database(mariadb_server: dict[str, Any]) -> Iterator[str]:
    """A database of its own (uuid name), dropped with everything in it afterwards."""
    name = create_mariadb_database(f"wolkvox_{uuid.uuid4().hex[:12]}")
    yield name
    admin = mariadb_connect()
    try:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        admin.close()


def mysql_connection_json(database: str, **extra: object) -> str:
    """An ``AIRFLOW_CONN_*`` value for MySqlHook on the test server, through mysql-connector-python."""
    import json

    return json.dumps(
        {
            "conn_type": "mysql",
            "host": MARIADB["host"],
            "port": MARIADB["port"],
            "login": MARIADB["user"],
            "password": MARIADB["password"],
            "schema": database,
            "extra": {"client": "mysql-connector-python", **extra},
        }
    )


@pytest.fixture
def unique_name() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def token() -> str:
    # Looks like a real token and is long enough that a leak is unambiguous in any log.
    return "tok-" + uuid.uuid4().hex + "-SECRET"


@pytest.fixture
def emulator(token: str) -> Iterator[object]:
    """A running emulator on a free loopback port with one token."""
    from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator

    with WolkvoxEmulator(tokens=[token], seed=7, server_limit=SERVER_LIMIT) as emu:
        yield emu


def connection_json(base_url: str, token: str, **extra: object) -> str:
    """An ``AIRFLOW_CONN_*`` value (JSON form) for a Wolkvox connection.

    Its ``timeout`` is generous (30 s): the emulator runs in the test's own process, and under
    ``make test``'s load a starved worker once answered a plain first request after more than 5 s,
    the old default; the retry then took the next scripted fault meant for another request. A
    test about the client's timeout sets its own."""
    import json

    return json.dumps(
        {
            "conn_type": "wolkvox",
            "host": "0032",
            "password": token,
            "extra": {
                "base_url": base_url,
                "timezone": "America/Bogota",
                "timeout": 30,
                "server_time_limit": SERVER_LIMIT,
                **extra,
            },
        }
    )


@pytest.fixture
def wolkvox_conn(emulator: object, token: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """``wolkvox_default`` pointed at the emulator; returns the conn id."""
    monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(emulator.base_url, token))  # type: ignore[attr-defined]
    return "wolkvox_default"
