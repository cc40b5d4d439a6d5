"""DB-API path for every warehouse without a path of its own: DELETE, then ``executemany`` in batches, COMMIT.

Uses only what every common-sql hook offers: ``get_conn()``, ``placeholder`` (unless the flavor
names its driver's marks: Oracle's ``:1, :2, ...``), and the flavor's types and quoting (for an
unknown database, the hook's own identifier escaping:
``dialect.escape_word``, configurable with the connection extras ``escape_word_format`` /
``escape_column_names``).

Where DDL commits the open transaction (MySQL, Oracle, Snowflake, and any database this
provider does not know), ``CREATE TABLE`` runs and commits first, on its own, so that it
cannot split the load transaction; elsewhere it runs inside it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol

from airflow_provider_wolkvox.reports import CAMPAIGN_8
from airflow_provider_wolkvox.reports.stored import extra_fields
from airflow_provider_wolkvox.sql.evolve import add_missing_columns
from airflow_provider_wolkvox.sql.flavors import GENERIC, Flavor, Quote, bind_placeholder
from airflow_provider_wolkvox.sql.job import LoadJob
from airflow_provider_wolkvox.sql.ledger import LedgerSql, add_replaced_column, ledger_statements, record_load
from airflow_provider_wolkvox.sql.names import may_rename, settle_names
from airflow_provider_wolkvox.sql.rows import batches, check_batch, insert_values
from airflow_provider_wolkvox.sql.schema import Statements, adapter, statements
from airflow_provider_wolkvox.sql.transaction import transaction
from airflow_provider_wolkvox.sql.widen import TYPED_FLAVORS, column_kinds, settle_types, types_found

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


def load_quote(db_hook: DbApiHook, flavor: Flavor) -> Quote:
    """The flavor's quoting, or the hook's for a database no flavor knows."""
    return hook_quote(db_hook) if flavor is GENERIC else flavor.quote


def load_statements(db_hook: DbApiHook, job: LoadJob, flavor: Flavor) -> Statements:
    """The load's SQL: the flavor's quoting, or the hook's for a database no flavor knows."""
    quote = load_quote(db_hook, flavor)
    return statements(
        flavor, job.table, placeholder=bind_placeholder(db_hook, flavor), quote=quote, spec=job.spec
    )


def ledger_sql(db_hook: DbApiHook, job: LoadJob, flavor: Flavor) -> LedgerSql | None:
    """The ledger's SQL in the load's quoting, or None when the load writes no ledger row."""
    if job.ledger_table is None:
        return None
    quote = hook_quote(db_hook) if flavor is GENERIC else flavor.quote
    return ledger_statements(flavor, job.ledger_table, bind_placeholder(db_hook, flavor), quote)


def load(db_hook: DbApiHook, conn: Any, job: LoadJob, flavor: Flavor = GENERIC) -> int:
    """Replace the window's rows with portable SQL; return the number of rows inserted."""
    spec = job.spec
    sql = load_statements(db_hook, job, flavor)
    adapt = None if spec is CAMPAIGN_8 else adapter(spec, flavor)
    window = job.window(flavor.time_value)
    loaded_at = flavor.time_value(job.loaded_at)
    ledger = ledger_sql(db_hook, job, flavor)
    settled = prepare(db_hook, conn, job, flavor, sql, ledger=ledger)
    if settled is not job:
        job, spec = settled, settled.spec
        sql, adapt = load_statements(db_hook, job, flavor), adapter(spec, flavor)
    inserted = 0
    with transaction(db_hook, conn):
        cursor = conn.cursor()
        try:
            if job.create_table and not flavor.ddl_commits:
                create_if_missing(cursor, sql)
                if ledger is not None:
                    create_if_missing(cursor, ledger)
            if not flavor.ddl_commits:
                settled = settle_names(cursor, job, flavor, sql.table, load_quote(db_hook, flavor))
                settled = settle_types(cursor, settled, flavor, sql.table, load_quote(db_hook, flavor))
                if settled is not job:
                    job, spec = settled, settled.spec
                    sql, adapt = load_statements(db_hook, job, flavor), adapter(spec, flavor)
                add_missing_columns(cursor, job, flavor, sql.table, load_quote(db_hook, flavor))
                add_replaced_column(cursor, job, ledger)
            # Counted first: DB-API drivers may report rowcount -1, and the empty-answer guard needs it.
            cursor.execute(sql.delete.replace("DELETE FROM", "SELECT COUNT(*) FROM", 1), window)
            deleted = int(cursor.fetchone()[0])
            cursor.execute(sql.delete, window)
            for batch in batches(job.rows):
                check_batch(batch, inserted, sql.table, spec)
                values = insert_values(batch, window, loaded_at, adapt)
                cursor.executemany(sql.insert, values)
                inserted += len(batch)
            record_load(cursor.execute, job, flavor, ledger, replaced=deleted, loaded=inserted)
        finally:
            cursor.close()
    log.info(
        "Replaced %s rows with %s in %s for %s (DB-API, %s)",
        deleted,
        inserted,
        sql.table,
        job.describe(),
        flavor.name,
    )
    return inserted


def prepare(
    db_hook: DbApiHook,
    conn: Any,
    job: LoadJob,
    flavor: Flavor,
    sql: Statements,
    *,
    ledger: LedgerSql | None = None,
) -> LoadJob:
    """Before the load transaction: the flavor's session settings, and the tables (the data's, and
    the ledger's when given), renames to the one naming rule and new columns (schema on read)
    when DDL commits. Returns ``job`` as the table stores it
    (:func:`~airflow_provider_wolkvox.sql.names.settle_names`)."""
    for statement in flavor.session_sql:
        execute(conn, statement)
    if flavor in TYPED_FLAVORS and flavor.ddl_commits and (may_rename(job) or types_found(job)):
        # Renames and wider types from the catalog, before the table is made (with them) if missing.
        with transaction(db_hook, conn):
            cursor = conn.cursor()
            try:
                present = column_kinds(cursor, flavor, job.table)
                job = settle_names(
                    cursor, job, flavor, sql.table, load_quote(db_hook, flavor), present=present
                )
                job = settle_types(cursor, job, flavor, sql.table, load_quote(db_hook, flavor))
            finally:
                cursor.close()
        sql = load_statements(db_hook, job, flavor)
    _create_tables(db_hook, conn, job, flavor, sql, ledger=ledger)
    if flavor.ddl_commits and flavor not in TYPED_FLAVORS and may_rename(job):
        with transaction(db_hook, conn):
            cursor = conn.cursor()
            try:
                job = settle_names(cursor, job, flavor, sql.table, load_quote(db_hook, flavor))
            finally:
                cursor.close()
    if flavor.ddl_commits and (extra_fields(job.spec) or (job.ledger and job.ledger.chars_replaced)):
        # After the tables are there, in a transaction of its own: DDL would commit the load's.
        with transaction(db_hook, conn):
            cursor = conn.cursor()
            try:
                add_missing_columns(cursor, job, flavor, sql.table, load_quote(db_hook, flavor))
                add_replaced_column(cursor, job, ledger)
            finally:
                cursor.close()
    return job


def _create_tables(
    db_hook: DbApiHook, conn: Any, job: LoadJob, flavor: Flavor, sql: Statements, *, ledger: LedgerSql | None
) -> None:
    if not (job.create_table and flavor.ddl_commits):
        return
    tables: list[Statements | LedgerSql] = [sql] if ledger is None else [sql, ledger]
    for table in tables:
        try:
            with transaction(db_hook, conn):
                _create_with_cursor(conn, table)
        except Exception:
            # A concurrent first load may have created it between our check and our CREATE.
            log.info(
                "CREATE TABLE %s failed; trying once more in case a concurrent load made it", table.table
            )
            with transaction(db_hook, conn):
                _create_with_cursor(conn, table)


class Creatable(Protocol):
    """A table's "create if missing" in one flavor: a statement, and the catalog look before it."""

    @property
    def create(self) -> str: ...
    @property
    def exists(self) -> str: ...


def create_if_missing(cursor: Any, sql: Creatable) -> None:
    """Run the flavor's "create if missing": one statement, or a catalog look then CREATE TABLE."""
    if sql.exists:
        cursor.execute(sql.exists)
        if int(cursor.fetchone()[0]):
            return
    cursor.execute(sql.create)


def _create_with_cursor(conn: Any, sql: Statements | LedgerSql) -> None:
    cursor = conn.cursor()
    try:
        create_if_missing(cursor, sql)
    finally:
        cursor.close()


def execute(conn: Any, statement: str) -> None:
    """One statement on a cursor of its own."""
    cursor = conn.cursor()
    try:
        cursor.execute(statement)
    finally:
        cursor.close()
