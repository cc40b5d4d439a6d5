"""Known loads for the Wolkvox view's browser test: 28 hours of campaign 1 with rows, 6 empty hours
of campaign 0 (the emulator's idle campaign), and 4 hours of cdr_1, a report with no parameters."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG

from airflow_provider_wolkvox.transfers.machine_codes_to_sql import MachineCodesToSqlOperator
from airflow_provider_wolkvox.transfers.report_to_sql import WolkvoxReportToSqlOperator

with DAG("wolkvox_view_loads", schedule=None, start_date=pendulum.datetime(2026, 11, 1, tz="UTC")):
    for task_id, campaign_id, start, end in (
        ("four_hours", "1", "2026-11-27T05:00:00+00:00", "2026-11-27T09:00:00+00:00"),
        ("one_day", "1", "2026-11-28T00:00:00+00:00", "2026-11-29T00:00:00+00:00"),
        ("idle", "0", "2026-11-27T10:00:00+00:00", "2026-11-27T16:00:00+00:00"),
    ):
        MachineCodesToSqlOperator(
            task_id=task_id,
            campaign_id=campaign_id,
            sql_conn_id="wolkvox_sqlite",
            window_start=start,
            window_end=end,
            max_request_window=timedelta(hours=1),
        )
    WolkvoxReportToSqlOperator(
        task_id="call_detail",
        api="cdr_1",
        sql_conn_id="wolkvox_sqlite",
        window_start="2026-11-27T13:00:00+00:00",
        window_end="2026-11-27T17:00:00+00:00",
        max_request_window=timedelta(hours=1),
    )
