"""PostgreSQL fast path: DELETE the window, then COPY the new rows, in one transaction.

Works with what ``PostgresHook.get_conn()`` returns: a psycopg 3 connection when
psycopg 3 is installed next to SQLAlchemy 2 (``cursor.copy``), else a psycopg2
connection (``cursor.copy_expert``). The same pre-formatted text feeds both; campaign_8
into a table of the provider's own column types goes in binary with psycopg 3
(:mod:`~airflow_provider_wolkvox.sql.copy_binary`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from airflow_provider_wolkvox.reports import CAMPAIGN_8
from airflow_provider_wolkvox.reports.stored import extra_fields
from airflow_provider_wolkvox.sql.copy_binary import binary_types, copy_binary
from airflow_provider_wolkvox.sql.copy_format import copy_chunks
from airflow_provider_wolkvox.sql.evolve import add_missing_columns
from airflow_provider_wolkvox.sql.flavors import POSTGRES
from airflow_provider_wolkvox.sql.job import LoadJob
from airflow_provider_wolkvox.sql.ledger import add_replaced_column, ledger_statements, record_load
from airflow_provider_wolkvox.sql.names import may_rename, plan_names, settle_names
from airflow_provider_wolkvox.sql.schema import Statements, statements
from airflow_provider_wolkvox.sql.transaction import transaction
from airflow_provider_wolkvox.sql.widen import column_kinds, settle_types, types_found

if TYPE_CHECKING:
    from airflow.providers.common.sql.hooks.sql import DbApiHook

log = logging.getLogger(__name__)

LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext(%s))"
"""Serialises concurrent loads of the same window (a re-run racing a backfill) until commit."""


def copy_kind(conn: Any) -> str | None:
    """``"psycopg"``, ``"psycopg2"`` or None when the connection cannot COPY from Python."""
    for cls in type(conn).__mro__:
        package = cls.__module__.split(".")[0]
        if package in ("psycopg", "psycopg2"):
            return package
    return None


def is_redshift(conn: Any) -> bool:
    """True when the server behind a PostgreSQL connection is Amazon Redshift (it speaks the
    protocol, but has neither ``COPY FROM STDIN`` nor advisory locks). Ends the look's transaction."""
    cursor = conn.cursor()
    try:
        cursor.execute("SELECT version()")
        version = str(cursor.fetchone()[0])
    finally:
        cursor.close()
        conn.rollback()
    return "redshift" in version.lower()


def load(db_hook: DbApiHook, conn: Any, job: LoadJob) -> int:
    """Replace the window's rows through COPY; return the number of rows inserted."""
    sql = statements(POSTGRES, job.table, placeholder="%s", spec=job.spec)
    kind = copy_kind(conn)
    window = job.window(POSTGRES.time_value)
    ledger = None if job.ledger_table is None else ledger_statements(POSTGRES, job.ledger_table, "%s")
    with transaction(db_hook, conn):
        cursor = conn.cursor()
        try:
            if may_rename(job) or types_found(job):
                present = column_kinds(cursor, POSTGRES, job.table)
                if types_found(job) or plan_names(job, present).changes_table:
                    # The one naming rule and typed columns: one load at a time looks, renames,
                    # widens. A table already named by the rule is not locked: what a committed
                    # catalog shows cannot go back to older names.
                    cursor.execute(LOCK_SQL, (f"wolkvox-create:{sql.table}",))
                    present = column_kinds(cursor, POSTGRES, job.table)
                settled = settle_names(cursor, job, POSTGRES, sql.table, POSTGRES.quote, present=present)
                settled = settle_types(cursor, settled, POSTGRES, sql.table, POSTGRES.quote)
                if settled is not job:
                    job = settled
                    sql = statements(POSTGRES, job.table, placeholder="%s", spec=job.spec)
            if job.create_table:
                create_missing(cursor, sql.table, sql.create)
                if ledger is not None:
                    create_missing(cursor, ledger.table, ledger.create)
            if extra_fields(job.spec):
                # New columns: one load at a time looks and adds (schema on read).
                cursor.execute(LOCK_SQL, (f"wolkvox-create:{sql.table}",))
                add_missing_columns(cursor, job, POSTGRES, sql.table, POSTGRES.quote)
            add_replaced_column(cursor, job, ledger)
            cursor.execute(LOCK_SQL, (lock_key(sql.table, job),))
            cursor.execute(sql.delete, window)
            deleted = cursor.rowcount
            oids = binary_types(cursor, sql.table) if kind == "psycopg" and job.spec is CAMPAIGN_8 else None
            if oids is not None:
                inserted = copy_binary(cursor, sql.copy, sql.table, job, oids)
                kind = "psycopg, binary"
            else:
                chunks = copy_chunks(job, sql.table)
                inserted = _copy3(cursor, sql, chunks) if kind == "psycopg" else _copy2(cursor, sql, chunks)
            record_load(cursor.execute, job, POSTGRES, ledger, replaced=deleted, loaded=inserted)
        finally:
            cursor.close()
    log.info(
        "Replaced %s rows with %s in %s for %s (COPY, %s)", deleted, inserted, sql.table, job.describe(), kind
    )
    return inserted


def lock_key(table: str, job: LoadJob) -> str:
    """The advisory lock's key of one window of ``table`` (``LOCK_SQL``)."""
    return ":".join(["wolkvox", table, *job.params, job.window_start.isoformat(), job.window_end.isoformat()])


def create_missing(cursor: Any, table: str, create: str) -> None:
    if not _exists(cursor, table):
        # First loads racing each other would both create the table and one would hit
        # pg_type's unique index: they take turns, and the second finds the table there.
        cursor.execute(LOCK_SQL, (f"wolkvox-create:{table}",))
        if not _exists(cursor, table):
            cursor.execute(create)


def _exists(cursor: Any, table: str) -> bool:
    """Look before CREATE: ``CREATE TABLE IF NOT EXISTS`` needs the CREATE privilege on the schema
    even when the table is there, which a loader role granted only on the table does not have."""
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", (table,))
    return bool(cursor.fetchone()[0])


def _copy3(cursor: Any, sql: Statements, chunks: Iterator[tuple[str, int]]) -> int:
    inserted = 0
    with cursor.copy(sql.copy) as copy:
        for text, count in chunks:
            copy.write(text)
            inserted += count
    return inserted


def _copy2(cursor: Any, sql: Statements, chunks: Iterator[tuple[str, int]]) -> int:
    reader = ChunkReader(chunks)
    try:
        cursor.copy_expert(sql.copy, reader, size=1 << 20)
    except Exception as err:
        # psycopg2 reports an error raised inside read() as QueryCanceled; raise the real one.
        if reader.error is not None:
            raise reader.error from err
        raise
    return reader.rows


class ChunkReader:
    """A read-only text file over ``(text, rows)`` chunks, for psycopg2's ``copy_expert``."""

    def __init__(self, chunks: Iterator[tuple[str, int]]) -> None:
        self._chunks = chunks
        self._buffer = ""
        self.rows = 0
        self.error: BaseException | None = None

    def read(self, size: int = -1) -> str:
        """Up to ``size`` characters (everything when negative); ``""`` at the end."""
        while size < 0 or len(self._buffer) < size:
            try:
                chunk = next(self._chunks, None)
            except BaseException as err:
                self.error = err
                raise
            if chunk is None:
                break
            self._buffer += chunk[0]
            self.rows += chunk[1]
        if size < 0:
            size = len(self._buffer)
        text, self._buffer = self._buffer[:size], self._buffer[size:]
        return text
