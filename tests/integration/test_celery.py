"""Scenario 6: CeleryExecutor with two worker processes; one token is still one request at a time.

A deployment of its own (run before the LocalExecutor one, which test_scheduler.py keeps up
for the session): Redis at 127.0.0.1:6379 as broker, scoped to this run (celery_broker.py),
results in a PostgreSQL database of the run. Its pools come the way a managed deployment
gets them: ``airflow-wolkvox pools sync --export FILE``, then Airflow's ``airflow pools import``.
Two DAGs share token C, so their tasks, spread over both workers, meet in one pool of one slot.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests import leftovers
from tests.conftest import require_server
from tests.integration import checks
from tests.integration.celery_broker import CeleryBroker
from tests.integration.conftest import (
    HERE,
    SERVER_LIMIT,
    _token,
    _wolkvox,
    failed_in,
    keep_tails,
    record,
    warehouse_connection,
)
from tests.integration.deployment import AirflowDeployment, PostgresServer
from tests.integration.emulator_process import EmulatorProcess
from tests.integration.processes import wait_for
from tests.integration.test_scheduler import DAGS

pytestmark = [pytest.mark.integration, pytest.mark.redis]

PLAN: dict[str, dict[str, Any]] = DAGS.CELERY_PLAN
CAMPAIGNS = {str(spec["campaign"]): dag_id for dag_id, spec in PLAN.items()}
WORKERS = ("wolkvox-it-1", "wolkvox-it-2")
RUN_TIMEOUT = 300.0
# Celery's worker logs "Task <name>[<id>] received" for each task it takes from the queue.
_RECEIVED = re.compile(r"Task \S*execute_workload\[[0-9a-f-]+\] received")


@dataclass
class CeleryRun:
    deployment: AirflowDeployment
    emulator: EmulatorProcess
    token: str
    warehouse_dsn: str
    finished: bool
    stats: dict[str, Any]


def expected(dag_id: str) -> list[tuple[datetime, datetime]]:
    return checks.hourly(datetime.fromisoformat(PLAN[dag_id]["first"]), PLAN[dag_id]["intervals"])


@pytest.fixture(scope="module")
def celery_run(pg_dsn: str) -> Iterator[CeleryRun]:
    """Start the Celery deployment, run every interval of the plan (bounded), stop and clean it all."""
    require_server("Redis", CeleryBroker.unreachable())
    server = PostgresServer(pg_dsn)
    root = leftovers.mark_folder(Path(tempfile.mkdtemp(prefix="wolkvox-it-celery-")))  # swept if killed
    token = _token("c")
    broker = CeleryBroker(server)
    warehouse = f"wolkvox_it_wh_{uuid.uuid4().hex[:10]}"
    started = time.monotonic()
    emulator = deployment = None
    failed = False
    try:
        emulator = EmulatorProcess("emulator-celery", [token], root / "components", server_limit=SERVER_LIMIT)
        server.create(warehouse)
        broker.create()
        connections = {
            "wolkvox_it_c": _wolkvox(emulator.base_url, token, 10),
            "wolkvox_it_warehouse": warehouse_connection(server, warehouse),
        }
        export = root / "wolkvox-pools.json"
        deployment = AirflowDeployment(
            root,
            server,
            connections,
            settings=broker.settings(),
            workers=[broker.worker(name) for name in WORKERS],
            pools=[
                ("airflow-wolkvox", "pools", "sync", "--export", str(export)),
                ("airflow", "pools", "import", str(export)),
            ],
        )
        deployment.install_dags([HERE / "dags" / "wolkvox_it_dags.py"])
        deployment.start()
        record("celery: deployment up (s)", round(time.monotonic() - started, 1))
        dags, errors = deployment.wait_parsed()
        missing = [dag_id for dag_id in PLAN if dag_id not in dags.get("wolkvox_it_dags.py", [])]
        assert not missing, f"DAGs not parsed: {missing}; import errors: {errors}"
        pools = dict(deployment.sql("SELECT pool, slots FROM slot_pool"))
        for dag_id in PLAN:
            for task in deployment.api("GET", f"/api/v2/dags/{dag_id}/tasks")["tasks"]:
                assert pools.get(task["pool"]) == 1, f"{dag_id}: pool {task['pool']!r} not imported: {pools}"
        wave = time.monotonic()
        for dag_id in PLAN:
            deployment.api("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})
        want = sum(len(expected(dag_id)) for dag_id in PLAN)

        def done() -> bool:
            deployment.check_alive()
            query = "SELECT count(*) FROM dag_run WHERE dag_id = ANY(%s) AND state = ANY(%s)"
            return bool(deployment.sql(query, (list(PLAN), list(checks.TERMINAL)))[0][0] >= want)

        finished = True
        try:
            wait_for(f"{want} Celery runs", done, timeout=RUN_TIMEOUT, interval=2)
        except TimeoutError:
            finished = False
        record("celery: runs finished in (s)", round(time.monotonic() - wave, 1))
        yield CeleryRun(deployment, emulator, token, server.dsn_for(warehouse), finished, emulator.stats())
    except BaseException:
        failed = True
        raise
    finally:
        if deployment is not None:
            keep_tails(root, deployment, failed or failed_in("test_celery.py"))
        for part in (deployment, emulator):
            if part is not None:
                with contextlib.suppress(Exception):
                    part.stop()
        with contextlib.suppress(Exception):
            record("celery: broker keys under the run's prefix (removed)", len(broker.leftover_keys()))
        broker.clean()
        server.drop(warehouse)
        if not (failed or failed_in("test_celery.py")) and not os.environ.get("WOLKVOX_IT_KEEP"):
            shutil.rmtree(root, ignore_errors=True)
        record("celery scenario wall time (s)", round(time.monotonic() - started, 1))


def test_celery_workers_keep_one_request_per_token(celery_run: CeleryRun) -> None:
    """Tasks of one token on two workers: never two requests in flight; every interval exact."""
    run = celery_run
    problems = [] if run.finished else [f"not every Celery run finished within {RUN_TIMEOUT:.0f} s"]
    for dag_id, spec in PLAN.items():
        intervals = expected(dag_id)
        problems += checks.interval_problems(run.deployment, dag_id, intervals, run.deployment.logs)
        loaded = checks.warehouse_rows(run.warehouse_dsn, spec["table"])
        label = f"{dag_id}.{DAGS.TASK_ID} -> {spec['table']}"
        problems += checks.truth_problems(
            label, loaded, spec["campaign"], intervals, run.emulator.ground_truth
        )
        dupes = checks.duplicates(run.warehouse_dsn, spec["table"])
        if dupes:
            problems.append(f"{spec['table']}: {dupes} duplicate rows")
    problems += checks.pool_overlaps(checks.tries(run.deployment, list(PLAN)))
    fingerprint = run.emulator.fingerprint(run.token)
    peak, overlaps = checks.single_flight(run.stats, fingerprint, "token C", CAMPAIGNS)
    problems += overlaps
    if run.stats["simultaneous_rejections"]:
        problems.append(
            f"the emulator refused {run.stats['simultaneous_rejections']} requests as simultaneous"
        )
    record("celery: token C requests / max in flight", (run.stats["tokens"][fingerprint]["requests"], peak))
    record("celery: intervals compared with ground truth", sum(len(expected(d)) for d in PLAN))
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems[:25])


def test_both_workers_ran_tasks(celery_run: CeleryRun) -> None:
    """The tasks really went through Celery and were spread over both worker processes."""
    logs = celery_run.deployment.component_logs
    received = {name: len(_RECEIVED.findall((logs / f"worker-{n}.log").read_text(errors="replace")))
                for n, name in enumerate(WORKERS, start=1)}  # fmt: skip
    record("celery: tasks received per worker", received)
    want = sum(len(expected(dag_id)) for dag_id in PLAN)
    assert sum(received.values()) >= want, f"workers received {received}, expected {want} tasks in all"
    assert all(received.values()), f"a worker ran no task: {received}"
