"""Load throughput: one interval from the API's answer bytes to committed warehouse rows.

The provider runs ``MachineCodesToSqlOperator.execute`` (hook, ``fetch_interval``,
staging, ``load_window``: the operator's own code path) against the emulator, in
its own process. The emulator runs in another process and serves every request
window from answers rendered before the clock starts (``preload``): the windows
are learnt from an untimed warm-up run, which is deterministic.

The baselines get the very rows the provider committed (dumped from its table),
already typed in memory, so only their inserting is timed; psql's ``\\copy``
reads them from a CSV file written beforehand and is timed as a whole process.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks.child import COUNTS
from benchmarks.dataset import Density, end_for_rows
from benchmarks.emulator_proc import EmulatorProcess
from benchmarks.runner import Figure, Run, run_case, run_process
from benchmarks.warehouse import TABLE, Mariadb, Postgres, Sqlite

CAMPAIGN = "1"
START = 1_795_755_600  # 2026-11-27T05:00:00Z, local midnight in Bogota
DENSITY = Density(seed=11, telephones=100_000_000, dials_per_hour=200_000)
"""About 200,000 dials an hour over a pool so large that few numbers repeat: an interval's
rows are nearly all distinct telephones, so the 600,000-row interval loads ~600,000 rows."""

SIZES = {"60k": 59_999, "600k": 600_000}
"""Rows committed per interval. 59,999, not 60,000: the API caps an answer at 60,000 rows
and a client must treat an answer of exactly 60,000 as truncated, so 59,999 is the largest
interval one request can bring in. 600,000 rows take ten such requests at the least."""


@dataclass(frozen=True)
class Contender:
    key: str
    label: str
    warehouse: str  # "postgres", "sqlite", "mariadb" or "none"
    kind: str  # "provider", "baseline", "floor", "reference"
    slow: bool = False
    """Minutes a repeat at 600,000 rows (one INSERT a row): run once there, paired with the first repeat."""


CONTENDERS = (
    Contender(
        "provider_pg", "provider: MachineCodesToSqlOperator -> PostgreSQL (COPY)", "postgres", "provider"
    ),
    Contender("insert_rows_pg", "decode + PostgresHook.insert_rows (defaults)", "postgres", "baseline"),
    Contender("psql_copy", "psql \\copy from CSV (floor)", "postgres", "floor"),
    Contender("psycopg_copy", "psycopg 3 COPY from CSV (reference)", "postgres", "reference"),
    Contender("provider_sqlite", "provider: MachineCodesToSqlOperator -> SQLite", "sqlite", "provider"),
    Contender("insert_rows_sqlite", "decode + SqliteHook.insert_rows (defaults)", "sqlite", "baseline"),
    Contender(
        "sqlite_executemany",
        "decode + sqlite3 executemany, one transaction (reference)",
        "sqlite",
        "reference",
    ),
    Contender(
        "provider_mysql",
        "provider: MachineCodesToSqlOperator -> MariaDB (multi-row INSERT)",
        "mariadb",
        "provider",
    ),
    Contender(
        "insert_rows_mysql", "decode + MySqlHook.insert_rows (defaults)", "mariadb", "baseline", slow=True
    ),
    Contender("json_typing", "decode and type the answer, no database (reference)", "none", "reference"),
)


@dataclass
class Measured:
    contender: Contender
    seconds: Figure = field(default_factory=Figure)
    rate: Figure = field(default_factory=Figure)
    maxrss_mb: Figure = field(default_factory=Figure)
    cpu_seconds: Figure = field(default_factory=Figure)
    fetch_seconds: Figure = field(default_factory=Figure)
    load_seconds: Figure = field(default_factory=Figure)
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.contender.label,
            "kind": self.contender.kind,
            "warehouse": self.contender.warehouse,
            "seconds": self.seconds.as_dict(),
            "rows_per_second": self.rate.as_dict(),
            "peak_rss_mb": self.maxrss_mb.as_dict(),
            **({"cpu_seconds": self.cpu_seconds.as_dict()} if self.cpu_seconds.values else {}),
            **({"fetch_seconds": self.fetch_seconds.as_dict()} if self.fetch_seconds.values else {}),
            **({"load_seconds": self.load_seconds.as_dict()} if self.load_seconds.values else {}),
            **self.extra,
        }


@dataclass
class SizeResult:
    name: str
    rows: int
    start: str
    end: str
    answer_bytes: int
    measured: dict[str, Measured]
    ratios: dict[str, Figure]
    notes: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "interval": [self.start, self.end],
            "answer_bytes": self.answer_bytes,
            "contenders": {key: m.as_dict() for key, m in self.measured.items()},
            "ratios": {key: f.as_dict() for key, f in self.ratios.items()},
            "notes": self.notes,
        }


SLOW_ROWS = 100_000
"""Above this many rows a ``slow`` contender runs in the first repeat only."""

COMPARED = (
    Contender("provider_pg_compare", "provider from --compare tree -> PostgreSQL", "postgres", "compare"),
    Contender("provider_sqlite_compare", "provider from --compare tree -> SQLite", "sqlite", "compare"),
)
"""With ``--compare PATH``: the provider's code from another source tree, in the same run."""

RATIOS = {
    "provider_pg / psql_copy": ("provider_pg", "psql_copy"),
    "provider_pg / insert_rows_pg": ("provider_pg", "insert_rows_pg"),
    "provider_sqlite / insert_rows_sqlite": ("provider_sqlite", "insert_rows_sqlite"),
    "provider_mysql / insert_rows_mysql": ("provider_mysql", "insert_rows_mysql"),
}


def iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat()


def warehouse_env(
    env: dict[str, str], emulator: EmulatorProcess, pg: Postgres, lite: Sqlite, my: Mariadb
) -> dict[str, str]:
    return {
        **env,
        "AIRFLOW_CONN_WOLKVOX_BENCH": emulator.connection(),
        "AIRFLOW_CONN_BENCH_PG": pg.connection(),
        "AIRFLOW_CONN_BENCH_SQLITE": lite.connection(),
        "AIRFLOW_CONN_BENCH_MYSQL": my.connection(),
    }


def run_sizes(
    sizes: dict[str, int],
    repeats: dict[str, int],
    work: Path,
    env: dict[str, str],
    log: Callable[[str], None],
    compare: str | None = None,
    only: set[str] | None = None,
) -> dict[str, SizeResult]:
    """Every size, every contender (or those in ``only``), ``repeats[size]`` times, interleaved."""
    results: dict[str, SizeResult] = {}
    contenders = [c for c in CONTENDERS + (COMPARED if compare else ()) if not only or c.key in only]
    data = DENSITY.data()
    with EmulatorProcess(DENSITY) as emulator, Postgres() as pg, Mariadb() as my:
        lite = Sqlite(work / "warehouse.sqlite")
        env = warehouse_env(env, emulator, pg, lite, my)
        compare_env = {**env, "WOLKVOX_BENCH_PROVIDER_PATH": compare} if compare else env
        for name, target in sizes.items():
            end, rows = end_for_rows(data, CAMPAIGN, START, target, horizon=48 * 3600)
            interval = Interval(name, rows, iso(START), iso(end))
            setup = Setup(work, env, compare_env, emulator, pg, lite, my, log)
            results[name] = run_size(interval, contenders, repeats[name], setup)
    return results


@dataclass(frozen=True)
class Interval:
    name: str
    rows: int
    start: str
    end: str


@dataclass(frozen=True)
class Setup:
    work: Path
    env: dict[str, str]
    compare_env: dict[str, str]
    emulator: EmulatorProcess
    pg: Postgres
    lite: Sqlite
    my: Mariadb
    log: Callable[[str], None]


def run_size(interval: Interval, contenders: list[Contender], repeats: int, setup: Setup) -> SizeResult:
    name, rows, start, end = interval.name, interval.rows, interval.start, interval.end
    work, env, emulator, pg, lite, log = (
        setup.work,
        setup.env,
        setup.emulator,
        setup.pg,
        setup.lite,
        setup.log,
    )
    notes: list[str] = []
    provider_args = {
        "campaign_id": CAMPAIGN,
        "wolkvox_conn_id": "wolkvox_bench",
        "table": TABLE,
        "start": start,
        "end": end,
    }
    # Warm-up, untimed: the emulator renders each requested window on demand; learn them, pre-render them.
    log(f"[{name}] warm-up run: {rows:,} rows over [{start}, {end})")
    emulator.reset()
    if setup.compare_env is not env:  # the other tree may size its request windows differently
        pg.reset()
        run_case("provider", {**provider_args, "sql_conn_id": "bench_pg"}, setup.compare_env)
    pg.reset()
    run_case("provider", {**provider_args, "sql_conn_id": "bench_pg"}, env)
    sizes = emulator.preload_logged(CAMPAIGN)
    preloaded = set(sizes)
    answer_bytes = 0
    committed = pg.summary()
    if committed[0] != rows:
        raise RuntimeError(f"the provider loaded {committed[0]:,} rows, the data has {rows:,}")
    csv_path = work / f"rows-{name}.csv"
    pg.dump_csv(csv_path)
    answer = write_answer(csv_path, work / f"answer-{name}.json")
    log(f"[{name}] {len(sizes)} distinct request windows pre-rendered; rows dumped to {csv_path.name}")

    measured = {c.key: Measured(c) for c in contenders}
    for repeat in range(repeats):
        # Each repeat starts one contender later, so none is always first (or last) after a pause.
        shift = repeat % len(contenders)
        for contender in contenders[shift:] + contenders[:shift]:
            if contender.slow and rows > SLOW_ROWS and repeat:
                continue
            target = {"postgres": pg, "sqlite": lite, "mariadb": setup.my}.get(contender.warehouse)
            if target is not None:
                target.reset()
            emulator.reset()
            case_env = setup.compare_env if contender.kind == "compare" else env
            run = _run_contender(contender, provider_args, csv_path, answer, case_env, pg, lite)
            got = target.summary() if target is not None else (run.result["rows"], committed[1])
            if got != committed:
                raise RuntimeError(
                    f"{contender.key} left {got} (rows, total) in the table, expected {committed}"
                )
            seconds = run.result["seconds"]
            m = measured[contender.key]
            m.seconds.add(seconds)
            m.rate.add(rows / seconds)
            m.maxrss_mb.add(run.maxrss_kb / 1024)
            if "cpu_seconds" in run.result:
                m.cpu_seconds.add(run.result["cpu_seconds"])
            if "fetch_seconds" in run.result:
                m.fetch_seconds.add(run.result["fetch_seconds"])
                m.load_seconds.add(run.result["load_seconds"])
            if contender.kind in ("provider", "compare"):
                log_entries = emulator.stats()["log"]
                missed = [e for e in log_entries if _key(e) not in preloaded and _key(e)[0] != "0"]
                if missed:
                    notes.append(
                        f"{contender.key} run {repeat + 1}: {len(missed)} request(s) not pre-rendered"
                    )
                m.extra.update(
                    requests=run.result["requests"],
                    api_calls=run.result["api_calls"],
                    rows_received=run.result["rows_received"],
                )
                answer_bytes = sum(sizes.get(_key(e), 0) for e in log_entries)
            log(
                f"[{name}] run {repeat + 1}/{repeats} {contender.key:20s} {seconds:8.2f} s "
                f"{rows / seconds:>10,.0f} rows/s  CPU {run.result.get('cpu_seconds', 0):5.2f} s  "
                f"peak RSS {run.maxrss_kb / 1024:6.0f} MB"
            )
    ratios = {}
    pairs = dict(RATIOS)
    pairs.update(
        {
            f"{c.key} / {c.key.removesuffix('_compare')}": (c.key, c.key.removesuffix("_compare"))
            for c in contenders
            if c.kind == "compare"
        }
    )
    for label, (a, b) in pairs.items():
        if a not in measured or b not in measured:
            continue
        ratio = Figure()
        paired = zip(measured[a].rate.values, measured[b].rate.values, strict=False)  # a slow one ran once
        for ra, rb in paired:
            ratio.add(ra / rb)
        ratios[label] = ratio
    return SizeResult(name, rows, start, end, answer_bytes, measured, ratios, notes)


def _key(entry: dict[str, Any]) -> tuple[str, str, str]:
    p = entry["params"]
    return p["campaign_id"], p["date_ini"], p["date_end"]


def _run_contender(
    contender: Contender,
    provider_args: dict[str, Any],
    csv_path: Path,
    answer: Path,
    env: dict[str, str],
    pg: Postgres,
    lite: Sqlite,
) -> Run:
    key = contender.key.removesuffix("_compare")
    # The rows as the provider stores them: the interval's bounds and one load time, UTC.
    decoded = {
        "answer": str(answer),
        "table": TABLE,
        "campaign_id": CAMPAIGN,
        "window_start": provider_args["start"],
        "window_end": provider_args["end"],
        "loaded_at": provider_args["start"],
    }
    if key == "provider_pg":
        return run_case("provider", {**provider_args, "sql_conn_id": "bench_pg"}, env)
    if key == "provider_sqlite":
        return run_case("provider", {**provider_args, "sql_conn_id": "bench_sqlite"}, env)
    if key == "insert_rows_pg":
        return run_case("insert_rows", {**decoded, "sql_conn_id": "bench_pg", "times_as_text": False}, env)
    if key == "provider_mysql":
        return run_case("provider", {**provider_args, "sql_conn_id": "bench_mysql"}, env)
    if key == "insert_rows_mysql":
        args = {**decoded, "sql_conn_id": "bench_mysql", "times_as_text": False, "naive_times": True}
        return run_case("insert_rows", args, env)
    if key == "insert_rows_sqlite":
        text_times = {k: utc_text(decoded[k]) for k in ("window_start", "window_end", "loaded_at")}
        args = {**decoded, **text_times, "sql_conn_id": "bench_sqlite", "times_as_text": True}
        return run_case("insert_rows", args, env)
    if key == "sqlite_executemany":
        text_times = {k: utc_text(decoded[k]) for k in ("window_start", "window_end", "loaded_at")}
        args = {**decoded, **text_times, "path": str(lite.path), "times_as_text": True}
        return run_case("sqlite_executemany", args, env)
    if key == "json_typing":
        return run_case("json_typing", {**decoded, "times_as_text": False}, env)
    if key == "psycopg_copy":
        return run_case("psycopg_copy", {"csv": str(csv_path), "dsn": pg.dsn, "table": TABLE}, env)
    if key == "psql_copy":
        _, maxrss, wall = run_process(pg.copy_command(csv_path), env)
        return Run(result={"seconds": wall}, maxrss_kb=maxrss, wall=wall)
    raise KeyError(key)


def utc_text(iso_time: str) -> str:
    """``2026-11-27T05:00:00+00:00``: how the provider stores a time in SQLite."""
    return datetime.fromisoformat(iso_time).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def write_answer(csv_path: Path, path: Path) -> Path:
    """The committed rows as one API answer: the campaign_8 envelope, every field a string."""
    names = ("telephone", *COUNTS)
    with open(csv_path, newline="") as f:
        data = [dict(zip(names, record[3:10], strict=True)) for record in csv.reader(f)]
    envelope = {"code": 200, "error": None, "msg": f"{len(data)} records were found", "data": data}
    path.write_text(json.dumps(envelope, separators=(",", ":")))
    return path
