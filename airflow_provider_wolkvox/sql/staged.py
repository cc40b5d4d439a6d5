"""Staging-table path for warehouses with no multi-statement transaction through DB-API (BigQuery).

BigQuery's DB-API runs every statement as its own job: a DELETE then INSERTs would leave a
half-replaced window if the load failed between them. Instead the rows go into a staging table
of their own (which expires after a day in case even its DROP fails), and one ``MERGE``
statement, atomic as every single DML statement there, deletes the window's old rows and inserts
the new ones. A load failing before the MERGE leaves the target exactly as it was. The empty-answer
guard counts the window's rows before the MERGE; the ledger row follows the MERGE as a statement of
its own (BigQuery has no transaction to share), so a failure between the two loses that row only.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from airflow_provider_wolkvox.reports import CAMPAIGN_8, ReportSpec
from airflow_provider_wolkvox.sql.evolve import add_missing_columns
from airflow_provider_wolkvox.sql.flavors import Flavor
from airflow_provider_wolkvox.sql.generic import execute, ledger_sql, load_quote, load_statements
from airflow_provider_wolkvox.sql.job import LoadJob
from airflow_provider_wolkvox.sql.ledger import record_load
from airflow_provider_wolkvox.sql.multirow import insert_job_rows
from airflow_provider_wolkvox.sql.schema import Statements, columns, statements, table_parts, window_columns

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
    window = " AND ".join(f"target.{flavor.quote(column)} = {placeholder}" for column in window_columns(spec))
    return (
        f"MERGE {target.table} AS target USING {staging.table} AS source ON FALSE "
        f"WHEN NOT MATCHED BY SOURCE AND {window} THEN DELETE "
        "WHEN NOT MATCHED THEN INSERT ROW"
    )


def load(db_hook: DbApiHook, conn: Any, job: LoadJob, flavor: Flavor) -> int:
    """Replace the window's rows through a staging table and one MERGE; return the rows inserted."""
    placeholder = db_hook.placeholder
    sql = load_statements(db_hook, job, flavor)
    stage = statements(flavor, staging_table(job.table), placeholder=placeholder, spec=job.spec)
    window = job.window(flavor.time_value)
    ledger = ledger_sql(db_hook, job, flavor)
    if job.create_table:
        execute(conn, sql.create)
        if ledger is not None:
            execute(conn, ledger.create)
    cursor = conn.cursor()
    try:
        add_missing_columns(cursor, job, flavor, sql.table, load_quote(db_hook, flavor))
    finally:
        cursor.close()
    execute(conn, stage.create + STAGING_OPTIONS)
    try:
        cursor = conn.cursor()
        try:
            inserted = insert_job_rows(
                cursor,
                job,
                flavor,
                stage.insert,
                placeholder=placeholder,
                table=sql.table,
                max_bytes=MAX_STATEMENT_BYTES,
                max_rows=MAX_PARAMETERS // len(columns(job.spec)),
            )
            # What the MERGE will delete: for the empty-answer guard (raised before it) and the ledger.
            cursor.execute(sql.delete.replace("DELETE FROM", "SELECT COUNT(*) FROM", 1), window)
            replaced = int(cursor.fetchone()[0])
            record_load(cursor.execute, job, flavor, None, replaced=replaced, loaded=inserted)
            cursor.execute(merge_sql(sql, stage, flavor, placeholder, job.spec), window)
            record_load(cursor.execute, job, flavor, ledger, replaced=replaced, loaded=inserted)
        finally:
            cursor.close()
    finally:
        try:
            execute(conn, f"DROP TABLE IF EXISTS {stage.table}")
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
