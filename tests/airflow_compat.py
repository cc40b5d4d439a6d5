"""Airflow internals the tests use whose home moved between 3.0 and 3.3, resolved in one place.

The provider's own shims are in ``airflow_provider_wolkvox/_compat.py``; these are test-only (see
AIRFLOW_VERSIONS.md §1). Each function imports lazily: tests/conftest.py sets AIRFLOW_HOME before
Airflow is first imported.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable
from typing import Any


def _first(*candidates: tuple[str, str]) -> Any:
    """The first ``(module, name)`` that imports; the last one's error when none does."""
    for module, name in candidates[:-1]:
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    module, name = candidates[-1]
    return getattr(importlib.import_module(module), name)


def airflow_version() -> tuple[int, int]:
    """(major, minor) of the running Airflow."""
    from airflow import __version__

    major, minor = __version__.split(".")[:2]
    return int(major), int(minor)


def provider_cli_loaded() -> bool:
    """Whether ``airflow`` loads provider CLI commands (``cli`` in provider info): from 3.2 on."""
    from airflow.providers_manager import ProvidersManager

    return hasattr(ProvidersManager, "cli_command_functions")


def dag_bag(**kwargs: Any) -> Any:
    """A ``DagBag``: ``airflow.dag_processing.dagbag`` from 3.2, ``airflow.models.dagbag`` before."""
    cls = _first(("airflow.dag_processing.dagbag", "DagBag"), ("airflow.models.dagbag", "DagBag"))
    return cls(**kwargs)


def dag_serialization() -> Any:
    """What serializes DAGs for the scheduler: ``DagSerialization`` from 3.2, ``SerializedDAG`` before."""
    return _first(
        ("airflow.serialization.serialized_objects", "DagSerialization"),
        ("airflow.serialization.serialized_objects", "SerializedDAG"),
    )


def redact(value: Any) -> Any:
    """The Task SDK's secrets masker, as task logs apply it."""
    fn = _first(
        ("airflow.sdk._shared.secrets_masker.secrets_masker", "redact"),
        ("airflow.sdk.execution_time.secrets_masker", "redact"),
    )
    return fn(value)


def pool_name_for_stats() -> Callable[[str], str]:
    """How the scheduler turns a pool name into a metric name segment (3.2+; unchanged before)."""
    try:
        from airflow.models.pool import normalize_pool_name_for_stats
    except ImportError:
        return lambda name: name  # 3.0/3.1 put the pool name into metric names as it is
    return normalize_pool_name_for_stats  # type: ignore[no-any-return]


def use_policy_plugin_manager(monkeypatch: Any, manager: Any) -> None:
    """Make ``settings.task_policy`` call ``manager`` (3.2+ ask a function, 3.0/3.1 read a global)."""
    from airflow import settings

    if hasattr(settings, "get_policy_plugin_manager"):
        monkeypatch.setattr(settings, "get_policy_plugin_manager", lambda: manager)
    else:
        monkeypatch.setattr(settings, "POLICY_PLUGIN_MANAGER", manager)


def stat_name_handler() -> Callable[[str], str]:
    """The default metric-name validator (it raises on a name the metrics backends refuse)."""
    return _first(  # type: ignore[no-any-return]
        ("airflow._shared.observability.metrics.validators", "stat_name_default_handler"),
        ("airflow.metrics.validators", "stat_name_default_handler"),
    )


def make_dag_test_write_the_dag_first() -> None:
    """On Airflow 3.0, make ``dag.test()`` write the DAG to the metadata DB first, as 3.1+ do.

    3.0's ``dag.test()`` runs a DAG the metadata DB has never seen, so the task runner refuses
    the outlets' assets as inactive (``AirflowInactiveAssetInInletOrOutletException``). In a
    deployment the DAG processor writes every DAG, and activates its assets, before it runs;
    this does the same for the tests, with the DAG processor's own function.
    """
    if airflow_version() >= (3, 1):
        return
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.collection import update_dag_parsing_results_in_db
    from airflow.sdk.definitions.dag import DAG
    from airflow.serialization.serialized_objects import LazyDeserializedDAG, SerializedDAG
    from airflow.utils.session import create_session

    run_test = DAG.test
    if getattr(run_test, "writes_the_dag_first", False):
        return

    def test(self: Any, *args: Any, **kwargs: Any) -> Any:
        DagBundlesManager().sync_bundles_to_db()
        parsed = LazyDeserializedDAG(data=SerializedDAG.to_dict(self))
        with create_session() as session:
            update_dag_parsing_results_in_db("dags-folder", None, [parsed], {}, set(), session)
        return run_test(self, *args, **kwargs)

    test.writes_the_dag_first = True  # type: ignore[attr-defined]
    DAG.test = test  # type: ignore[method-assign]


def share_one_in_process_api() -> None:
    """On Airflow 3.0-3.2, let ``dag.test()`` keep one in-process Execution API per process, as 3.3
    does (``supervisor.in_process_api_server`` under ``functools.lru_cache``).

    The older releases build a new one for every task: a Cadwyn app whose lifespan generates every
    API version's routes, on an event-loop thread of its own that is never stopped. That cost
    1.5-2.5 s of CPU a task (100 API calls of a 20-task test waited 37 s on it, 3.0) and left a
    thread behind per task. The app is the same for every task (its dependencies always allow).
    """
    from airflow.sdk.execution_time import supervisor

    build = supervisor.in_process_api_server
    if not hasattr(build, "cache_clear"):
        supervisor.in_process_api_server = functools.lru_cache(maxsize=1)(build)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def task_text(output: str) -> str:
    """Printed task output as searchable text: Airflow 3.0's ``dag.test()`` prints a task's error
    as a colored traceback wrapped at the terminal width; drop the colors and the line breaks."""
    return _ANSI.sub("", output).replace("\n", "")


def newest_release_only(what: str, page: str = "docs/compatibility.md") -> Any:
    """Skip on releases before 3.3 what is tested on 3.3 only, naming the docs ``page`` that says so."""
    import pytest

    return pytest.mark.skipif(
        airflow_version() < (3, 3), reason=f"{what} is tested on Airflow 3.3 only ({page})"
    )


def write_dag_for_scheduler(dag: Any) -> None:
    """Write ``dag`` to the metadata DB with the DAG processor's own function, unpaused.

    What a deployment's DAG processor does before a scheduler can start a run: the DAG's
    ``DagModel`` row and serialized version. 3.1 added ``parse_duration`` to
    ``update_dag_parsing_results_in_db``; the rest of the call is the same on 3.0 to 3.3.
    ``dag`` may be defined in a test module (no DagBag loaded it).
    """
    import inspect

    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.collection import update_dag_parsing_results_in_db
    from airflow.models.dag import DagModel
    from airflow.serialization.serialized_objects import LazyDeserializedDAG
    from airflow.utils.session import create_session
    from sqlalchemy import update

    DagBundlesManager().sync_bundles_to_db()
    if dag.relative_fileloc is None:  # a DAG not loaded by a DagBag: set it as DagBag does for a
        dag.relative_fileloc = dag.fileloc  # file outside the bundle (3.0 needs it, 3.1+ allow None)
    parsed = LazyDeserializedDAG(data=dag_serialization().to_dict(dag))
    extra: dict[str, Any] = {}
    if "parse_duration" in inspect.signature(update_dag_parsing_results_in_db).parameters:
        extra["parse_duration"] = None
    with create_session() as session:
        update_dag_parsing_results_in_db(
            "dags-folder", None, [parsed], import_errors={}, warnings=set(), session=session, **extra
        )
        session.execute(update(DagModel).where(DagModel.dag_id == dag.dag_id).values(is_paused=False))


def create_queued_run(dag_id: str, run_id: str, when: Any, session: Any) -> Any:
    """A queued manual ``DagRun`` of ``dag_id`` (written by :func:`write_dag_for_scheduler`), with
    its task instances, created as the API server does: from the scheduler's (serialized) DAG.

    The serialized DAG is ``airflow.models.dag.DAG`` on 3.0 and a ``SerializedDAG`` from 3.1 on;
    ``SerializedDagModel.get_dag`` returns the right one and ``create_dagrun`` takes the same
    arguments on each.
    """
    from airflow.models.serialized_dag import SerializedDagModel
    from airflow.utils.state import DagRunState
    from airflow.utils.types import DagRunTriggeredByType, DagRunType

    dag = SerializedDagModel.get_dag(dag_id, session=session)
    assert dag is not None, f"{dag_id} is not in the serialized_dag table"
    return dag.create_dagrun(
        run_id=run_id,
        logical_date=when,
        data_interval=(when, when),
        run_after=when,
        run_type=DagRunType.MANUAL,
        triggered_by=DagRunTriggeredByType.TEST,
        state=DagRunState.QUEUED,
        session=session,
    )


def scheduler_job_runner() -> Any:
    """A ``SchedulerJobRunner`` that is never started: tests call its loop's steps one by one."""
    from airflow.jobs.job import Job
    from airflow.jobs.scheduler_job_runner import SchedulerJobRunner

    return SchedulerJobRunner(job=Job())
