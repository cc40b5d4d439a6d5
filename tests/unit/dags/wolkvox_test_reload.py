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

# Days of New York, whose spring-forward day (2026-03-08) has 23 hours: the day before a run's is
# re-read with its own bounds, not the run's 24 hours moved back.
with DAG(
    "wolkvox_test_reload_new_york_days",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="America/New_York"),
    start_date=pendulum.datetime(2026, 3, 1, tz="America/New_York"),
    catchup=False,
):
    WolkvoxReportToSqlOperator(
        task_id="reload",
        api="cdr_2",
        sql_conn_id="wolkvox_sqlite",
        table="cdr_2_days",
        reload_previous=1,
        learn_density=False,
    )
