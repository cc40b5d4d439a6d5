"""The machine and versions, the targets, and the results as Markdown tables."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from importlib import metadata
from typing import Any

from benchmarks.runner import ROOT

PACKAGES = (
    "airflow-provider-wolkvox",
    "apache-airflow-providers-mysql",
    "mysql-connector-python",
    "apache-airflow",
    "apache-airflow-task-sdk",
    "apache-airflow-providers-common-sql",
    "apache-airflow-providers-postgres",
    "apache-airflow-providers-sqlite",
    "msgspec",
    "psycopg",
    "requests",
)


def machine() -> dict[str, Any]:
    cpu = ""
    memory_kb = 0
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
        with open("/proc/meminfo") as f:
            memory_kb = int(next(line.split()[1] for line in f if line.startswith("MemTotal")))
    except OSError:
        pass
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "packages": versions,
        "commit": _git("rev-parse", "--short", "HEAD"),
        "dirty": bool(_git("status", "--porcelain", "--", "airflow_provider_wolkvox")),
    }


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with the figure it is judged on and whether it is met."""
    out: list[dict[str, Any]] = []
    load = results.get("load", {})
    for size, r in load.items():
        if "provider_pg / psql_copy" in r["ratios"]:
            pg = r["ratios"]["provider_pg / psql_copy"]["median"]
            out.append(_target(f"PostgreSQL load >= 1.0x psql \\copy ({size})", f"{pg:.2f}x", pg >= 1.0))
        if "provider_mysql / insert_rows_mysql" in r["ratios"]:
            my = r["ratios"]["provider_mysql / insert_rows_mysql"]["median"]
            out.append(_target(f"MariaDB load >= 3x MySqlHook.insert_rows ({size})", f"{my:.2f}x", my >= 3))
        if "provider_sqlite / insert_rows_sqlite" in r["ratios"]:
            lite = r["ratios"]["provider_sqlite / insert_rows_sqlite"]["median"]
            out.append(
                _target(f"SQLite load >= 5x SqliteHook.insert_rows ({size})", f"{lite:.2f}x", lite >= 5)
            )
    if {"60k", "600k"} <= set(load):
        for key, label in (
            ("provider_pg", "PostgreSQL"),
            ("provider_sqlite", "SQLite"),
            ("provider_mysql", "MariaDB"),
        ):
            if key not in load["60k"]["contenders"] or key not in load["600k"]["contenders"]:
                continue
            small = load["60k"]["contenders"][key]["peak_rss_mb"]["median"]
            big = load["600k"]["contenders"][key]["peak_rss_mb"]["median"]
            out.append(
                _target(
                    f"peak RSS 600k <= 1.5x 60k ({label})",
                    f"{big:.0f} / {small:.0f} MB = {big / small:.2f}x",
                    big <= 1.5 * small,
                )
            )
    for density, r in results.get("calls", {}).items():
        ratio = r["provider_over_minimum"]
        calls = r["provider_one_run"]["api_calls"]
        minimum = r["minimum"]["api_calls"]
        out.append(
            _target(
                f"API calls within 10% of the minimum ({density} density)",
                f"{calls} / {minimum} = {ratio:.2f}x",
                calls <= 1.1 * minimum,
            )
        )
    runs = [
        (f"{shape}, {kind}", k)
        for shape, r in results.get("sizing", {}).items()
        for kind, k in r["intervals"].items()
    ]
    if runs:
        worst, k = max(runs, key=lambda run: run[1]["provider_history"]["api_calls"] / run[1]["minimum"])
        calls = k["provider_history"]["api_calls"]
        out.append(
            _target(
                "sizing with history <= 1.25x the minimum on every shape (worst)",
                f"{worst}: {calls} / {k['minimum']} = {calls / k['minimum']:.2f}x",
                all(r["provider_history"]["api_calls"] <= 1.25 * r["minimum"] for _, r in runs),
            )
        )
        worse = [
            f"{name} ({r['provider_history']['api_calls']} / {r['fixed_80']['api_calls']})"
            for name, r in runs
            if r["provider_history"]["api_calls"] > r["fixed_80"]["api_calls"]
        ]
        out.append(
            _target(
                "sizing with history no worse than the fixed 80 % rule on any shape",
                ", ".join(worse) or "none worse",
                not worse,
            )
        )
        fresh = [(f"{shape}, {kind}", k["new_history"]) for shape, kind, k in _busy(results)]
        if fresh:
            ratios = [(name, n["first_week"]["api_calls"] / n["first_week"]["minimum"]) for name, n in fresh]
            name, ratio = max(ratios, key=lambda r: r[1])
            out.append(
                _target(
                    "busy days, a new history's first week <= 2x the minimum (worst)",
                    f"{name}: {ratio:.2f}x",
                    ratio <= 2,
                )
            )
            later = [(name, n["later"]) for name, n in fresh if n["later"]["minimum"]]
            if later:
                name, n = max(later, key=lambda r: r[1]["api_calls"] / r[1]["minimum"])
                ratio = n["api_calls"] / n["minimum"]
                out.append(
                    _target(
                        "busy days, a new history from week 2 <= 1.25x the minimum (worst)",
                        f"{name}: {n['api_calls']} / {n['minimum']} = {ratio:.2f}x",
                        ratio <= 1.25,
                    )
                )
    backfill = results.get("backfill")
    if backfill:
        r, *rest = [c for c in backfill["cases"] if c["history"]]
        others = "".join(f" (at {_model(c['latency_model'])}: {c['ratio']:.2f}x)" for c in rest)
        out.append(
            _target(
                "month's backfill with server latency <= 1.1x the server time of its calls (with history, "
                f"{_model(r['latency_model'])})",
                f"{r['seconds']:.1f} / {r['server_seconds']:.1f} s = {r['ratio']:.2f}x{others}",
                r["ratio"] <= 1.1,
            )
        )
    if "imports" in results:
        ms = results["imports"]["operators_seconds"]["median"] * 1000
        out.append(_target("importing the operators adds < 50 ms to airflow.sdk", f"{ms:.1f} ms", ms < 50))
    return out


def _busy(results: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (shape, kind, k)
        for shape, r in results.get("sizing", {}).items()
        for kind, k in r["intervals"].items()
        if "new_history" in k
    ]


def _target(name: str, figure: str, met: bool) -> dict[str, Any]:
    return {"target": name, "figure": figure, "met": met}


def _fig(d: dict[str, Any], scale: float = 1.0, fmt: str = ",.0f") -> str:
    return (
        f"{d['median'] * scale:{fmt}} ({d['min'] * scale:{fmt}}–{d['max'] * scale:{fmt}})"
        if d["n"] > 1
        else f"{d['median'] * scale:{fmt}}"
    )


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"Measured {results['started']} with `{results['command']}` "
        f"(commit `{m['commit']}`{', with local changes' if m['dirty'] else ''}), "
        f"load average {results['loadavg_before']} before and {results['loadavg_after']} after.",
        "",
        "| machine | |",
        "|---|---|",
        f"| CPU | {m['cpu']}, {m['cores']} cores |",
        f"| memory | {m['memory_gib']} GiB |",
        f"| OS | {m['os']} |",
        f"| Python | {m['python']} |",
        f"| PostgreSQL | {results.get('postgres_version', 'not measured')} |",
        f"| MariaDB | {results.get('mariadb_version', 'not measured')} |",
        f"| SQLite | {m['sqlite']} |",
        *[f"| {name} | {version} |" for name, version in m["packages"].items()],
        "",
    ]
    load = results.get("load", {})
    for size, r in load.items():
        runs = next(iter(r["contenders"].values()))["seconds"]["n"]
        lines += [
            f"**Load, {size}: {r['rows']:,} rows** over `[{r['interval'][0]}, {r['interval'][1]})`; "
            f"median (min–max) of {runs} runs.",
            "",
            "| contender | seconds | rows/s | CPU seconds | peak RSS (MB) |",
            "|---|---|---|---|---|",
        ]
        for c in r["contenders"].values():
            cpu = _fig(c["cpu_seconds"], fmt=".2f") if "cpu_seconds" in c else "(psql)"
            once = " (1 run)" if c["seconds"]["n"] < runs else ""
            lines.append(
                f"| {c['label']}{once} | {_fig(c['seconds'], fmt='.2f')} | {_fig(c['rows_per_second'])} "
                f"| {cpu} | {_fig(c['peak_rss_mb'])} |"
            )
        p = next((c for c in r["contenders"].values() if "api_calls" in c), None)
        if p is not None:
            phases = "; ".join(
                f"{c['label'].split(' -> ')[-1]}: fetch {c['fetch_seconds']['median']:.2f} s, "
                f"load {c['load_seconds']['median']:.2f} s"
                for c in r["contenders"].values()
                if "fetch_seconds" in c
            )
            lines += [
                "",
                f"The provider made {p['api_calls']} API call(s) ({p['requests']} kept, "
                f"{p['api_calls'] - p['requests']} discarded at the row cap), received "
                f"{p['rows_received']:,} rows in {r['answer_bytes'] / 1e6:,.1f} MB of JSON. "
                f"Its time, medians: {phases}.",
            ]
        lines += [
            "",
            "| ratio (same run, paired by repeat) | median (min–max) |",
            "|---|---|",
            *[f"| {name} | {_fig(f, fmt='.2f')} |" for name, f in r["ratios"].items()],
            "",
        ]
    calls = results.get("calls", {})
    if calls:
        lines += [
            "**API calls for a 31-day backfill** (counted by the emulator)",
            "",
            "| density | telephones a day | provider, one run | provider, 31 daily runs "
            "| naive, one per hour | minimum | lower bound |",
            "|---|---|---|---|---|---|---|",
        ]
        for density, r in calls.items():
            lines.append(
                f"| {density} | {r['distinct_telephones_per_day']:,.0f} "
                f"| {r['provider_one_run']['api_calls']} | {r['provider_31_daily_runs']['api_calls']} "
                f"| {r['naive_hourly']['api_calls']} | {r['minimum']['api_calls']} | {r['lower_bound']} |"
            )
        lines.append("")
    sizing = results.get("sizing", {})
    if sizing:
        lines += [
            "**Window sizing replayed over one month of contact-center shapes** (API calls, capped "
            "answers in brackets; runs of each length back to back; with history: the two months "
            "before replayed first, each run planning from the runs before it)",
            "",
            "| shape | telephones a day | runs | minimum | fixed 80 % | provider, no history "
            "| provider, with history | with history / minimum |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for shape, r in sizing.items():
            for kind, k in r["intervals"].items():
                learnt = k["provider_history"]
                lines.append(
                    f"| {shape} | {r['telephones_per_day']:,.0f} | {kind} | {k['minimum']} "
                    f"| {k['fixed_80']['api_calls']} ({k['fixed_80']['capped']}) "
                    f"| {k['provider']['api_calls']} ({k['provider']['capped']}) "
                    f"| {learnt['api_calls']} ({learnt['capped']}) "
                    f"| {learnt['api_calls'] / k['minimum']:.2f}x |"
                )
        lines.append("")
        lines += _new_history(sizing)
    backfill = results.get("backfill")
    if backfill:
        lines += [
            f"**A month's backfill with server latency** ({backfill['runs']} daily runs in order, "
            "high density, into SQLite; the emulator's server seconds per answer: base + per row, +-jitter)",
            "",
            "| history | latency model | API calls | wall seconds | server seconds | wall / server "
            "| fetch seconds | load seconds |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in backfill["cases"]:
            lines.append(
                f"| {r['name']} | {_model(r['latency_model'])} | {r['api_calls']} | {r['seconds']:.1f} "
                f"| {r['server_seconds']:.1f} | {r['ratio']:.2f}x | {r['fetch_seconds']:.1f} "
                f"| {r['load_seconds']:.1f} |"
            )
        lines.append("")
    if "imports" in results:
        imp = results["imports"]
        lines += [
            "**Import and parse** (fresh interpreter each time, bytecode cached)",
            "",
            "| what | milliseconds, median (min–max) |",
            "|---|---|",
            f"| `import airflow.sdk` | {_fig(imp['sdk_seconds'], 1000)} |",
            f"| the provider's operators on top ({imp['modules_added']} modules) "
            f"| {_fig(imp['operators_seconds'], 1000, '.1f')} |",
        ]
        parse = results.get("parsing")
        if parse:
            lines.append(
                f"| DagBag of example_dags/ ({parse['dags']} DAGs) | {_fig(parse['folder_seconds'], 1000)} |"
            )
            lines += [f"| {name} alone | {_fig(f, 1000)} |" for name, f in parse["files"].items()]
        lines.append("")
    lines += ["| target | figure | met |", "|---|---|---|"]
    lines += [
        f"| {t['target']} | {t['figure']} | {'yes' if t['met'] else '**no**'} |" for t in results["targets"]
    ]
    return "\n".join(lines) + "\n"


def _new_history(sizing: dict[str, Any]) -> list[str]:
    """The busy-day shapes learnt from an empty history: a new deployment's first week, then the rest."""
    runs = [
        (shape, kind, k["new_history"])
        for shape, r in sizing.items()
        for kind, k in r["intervals"].items()
        if "new_history" in k
    ]
    if not runs:
        return []
    lines = [
        "**Busy days learnt from an empty history** (a new deployment from the month's first day: its "
        "first week, then the rest; API calls / greedy minimum, capped answers in brackets)",
        "",
        "| shape | runs | week 1 | week 1 / minimum | later | later / minimum |",
        "|---|---|---|---|---|---|",
    ]
    for shape, kind, n in runs:
        first, later = n["first_week"], n["later"]
        ratio = f"{later['api_calls'] / later['minimum']:.2f}x" if later["minimum"] else "-"
        lines.append(
            f"| {shape} | {kind} | {first['api_calls']} / {first['minimum']} ({first['capped']}) "
            f"| {first['api_calls'] / first['minimum']:.2f}x "
            f"| {later['api_calls']} / {later['minimum']} ({later['capped']}) | {ratio} |"
        )
    return [*lines, ""]


def _model(model: list[float]) -> str:
    """A latency model as ``0.5 s + 30 us/row +-20 %``."""
    base, per_row, jitter = model
    return f"{base:g} s + {per_row * 1e6:g} us/row +-{jitter:.0%}"
