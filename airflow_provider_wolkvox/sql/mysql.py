"""MySQL/MariaDB path: DELETE the window, then multi-row INSERTs, in one InnoDB transaction.

``executemany`` of the MySQL drivers either sends one statement per row or folds a whole batch
into one statement however large (mysql-connector-python), which the server refuses beyond
``max_allowed_packet``. This path builds multi-row statements of its own, each bounded by a
quarter of the server's ``max_allowed_packet``, values still as parameters. Any driver works:
mysqlclient, mysql-connector-python, PyMySQL.

Before the transaction: strict SQL mode for the session (a value too long for its column fails
the load instead of being cut) and the table (MySQL commits around DDL, which must not split
the load). Times go as naive UTC into ``DATETIME`` columns: no session time zone touches them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from airflow_provider_wolkvox.sql import multirow
from airflow_provider_wolkvox.sql.flavors import MYSQL, bind_placeholder
from airflow_provider_wolkvox.sql.generic import ledger_sql, load_statements, prepare
from airflow_provider_wolkvox.sql.job import LoadJob
from airflow_provider_wolkvox.sql.ledger import record_load
from airflow_provider_wolkvox.sql.transaction import transaction

if TYPE_CHECKING:
    from airflow.providers.common.sql.hooks.sql import DbApiHook

log = logging.getLogger(__name__)

MAX_STATEMENT_BYTES = 8 << 20
"""At most this much per statement, and at most a quarter of the server's ``max_allowed_packet``."""
ROWS_PER_STATEMENT = 10_000


def load(db_hook: DbApiHook, conn: Any, job: LoadJob) -> int:
    """Replace the window's rows with multi-row INSERTs; return the number of rows inserted."""
    sql = load_statements(db_hook, job, MYSQL)
    window = job.window(MYSQL.time_value)
    ledger = ledger_sql(db_hook, job, MYSQL)
    settled = prepare(db_hook, conn, job, MYSQL, sql, ledger=ledger)
    if settled is not job:
        job, sql = settled, load_statements(db_hook, settled, MYSQL)
    max_bytes = min(MAX_STATEMENT_BYTES, _max_allowed_packet(conn) // 4)
    with transaction(db_hook, conn):
        cursor = conn.cursor()
        try:
            cursor.execute(sql.delete, window)
            deleted = cursor.rowcount
            inserted = multirow.insert_job_rows(
                cursor,
                job,
                MYSQL,
                sql.insert,
                placeholder=bind_placeholder(db_hook, MYSQL),
                table=sql.table,
                max_bytes=max_bytes,
                max_rows=ROWS_PER_STATEMENT,
            )
            record_load(cursor.execute, job, MYSQL, ledger, replaced=deleted, loaded=inserted)
        finally:
            cursor.close()
    log.info(
        "Replaced %s rows with %s in %s for %s (MySQL multi-row INSERT)",
        deleted,
        inserted,
        sql.table,
        job.describe(),
    )
    return inserted


def _max_allowed_packet(conn: Any) -> int:
    cursor = conn.cursor()
    try:
        cursor.execute("SELECT @@SESSION.max_allowed_packet")
        return int(cursor.fetchone()[0])
    finally:
        cursor.close()
