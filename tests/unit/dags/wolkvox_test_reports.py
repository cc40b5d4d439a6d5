"""DAGs running every campaign report through the generic operators, for dag.test()."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG

from airflow_provider_wolkvox.operators.machine_codes import MachineCodesOperator
from airflow_provider_wolkvox.operators.report import WolkvoxReportOperator
from airflow_provider_wolkvox.reports import CAMPAIGN_REPORTS as REPORTS
from airflow_provider_wolkvox.transfers.report_to_sql import WolkvoxReportToSqlOperator

START = pendulum.datetime(2026, 11, 1, tz="UTC")
# Four request windows of one hour each: every report combines windows.
WINDOW = {
    "window_start": "2026-11-27T05:00:00+00:00",
    "window_end": "2026-11-27T09:00:00+00:00",
    "max_request_window": timedelta(hours=1),
}

for warehouse in ("sqlite", "postgres", "mariadb"):
    with DAG(f"wolkvox_test_reports_{warehouse}", schedule=None, start_date=START, catchup=False):
        for api in REPORTS:
            WolkvoxReportToSqlOperator(
                task_id=f"load_{api}",
                api=api,
                campaign_id="all",
                sql_conn_id=f"wolkvox_{warehouse}",
                **WINDOW,  # type: ignore[arg-type]
            )

with DAG("wolkvox_test_reports_xcom", schedule=None, start_date=START, catchup=False):
    for api in REPORTS:
        WolkvoxReportOperator(task_id=api, api=api, campaign_id="1", **WINDOW)  # type: ignore[arg-type]
    MachineCodesOperator(task_id="machine_codes", campaign_id="1", **WINDOW)  # type: ignore[arg-type]
