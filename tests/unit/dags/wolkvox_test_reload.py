"""Hourly cdr_1 loads with and without ``reload_previous``, into SQLite and PostgreSQL, for dag.test()."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable

from airflow_provider_wolkvox.transfers.report_to_sql import WolkvoxReportToSqlOperator

RELOAD_PREVIOUS = timedelta(hours=2)
TABLES = {"reload": "cdr_1_reload", "plain": "cdr_1_plain"}

for warehouse in ("sqlite", "postgres"):
    with DAG(
        f"wolkvox_test_reload_{warehouse}",
        schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
        start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
        catchup=False,
    ):
        for task_id, table in TABLES.items():
            WolkvoxReportToSqlOperator(
                task_id=task_id,
                api="cdr_1",
                sql_conn_id=f"wolkvox_{warehouse}",
                table=table,
                reload_previous=RELOAD_PREVIOUS if task_id == "reload" else None,
                learn_density=False,
            )
