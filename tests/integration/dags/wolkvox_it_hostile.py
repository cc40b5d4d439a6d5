"""DAGs of the hostile-server scenarios (test_hostile_scheduler.py), parsed by a real DAG processor.

Each DAG has two tasks in one connection's pool of one slot: ``dripping`` (the higher priority, so
it takes the slot first) meets an answer dripped a byte at a time; ``after`` can only run once
``dripping`` has given its slot back. The connections live in the metadata DB (the scenario adds
them through the REST API), so parsing touches no network.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG

from airflow_provider_wolkvox.operators.machine_codes import MachineCodesOperator

# dag_id -> connection (its timeout is the request deadline) and the dripping task's execution_timeout.
HOSTILE: dict[str, dict[str, object]] = {
    # The deadline (2 s) ends each dripping request; the window is then split and loaded.
    "wolkvox_it_drip": {"conn": "wolkvox_it_drip", "timeout": 2, "execution_timeout": 90},
    # A deadline longer than the task's: the task's execution_timeout ends the request in progress.
    "wolkvox_it_drip_past_timeout": {"conn": "wolkvox_it_drip_long", "timeout": 600, "execution_timeout": 15},
}
WINDOW = ("2025-11-20T00:00:00+00:00", "2025-11-20T01:00:00+00:00")


for _dag_id, _spec in HOSTILE.items():
    with DAG(
        _dag_id,
        schedule=None,
        start_date=datetime(2025, 11, 1),
        is_paused_upon_creation=True,
        default_args={"retries": 0},
        tags=["wolkvox-integration"],
    ) as _dag:
        for _task_id, _campaign, _weight in (("dripping", "51", 10), ("after", "52", 1)):
            MachineCodesOperator(
                task_id=_task_id,
                wolkvox_conn_id=str(_spec["conn"]),
                campaign_id=_campaign,
                window_start=WINDOW[0],
                window_end=WINDOW[1],
                learn_density=False,
                priority_weight=_weight,
                weight_rule="absolute",
                execution_timeout=timedelta(seconds=int(str(_spec["execution_timeout"])))
                if _task_id == "dripping"
                else None,
            )
    globals()[_dag_id] = _dag
