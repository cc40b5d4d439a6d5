"""``python -m benchmarks`` (``make bench``): the provider against hand-written baselines, in one run.

Writes ``benchmarks/results/latest.json`` and ``latest.md`` (git-ignored) and prints the
Markdown; docs/performance.md quotes a run of it. ``--quick`` repeats less, for a smoke test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from benchmarks import api_calls, backfill, busy_days, load, report, sizing_replay, startup
from benchmarks.warehouse import Mariadb, psql

RESULTS = Path(__file__).resolve().parent / "results"
PARTS = ("load", "calls", "sizing", "backfill", "startup")


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def child_env(work: Path) -> dict[str, str]:
    """Environment of every measured process: its own AIRFLOW_HOME, no example DAGs, and a private
    bytecode cache (this machine's shells set PYTHONDONTWRITEBYTECODE, which would make every
    process compile Airflow from source, unlike any normal installation)."""
    home = work / "airflow-home"
    home.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "PYTHONPYCACHEPREFIX": str(RESULTS / "pycache"),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _interrupt(signum: int, frame: FrameType | None) -> NoReturn:
    """A SIGTERM (a CI timeout, ``kill``) unwinds like Ctrl-C, so the scratch databases are dropped."""
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats (1-2): a smoke test, not figures")
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts: {', '.join(PARTS)}")
    parser.add_argument("--sizes", default=",".join(load.SIZES), help="load sizes: 60k, 600k")
    parser.add_argument(
        "--repeats", type=int, help="repeats of every timed case (default 5 for 60k, 3 for 600k)"
    )
    parser.add_argument(
        "--compare",
        metavar="PATH",
        help="also run the provider's code from another tree (`git archive COMMIT airflow_provider_wolkvox`)",
    )
    parser.add_argument("--contenders", help="comma-separated subset of the load contenders (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (CSV, SQLite files)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    sizes = {name: load.SIZES[name] for name in args.sizes.split(",") if name}
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    default_repeats = {"60k": 2, "600k": 1} if args.quick else {"60k": 5, "600k": 3}
    repeats = {name: args.repeats or default_repeats.get(name, 3) for name in sizes}
    startup_repeats = args.repeats or (2 if args.quick else 5)

    RESULTS.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="run-", dir=RESULTS))
    env = child_env(work)
    command = "python -m benchmarks" + (" " + " ".join(sys.argv[1:]) if argv is None and sys.argv[1:] else "")
    results: dict[str, Any] = {
        "started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "make bench" if command == "python -m benchmarks" else command,
        "loadavg_before": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "machine": report.machine(),
    }
    started = time.monotonic()
    try:
        results["postgres_version"] = psql("postgres", "SHOW server_version").split()[0]
        results["mariadb_version"] = Mariadb().version()
        if "startup" in parts:
            results["imports"] = startup.measure_imports(startup_repeats, env, log)
            results["parsing"] = startup.measure_parsing(startup_repeats, env, log)
        if "calls" in parts:
            calls = api_calls.count_calls(api_calls.DENSITIES, work, env, log)
            results["calls"] = {name: r.as_dict() for name, r in calls.items()}
        if "sizing" in parts:
            results["sizing"] = {**sizing_replay.replay_shapes(log), **busy_days.replay_busy_days(log)}
        if "backfill" in parts:
            results["backfill"] = backfill.measure_backfill(work, env, log)
        if "load" in parts and sizes:
            only = set(args.contenders.split(",")) if args.contenders else None
            compare = str(Path(args.compare).resolve()) if args.compare else None
            measured = load.run_sizes(sizes, repeats, work, env, log, compare=compare, only=only)
            results["load"] = {name: r.as_dict() for name, r in measured.items()}
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    results["seconds"] = round(time.monotonic() - started)
    results["loadavg_after"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    results["targets"] = report.targets(results)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    text = report.markdown(results)
    (RESULTS / "latest.md").write_text(text)
    print(text)
    log(f"done in {results['seconds']} s; results in {RESULTS / 'latest.json'} and latest.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
