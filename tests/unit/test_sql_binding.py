"""Parameters bound the way each driver takes them, for the two whose hooks do not say so.

``OracleHook`` keeps common-sql's ``%s`` (python-oracledb takes ``:1``); ``BigQueryHook``'s DB-API
cursor binds no positional parameters and runs legacy SQL. Every statement of a load, the ledger,
the density history and the ineffective-numbers rebuild goes through strict stand-ins of the two
drivers (:mod:`tests.unit.warehouse_fakes`) and parses in the database's grammar as sent.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
from airflow.providers.common.sql.hooks.sql import DbApiHook

from airflow_provider_wolkvox.exceptions import WolkvoxConfigError
from airflow_provider_wolkvox.reports import REPORTS, ReportSpec
from airflow_provider_wolkvox.sql import load_window
from airflow_provider_wolkvox.sql.density import SqlDensityStore
from airflow_provider_wolkvox.sql.flavors import (
    BIGQUERY,
    MSSQL,
    NUMBERED,
    ORACLE,
    POSTGRES,
    bind_placeholder,
    marks,
)
from airflow_provider_wolkvox.sql.ineffective import build_ineffective_numbers
from airflow_provider_wolkvox.sql.ledger import WRITTEN_COLUMNS
from airflow_provider_wolkvox.sql.multirow import values_sql
from airflow_provider_wolkvox.sql.schema import columns

from .test_sql_dialects import parse
from .test_sql_load import END, LOADED, START
from .warehouse_fakes import (
    BigQueryClient,
    BigQueryLikeHook,
    OracleConnection,
    OracleLikeHook,
    bigquery_module,
    oracle_marks,
)

pytestmark = [pytest.mark.airflow_release, pytest.mark.stand_in]

SAMPLE: dict[str, Any] = {
    "text": "x",
    "integer": 7,
    "decimal": Decimal("1234.50"),
    "percent": Decimal("34.64"),
    "duration": 123,
    "timestamp": datetime(2026, 11, 27, 6, 15, tzinfo=timezone.utc),
    "date": date(2026, 11, 27),
}
"""A typed value of each field type, as the report specs read them."""


def typed_rows(spec: ReportSpec, count: int = 2) -> list[tuple[Any, ...]]:
    """``count`` rows of ``spec`` with distinct text (and so distinct keys where a key is text)."""
    return [
        tuple(f"{SAMPLE[kind]}{n}" if kind == "text" else SAMPLE[kind] for kind in spec.types)
        for n in range(count)
    ]


def params_of(spec: ReportSpec) -> dict[str, str]:
    return {p.name: "12" for p in spec.params}


def test_numbered_marks_count_every_occurrence_from_one_per_statement() -> None:
    assert marks(NUMBERED, 3) == [":1", ":2", ":3"]
    assert marks(NUMBERED, 2, start=4) == [":4", ":5"]
    assert marks("%s", 2) == ["%s", "%s"]
    assert values_sql(NUMBERED, 2, 3) == "(:1, :2), (:3, :4), (:5, :6)"
    assert values_sql("?", 2, 2) == "(?, ?), (?, ?)"


class _Hook(DbApiHook):
    conn_name_attr = "x_conn_id"

    def __init__(self, dialect: str, placeholder: str) -> None:
        super().__init__()
        self._dialect, self._placeholder = dialect, placeholder

    @property
    def dialect_name(self) -> str:
        return self._dialect

    @property
    def placeholder(self) -> str:
        return self._placeholder


def test_the_flavor_dictates_marks_only_where_its_driver_does() -> None:
    assert bind_placeholder(_Hook("oracle", "%s"), ORACLE) == NUMBERED
    assert bind_placeholder(_Hook("bigquery", "%s"), BIGQUERY) == "?"
    # everywhere else the connection's own (a pyodbc connection to SQL Server says ?)
    assert bind_placeholder(_Hook("mssql", "?"), MSSQL) == "?"
    assert bind_placeholder(_Hook("postgresql", "%s"), POSTGRES) == "%s"


# --- Oracle ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", list(REPORTS.values()), ids=lambda s: s.api)
def test_every_report_loads_into_oracle_with_numbered_binds(spec: ReportSpec) -> None:
    """The load, its empty-answer count and its ledger row: every mark ``:n``, one value each."""
    connection = OracleConnection(tables=0)
    inserted = load_window(
        OracleLikeHook(connection),
        table="analytics.wolkvox_report",
        window_start=START,
        window_end=END,
        loaded_at=LOADED,
        rows=typed_rows(spec),
        spec=spec,
        report_params=params_of(spec),
    )
    assert inserted == 2
    sent = [(sql, params) for sql, params in connection.sent if sql != "COMMIT"]
    for sql, _ in sent:
        parse(ORACLE, sql)  # Oracle SQL as sent (numbered binds read by sqlglot as named ones)
    report = 'INSERT INTO "ANALYTICS"."WOLKVOX_REPORT"'
    [(insert, rows)] = [(sql, p) for sql, p in sent if sql.startswith(report)]
    assert len(oracle_marks(insert)) == len(columns(spec))
    assert len(rows) == 2
    [ledger_row] = [p for sql, p in sent if sql.startswith('INSERT INTO "ANALYTICS"."WOLKVOX_LOADS"')]
    assert len(ledger_row) == len(WRITTEN_COLUMNS)
    [delete] = [sql for sql, _ in sent if sql.startswith("DELETE")]
    assert oracle_marks(delete) == [str(n) for n in range(1, len(spec.params) + 3)]  # params, window


def test_oracle_density_history_and_ineffective_numbers_bind_numbered() -> None:
    connection = OracleConnection(tables=1)
    hook = OracleLikeHook(connection)
    store = SqlDensityStore(hook, "wolkvox_density", ("wolkvox_default", "campaign_8", "campaign_id=12"))
    assert store.read() is None
    store.write('{"hours": []}')
    assert build_ineffective_numbers(hook, since=START, min_dials=3, min_machine_share=0.8) == 0
    sent = [sql for sql, _ in connection.sent if sql not in ("COMMIT", "ROLLBACK")]
    for sql in sent:
        parse(ORACLE, sql)
    [rebuild] = [sql for sql in sent if "SUM(total_machine_recognitions)" in sql and sql.startswith("INSERT")]
    assert oracle_marks(rebuild) == ["1", "2", "3", "4", "5"]  # since, built_at, since, min_dials, share


# --- BigQuery --------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", list(REPORTS.values()), ids=lambda s: s.api)
def test_every_report_loads_into_bigquery_as_typed_query_parameters(
    spec: ReportSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each statement one GoogleSQL job of the client; every value a parameter typed as its column
    (a NULL too); the ledger row typed as the ledger's columns."""
    monkeypatch.setitem(sys.modules, "google.cloud.bigquery", bigquery_module())
    client = BigQueryClient()
    inserted = load_window(
        BigQueryLikeHook(client),
        table="ds.wolkvox_report",
        window_start=START,
        window_end=END,
        loaded_at=LOADED,
        rows=typed_rows(spec),
        spec=spec,
        report_params=params_of(spec),
    )
    assert inserted == 2
    for sql, _, _ in client.jobs:
        parse(BIGQUERY, sql)
    kinds = [sql.split(" ")[0] for sql, _, _ in client.jobs]
    assert kinds.count("MERGE") == 1
    staged = [i for i, (sql, _, _) in enumerate(client.jobs) if sql.startswith("INSERT") and "_stage_" in sql]
    assert staged
    assert max(staged) < kinds.index("MERGE")  # the target changes only by the one MERGE, after the rows
    [(_, ledger, ledger_types)] = [
        job for job in client.jobs if job[0].startswith("INSERT INTO `ds`.`wolkvox_loads`")
    ]
    assert len(ledger) == len(ledger_types) == len(WRITTEN_COLUMNS)
    assert ledger[1] is None  # no connection id given: a NULL, bound with the column's type
    assert ledger_types[1] == "STRING"


def test_bigquery_needs_a_hook_with_a_client() -> None:
    """A hook that only offers DB-API cannot load into BigQuery: said before any statement."""
    with pytest.raises(WolkvoxConfigError, match="get_client"):
        load_window(
            _Hook("bigquery", "%s"),
            table="ds.machine_codes",
            campaign_id="42",
            window_start=START,
            window_end=END,
            rows=[],
        )


def test_bigquery_density_history_is_written_and_read_as_query_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sizer's history beside the ledger: through the client too, never the DB-API cursor."""
    monkeypatch.setitem(sys.modules, "google.cloud.bigquery", bigquery_module())
    client = BigQueryClient()
    key = ("wolkvox_default", "campaign_8", "campaign_id=12")
    store = SqlDensityStore(BigQueryLikeHook(client), "ds.wolkvox_density", key)
    assert store.read() is None  # no row yet
    store.write('{"hours": []}')
    kinds = [sql.split(" ")[0] for sql, _, _ in client.jobs]
    assert kinds == ["SELECT", "CREATE", "DELETE", "INSERT"]
    for sql, _, _ in client.jobs:
        parse(BIGQUERY, sql)
    _, values, types = client.jobs[-1]
    assert values[:4] == [*key, '{"hours": []}']
    assert types == ["STRING", "STRING", "STRING", "STRING", "TIMESTAMP"]


def test_ineffective_numbers_refuse_bigquery_before_any_statement(monkeypatch: pytest.MonkeyPatch) -> None:
    """One transaction replaces the list; BigQuery offers none through a hook: said, not half done."""
    client = BigQueryClient()
    with pytest.raises(WolkvoxConfigError, match="Google BigQuery"):
        build_ineffective_numbers(BigQueryLikeHook(client), since=START, min_dials=3, min_machine_share=0.8)
    assert client.jobs == []
