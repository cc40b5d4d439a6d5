"""Under a real scheduler: rows the server writes late are loaded by an hourly DAG with
``reload_previous``, and missed by the same DAG without it.

Self-contained beside the main wave: two emulator processes of its own (one per DAG, since each
run sets its emulator's "now"), connections added to the metadata DB through the REST API, pools of
one slot, and a DAG file dropped into the running deployment's dags folder. Every cdr_1 row comes
20 minutes after its own date; each DAG catches up three hours, one run at a time.
"""

from __future__ import annotations

import json
import runpy
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import psycopg
import pytest

from airflow_provider_wolkvox.pools.naming import pool_name
from tests.integration import checks
from tests.integration.conftest import HERE, SERVER_LIMIT, Harness, record
from tests.integration.emulator_process import EmulatorProcess
from tests.integration.processes import wait_for

pytestmark = pytest.mark.integration

DAG_FILE = HERE / "dags" / "wolkvox_it_late.py"
RUN_TIMEOUT = 600.0  # a deadline for a loaded 2-core machine, not a speed check
BOGOTA = ZoneInfo("America/Bogota")
HOUR = timedelta(hours=1)


DAGS = SimpleNamespace(**runpy.run_path(str(DAG_FILE)))  # the DAG file, as the scheduler reads it
HOURS = [DAGS.FIRST + HOUR * n for n in range(DAGS.HOURS)]
Rows = Counter[tuple[datetime, str]]
"""Rows of one window as (UTC date, telephone): what both sides are compared on."""


@dataclass
class Late:
    harness: Harness
    emulators: dict[str, EmulatorProcess]
    """Per DAG id."""
    tokens: list[str]

    def written(self, dag_id: str, start: datetime, now: datetime) -> Rows:
        """The rows of ``[start, start + 1 h)`` the server had written at ``now`` (worked out here:
        the final rows dated up to ``now - LAG``)."""
        rows = self.emulators[dag_id].ground_truth_rows("cdr_1", start, start + HOUR)
        newest = (now - DAGS.LAG).astimezone(BOGOTA).strftime("%Y-%m-%d %H:%M:%S")
        return Counter((_utc(row["date"]), row["telephone"]) for row in rows if row["date"] <= newest)

    def held(self, table: str) -> dict[datetime, Rows]:
        """The warehouse table's rows per window start."""
        windows: dict[datetime, Rows] = {}
        with psycopg.connect(self.harness.warehouse_dsn, connect_timeout=10) as conn:
            for start, date, phone in conn.execute(f"SELECT window_start, date, telephone FROM {table}"):
                windows.setdefault(start, Counter())[date, phone] += 1
        return windows


def _utc(local: str) -> datetime:
    return datetime.strptime(local, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BOGOTA).astimezone(ZoneInfo("UTC"))


@pytest.fixture(scope="module")
def late(harness: Harness) -> Iterator[Late]:
    tokens = {dag_id: f"tok-late-{uuid.uuid4().hex}-SECRET" for dag_id in DAGS.LATE}
    workdir = harness.airflow.root / "components"
    emulators: dict[str, EmulatorProcess] = {}
    api = harness.airflow.api
    try:
        for dag_id, spec in DAGS.LATE.items():
            emulator = EmulatorProcess(dag_id, [tokens[dag_id]], workdir, server_limit=SERVER_LIMIT)
            emulators[dag_id] = emulator
            emulator.set_late("cdr_1", DAGS.LAG.total_seconds())
            extra = {
                "base_url": emulator.base_url,
                "timezone": "America/Bogota",
                "timeout": 10,
                "server_time_limit": SERVER_LIMIT,
            }
            body = {"connection_id": spec["conn"], "conn_type": "wolkvox", "host": "0032"}
            api(
                "POST",
                "/api/v2/connections",
                json={**body, "password": tokens[dag_id], "extra": json.dumps(extra)},
            )
            api(
                "POST",
                "/api/v2/pools",
                json={"name": pool_name(spec["conn"]), "slots": 1, "include_deferred": False},
            )
        shutil.copy2(DAG_FILE, harness.airflow.dags / DAG_FILE.name)
        dags, errors = harness.airflow.wait_parsed()
        missing = [dag_id for dag_id in DAGS.LATE if dag_id not in dags.get(DAG_FILE.name, [])]
        assert not missing, f"DAGs not parsed: {missing}; import errors: {errors}"
        yield Late(harness, emulators, list(tokens.values()))
    finally:
        for emulator in emulators.values():
            emulator.stop()


def test_an_hourly_dag_with_reload_previous_loads_late_rows_and_one_without_misses_them(late: Late) -> None:
    harness, api = late.harness, late.harness.airflow.api
    started = time.monotonic()
    for dag_id in DAGS.LATE:
        api("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})
    intervals = [(start, start + HOUR) for start in HOURS]

    def finished() -> bool:
        harness.airflow.check_alive()
        query = "SELECT count(*) FROM dag_run WHERE dag_id = ANY(%s) AND state = ANY(%s)"
        return harness.airflow.sql(query, [list(DAGS.LATE), list(checks.TERMINAL)])[0][0] >= 2 * len(HOURS)

    wait_for(f"{len(HOURS)} runs of each late-rows DAG", finished, timeout=RUN_TIMEOUT, interval=2)
    record("late rows: both DAGs' runs finished in (s)", round(time.monotonic() - started, 1))
    problems: list[str] = []
    for dag_id in DAGS.LATE:
        problems += checks.interval_problems(harness.airflow, dag_id, intervals, harness.airflow.logs)
    assert not problems, "\n".join(problems)

    reload_id, plain_id = "wolkvox_it_late_reload", "wolkvox_it_late_plain"
    with_reload = late.held(DAGS.LATE[reload_id]["table"])
    without = late.held(DAGS.LATE[plain_id]["table"])
    # Each window holds what the server had written when the last run that read it asked: a run
    # ends at its hour's end and, with reload_previous=1, reads the hour before too.
    for start in HOURS:
        end = start + HOUR
        assert without.get(start, Counter()) == late.written(plain_id, start, end), start
        reread = end + HOUR if start != HOURS[-1] else end
        assert with_reload.get(start, Counter()) == late.written(reload_id, start, reread), start
    first = HOURS[0]
    # The hour before the first: read once, by the first run (at its end).
    assert with_reload.get(first - HOUR) == late.written(reload_id, first - HOUR, first + HOUR)
    late_rows = late.written(reload_id, first, first + 2 * HOUR) - late.written(
        reload_id, first, first + HOUR
    )
    assert late_rows, "the first hour must have late rows for the scenario to mean anything"
    assert not late_rows - with_reload[first], "the DAG with reload_previous lacks late rows"
    assert not late_rows & without[first], "the DAG without reload_previous has late rows"
    record("late rows of the first hour: loaded with reload_previous / without", (sum(late_rows.values()), 0))

    with psycopg.connect(harness.warehouse_dsn, connect_timeout=10) as conn:
        calls = dict(
            conn.execute(
                "SELECT target_table, sum(api_calls) FROM wolkvox_loads WHERE target_table = ANY(%s) "
                "GROUP BY target_table",
                [[spec["table"] for spec in DAGS.LATE.values()]],
            ).fetchall()
        )
    assert calls == {"it_late_reload": 2 * len(HOURS), "it_late_plain": len(HOURS)}
    record(
        "late rows: API calls with reload_previous=1 / without",
        (calls["it_late_reload"], calls["it_late_plain"]),
    )


def test_no_late_rows_token_in_the_deployments_files(late: Late) -> None:
    scanned, leaks = checks.files_with(late.harness.airflow.root, late.tokens)
    assert scanned > 0
    assert not leaks, f"a token appears in: {leaks}"
