"""The ledger row of a task try that spent API calls and then failed.

The load's transaction rolls back, and its ledger row with it; the calls were spent all the same,
and the token's quota counts them. So the operator writes one row of its own for the try, in a
short transaction of its own after the failure: the window it was fetching or loading, the calls
no committed row counts, ``rows_loaded`` and ``rows_replaced`` 0, and ``failed`` saying why. A
warehouse that cannot take even that row (it is the one that failed) gets a warning instead; the
task's error is never hidden by it. BigQuery (no transaction) and loads without a ledger write none.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import closing
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from airflow_provider_wolkvox.reports import ReportSpec
from airflow_provider_wolkvox.sql.flavors import POSTGRES, hook_flavor
from airflow_provider_wolkvox.sql.generic import create_if_missing, ledger_sql
from airflow_provider_wolkvox.sql.job import LedgerEntry, LoadJob
from airflow_provider_wolkvox.sql.ledger import FAILED, add_column_if_missing, failed_values, ledger_table_for
from airflow_provider_wolkvox.sql.load import _plain_utc
from airflow_provider_wolkvox.sql.transaction import transaction

if TYPE_CHECKING:
    from airflow.providers.common.sql.hooks.sql import DbApiHook

log = logging.getLogger(__name__)


def record_failed_try(
    db_hook: DbApiHook,
    *,
    table: str,
    spec: ReportSpec,
    report_params: Mapping[str, str],
    window_start: datetime,
    window_end: datetime,
    ledger_table: str | None,
    ledger: LedgerEntry,
    create_table: bool,
    error: BaseException,
) -> bool:
    """Add the failed try's row to ``ledger_table`` (``ledger.api_calls`` its calls no committed
    row counts), creating the ledger when missing (``create_table``) and its ``failed`` column in
    one made before it existed. Returns whether the row was written; never raises."""
    if ledger_table is None or not ledger.api_calls:
        return False
    flavor = hook_flavor(db_hook)
    if flavor.replace != "transaction":
        return False
    job = LoadJob(
        table=table,
        params=tuple(report_params.get(p.name, "") for p in spec.params),
        window_start=_plain_utc(window_start),
        window_end=_plain_utc(window_end),
        loaded_at=_plain_utc(datetime.now(timezone.utc)),
        rows=(),
        create_table=create_table,
        spec=spec,
        ledger_table=ledger_table_for(table, ledger_table),
        ledger=ledger,
    )
    sql = ledger_sql(db_hook, job, flavor)
    assert sql is not None
    try:
        with closing(db_hook.get_conn()) as conn:
            if create_table and flavor.ddl_commits:
                with transaction(db_hook, conn), closing(conn.cursor()) as cursor:
                    create_if_missing(cursor, sql)
            with transaction(db_hook, conn), closing(conn.cursor()) as cursor:
                if create_table and not flavor.ddl_commits:
                    if flavor is POSTGRES:
                        from airflow_provider_wolkvox.sql.postgres import create_missing

                        create_missing(cursor, sql.table, sql.create)  # a role without CREATE: looks first
                    else:
                        create_if_missing(cursor, sql)
                add_column_if_missing(cursor, sql, FAILED)
                cursor.execute(sql.insert_failed, failed_values(job, flavor, error))
    except Exception as err:
        log.warning(
            "the failed try's %d API call(s) could not be recorded in the ledger %s (%s: %s); the "
            "metric wolkvox.calls.sent counts them",
            ledger.api_calls,
            sql.table,
            type(err).__name__,
            (str(err).strip().splitlines() or [""])[0],
        )
        return False
    log.info("recorded the failed try's %d API call(s) in the ledger %s", ledger.api_calls, sql.table)
    return True
