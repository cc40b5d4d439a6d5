"""DAGs of the integration suite, parsed by a real DAG processor.

Parsing touches no network, connection or database: the emulator's address, the
tokens and the warehouse reach the tasks as ``AIRFLOW_CONN_*`` environment variables
that the hooks read when a task runs. ``PLAN`` is plain data; the tests read it too.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable

from airflow_provider_wolkvox.transfers.machine_codes_to_sql import MachineCodesToSqlOperator

WAREHOUSE_CONN = "wolkvox_it_warehouse"
TASK_ID = "load_machine_codes"

# dag_id -> connection, campaign, table, first scheduled interval and how many (0: backfill only),
# request window in minutes, task retries.
PLAN: dict[str, dict[str, object]] = {
    **{
        f"wolkvox_it_shared_{n}": {
            "conn": "wolkvox_it_a",
            "campaign": f"1{n}",
            "table": f"it_shared_{n}",
            "first": "2025-11-20T00:00:00+00:00",
            "intervals": 8,
        }
        for n in (1, 2, 3)
    },
    "wolkvox_it_backfill": {
        "conn": "wolkvox_it_a",
        "campaign": "14",
        "table": "it_backfill",
        "first": "2025-11-01T00:00:00+00:00",
        "intervals": 0,
    },
    "wolkvox_it_second_token": {
        "conn": "wolkvox_it_b",
        "campaign": "21",
        "table": "it_second_token",
        "first": "2025-11-20T00:00:00+00:00",
        "intervals": 12,
        "request_minutes": 5,
    },
    "wolkvox_it_faults": {
        "conn": "wolkvox_it_faults",
        "campaign": "31",
        "table": "it_faults",
        "first": "2025-11-20T00:00:00+00:00",
        "intervals": 12,
        "retries": 5,
    },
}

# Run only by the CeleryExecutor deployment (test_celery.py): two DAGs share token C, so their
# tasks, spread over two Celery workers, still go through one pool of one slot.
CELERY_PLAN: dict[str, dict[str, object]] = {
    f"wolkvox_it_celery_{n}": {
        "conn": "wolkvox_it_c",
        "campaign": f"4{n}",
        "table": f"it_celery_{n}",
        "first": "2025-11-20T00:00:00+00:00",
        "intervals": 6,
    }
    for n in (1, 2)
}

# Both dates inclusive: 24 hourly intervals.
BACKFILL = {
    "dag_id": "wolkvox_it_backfill",
    "from": "2025-11-21T00:00:00+00:00",
    "to": "2025-11-21T23:00:00+00:00",
}


# A DAG whose connection `pools sync` never saw (as if kept in a secrets backend): its pool is missing.
MISSING_POOL = {"dag_id": "wolkvox_it_missing_pool", "conn": "wolkvox_it_unsynced"}


def _dag(dag_id: str, spec: dict[str, object]) -> DAG:
    first = datetime.fromisoformat(str(spec["first"]))
    intervals = int(str(spec["intervals"]))
    # Scheduled DAGs catch up on `intervals` hours; the backfill-only DAG has no interval before
    # its end_date that the scheduler would pick without catchup, so only `airflow backfill` runs it.
    end = first + timedelta(hours=max(intervals - 1, 0))
    with DAG(
        dag_id,
        schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
        start_date=first,
        end_date=end,
        catchup=intervals > 0,
        is_paused_upon_creation=True,
        max_active_runs=16,
        default_args={"retries": int(str(spec.get("retries", 2))), "retry_delay": timedelta(seconds=2)},
        tags=["wolkvox-integration"],
    ) as dag:
        MachineCodesToSqlOperator(
            task_id=TASK_ID,
            wolkvox_conn_id=str(spec["conn"]),
            campaign_id=str(spec["campaign"]),
            sql_conn_id=WAREHOUSE_CONN,
            table=str(spec["table"]),
            max_request_window=timedelta(minutes=int(str(spec.get("request_minutes", 60)))),
        )
    return dag


for _dag_id, _spec in {**PLAN, **CELERY_PLAN}.items():
    globals()[_dag_id] = _dag(_dag_id, _spec)

with DAG(
    MISSING_POOL["dag_id"],
    schedule=None,
    start_date=datetime(2025, 11, 1),
    is_paused_upon_creation=True,
    tags=["wolkvox-integration"],
) as wolkvox_it_missing_pool:
    MachineCodesToSqlOperator(
        task_id=TASK_ID,
        wolkvox_conn_id=MISSING_POOL["conn"],
        campaign_id="99",
        sql_conn_id=WAREHOUSE_CONN,
        table="it_missing_pool",
    )
