"""load_window on a real PostgreSQL through PostgresHook: COPY (psycopg 3 and psycopg2) and generic paths."""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from airflow.providers.common.sql.hooks.sql import DbApiHook
from airflow.providers.postgres.hooks.postgres import PostgresHook

from airflow_provider_wolkvox.exceptions import WolkvoxRowError
from airflow_provider_wolkvox.reports import MachineCodesRow
from airflow_provider_wolkvox.sql import KEY_COLUMNS, load_window
from airflow_provider_wolkvox.sql.schema import create_table_sql

from ..conftest import pg_schema
from ..postgres_login import login_role
from .test_sql_load import END, LOADED, ODD_TELEPHONES, START, failing_rows, make_rows

pytestmark = [pytest.mark.postgres, pytest.mark.airflow_release]

ORDER = ", ".join(KEY_COLUMNS)


@pytest.fixture
def schema(pg_dsn: str, unique_name: str) -> Iterator[str]:
    """A fresh schema, dropped with everything in it afterwards."""
    with pg_schema(pg_dsn, unique_name):
        yield unique_name


@pytest.fixture
def table(schema: str) -> str:
    return f"{schema}.machine_codes"


def pg_hook(
    pg_dsn: str,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    cls: type[PostgresHook] = PostgresHook,
    **extra: Any,
) -> PostgresHook:
    conn_id = f"wk_pg_{name}"
    query = "&".join(f"{key}={quote(str(value))}" for key, value in extra.items())
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", pg_dsn + (f"?{query}" if query else ""))
    hook = cls(postgres_conn_id=conn_id)
    return hook


@pytest.fixture
def hook(pg_dsn: str, unique_name: str, monkeypatch: pytest.MonkeyPatch) -> PostgresHook:
    hook = pg_hook(pg_dsn, monkeypatch, unique_name)
    assert hook.dialect_name == "postgresql"
    return hook


def load(db_hook: DbApiHook, table: str, rows: Any, **kwargs: Any) -> int:
    args: dict[str, Any] = {
        "campaign_id": "42",
        "window_start": START,
        "window_end": END,
        "loaded_at": LOADED,
    }
    args.update(kwargs)
    return load_window(db_hook, table=table, rows=rows, **args)


def dump(pg_dsn: str, table: str) -> list[str]:
    """Every row as PostgreSQL's own text form, in key order: equal dumps mean equal tables."""
    with psycopg.connect(pg_dsn, options="-c TimeZone=UTC") as conn:
        return [row[0] for row in conn.execute(f"SELECT t::text FROM {table} AS t ORDER BY {ORDER}")]


def select(pg_dsn: str, table: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(pg_dsn) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY {ORDER}").fetchall()


def hook_driver() -> str:
    """What PostgresHook.get_conn() gives: psycopg 3 with SQLAlchemy 2, psycopg2 with 1.4 (Airflow 3.0)."""
    import sqlalchemy

    return "psycopg" if int(sqlalchemy.__version__.split(".")[0]) >= 2 else "psycopg2"


def driver_error(name: str) -> type[Exception]:
    """The exception class ``name`` of the hook's driver (psycopg.errors.X or psycopg2.errors.X)."""
    module = importlib.import_module(hook_driver())
    return getattr(module.errors, name, None) or getattr(module, name)  # type: ignore[no-any-return]


def test_postgres_hook_hands_out_psycopg3_with_sqlalchemy_2(hook: PostgresHook) -> None:
    conn = hook.get_conn()
    try:
        assert type(conn).__module__.split(".")[0] == hook_driver()
    finally:
        conn.close()


def test_postgres_creates_table_with_documented_columns(hook: PostgresHook, pg_dsn: str, schema: str) -> None:
    assert load(hook, f"{schema}.machine_codes", make_rows(3)) == 3
    with psycopg.connect(pg_dsn) as conn:
        columns = conn.execute(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = 'machine_codes' ORDER BY ordinal_position",
            (schema,),
        ).fetchall()
        key = conn.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
            "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)",
            (f"{schema}.machine_codes",),
        ).fetchall()
    tz, integer = "timestamp with time zone", "integer"
    assert columns == [
        ("campaign_id", "text", "NO"),
        ("window_start", tz, "NO"),
        ("window_end", tz, "NO"),
        ("telephone", "text", "NO"),
        ("total_machine_recognitions", integer, "NO"),
        ("no_answer", integer, "NO"),
        ("answer_machine", integer, "NO"),
        ("busy", integer, "NO"),
        ("congestion", integer, "NO"),
        ("failed", integer, "NO"),
        ("loaded_at", tz, "NO"),
    ]
    assert [name for (name,) in key] == list(KEY_COLUMNS)
    row = select(pg_dsn, f"{schema}.machine_codes")[0]
    assert row == (
        "42",
        datetime(2026, 11, 27, 6, tzinfo=timezone.utc),
        datetime(2026, 11, 27, 7, tzinfo=timezone.utc),
        "+573000000000",
        0,
        0,
        0,
        0,
        0,
        0,
        datetime(2026, 11, 27, 7, 5, 9, tzinfo=timezone.utc),
    )


def test_postgres_reload_of_a_window_leaves_identical_rows(
    hook: PostgresHook, pg_dsn: str, table: str
) -> None:
    assert load(hook, table, make_rows(25_000)) == 25_000
    first = select(pg_dsn, table)
    assert load(hook, table, make_rows(25_000), loaded_at=LOADED + timedelta(hours=1)) == 25_000
    second = select(pg_dsn, table)
    assert len(second) == 25_000
    assert [row[:-1] for row in second] == [row[:-1] for row in first]
    assert {row[-1] for row in second} == {datetime(2026, 11, 27, 8, 5, 9, tzinfo=timezone.utc)}


def test_postgres_windows_and_campaigns_do_not_touch_each_other(
    hook: PostgresHook, pg_dsn: str, table: str
) -> None:
    load(hook, table, make_rows(10))
    load(hook, table, make_rows(20), window_start=END, window_end=END.add(hours=1))
    load(hook, table, make_rows(30), campaign_id="43")
    load(hook, table, make_rows(40), window_end=END.add(hours=1))
    others = [
        row
        for row in dump(pg_dsn, table)
        if not row.startswith('(42,"2026-11-27 06:00:00+00","2026-11-27 07')
    ]
    assert len(others) == 90

    assert load(hook, table, make_rows(5, prefix="+1")) == 5

    rows = dump(pg_dsn, table)
    assert len(rows) == 95
    assert [row for row in rows if row in others] == others


def test_postgres_zero_rows_clear_the_window_when_allowed(
    hook: PostgresHook, pg_dsn: str, table: str
) -> None:
    load(hook, table, make_rows(10))
    load(hook, table, make_rows(7), campaign_id="43")
    assert load(hook, table, iter(()), allow_empty=True) == 0
    assert {row[0] for row in select(pg_dsn, table)} == {"43"}


def test_postgres_telephones_survive_exactly(hook: PostgresHook, pg_dsn: str, table: str) -> None:
    rows = [MachineCodesRow(t, i, 0, 0, 0, 0, 0) for i, t in enumerate(ODD_TELEPHONES)]
    load(hook, table, rows, campaign_id="tab\tcampaign\\1\n")
    stored = select(pg_dsn, table)
    assert {row[3]: row[4] for row in stored} == {t: i for i, t in enumerate(ODD_TELEPHONES)}
    assert {row[0] for row in stored} == {"tab\tcampaign\\1\n"}


def test_postgres_generator_failing_midway_leaves_the_table_unchanged(
    hook: PostgresHook, pg_dsn: str, table: str
) -> None:
    load(hook, table, make_rows(100))
    load(hook, table, make_rows(50), window_start=END, window_end=END.add(hours=1))
    before = dump(pg_dsn, table)

    with pytest.raises(RuntimeError, match="staging file went away"):
        load(hook, table, failing_rows(25_000))  # two COPY chunks were already sent

    assert dump(pg_dsn, table) == before


def test_postgres_failed_first_load_does_not_leave_a_table_behind(
    hook: PostgresHook, pg_dsn: str, schema: str
) -> None:
    with pytest.raises(RuntimeError):
        load(hook, f"{schema}.machine_codes", failing_rows(10))
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("SELECT to_regclass(%s)", (f"{schema}.machine_codes",)).fetchone() == (None,)


@pytest.mark.parametrize(
    ("bad_rows", "error", "match"),
    [
        pytest.param(
            [*make_rows(15_000), MachineCodesRow("+573000000007", 1, 1, 1, 1, 1, 1)],
            "UniqueViolation",
            "duplicate key",
            id="duplicate-telephone",
        ),
        pytest.param(
            # Binary COPY would write 2**31 as -2**31 into an integer column: refused before sending.
            [*make_rows(15_000), MachineCodesRow("+1", 2**31, 0, 0, 0, 0, 0)],
            WolkvoxRowError,
            "row 15000 .*total_machine_recognitions is 2,147,483,648, more than the column's integer",
            id="out-of-range",
        ),
        pytest.param(
            [*make_rows(10), MachineCodesRow("nul\x00byte", 1, 1, 1, 1, 1, 1)],
            "DataError",
            "",
            id="nul-in-text",
        ),
        pytest.param(
            [*make_rows(15_000), MachineCodesRow("+1", 1, 1, 1, 1, 1.5, 1)],  # type: ignore[arg-type]
            WolkvoxRowError,
            r"row 15000 .*congestion is 1\.5 \(float\), expected int",
            id="count-is-float",
        ),
        pytest.param(
            [*make_rows(10), MachineCodesRow(None, 1, 1, 1, 1, 1, 1)],  # type: ignore[arg-type]
            WolkvoxRowError,
            "row 10 .*telephone is None",
            id="telephone-none",
        ),
    ],
)
def test_postgres_bad_row_or_database_error_leaves_the_table_unchanged(
    hook: PostgresHook, pg_dsn: str, table: str, bad_rows: list[Any], error: Any, match: str
) -> None:
    load(hook, table, make_rows(100))
    before = dump(pg_dsn, table)
    if error is WolkvoxRowError and "2,147,483,648" in match and hook_driver() == "psycopg2":
        # Only psycopg 3's binary COPY checks the range before sending; the server refuses it otherwise.
        error, match = "NumericValueOutOfRange", "out of range"
    with pytest.raises(driver_error(error) if isinstance(error, str) else error, match=match or None):
        load(hook, table, iter(bad_rows))
    assert dump(pg_dsn, table) == before


def test_postgres_table_without_schema_and_mixed_case(
    hook: PostgresHook, pg_dsn: str, unique_name: str
) -> None:
    name, ledger = f"Wolkvox_{unique_name}", f"Loads_{unique_name}"
    try:
        assert load(hook, name, make_rows(2), ledger_table=ledger) == 2
        assert len(select(pg_dsn, f'"{name}"')) == 2
        with psycopg.connect(pg_dsn) as conn:
            assert conn.execute(f'SELECT rows_loaded FROM "{ledger}"').fetchall() == [(2,)]
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f'DROP TABLE IF EXISTS "{name}"')
            conn.execute(f'DROP TABLE IF EXISTS "{ledger}"')


def test_postgres_autocommit_connection_still_loads_atomically_and_is_restored(
    pg_dsn: str, unique_name: str, monkeypatch: pytest.MonkeyPatch, table: str
) -> None:
    psycopg3 = hook_driver() == "psycopg"
    if not psycopg3:
        pytest.skip("a psycopg2 connection's close() cannot be wrapped to see autocommit restored")
    # The psycopg 3 hook reads an autocommit extra; psycopg2 would take it as a libpq option.
    hook = pg_hook(pg_dsn, monkeypatch, unique_name, **({"autocommit": "true"} if psycopg3 else {}))
    opened: list[Any] = []
    get_conn = hook.get_conn

    def spy() -> Any:
        conn: Any = get_conn()
        if not psycopg3:
            conn.autocommit = True
        assert conn.autocommit is True
        opened.append(conn)
        original_close = conn.close

        def close() -> None:
            opened.append(conn.autocommit)
            original_close()

        conn.close = close
        return conn

    monkeypatch.setattr(hook, "get_conn", spy)
    load(hook, table, make_rows(100))
    before = dump(pg_dsn, table)
    with pytest.raises(RuntimeError):
        load(hook, table, failing_rows(25_000))
    assert dump(pg_dsn, table) == before
    conns, autocommit_at_close = opened[0::2], opened[1::2]
    assert autocommit_at_close == [True, True]
    assert all(conn.closed for conn in conns)


class Psycopg2PostgresHook(PostgresHook):
    """PostgresHook as it behaves when psycopg 3 is not installed: get_conn gives psycopg2."""

    def get_conn(self) -> Any:
        import psycopg2  # type: ignore[import-untyped,unused-ignore]

        conn = self.connection
        return psycopg2.connect(
            host=conn.host, port=conn.port, user=conn.login, password=conn.password, dbname=conn.schema
        )


def test_postgres_psycopg2_copy_expert_path(
    pg_dsn: str, unique_name: str, monkeypatch: pytest.MonkeyPatch, table: str
) -> None:
    pytest.importorskip("psycopg2")
    hook = pg_hook(pg_dsn, monkeypatch, unique_name, cls=Psycopg2PostgresHook)
    assert type(hook.get_conn()).__module__.startswith("psycopg2")

    assert load(hook, table, make_rows(25_000)) == 25_000
    first = select(pg_dsn, table)
    assert load(hook, table, make_rows(25_000), loaded_at=LOADED + timedelta(hours=1)) == 25_000
    assert [row[:-1] for row in select(pg_dsn, table)] == [row[:-1] for row in first]

    load(
        hook,
        table,
        [MachineCodesRow(t, i, 0, 0, 0, 0, 0) for i, t in enumerate(ODD_TELEPHONES)],
        campaign_id="7",
    )
    stored = {row[3]: row[4] for row in select(pg_dsn, table) if row[0] == "7"}
    assert stored == {t: i for i, t in enumerate(ODD_TELEPHONES)}

    before = dump(pg_dsn, table)
    with pytest.raises(RuntimeError, match="staging file went away"):
        load(hook, table, failing_rows(25_000))
    with pytest.raises(WolkvoxRowError, match=r"row 12 .*busy is '1'"):
        load(hook, table, [*make_rows(12), MachineCodesRow("+1", 1, 1, 1, "1", 1, 1)])  # type: ignore[arg-type]
    with pytest.raises(Exception, match="duplicate key"):
        load(hook, table, [*make_rows(15_000), MachineCodesRow("+573000000007", 1, 1, 1, 1, 1, 1)])
    assert dump(pg_dsn, table) == before


class GenericPostgresHook(PostgresHook):
    """A PostgreSQL connection whose hook reports no known dialect nor type: the generic DB-API path."""

    conn_type = "generic"

    @property
    def dialect_name(self) -> str:
        return "default"


def test_postgres_through_the_generic_path(
    pg_dsn: str, unique_name: str, monkeypatch: pytest.MonkeyPatch, schema: str
) -> None:
    extra = {"autocommit": "true"} if hook_driver() == "psycopg" else {}  # see the autocommit test
    hook = pg_hook(pg_dsn, monkeypatch, unique_name, cls=GenericPostgresHook, **extra)
    table = f"{schema}.machine_codes"
    assert load(hook, table, make_rows(12_000)) == 12_000
    with psycopg.connect(pg_dsn) as conn:
        kind = conn.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_schema = %s AND column_name = 'window_start'",
            (schema,),
        ).fetchone()
    assert kind == ("timestamp without time zone",)
    assert select(pg_dsn, table)[0][1] == datetime(2026, 11, 27, 6)  # naive, UTC

    before = dump(pg_dsn, table)
    with pytest.raises(RuntimeError):
        load(hook, table, failing_rows(15_000))
    assert dump(pg_dsn, table) == before
    assert load(hook, table, make_rows(12_000)) == 12_000
    assert len(dump(pg_dsn, table)) == 12_000


def test_postgres_concurrent_loads_of_one_window_take_turns(
    pg_dsn: str, unique_name: str, monkeypatch: pytest.MonkeyPatch, table: str
) -> None:
    """A re-run racing a backfill: the second load waits for the first instead of hitting the key."""
    hook = pg_hook(pg_dsn, monkeypatch, unique_name)
    load(hook, table, make_rows(10))
    first_streaming, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def slow_rows() -> Iterator[MachineCodesRow]:
        yield from make_rows(500, prefix="+1")
        first_streaming.set()
        assert release.wait(10)
        yield from make_rows(500, prefix="+1", start=500)

    def run(rows: Any) -> None:
        try:
            load(pg_hook(pg_dsn, monkeypatch, unique_name), table, rows)
        except BaseException as err:
            errors.append(err)

    first = threading.Thread(target=run, args=(slow_rows(),))
    first.start()
    assert first_streaming.wait(10)
    second = threading.Thread(target=run, args=(make_rows(700, prefix="+2"),))
    second.start()
    second.join(0.5)
    assert second.is_alive()  # waiting for the first load's lock
    release.set()
    first.join(10)
    second.join(10)
    assert errors == []
    telephones = {row[3] for row in select(pg_dsn, table)}
    assert len(telephones) == 700
    assert all(t.startswith("+2") for t in telephones)


def test_postgres_session_time_zone_does_not_matter(
    pg_dsn: str, unique_name: str, monkeypatch: pytest.MonkeyPatch, table: str
) -> None:
    bogota = pg_hook(pg_dsn, monkeypatch, unique_name + "_bog", options="-c TimeZone=America/Bogota")
    tokyo = pg_hook(pg_dsn, monkeypatch, unique_name + "_tyo", options="-c TimeZone=Asia/Tokyo")
    load(bogota, table, make_rows(10))
    load(tokyo, table, make_rows(4))
    rows = select(pg_dsn, table)
    assert len(rows) == 4
    assert {(row[1], row[2]) for row in rows} == {
        (datetime(2026, 11, 27, 6, tzinfo=timezone.utc), datetime(2026, 11, 27, 7, tzinfo=timezone.utc))
    }


def test_postgres_loader_role_without_create_privilege(
    pg_dsn: str, unique_name: str, monkeypatch: pytest.MonkeyPatch, hook: PostgresHook, schema: str
) -> None:
    """A role granted only on the table loads with the default create_table=True."""
    table = f"{schema}.machine_codes"
    load(hook, table, make_rows(3))
    role = f"{unique_name}_loader"
    with login_role(pg_dsn, role) as loader_dsn:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
            conn.execute(f"GRANT SELECT, INSERT, DELETE ON {table} TO {role}")
            conn.execute(f"GRANT INSERT ON {schema}.wolkvox_loads TO {role}")
        loader = pg_hook(loader_dsn, monkeypatch, role)
        assert load(loader, table, make_rows(5)) == 5
        assert len(select(pg_dsn, table)) == 5


def test_postgres_first_loads_into_a_new_table_at_the_same_time(
    pg_dsn: str, unique_name: str, monkeypatch: pytest.MonkeyPatch, table: str
) -> None:
    """Two connections' first loads into one new table: both create it, neither may fail."""
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    hooks = [pg_hook(pg_dsn, monkeypatch, unique_name) for _ in range(6)]

    def run(campaign: int) -> None:
        try:
            hook = hooks[campaign]
            start.wait(10)
            load(hook, table, make_rows(50), campaign_id=str(campaign))
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=run, args=(campaign,)) for campaign in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(select(pg_dsn, table)) == 6 * 50


@pytest.mark.parametrize(
    ("change", "how"),
    [
        ({}, "binary"),
        ({"integer NOT NULL": "bigint NOT NULL"}, "binary"),
        ({'"telephone" text': '"telephone" varchar(40)'}, "binary"),
        ({"integer NOT NULL": "numeric NOT NULL"}, "text"),
        ({"timestamptz": "timestamp"}, "text"),
    ],
    ids=["as-created", "bigint-counts", "varchar-telephone", "numeric-counts", "timestamp-without-zone"],
)
def test_postgres_tables_of_other_column_types_load_the_same_rows(
    hook: PostgresHook,
    pg_dsn: str,
    table: str,
    change: dict[str, str],
    how: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Binary COPY only where the column types are the provider's own; text COPY (which the server
    converts) anywhere else; the same rows either way."""
    create = create_table_sql("postgresql", table)
    for old, new in change.items():
        create = create.replace(old, new)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(create)
    rows = list(make_rows(50))
    caplog.set_level(logging.INFO)
    assert load(hook, table, rows) == 50
    # Binary COPY is psycopg 3's; psycopg2 (Airflow 3.0) always sends text.
    assert ("COPY, psycopg, binary)" in caplog.text) == (how == "binary" and hook_driver() == "psycopg")
    loaded = [(r[3], *map(int, r[4:10])) for r in select(pg_dsn, table)]
    assert loaded == sorted(tuple(row) for row in rows)


def test_a_server_that_says_it_is_redshift_gets_no_copy_and_no_advisory_lock(
    pg_dsn: str,
    unique_name: str,
    monkeypatch: pytest.MonkeyPatch,
    schema: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Redshift speaks the PostgreSQL protocol, but has neither COPY FROM STDIN nor advisory locks.
    Here a real PostgreSQL answers ``SELECT version()`` the way Redshift does (a function of that
    name ahead of pg_catalog in the search path): the load takes the DB-API path in Redshift's types."""
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(
            f"CREATE FUNCTION {schema}.version() RETURNS text LANGUAGE sql "
            "AS $$ SELECT 'PostgreSQL 8.0.2 on i686-pc-linux-gnu, Redshift 1.0.77467' $$"
        )
        conn.execute(
            f"CREATE FUNCTION {schema}.pg_advisory_xact_lock(bigint) RETURNS void LANGUAGE sql "
            "AS $$ SELECT (1 / 0)::text::void $$"
        )
    conn_id = f"wk_pg_{unique_name}"
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", pg_dsn)
    hook = PostgresHook(postgres_conn_id=conn_id, options=f"-c search_path={schema},pg_catalog")
    table = f"{schema}.machine_codes"
    with caplog.at_level(logging.INFO, logger="airflow_provider_wolkvox"):
        assert load(hook, table, make_rows(1_500)) == 1_500
        assert load(hook, table, make_rows(1_500)) == 1_500  # idempotent
    assert "(DB-API, redshift)" in caplog.text
    assert "COPY" not in caplog.text
    with psycopg.connect(pg_dsn) as conn:
        types = dict(
            conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = 'machine_codes'",
                (schema,),
            ).fetchall()
        )
    assert types["telephone"] == "character varying"
    assert types["window_start"] == "timestamp with time zone"
    before = dump(pg_dsn, table)
    with pytest.raises(RuntimeError):
        load(hook, table, failing_rows(12_000))
    assert dump(pg_dsn, table) == before
