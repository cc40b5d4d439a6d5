"""What the scenarios verify, read from the metadata DB, the emulator's log and the warehouse."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import psycopg

from tests.integration.processes import tail

TERMINAL = ("success", "failed")
COUNTS = ("total_machine_recognitions", "no_answer", "answer_machine", "busy", "congestion", "failed")


@dataclass(frozen=True)
class Try:
    """One try of a task instance, with its run's data interval."""

    dag_id: str
    task_id: str
    run_id: str
    try_number: int
    state: str | None
    pool: str
    start: datetime | None
    end: datetime | None
    interval: tuple[datetime, datetime]

    def label(self) -> str:
        start, end = (moment.isoformat() for moment in self.interval)
        return f"{self.dag_id}.{self.task_id} interval [{start}, {end}) try {self.try_number}"

    def log_file(self, logs: Path) -> Path:
        return (
            logs
            / f"dag_id={self.dag_id}"
            / f"run_id={self.run_id}"
            / f"task_id={self.task_id}"
            / (f"attempt={self.try_number}.log")
        )


_TRIES = """
SELECT t.dag_id, t.task_id, t.run_id, t.try_number, t.state, t.pool, t.start_date, t.end_date,
       r.data_interval_start, r.data_interval_end
FROM ({source}) AS t JOIN dag_run r ON r.dag_id = t.dag_id AND r.run_id = t.run_id
WHERE t.dag_id = ANY(%s)
"""
_COLUMNS = "dag_id, task_id, run_id, try_number, state, pool, start_date, end_date"


def tries(deployment: Any, dag_ids: Sequence[str], *, history: bool = True) -> list[Try]:
    """Latest tries (``task_instance``) and, with ``history``, earlier ones (``task_instance_history``)."""
    source = f"SELECT {_COLUMNS} FROM task_instance"
    if history:
        source += f" UNION ALL SELECT {_COLUMNS} FROM task_instance_history"
    rows = deployment.sql(_TRIES.format(source=source), (list(dag_ids),))
    return [Try(*row[:8], interval=(row[8], row[9])) for row in rows]


def run_states(deployment: Any, dag_ids: Sequence[str]) -> list[tuple[str, str, str, datetime, datetime]]:
    """(dag_id, run_type, state, data_interval_start, data_interval_end) of every run of ``dag_ids``."""
    query = (
        "SELECT dag_id, run_type, state, data_interval_start, data_interval_end FROM dag_run "
        "WHERE dag_id = ANY(%s) ORDER BY dag_id, data_interval_start"
    )
    return [tuple(row) for row in deployment.sql(query, (list(dag_ids),))]  # type: ignore[misc]


def hourly(first: datetime, count: int) -> list[tuple[datetime, datetime]]:
    return [(first + timedelta(hours=i), first + timedelta(hours=i + 1)) for i in range(count)]


def interval_problems(
    deployment: Any, dag_id: str, expected: Sequence[tuple[datetime, datetime]], logs: Path
) -> list[str]:
    """Why ``dag_id`` did not run each expected interval exactly once, successfully (empty: it did)."""
    problems = []
    runs = Counter((row[3], row[4]) for row in run_states(deployment, [dag_id]))
    for interval in expected:
        if runs[interval] != 1:
            problems.append(f"{dag_id} interval [{interval[0]}, {interval[1]}) has {runs[interval]} runs")
    extra = set(runs) - set(expected)
    problems += [f"{dag_id} ran an unexpected interval [{s}, {e})" for s, e in sorted(extra)]
    for attempt in tries(deployment, [dag_id], history=False):
        if attempt.state != "success":
            problems.append(
                f"{attempt.label()} ended {attempt.state}; its log ends with:\n"
                f"{tail(attempt.log_file(logs), 15)}"
            )
    return problems


def pool_overlaps(attempts: Iterable[Try]) -> list[str]:
    """Pairs of tries of one pool whose [start, end] overlap in the metadata DB."""
    found = []
    by_pool: dict[str, list[Try]] = {}
    for attempt in attempts:
        if attempt.start is not None:
            by_pool.setdefault(attempt.pool, []).append(attempt)
    for pool, members in by_pool.items():
        members.sort(key=lambda a: a.start)  # type: ignore[arg-type,return-value]
        latest: Try | None = None
        for attempt in members:
            if latest is not None and latest.end is not None and attempt.start < latest.end:  # type: ignore[operator]
                found.append(f"pool {pool}: {attempt.label()} started before {latest.label()} ended")
            if latest is None or latest.end is None or (attempt.end is not None and attempt.end > latest.end):
                latest = attempt
    return found


def max_concurrency(entries: Iterable[dict[str, Any]]) -> int:
    """Most requests whose [started, ended] intervals overlap at one moment."""
    events = []
    for entry in entries:
        events += [(entry["started"], 1), (max(entry["ended"], entry["started"]), -1)]
    events.sort(key=lambda e: (e[0], e[1]))  # an end before a start at the same instant
    current = peak = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def concurrent_requests(entries: Iterable[dict[str, Any]], names: dict[str, str]) -> list[str]:
    """Requests that started while an earlier one was still in flight, named by DAG (campaign -> name)."""
    found = []
    latest: dict[str, Any] | None = None
    for entry in sorted(entries, key=lambda e: e["started"]):
        if latest is not None and entry["started"] < latest["ended"]:
            found.append(f"{_request(entry, names)} started while {_request(latest, names)} was in flight")
        if latest is None or entry["ended"] > latest["ended"]:
            latest = entry
    return found


def _request(entry: dict[str, Any], names: dict[str, str]) -> str:
    params = entry["params"]
    campaign = str(params.get("campaign_id"))
    window = f"{params.get('date_ini')}..{params.get('date_end')}"
    return f"{names.get(campaign, 'campaign ' + campaign)} request {window} (API local time)"


def single_flight(
    stats: dict[str, Any], fingerprint: str, label: str, names: dict[str, str]
) -> tuple[int, list[str]]:
    """Most requests of one token in flight (the emulator's own count), and each overlap, named."""
    mine = [entry for entry in stats["log"] if entry["token"] == fingerprint]
    peak = stats["tokens"][fingerprint]["max_in_flight"]
    problems = [f"{label}: {line}" for line in concurrent_requests(mine, names)]
    if peak != 1 and not problems:
        problems.append(f"{label}: the emulator counted {peak} requests in flight at once")
    return peak, problems


def cross_overlaps(entries: Sequence[dict[str, Any]], first: str, second: str) -> int:
    """Requests of token ``second`` that overlap in time a request of token ``first``."""
    ones = sorted((e["started"], e["ended"]) for e in entries if e["token"] == first)
    count = 0
    for entry in (e for e in entries if e["token"] == second):
        if any(start < entry["ended"] and entry["started"] < end for start, end in ones):
            count += 1
    return count


def warehouse_rows(dsn: str, table: str) -> dict[tuple[str, datetime, datetime], dict[str, tuple[int, ...]]]:
    """(campaign_id, window_start, window_end) -> {telephone: counts} of a warehouse table."""
    windows: dict[tuple[str, datetime, datetime], dict[str, tuple[int, ...]]] = {}
    query = f"SELECT campaign_id, window_start, window_end, telephone, {', '.join(COUNTS)} FROM {table}"
    with psycopg.connect(dsn, connect_timeout=10) as conn:
        for row in conn.execute(query):  # type: ignore[arg-type]
            key = (row[0], row[1].astimezone(timezone.utc), row[2].astimezone(timezone.utc))
            windows.setdefault(key, {})[row[3]] = tuple(row[4:])
    return windows


def rows_older_than(dsn: str, table: str, moment: datetime) -> int:
    """Rows whose ``loaded_at`` is before ``moment``: rows a reload did not rewrite."""
    with psycopg.connect(dsn, connect_timeout=10) as conn:
        query = f"SELECT count(*) FROM {table} WHERE loaded_at < %s"
        return int(conn.execute(query, (moment,)).fetchone()[0])  # type: ignore[arg-type,index]


def duplicates(dsn: str, table: str) -> int:
    """Rows beyond one per (campaign_id, window_start, window_end, telephone)."""
    query = (
        f"SELECT count(*) - count(DISTINCT (campaign_id, window_start, window_end, telephone)) FROM {table}"
    )
    with psycopg.connect(dsn, connect_timeout=10) as conn:
        return int(conn.execute(query).fetchone()[0])  # type: ignore[arg-type,index]


def truth_problems(
    label: str,
    loaded: dict[tuple[str, datetime, datetime], dict[str, tuple[int, ...]]],
    campaign: str,
    expected: Sequence[tuple[datetime, datetime]],
    truth: Any,
) -> list[str]:
    """Where the warehouse differs from the emulator's ground truth, one line per interval."""
    problems = []
    wanted = {(campaign, start, end) for start, end in expected}
    problems += [f"{label}: unexpected window {k[1]}..{k[2]} in the warehouse" for k in set(loaded) - wanted]
    for start, end in expected:
        rows = loaded.get((campaign, start, end), {})
        right = truth(campaign, start, end)
        if rows == right:
            continue
        missing = sorted(set(right) - set(rows))
        extra = sorted(set(rows) - set(right))
        wrong = sorted(p for p in set(rows) & set(right) if rows[p] != right[p])
        problems.append(
            f"{label} interval [{start.isoformat()}, {end.isoformat()}): {len(rows)} rows loaded, "
            f"{len(right)} expected; missing {missing[:3]}, extra {extra[:3]}, wrong counts {wrong[:3]}"
        )
    return problems


def files_with(root: Path, needles: Sequence[str]) -> tuple[int, list[str]]:
    """How many files under ``root`` were read, and which contain any of ``needles``."""
    raw = [needle.encode() for needle in needles]
    scanned, hits = 0, []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        scanned += 1
        data = path.read_bytes()
        if any(needle in data for needle in raw):
            hits.append(str(path.relative_to(root)))
    return scanned, hits
