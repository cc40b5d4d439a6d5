"""Fail fast, with the fix named, a Wolkvox task whose pool does not exist.

Airflow leaves a task whose pool is missing in ``scheduled`` for ever: the scheduler logs a
warning on every loop and nothing reaches the DAG author. Nothing can catch it earlier on
every release: the DAG processor's parsing process has no metadata database (the Task SDK
blocks the ORM there), so neither a cluster policy nor a DAG can see the pools.

The scheduler can. Airflow calls the listener hook ``on_dag_run_running`` in the scheduler
when it starts a run, on the scheduler's own session and before it schedules any task
(``_start_queued_dagruns``, the same on 3.0 to 3.3). :func:`on_dag_run_running` then
marks ``failed`` every task of the run whose pool is a missing ``wolkvox_*`` pool, with a
note naming the commands that create it; the run fails, the grid, the task's details and
the REST API show why. Tasks in other pools, and runs whose pools exist, are left alone.
Registered by :class:`~airflow_provider_wolkvox.plugin.WolkvoxPlugin` (``airflow.plugins``
entry point), so installing the provider is enough.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from airflow.listeners import hookimpl

from airflow_provider_wolkvox.pools.naming import POOL_PREFIX, pool_name

__all__ = ["missing_pool_advice", "on_dag_run_running"]

log = logging.getLogger(__name__)
_HASHED = re.compile(r"-[0-9a-f]{8}\Z")


def missing_pool_advice(pool: str) -> str:
    """The note on a task failed because its pool ``pool`` does not exist (at most 1000 characters).

    ``pools sync`` creates pools only for connections it can see, so the note names the connection
    the pool belongs to (when the pool name shows it), says it must exist, and passes it to the
    commands with ``--conn-id``.
    """
    arg = _conn_id_of(pool) or "<wolkvox_conn_id>"
    return (
        f"Wolkvox pool '{pool}' does not exist, so Airflow would never run this task. It is the pool "
        "of the task's wolkvox_conn_id, a Wolkvox connection that must exist: if it does not, fix "
        "wolkvox_conn_id or add the connection. Then create the pool and clear the task: "
        f"`airflow wolkvox pools sync --conn-id {arg}` (Airflow 3.2+; elsewhere `airflow-wolkvox "
        "pools sync` or `python -m airflow_provider_wolkvox pools sync`, same arguments; on a managed "
        "service add `--export pools.json`, then `airflow pools import pools.json` or POST each pool "
        "to /api/v2/pools). See the provider's docs/pools.md."
    )


def _conn_id_of(pool: str) -> str | None:
    """The connection id whose pool is ``pool``; None for a name that may be hashed (it ends in ``-``
    and eight hex digits), which does not show the id."""
    conn_id = pool[len(POOL_PREFIX) :]
    if not conn_id or pool_name(conn_id) != pool or _HASHED.search(conn_id):
        return None
    return conn_id


@hookimpl
def on_dag_run_running(dag_run: Any, msg: str) -> None:
    """Listener hook, called by the scheduler when ``dag_run`` starts; fails tasks of missing pools."""
    from sqlalchemy.orm import object_session

    session = object_session(dag_run)
    if session is None:  # not the scheduler's attached run: nothing safe to change
        return
    fail_tasks_without_pool(dag_run, session)


def fail_tasks_without_pool(dag_run: Any, session: Any) -> list[str]:
    """Mark failed, with advice, the not-yet-run tasks of ``dag_run`` in missing Wolkvox pools.

    Changes go through ``session`` and are committed by its owner. Returns the task ids failed.
    """
    from airflow.models.pool import Pool
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.state import TaskInstanceState
    from sqlalchemy import select

    waiting = list(
        session.scalars(
            select(TaskInstance).where(
                TaskInstance.dag_id == dag_run.dag_id,
                TaskInstance.run_id == dag_run.run_id,
                TaskInstance.pool.startswith(POOL_PREFIX),
                TaskInstance.state.is_(None) | (TaskInstance.state == TaskInstanceState.SCHEDULED),
            )
        )
    )
    if not waiting:
        return []
    wanted = {str(ti.pool) for ti in waiting}
    existing = set(session.scalars(select(Pool.pool).where(Pool.pool.in_(wanted))))
    failed = []
    for ti in waiting:
        if ti.pool in existing:
            continue
        ti.set_state(TaskInstanceState.FAILED, session=session)
        ti.note = missing_pool_advice(str(ti.pool))
        failed.append(str(ti.task_id))
        log.warning(
            "Wolkvox task %s.%s (run %s) marked failed: its pool %r does not exist",
            ti.dag_id,
            ti.task_id,
            ti.run_id,
            ti.pool,
        )
    return failed
