"""Two loads through two Wolkvox connections, for the Wolkvox view's access tests: one hour of
campaign 1 each, recorded as asset events the view reads back (tests/unit/test_view_app.py)."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG

from airflow_provider_wolkvox.transfers.machine_codes_to_sql import MachineCodesToSqlOperator

with DAG("wolkvox_test_view", schedule=None, start_date=pendulum.datetime(2026, 11, 1, tz="UTC")):
    for conn_id in ("wv_view_a", "wv_view_b"):
        MachineCodesToSqlOperator(
            task_id=f"load_{conn_id}",
            wolkvox_conn_id=conn_id,
            campaign_id="1",
            sql_conn_id="wv_view_sqlite",
            window_start="2026-11-27T05:00:00+00:00",
            window_end="2026-11-27T06:00:00+00:00",
            max_request_window=timedelta(hours=1),
        )
