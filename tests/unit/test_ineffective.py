"""The purge list: numbers dialed often that mostly hit machines, in SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest
from sqlglot import exp as sqlglot_exp

from airflow_provider_wolkvox.exceptions import WolkvoxConfigError
from airflow_provider_wolkvox.reports import MachineCodesRow as Row
from airflow_provider_wolkvox.sql import load_window
from airflow_provider_wolkvox.sql.flavors import Flavor
from airflow_provider_wolkvox.sql.ineffective import build_ineffective_numbers, ineffective_statements

from ..conftest import mysql_connection_json, pg_schema
from .test_sql_dialects import PARSED, PLACEHOLDER, parse

pytestmark = pytest.mark.airflow_release

T0 = pendulum.datetime(2026, 11, 1, tz="UTC")


@pytest.fixture(params=["sqlite", "postgres", "mariadb"])
def db_hook(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from airflow_provider_wolkvox._compat import BaseHook

    if request.param == "sqlite":
        conn = json.dumps({"conn_type": "sqlite", "host": str(tmp_path / "w.db")})
        monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", conn)
        yield BaseHook.get_connection("warehouse").get_hook()
        return
    if request.param == "mariadb":
        database = request.getfixturevalue("mariadb_database")
        monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", mysql_connection_json(database))
        yield BaseHook.get_connection("warehouse").get_hook()
        return

    dsn = request.getfixturevalue("pg_dsn")
    with pg_schema(dsn, f"t_{uuid.uuid4().hex[:12]}") as schema:
        monkeypatch.setenv(
            "AIRFLOW_CONN_WAREHOUSE",
            dsn.replace("postgresql://", "postgres://") + f"?options=-csearch_path%3D{schema}",
        )
        yield BaseHook.get_connection("warehouse").get_hook()


def load(db_hook: Any, day: int, rows: list[Row]) -> None:
    start = T0.add(days=day)
    load_window(
        db_hook,
        table="wolkvox_machine_codes",
        campaign_id="1",
        window_start=start,
        window_end=start.add(days=1),
        rows=rows,
    )


def test_lists_numbers_dialed_often_that_mostly_hit_machines(db_hook: Any) -> None:
    load(db_hook, 0, [Row("old", 9, 9, 0, 0, 0, 0)])  # before the look-back: ignored
    load(db_hook, 10, [Row("a", 2, 2, 0, 0, 0, 0), Row("b", 4, 1, 1, 0, 0, 0), Row("c", 1, 1, 0, 0, 0, 0)])
    load(db_hook, 11, [Row("a", 2, 0, 1, 1, 0, 0), Row("b", 1, 0, 0, 0, 0, 0), Row("d", 5, 0, 0, 0, 0, 5)])
    listed = build_ineffective_numbers(db_hook, since=T0.add(days=5), min_dials=3, min_machine_share=0.8)
    assert listed == 2
    rows = db_hook.get_records(
        "SELECT telephone, dials, machine_results, machine_share "
        "FROM wolkvox_ineffective_numbers ORDER BY telephone"
    )
    # a: 4 dials, 4 machine (100%); b: 5 dials, 2 machine (40%): out; c: 1 dial: out; d: 5/5.
    assert [(t, d, m, round(s, 3)) for t, d, m, s in rows] == [("a", 4, 4, 1.0), ("d", 5, 5, 1.0)]

    # Rebuilt from scratch each time: a stricter rule shrinks the list.
    assert build_ineffective_numbers(db_hook, since=T0.add(days=5), min_dials=5, min_machine_share=0.8) == 1


def test_bad_arguments_are_refused_before_any_sql(db_hook: Any) -> None:
    with pytest.raises(WolkvoxConfigError, match="naive"):
        build_ineffective_numbers(
            db_hook, since=pendulum.naive(2026, 1, 1), min_dials=3, min_machine_share=0.8
        )
    with pytest.raises(WolkvoxConfigError, match="between 0 and 1"):
        build_ineffective_numbers(db_hook, since=T0, min_dials=3, min_machine_share=80)


@pytest.mark.parametrize("flavor", PARSED, ids=lambda f: f.name)
def test_rebuild_statements_parse_in_every_flavors_dialect(flavor: Flavor) -> None:
    """T-SQL and Oracle have no CREATE TABLE IF NOT EXISTS: the list is created their way."""
    sql = ineffective_statements(
        flavor,
        source_table="analytics.wolkvox_machine_codes",
        target_table="analytics.wolkvox_ineffective_numbers",
        placeholder=PLACEHOLDER.get(flavor.sqlglot_dialect, "?"),
    )
    create_tree = parse(flavor, sql.create)
    create = create_tree.find(sqlglot_exp.Create)
    assert create is not None
    assert bool(create.args.get("exists")) is (flavor.create == "if_not_exists")
    assert [c.name for c in create.find_all(sqlglot_exp.ColumnDef)] == [
        "telephone",
        "dials",
        "machine_results",
        "machine_share",
        "since",
        "built_at",
    ]
    if flavor.create == "catalog":
        assert isinstance(parse(flavor, sql.exists), sqlglot_exp.Select)
    assert isinstance(parse(flavor, sql.delete), sqlglot_exp.Delete)
    assert isinstance(parse(flavor, sql.insert), sqlglot_exp.Insert)
