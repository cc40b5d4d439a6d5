"""The missing-pool listener on the running release, through Airflow's own code.

The real-scheduler suite (3.3 only) shows a run whose Wolkvox pool is missing failing within
seconds. These tests run on every release of the version matrix and check, in the test metadata
DB, each link of that chain:

- loading plugins registers the provider's listener with Airflow's listener manager
  (``get_listener_manager()``, which calls the plugins manager's ``integrate_listener_plugins``:
  the provider registers nothing itself);
- the scheduler's own step that starts queued runs, ``SchedulerJobRunner._start_queued_dagruns``
  (a runner that is never started, driven for one step on a real session), calls the listener,
  which fails only the Wolkvox task whose pool is missing, with the advice note;
- the listener manager's hook, called as Airflow calls it, does the same for a run attached to a
  session, and nothing for a detached run (no session is there to change it with).

The DAG has a Wolkvox task whose ``wolkvox_*`` pool is missing, one whose pool exists, and a
non-Wolkvox task in a missing pool that is not a Wolkvox one (only Wolkvox pools are the
provider's business). It is written as the DAG processor writes it, and its runs are created
as the API server creates them (``tests/airflow_compat.py`` holds what differs by release).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_wolkvox.pools import missing as missing_pools
from airflow_provider_wolkvox.pools.missing import missing_pool_advice
from airflow_provider_wolkvox.pools.naming import pool_name
from tests.airflow_compat import create_queued_run, scheduler_job_runner, write_dag_for_scheduler

pytestmark = pytest.mark.airflow_release

DAG_ID = "wolkvox_unit_missing_pool"
MISSING = pool_name("wolkvox_unit_no_pool")
PRESENT = pool_name("wolkvox_unit_with_pool")
PLAIN_MISSING = "unit_plain_pool_missing"
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
_days = itertools.count()
UNTOUCHED = (None, None)
"""(state, note) of a task instance nothing has changed since its run was created."""


@pytest.fixture(scope="module")
def dag_id(airflow_db: Path) -> Iterator[str]:
    """The three-task DAG, in the metadata DB and unpaused; the pool ``PRESENT`` exists meanwhile."""
    from airflow.models.pool import Pool
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.sdk import DAG
    from airflow.utils.session import create_session
    from sqlalchemy import delete, select

    from airflow_provider_wolkvox.operators.report import WolkvoxReportOperator

    with DAG(DAG_ID, schedule=None, start_date=START, catchup=False) as dag:
        for task_id, conn_id in (
            ("pool_missing", "wolkvox_unit_no_pool"),
            ("pool_exists", "wolkvox_unit_with_pool"),
        ):
            WolkvoxReportOperator(task_id=task_id, api="campaign_8", campaign_id="1", wolkvox_conn_id=conn_id)
        EmptyOperator(task_id="not_wolkvox", pool=PLAIN_MISSING)
    assert {t.task_id: t.pool for t in dag.tasks} == {
        "pool_missing": MISSING,
        "pool_exists": PRESENT,
        "not_wolkvox": PLAIN_MISSING,
    }
    write_dag_for_scheduler(dag)
    with create_session() as session:
        session.add(Pool(pool=PRESENT, slots=1, description="unit test", include_deferred=False))
    with create_session() as session:
        pools = set(
            session.scalars(select(Pool.pool).where(Pool.pool.in_([MISSING, PRESENT, PLAIN_MISSING])))
        )
    assert pools == {PRESENT}
    yield DAG_ID
    with create_session() as session:
        session.execute(delete(Pool).where(Pool.pool == PRESENT))


def new_run(dag_id: str, session: Any) -> Any:
    """A queued run of ``dag_id`` with its own logical date, created on ``session``."""
    when = START + timedelta(days=next(_days))
    run = create_queued_run(dag_id, f"unit_missing_pool_{when:%Y%m%d}", when, session)
    session.flush()
    return run


def task_states(run_id: str) -> dict[str, tuple[Any, Any]]:
    """task_id -> (state, note) of a run's task instances, read back in a new session."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        tis = session.scalars(select(TaskInstance).where(TaskInstance.run_id == run_id))
        return {ti.task_id: (ti.state, ti.note) for ti in tis}


def run_state(run_id: str) -> Any:
    """A run's state, read back in a new session."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return session.scalar(select(DagRun.state).where(DagRun.run_id == run_id))


def only_missing_pool_failed() -> dict[str, tuple[Any, Any]]:
    """What the listener leaves: the Wolkvox task of the missing pool failed with the advice."""
    return {
        "pool_missing": ("failed", missing_pool_advice(MISSING)),
        "pool_exists": UNTOUCHED,
        "not_wolkvox": UNTOUCHED,
    }


def test_loading_plugins_registers_the_listener_with_airflows_listener_manager() -> None:
    from airflow.listeners.listener import get_listener_manager

    manager = get_listener_manager()
    implementations = [impl.plugin for impl in manager.hook.on_dag_run_running.get_hookimpls()]
    assert missing_pools in implementations, implementations


def test_the_scheduler_starting_a_run_fails_only_the_task_whose_wolkvox_pool_is_missing(dag_id: str) -> None:
    from airflow.utils.session import create_session

    with create_session() as session:
        run_id = new_run(dag_id, session).run_id
    assert task_states(run_id) == dict.fromkeys(("pool_missing", "pool_exists", "not_wolkvox"), UNTOUCHED)

    with create_session() as session:  # one step of the scheduler's loop, as it runs it
        scheduler_job_runner()._start_queued_dagruns(session)

    assert run_state(run_id) == "running"
    assert task_states(run_id) == only_missing_pool_failed()


def test_the_listener_managers_hook_fails_the_missing_pool_task_of_an_attached_run(dag_id: str) -> None:
    from airflow.listeners.listener import get_listener_manager
    from airflow.utils.session import create_session

    with create_session() as session:
        run = new_run(dag_id, session)
        get_listener_manager().hook.on_dag_run_running(dag_run=run, msg="started")
        run_id = run.run_id

    assert task_states(run_id) == only_missing_pool_failed()


def test_the_listener_managers_hook_changes_nothing_for_a_detached_run(dag_id: str) -> None:
    from airflow.listeners.listener import get_listener_manager
    from airflow.utils.session import create_session
    from sqlalchemy.orm import object_session

    with create_session() as session:
        run = new_run(dag_id, session)
    assert object_session(run) is None  # the session is closed: the run is detached

    get_listener_manager().hook.on_dag_run_running(dag_run=run, msg="started")

    assert task_states(run.run_id) == dict.fromkeys(("pool_missing", "pool_exists", "not_wolkvox"), UNTOUCHED)
    with create_session() as session:  # the same run, attached again: now the listener acts
        session.add(run)
        get_listener_manager().hook.on_dag_run_running(dag_run=run, msg="started")
    assert task_states(run.run_id) == only_missing_pool_failed()


@pytest.mark.parametrize(
    ("conn_id", "command"),
    [
        ("wolkvox_eu", "pools sync --conn-id wolkvox_eu`"),
        ("x" * 192, f"pools sync --conn-id {'x' * 192}`"),  # the longest id whose pool name shows it
        ("eu:west", "pools sync --conn-id <wolkvox_conn_id>`"),  # a hashed name does not show it
    ],
)
def test_the_advice_names_the_connection_that_must_exist_and_passes_it(conn_id: str, command: str) -> None:
    advice = missing_pool_advice(pool_name(conn_id))
    assert "a Wolkvox connection that must exist" in advice
    assert command in advice
    assert len(advice) <= 1000  # Airflow's note column
