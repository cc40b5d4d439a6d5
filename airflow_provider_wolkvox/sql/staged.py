"""Staging-table path for warehouses with no multi-statement transaction through DB-API (BigQuery).

Every statement runs as a query job of the hook's client, in GoogleSQL, with typed query
parameters (:mod:`~airflow_provider_wolkvox.sql.bigquery`; ``BigQueryHook``'s DB-API cursor
binds no positional parameters and runs legacy SQL by default). Each statement is its own job:
a DELETE then INSERTs would leave a half-replaced window if the load failed between them.
Instead the rows go into a staging table of their own (which expires after a day in case even
its DROP fails), and one ``MERGE`` statement, atomic as every single DML statement there,
deletes the window's old rows and inserts the new ones. A load failing before the MERGE leaves
the target exactly as it was. The empty-answer guard counts the window's rows before the MERGE;
the ledger row follows the MERGE as a statement of its own (BigQuery has no transaction to
share), so a failure between the two loses that row only.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from airflow_provider_wolkvox.reports import CAMPAIGN_8, ReportSpec
from airflow_provider_wolkvox.sql.bigquery import JobCursor, client_of
from airflow_provider_wolkvox.sql.evolve import add_missing_columns
from airflow_provider_wolkvox.sql.flavors import Flavor, bind_placeholder, marks
from airflow_provider_wolkvox.sql.generic import ledger_sql, load_quote, load_statements
from airflow_provider_wolkvox.sql.job import LoadJob
from airflow_provider_wolkvox.sql.ledger import add_replaced_column, ledger_types, record_load
from airflow_provider_wolkvox.sql.multirow import insert_job_rows
from airflow_provider_wolkvox.sql.names import settle_names
from airflow_provider_wolkvox.sql.schema import (
    Statements,
    column_type,
    columns,
    statements,
    table_parts,
    window_columns,
)

if TYPE_CHECKING:
    from airflow.providers.common.sql.hooks.sql import DbApiHook

log = logging.getLogger(__name__)

MAX_PARAMETERS = 10_000
"""BigQuery takes at most 10,000 query parameters in one query."""
MAX_STATEMENT_BYTES = 1 << 20
"""BigQuery's limit on a query's text is 1 MB of unresolved SQL; parameters are apart, but stay small."""
STAGING_OPTIONS = " OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY))"


def staging_table(table: str) -> str:
    """``dataset.name_wolkvox_stage_<12 hex>`` next to ``table``: unique per load, a valid name."""
    *schema, name = table_parts(table)
    return ".".join([*schema, f"{name[:40]}_wolkvox_stage_{uuid.uuid4().hex[:12]}"])


def merge_sql(
    target: Statements, staging: Statements, flavor: Flavor, placeholder: str, spec: ReportSpec = CAMPAIGN_8
) -> str:
    """One statement replacing the window of ``target`` with every row of ``staging``."""
    names = window_columns(spec)
    window = " AND ".join(
        f"target.{flavor.quote(column)} = {mark}"
        for column, mark in zip(names, marks(placeholder, len(names)), strict=True)
    )
    return (
        f"MERGE {target.table} AS target USING {staging.table} AS source ON FALSE "
        f"WHEN NOT MATCHED BY SOURCE AND {window} THEN DELETE "
        "WHEN NOT MATCHED THEN INSERT ROW"
    )


def load(db_hook: DbApiHook, job: LoadJob, flavor: Flavor) -> int:
    """Replace the window's rows through a staging table and one MERGE; return the rows inserted.

    Every statement is a query job of the hook's client (:mod:`~airflow_provider_wolkvox.sql.bigquery`),
    in GoogleSQL, its values typed query parameters: never the hook's DB-API cursor."""
    placeholder = bind_placeholder(db_hook, flavor)
    sql = load_statements(db_hook, job, flavor)
    window = job.window(flavor.time_value)
    ledger = ledger_sql(db_hook, job, flavor)
    jobs = JobCursor(client_of(db_hook))
    if job.create_table:
        jobs.execute(sql.create)
        if ledger is not None:
            jobs.execute(ledger.create)
    settled = settle_names(jobs, job, flavor, sql.table, load_quote(db_hook, flavor))
    if settled is not job:
        job, sql = settled, load_statements(db_hook, settled, flavor)
    stage = statements(flavor, staging_table(job.table), placeholder=placeholder, spec=job.spec)
    by_window = jobs.typed([column_type(flavor, column, job.spec) for column in window_columns(job.spec)])
    by_row = jobs.typed([column_type(flavor, column, job.spec) for column in columns(job.spec)])
    by_ledger = jobs.typed(ledger_types(flavor, replaced=bool(job.ledger and job.ledger.chars_replaced)))
    add_missing_columns(jobs, job, flavor, sql.table, load_quote(db_hook, flavor))
    add_replaced_column(jobs, job, ledger)
    jobs.execute(stage.create + STAGING_OPTIONS)
    try:
        inserted = insert_job_rows(
            by_row,
            job,
            flavor,
            stage.insert,
            placeholder=placeholder,
            table=sql.table,
            max_bytes=MAX_STATEMENT_BYTES,
            max_rows=MAX_PARAMETERS // len(columns(job.spec)),
        )
        # What the MERGE will delete: for the empty-answer guard (raised before it) and the ledger.
        by_window.execute(sql.delete.replace("DELETE FROM", "SELECT COUNT(*) FROM", 1), window)
        replaced = int(by_window.fetchone()[0])
        record_load(by_ledger.execute, job, flavor, None, replaced=replaced, loaded=inserted)
        by_window.execute(merge_sql(sql, stage, flavor, placeholder, job.spec), window)
        record_load(by_ledger.execute, job, flavor, ledger, replaced=replaced, loaded=inserted)
    finally:
        try:
            jobs.execute(f"DROP TABLE IF EXISTS {stage.table}")
        except Exception:
            log.warning(
                "Could not drop the staging table %s; it expires in a day", stage.table, exc_info=True
            )
    log.info(
        "Replaced the rows of %s with %s for %s (staging table, one MERGE)",
        sql.table,
        inserted,
        job.describe(),
    )
    return inserted
