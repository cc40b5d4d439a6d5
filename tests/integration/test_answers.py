"""Proof under a real scheduler: a hostile answer ends within its task's timeout and frees the pool.

The emulator answers cdr_2 with the four field names that hung the old naming (a loop that never
ended on the staging writer thread, which ``execution_timeout`` could not stop: the task stayed
``running`` and held its connection's one-slot pool), names that differ only in case, and text
with NUL and an unpaired surrogate. ``hostile`` must load it, and ``after``, waiting on the same
one-slot pool, must run once it is free. The wait is bounded: on a build that hangs, the test
fails instead of hanging.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import time
from datetime import datetime
from types import ModuleType
from typing import Any

import psycopg
import pytest

from tests.integration import checks
from tests.integration.conftest import HERE, Harness, record
from tests.integration.processes import wait_for

pytestmark = pytest.mark.integration

RUN_TIMEOUT = 300.0
"""Both tasks, queued, run and finished: far above a load of one hour (seconds), far below a hang."""
HANGING = ("x_" * 30, "X_" * 30, "x-" * 30, "X-" * 30)
CASES = ("Foo", "foo", "FOO")


def _dags() -> ModuleType:
    path = HERE / "dags" / "wolkvox_it_answers.py"
    spec = importlib.util.spec_from_file_location("wolkvox_it_answers", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DAGS = _dags()


def hashed(name: str, readable: str) -> str:
    """A made column name, from the documented rule (docs/warehouse.md), written again."""
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).digest()
    return f"{readable}__{base64.b32encode(digest).decode().lower()[:8]}"


def warehouse(harness: Harness, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(harness.warehouse_dsn, connect_timeout=10) as conn:
        return list(conn.execute(query).fetchall())  # type: ignore[arg-type]


def test_a_hostile_answer_ends_within_its_timeout_and_frees_the_pool(harness: Harness) -> None:
    from airflow_provider_wolkvox.pools.naming import pool_name

    extra = {name: f"hang {n}" for n, name in enumerate(HANGING)}
    extra.update({name: f"case {name}" for name in CASES})
    extra["note"] = "a\x00b\ud800c"
    harness.emulator.set_fields("cdr_2", extra=extra)
    start, end = (datetime.fromisoformat(moment) for moment in DAGS.WINDOW)
    truth = harness.emulator.ground_truth_rows("cdr_2", start, end)
    assert truth, "the window must have rows for this test to mean anything"

    dags, errors = harness.airflow.wait_parsed()
    assert DAGS.DAG_ID in dags.get("wolkvox_it_answers.py", []), f"not parsed; import errors: {errors}"
    pool = pool_name(DAGS.CONN)
    assert harness.airflow.sql("SELECT slots FROM slot_pool WHERE pool = %s", (pool,)) == [(1,)]
    api = harness.airflow.api
    api("PATCH", f"/api/v2/dags/{DAGS.DAG_ID}", json={"is_paused": False})
    run_id = api("POST", f"/api/v2/dags/{DAGS.DAG_ID}/dagRuns", json={"logical_date": None})["dag_run_id"]
    started = time.monotonic()

    def ended() -> str | None:
        harness.airflow.check_alive()
        state = api("GET", f"/api/v2/dags/{DAGS.DAG_ID}/dagRuns/{run_id}")["state"]
        return state if state in checks.TERMINAL else None

    try:
        state = wait_for(f"run {run_id} of {DAGS.DAG_ID}", ended, timeout=RUN_TIMEOUT, interval=1)
    except TimeoutError:
        running = {a.task_id: a.state for a in checks.tries(harness.airflow, [DAGS.DAG_ID], history=False)}
        pytest.fail(
            f"the run did not end within {RUN_TIMEOUT:.0f} s (tasks: {running}); a task outlived its "
            f"execution_timeout of {DAGS.TIMEOUT.total_seconds():.0f} s and held pool {pool}"
        )
    record("hostile answer: run ended after (s)", round(time.monotonic() - started, 1))
    attempts = {a.task_id: a for a in checks.tries(harness.airflow, [DAGS.DAG_ID], history=False)}
    problems = checks.interval_problems(harness.airflow, DAGS.DAG_ID, [], harness.airflow.logs)
    problems = [p for p in problems if "has 0 runs" not in p and "unexpected interval" not in p]
    assert state == "success", "\n".join(problems)
    hostile, after = attempts["hostile"], attempts["after"]
    assert hostile.pool == after.pool == pool
    assert hostile.try_number == after.try_number == 1
    assert hostile.end is not None
    assert after.start is not None
    assert hostile.end <= after.start, "the second task of the pool ran before the first freed it"
    seconds = (hostile.end - hostile.start).total_seconds()  # type: ignore[operator]
    record("hostile answer: task seconds (timeout 45)", round(seconds, 1))

    table = DAGS.TABLES["hostile"]
    made = {hashed(name, "x_" * 9 + "x"): f"hang {n}" for n, name in enumerate(HANGING)}
    made.update({"foo": "case foo", hashed("Foo", "foo"): "case Foo", hashed("FOO", "foo"): "case FOO"})
    made["note"] = "a\ufffdb\ufffdc"
    for column, value in made.items():
        assert warehouse(harness, f'SELECT DISTINCT "{column}" FROM {table}') == [(value,)], column
    assert warehouse(harness, f"SELECT count(*) FROM {table}") == [(len(truth),)]
    ledger = warehouse(
        harness, f"SELECT rows_received, chars_replaced FROM wolkvox_loads WHERE target_table = '{table}'"
    )
    assert ledger == [(len(truth), 2 * len(truth))]
