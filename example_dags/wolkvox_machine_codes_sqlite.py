"""campaign_8 (machine codes by telephone), every hour, into a SQLite file: the embedded default.

Connections (Admin -> Connections, or AIRFLOW_CONN_* environment variables):
- ``wolkvox_default``: type ``wolkvox``, host = server number (0032), password = API token.
- ``wolkvox_sqlite``: type ``sqlite``, host = path of the database file.

Run ``airflow wolkvox pools sync`` once: the task runs in the one-slot pool
``wolkvox_wolkvox_default`` so the token serves one request at a time.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable

from airflow_provider_wolkvox.transfers.machine_codes_to_sql import MachineCodesToSqlOperator

with DAG(
    dag_id="wolkvox_machine_codes_sqlite",
    # A data-interval timetable: plain cron strings give zero-length intervals in Airflow 3.
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=2)},
    params={"campaign_id": "all"},
    tags=["wolkvox", "example"],
):
    MachineCodesToSqlOperator(
        task_id="load_machine_codes",
        campaign_id="{{ params.campaign_id }}",
        sql_conn_id="wolkvox_sqlite",
    )
