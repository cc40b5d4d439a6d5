"""DAGs of the late-rows scenario (test_late_rows.py), parsed by a real DAG processor.

Two hourly DAGs load cdr_1 for the same three hours, each from its own emulator whose rows come
``LAG`` after their own date: ``wolkvox_it_late_reload`` with ``reload_previous=1``, and
``wolkvox_it_late_plain`` without. One run at a time, in order (catch-up); each run first sets its
emulator's "now" to the run's interval end, as a live schedule would ask right when the hour ends.
The connections live in the metadata DB (the scenario adds them through the REST API).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from airflow.sdk import DAG, task
from airflow.timetables.interval import CronDataIntervalTimetable

from airflow_provider_wolkvox.transfers.report_to_sql import WolkvoxReportToSqlOperator

FIRST = datetime(2025, 11, 20, 14, tzinfo=timezone.utc)  # 09:00 in Bogota: the operation is open
HOURS = 3
LAG = timedelta(minutes=20)
WAREHOUSE_CONN = "wolkvox_it_warehouse"
LATE: dict[str, dict[str, Any]] = {
    "wolkvox_it_late_reload": {"conn": "wolkvox_it_late_reload", "table": "it_late_reload", "reload": 1},
    "wolkvox_it_late_plain": {"conn": "wolkvox_it_late_plain", "table": "it_late_plain", "reload": None},
}


@task
def set_emulator_clock(conn_id: str, data_interval_end: Any = None) -> None:
    """The emulator's "now" is this run's interval end (its admin endpoint, beside the API)."""
    import requests

    from airflow_provider_wolkvox._compat import BaseHook

    base_url = BaseHook.get_connection(conn_id).extra_dejson["base_url"]  # type: ignore[no-untyped-call]
    answer = requests.post(
        f"{base_url}/_emulator/clock", json={"now": data_interval_end.isoformat()}, timeout=30
    )
    answer.raise_for_status()


for _dag_id, _spec in LATE.items():
    with DAG(
        _dag_id,
        schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
        start_date=FIRST,
        end_date=FIRST + timedelta(hours=HOURS - 1),  # the last run's interval starts here
        catchup=True,
        max_active_runs=1,
        is_paused_upon_creation=True,
        default_args={"retries": 0},
        tags=["wolkvox-integration"],
    ) as _dag:
        load = WolkvoxReportToSqlOperator(
            task_id="load",
            api="cdr_1",
            wolkvox_conn_id=_spec["conn"],
            sql_conn_id=WAREHOUSE_CONN,
            table=_spec["table"],
            reload_previous=_spec["reload"],
            learn_density=False,
        )
        set_emulator_clock(_spec["conn"]) >> load
    globals()[_dag_id] = _dag
