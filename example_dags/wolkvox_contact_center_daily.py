"""A contact center's daily core set into PostgreSQL: call detail, agent states, service level by skill.

One run per local day of the operation (``America/Bogota`` here: set the time zone of your
Wolkvox connection's operation). Each task loads one report's day into its own table,
``wolkvox_<api>``, replacing that day exactly when it runs again:

- ``cdr_1``: every call, one row each, placed in the day by its own date;
- ``agent_1``: each agent's calls and state times (ready, ring, after-call work, ...);
- ``agent_3``: each agent's time in every auxiliary state (break, training, ...);
- ``skill_1``: inbound calls, abandonment and service level of every skill (``skill_id=all``).

Connections:
- ``wolkvox_default``: type ``wolkvox``, host = server number (0032), password = API token.
- ``wolkvox_postgres``: type ``postgres``, the warehouse.

The four tasks share the connection's one-slot pool, so they ask the API one at a time.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable

from airflow_provider_wolkvox.transfers.report_to_sql import WolkvoxReportToSqlOperator

DAILY_CORE_SET: dict[str, dict[str, str]] = {
    "cdr_1": {},
    "agent_1": {},
    "agent_3": {},
    "skill_1": {"skill_id": "all"},
}
"""Each report of the set and its request parameters."""

with DAG(
    dag_id="wolkvox_contact_center_daily",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="America/Bogota"),
    start_date=pendulum.datetime(2026, 11, 1, tz="America/Bogota"),
    catchup=False,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=5)},
    tags=["wolkvox", "example"],
):
    for api, report_params in DAILY_CORE_SET.items():
        WolkvoxReportToSqlOperator(
            task_id=f"load_{api}",
            api=api,
            report_params=report_params,
            sql_conn_id="wolkvox_postgres",
        )
