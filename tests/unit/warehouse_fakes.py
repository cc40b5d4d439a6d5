"""Strict stand-ins for the two warehouses whose drivers bind parameters their own way.

Neither Oracle nor BigQuery can run here. These stand-ins do not execute SQL; they refuse what
the real driver would refuse, so a load that passes them sends what the driver takes:

- :class:`OracleCursor`, python-oracledb's rules for a SQL (not PL/SQL) statement bound with a
  sequence: marks are ``:name`` or ``:number`` (``%s`` and ``?`` are syntax errors there), and
  each occurrence of a mark takes one value of the sequence, so the values must number the marks;
- :class:`BigQueryClient`, ``google.cloud.bigquery.Client.query``: a job config that says
  ``use_legacy_sql=False`` (``BigQueryHook`` defaults to legacy SQL, where MERGE and DDL fail),
  one typed positional ``ScalarQueryParameter`` per ``?`` and none pasted into the text, each
  value of the Python type its declared BigQuery type binds.

:func:`bigquery_module` stands in for ``google.cloud.bigquery`` (not installed here), with the
constructor signatures of google-cloud-bigquery 3.x.
"""

from __future__ import annotations

import re
import types
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from airflow.providers.common.sql.hooks.sql import DbApiHook

# --- Oracle ----------------------------------------------------------------------------------------

_MARK = re.compile(r":(\w+)")


def oracle_marks(sql: str) -> list[str]:
    """The bind marks of ``sql`` outside string literals, in order."""
    return _MARK.findall(re.sub(r"'[^']*'", "''", sql))


class OracleCursor:
    """A python-oracledb cursor as far as binding goes; records what it accepted."""

    def __init__(self, connection: OracleConnection) -> None:
        self.connection = connection
        self.rowcount = 0

    def _check(self, sql: str, params: Any) -> None:
        bare = re.sub(r"'[^']*'", "''", sql)
        assert "%s" not in bare, f"python-oracledb does not take %s marks: {sql}"
        assert "?" not in bare, f"python-oracledb does not take ? marks: {sql}"
        names = oracle_marks(sql)
        if not names:
            assert not params, f"values for a statement without marks: {sql}"
            return
        assert names == [str(n) for n in range(1, len(names) + 1)], f"marks not :1..:n in order: {sql}"
        assert isinstance(params, (list, tuple)), f"a sequence binds by position, got {type(params)}"
        assert len(params) == len(names), f"{len(params)} values for {len(names)} marks: {sql}"
        for value in params:
            # oracledb binds these (a zone-less TIMESTAMP column wants naive datetimes)
            assert value is None or isinstance(value, (str, int, float, Decimal, date)), value
            assert not (isinstance(value, datetime) and value.tzinfo is not None), value

    def execute(self, sql: str, params: Any = None) -> None:
        self._check(sql, params)
        self.connection.sent.append((sql, params))

    def executemany(self, sql: str, seq: Any) -> None:
        rows = list(seq)
        for row in rows:
            self._check(sql, row)
        self.connection.sent.append((sql, rows))

    def fetchone(self) -> tuple[Any, ...] | None:
        sql = self.connection.sent[-1][0]
        if sql.startswith("SELECT COUNT(*) FROM all_tables"):
            return (self.connection.tables,)
        if sql.startswith("SELECT COUNT(*)"):
            return (0,)
        return None  # a read of the density history: no row yet

    def fetchall(self) -> list[Any]:
        return []

    @property
    def description(self) -> list[tuple[str]]:
        return []

    def close(self) -> None:
        pass


class OracleConnection:
    """Records statements and commits; the catalog answers ``tables`` for every look."""

    def __init__(self, tables: int = 0) -> None:
        self.sent: list[tuple[str, Any]] = []
        self.tables = tables
        self.autocommit = False

    def cursor(self) -> OracleCursor:
        return OracleCursor(self)

    def commit(self) -> None:
        self.sent.append(("COMMIT", None))

    def rollback(self) -> None:
        self.sent.append(("ROLLBACK", None))

    def close(self) -> None:
        pass


class OracleLikeHook(DbApiHook):
    """What ``OracleHook`` tells common-sql: dialect ``oracle`` and common-sql's default ``%s``."""

    conn_name_attr = "oracle_conn_id"
    conn_type = "oracle"

    def __init__(self, connection: OracleConnection, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.oracle = connection  # not "connection": DbApiHook's property of that name

    @property
    def dialect_name(self) -> str:
        return "oracle"

    @property
    def placeholder(self) -> str:
        return "%s"  # DbApiHook's default, which OracleHook keeps

    def get_conn(self) -> OracleConnection:
        return self.oracle


# --- BigQuery --------------------------------------------------------------------------------------

_BINDS: dict[str, tuple[type, ...]] = {
    "STRING": (str,),
    "INT64": (int,),
    "FLOAT64": (float,),
    "NUMERIC": (Decimal, int),
    "TIMESTAMP": (datetime,),
    "DATE": (date,),
}


class ScalarQueryParameter:
    """``google.cloud.bigquery.ScalarQueryParameter(name, type_, value)``."""

    def __init__(self, name: str | None, type_: str, value: Any) -> None:
        self.name, self.type_, self.value = name, type_, value


class QueryJobConfig:
    """``google.cloud.bigquery.QueryJobConfig(**properties)``: ``use_legacy_sql`` unset is None."""

    def __init__(self, **properties: Any) -> None:
        self.use_legacy_sql = properties.pop("use_legacy_sql", None)
        self.query_parameters = properties.pop("query_parameters", [])
        assert not properties, f"properties this stand-in does not know: {properties}"


def bigquery_module() -> types.ModuleType:
    """A stand-in ``google.cloud.bigquery`` with the two classes the load uses."""
    module = types.ModuleType("google.cloud.bigquery")
    module.QueryJobConfig = QueryJobConfig  # type: ignore[attr-defined]
    module.ScalarQueryParameter = ScalarQueryParameter  # type: ignore[attr-defined]
    return module


@dataclass
class SchemaField:
    name: str


@dataclass
class RowIterator:
    rows: list[tuple[Any, ...]]
    schema: list[SchemaField] = field(default_factory=list)

    def __iter__(self) -> Any:
        return iter(self.rows)


@dataclass
class QueryJob:
    sql: str
    params: list[Any]
    answer: RowIterator

    def result(self) -> RowIterator:
        return self.answer


class BigQueryClient:
    """Records query jobs (sql, parameter values, declared types); refuses what BigQuery would."""

    def __init__(self, existing_rows: int = 0, columns: tuple[str, ...] = ()) -> None:
        self.jobs: list[tuple[str, list[Any], list[str]]] = []
        self.existing_rows, self.columns = existing_rows, columns

    def query(self, sql: str, job_config: QueryJobConfig | None = None) -> QueryJob:
        assert isinstance(job_config, QueryJobConfig), "no job config: the client's default dialect"
        assert job_config.use_legacy_sql is False, f"legacy SQL has no MERGE or DDL: {sql}"
        assert "%s" not in sql, f"DB-API marks in a GoogleSQL query: {sql}"
        assert "%(" not in sql, f"DB-API marks in a GoogleSQL query: {sql}"
        params = job_config.query_parameters
        bare = re.sub(r"'[^']*'", "''", sql)
        assert bare.count("?") == len(params), f"{len(params)} parameters for {bare.count('?')} marks"
        for p in params:
            assert isinstance(p, ScalarQueryParameter), "scalar parameters"
            assert p.name is None, "positional parameters (the SQL marks them with ?)"
            assert p.type_ in _BINDS, f"not a type this load declares: {p.type_}"
            if p.value is not None:
                assert isinstance(p.value, _BINDS[p.type_]), (p.type_, p.value)
                assert not isinstance(p.value, bool), (p.type_, p.value)
                if p.type_ == "TIMESTAMP":
                    assert p.value.tzinfo is not None, "a TIMESTAMP parameter is an instant"
                if p.type_ == "DATE":
                    assert not isinstance(p.value, datetime)
        self.jobs.append((sql, [p.value for p in params], [p.type_ for p in params]))
        if sql.startswith("SELECT COUNT(*)"):
            return QueryJob(sql, params, RowIterator([(self.existing_rows,)]))
        if sql.startswith("SELECT * FROM"):
            return QueryJob(sql, params, RowIterator([], [SchemaField(c) for c in self.columns]))
        return QueryJob(sql, params, RowIterator([]))


class BigQueryLikeHook(DbApiHook):
    """What ``BigQueryHook`` offers: dialect ``bigquery``, ``get_client``, a DB-API ``get_conn``
    that must not be used (it runs legacy SQL and binds no positional parameters)."""

    conn_name_attr = "gcp_conn_id"
    conn_type = "gcpbigquery"

    def __init__(self, client: BigQueryClient, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.client = client
        self.project_id, self.location = "wolkvox-project", "US"
        self.asked: list[tuple[str, str | None]] = []

    @property
    def dialect_name(self) -> str:
        return "bigquery"

    def get_client(self, project_id: str, location: str | None = None) -> BigQueryClient:
        self.asked.append((project_id, location))
        return self.client

    def get_conn(self) -> Any:
        raise AssertionError("BigQueryHook's DB-API connection: legacy SQL, no positional binds")
