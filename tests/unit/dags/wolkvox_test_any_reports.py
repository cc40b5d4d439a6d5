"""DAGs loading reports of other families (no campaign_id) through the generic operators, for dag.test()."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG

from airflow_provider_wolkvox.operators.report import WolkvoxReportOperator
from airflow_provider_wolkvox.transfers.report_to_sql import WolkvoxReportToSqlOperator

START = pendulum.datetime(2026, 11, 1, tz="UTC")
# Four request windows of an hour: detail rows per window, sums, and per-request aggregates.
WINDOW = {
    "window_start": "2026-11-27T13:00:00+00:00",
    "window_end": "2026-11-27T17:00:00+00:00",
    "max_request_window": timedelta(hours=1),
}
REPORTS = {"cdr_1": None, "agent_3": None, "skill_1": {"skill_id": "{{ params.skill }}"}}

for warehouse in ("sqlite", "postgres", "mariadb"):
    with DAG(
        f"wolkvox_test_any_{warehouse}",
        schedule=None,
        start_date=START,
        catchup=False,
        params={"skill": "all"},
    ):
        for api, report_params in REPORTS.items():
            WolkvoxReportToSqlOperator(
                task_id=f"load_{api}",
                api=api,
                report_params=report_params,
                sql_conn_id=f"wolkvox_{warehouse}",
                **WINDOW,  # type: ignore[arg-type]
            )
        if warehouse == "sqlite":
            WolkvoxReportOperator(
                task_id="skill_1",
                api="skill_1",
                report_params={"skill_id": "all"},
                **WINDOW,  # type: ignore[arg-type]
            )
