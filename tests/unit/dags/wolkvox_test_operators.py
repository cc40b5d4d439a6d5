"""DAGs the operator tests run with dag.test(); connections come from AIRFLOW_CONN_* at run time."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow.timetables.trigger import CronTriggerTimetable

from airflow_provider_wolkvox.operators.machine_codes import MachineCodesOperator
from airflow_provider_wolkvox.transfers.machine_codes_to_sql import MachineCodesToSqlOperator

START = pendulum.datetime(2026, 11, 1, tz="UTC")
RETRIES = {"retries": 2, "retry_delay": timedelta(seconds=1)}

with DAG(
    "wolkvox_test_hourly",
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    start_date=START,
    catchup=False,
    default_args=RETRIES,
):
    MachineCodesOperator(
        task_id="machine_codes", campaign_id="{{ params.campaign_id }}", params={"campaign_id": "1"}
    )

with DAG(
    "wolkvox_test_zero_length",
    schedule=CronTriggerTimetable("0 * * * *", timezone="UTC"),
    start_date=START,
    catchup=False,
    default_args=RETRIES,
):
    MachineCodesOperator(task_id="machine_codes", campaign_id="1")

with DAG(
    "wolkvox_test_zero_length_daily_bogota",
    schedule=CronTriggerTimetable("0 6 * * *", timezone="America/Bogota"),  # what "0 6 * * *" gives
    start_date=START,
    catchup=False,
    default_args=RETRIES,
):
    MachineCodesOperator(task_id="machine_codes", campaign_id="1")

with DAG("wolkvox_test_unknown_connection", schedule=None, start_date=START, default_args=RETRIES):
    MachineCodesToSqlOperator(
        task_id="load",
        campaign_id="1",
        wolkvox_conn_id="wolkvox_eu",  # no such connection
        sql_conn_id="wolkvox_sqlite",
        pool="default_pool",
        window_start="2026-11-27T14:00:00+00:00",
        window_end="2026-11-27T15:00:00+00:00",
    )

with DAG("wolkvox_test_bad_windows", schedule=None, start_date=START, catchup=False, default_args=RETRIES):
    MachineCodesOperator(task_id="none_start", campaign_id="1", window_start="{{ None }}")
    MachineCodesOperator(
        task_id="naive", campaign_id="1", window_start="2026-11-27T00:00:00", window_end="2026-11-27T01:00:00"
    )
    MachineCodesOperator(
        task_id="inverted",
        campaign_id="1",
        window_start="2026-11-27T02:00:00+00:00",
        window_end="2026-11-27T01:00:00+00:00",
    )


for warehouse in ("sqlite", "postgres"):
    with DAG(f"wolkvox_test_4h_{warehouse}", schedule=None, start_date=START, catchup=False):
        # Four request windows of one hour, so a failure can be injected into the third.
        MachineCodesToSqlOperator(
            task_id="load",
            campaign_id="1",
            sql_conn_id=f"wolkvox_{warehouse}",
            window_start="2026-11-27T05:00:00+00:00",
            window_end="2026-11-27T09:00:00+00:00",
            max_request_window=timedelta(hours=1),
        )

for warehouse in ("sqlite", "postgres"):
    for allow in (False, True):
        # One hour, loaded again against a server that answers it empty (issue 13's guard).
        with DAG(
            f"wolkvox_test_guard_{'allow_' if allow else ''}{warehouse}",
            schedule=None,
            start_date=START,
            catchup=False,
            default_args={"retries": 1, "retry_delay": timedelta(seconds=1)},
        ):
            MachineCodesToSqlOperator(
                task_id="load",
                campaign_id="1",
                sql_conn_id=f"wolkvox_{warehouse}",
                window_start="2026-11-27T14:00:00+00:00",
                window_end="2026-11-27T15:00:00+00:00",
                allow_empty=allow,
            )

with DAG("wolkvox_test_xcom_empty", schedule=None, start_date=START, catchup=False, default_args=RETRIES):
    # Campaign 0 never dials: every window of it is empty.
    for allow in (True, False):
        MachineCodesOperator(
            task_id=f"allow_empty_{allow}".lower(),
            campaign_id="0",
            window_start="2026-11-27T14:00:00+00:00",
            window_end="2026-11-27T15:00:00+00:00",
            allow_empty=allow,
        )

for wait in (True, False):
    with DAG(
        f"wolkvox_test_quota_{'wait' if wait else 'fail'}",
        schedule=None,
        start_date=START,
        default_args=RETRIES,
    ):
        MachineCodesOperator(
            task_id="machine_codes",
            campaign_id="1",
            window_start="2026-11-27T14:00:00+00:00",
            window_end="2026-11-27T15:00:00+00:00",
            wait_for_quota=wait,
        )

with DAG(
    "wolkvox_test_quota_backfill",
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    start_date=START,
    catchup=False,
):
    MachineCodesToSqlOperator(
        task_id="load", campaign_id="1", sql_conn_id="wolkvox_sqlite", wait_for_quota=True
    )

for learn in (True, False):
    # Three-hour intervals of a dense campaign (one and a half caps' worth), with and without history.
    with DAG(
        f"wolkvox_test_density_{'learn' if learn else 'blind'}",
        schedule=CronDataIntervalTimetable("0 2-23/3 * * *", timezone="UTC"),
        start_date=START,
        catchup=False,
    ):
        MachineCodesToSqlOperator(
            task_id="load", campaign_id="1", sql_conn_id="wolkvox_sqlite", learn_density=learn
        )

with DAG(
    "wolkvox_test_density_xcom",
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    start_date=START,
    catchup=False,
):
    MachineCodesOperator(task_id="machine_codes", campaign_id="2")

with DAG(
    # Daily runs of a busy campaign (about two answers' worth a weekday), local midnight to midnight.
    "wolkvox_test_busy_days",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="America/Bogota"),
    start_date=START,
    catchup=False,
):
    MachineCodesToSqlOperator(task_id="load", campaign_id="1", sql_conn_id="wolkvox_sqlite")
