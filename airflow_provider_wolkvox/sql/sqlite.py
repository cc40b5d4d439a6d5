"""SQLite path: BEGIN IMMEDIATE, DELETE the window, ``executemany`` the rows in batches, COMMIT.

``SqliteHook.get_conn()`` returns a plain ``sqlite3`` connection in the module's
legacy transaction mode (``isolation_level=""``: a deferred BEGIN before the first
DML statement). This path takes transaction control itself, so the write lock is
held from the DELETE to the COMMIT and no other writer can interleave, then puts
the connection's settings back.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from airflow_provider_wolkvox.reports import CAMPAIGN_8
from airflow_provider_wolkvox.sql.evolve import add_missing_columns
from airflow_provider_wolkvox.sql.flavors import SQLITE, utc_iso
from airflow_provider_wolkvox.sql.job import LoadJob
from airflow_provider_wolkvox.sql.ledger import add_replaced_column, ledger_statements, record_load
from airflow_provider_wolkvox.sql.names import may_rename, settle_names
from airflow_provider_wolkvox.sql.rows import batches, check_batch, insert_values
from airflow_provider_wolkvox.sql.schema import adapter
from airflow_provider_wolkvox.sql.schema import statements as build_statements
from airflow_provider_wolkvox.sql.widen import column_kinds, settle_types, types_found

log = logging.getLogger(__name__)


def load(conn: sqlite3.Connection, job: LoadJob) -> int:
    """Replace the window's rows; return the number of rows inserted."""
    spec = job.spec
    sql = build_statements(SQLITE, job.table, spec=spec)
    adapt = None if spec is CAMPAIGN_8 else adapter(spec, SQLITE)
    window, loaded_at = job.window(utc_iso), utc_iso(job.loaded_at)
    ledger = None if job.ledger_table is None else ledger_statements(SQLITE, job.ledger_table)
    inserted = 0
    with _immediate_transaction(conn):
        looks = may_rename(job) or types_found(job)
        present = column_kinds(conn.cursor(), SQLITE, job.table) if looks else {}
        settled = settle_names(conn.cursor(), job, SQLITE, sql.table, SQLITE.quote, present=present)
        settled = settle_types(conn.cursor(), settled, SQLITE, sql.table, SQLITE.quote)
        if settled is not job:
            job, spec = settled, settled.spec
            sql, adapt = build_statements(SQLITE, job.table, spec=spec), adapter(spec, SQLITE)
        if job.create_table:
            conn.execute(sql.create)
            if ledger is not None:
                conn.execute(ledger.create)
        add_missing_columns(conn.cursor(), job, SQLITE, sql.table, SQLITE.quote)
        add_replaced_column(conn.cursor(), job, ledger)
        deleted = conn.execute(sql.delete, window).rowcount
        for batch in batches(job.rows):
            check_batch(batch, inserted, sql.table, spec)
            values = insert_values(batch, window, loaded_at, adapt)
            conn.executemany(sql.insert, values)
            inserted += len(batch)
        record_load(conn.execute, job, SQLITE, ledger, replaced=deleted, loaded=inserted)
    log.info("Replaced %s rows with %s in %s for %s (SQLite)", deleted, inserted, sql.table, job.describe())
    return inserted


@contextmanager
def _immediate_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on any error; settings restored after."""
    isolation_level = conn.isolation_level
    autocommit = getattr(conn, "autocommit", None)  # Python 3.12+
    if autocommit is not None:
        conn.autocommit = True  # type: ignore[attr-defined,unused-ignore]
    conn.isolation_level = None  # the module issues no BEGIN/COMMIT of its own
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            _rollback(conn)
            raise
        conn.execute("COMMIT")
    finally:
        conn.isolation_level = isolation_level
        if autocommit is not None:
            conn.autocommit = autocommit  # type: ignore[attr-defined,unused-ignore]


def _rollback(conn: sqlite3.Connection) -> None:
    try:
        if conn.in_transaction:  # some errors (SQLITE_FULL, ...) already rolled back
            conn.execute("ROLLBACK")
    except sqlite3.Error:
        log.warning(
            "ROLLBACK failed; SQLite discards the open transaction when the connection closes", exc_info=True
        )
