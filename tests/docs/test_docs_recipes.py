"""The code in the documentation runs: the SQL recipes of docs/warehouse.md on SQLite and
PostgreSQL tables loaded by ``load_window``, and docs/examples/test_with_emulator.py."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_wolkvox.reports import MachineCodesRow
from airflow_provider_wolkvox.sql import load_window
from tests.conftest import pg_schema

ROOT = Path(__file__).resolve().parents[2]
WAREHOUSE_PAGE = ROOT / "docs" / "warehouse.md"
FIRST_HOUR = datetime(2026, 11, 26, 5, tzinfo=timezone.utc)  # local midnight in Bogota
HOURS = 30  # two local days: 24 hours of the 26th and 6 of the 27th
TABLE = "wolkvox_machine_codes"


def recipes(dialect: str) -> list[str]:
    """The ```sql blocks of warehouse.md whose first line ``-- A, B`` names ``dialect``."""
    blocks = re.findall(r"```sql\n(.*?)```", WAREHOUSE_PAGE.read_text(encoding="utf-8"), re.DOTALL)
    chosen = []
    for block in blocks:
        first = block.splitlines()[0]
        if first.startswith("--") and dialect in [d.strip() for d in first[2:].split(",")]:
            chosen.append(block)
    return chosen


def counts(phone: int, hour: int) -> tuple[int, int, int, int, int, int] | None:
    """Deterministic counts; None when the number was not dialed in that hour."""
    if (phone + hour) % 3 == 0:
        return None
    failed_often = phone % 4 == 0  # a quarter of the numbers: machine results only
    total = 1 + (phone * 7 + hour) % 3
    if failed_often:
        return (total, total, 0, 0, 0, 0)
    return (total, 1 if hour % 2 else 0, 0, 0, 0, 0)


def windows() -> Iterator[tuple[datetime, datetime, list[MachineCodesRow]]]:
    for hour in range(HOURS):
        start = FIRST_HOUR + timedelta(hours=hour)
        rows = []
        for phone in range(1, 21):
            c = counts(phone, hour)
            if c is not None:
                rows.append(MachineCodesRow(f"+57300{phone:07d}", *c))
        yield start, start + timedelta(hours=1), rows


def expected() -> dict[str, Any]:
    days: dict[str, int] = defaultdict(int)
    dials: dict[str, int] = defaultdict(int)
    machine: dict[str, int] = defaultdict(int)
    for start, _, rows in windows():
        day = (start - timedelta(hours=5)).date().isoformat()
        for row in rows:
            days[day] += row.total_machine_recognitions
            dials[row.telephone] += row.total_machine_recognitions
            machine[row.telephone] += sum(row[2:])
    purge = {t for t in dials if dials[t] >= 3 and machine[t] >= 0.8 * dials[t]}
    return {"days": dict(days), "total": sum(days.values()), "purge": purge}


def load(db_hook: Any, table: str) -> None:
    for start, end, rows in windows():
        load_window(db_hook, table=table, campaign_id="all", window_start=start, window_end=end, rows=rows)
        # Another campaign in the same table: the recipes filter it out.
        load_window(db_hook, table=table, campaign_id="7", window_start=start, window_end=end, rows=rows[:2])


def check(results: list[list[tuple[Any, ...]]]) -> None:
    want = expected()
    daily, profile, purge, fresh = results
    assert [(str(day)[:10], int(rec)) for day, _, rec, *_ in daily] == sorted(want["days"].items())
    assert len(daily) == 2
    assert sum(int(row[1]) for row in profile) == want["total"]
    assert len(profile) == 24
    assert {row[0] for row in purge} == want["purge"]
    assert want["purge"]  # the data has numbers to purge, and numbers to keep
    assert len(want["purge"]) < 20
    assert all(float(row[3]) >= 0.8 for row in purge)
    assert len(fresh) == 24
    assert str(fresh[0][0]).startswith("2026-11-27 10:00") or str(fresh[0][0]).startswith("2026-11-27T10:00")


def test_the_page_has_recipes_for_both_databases() -> None:
    assert len(recipes("SQLite")) == 4
    assert len(recipes("PostgreSQL")) == 4


def test_sql_recipes_on_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.providers.sqlite.hooks.sqlite import SqliteHook

    path = tmp_path / "warehouse.db"
    monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DOCS_SQLITE", f'{{"conn_type": "sqlite", "host": "{path}"}}')
    load(SqliteHook(sqlite_conn_id="wolkvox_docs_sqlite"), TABLE)
    with sqlite3.connect(path) as db:
        check([db.execute(sql).fetchall() for sql in recipes("SQLite")])


def test_sql_recipes_on_postgres(pg_dsn: str, unique_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    with pg_schema(pg_dsn, unique_name):
        monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DOCS_PG", pg_dsn)
        load(PostgresHook(postgres_conn_id="wolkvox_docs_pg"), f"{unique_name}.{TABLE}")
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f"SET search_path TO {unique_name}")
            check([conn.execute(sql).fetchall() for sql in recipes("PostgreSQL")])


def test_emulator_example_passes() -> None:
    example = ROOT / "docs" / "examples" / "test_with_emulator.py"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(example)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "3 passed" in result.stdout
