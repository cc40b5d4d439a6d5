"""What each warehouse needs, as data: column types, quoting, "create if missing", how a window is replaced.

A flavor is to a database what a :class:`~airflow_provider_wolkvox.reports.ReportSpec` is to a
report: generic code (:mod:`~airflow_provider_wolkvox.sql.schema` builds the SQL, the loaders
run it) reads it and never branches on a database's name. The flavor is picked from the hook's
common-sql dialect (``DbApiHook.dialect_name``), else from its connection type; never from a
connection id. Anything unknown gets :data:`GENERIC`.

Why the types differ:

- keys and free text: MySQL/MariaDB, SQL Server and Oracle cannot key a TEXT/MAX/CLOB column,
  so key columns get a bounded type small enough for the database's key-length limit (InnoDB:
  3,072 bytes, SQL Server: 900 bytes for a clustered key) and free text (campaign_5's comments
  run past 255 characters) an unbounded one;
- times hold UTC wall-clock time and are never converted through a session time zone: MySQL's
  ``TIMESTAMP`` is (and ends in 2038), so MySQL/MariaDB get ``DATETIME``; SQL Server's
  ``TIMESTAMP`` is a row version, so it gets ``DATETIME2(0)``; Snowflake ``TIMESTAMP_NTZ``;
- ``CREATE TABLE IF NOT EXISTS`` is missing in T-SQL (``IF OBJECT_ID(...) IS NULL``) and in
  Oracle before 23ai (a look in the catalog first);
- BigQuery runs no multi-statement transaction through DB-API: its rows go to a staging table
  and one ``MERGE`` replaces the window (one DML statement is atomic there);
- parameter marks: common-sql hooks say theirs in ``DbApiHook.placeholder``, but two drivers take
  something else and their hooks do not say so: ``OracleHook`` keeps common-sql's ``%s`` while
  python-oracledb binds ``:1, :2, ...`` (a connection's ``placeholder`` extra may only be ``%s``
  or ``?``), and BigQuery takes ``?`` only as a typed query parameter of a job run through the
  client, never through ``BigQueryHook``'s DB-API cursor. Such a flavor names its marks itself
  (``placeholder``); the others take the hook's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from airflow.providers.common.sql.hooks.sql import DbApiHook

Quote = Callable[[str], str]
Create = Literal["if_not_exists", "if_object_id", "catalog"]
Replace = Literal["transaction", "staging_merge"]

NUMBERED = ":n"
"""A flavor's ``placeholder`` meaning ``:1, :2, ...``: one number for each mark, counted from 1 in
every statement. python-oracledb binds a sequence by position to every occurrence of a mark in a
SQL statement (only PL/SQL binds a repeated name once), so numbering each occurrence makes the
number of marks the number of values, as with ``?`` and ``%s``."""


def marks(placeholder: str, count: int, start: int = 1) -> list[str]:
    """``count`` parameter marks: ``placeholder`` each time, or for :data:`NUMBERED` ``:start``,
    ``:start+1``, ... (a statement with marks in several places numbers them on from ``start``)."""
    if placeholder == NUMBERED:
        return [f":{number}" for number in range(start, start + count)]
    return [placeholder] * count


def double_quote(word: str) -> str:
    """SQL-standard quoting; safe because every identifier passed the strict regex first."""
    return f'"{word}"'


def upper_quote(word: str) -> str:
    """Quoted in upper case: the same name an unquoted identifier folds to (Oracle, Snowflake)."""
    return f'"{word.upper()}"'


def backtick(word: str) -> str:
    """MySQL/MariaDB and BigQuery quoting."""
    return f"`{word}`"


def bracket(word: str) -> str:
    """T-SQL quoting that holds whatever ``QUOTED_IDENTIFIER`` the driver's session has."""
    return f"[{word}]"


def no_quote(word: str) -> str:
    """Leave a validated identifier as it is (the database folds its case as usual)."""
    return word


def utc_iso(moment: datetime) -> str:
    """``2026-11-27T06:00:00+00:00``: the text form of a time in SQLite and in COPY data."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def utc_aware(moment: datetime) -> datetime:
    """An aware UTC datetime: what a ``timestamptz`` parameter wants."""
    return moment.astimezone(timezone.utc)


def utc_naive(moment: datetime) -> datetime:
    """A naive datetime holding UTC wall-clock time: what a zone-less time column wants."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class Flavor:
    """Types, quoting and statement shapes of one family of databases."""

    name: str
    title: str
    """How the docs name it."""
    text_type: str
    """Text that can be part of a primary key (campaign id, a report's key fields)."""
    time_type: str
    """Holds a UTC wall-clock time (or an instant) with no session time-zone conversion."""
    int_type: str
    time_value: Callable[[datetime], object]
    """Turns an aware datetime into the parameter value stored in a time column."""
    long_text_type: str = ""
    """Free text outside the key (comments); ``text_type`` when empty."""
    numeric_type: str = "NUMERIC"
    """Type of percentages (exact decimals)."""
    decimal_type: str = ""
    """Type of money and other decimals (``numeric_type`` when empty): wider than a percentage."""
    date_type: str = "DATE"
    """Type of a calendar date (no time of day)."""
    quote: Quote = double_quote
    table_options: str = ""
    key_clause: str = "PRIMARY KEY ({})"
    create: Create = "if_not_exists"
    """How "create the table if missing" is said: ``IF NOT EXISTS``, T-SQL's ``IF OBJECT_ID``, or a
    look in the catalog (``exists_sql``) before a plain ``CREATE TABLE``."""
    exists_sql: str = ""
    """For ``create="catalog"``: a count of tables named ``{name}`` in schema ``{schema}`` (both
    validated identifiers, inlined as string literals)."""
    ddl_commits: bool = False
    """DDL commits the open transaction: the table is created in a transaction of its own first."""
    replace: Replace = "transaction"
    """``transaction``: DELETE and INSERT in one transaction. ``staging_merge``: rows into a staging
    table, then one MERGE statement (for warehouses with no DB-API transaction)."""
    add_column: str = "ALTER TABLE {table} ADD COLUMN {column}"
    """Adds a column (schema on read): ``{table}`` qualified and quoted, ``{column}`` name and type."""
    rename_column: str = "ALTER TABLE {table} RENAME COLUMN {old} TO {new}"
    """Renames a column (one naming rule, :mod:`~airflow_provider_wolkvox.sql.names`): ``{table}``
    qualified and quoted, ``{old}`` and ``{new}`` quoted names, ``{new_name}`` the new name as it is
    (validated: letters, digits and underscores)."""
    session_sql: tuple[str, ...] = ()
    """Run on the connection before anything else (e.g. MySQL strict mode: never truncate silently)."""
    dialects: tuple[str, ...] = ()
    """common-sql dialect names and Airflow connection types that pick this flavor."""
    sqlglot_dialect: str = ""
    """The dialect the unit tests parse this flavor's statements in ("" for none)."""
    placeholder: str = ""
    """The parameter mark the flavor's driver takes whatever the hook says (:data:`NUMBERED` for
    ``:1, :2, ...``); "" takes the hook's ``placeholder``."""
    columns_max: int = 1000
    """Most columns a load lets a table grow to (schema on read), below the database's own limit
    (PostgreSQL 1,600, SQLite 2,000): a server that sends new fields load after load meets a clear
    error naming the fix, never the database's error on every load after."""
    add_columns_at_once: bool = False
    """Add a load's new columns in one ``ALTER TABLE`` (where DDL commits at once, so that a refused
    one leaves none of them)."""
    identifier_max: int = 30
    """Longest column name the database takes (in characters, or bytes of ASCII names): a column
    found on read is named within the smallest of them (``stored.EXTRA_COLUMN_MAX``)."""

    @property
    def free_text_type(self) -> str:
        return self.long_text_type or self.text_type

    @property
    def money_type(self) -> str:
        return self.decimal_type or self.numeric_type


POSTGRES = Flavor(
    "postgresql",
    "PostgreSQL",
    "text",
    "timestamptz",
    "integer",
    utc_aware,
    numeric_type="numeric",
    date_type="date",
    dialects=("postgresql", "postgres"),
    sqlglot_dialect="postgres",
    identifier_max=63,
)
SQLITE = Flavor(
    "sqlite",
    "SQLite",
    "TEXT",
    "TEXT",
    "INTEGER",
    utc_iso,
    date_type="TEXT",
    table_options=" WITHOUT ROWID",
    dialects=("sqlite",),
    sqlglot_dialect="sqlite",
    identifier_max=1000,  # no limit of its own
)
MYSQL = Flavor(
    "mysql",
    "MySQL / MariaDB",
    # utf8mb4 takes up to 4 bytes a character: the widest key of any stored report (a unit test sums
    # them) fits InnoDB's 3,072 bytes; a longer value fails the load (strict mode), never cut.
    "VARCHAR(191)",
    "DATETIME",
    "INTEGER",
    utc_naive,
    long_text_type="MEDIUMTEXT",
    numeric_type="DECIMAL(9,2)",
    decimal_type="DECIMAL(20,6)",
    quote=backtick,
    # InnoDB: transactional (MyISAM would leave half a load). utf8mb4_bin: keys compare exactly
    # (the default collations fold case and accents, which would merge distinct ids).
    table_options=" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    ddl_commits=True,
    session_sql=("SET SESSION sql_mode = CONCAT_WS(',', @@SESSION.sql_mode, 'STRICT_ALL_TABLES')",),
    dialects=("mysql", "mariadb"),
    sqlglot_dialect="mysql",
    identifier_max=64,
    # InnoDB's row holds at most 8,126 bytes besides off-page text, and each text column keeps a
    # pointer in it: MariaDB refuses the ALTER TABLE at about 400 of them.
    columns_max=350,
    add_columns_at_once=True,
)
MSSQL = Flavor(
    "mssql",
    "Microsoft SQL Server",
    # NVARCHAR takes 2 bytes a character: the widest key of any stored report (a unit test sums
    # them) fits the 900-byte clustered key.
    "NVARCHAR(128)",
    "DATETIME2(0)",
    "INT",
    utc_naive,
    long_text_type="NVARCHAR(MAX)",
    numeric_type="DECIMAL(9,2)",
    decimal_type="DECIMAL(20,6)",
    quote=bracket,
    create="if_object_id",
    add_column="ALTER TABLE {table} ADD {column}",
    rename_column="EXEC sp_rename N'{table}.{old}', N'{new_name}', N'COLUMN'",
    dialects=("mssql", "tsql", "sqlserver"),
    sqlglot_dialect="tsql",
    identifier_max=128,
)
SNOWFLAKE = Flavor(
    "snowflake",
    "Snowflake",
    "VARCHAR",
    "TIMESTAMP_NTZ(0)",
    "NUMBER(10,0)",
    utc_naive,
    numeric_type="NUMBER(9,2)",
    decimal_type="NUMBER(20,6)",
    quote=upper_quote,
    ddl_commits=True,
    dialects=("snowflake",),
    sqlglot_dialect="snowflake",
    identifier_max=255,
)
BIGQUERY = Flavor(
    "bigquery",
    "Google BigQuery",
    "STRING",
    "TIMESTAMP",
    "INT64",
    utc_aware,
    numeric_type="NUMERIC",
    quote=backtick,
    key_clause="PRIMARY KEY ({}) NOT ENFORCED",
    ddl_commits=True,
    replace="staging_merge",
    # Positional query parameters of a GoogleSQL job run through the client (sql/bigquery.py).
    placeholder="?",
    dialects=("bigquery", "gcpbigquery", "google_cloud_platform"),
    sqlglot_dialect="bigquery",
    identifier_max=300,
)
REDSHIFT = Flavor(
    "redshift",
    "Amazon Redshift",
    # Redshift's TEXT is VARCHAR(256) and its lengths count bytes.
    "VARCHAR(1024)",
    "TIMESTAMPTZ",
    "INTEGER",
    utc_aware,
    long_text_type="VARCHAR(65535)",
    numeric_type="DECIMAL(9,2)",
    decimal_type="DECIMAL(20,6)",
    dialects=("redshift",),
    sqlglot_dialect="redshift",
    identifier_max=127,
)
ORACLE = Flavor(
    "oracle",
    "Oracle",
    "VARCHAR2(255 CHAR)",
    "TIMESTAMP(0)",
    "NUMBER(10)",
    utc_naive,
    long_text_type="CLOB",
    numeric_type="NUMBER(9,2)",
    decimal_type="NUMBER",
    quote=upper_quote,
    create="catalog",
    add_column="ALTER TABLE {table} ADD ({column})",
    exists_sql="SELECT COUNT(*) FROM all_tables WHERE owner = {schema} AND table_name = {name}",
    ddl_commits=True,
    placeholder=NUMBERED,
    dialects=("oracle",),
    sqlglot_dialect="oracle",
    identifier_max=30,  # 128 from Oracle 12.2 on; 30 before
)
GENERIC = Flavor(
    "generic",
    "any other DB-API database",
    "VARCHAR(255)",
    "TIMESTAMP",
    "INTEGER",
    utc_naive,
    long_text_type="VARCHAR(4000)",
    numeric_type="DECIMAL(9,2)",
    decimal_type="DECIMAL(20,6)",
    quote=no_quote,
    ddl_commits=True,
)
"""Anything else: portable types; TIMESTAMP values are naive and hold UTC; identifiers quoted the
hook's way (``dialect.escape_word``)."""

FLAVORS: tuple[Flavor, ...] = (POSTGRES, SQLITE, MYSQL, MSSQL, SNOWFLAKE, BIGQUERY, REDSHIFT, ORACLE, GENERIC)
_BY_NAME = {name: flavor for flavor in FLAVORS for name in flavor.dialects}


def flavor_for(dialect_name: str) -> Flavor:
    """The flavor of a common-sql dialect name or connection type; :data:`GENERIC` when unknown."""
    return _BY_NAME.get(str(dialect_name).lower(), GENERIC)


def hook_flavor(db_hook: DbApiHook) -> Flavor:
    """The flavor of ``db_hook``: its common-sql dialect, else its connection type."""
    flavor = flavor_for(db_hook.dialect_name)
    if flavor is GENERIC:
        flavor = flavor_for(getattr(db_hook, "conn_type", None) or "")
    return flavor


def bind_placeholder(db_hook: DbApiHook, flavor: Flavor) -> str:
    """The parameter mark of a load through ``db_hook``: the flavor's own where its driver dictates
    one (Oracle, BigQuery), else the hook's (``DbApiHook.placeholder``, set per connection)."""
    return flavor.placeholder or str(db_hook.placeholder)
