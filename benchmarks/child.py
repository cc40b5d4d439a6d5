"""One measured case, in a fresh interpreter: ``python -m benchmarks.child CASE 'JSON args'``.

Prints one JSON object on its last stdout line: ``seconds`` (the timed section only,
``time.perf_counter``), ``vm_hwm_kb`` (``VmHWM``: the peak resident set of this whole
process, interpreter and imports included), ``maxrss_kb`` (``RUSAGE_SELF``, which on Linux
also counts the parent's peak at spawn time) and whatever the case adds.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from airflow_provider_wolkvox.testing.emulator_data import FIELDS
from benchmarks.runner import vm_hwm_kb

Case = Callable[[dict[str, Any]], dict[str, Any]]
CASES: dict[str, Case] = {}

COUNTS = FIELDS[1:]
"""The emulator's counts of a campaign_8 row, in its field order."""


def typed_rows(body: bytes, args: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What a hand-written DAG does with the API's answer: decode it and type every row for the
    table (counts to int, the window and load times as the warehouse takes them)."""
    if args["times_as_text"]:
        start, end, loaded_at = args["window_start"], args["window_end"], args["loaded_at"]
    else:
        start, end, loaded_at = (
            datetime.fromisoformat(args[k]) for k in ("window_start", "window_end", "loaded_at")
        )
        if args.get("naive_times"):  # MySQL DATETIME: naive UTC wall-clock time
            start, end, loaded_at = (t.replace(tzinfo=None) for t in (start, end, loaded_at))
    campaign = args["campaign_id"]
    return [
        (campaign, start, end, r["telephone"], *[int(r[k]) for k in COUNTS], loaded_at)
        for r in json.loads(body)["data"]
    ]


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``. For finding out why, never for the figures:
    ``WOLKVOX_BENCH_PROFILE=PREFIX`` runs the timed block under cProfile, ``WOLKVOX_BENCH_GC=off``
    with the garbage collector disabled."""

    seconds = 0.0
    cpu_seconds = 0.0
    """CPU time of this process in the block (user + system): the rest of ``seconds`` was waiting."""

    def __enter__(self) -> Timer:
        self._profiler = None
        prefix = os.environ.get("WOLKVOX_BENCH_PROFILE")
        if prefix:
            import cProfile

            self._prefix = prefix
            self._profiler = cProfile.Profile()
            self._profiler.enable()
        if os.environ.get("WOLKVOX_BENCH_GC") == "off":
            gc.disable()
        self._cpu = time.process_time()
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._started
        self.cpu_seconds = time.process_time() - self._cpu
        gc.enable()
        if self._profiler is not None:
            self._profiler.disable()
            self._profiler.dump_stats(f"{self._prefix}.{os.getpid()}.prof")


def case(fn: Case) -> Case:
    CASES[fn.__name__] = fn
    return fn


@case
def provider(args: dict[str, Any]) -> dict[str, Any]:
    """MachineCodesToSqlOperator.execute for one interval: API bytes in, committed rows out.

    A first execute over the same interval of campaign 0 (which never dials: one empty answer,
    nothing loaded) is left out of the figure: it pays the imports and first connections that
    a task process has mostly paid before ``execute`` is called, and is reported apart.
    """
    from airflow_provider_wolkvox.transfers.machine_codes_to_sql import MachineCodesToSqlOperator

    def operator(campaign_id: str) -> MachineCodesToSqlOperator:
        return MachineCodesToSqlOperator(
            task_id=f"bench_{campaign_id}",
            campaign_id=campaign_id,
            wolkvox_conn_id=args["wolkvox_conn_id"],
            sql_conn_id=args["sql_conn_id"],
            table=args["table"],
            window_start=args["start"],
            window_end=args["end"],
        )

    warm_up, timed = operator("0"), operator(args["campaign_id"])
    started = time.perf_counter()
    warm_up.execute(context=_context())  # type: ignore[arg-type]
    first_seconds = time.perf_counter() - started
    phases = _time_phases()
    with Timer() as timer:
        result = timed.execute(context=_context())  # type: ignore[arg-type]
    return {
        "seconds": timer.seconds,
        "cpu_seconds": timer.cpu_seconds,
        "fetch_seconds": phases["fetch"],
        "load_seconds": phases["load"],
        "first_empty_execute_seconds": first_seconds,
        "rows": result["rows"],
        "rows_received": result["rows_received"],
        "requests": result["requests"],
        "api_calls": result["api_calls"],
    }


@case
def backfill(args: dict[str, Any]) -> dict[str, Any]:
    """A month's backfill in order: MachineCodesToSqlOperator.execute once per interval, into SQLite,
    with or without the density history; wall time of each run, and the emulator's server seconds
    for the token across the timed runs (read from its stats before and after)."""
    import urllib.request

    from airflow_provider_wolkvox.transfers.machine_codes_to_sql import MachineCodesToSqlOperator

    def server_seconds() -> float:
        with urllib.request.urlopen(args["admin_url"] + "/_emulator/stats", timeout=600) as answer:
            tokens = json.loads(answer.read())["tokens"]
        return float(sum(t["server_seconds"] for t in tokens.values()))

    def operator(campaign_id: str, start: str, end: str) -> MachineCodesToSqlOperator:
        return MachineCodesToSqlOperator(
            task_id=f"bench_{campaign_id}",
            campaign_id=campaign_id,
            wolkvox_conn_id=args["wolkvox_conn_id"],
            sql_conn_id=args["sql_conn_id"],
            window_start=start,
            window_end=end,
            learn_density=args["learn_density"],
            outlets=[],
        )

    context: Any = {"outlet_events": {}}  # no outlets: record() adds no asset events

    first = args["intervals"][0]
    operator("0", *first).execute(context)  # imports, first connections
    phases = _time_phases()
    before = server_seconds()
    runs, calls, rows = [], 0, 0
    with Timer() as timer:
        for start, end in args["intervals"]:
            started = time.perf_counter()
            result = operator(args["campaign_id"], start, end).execute(context)
            runs.append(time.perf_counter() - started)
            calls, rows = calls + result["api_calls"], rows + result["rows"]
    return {
        "seconds": timer.seconds,
        "cpu_seconds": timer.cpu_seconds,
        "server_seconds": server_seconds() - before,
        "fetch_seconds": phases["fetch"],
        "load_seconds": phases["load"],
        "run_seconds": runs,
        "api_calls": calls,
        "rows": rows,
    }


def _context() -> dict[str, Any]:
    """What ``execute`` reads of a task's context outside a task: the asset events it adds to."""
    from airflow.sdk.execution_time.context import OutletEventAccessors

    return {"outlet_events": OutletEventAccessors()}


def _time_phases() -> dict[str, float]:
    """Wall seconds spent in fetch_interval (API calls, parsing, staging) and in load_window
    (reading staging back, the database transaction), through the module attributes the operator
    imports them from when it runs."""
    import airflow_provider_wolkvox.fetching.interval as fetch_module
    import airflow_provider_wolkvox.sql as sql_module

    phases = {"fetch": 0.0, "load": 0.0}

    def timed(fn: Callable[..., Any], phase: str) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                phases[phase] += time.perf_counter() - started

        return wrapper

    fetch_module.fetch_interval = timed(fetch_module.fetch_interval, "fetch")  # type: ignore[assignment]
    sql_module.load_window = timed(sql_module.load_window, "load")  # type: ignore[assignment]
    return phases


@case
def fetch_calls(args: dict[str, Any]) -> dict[str, Any]:
    """``fetch_interval`` over each of ``windows`` in turn (one operator run each): calls and rows."""
    import pendulum

    from airflow_provider_wolkvox.fetching.interval import fetch_interval
    from airflow_provider_wolkvox.hooks.wolkvox import WolkvoxHook
    from airflow_provider_wolkvox.staging.store import Staging

    calls = requests = rows = 0
    for start, end in args["windows"]:
        hook = WolkvoxHook(args["wolkvox_conn_id"])
        try:
            with Staging() as staging:
                summary = fetch_interval(
                    hook, args["campaign_id"], pendulum.parse(start), pendulum.parse(end), staging
                )
        finally:
            hook.close()
        calls, requests, rows = calls + summary.api_calls, requests + summary.requests, rows + summary.rows
    return {"seconds": 0.0, "api_calls": calls, "requests": requests, "rows": rows}


@case
def insert_rows(args: dict[str, Any]) -> dict[str, Any]:
    """common-sql ``insert_rows`` with default arguments, from the answer's bytes (decoding and
    typing timed, as in a hand-written DAG; the HTTP request is not)."""
    from airflow.sdk import BaseHook

    body = Path(args["answer"]).read_bytes()
    hook = BaseHook.get_connection(args["sql_conn_id"]).get_hook()  # type: ignore[no-untyped-call]
    with Timer() as timer:
        rows = typed_rows(body, args)
        hook.insert_rows(args["table"], rows)
    return {"seconds": timer.seconds, "cpu_seconds": timer.cpu_seconds, "rows": len(rows)}


@case
def json_typing(args: dict[str, Any]) -> dict[str, Any]:
    """Reference: decoding and typing the answer alone, no database."""
    body = Path(args["answer"]).read_bytes()
    with Timer() as timer:
        rows = typed_rows(body, args)
    return {"seconds": timer.seconds, "cpu_seconds": timer.cpu_seconds, "rows": len(rows)}


@case
def psycopg_copy(args: dict[str, Any]) -> dict[str, Any]:
    """Reference: psycopg 3 ``COPY ... FROM STDIN (FORMAT csv)`` fed from the CSV file, one transaction."""
    import psycopg

    with psycopg.connect(args["dsn"]) as conn, Timer() as timer:
        with (
            open(args["csv"], "rb") as f,
            conn.cursor() as cur,
            cur.copy(f"COPY {args['table']} FROM STDIN (FORMAT csv)") as copy,
        ):
            while block := f.read(1 << 20):
                copy.write(block)
        conn.commit()
    return {"seconds": timer.seconds, "cpu_seconds": timer.cpu_seconds}


@case
def sqlite_executemany(args: dict[str, Any]) -> dict[str, Any]:
    """Reference: the answer decoded and typed, then plain ``sqlite3`` ``executemany`` in one transaction."""
    import sqlite3

    body = Path(args["answer"]).read_bytes()
    conn = sqlite3.connect(args["path"])
    with Timer() as timer:
        rows = typed_rows(body, args)
        with conn:
            conn.executemany(f"INSERT INTO {args['table']} VALUES ({', '.join('?' * 11)})", rows)
    conn.close()
    return {"seconds": timer.seconds, "cpu_seconds": timer.cpu_seconds, "rows": len(rows)}


@case
def import_operators(args: dict[str, Any]) -> dict[str, Any]:
    """Seconds to import airflow.sdk, then the provider's operators on top of it."""
    started = time.perf_counter()
    import airflow.sdk  # noqa: F401

    sdk = time.perf_counter()
    before = set(sys.modules)
    with Timer() as timer:
        import airflow_provider_wolkvox.operators.machine_codes
        import airflow_provider_wolkvox.transfers.machine_codes_to_sql  # noqa: F401
    added = sorted(set(sys.modules) - before)
    return {
        "seconds": timer.seconds,
        "sdk_seconds": sdk - started,
        "modules_added": len(added),
        "provider_modules": [m for m in added if m.startswith("airflow_provider_wolkvox")],
        "other_modules": [m for m in added if not m.startswith("airflow_provider_wolkvox")],
    }


@case
def parse_dags(args: dict[str, Any]) -> dict[str, Any]:
    """Seconds for a DagBag to parse the example DAGs (airflow and the DagBag class imported first)."""
    from airflow.dag_processing.dagbag import DagBag

    with Timer() as timer:
        bag = DagBag(dag_folder=args["folder"])
    return {
        "seconds": timer.seconds,
        "dags": len(bag.dags),
        "errors": sorted(bag.import_errors),
        "files": {Path(stat.file).name: stat.duration.total_seconds() for stat in bag.dagbag_stats},
    }


def main(argv: list[str]) -> int:
    name, raw = argv[1], argv[2] if len(argv) > 2 else "{}"
    other = os.environ.get("WOLKVOX_BENCH_PROVIDER_PATH")
    if other:  # --compare: the provider's code from another source tree (e.g. a `git archive` of a commit)
        sys.path.insert(0, other)
    result = CASES[name](json.loads(raw))
    result["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["vm_hwm_kb"] = vm_hwm_kb()
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
