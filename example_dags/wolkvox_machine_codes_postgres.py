"""campaign_8 (machine codes by telephone), every hour, into PostgreSQL (loaded through COPY).

Connections:
- ``wolkvox_default``: type ``wolkvox``, host = server number (0032), password = API token.
- ``wolkvox_postgres``: type ``postgres``, the warehouse.

Backfill October with ``airflow backfill create --dag-id wolkvox_machine_codes_postgres
--from-date 2026-10-01T00:00:00+00:00 --to-date 2026-10-31T23:00:00+00:00`` (both dates are
inclusive starts of data intervals; re-running an interval replaces its rows).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable

from airflow_provider_wolkvox.transfers.machine_codes_to_sql import MachineCodesToSqlOperator

with DAG(
    dag_id="wolkvox_machine_codes_postgres",
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=2)},
    params={"campaign_id": "all"},
    tags=["wolkvox", "example"],
):
    MachineCodesToSqlOperator(
        task_id="load_machine_codes",
        campaign_id="{{ params.campaign_id }}",
        sql_conn_id="wolkvox_postgres",
        table="wolkvox_machine_codes",
    )
