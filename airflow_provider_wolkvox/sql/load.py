"""``load_window``: replace one (campaign, window) in a warehouse table, atomically.

The path is chosen by the hook's flavor (its common-sql dialect, else its connection type) and
by what its connection can do: PostgreSQL with psycopg gets COPY (unless the server says it is
Redshift), SQLite ``BEGIN IMMEDIATE`` and batched inserts, MySQL/MariaDB multi-row INSERTs,
BigQuery a staging table and one MERGE, everything else DB-API ``executemany`` in the flavor's
types (:mod:`~airflow_provider_wolkvox.sql.flavors`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from contextlib import closing
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from airflow_provider_wolkvox.client.windows import validate_window
from airflow_provider_wolkvox.exceptions import WolkvoxConfigError
from airflow_provider_wolkvox.reports import CAMPAIGN_8, ReportSpec, Row
from airflow_provider_wolkvox.reports.found import FoundTypes
from airflow_provider_wolkvox.reports.stored import NEW_COLUMNS_MAX
from airflow_provider_wolkvox.sql.flavors import MYSQL, POSTGRES, REDSHIFT, SQLITE, hook_flavor
from airflow_provider_wolkvox.sql.job import LedgerEntry, LoadJob
from airflow_provider_wolkvox.sql.ledger import LEDGER_TABLE, ledger_table_for
from airflow_provider_wolkvox.sql.schema import table_parts

if TYPE_CHECKING:
    import pendulum
    from airflow.providers.common.sql.hooks.sql import DbApiHook

log = logging.getLogger(__name__)


def load_window(
    db_hook: DbApiHook,
    *,
    table: str,
    campaign_id: str | None = None,
    window_start: pendulum.DateTime,
    window_end: pendulum.DateTime,
    rows: Iterable[Row],
    create_table: bool = True,
    loaded_at: datetime | None = None,
    spec: ReportSpec = CAMPAIGN_8,
    allow_empty: bool = False,
    ledger_table: str | None = LEDGER_TABLE,
    ledger: LedgerEntry | None = None,
    report_params: Mapping[str, str] | None = None,
    max_new_columns: int = NEW_COLUMNS_MAX,
    found_types: FoundTypes | None = None,
) -> int:
    """Replace the rows of ``campaign_id`` (or ``report_params``) over ``[window_start, window_end)``
    in ``table`` with ``rows``.

    In one transaction on one connection: create the table if missing (when
    ``create_table``), delete the window's rows, insert ``rows``, commit. Any
    error, including one raised by the ``rows`` iterator, rolls everything back
    and leaves the table as it was. Loading the same window again leaves the
    same rows (only ``loaded_at`` changes). An empty ``rows`` over a window that has
    rows fails (:class:`WolkvoxEmptyAnswerError`) unless ``allow_empty``, which clears it.
    Every load that commits adds one row to the ledger table, in the same transaction.

    :param db_hook: any common-sql hook; its dialect (or connection type) picks the flavor and path.
    :param table: ``name`` or ``schema.name``, letters, digits and underscores only.
    :param campaign_id: the Wolkvox campaign the rows belong to (campaign reports).
    :param window_start: aware start of the window (inclusive), whole seconds.
    :param window_end: aware end of the window (exclusive), whole seconds.
    :param rows: ``spec``'s typed rows (campaign_8: one per telephone); read once, a batch at a
        time, never held whole.
    :param create_table: run ``CREATE TABLE IF NOT EXISTS`` first.
    :param loaded_at: aware time stamped on every row; default now. Stored in whole seconds, UTC.
    :param spec: the report the rows are of (its table schema); campaign_8 unless told.
    :param allow_empty: let an empty ``rows`` delete the window's loaded rows.
    :param ledger_table: the ledger (:mod:`~airflow_provider_wolkvox.sql.ledger`); an unqualified
        name lives in ``table``'s schema. None writes no ledger row.
    :param ledger: what the ledger row records beyond the window (connection, API calls, task try).
    :param report_params: the report's request parameters the rows were asked with (``spec.params``;
        ``campaign_id`` may be given here or apart).
    :param max_new_columns: most columns the load adds for fields ``spec`` has beyond its report's
        own (schema on read); more fail it with :class:`WolkvoxSchemaError`, changing nothing.
    :param found_types: the kinds of those fields (``Staging.found_types``): on SQLite,
        PostgreSQL and MySQL/MariaDB their columns are typed and widen as needed
        (:mod:`~airflow_provider_wolkvox.sql.widen`); None keeps them text.
    :return: the number of rows inserted.
    :raises WolkvoxConfigError: bad table name, parameters the report does not take or lacks, empty
        campaign id or naive ``loaded_at``, before any I/O.
    :raises WolkvoxWindowError: naive, sub-second, empty or inverted window, before any I/O.
    :raises WolkvoxEmptyAnswerError: no rows for a window that has rows, without ``allow_empty``
        (rolled back).
    :raises WolkvoxRowError: a row that is not one of ``spec``'s (rolled back); for campaign_8, a
        telephone and six integer counts.
    :raises WolkvoxSchemaError: more than ``max_new_columns`` new columns (nothing changed).
    """
    table_parts(table)
    if isinstance(max_new_columns, bool) or not isinstance(max_new_columns, int) or max_new_columns < 0:
        raise WolkvoxConfigError(f"max_new_columns must be a whole number >= 0, got {max_new_columns!r}")
    given = dict(report_params or {})
    if campaign_id is not None:
        if not isinstance(campaign_id, str) or not campaign_id.strip():
            raise WolkvoxConfigError(f"campaign_id must be a non-empty string, got {campaign_id!r}")
        given["campaign_id"] = campaign_id
    # Checked as a request's would be, but stored exactly as given (a campaign id is kept byte for byte).
    params = {name: given[name] for name in spec.request_params(given)}
    start, end = validate_window(window_start, window_end)
    job = LoadJob(
        table=table,
        params=tuple(params.get(p.name, "") for p in spec.params),
        window_start=_plain_utc(start),
        window_end=_plain_utc(end),
        loaded_at=_loaded_at(loaded_at),
        rows=rows,
        create_table=create_table,
        spec=spec,
        allow_empty=allow_empty,
        ledger_table=None if ledger_table is None else ledger_table_for(table, ledger_table),
        ledger=ledger,
        max_new_columns=max_new_columns,
        found=found_types,
    )
    flavor = hook_flavor(db_hook)
    if flavor is POSTGRES:
        from airflow_provider_wolkvox.sql.overlap import StagedRows

        if isinstance(rows, StagedRows):  # staged in PostgreSQL while fetching: one INSERT on its connection
            return rows.staging.load(db_hook, job)
    if flavor.replace == "staging_merge":  # query jobs of the hook's client, not its DB-API connection
        from airflow_provider_wolkvox.sql import staged

        return staged.load(db_hook, job, flavor)
    with closing(db_hook.get_conn()) as conn:
        if flavor is POSTGRES:
            from airflow_provider_wolkvox.sql import postgres

            if postgres.is_redshift(conn):
                flavor = REDSHIFT  # no COPY FROM STDIN, no advisory locks: the DB-API path
            elif postgres.copy_kind(conn):
                return postgres.load(db_hook, conn, job)
        elif flavor is SQLITE:
            import sqlite3

            if isinstance(conn, sqlite3.Connection):
                from airflow_provider_wolkvox.sql import sqlite

                return sqlite.load(conn, job)
        elif flavor is MYSQL:
            from airflow_provider_wolkvox.sql import mysql

            return mysql.load(db_hook, conn, job)
        from airflow_provider_wolkvox.sql import generic

        return generic.load(db_hook, conn, job, flavor)


def _plain_utc(moment: datetime) -> datetime:
    """A plain ``datetime`` (not a pendulum subclass) in UTC: every driver knows how to bind it."""
    utc = moment.astimezone(timezone.utc)
    return datetime(utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, tzinfo=timezone.utc)


def _loaded_at(value: datetime | None) -> datetime:
    if value is None:
        return _plain_utc(datetime.now(timezone.utc))
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise WolkvoxConfigError(f"loaded_at must be an aware datetime, got {value!r}")
    return _plain_utc(value)
