"""Under a real scheduler: an answer dripped a byte at a time ends by its deadline, or by its task's
execution_timeout, and the connection's one-slot pool is given back (the next task in it runs).

Self-contained beside the main wave: its own emulator process, connections added to the metadata DB
through the REST API (so tasks read them from the API server), pools of one slot, and a DAG file
dropped into the running deployment's dags folder.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from airflow_provider_wolkvox.pools.naming import pool_name
from tests.integration import checks
from tests.integration.conftest import HERE, SERVER_LIMIT, Harness, record
from tests.integration.emulator_process import EmulatorProcess
from tests.integration.processes import wait_for

pytestmark = pytest.mark.integration

DAG_FILE = HERE / "dags" / "wolkvox_it_hostile.py"
RUN_TIMEOUT = 600.0  # a deadline for a loaded 2-core machine, not a speed check
DRIP_INTERVAL = 0.2  # the drip: a byte every 0.2 s, each read well within any timeout


def _hostile_plan() -> dict[str, dict[str, Any]]:
    import importlib.util

    spec = importlib.util.spec_from_file_location("wolkvox_it_hostile", DAG_FILE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.HOSTILE)


HOSTILE = _hostile_plan()


class Hostile:
    def __init__(self, harness: Harness, emulator: EmulatorProcess, tokens: dict[str, str]) -> None:
        self.harness, self.emulator, self.tokens = harness, emulator, tokens

    def run(self, dag_id: str) -> tuple[str, dict[str, dict[str, Any]]]:
        """Trigger ``dag_id`` and wait (bounded) for its run to end: its state and its tasks."""
        api = self.harness.airflow.api
        api("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})
        run_id = api("POST", f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None})["dag_run_id"]

        def ended() -> str | None:
            self.harness.airflow.check_alive()
            state = api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")["state"]
            return state if state in checks.TERMINAL else None

        state = wait_for(f"run {run_id} of {dag_id} to end", ended, timeout=RUN_TIMEOUT, interval=1)
        listed = api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]
        return state, {ti["task_id"]: ti for ti in listed}

    def log(self, dag_id: str, task: dict[str, Any]) -> str:
        path = self.harness.airflow.logs / f"dag_id={dag_id}" / f"run_id={task['dag_run_id']}"
        path = path / f"task_id={task['task_id']}" / f"attempt={max(task['try_number'], 1)}.log"
        return path.read_text(errors="replace") if path.exists() else f"(no log at {path})"


@pytest.fixture(scope="module")
def hostile(harness: Harness) -> Iterator[Hostile]:
    tokens = {name: f"tok-{name}-{uuid.uuid4().hex}-SECRET" for name in ("drip", "drip_long")}
    workdir = harness.airflow.root / "components"
    emulator = EmulatorProcess("emulator-hostile", list(tokens.values()), workdir, server_limit=SERVER_LIMIT)
    api = harness.airflow.api
    try:
        for spec in HOSTILE.values():
            conn_id = str(spec["conn"])
            extra = {
                "base_url": emulator.base_url,
                "timezone": "America/Bogota",
                "timeout": spec["timeout"],
                "server_time_limit": SERVER_LIMIT,
            }
            token = tokens["drip" if conn_id == "wolkvox_it_drip" else "drip_long"]
            body = {"connection_id": conn_id, "conn_type": "wolkvox", "host": "0032", "password": token}
            api("POST", "/api/v2/connections", json={**body, "extra": json.dumps(extra)})
            pool = {"name": pool_name(conn_id), "slots": 1, "include_deferred": False}
            api("POST", "/api/v2/pools", json=pool)
        shutil.copy2(DAG_FILE, harness.airflow.dags / DAG_FILE.name)
        dags, errors = harness.airflow.wait_parsed()
        missing = [dag_id for dag_id in HOSTILE if dag_id not in dags.get(DAG_FILE.name, [])]
        assert not missing, f"DAGs not parsed: {missing}; import errors: {errors}"
        yield Hostile(harness, emulator, tokens)
    finally:
        emulator.stop()


def _moment(text: str | None) -> datetime:
    assert text is not None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _seconds(task: dict[str, Any]) -> float:
    return (_moment(task["end_date"]) - _moment(task["start_date"])).total_seconds()


def _pool_given_back(dripping: dict[str, Any], after: dict[str, Any]) -> list[str]:
    problems = []
    if after["state"] != "success":
        problems.append(f"the next task in the pool ended {after['state']}")
    elif _moment(after["start_date"]) < _moment(dripping["end_date"]):
        problems.append("the next task started before the dripping one gave the pool slot back")
    if dripping["pool"] != after["pool"]:
        problems.append(f"the tasks are in different pools: {dripping['pool']} and {after['pool']}")
    return problems


def test_a_dripping_answer_ends_at_its_deadline_and_the_window_loads(hostile: Hostile) -> None:
    """Two dripping answers, each ended by the connection's 2 s deadline; the window is then asked
    for in smaller pieces and loads, well within the task's execution_timeout; the pool goes on."""
    dag_id = "wolkvox_it_drip"
    hostile.emulator.set_faults(0.0, (), script=["drip", "drip"], drip_interval=DRIP_INTERVAL)
    started = time.monotonic()
    state, tasks = hostile.run(dag_id)
    record("dripping answers: run with deadline ended in (s)", round(time.monotonic() - started, 1))
    dripping, after = tasks["dripping"], tasks["after"]
    log = hostile.log(dag_id, dripping)
    problems = []
    if dripping["state"] != "success":
        problems.append(f"dripping ended {dripping['state']}:\n{log[-3000:]}")
    if "keeps timing out on the server" not in log:
        problems.append("the dripping requests did not time out by their deadline")
    seconds = _seconds(dripping)
    record("dripping task (deadline 2 s, execution_timeout 90 s): seconds", round(seconds, 1))
    if seconds >= HOSTILE[dag_id]["execution_timeout"]:
        problems.append(f"the dripping task took {seconds:.0f} s, its whole execution_timeout")
    problems += _pool_given_back(dripping, after)
    faults = hostile.emulator.stats()["faults"]
    if faults.get("drip") != 2:
        problems.append(f"the emulator dripped {faults.get('drip', 0)} answers, not 2")
    assert state == "success", problems
    assert not problems, "\n".join(problems)


def test_a_tasks_execution_timeout_ends_a_dripping_request_and_frees_the_pool(hostile: Hostile) -> None:
    """A deadline (600 s) longer than the task's execution_timeout (15 s): the task's timeout ends
    the request in progress, the task fails, and the next task in the pool runs."""
    dag_id = "wolkvox_it_drip_past_timeout"
    hostile.emulator.set_faults(0.0, (), script=["drip"], drip_interval=DRIP_INTERVAL)
    state, tasks = hostile.run(dag_id)
    dripping, after = tasks["dripping"], tasks["after"]
    seconds = _seconds(dripping)
    record("dripping task (execution_timeout 15 s): seconds", round(seconds, 1))
    problems = [] if dripping["state"] == "failed" else [f"dripping ended {dripping['state']}"]
    # The timeout, then the wait for the abandoned request (server limit + 1 s), then teardown.
    limit = HOSTILE[dag_id]["execution_timeout"] + SERVER_LIMIT + 30
    if seconds > limit:
        problems.append(f"the dripping task ran {seconds:.0f} s, past its timeout and the abandoned wait")
    problems += _pool_given_back(dripping, after)
    assert state == "failed", problems
    assert not problems, "\n".join(problems) + "\n" + hostile.log(dag_id, dripping)[-3000:]


def test_no_hostile_token_in_the_deployments_files(hostile: Hostile) -> None:
    scanned, leaks = checks.files_with(hostile.harness.airflow.root, list(hostile.tokens.values()))
    assert scanned > 0
    assert not leaks, f"a token appears in: {leaks}"
