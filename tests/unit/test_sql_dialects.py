"""The warehouses that cannot run here, checked as far as a real SQL parser can: every flavor's
statements for every report parse in that database's dialect (sqlglot), into the shape meant,
with the types of the flavor. And flavor choice by dialect or connection type, never by id.

BigQuery's staging-table path and Oracle's create-if-missing run against strict stand-ins
(:mod:`tests.unit.warehouse_fakes`: neither can run here) to pin what they send, in which order,
and that each statement binds its parameters the way the driver takes them.
"""

from __future__ import annotations

import re
import sys
from datetime import datetime, timezone
from typing import Any

import pendulum
import pytest
import sqlglot
from airflow.providers.common.sql.hooks.sql import DbApiHook
from sqlglot import exp

from airflow_provider_wolkvox.exceptions import WolkvoxEmptyAnswerError
from airflow_provider_wolkvox.reports import CAMPAIGN_8, REPORTS, ReportSpec
from airflow_provider_wolkvox.sql import load_window
from airflow_provider_wolkvox.sql import staged as staged_path
from airflow_provider_wolkvox.sql.flavors import (
    BIGQUERY,
    FLAVORS,
    GENERIC,
    MSSQL,
    MYSQL,
    NUMBERED,
    ORACLE,
    POSTGRES,
    REDSHIFT,
    SNOWFLAKE,
    SQLITE,
    Flavor,
    flavor_for,
    hook_flavor,
)
from airflow_provider_wolkvox.sql.job import LedgerEntry
from airflow_provider_wolkvox.sql.ledger import WRITTEN_COLUMNS
from airflow_provider_wolkvox.sql.multirow import values_sql
from airflow_provider_wolkvox.sql.schema import column_type, columns, key_columns, statements, window_columns

from .expected import COLUMN_TYPES, WINDOW_KINDS, column_kind
from .test_sql_load import END, LOADED, START, failing_rows, make_rows
from .warehouse_fakes import (
    BigQueryClient,
    BigQueryLikeHook,
    OracleConnection,
    OracleLikeHook,
    bigquery_module,
)

pytestmark = [pytest.mark.airflow_release, pytest.mark.stand_in]

PARSED = [f for f in FLAVORS if f.sqlglot_dialect]
"""Every flavor but the generic fallback (which is for databases no parser can name)."""
PLACEHOLDER = {"postgres": "%s", "redshift": "%s", "oracle": NUMBERED}
"""The marks each driver takes: psycopg's ``%s``, python-oracledb's ``:1, :2, ...`` (the flavor
says so), elsewhere ``?`` (pyodbc's, and BigQuery's positional query parameters)."""


UNPARSED_OPTIONS = {"sqlite": " WITHOUT ROWID"}
"""Table options sqlglot's grammar lacks (SQLite runs for real in test_sql_load.py)."""


def parse(flavor: Flavor, sql: str) -> exp.Expression:
    """The one statement of ``sql``, parsed for real: sqlglot's fallback to an opaque Command for
    syntax it does not know counts as a failure."""
    sql = sql.replace(UNPARSED_OPTIONS.get(flavor.name, "\0"), "")
    if flavor is ORACLE:
        # Oracle takes numbered binds (":1"), sqlglot's Oracle grammar only named ones: read each
        # ":n" as ":bn", after checking they are :1, :2, ... in order and nothing else marks a value.
        numbers = re.findall(r":(\d+)\b", sql)
        assert numbers == [str(n) for n in range(1, len(numbers) + 1)], sql
        assert "?" not in sql, sql
        assert "%s" not in sql, sql
        sql = re.sub(r":(\d+)\b", r":b\1", sql)
    [tree] = sqlglot.parse(sql, read=flavor.sqlglot_dialect, error_level=sqlglot.ErrorLevel.RAISE)
    assert tree is not None
    assert not list(tree.find_all(exp.Command)), f"{flavor.name} does not parse: {sql}"
    return tree


def unquoted(flavor: Flavor, name: str) -> str:
    return flavor.quote(name).strip('"`[]')


@pytest.mark.parametrize("flavor", PARSED, ids=lambda f: f.name)
@pytest.mark.parametrize("spec", list(REPORTS.values()), ids=lambda s: s.api)
def test_every_statement_parses_in_the_flavors_dialect(flavor: Flavor, spec: ReportSpec) -> None:
    placeholder = PLACEHOLDER.get(flavor.sqlglot_dialect, "?")
    sql = statements(flavor, "analytics.wolkvox_report", placeholder=placeholder, spec=spec)

    create_tree = parse(flavor, sql.create)
    create = create_tree.find(exp.Create)
    assert create is not None
    if flavor.create == "if_object_id":
        assert isinstance(create_tree, exp.IfBlock)  # T-SQL has no CREATE TABLE IF NOT EXISTS
    else:
        assert create_tree is create
        assert bool(create.args.get("exists")) is (flavor.create == "if_not_exists")
    defined = {cd.name: cd for cd in create.find_all(exp.ColumnDef)}
    assert list(defined) == [unquoted(flavor, c) for c in columns(spec)]
    # Each column's type from the test's own table per flavor (tests/unit/expected.py), never from
    # column_type(), the function that wrote the statement.
    kinds = {f.name: column_kind(spec.api, f.api_name, f.name in spec.key) for f in spec.schema}
    kinds |= dict.fromkeys(window_columns(spec), "key") | WINDOW_KINDS
    for name in columns(spec):
        kind = defined[unquoted(flavor, name)].args["kind"]
        expected = parse(flavor, f"CAST(x AS {COLUMN_TYPES[flavor.name][kinds[name]]})").find(exp.DataType)
        assert kind == expected, (name, kind.sql(flavor.sqlglot_dialect))
    key = create.find(exp.PrimaryKey)
    assert key is not None
    assert [e.name for e in key.expressions] == [unquoted(flavor, c) for c in key_columns(spec)]

    if flavor.create == "catalog":
        assert isinstance(parse(flavor, sql.exists), exp.Select)
    delete = parse(flavor, sql.delete)
    assert isinstance(delete, exp.Delete)
    marks = len(list(delete.find_all(exp.Placeholder, exp.Parameter)))
    assert marks == len(window_columns(spec)) or placeholder == "%s"
    insert = parse(flavor, sql.insert)
    assert isinstance(insert, exp.Insert)
    assert len(insert.expression.expressions[0].expressions) == len(columns(spec))


@pytest.mark.parametrize("spec", list(REPORTS.values()), ids=lambda s: s.api)
def test_mysql_multi_row_insert_parses(spec: ReportSpec) -> None:
    sql = statements(MYSQL, "wolkvox_report", placeholder="?", spec=spec)
    head = sql.insert[: sql.insert.index(" VALUES (") + len(" VALUES ")]
    insert = parse(MYSQL, head + values_sql("?", len(columns(spec)), 3))
    assert isinstance(insert, exp.Insert)
    assert len(insert.expression.expressions) == 3


def test_time_types_hold_utc_without_a_session_zone() -> None:
    """The two traps: MySQL's TIMESTAMP converts through the session zone (and ends in 2038), and
    SQL Server's TIMESTAMP is a row version, not a time."""
    assert MYSQL.time_type == "DATETIME"
    assert MSSQL.time_type == "DATETIME2(0)"
    assert SNOWFLAKE.time_type == "TIMESTAMP_NTZ(0)"
    for flavor in (MYSQL, MSSQL, SNOWFLAKE, ORACLE, GENERIC):
        # zone-less columns get naive UTC wall-clock values
        assert flavor.time_value(pendulum.datetime(2026, 11, 27, 1, tz="America/Bogota")) == datetime(
            2026, 11, 27, 6
        )


@pytest.mark.parametrize("flavor", [MYSQL, MSSQL, ORACLE], ids=lambda f: f.name)
def test_keys_are_bounded_text_and_free_text_is_not(flavor: Flavor) -> None:
    """MySQL/MariaDB, SQL Server and Oracle cannot key an unbounded text column; campaign_5's
    comments run past 255 characters."""
    spec = REPORTS["campaign_5"]
    # The types from the test's own table per flavor (tests/unit/expected.py), not the flavor's.
    key, text = COLUMN_TYPES[flavor.name]["key"], COLUMN_TYPES[flavor.name]["text"]
    assert key in ("VARCHAR(191)", "NVARCHAR(128)", "VARCHAR2(255 CHAR)")
    assert text in ("MEDIUMTEXT", "NVARCHAR(MAX)", "CLOB")
    assert column_type(flavor, "conn_id", spec) == key
    assert column_type(flavor, "comments", spec) == text


KEY_BYTES = {
    # (the most a value of the type takes in an index, the flavor's limit on a primary key)
    "mysql": ({"VARCHAR(191)": 191 * 4 + 2, "DATETIME": 5, "INTEGER": 4, "DATE": 3}, 3072),
    "mssql": ({"NVARCHAR(128)": 128 * 2, "DATETIME2(0)": 6, "INT": 4, "DATE": 3}, 900),
}
"""InnoDB's index prefix limit (utf8mb4: 4 bytes a character, 2 of length) and SQL Server's
clustered key limit (NVARCHAR: 2 bytes a character); decimals are never part of a key."""


@pytest.mark.parametrize("flavor", [MYSQL, MSSQL], ids=lambda f: f.name)
def test_every_reports_key_fits_the_databases_key_length_limit(flavor: Flavor) -> None:
    """A key past InnoDB's limit fails CREATE TABLE; past SQL Server's, an insert of long values."""
    from airflow_provider_wolkvox.reports.stored import stored_spec

    sizes, limit = KEY_BYTES[flavor.name]
    widest = max(
        (sum(sizes[column_type(flavor, c, stored_spec(spec))] for c in key_columns(stored_spec(spec))), api)
        for api, spec in REPORTS.items()
    )
    assert widest[0] <= limit, widest


@pytest.mark.parametrize(
    ("name", "flavor"),
    [
        ("postgresql", POSTGRES),
        ("postgres", POSTGRES),
        ("sqlite", SQLITE),
        ("mysql", MYSQL),
        ("mariadb", MYSQL),
        ("mssql", MSSQL),
        ("snowflake", SNOWFLAKE),
        ("bigquery", BIGQUERY),
        ("gcpbigquery", BIGQUERY),
        ("redshift", REDSHIFT),
        ("oracle", ORACLE),
        ("default", GENERIC),
        ("informix", GENERIC),
    ],
)
def test_flavor_by_dialect_name_or_connection_type(name: str, flavor: Flavor) -> None:
    assert flavor_for(name) is flavor


class _TypedHook(DbApiHook):
    """A hook whose dialect common-sql cannot name (no SQLAlchemy dialect installed for it)."""

    conn_name_attr = "typed_conn_id"

    def __init__(self, conn_type: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.conn_type = conn_type

    @property
    def dialect_name(self) -> str:
        return "default"


def test_connection_type_picks_the_flavor_when_the_dialect_is_unknown() -> None:
    assert hook_flavor(_TypedHook("snowflake")) is SNOWFLAKE
    assert hook_flavor(_TypedHook("gcpbigquery")) is BIGQUERY
    assert hook_flavor(_TypedHook("generic")) is GENERIC


# --- BigQuery: staging table, then one MERGE -----------------------------------------------------


def _bigquery_load(rows: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[BigQueryClient, Any]:
    monkeypatch.setitem(sys.modules, "google.cloud.bigquery", bigquery_module())
    client = BigQueryClient()
    hook = BigQueryLikeHook(client)
    try:
        result = load_window(
            hook,
            table="ds.machine_codes",
            campaign_id="42",
            window_start=START,
            window_end=END,
            loaded_at=LOADED,
            rows=rows,
            ledger_table=None,  # the statements of the load alone (the ledger has tests of its own)
        )
    except RuntimeError as err:
        result = err
    assert hook.asked == [("wolkvox-project", "US")]  # jobs run in the connection's project and location
    return client, result


def test_bigquery_loads_into_a_staging_table_then_replaces_the_window_in_one_merge(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, inserted = _bigquery_load(make_rows(2_500), monkeypatch)
    assert inserted == 2_500
    kinds = [type(parse(BIGQUERY, sql)).__name__ for sql, _, _ in client.jobs]
    assert kinds[:2] == ["Create", "Create"]  # the target if missing, then the staging table
    assert set(kinds[2:-3]) == {"Insert"}
    assert kinds[-3:] == ["Select", "Merge", "Drop"]  # the window's rows counted (guard), replaced
    staging = client.jobs[1][0].split("`")[3]
    assert staging.startswith("machine_codes_wolkvox_stage_")
    assert "expiration_timestamp" in client.jobs[1][0]
    inserts = client.jobs[2:-3]
    assert all(f"`{staging}`" in sql for sql, _, _ in inserts)
    assert all(len(params) <= staged_path.MAX_PARAMETERS for _, params, _ in inserts)
    assert sum(len(params) for _, params, _ in inserts) == 2_500 * len(columns(CAMPAIGN_8))
    # typed as the columns: campaign and telephone STRING, the window and loaded_at TIMESTAMP, counts INT64
    row_types = inserts[0][2][: len(columns(CAMPAIGN_8))]
    assert row_types == ["STRING", "TIMESTAMP", "TIMESTAMP", "STRING", *["INT64"] * 6, "TIMESTAMP"]
    merge, window, window_types = client.jobs[-2]
    assert window == [
        "42",
        datetime(2026, 11, 27, 6, tzinfo=timezone.utc),
        datetime(2026, 11, 27, 7, tzinfo=timezone.utc),
    ]
    assert window_types == ["STRING", "TIMESTAMP", "TIMESTAMP"]
    tree = parse(BIGQUERY, merge)
    assert "WHEN NOT MATCHED BY SOURCE AND" in merge
    assert "THEN DELETE WHEN NOT MATCHED THEN INSERT ROW" in merge
    assert tree.this.name == "machine_codes"
    assert client.jobs[-1][0] == f"DROP TABLE IF EXISTS `ds`.`{staging}`"


def test_bigquery_load_failing_midway_never_touches_the_target(monkeypatch: pytest.MonkeyPatch) -> None:
    client, error = _bigquery_load(failing_rows(15_000), monkeypatch)
    assert isinstance(error, RuntimeError)
    sent = [sql for sql, _, _ in client.jobs]
    assert not any(sql.startswith(("MERGE", "DELETE")) for sql in sent)
    assert sent[-1].startswith("DROP TABLE IF EXISTS `ds`.`machine_codes_wolkvox_stage_")


def _bigquery_ledger_load(
    loaded: int, rows: Any, monkeypatch: pytest.MonkeyPatch, **kwargs: Any
) -> BigQueryClient:
    """A load with the ledger on, into a target whose window already holds ``loaded`` rows."""
    monkeypatch.setitem(sys.modules, "google.cloud.bigquery", bigquery_module())
    client = BigQueryClient(existing_rows=loaded)
    load_window(
        BigQueryLikeHook(client),
        table="ds.machine_codes",
        campaign_id="42",
        window_start=START,
        window_end=END,
        loaded_at=LOADED,
        rows=rows,
        ledger=LedgerEntry(wolkvox_conn_id="wolkvox_default", api_calls=2),
        **kwargs,
    )
    return client


def _ledger_row(client: BigQueryClient) -> dict[str, Any]:
    [values] = [p for sql, p, _ in client.jobs if sql.startswith("INSERT INTO `ds`.`wolkvox_loads`")]
    return dict(zip([name for name, *_ in WRITTEN_COLUMNS], values, strict=True))


def test_bigquery_writes_the_ledger_row_right_after_the_merge(monkeypatch: pytest.MonkeyPatch) -> None:
    """No transaction to share: the row follows the MERGE, so a failed load never leaves one."""
    client = _bigquery_ledger_load(7, make_rows(3), monkeypatch)
    kinds = [type(parse(BIGQUERY, sql)).__name__ for sql, _, _ in client.jobs]
    assert kinds[:3] == ["Create", "Create", "Create"]  # target, ledger (in the target's dataset), staging
    assert "`ds`.`wolkvox_loads`" in client.jobs[1][0]
    assert kinds[-4:] == ["Select", "Merge", "Insert", "Drop"]
    row = _ledger_row(client)
    assert (row["report_api"], row["campaign_id"], row["target_table"]) == (
        "campaign_8",
        "42",
        "ds.machine_codes",
    )
    assert (row["rows_loaded"], row["rows_replaced"], row["api_calls"]) == (3, 7, 2)
    assert row["wolkvox_conn_id"] == "wolkvox_default"


def test_bigquery_empty_answer_over_loaded_rows_fails_before_the_merge(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "google.cloud.bigquery", bigquery_module())
    client = BigQueryClient(existing_rows=10)
    with pytest.raises(WolkvoxEmptyAnswerError, match="10 rows are already loaded"):
        load_window(
            BigQueryLikeHook(client),
            table="ds.machine_codes",
            campaign_id="42",
            window_start=START,
            window_end=END,
            loaded_at=LOADED,
            rows=iter(()),
        )
    sent = [sql for sql, _, _ in client.jobs]
    assert not any(sql.startswith(("MERGE", "DELETE", "INSERT INTO `ds`.`wolkvox_loads`")) for sql in sent)
    assert sent[-1].startswith("DROP TABLE IF EXISTS `ds`.`machine_codes_wolkvox_stage_")


def test_bigquery_allow_empty_clears_the_window_and_the_ledger_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = _bigquery_ledger_load(10, iter(()), monkeypatch, allow_empty=True)
    assert any(sql.startswith("MERGE") for sql, _, _ in client.jobs)
    row = _ledger_row(client)
    assert (row["rows_loaded"], row["rows_replaced"]) == (0, 10)


# --- Oracle: a look in the catalog, then a plain CREATE TABLE -----------------------------------


@pytest.mark.parametrize("tables", [0, 1])
def test_oracle_creates_the_table_only_when_the_catalog_lacks_it(tables: int) -> None:
    connection = OracleConnection(tables)
    window = {"campaign_id": "42", "window_start": START, "window_end": END, "loaded_at": LOADED}
    assert (
        load_window(
            OracleLikeHook(connection),
            table="wolkvox_machine_codes",
            rows=make_rows(3),
            ledger_table=None,
            **window,
        )
        == 3
    )
    sent = [sql.split(" ")[0] for sql, _ in connection.sent]
    ddl = ["SELECT", "CREATE", "COMMIT"] if tables == 0 else ["SELECT", "COMMIT"]
    # DDL commits in Oracle: before the load; the window's rows are counted for the empty-answer guard.
    assert sent == [*ddl, "SELECT", "DELETE", "INSERT", "COMMIT"]
    assert connection.sent[0][0].endswith("table_name = 'WOLKVOX_MACHINE_CODES'")
    for sql, _ in connection.sent:
        if sql != "COMMIT":
            parse(ORACLE, sql)  # every statement sent is Oracle SQL


# --- The other tables and statements a load sends: ledger, density history, schema on read --------


@pytest.mark.parametrize("flavor", PARSED, ids=lambda f: f.name)
def test_ledger_density_and_new_column_statements_parse_in_the_flavors_dialect(flavor: Flavor) -> None:
    """Not only the report's table: every load also writes a ledger row (by default), the sizer
    keeps its history in a table of its own, and a field the API starts sending adds a column."""
    from airflow_provider_wolkvox.reports.stored import extra_fields, with_extras
    from airflow_provider_wolkvox.sql.density import density_statements
    from airflow_provider_wolkvox.sql.evolve import add_missing_columns
    from airflow_provider_wolkvox.sql.job import LoadJob
    from airflow_provider_wolkvox.sql.ledger import LEDGER_COLUMNS, WRITTEN_COLUMNS, ledger_statements

    placeholder = PLACEHOLDER.get(flavor.sqlglot_dialect, "?")
    ledger = ledger_statements(flavor, "analytics.wolkvox_loads", placeholder)
    density = density_statements(flavor, "analytics.wolkvox_density", placeholder)
    for sql in (ledger, density):
        create = parse(flavor, sql.create).find(exp.Create)
        assert create is not None
        assert create.find(exp.PrimaryKey) is not None
        if flavor.create == "catalog":
            assert isinstance(parse(flavor, sql.exists), exp.Select)
        else:
            assert sql.exists == ""
    insert = parse(flavor, ledger.insert)
    assert isinstance(insert, exp.Insert)
    assert len(insert.expression.expressions[0].expressions) == len(WRITTEN_COLUMNS)
    assert isinstance(parse(flavor, density.select), exp.Select)
    assert isinstance(parse(flavor, density.delete), exp.Delete)
    assert isinstance(parse(flavor, density.insert), exp.Insert)

    # The empty-answer guard's count of the window's rows, made from the DELETE.
    spec = REPORTS["cdr_2"]
    sql = statements(flavor, "analytics.wolkvox_report", placeholder=placeholder, spec=spec)
    count = parse(flavor, sql.delete.replace("DELETE FROM", "SELECT COUNT(*) FROM", 1))
    assert isinstance(count, exp.Select)

    # Schema on read: the look at the table's columns, then one ALTER TABLE per new field.
    grown = with_extras(spec, ("Site Name",))
    [extra] = extra_fields(grown)
    sent: list[str] = []

    class Cursor:
        description = tuple((name,) for name in columns(spec))

        def execute(self, statement: str) -> None:
            sent.append(statement)

        def fetchall(self) -> list[Any]:
            return []

    job = LoadJob(
        table="analytics.wolkvox_report",
        params=(),
        window_start=START,
        window_end=END,
        loaded_at=LOADED,
        rows=[],
        create_table=True,
        spec=grown,
        allow_empty=False,
        ledger_table=None,
        ledger=None,
    )
    assert add_missing_columns(Cursor(), job, flavor, sql.table, flavor.quote) == [extra.name]
    look, alter = (parse(flavor, statement) for statement in sent)
    assert isinstance(look, exp.Select)
    assert isinstance(alter, exp.Alter)
    # sqlglot reads ADD COLUMN in every dialect; T-SQL (ADD c t) and Oracle (ADD (c t)) do not.
    assert ("ADD COLUMN" in sent[1]) is (flavor not in (MSSQL, ORACLE))
    [added] = alter.find_all(exp.ColumnDef)
    assert added.name == unquoted(flavor, extra.name)

    # A load that replaced characters writes `chars_replaced`, adding it to an old ledger.
    # A try that failed after spending calls writes the column `failed` (issue 26), likewise.
    for insert_sql, add_sql, column in (
        (ledger.insert_replaced, ledger.add_replaced, "chars_replaced"),
        (ledger.insert_failed, ledger.add_failed, "failed"),
    ):
        insert_one = parse(flavor, insert_sql)
        assert isinstance(insert_one, exp.Insert)
        assert len(insert_one.expression.expressions[0].expressions) == len(WRITTEN_COLUMNS) + 1
        assert len(LEDGER_COLUMNS) == len(WRITTEN_COLUMNS) + 2
        add_one = parse(flavor, add_sql)
        assert isinstance(add_one, exp.Alter)
        [added] = add_one.find_all(exp.ColumnDef)
        assert added.name == unquoted(flavor, column)
