"""One naming rule in the warehouse (issue 23): a table an older release built is renamed by the load.

skill_1 takes ``skill_id`` and answers a ``skill_id`` per row. 0.1.0 kept that field as
``x_skill_id``, issue 22 as ``skill_id__bg6s6g4l``, and both kept the parameter as ``skill_id``.
A load now renames the parameter's column to ``requested_skill_id`` and the field's to
``skill_id``, keeping every old row's values; on SQLite and PostgreSQL a failed load leaves the
old names, and a later load whose answer lacks the field still writes the parameter where it
belongs.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from airflow_provider_wolkvox._compat import BaseHook
from airflow_provider_wolkvox.exceptions import WolkvoxRowError
from airflow_provider_wolkvox.reports import REPORTS
from airflow_provider_wolkvox.reports.stored import stored_spec, with_extras
from airflow_provider_wolkvox.sql import load_window
from airflow_provider_wolkvox.sql.schema import create_table_sql
from tests.unit.expected import comparable
from tests.unit.test_transfer import (  # noqa: F401 (fixtures)
    Warehouse,
    mariadb_warehouse,
    postgres_warehouse,
    sqlite_warehouse,
)

pytestmark = pytest.mark.airflow_release

SKILL_1 = REPORTS["skill_1"]
TABLE = "wolkvox_skill_1"
OLD = (datetime(2026, 11, 27, 5, tzinfo=timezone.utc), datetime(2026, 11, 27, 6, tzinfo=timezone.utc))
NEW = (datetime(2026, 11, 27, 6, tzinfo=timezone.utc), datetime(2026, 11, 27, 7, tzinfo=timezone.utc))
DIALECT = {"sqlite": "sqlite", "postgres": "postgresql", "mariadb": "mysql"}
OLD_FIELD_COLUMNS = ("x_skill_id", "skill_id__bg6s6g4l")
"""0.1.0's and issue 22's column of skill_1's own skill_id (literals, as those releases made them)."""


def q(wh: Warehouse, name: str) -> str:
    return f"`{name}`" if wh.name == "mariadb" else f'"{name}"'


def old_table(wh: Warehouse, field_column: str) -> None:
    """skill_1's table as an older release left it: the parameter under ``skill_id``, the field
    under ``field_column``, one row of window OLD."""
    wh.execute(create_table_sql(DIALECT[wh.name], TABLE, spec=stored_spec(SKILL_1)))
    text = "VARCHAR(255)" if wh.name == "mariadb" else "TEXT"
    wh.execute(f"ALTER TABLE {TABLE} ADD COLUMN {q(wh, field_column)} {text}")
    wh.execute(f"ALTER TABLE {TABLE} ADD COLUMN {q(wh, 'skill_name')} {text}")
    at = [t.strftime("%Y-%m-%d %H:%M:%S") for t in OLD]
    if wh.name == "sqlite":
        at = [t.isoformat() for t in OLD]
    names = ", ".join(
        q(wh, n)
        for n in ("skill_id", "window_start", "window_end", "request_start", "request_end", "answer_row")
    )
    wh.execute(
        f"INSERT INTO {TABLE} ({names}, {q(wh, field_column)}, {q(wh, 'skill_name')}, {q(wh, 'loaded_at')}) "
        f"VALUES ('all', '{at[0]}', '{at[1]}', '{at[0]}', '{at[1]}', 1, 'S-OLD', 'old skill', '{at[0]}')"
    )


def columns_of(wh: Warehouse) -> set[str]:
    if wh.name == "sqlite":
        return {row[1] for row in wh.query(f"PRAGMA table_info({TABLE})")}
    return {
        str(row[0])
        for row in wh.query(
            f"SELECT column_name FROM information_schema.columns WHERE table_name = '{TABLE}'"
            + (" AND table_schema = DATABASE()" if wh.name == "mariadb" else "")
        )
    }


def load(wh: Warehouse, window: tuple[datetime, datetime], rows: list[tuple[Any, ...]], extras: Any) -> int:
    db_hook = BaseHook.get_connection(f"wolkvox_{wh.name}").get_hook()  # type: ignore[no-untyped-call]
    return load_window(
        db_hook,
        table=TABLE,
        report_params={"skill_id": "all"},
        window_start=window[0],
        window_end=window[1],
        rows=rows,
        spec=with_extras(stored_spec(SKILL_1), extras),
        allow_empty=True,
    )


def skills(wh: Warehouse) -> list[tuple[Any, ...]]:
    """(window start, requested skill, skill, name) of every row, in order."""
    got = wh.query(
        f"SELECT window_start, requested_skill_id, skill_id, skill_name FROM {TABLE} "
        "ORDER BY window_start, answer_row"
    )
    return [(comparable("timestamp", r[0]), *r[1:]) for r in got]


def row(window: tuple[datetime, datetime], number: int, *extras: Any) -> tuple[Any, ...]:
    return (*window, number, *extras)


@pytest.mark.parametrize("field_column", OLD_FIELD_COLUMNS)
@pytest.mark.parametrize("name", ["sqlite", "postgres", "mariadb"])
def test_a_load_brings_an_older_table_to_the_one_naming_rule(
    name: str, field_column: str, request: pytest.FixtureRequest
) -> None:
    wh: Warehouse = request.getfixturevalue(f"{name}_warehouse")
    old_table(wh, field_column)
    rows = [row(NEW, 1, "S1", "sales"), row(NEW, 2, "S2", "support")]
    assert load(wh, NEW, rows, ("skill_id", "skill_name")) == 2
    assert {"requested_skill_id", "skill_id", "skill_name"} <= columns_of(wh)
    assert not set(OLD_FIELD_COLUMNS) & columns_of(wh)
    old, new = (comparable("timestamp", w[0]) for w in (OLD, NEW))
    assert skills(wh) == [
        (old, "all", "S-OLD", "old skill"),
        (new, "all", "S1", "sales"),
        (new, "all", "S2", "support"),
    ]
    # Idempotent, and an answer without skill_id still stores the parameter as requested_skill_id.
    assert load(wh, NEW, rows, ("skill_id", "skill_name")) == 2
    assert load(wh, OLD, [row(OLD, 1, "early")], ("skill_name",)) == 1
    assert skills(wh) == [
        (old, "all", None, "early"),
        (new, "all", "S1", "sales"),
        (new, "all", "S2", "support"),
    ]


@pytest.mark.parametrize("name", ["sqlite", "postgres"])
def test_a_failed_load_leaves_the_older_names_where_ddl_is_transactional(
    name: str, request: pytest.FixtureRequest
) -> None:
    wh: Warehouse = request.getfixturevalue(f"{name}_warehouse")
    old_table(wh, "x_skill_id")
    before = columns_of(wh), wh.query(f"SELECT * FROM {TABLE}")
    with pytest.raises(WolkvoxRowError):
        load(
            wh,
            NEW,
            [row(NEW, 1, "S1", "sales"), row(NEW, "two", "S2", "support")],
            ("skill_id", "skill_name"),
        )
    assert (columns_of(wh), wh.query(f"SELECT * FROM {TABLE}")) == before
