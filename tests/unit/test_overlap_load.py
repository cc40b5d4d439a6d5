"""PostgreSQL overlap staging (``stage_in_warehouse=True``): request windows staged in a temporary
table while the next one is fetched, one transaction at the end. Emulator over HTTP, real PostgreSQL."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pendulum
import pytest

from airflow_provider_wolkvox.exceptions import WolkvoxResponseError, WolkvoxRowError
from airflow_provider_wolkvox.reports import MachineCodesRow
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.airflow_compat import newest_release_only

pytestmark = [
    newest_release_only("The PostgreSQL overlap load (provider logic, not Airflow compatibility)"),
    pytest.mark.airflow_release,
]

START = pendulum.datetime(2026, 11, 27, 5, tz="UTC")
END = START.add(hours=4)
COUNTS = "total_machine_recognitions, no_answer, answer_machine, busy, congestion, failed"
STAGE_TABLES = "SELECT count(*) FROM pg_class WHERE relname LIKE 'wolkvox_stage_%'"


@pytest.fixture
def pg(pg_dsn: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A database of its own behind connection ``wolkvox_pg``; yields its DSN."""
    import psycopg

    from tests import leftovers

    database = f"wolkvox_unit_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {database}")
        admin.execute(leftovers.mark_database_sql(database))  # type: ignore[arg-type]
    dsn = pg_dsn.rsplit("/", 1)[0] + "/" + database
    monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_PG", dsn.replace("postgresql://", "postgres://"))
    yield dsn
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def query(dsn: str, sql: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(dsn) as db:
        return db.execute(sql).fetchall()


def loaded(dsn: str) -> dict[str, tuple[int, ...]]:
    rows = query(dsn, f"SELECT telephone, {COUNTS} FROM wolkvox_machine_codes WHERE campaign_id = '1'")
    return {r[0]: tuple(r[1:]) for r in rows}


def dump(dsn: str) -> list[tuple[Any, ...]]:
    return query(dsn, "SELECT * FROM wolkvox_machine_codes ORDER BY campaign_id, window_start, telephone")


def run(**kwargs: Any) -> Any:
    from airflow.sdk.execution_time.context import OutletEventAccessors

    from airflow_provider_wolkvox.transfers.machine_codes_to_sql import MachineCodesToSqlOperator

    operator = MachineCodesToSqlOperator(
        task_id=f"overlap_{uuid.uuid4().hex[:6]}",
        campaign_id="1",
        sql_conn_id="wolkvox_pg",
        window_start=START.isoformat(),
        window_end=END.isoformat(),
        max_request_window=pendulum.duration(hours=1),  # four request windows
        stage_in_warehouse=True,
        **kwargs,
    )
    return operator.execute(context={"outlet_events": OutletEventAccessors()})  # type: ignore[arg-type]


def test_overlap_loads_summed_rows_exactly_and_again_identically_one_request_at_a_time(
    emulator: WolkvoxEmulator,
    wolkvox_conn: str,
    pg: str,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hours = [emulator.ground_truth("1", START.add(hours=h), START.add(hours=h + 1)) for h in range(4)]
    repeated = set(hours[0]) & set(hours[1])
    assert repeated, "the data must repeat telephones across request windows for the sums to matter"
    truth = emulator.ground_truth("1", START, END)

    emulator.reset_stats()
    with caplog.at_level(logging.INFO, logger="airflow_provider_wolkvox.sql.overlap"):
        first = run()
    # The overlap path, not the local one (Airflow's logging may print instead of propagating).
    assert "staged in PostgreSQL while fetching" in caplog.text + capsys.readouterr().out
    assert first["requests"] == 4
    assert first["rows"] == len(truth)
    assert loaded(pg) == truth
    phone = next(iter(repeated))
    in_windows = [hour[phone] for hour in hours if phone in hour]
    assert loaded(pg)[phone] == tuple(map(sum, zip(*in_windows, strict=True)))
    stats = emulator.stats()
    assert [token["max_in_flight"] for token in stats["tokens"].values()] == [1]
    assert stats["simultaneous_rejections"] == 0

    before = [row[:-1] for row in dump(pg)]  # all but loaded_at
    run()
    assert [row[:-1] for row in dump(pg)] == before
    assert query(pg, "SELECT count(*), min(requests), max(rows_loaded) FROM wolkvox_loads") == [
        (2, 4, len(truth))
    ]
    assert query(pg, STAGE_TABLES) == [(0,)]


def test_overlap_api_failure_on_the_third_window_leaves_the_table_and_no_staging(
    emulator: WolkvoxEmulator, wolkvox_conn: str, pg: str
) -> None:
    run()
    before = dump(pg)
    emulator.reset_stats()
    emulator.set_faults(script=["none", "none", "html"])
    with pytest.raises(WolkvoxResponseError, match="HTML page"):
        run()
    assert emulator.stats()["requests"] == 3  # two windows were staged, the third failed
    assert dump(pg) == before
    assert query(pg, STAGE_TABLES) == [(0,)]
    assert query(pg, "SELECT count(*) FROM wolkvox_loads WHERE failed IS NULL") == [(1,)]
    # The failed try's own ledger row: its three calls spent quota all the same.
    assert query(pg, "SELECT api_calls FROM wolkvox_loads WHERE failed IS NOT NULL") == [(3,)]
    # The staging connection is closed too (the session, and with it any temporary table, is gone).
    assert query(pg, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()") == [(1,)]


def _staging(pg: str) -> Any:
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    from airflow_provider_wolkvox.sql.overlap import PostgresOverlapStaging

    return PostgresOverlapStaging(PostgresHook(postgres_conn_id="wolkvox_pg"))


def _load(pg: str, staging: Any) -> int:
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    from airflow_provider_wolkvox.sql import load_window

    return load_window(
        PostgresHook(postgres_conn_id="wolkvox_pg"),
        table="wolkvox_machine_codes",
        campaign_id="1",
        window_start=START,
        window_end=END,
        rows=staging.rows(),
    )


def row(phone: str, *counts: Any) -> MachineCodesRow:
    return MachineCodesRow(phone, *counts)


def test_staged_windows_sum_as_local_staging_does_and_come_back_in_key_order(pg: str) -> None:
    from airflow_provider_wolkvox.staging.store import Staging

    windows = [
        [row("+57 300", 1, 1, 0, 0, 0, 0), row("0044\t1", 2, 0, 2, 0, 0, 0)],
        [
            row("+57 300", 3, 0, 0, 3, 0, 0),
            row("a\\b\nc", 1, 0, 0, 0, 1, 0),
            row("+57 300", 1, 0, 0, 0, 0, 1),
        ],
        [row("0044\t1", 5, 1, 1, 1, 1, 1), row("ñ", 2**31 - 1, 0, 0, 0, 0, 0)],
    ]
    with _staging(pg) as staged, Staging() as local:
        for window in windows:
            staged.add(list(window))
            local.add(list(window))
        assert staged.staged_rows() is not None
        assert list(staged.rows()) == [tuple(r) for r in local.rows()]
        assert _load(pg, staged) == 4
    assert loaded(pg) == {r[0]: tuple(r[1:]) for r in local_sums(windows)}
    assert query(pg, STAGE_TABLES) == [(0,)]


def local_sums(windows: list[list[MachineCodesRow]]) -> list[tuple[Any, ...]]:
    sums: dict[str, list[int]] = {}
    for window in windows:
        for r in window:
            counts = sums.setdefault(r[0], [0] * 6)
            counts[:] = [a + b for a, b in zip(counts, r[1:], strict=True)]
    return [(phone, *counts) for phone, counts in sums.items()]


def test_a_bad_row_after_two_staged_windows_fails_typed_and_changes_nothing(pg: str) -> None:
    with _staging(pg) as staged:
        staged.add([row("1", 1, 1, 0, 0, 0, 0)])
        _load(pg, staged)
    before = dump(pg)
    with _staging(pg) as staged:
        staged.add([row("1", 2, 2, 0, 0, 0, 0)])
        staged.add([row("2", 1, 1, 0, 0, 0, 0)])
        staged.add([row("3", 1, "x", 0, 0, 0, 0)])  # the writer thread refuses it
        with pytest.raises(WolkvoxRowError, match="no_answer"):
            _load(pg, staged)
    assert dump(pg) == before
    assert query(pg, STAGE_TABLES) == [(0,)]


def test_a_sum_too_large_for_the_column_fails_typed_and_changes_nothing(pg: str) -> None:
    with _staging(pg) as staged:
        staged.add([row("1", 1, 1, 0, 0, 0, 0)])
        _load(pg, staged)
    before = dump(pg)
    with _staging(pg) as staged:
        staged.add([row("1", 2**31 - 1, 0, 0, 0, 0, 0)])
        staged.add([row("1", 1, 0, 0, 0, 0, 0)])  # summed past the integer column
        with pytest.raises(WolkvoxRowError, match="make the column bigint"):
            _load(pg, staged)
    assert dump(pg) == before
    assert query(pg, STAGE_TABLES) == [(0,)]


def test_one_window_never_opens_a_staging_connection(pg: str) -> None:
    with _staging(pg) as staged:
        staged.add([row("1", 1, 1, 0, 0, 0, 0)])
        assert staged.staged_rows() is None
        assert staged.conn is None
        assert _load(pg, staged) == 1
    assert loaded(pg) == {"1": (1, 1, 0, 0, 0, 0)}
