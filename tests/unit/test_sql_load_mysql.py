"""load_window on a real MariaDB (or MySQL) through MySqlHook and mysql-connector-python: the
multi-row INSERT path, its types, atomicity, and times that no session time zone touches."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from airflow.providers.mysql.hooks.mysql import MySqlHook

from airflow_provider_wolkvox.exceptions import WolkvoxRowError
from airflow_provider_wolkvox.reports import CAMPAIGN_5, MachineCodesRow
from airflow_provider_wolkvox.sql import KEY_COLUMNS, columns, key_columns, load_window, multirow
from airflow_provider_wolkvox.sql import mysql as mysql_path
from airflow_provider_wolkvox.sql.flavors import MYSQL, hook_flavor
from tests.conftest import mariadb_connect, mysql_connection_json

from .test_sql_load import END, LOADED, ODD_TELEPHONES, START, failing_rows, make_rows

pytestmark = [pytest.mark.mariadb, pytest.mark.airflow_release]

TABLE = "machine_codes"


@pytest.fixture
def conn_id(mariadb_database: str, unique_name: str, monkeypatch: pytest.MonkeyPatch) -> str:
    conn_id = f"wk_my_{unique_name}"
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", mysql_connection_json(mariadb_database))
    return conn_id


@pytest.fixture
def hook(conn_id: str) -> MySqlHook:
    hook = MySqlHook(mysql_conn_id=conn_id)
    assert hook.dialect_name == "mysql"
    assert hook_flavor(hook) is MYSQL
    return hook


def load(hook: MySqlHook, rows: Any, **kwargs: Any) -> int:
    args: dict[str, Any] = {
        "table": TABLE,
        "campaign_id": "42",
        "window_start": START,
        "window_end": END,
        "loaded_at": LOADED,
    }
    args.update(kwargs)
    return load_window(hook, rows=rows, **args)


def query(database: str, sql: str, *params: Any, time_zone: str = "+00:00") -> list[tuple[Any, ...]]:
    conn = mariadb_connect(database, time_zone=time_zone)
    try:
        cursor = conn.cursor()
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    finally:
        conn.close()


def dump(database: str, table: str = TABLE, key: tuple[str, ...] = KEY_COLUMNS) -> list[tuple[Any, ...]]:
    """Every row and column in key order: equal dumps mean equal tables."""
    return query(database, f"SELECT * FROM `{table}` ORDER BY {', '.join(key)}")


def test_mysql_creates_an_innodb_table_of_the_documented_types(
    hook: MySqlHook, mariadb_database: str
) -> None:
    assert load(hook, make_rows(3)) == 3
    cols = query(
        mariadb_database,
        "SELECT column_name, column_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
        mariadb_database,
        TABLE,
    )
    text, time, integer = "varchar(191)", "datetime", "int(11)"
    # MariaDB says int(11), MySQL 8 int
    assert [(str(n), re.sub(r"^int\(\d+\)$", "int(11)", str(t)), str(k)) for n, t, k in cols] == [
        ("campaign_id", text, "NO"),
        ("window_start", time, "NO"),
        ("window_end", time, "NO"),
        ("telephone", text, "NO"),
        *[(name, integer, "NO") for name in columns()[4:10]],
        ("loaded_at", time, "NO"),
    ]
    key = query(
        mariadb_database,
        "SELECT column_name FROM information_schema.key_column_usage WHERE table_schema = %s "
        "AND table_name = %s AND constraint_name = 'PRIMARY' ORDER BY ordinal_position",
        mariadb_database,
        TABLE,
    )
    assert [str(name) for (name,) in key] == list(KEY_COLUMNS)
    [(engine, collation)] = query(
        mariadb_database,
        "SELECT engine, table_collation FROM information_schema.tables WHERE table_schema = %s "
        "AND table_name = %s",
        mariadb_database,
        TABLE,
    )
    assert (engine, collation) == ("InnoDB", "utf8mb4_bin")
    assert dump(mariadb_database)[0] == (
        "42",
        datetime(2026, 11, 27, 6),
        datetime(2026, 11, 27, 7),
        "+573000000000",
        0,
        0,
        0,
        0,
        0,
        0,
        datetime(2026, 11, 27, 7, 5, 9),  # whole seconds, UTC
    )


def test_mysql_reload_of_a_window_leaves_identical_rows(hook: MySqlHook, mariadb_database: str) -> None:
    assert load(hook, make_rows(25_000)) == 25_000
    first = dump(mariadb_database)
    assert load(hook, make_rows(25_000), loaded_at=LOADED + timedelta(hours=1)) == 25_000
    second = dump(mariadb_database)
    assert len(second) == 25_000
    assert [row[:-1] for row in second] == [row[:-1] for row in first]
    assert {row[-1] for row in second} == {datetime(2026, 11, 27, 8, 5, 9)}


def test_mysql_windows_and_campaigns_do_not_touch_each_other(hook: MySqlHook, mariadb_database: str) -> None:
    load(hook, make_rows(20), window_start=END, window_end=END.add(hours=1))
    load(hook, make_rows(30), campaign_id="43")
    others = dump(mariadb_database)
    load(hook, make_rows(10))
    assert load(hook, make_rows(5, prefix="+1")) == 5
    rows = dump(mariadb_database)
    assert sorted(row for row in rows if row[0] != "42" or row[1] != datetime(2026, 11, 27, 6)) == sorted(
        others
    )
    assert len(rows) == 20 + 30 + 5
    assert load(hook, iter(()), allow_empty=True) == 0  # no rows clear the window, when allowed
    assert sorted(dump(mariadb_database)) == sorted(others)


def test_mysql_text_survives_exactly_case_and_accents_included(
    hook: MySqlHook, mariadb_database: str
) -> None:
    """utf8mb4_bin: ids that differ only in case or accents are different keys, not one."""
    telephones = [*ODD_TELEPHONES, "abc", "ABC", "é", "e", "😀"]
    load(hook, [MachineCodesRow(t, i, 0, 0, 0, 0, 0) for i, t in enumerate(telephones)], campaign_id="c\t1\\")
    stored = {row[3]: row[4] for row in dump(mariadb_database)}
    assert stored == {t: i for i, t in enumerate(telephones)}
    assert {row[0] for row in dump(mariadb_database)} == {"c\t1\\"}


def test_mysql_failing_midway_leaves_the_table_unchanged(hook: MySqlHook, mariadb_database: str) -> None:
    load(hook, make_rows(100))
    load(hook, make_rows(50), window_start=END, window_end=END.add(hours=1))
    before = dump(mariadb_database)
    with pytest.raises(RuntimeError, match="staging file went away"):
        load(hook, failing_rows(25_000))  # two full batches went in before it failed
    assert dump(mariadb_database) == before


@pytest.mark.parametrize(
    ("bad_rows", "error", "match"),
    [
        pytest.param(
            [*make_rows(15_000), MachineCodesRow("+573000000007", 1, 1, 1, 1, 1, 1)],
            Exception,
            "Duplicate entry",
            id="duplicate-telephone",
        ),
        pytest.param(
            [*make_rows(15_000), MachineCodesRow("+1", 2**31, 0, 0, 0, 0, 0)],
            Exception,
            "Out of range",
            id="count-too-large",
        ),
        pytest.param(
            [*make_rows(15_000), MachineCodesRow("9" * 192, 1, 0, 0, 0, 0, 0)],
            Exception,
            "Data too long",
            id="key-longer-than-its-column",
        ),
        pytest.param(
            [*make_rows(10), MachineCodesRow("+1", 1, "2", 0, 0, 0, 0)],  # type: ignore[arg-type]
            WolkvoxRowError,
            r"row 10 .*no_answer is '2' \(str\), expected int",
            id="count-is-text",
        ),
    ],
)
def test_mysql_bad_row_or_database_error_leaves_the_table_unchanged(
    hook: MySqlHook, mariadb_database: str, bad_rows: list[Any], error: type[Exception], match: str
) -> None:
    """Strict mode for the load's session: a value that does not fit fails the load, never cut."""
    load(hook, make_rows(100))
    before = dump(mariadb_database)
    with pytest.raises(error, match=match):
        load(hook, iter(bad_rows))
    assert dump(mariadb_database) == before


def test_mysql_session_without_strict_mode_still_never_cuts(conn_id: str, mariadb_database: str) -> None:
    """A server or connection set to a lenient sql_mode would cut a long key to 191 characters and
    merge rows; the load switches its own session to strict mode first."""
    hook = MySqlHook(mysql_conn_id=conn_id, init_command="SET SESSION sql_mode = ''")
    load(hook, make_rows(5))
    before = dump(mariadb_database)
    with pytest.raises(Exception, match="Data too long"):
        load(hook, [*make_rows(5), MachineCodesRow("9" * 200, 1, 0, 0, 0, 0, 0)])
    assert dump(mariadb_database) == before


def test_mysql_times_are_utc_whatever_the_session_time_zone(
    conn_id: str, mariadb_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DATETIME, not TIMESTAMP: a session at +05:00 stores and reads the same UTC wall-clock time."""
    hook = MySqlHook(mysql_conn_id=conn_id, init_command="SET time_zone = '+05:00'")
    conn = hook.get_conn()
    try:
        cursor = conn.cursor()
        cursor.execute("SELECT @@session.time_zone")
        assert cursor.fetchone() == ("+05:00",)
    finally:
        conn.close()
    before = datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)
    load_window(
        hook,
        table=TABLE,
        campaign_id="42",
        window_start=START.in_timezone("America/Bogota"),
        window_end=END.in_timezone("Asia/Tokyo"),
        rows=make_rows(2),
    )
    after = datetime.now(timezone.utc).replace(tzinfo=None)
    for zone in ("+00:00", "+05:00", "-11:00"):
        rows = query(
            mariadb_database, f"SELECT window_start, window_end, loaded_at FROM {TABLE}", time_zone=zone
        )
        assert {row[:2] for row in rows} == {(datetime(2026, 11, 27, 6), datetime(2026, 11, 27, 7))}, zone
        assert all(before <= row[2] <= after for row in rows), zone
    # The +05:00 session finds its window again: a re-load replaces, never duplicates.
    assert load(hook, make_rows(3)) == 3
    assert len(dump(mariadb_database)) == 3


def test_mysql_splits_the_rows_into_statements_the_server_takes(
    hook: MySqlHook, mariadb_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Statements stay under their byte bound: here 4 KiB, so a 3,000-row window takes hundreds."""
    monkeypatch.setattr(mysql_path, "MAX_STATEMENT_BYTES", 4096)
    executed: list[int] = []
    real = multirow.insert_chunks

    def counting(cursor: Any, head: str, values: Any, **kwargs: Any) -> None:
        execute = cursor.execute

        class Counting:
            def execute(self, sql: str, params: Any) -> None:
                executed.append(len(sql.encode()) + sum(len(str(p)) for p in params))
                execute(sql, params)

        real(Counting(), head, values, **kwargs)

    monkeypatch.setattr(multirow, "insert_chunks", counting)
    assert load(hook, make_rows(3_000)) == 3_000
    assert len(executed) > 100
    assert max(executed) <= 4096
    assert [row[3] for row in dump(mariadb_database)] == sorted(f"+57300{i:07d}" for i in range(3_000))


def _campaign_5_rows(count: int, comment: str) -> Iterator[tuple[Any, ...]]:
    when = datetime(2026, 11, 27, 6, 30, tzinfo=timezone.utc)
    for i in range(count):
        yield (
            "call", "7", "Ana", "Díaz", "ANSWER", "A1", comment, f"id{i}", "agent", f"conn-{i}",
            "+57300", "customer", "outbound", "OK", when, "00:01:02", "A1", comment,
        )  # fmt: skip


def test_mysql_free_text_longer_than_a_text_column_loads_exactly(
    hook: MySqlHook, mariadb_database: str
) -> None:
    """campaign_5 comments are free text: MEDIUMTEXT, far past 255 characters (and past TEXT's 64 KiB)."""
    comment = "comentario ☎ " * 6_000  # 78,000 characters, about 84 KB in UTF-8
    rows = list(_campaign_5_rows(40, comment))
    assert load(hook, rows, table="c5", spec=CAMPAIGN_5) == 40
    stored = dump(mariadb_database, "c5", key_columns(CAMPAIGN_5))
    assert len(stored) == 40
    assert {row[3 + CAMPAIGN_5.fields.index("comments")] for row in stored} == {comment}
    assert stored[0][3 + CAMPAIGN_5.fields.index("date")] == datetime(2026, 11, 27, 6, 30)


def test_mysql_connection_of_the_hook_is_closed(hook: MySqlHook, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[Any] = []
    get_conn = hook.get_conn

    def recording() -> Any:
        conn = get_conn()
        opened.append(conn)
        return conn

    monkeypatch.setattr(hook, "get_conn", recording)
    load(hook, make_rows(3))
    with pytest.raises(RuntimeError):
        load(hook, failing_rows(3))
    assert len(opened) == 2
    assert not any(conn.is_connected() for conn in opened)
