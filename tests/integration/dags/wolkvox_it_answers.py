"""A DAG of the integration suite whose answers are hostile: field names that hung the old naming,
names that write alike, text no warehouse stores. Parsed by a real DAG processor, run by a real
scheduler (``tests/integration/test_answers.py``).

Two tasks of one connection share its one-slot pool: ``hostile`` goes first (higher priority),
``after`` waits for the slot. Each has ``execution_timeout=45s`` and no retry.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG

from airflow_provider_wolkvox.transfers.report_to_sql import WolkvoxReportToSqlOperator

DAG_ID = "wolkvox_it_answers"
CONN = "wolkvox_it_answers"
WAREHOUSE_CONN = "wolkvox_it_warehouse"
WINDOW = ("2025-11-20T13:00:00+00:00", "2025-11-20T14:00:00+00:00")
TABLES = {"hostile": "it_answers_hostile", "after": "it_answers_after"}
TIMEOUT = timedelta(seconds=45)

with DAG(
    DAG_ID,
    schedule=None,
    start_date=datetime(2025, 11, 1),
    is_paused_upon_creation=True,
    max_active_tasks=2,
    tags=["wolkvox-integration"],
) as wolkvox_it_answers:
    for task_id, weight in (("hostile", 10), ("after", 1)):
        WolkvoxReportToSqlOperator(
            task_id=task_id,
            api="cdr_2",
            wolkvox_conn_id=CONN,
            sql_conn_id=WAREHOUSE_CONN,
            table=TABLES[task_id],
            window_start=WINDOW[0],
            window_end=WINDOW[1],
            learn_density=False,
            execution_timeout=TIMEOUT,
            retries=0,
            priority_weight=weight,
            weight_rule="absolute",
        )
