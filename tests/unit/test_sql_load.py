"""load_window on SQLite (SqliteHook, real file), the generic DB-API path, and the SQL it builds."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pendulum
import pytest
from airflow.providers.common.sql.hooks.sql import DbApiHook
from airflow.providers.sqlite.hooks.sqlite import SqliteHook

from airflow_provider_wolkvox.exceptions import WolkvoxConfigError, WolkvoxRowError, WolkvoxWindowError
from airflow_provider_wolkvox.reports import MachineCodesRow
from airflow_provider_wolkvox.sql import COLUMNS, KEY_COLUMNS, create_table_sql, load_window, schema_doc
from airflow_provider_wolkvox.sql.copy_format import escape
from airflow_provider_wolkvox.sql.rows import batches

pytestmark = pytest.mark.airflow_release

START = pendulum.datetime(2026, 11, 27, 6, tz="UTC")
END = pendulum.datetime(2026, 11, 27, 7, tz="UTC")
LOADED = datetime(2026, 11, 27, 7, 5, 9, 123456, tzinfo=timezone.utc)
ODD_TELEPHONES = [
    "0012345",
    "+573001234567",
    "tab\there",
    "back\\slash",
    "\\N",
    "\\.",
    "new\nline",
    "carriage\rreturn",
    "ünïcödé ☎ 電話",
    " padded ",
    "",
    "'; DROP TABLE x; --",
]


def make_rows(count: int, prefix: str = "+57300", start: int = 0) -> Iterator[MachineCodesRow]:
    for i in range(start, start + count):
        yield MachineCodesRow(f"{prefix}{i:07d}", i % 7, i % 5, i % 3, i % 2, 0, i % 11)


def failing_rows(count: int, error: BaseException | None = None) -> Iterator[MachineCodesRow]:
    yield from make_rows(count)
    raise error or RuntimeError("the staging file went away")


class _Poisoned(DbApiHook):
    """A hook that must never be used: the load has to fail before any database I/O."""

    conn_name_attr = "poisoned_conn_id"

    @property
    def dialect_name(self) -> str:
        raise AssertionError("dialect_name was read")

    def get_conn(self) -> Any:
        raise AssertionError("get_conn was called")


class PlainSqliteHook(DbApiHook):
    """A SQLite-backed hook of a "generic" connection: dialect "default", so the generic DB-API path."""

    conn_name_attr = "plain_conn_id"
    default_conn_name = "plain_default"
    conn_type = "generic"
    supports_autocommit = False
    _placeholder = "?"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.opened: list[sqlite3.Connection] = []

    def get_conn(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.connection.extra_dejson["path"])
        self.opened.append(conn)
        return conn


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.sqlite"


@pytest.fixture
def sqlite_hook(db_path: Path, unique_name: str, monkeypatch: pytest.MonkeyPatch) -> SqliteHook:
    conn_id = f"wk_{unique_name}"
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps({"conn_type": "sqlite", "host": str(db_path)})
    )
    hook = SqliteHook(sqlite_conn_id=conn_id)  # type: ignore[no-untyped-call,unused-ignore]
    assert hook.dialect_name == "sqlite"
    return hook


@pytest.fixture
def plain_hook(db_path: Path, unique_name: str, monkeypatch: pytest.MonkeyPatch) -> PlainSqliteHook:
    conn_id = f"wk_plain_{unique_name}"
    connection = {"conn_type": "generic", "extra": {"path": str(db_path)}}
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(connection))
    hook = PlainSqliteHook(plain_conn_id=conn_id)
    assert hook.dialect_name == "default"
    return hook


def load(hook: DbApiHook, rows: Any, **kwargs: Any) -> int:
    args: dict[str, Any] = {
        "table": "machine_codes",
        "campaign_id": "42",
        "window_start": START,
        "window_end": END,
        "loaded_at": LOADED,
    }
    args.update(kwargs)
    return load_window(hook, rows=rows, **args)


def dump(path: Path) -> str:
    """Every table, index and row of the file, as SQL text: equal dumps mean equal databases."""
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


def select(
    path: Path, table: str = "machine_codes", without_loaded_at: bool = False
) -> list[tuple[Any, ...]]:
    columns = ", ".join(c for c in COLUMNS if not (without_loaded_at and c == "loaded_at"))
    conn = sqlite3.connect(path)
    try:
        query = f"SELECT {columns} FROM {table} ORDER BY {', '.join(KEY_COLUMNS)}"
        return conn.execute(query).fetchall()
    finally:
        conn.close()


# --- SQL text ------------------------------------------------------------------------------


def test_create_table_sql_per_dialect() -> None:
    pg = create_table_sql("postgresql", "analytics.machine_codes")
    assert pg.startswith('CREATE TABLE IF NOT EXISTS "analytics"."machine_codes" (')
    assert '"window_start" timestamptz NOT NULL' in pg
    assert '"telephone" text NOT NULL' in pg
    assert '"failed" integer NOT NULL' in pg
    assert 'PRIMARY KEY ("campaign_id", "window_start", "window_end", "telephone")' in pg

    lite = create_table_sql("sqlite", "machine_codes")
    assert '"loaded_at" TEXT NOT NULL' in lite
    assert lite.endswith(") WITHOUT ROWID")

    # T-SQL has no CREATE TABLE IF NOT EXISTS, and its TIMESTAMP is a row version.
    mssql = create_table_sql("mssql", "dbo.machine_codes")
    assert mssql.startswith(
        "IF OBJECT_ID(N'[dbo].[machine_codes]', N'U') IS NULL CREATE TABLE [dbo].[machine_codes] ("
    )
    assert "[window_end] DATETIME2(0) NOT NULL" in mssql
    assert "[telephone] NVARCHAR(128) NOT NULL" in mssql
    assert "[busy] INT NOT NULL" in mssql

    mysql = create_table_sql("mysql", "machine_codes")
    assert "`window_start` DATETIME NOT NULL" in mysql  # not TIMESTAMP: no session zone, no 2038
    assert mysql.endswith(") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin")

    other = create_table_sql("informix", "dbo.machine_codes")
    assert other.startswith("CREATE TABLE IF NOT EXISTS dbo.machine_codes (")
    assert "window_end TIMESTAMP NOT NULL" in other
    assert "telephone VARCHAR(255) NOT NULL" in other
    assert "busy INTEGER NOT NULL" in other


def test_schema_doc_lists_every_column() -> None:
    doc = schema_doc()
    for column in COLUMNS:
        assert f"| `{column}` |" in doc
    assert "`timestamptz`" in doc
    assert "PRIMARY KEY" not in doc  # prose, not DDL
    assert "campaign_id, window_start, window_end, telephone" in doc


@pytest.mark.parametrize(
    "table",
    [
        "machine_codes; DROP TABLE users",
        'machine"codes',
        "a.b.c",
        "",
        ".machine_codes",
        "machine_codes.",
        "1machine_codes",
        "machine codes",
        "machine-codes",
        "máquina",
        "x" * 64,
        "public.x--",
    ],
)
def test_bad_table_name_is_refused_before_touching_the_database(table: str) -> None:
    with pytest.raises(WolkvoxConfigError, match="not a valid table name"):
        load(_Poisoned(), make_rows(1), table=table)
    with pytest.raises(WolkvoxConfigError):
        create_table_sql("postgresql", table)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"window_start": datetime(2026, 11, 27, 6)}, WolkvoxWindowError),  # naive
        ({"window_end": START}, WolkvoxWindowError),  # empty
        ({"window_start": END, "window_end": START}, WolkvoxWindowError),  # inverted
        ({"loaded_at": datetime(2026, 11, 27, 7)}, WolkvoxConfigError),  # naive
        ({"campaign_id": ""}, WolkvoxConfigError),
    ],
)
def test_bad_arguments_are_refused_before_touching_the_database(
    kwargs: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        load(_Poisoned(), make_rows(1), **kwargs)


def test_copy_escape() -> None:
    assert escape("+57300") == "+57300"
    assert escape("a\\b\tc\nd\re") == "a\\\\b\\tc\\nd\\re"
    assert escape("\\N") == "\\\\N"


def test_batches_read_lazily() -> None:
    def endless() -> Iterator[int]:
        i = 0
        while True:
            yield i
            i += 1

    stream = batches(endless(), 3)
    assert next(stream) == [0, 1, 2]
    assert next(stream) == [3, 4, 5]
    assert list(batches([], 3)) == []


# --- SQLite through SqliteHook -------------------------------------------------------------


def test_sqlite_creates_table_with_documented_columns(sqlite_hook: SqliteHook, db_path: Path) -> None:
    assert load(sqlite_hook, make_rows(3)) == 3
    conn = sqlite3.connect(db_path)
    info = conn.execute("PRAGMA table_info(machine_codes)").fetchall()
    conn.close()
    # cid, name, type, notnull, default, pk
    assert [(name, kind, notnull, pk) for _, name, kind, notnull, _, pk in info] == [
        ("campaign_id", "TEXT", 1, 1),
        ("window_start", "TEXT", 1, 2),
        ("window_end", "TEXT", 1, 3),
        ("telephone", "TEXT", 1, 4),
        ("total_machine_recognitions", "INTEGER", 1, 0),
        ("no_answer", "INTEGER", 1, 0),
        ("answer_machine", "INTEGER", 1, 0),
        ("busy", "INTEGER", 1, 0),
        ("congestion", "INTEGER", 1, 0),
        ("failed", "INTEGER", 1, 0),
        ("loaded_at", "TEXT", 1, 0),
    ]
    first = select(db_path)[0]
    assert first == (
        "42",
        "2026-11-27T06:00:00+00:00",
        "2026-11-27T07:00:00+00:00",
        "+573000000000",
        0,
        0,
        0,
        0,
        0,
        0,
        "2026-11-27T07:05:09+00:00",
    )


def test_sqlite_stores_windows_in_utc_whatever_the_input_zone(sqlite_hook: SqliteHook, db_path: Path) -> None:
    bogota_start = START.in_timezone("America/Bogota")
    load(sqlite_hook, make_rows(1), window_start=bogota_start, window_end=END.in_timezone("Asia/Tokyo"))
    assert select(db_path)[0][1:3] == ("2026-11-27T06:00:00+00:00", "2026-11-27T07:00:00+00:00")


def test_sqlite_default_loaded_at_is_now_in_whole_seconds(sqlite_hook: SqliteHook, db_path: Path) -> None:
    before = datetime.now(timezone.utc).replace(microsecond=0)
    load_window(
        sqlite_hook,
        table="machine_codes",
        campaign_id="42",
        window_start=START,
        window_end=END,
        rows=make_rows(1),
    )
    after = datetime.now(timezone.utc)
    stored = select(db_path)[0][-1]
    assert stored.endswith("+00:00")
    assert len(stored) == len("2026-11-27T07:05:09+00:00")
    assert before <= datetime.fromisoformat(stored) <= after


def test_sqlite_reload_of_a_window_leaves_identical_rows(sqlite_hook: SqliteHook, db_path: Path) -> None:
    assert load(sqlite_hook, make_rows(25_000)) == 25_000
    first = select(db_path)
    assert load(sqlite_hook, make_rows(25_000), loaded_at=LOADED + timedelta(hours=1)) == 25_000
    second = select(db_path)
    assert len(second) == 25_000
    assert [row[:-1] for row in second] == [row[:-1] for row in first]
    assert {row[-1] for row in second} == {"2026-11-27T08:05:09+00:00"}
    conn = sqlite3.connect(db_path)
    distinct = conn.execute("SELECT count(DISTINCT telephone) FROM machine_codes").fetchone()[0]
    conn.close()
    assert distinct == 25_000


def test_sqlite_windows_and_campaigns_do_not_touch_each_other(sqlite_hook: SqliteHook, db_path: Path) -> None:
    load(sqlite_hook, make_rows(10))
    load(sqlite_hook, make_rows(20), window_start=END, window_end=END.add(hours=1))
    load(sqlite_hook, make_rows(30), campaign_id="43")
    load(sqlite_hook, make_rows(40), window_end=END.add(hours=1))  # overlapping, but another window
    others = [
        row
        for row in select(db_path)
        if (row[0], row[1], row[2]) != ("42", START.isoformat(), END.isoformat())
    ]

    assert load(sqlite_hook, make_rows(5, prefix="+1")) == 5

    rows = select(db_path)
    assert [row for row in rows if row not in others] == [
        row for row in rows if (row[0], row[1], row[2]) == ("42", START.isoformat(), END.isoformat())
    ]
    assert sorted(row for row in rows if row in others) == sorted(others)
    assert len(rows) == len(others) + 5 == 20 + 30 + 40 + 5


def test_sqlite_zero_rows_clear_the_window_when_allowed(sqlite_hook: SqliteHook, db_path: Path) -> None:
    load(sqlite_hook, make_rows(10))
    load(sqlite_hook, make_rows(7), campaign_id="43")
    assert load(sqlite_hook, iter(()), allow_empty=True) == 0
    rows = select(db_path)
    assert len(rows) == 7
    assert {row[0] for row in rows} == {"43"}


def test_sqlite_zero_rows_into_a_new_table_creates_it_empty(sqlite_hook: SqliteHook, db_path: Path) -> None:
    assert load(sqlite_hook, [], table="main.fresh") == 0
    assert select(db_path, table="fresh") == []


def test_sqlite_create_table_false_needs_the_table(sqlite_hook: SqliteHook, db_path: Path) -> None:
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        load(sqlite_hook, make_rows(1), create_table=False)


def test_sqlite_telephones_survive_exactly(sqlite_hook: SqliteHook, db_path: Path) -> None:
    rows = [MachineCodesRow(t, i, 0, 0, 0, 0, 0) for i, t in enumerate(ODD_TELEPHONES)]
    load(sqlite_hook, rows, campaign_id="tab\tcampaign\\1")
    stored = {row[3]: row[4] for row in select(db_path)}
    assert stored == {t: i for i, t in enumerate(ODD_TELEPHONES)}
    assert {row[0] for row in select(db_path)} == {"tab\tcampaign\\1"}


def test_sqlite_generator_failing_midway_leaves_the_file_unchanged(
    sqlite_hook: SqliteHook, db_path: Path
) -> None:
    load(sqlite_hook, make_rows(100))
    load(sqlite_hook, make_rows(50), window_start=END, window_end=END.add(hours=1))
    before = dump(db_path)

    with pytest.raises(RuntimeError, match="staging file went away"):
        load(sqlite_hook, failing_rows(25_000))  # fails after two full batches went in

    assert dump(db_path) == before


def test_sqlite_failed_first_load_does_not_leave_a_table_behind(
    sqlite_hook: SqliteHook, db_path: Path
) -> None:
    load(sqlite_hook, make_rows(1), table="other")
    before = dump(db_path)
    with pytest.raises(RuntimeError):
        load(sqlite_hook, failing_rows(10))
    assert dump(db_path) == before
    assert "machine_codes" not in before


@pytest.mark.parametrize(
    ("bad_rows", "error", "match"),
    [
        pytest.param(
            [*make_rows(15_000), MachineCodesRow("+573000000007", 1, 1, 1, 1, 1, 1)],
            sqlite3.IntegrityError,
            "UNIQUE",
            id="duplicate-telephone",
        ),
        pytest.param(
            [*make_rows(15_000), MachineCodesRow("+1", 2**63, 0, 0, 0, 0, 0)],
            OverflowError,
            "too large",
            id="out-of-range",
        ),
        pytest.param(
            [*make_rows(15_000), MachineCodesRow("+1", 1, "2", 0, 0, 0, 0)],  # type: ignore[arg-type]
            WolkvoxRowError,
            r"row 15000 to load into \"machine_codes\": no_answer is '2' \(str\), expected int",
            id="count-is-text",
        ),
        pytest.param(
            [*make_rows(10), MachineCodesRow(5, 1, 1, 1, 1, 1, 1)],  # type: ignore[arg-type]
            WolkvoxRowError,
            r"row 10 .*telephone is 5 \(int\), expected str",
            id="telephone-not-text",
        ),
        pytest.param(
            [*make_rows(10), ("+1", 1, 1)],
            WolkvoxRowError,
            "row 10 .* not a MachineCodesRow of 7 fields",
            id="short-row",
        ),
        pytest.param(
            [*make_rows(10), MachineCodesRow("+1", None, 1, 1, 1, 1, 1)],  # type: ignore[arg-type]
            WolkvoxRowError,
            "total_machine_recognitions is None",
            id="null-count",
        ),
    ],
)
def test_sqlite_bad_row_or_database_error_leaves_the_file_unchanged(
    sqlite_hook: SqliteHook, db_path: Path, bad_rows: list[Any], error: type[Exception], match: str
) -> None:
    load(sqlite_hook, make_rows(100))
    before = dump(db_path)
    with pytest.raises(error, match=match):
        load(sqlite_hook, iter(bad_rows))
    assert dump(db_path) == before


def test_sqlite_holds_the_write_lock_while_streaming(sqlite_hook: SqliteHook, db_path: Path) -> None:
    """BEGIN IMMEDIATE: from the first row on, no other writer can slip in between DELETE and INSERT."""
    load(sqlite_hook, make_rows(1))
    seen: list[str] = []

    def rows() -> Iterator[MachineCodesRow]:
        other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
        try:
            yield from make_rows(3)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            seen.append("locked")
        finally:
            other.close()

    load(sqlite_hook, rows())
    assert seen == ["locked"]
    assert len(select(db_path)) == 3


class RecordingConnection(sqlite3.Connection):
    """Remembers the transaction settings it had when it was closed."""

    settings_at_close: tuple[Any, bool] | None = None

    def close(self) -> None:
        self.settings_at_close = (self.isolation_level, self.in_transaction)
        super().close()


def test_sqlite_connection_is_restored_and_closed(
    sqlite_hook: SqliteHook, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[RecordingConnection] = []

    def get_conn() -> sqlite3.Connection:
        # What SqliteHook.get_conn does, with a connection class that can be inspected.
        conn = sqlite3.connect(f"file:{db_path}", uri=True, factory=RecordingConnection)
        opened.append(conn)
        return conn

    monkeypatch.setattr(sqlite_hook, "get_conn", get_conn)
    load(sqlite_hook, make_rows(3))
    with pytest.raises(RuntimeError):
        load(sqlite_hook, failing_rows(3))

    assert [conn.settings_at_close for conn in opened] == [("", False), ("", False)]
    for conn in opened:
        with pytest.raises(sqlite3.ProgrammingError, match="closed"):
            conn.execute("SELECT 1")


# --- the generic DB-API path ---------------------------------------------------------------


def test_generic_path_loads_reloads_and_rolls_back(plain_hook: PlainSqliteHook, db_path: Path) -> None:
    hook = plain_hook
    assert load(hook, make_rows(12_345)) == 12_345

    conn = sqlite3.connect(db_path)
    ddl = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'machine_codes'").fetchone()[0]
    types = {name: kind for _, name, kind, *_ in conn.execute("PRAGMA table_info(machine_codes)")}
    conn.close()
    assert "WITHOUT ROWID" not in ddl
    assert types["window_start"] == "TIMESTAMP"
    assert types["telephone"] == "VARCHAR(255)"
    assert types["busy"] == "INTEGER"
    first = select(db_path)
    assert first[0][1:3] == ("2026-11-27 06:00:00", "2026-11-27 07:00:00")  # naive UTC, driver's format

    assert load(hook, make_rows(12_345), loaded_at=LOADED + timedelta(days=1)) == 12_345
    assert [row[:-1] for row in select(db_path)] == [row[:-1] for row in first]

    load(hook, make_rows(3), window_start=END, window_end=END.add(hours=1))
    before = dump(db_path)
    with pytest.raises(RuntimeError):
        load(hook, failing_rows(15_000))
    with pytest.raises(sqlite3.IntegrityError):
        load(hook, [*make_rows(10), MachineCodesRow("+573000000003", 1, 1, 1, 1, 1, 1)])
    assert dump(db_path) == before

    assert load(hook, [], allow_empty=True) == 0
    assert len(select(db_path)) == 3

    for conn in hook.opened:
        with pytest.raises(sqlite3.ProgrammingError, match="closed"):
            conn.execute("SELECT 1")


def test_generic_path_telephones_survive_exactly(plain_hook: PlainSqliteHook, db_path: Path) -> None:
    load(plain_hook, [MachineCodesRow(t, i, 0, 0, 0, 0, 0) for i, t in enumerate(ODD_TELEPHONES)])
    assert {row[3]: row[4] for row in select(db_path)} == {t: i for i, t in enumerate(ODD_TELEPHONES)}


def test_generic_path_quotes_identifiers_the_hook_way(
    db_path: Path, unique_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn_id = f"wk_quoted_{unique_name}"
    extra = {"path": str(db_path), "escape_column_names": True}
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps({"conn_type": "generic", "extra": extra})
    )
    load(PlainSqliteHook(plain_conn_id=conn_id), make_rows(2), table="main.machine_codes")
    conn = sqlite3.connect(db_path)
    ddl = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'machine_codes'").fetchone()[0]
    conn.close()
    assert ddl.startswith('CREATE TABLE "machine_codes" (\n    "campaign_id" VARCHAR(255)')


def test_multi_row_chunks_cover_every_row_once_within_their_bounds() -> None:
    from airflow_provider_wolkvox.sql.multirow import CHARACTER_BYTES, VALUE_BYTES, chunks

    rows = [("c", i, "x" * (i % 50) * (1 + 200 * (i == 7))) for i in range(1_000)]
    limit = 3 * VALUE_BYTES * 40 + CHARACTER_BYTES * 2_000

    def bound(row: tuple[Any, ...]) -> int:
        return 3 * VALUE_BYTES + CHARACTER_BYTES * (len(row[0]) + len(row[2]))

    parts = list(chunks(rows, (0, 2), limit, 64))
    assert [row for part in parts for row in part] == rows
    assert all(len(part) <= 64 for part in parts)
    assert all(sum(map(bound, part)) <= limit or len(part) == 1 for part in parts)
    assert [len(p) for p in chunks(rows[:10], (0, 2), 10**9, 64)] == [10]  # one statement when all fit
    assert list(chunks([], (0,), 100, 10)) == []
