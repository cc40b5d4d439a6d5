"""MachineCodesToSqlOperator: campaign_8 for one data interval into any common-sql warehouse."""

from __future__ import annotations

from typing import Any

from airflow.sdk import Asset, AssetAlias

from airflow_provider_wolkvox.exceptions import WolkvoxConfigError
from airflow_provider_wolkvox.reports import CAMPAIGN_8
from airflow_provider_wolkvox.transfers.report_to_sql import (
    WolkvoxReportToSqlOperator,
    report_alias,
    report_asset,
)


def machine_codes_alias(sql_conn_id: str, table: str = CAMPAIGN_8.default_table) -> AssetAlias:
    """The alias a load into ``table`` of ``sql_conn_id`` resolves to its warehouse table's Asset;
    schedule downstream DAGs on it."""
    return report_alias(sql_conn_id, table)


def machine_codes_asset(sql_conn_id: str, table: str = CAMPAIGN_8.default_table) -> Asset:
    """The deprecated connection-named Asset ``x-wolkvox://<sql_conn_id>/<table>`` (kept until 0.3.0)."""
    return report_asset(sql_conn_id, table)


class MachineCodesToSqlOperator(WolkvoxReportToSqlOperator):
    """Load the interval's campaign_8 rows into ``table``, replacing that interval exactly.

    Every request window is fetched first, into a temporary staging file; then one
    database transaction deletes the rows of (campaign_id, window_start,
    window_end) and inserts the new ones. Re-runs and backfills never duplicate
    rows, and a failure anywhere leaves the table as it was. PostgreSQL loads
    through COPY, SQLite in one transaction, any other common-sql warehouse
    through its DB-API driver.

    :class:`~airflow_provider_wolkvox.transfers.report_to_sql.WolkvoxReportToSqlOperator` with
    ``api="campaign_8"``; takes every argument of
    :class:`~airflow_provider_wolkvox.operators.base.WolkvoxWindowOperator`.

    :param sql_conn_id: connection of any warehouse whose hook is a common-sql ``DbApiHook``.
    :param table: target table, ``name`` or ``schema.name``.
    :param create_table: create the table when it is missing.
    """

    def __init__(
        self,
        *,
        sql_conn_id: str,
        table: str = CAMPAIGN_8.default_table,
        create_table: bool = True,
        **kwargs: Any,
    ) -> None:
        api = kwargs.pop("api", CAMPAIGN_8.api)
        if api != CAMPAIGN_8.api:
            raise WolkvoxConfigError(
                f"MachineCodesToSqlOperator loads campaign_8; for {api!r} use "
                f"WolkvoxReportToSqlOperator(api={api!r})"
            )
        super().__init__(
            api=CAMPAIGN_8.api, sql_conn_id=sql_conn_id, table=table, create_table=create_table, **kwargs
        )
