"""DAGs of issue 26's "check before spending": a load whose warehouse refuses it costs no API call,
and a load that fails after fetching still leaves its calls in the ledger."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG

from airflow_provider_wolkvox.transfers.machine_codes_to_sql import MachineCodesToSqlOperator

START = pendulum.datetime(2026, 11, 1, tz="UTC")

for warehouse in ("sqlite", "postgres", "mariadb"):
    with DAG(
        f"wolkvox_test_check_first_{warehouse}",
        schedule=None,
        start_date=START,
        catchup=False,
        default_args={"retries": 1, "retry_delay": timedelta(seconds=1)},
    ):
        # Two request windows of one hour: two API calls when it fetches.
        MachineCodesToSqlOperator(
            task_id="load",
            campaign_id="1",
            sql_conn_id=f"wolkvox_{warehouse}",
            window_start="2026-11-27T13:00:00+00:00",
            window_end="2026-11-27T15:00:00+00:00",
            max_request_window=timedelta(hours=1),
        )
