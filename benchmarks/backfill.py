"""A month's backfill with server latency: the provider's wall time against the server time it bought.

On the live API a call costs seconds to minutes of server time, during which the token serves
nothing else: for one token the sum of its calls' server time is the floor of any backfill. Here
the emulator spends ``base + per_row * rows`` seconds (with jitter) on each answer
(``--latency-model``, scaled down so the month takes a minute or two), and 31 daily runs of
``MachineCodesToSqlOperator.execute`` load the high-density month into SQLite in order, as a DAG
backfill makes them: once with the density history (``learn_density``, starting empty, as a new
deployment would) and once without. The ratio is wall time over the emulator's
``server_seconds`` for the token over the same runs; what is left is the client's own time
(reading, decoding, staging and loading), which does not scale with the server's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks.api_calls import CAMPAIGN, DAYS, DENSITIES, START
from benchmarks.emulator_proc import EmulatorProcess
from benchmarks.runner import run_case

LATENCY_MODEL = (0.2, 10e-6, 0.2)
"""0.2 s a call plus 10 us a row, +-20 %: 0.8 s for a full answer of 60,000 rows (the live API's
tens of seconds, scaled down about 30 times)."""


def iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat()


def measure_backfill(work: Path, env: dict[str, str], log: Callable[[str], None]) -> dict[str, Any]:
    density = DENSITIES["high"]
    intervals = [[iso(START + d * 86_400), iso(START + (d + 1) * 86_400)] for d in range(DAYS)]
    model = ",".join(str(x) for x in LATENCY_MODEL)
    results: dict[str, Any] = {"latency_model": list(LATENCY_MODEL), "runs": DAYS}
    for name, learn in (("with_history", True), ("without_history", False)):
        warehouse = work / f"backfill_{name}.db"
        warehouse.unlink(missing_ok=True)
        with EmulatorProcess(density, extra_args=("--latency-model", model)) as emulator:
            case_env = {
                **env,
                "AIRFLOW_CONN_WOLKVOX_BENCH": emulator.connection(),
                "AIRFLOW_CONN_WOLKVOX_BENCH_SQLITE": json.dumps(
                    {"conn_type": "sqlite", "host": str(warehouse)}
                ),
            }
            log(f"[backfill {name}] 31 daily runs with {model} s of server time per call ...")
            args = {
                "campaign_id": CAMPAIGN,
                "wolkvox_conn_id": "wolkvox_bench",
                "sql_conn_id": "wolkvox_bench_sqlite",
                "intervals": intervals,
                "learn_density": learn,
                "admin_url": emulator.base_url,
            }
            r = run_case("backfill", args, case_env).result
        warehouse.unlink(missing_ok=True)
        r["ratio"] = r["seconds"] / r["server_seconds"]
        r.pop("run_seconds", None)
        results[name] = r
        log(
            f"[backfill {name}] {r['seconds']:.1f} s wall against {r['server_seconds']:.1f} s of server "
            f"time ({r['ratio']:.2f}x), {r['api_calls']} calls, fetch {r['fetch_seconds']:.1f} s, "
            f"load {r['load_seconds']:.1f} s"
        )
    return results
