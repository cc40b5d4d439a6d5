"""Generic DB-API path for any other warehouse: DELETE, then ``executemany`` in batches, COMMIT.

Uses only what every common-sql hook offers: ``get_conn()``, ``placeholder`` and
the hook's own identifier escaping (``dialect.escape_word``, configurable with the
connection extras ``escape_word_format`` / ``escape_column_names``).

``CREATE TABLE`` runs and commits first, on its own: many databases (MySQL, Oracle)
commit implicitly around DDL, which must not split the load transaction.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from airflow_provider_wolkvox.reports import CAMPAIGN_8
from airflow_provider_wolkvox.sql.job import LoadJob
from airflow_provider_wolkvox.sql.ledger import ledger_statements, record_load
from airflow_provider_wolkvox.sql.rows import batches, check_batch, insert_values
from airflow_provider_wolkvox.sql.schema import GENERIC, Flavor, Quote, adapter, double_quote, statements
from airflow_provider_wolkvox.sql.transaction import transaction

if TYPE_CHECKING:
    from airflow.providers.common.sql.hooks.sql import DbApiHook

log = logging.getLogger(__name__)


def hook_quote(db_hook: DbApiHook) -> Quote:
    """The hook's identifier escaping: quotes reserved words (or all, if the connection asks)."""
    try:
        escape_word = db_hook.dialect.escape_word
    except Exception:  # a dialect class whose provider is not installed
        return str(db_hook.escape_word_format).format
    return lambda word: str(escape_word(word))


def load(db_hook: DbApiHook, conn: Any, job: LoadJob, flavor: Flavor = GENERIC) -> int:
    """Replace the window's rows with portable SQL; return the number of rows inserted."""
    quote = hook_quote(db_hook) if flavor is GENERIC else double_quote
    spec = job.spec
    sql = statements(flavor, job.table, placeholder=db_hook.placeholder, quote=quote, spec=spec)
    adapt = None if spec is CAMPAIGN_8 else adapter(spec, flavor)
    start, end = flavor.time_value(job.window_start), flavor.time_value(job.window_end)
    loaded_at = flavor.time_value(job.loaded_at)
    campaign = job.campaign_id
    ledger = None
    if job.ledger_table is not None:
        ledger = ledger_statements(flavor, job.ledger_table, db_hook.placeholder, quote)
    if job.create_table:
        for create in (sql.create, *([ledger.create] if ledger else [])):
            try:
                with transaction(db_hook, conn):
                    _execute(conn, create)
            except Exception:
                # A concurrent first load may have created it between our check and our CREATE.
                log.info("CREATE TABLE failed; trying once more in case a concurrent load made it")
                with transaction(db_hook, conn):
                    _execute(conn, create)
    inserted = 0
    with transaction(db_hook, conn):
        cursor = conn.cursor()
        try:
            # Counted first: DB-API drivers may report rowcount -1, and the empty-answer guard needs it.
            cursor.execute(
                sql.delete.replace("DELETE FROM", "SELECT COUNT(*) FROM", 1), (campaign, start, end)
            )
            deleted = int(cursor.fetchone()[0])
            cursor.execute(sql.delete, (campaign, start, end))
            for batch in batches(job.rows):
                check_batch(batch, inserted, sql.table, spec)
                values = insert_values(batch, (campaign, start, end), loaded_at, adapt)
                cursor.executemany(sql.insert, values)
                inserted += len(batch)
            record_load(cursor.execute, job, flavor, ledger, replaced=deleted, loaded=inserted)
        finally:
            cursor.close()
    log.info(
        "Replaced %s rows with %s in %s for %s (generic DB-API)", deleted, inserted, sql.table, job.describe()
    )
    return inserted


def _execute(conn: Any, statement: str) -> None:
    cursor = conn.cursor()
    try:
        cursor.execute(statement)
    finally:
        cursor.close()
