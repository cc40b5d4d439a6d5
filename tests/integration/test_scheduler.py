"""Proof under a real scheduler: one-slot pools keep each token single-use, backfills load exactly once.

One wave runs everything that can run together: three DAGs and a 24-interval backfill
on token A, a DAG on token B (scenario 4) and a DAG on a faulty emulator (scenario 2).
Scenario 3 then reprocesses the backfill. Each test checks its own part of the wave.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.integration import checks
from tests.integration.conftest import HERE, Harness, record
from tests.integration.processes import wait_for

pytestmark = pytest.mark.integration

FAULT_KINDS = ("5xx", "timeout", "reset", "malformed")
FAULT_RATE = 0.2
WAVE_TIMEOUT = 900.0  # a deadline for a loaded 2-core machine, not a speed check (that is make bench)
REPROCESS_TIMEOUT = 600.0


def _load_plan() -> ModuleType:
    spec = importlib.util.spec_from_file_location("wolkvox_it_dags", HERE / "dags" / "wolkvox_it_dags.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DAGS = _load_plan()
PLAN: dict[str, dict[str, Any]] = DAGS.PLAN
BACKFILL: dict[str, str] = DAGS.BACKFILL
_CHECKED: dict[str, tuple[int, int, int]] = {}  # dag_id -> rows, intervals, duplicates (last check)
CAMPAIGNS = {str(spec["campaign"]): dag_id for dag_id, spec in PLAN.items()}
SHARED = [dag_id for dag_id, spec in PLAN.items() if spec["conn"] == "wolkvox_it_a"]


def expected(dag_id: str) -> list[tuple[datetime, datetime]]:
    """The data intervals ``dag_id`` must load: its scheduled catch-up, or the backfill's range."""
    if dag_id == BACKFILL["dag_id"]:
        start, end = (datetime.fromisoformat(BACKFILL[key]) for key in ("from", "to"))
        return checks.hourly(start, int((end - start) / timedelta(hours=1)) + 1)
    return checks.hourly(datetime.fromisoformat(PLAN[dag_id]["first"]), PLAN[dag_id]["intervals"])


def backfill(harness: Harness, *extra: str) -> None:
    harness.airflow.cli(
        "backfill", "create", "--dag-id", BACKFILL["dag_id"], "--from-date", BACKFILL["from"],
        "--to-date", BACKFILL["to"], "--max-active-runs", "4", *extra,
    )  # fmt: skip


def wait_runs(harness: Harness, dag_ids: list[str], timeout: float, since: datetime | None = None) -> bool:
    """Wait until every expected interval of ``dag_ids`` has a finished run; False on timeout."""
    want = sum(len(expected(dag_id)) for dag_id in dag_ids)

    def finished() -> bool:
        harness.airflow.check_alive()
        query = "SELECT count(*) FROM dag_run WHERE dag_id = ANY(%s) AND state = ANY(%s)"
        params: list[Any] = [dag_ids, list(checks.TERMINAL)]
        if since is not None:
            query += " AND end_date > %s"
            params.append(since)
        return harness.airflow.sql(query, params)[0][0] >= want

    try:
        wait_for(f"{want} runs of {dag_ids}", finished, timeout=timeout, interval=2)
    except TimeoutError:
        return False
    return True


def load_problems(harness: Harness, dag_id: str) -> list[str]:
    """Runs that did not succeed exactly once per interval, and warehouse rows off the ground truth."""
    spec, intervals = PLAN[dag_id], expected(dag_id)
    emulator = harness.faulty if spec["conn"] == "wolkvox_it_faults" else harness.emulator
    problems = checks.interval_problems(harness.airflow, dag_id, intervals, harness.airflow.logs)
    loaded = checks.warehouse_rows(harness.warehouse_dsn, spec["table"])
    label = f"{dag_id}.{DAGS.TASK_ID} -> {spec['table']}"
    problems += checks.truth_problems(label, loaded, spec["campaign"], intervals, emulator.ground_truth)
    dupes = checks.duplicates(harness.warehouse_dsn, spec["table"])
    if dupes:
        problems.append(f"{spec['table']}: {dupes} duplicate rows")
    _CHECKED[dag_id] = (sum(len(rows) for rows in loaded.values()), len(intervals), dupes)
    record("rows loaded (all tables)", sum(rows for rows, _, _ in _CHECKED.values()))
    record("intervals compared with ground truth", sum(n for _, n, _ in _CHECKED.values()))
    record("duplicate rows", sum(d for _, _, d in _CHECKED.values()))
    return problems


def report(problems: list[str], limit: int = 25) -> str:
    """The problems, one a line; past ``limit`` only how many more there are."""
    more = f"\n... and {len(problems) - limit} more" if len(problems) > limit else ""
    return f"{len(problems)} problem(s):\n" + "\n".join(problems[:limit]) + more


@dataclass
class Wave:
    seconds: float
    finished: bool
    stats: dict[str, Any]
    faulty_stats: dict[str, Any]


@pytest.fixture(scope="module")
def wave(harness: Harness) -> Wave:
    """Unpause every DAG of the plan, start the backfill, wait (bounded) for every run to finish."""
    dags, errors = harness.airflow.wait_parsed()
    missing = [dag_id for dag_id in PLAN if dag_id not in dags.get("wolkvox_it_dags.py", [])]
    assert not missing, f"DAGs not parsed: {missing}; import errors: {errors}"
    pools = dict(harness.airflow.sql("SELECT pool, slots FROM slot_pool"))
    for dag_id in PLAN:
        for task in harness.airflow.api("GET", f"/api/v2/dags/{dag_id}/tasks")["tasks"]:
            assert pools.get(task["pool"]) == 1, (
                f"{dag_id}.{task['task_id']} uses pool {task['pool']!r}, which has {pools.get(task['pool'])} "
                "slots: a task whose pool is missing is never scheduled"
            )
    harness.faulty.set_faults(FAULT_RATE, FAULT_KINDS, script=FAULT_KINDS, seed=5, sleep=3.0)
    started = time.monotonic()
    for dag_id in PLAN:
        harness.airflow.api("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})
    backfill(harness)
    finished = wait_runs(harness, list(PLAN), WAVE_TIMEOUT)
    seconds = round(time.monotonic() - started, 1)
    record("first wave: runs finished in (s)", seconds)
    return Wave(seconds, finished, harness.emulator.stats(), harness.faulty.stats())


def test_example_dags_parse(harness: Harness) -> None:
    dags, errors = harness.airflow.wait_parsed()
    api_errors = harness.airflow.api("GET", "/api/v2/importErrors")["import_errors"]
    assert not api_errors, f"import errors in the deployment: {api_errors}"
    empty = [name for name in harness.example_dags if not dags.get(name)]
    assert not empty, f"example DAG files without DAGs: {empty}; errors: {errors}"
    record("example DAG files parsed without errors", len(harness.example_dags))


def single_flight(stats: dict[str, Any], fingerprint: str, label: str) -> tuple[int, list[str]]:
    return checks.single_flight(stats, fingerprint, label, CAMPAIGNS)


def test_shared_token_is_single_flight(harness: Harness, wave: Wave) -> None:
    """Scenario 1: three DAGs and a backfill share token A through one pool: never two requests at once."""
    problems = [] if wave.finished else [f"not every run finished within {WAVE_TIMEOUT:.0f} s"]
    for dag_id in SHARED:
        problems += load_problems(harness, dag_id)
    attempts = checks.tries(harness.airflow, SHARED)
    problems += checks.pool_overlaps(attempts)
    fingerprint = harness.emulator.fingerprint(harness.tokens["a"])
    peak, overlaps = single_flight(wave.stats, fingerprint, "token A")
    problems += overlaps
    rejections = wave.stats["simultaneous_rejections"]
    if rejections:
        problems.append(f"the emulator refused {rejections} requests as simultaneous")
    instances = len({(a.dag_id, a.run_id) for a in attempts})
    if instances < 48:
        problems.append(f"only {instances} task instances ran on token A; the scenario needs 48")
    record("task instances, token A (3 DAGs + backfill)", instances)
    record("token A: requests / max in flight", (wave.stats["tokens"][fingerprint]["requests"], peak))
    record("simultaneous-request rejections", rejections)
    starts = sorted(e["started"] for e in wave.stats["log"] if e["token"] == fingerprint)
    if len(starts) > 1:
        record(
            "token A: seconds between requests (mean)", round((starts[-1] - starts[0]) / (len(starts) - 1), 2)
        )
    assert not problems, report(problems)


def test_faults_load_every_interval_once(harness: Harness, wave: Wave) -> None:
    """Scenario 2: 5xx, timeouts, resets and malformed bodies on 20 % of requests; tasks retry."""
    dag_id = "wolkvox_it_faults"
    problems = [] if wave.finished else [f"not every run finished within {WAVE_TIMEOUT:.0f} s"]
    problems += load_problems(harness, dag_id)
    faults = wave.faulty_stats["faults"]
    fingerprint = harness.faulty.fingerprint(harness.tokens["faults"])
    peak, overlaps = single_flight(wave.faulty_stats, fingerprint, "faults token")
    problems += overlaps
    missing = sorted(set(FAULT_KINDS) - set(faults))
    if missing:
        problems.append(f"fault kinds never injected: {missing}")
    # A request the hook abandoned keeps the token busy on the server; none may follow it too soon.
    rejections = wave.faulty_stats["simultaneous_rejections"]
    if rejections:
        problems.append(f"the fault emulator refused {rejections} requests as simultaneous")
    record("simultaneous-request rejections, fault scenario", rejections)
    retried = [a for a in checks.tries(harness.airflow, [dag_id], history=False) if a.try_number > 1]
    record("faults injected", dict(sorted(faults.items())))
    record("fault emulator: requests / max in flight", (wave.faulty_stats["requests"], peak))
    record("task instances retried by Airflow (faults DAG)", len(retried))
    assert not problems, report(problems)


def test_second_token_runs_alongside(harness: Harness, wave: Wave) -> None:
    """Scenario 4: token B has its own pool, so its requests overlap token A's; each token stays at 1."""
    dag_id = "wolkvox_it_second_token"
    problems = [] if wave.finished else [f"not every run finished within {WAVE_TIMEOUT:.0f} s"]
    problems += load_problems(harness, dag_id)
    a, b = (harness.emulator.fingerprint(harness.tokens[key]) for key in ("a", "b"))
    peak_b, overlaps = single_flight(wave.stats, b, "token B")
    problems += overlaps
    overlapping = checks.cross_overlaps(wave.stats["log"], a, b)
    if not overlapping:
        problems.append(
            "token B's requests never overlapped token A's: the two pools did not run in parallel"
        )
    record("token B: requests / max in flight", (wave.stats["tokens"][b]["requests"], peak_b))
    record("token B requests overlapping token A's", overlapping)
    record("max requests in flight, both tokens", checks.max_concurrency(wave.stats["log"]))
    assert not problems, report(problems)


def test_token_never_in_logs(harness: Harness, wave: Wave) -> None:
    """Scenario 2, continued: no file the deployment wrote (task logs included) holds a token."""
    scanned, leaks = checks.files_with(harness.airflow.root, list(harness.tokens.values()))
    task_logs = len(list(harness.airflow.logs.rglob("attempt=*.log")))
    record("files grepped for tokens (task logs)", f"{scanned} ({task_logs})")
    assert task_logs > 0, "no task logs found: the grep proves nothing"
    assert not leaks, f"a token appears in: {leaks}"


def test_reprocessing_is_idempotent(harness: Harness, wave: Wave) -> None:
    """Scenario 3: the same backfill with --reprocess-behavior completed leaves the same rows."""
    dag_id, table = BACKFILL["dag_id"], PLAN[BACKFILL["dag_id"]]["table"]
    before = checks.warehouse_rows(harness.warehouse_dsn, table)
    wait_for(
        "the first backfill to be marked complete",
        lambda: not harness.airflow.sql("SELECT 1 FROM backfill WHERE completed_at IS NULL"),
        timeout=60,
        interval=1,
    )
    harness.emulator.reset()
    mark = harness.airflow.sql("SELECT now()")[0][0]
    started = time.monotonic()
    backfill(harness, "--reprocess-behavior", "completed")
    finished = wait_runs(harness, [dag_id], REPROCESS_TIMEOUT, since=mark)
    record("reprocessing backfill finished in (s)", round(time.monotonic() - started, 1))
    problems = [] if finished else [f"the reprocessing did not finish within {REPROCESS_TIMEOUT:.0f} s"]
    problems += load_problems(harness, dag_id)
    problems += checks.pool_overlaps(
        a for a in checks.tries(harness.airflow, SHARED) if a.end and a.end > mark
    )
    problems += single_flight(
        harness.emulator.stats(),
        harness.emulator.fingerprint(harness.tokens["a"]),
        "token A while reprocessing",
    )[1]
    rerun = checks.tries(harness.airflow, [dag_id], history=False)
    stale = [a.label() for a in rerun if a.start is None or a.start <= mark]
    problems += [f"{label} was not run again" for label in stale]
    after = checks.warehouse_rows(harness.warehouse_dsn, table)
    changed = sorted(
        f"[{k[1].isoformat()}, {k[2].isoformat()})"
        for k in set(before) | set(after)
        if before.get(k) != after.get(k)
    )
    problems += [
        f"{dag_id}.{DAGS.TASK_ID} interval {window}: rows changed by reprocessing" for window in changed
    ]
    kept = checks.rows_older_than(harness.warehouse_dsn, table, mark)
    if kept:
        problems.append(f"{table}: {kept} rows were not rewritten by the reprocessing (loaded_at unchanged)")
    record("intervals reprocessed / with changed rows", (len(rerun) - len(stale), len(changed)))
    assert not problems, report(problems)


def test_missing_pool_fails_fast_with_advice(harness: Harness) -> None:
    """Scenario 5: a task whose Wolkvox pool is missing fails at once with the fix, instead of waiting."""
    from airflow_provider_wolkvox.pools.naming import pool_name

    dag_id, pool = DAGS.MISSING_POOL["dag_id"], pool_name(DAGS.MISSING_POOL["conn"])
    dags, errors = harness.airflow.wait_parsed()
    assert dag_id in dags.get("wolkvox_it_dags.py", []), f"{dag_id} not parsed; import errors: {errors}"
    assert not harness.airflow.sql("SELECT 1 FROM slot_pool WHERE pool = %s", (pool,)), "the pool exists"
    api = harness.airflow.api
    api("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})
    run_id = api("POST", f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None})["dag_run_id"]
    started = time.monotonic()

    def ended() -> str | None:
        harness.airflow.check_alive()
        state = api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")["state"]
        return state if state in checks.TERMINAL else None

    state = wait_for(f"run {run_id} of {dag_id} to end", ended, timeout=120, interval=1)
    record("missing pool: run failed after (s)", round(time.monotonic() - started, 1))
    [ti] = api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]
    assert (state, ti["state"], ti["pool"]) == ("failed", "failed", pool)
    note = ti["note"] or ""
    assert f"'{pool}' does not exist" in note
    for fix in ("airflow wolkvox pools sync", "airflow-wolkvox pools sync", "airflow pools import"):
        assert fix in note
    assert ti["try_number"] == 0, "the task ran: the scheduler queued it despite the missing pool"


def test_export_entry_is_a_rest_pool_body(harness: Harness, tmp_path: Path) -> None:
    """Managed-service path: an entry of ``pools sync --export``, named, is a ``POST /api/v2/pools`` body."""
    from airflow_provider_wolkvox.pools.naming import pool_description, pool_name

    export, conn_id = tmp_path / "wolkvox-pools.json", "wolkvox_it_rest"
    subprocess.run(
        [str(harness.airflow.bin / "airflow-wolkvox"), "pools", "sync", "--export", str(export),
         "--conn-id", conn_id],
        env=harness.airflow.env, capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    name = pool_name(conn_id)
    body = {"name": name, **json.loads(export.read_text())[name]}
    created = harness.airflow.api("POST", "/api/v2/pools", json=body)
    try:
        assert (created["name"], created["slots"], created["include_deferred"]) == (name, 1, False)
        assert created["description"] == pool_description(conn_id)
        assert harness.airflow.sql("SELECT slots FROM slot_pool WHERE pool = %s", (name,)) == [(1,)]
    finally:
        harness.airflow.api("DELETE", f"/api/v2/pools/{name}")
