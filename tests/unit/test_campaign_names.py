"""One naming rule for the campaign family (issue 23): a table an older release built is renamed by the load.

campaign_3, 5, 6, 7 and 9 answer the campaign each row belongs to (campaign_9 spells it
``campaing_id``). Older releases stored that field as ``row_campaign_id`` and the campaign asked
for (maybe ``all``) under the bare ``campaign_id``, in the primary key. The rule now stores the
field as ``campaign_id`` and the parameter as ``requested_campaign_id``; a load brings an older
table to it (renaming the parameter first, then the field), keeping every row and the primary
key, and a second load renames nothing. On SQLite and PostgreSQL a failed load leaves the old
names; on MariaDB the renames run just before the load's transaction, so they stay.

The old tables are written here as those releases made them (literal DDL), and every expected
value is a literal.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

import pendulum
import pytest

from airflow_provider_wolkvox._compat import BaseHook
from airflow_provider_wolkvox.exceptions import WolkvoxRowError
from airflow_provider_wolkvox.reports import REPORTS
from airflow_provider_wolkvox.sql import load_window
from airflow_provider_wolkvox.sql.job import LoadJob
from airflow_provider_wolkvox.sql.names import Settling, plan_names
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.unit.expected import comparable
from tests.unit.test_transfer import (  # noqa: F401 (fixtures)
    Warehouse,
    mariadb_warehouse,
    postgres_warehouse,
    sqlite_warehouse,
)

pytestmark = pytest.mark.airflow_release

OLD = (datetime(2026, 11, 27, 5, tzinfo=timezone.utc), datetime(2026, 11, 27, 6, tzinfo=timezone.utc))
NEW = (datetime(2026, 11, 27, 6, tzinfo=timezone.utc), datetime(2026, 11, 27, 7, tzinfo=timezone.utc))
SENT = datetime(2026, 11, 27, 6, 30, tzinfo=timezone.utc)
WAREHOUSES = ["sqlite", "postgres", "mariadb"]

TYPES = {
    "sqlite": {"key": "TEXT", "text": "TEXT", "time": "TEXT", "int": "INTEGER"},
    "postgres": {"key": "text", "text": "text", "time": "timestamptz", "int": "integer"},
    "mariadb": {"key": "VARCHAR(191)", "text": "MEDIUMTEXT", "time": "DATETIME", "int": "INTEGER"},
}
OLD_COLUMNS = {
    "campaign_6": [
        ("campaign_id", "key"),
        ("window_start", "time"),
        ("window_end", "time"),
        ("row_campaign_id", "key"),
        ("total_amd", "int"),
        ("loaded_at", "time"),
    ],
    "campaign_9": [
        ("campaign_id", "key"),
        ("window_start", "time"),
        ("window_end", "time"),
        ("row_campaign_id", "key"),
        ("telephone", "key"),
        ("status", "text"),
        ("errors", "text"),
        ("date", "time"),
        ("last_update", "time NULL"),
        ("loaded_at", "time"),
    ],
}
"""The two reports' tables as the release before this one made them (its ``create_table_sql``)."""
OLD_KEY = {
    "campaign_6": ("campaign_id", "window_start", "window_end", "row_campaign_id"),
    "campaign_9": ("campaign_id", "window_start", "window_end", "row_campaign_id", "telephone", "date"),
}
NEW_KEY = {
    "campaign_6": ["requested_campaign_id", "window_start", "window_end", "campaign_id"],
    "campaign_9": ["requested_campaign_id", "window_start", "window_end", "campaign_id", "telephone", "date"],
}


def q(wh: Warehouse, name: str) -> str:
    return f"`{name}`" if wh.name == "mariadb" else f'"{name}"'


def at(wh: Warehouse, moment: datetime) -> str:
    """A time as each warehouse's loads store it."""
    if wh.name == "sqlite":
        return moment.isoformat()
    return moment.strftime("%Y-%m-%d %H:%M:%S") + ("+00" if wh.name == "postgres" else "")


def old_table(wh: Warehouse, api: str) -> None:
    """``api``'s table as an older release left it, with rows of window OLD: campaign ``all``
    (two campaigns' rows) and campaign ``7``."""
    types = TYPES[wh.name]
    lines = [
        f"{q(wh, name)} {types[kind.split()[0]]}{'' if kind.endswith('NULL') else ' NOT NULL'}"
        for name, kind in OLD_COLUMNS[api]
    ]
    lines.append(f"PRIMARY KEY ({', '.join(q(wh, name) for name in OLD_KEY[api])})")
    wh.execute(f"CREATE TABLE wolkvox_{api} ({', '.join(lines)})")
    start, end, loaded = at(wh, OLD[0]), at(wh, OLD[1]), at(wh, OLD[0])
    if api == "campaign_6":
        values = [("all", "1", 3), ("all", "2", 5), ("7", "7", 4)]
        rows = [f"('{p}', '{start}', '{end}', '{c}', {n}, '{loaded}')" for p, c, n in values]
    else:
        sent = at(wh, OLD[0].replace(minute=30))
        values9 = [("all", "1", "+57300"), ("all", "2", "+57300"), ("7", "7", "+57301")]
        rows = [
            f"('{p}', '{start}', '{end}', '{c}', '{t}', 'read', '', '{sent}', NULL, '{loaded}')"
            for p, c, t in values9
        ]
    wh.execute(f"INSERT INTO wolkvox_{api} VALUES {', '.join(rows)}")


def columns_of(wh: Warehouse, api: str) -> list[str]:
    if wh.name == "sqlite":
        return [str(row[1]) for row in wh.query(f"PRAGMA table_info(wolkvox_{api})")]
    where = f"table_name = 'wolkvox_{api}'" + (
        " AND table_schema = DATABASE()" if wh.name == "mariadb" else ""
    )
    return [
        str(row[0])
        for row in wh.query(
            f"SELECT column_name FROM information_schema.columns WHERE {where} ORDER BY ordinal_position"
        )
    ]


def primary_key(wh: Warehouse, api: str) -> list[str]:
    table = f"wolkvox_{api}"
    if wh.name == "sqlite":
        info = wh.query(f"PRAGMA table_info({table})")
        return [str(r[1]) for r in sorted(info, key=lambda r: r[5]) if r[5]]
    if wh.name == "mariadb":
        return [
            str(name)
            for (name,) in wh.query(
                "SELECT column_name FROM information_schema.key_column_usage WHERE table_schema = DATABASE() "
                f"AND table_name = '{table}' AND constraint_name = 'PRIMARY' ORDER BY ordinal_position"
            )
        ]
    return [
        str(name)
        for (name,) in wh.query(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            f"AND a.attnum = ANY(i.indkey) WHERE i.indrelid = '{table}'::regclass AND i.indisprimary "
            "ORDER BY array_position(i.indkey, a.attnum)"
        )
    ]


def load(wh: Warehouse, api: str, window: tuple[datetime, datetime], rows: list[tuple[Any, ...]]) -> int:
    db_hook = BaseHook.get_connection(f"wolkvox_{wh.name}").get_hook()  # type: ignore[no-untyped-call]
    return load_window(
        db_hook,
        table=f"wolkvox_{api}",
        campaign_id="all",
        window_start=window[0],
        window_end=window[1],
        rows=rows,
        spec=REPORTS[api],
    )


def stored(wh: Warehouse, api: str) -> list[tuple[Any, ...]]:
    """(window start, campaign asked for, row's campaign, what the row says) of every row, in order."""
    what = "total_amd" if api == "campaign_6" else "telephone"
    got = wh.query(
        f"SELECT window_start, requested_campaign_id, campaign_id, {what} FROM wolkvox_{api} "
        f"ORDER BY window_start, requested_campaign_id, campaign_id, {what}"
    )
    return [(comparable("timestamp", r[0]), *r[1:]) for r in got]


def new_rows(api: str) -> list[tuple[Any, ...]]:
    if api == "campaign_6":
        return [("1", 10), ("2", 20)]
    return [("1", "+57300", "sent", "", SENT, None), ("2", "+57302", "read", "", SENT, SENT)]


def renamed(caplog: pytest.LogCaptureFixture) -> list[tuple[Any, ...]]:
    """(old, new) of each column the load logged renaming."""
    return [tuple(r.args[1:]) for r in caplog.records if "renamed column" in str(r.msg)]  # type: ignore[index]


@pytest.mark.parametrize("api", ["campaign_6", "campaign_9"])
@pytest.mark.parametrize("name", WAREHOUSES)
def test_a_load_brings_an_older_campaign_table_to_the_one_naming_rule(
    name: str, api: str, request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    wh: Warehouse = request.getfixturevalue(f"{name}_warehouse")
    old_table(wh, api)
    caplog.set_level(logging.INFO, logger="airflow_provider_wolkvox.sql.names")
    assert load(wh, api, NEW, new_rows(api)) == 2
    assert renamed(caplog) == [("campaign_id", "requested_campaign_id"), ("row_campaign_id", "campaign_id")]
    assert columns_of(wh, api)[:4] == ["requested_campaign_id", "window_start", "window_end", "campaign_id"]
    assert "row_campaign_id" not in columns_of(wh, api)
    assert primary_key(wh, api) == NEW_KEY[api]
    old, new = (comparable("timestamp", w[0]) for w in (OLD, NEW))
    what = {
        "campaign_6": (3, 5, 4, 10, 20),
        "campaign_9": ("+57300", "+57300", "+57301", "+57300", "+57302"),
    }[api]
    expected = [
        (old, "7", "7", what[2]),
        (old, "all", "1", what[0]),
        (old, "all", "2", what[1]),
        (new, "all", "1", what[3]),
        (new, "all", "2", what[4]),
    ]
    assert stored(wh, api) == expected
    # The key still rejects a second row of one campaign asked for, window and row's own key ...
    with pytest.raises(
        Exception, match=r"UNIQUE constraint failed|duplicate key value|Duplicate entry"
    ) as err:
        wh.execute(f"INSERT INTO wolkvox_{api} SELECT * FROM wolkvox_{api} WHERE requested_campaign_id = '7'")
    assert type(err.value).__name__ in {"IntegrityError", "UniqueViolation"}, err.value
    # ... and a second load renames nothing and lands the same rows.
    caplog.clear()
    before = columns_of(wh, api)
    assert load(wh, api, NEW, new_rows(api)) == 2
    assert renamed(caplog) == []
    assert columns_of(wh, api) == before
    assert primary_key(wh, api) == NEW_KEY[api]
    assert stored(wh, api) == expected


@pytest.mark.parametrize("name", WAREHOUSES)
def test_a_failed_load_leaves_the_older_names_where_ddl_is_transactional(
    name: str, request: pytest.FixtureRequest
) -> None:
    wh: Warehouse = request.getfixturevalue(f"{name}_warehouse")
    old_table(wh, "campaign_6")
    rows = wh.query("SELECT * FROM wolkvox_campaign_6 ORDER BY campaign_id, row_campaign_id")
    before = columns_of(wh, "campaign_6")
    with pytest.raises(WolkvoxRowError, match="total_amd"):
        load(wh, "campaign_6", NEW, [("1", 10), ("2", "twenty")])
    if name == "mariadb":  # DDL commits there: the renames ran before the load, on their own
        assert columns_of(wh, "campaign_6")[:4] == [
            "requested_campaign_id",
            "window_start",
            "window_end",
            "campaign_id",
        ]
        order = "requested_campaign_id, campaign_id"
    else:
        assert columns_of(wh, "campaign_6") == before
        order = "campaign_id, row_campaign_id"
    assert wh.query(f"SELECT * FROM wolkvox_campaign_6 ORDER BY {order}") == rows
    assert primary_key(wh, "campaign_6") == (
        NEW_KEY["campaign_6"] if name == "mariadb" else list(OLD_KEY["campaign_6"])
    )


@pytest.mark.parametrize("name", WAREHOUSES)
def test_the_sql_operator_migrates_an_older_table_and_loads_the_emulators_rows(
    name: str, emulator: WolkvoxEmulator, wolkvox_conn: str, request: pytest.FixtureRequest
) -> None:
    """The whole task on an older campaign_6 table: the check before the fetch, the fetch, and
    the load (on PostgreSQL through overlap staging, which settles names on its own path). The
    rows are the emulator's own answer for the window; the older rows are kept."""
    from airflow.sdk.execution_time.context import OutletEventAccessors

    from airflow_provider_wolkvox.transfers.report_to_sql import WolkvoxReportToSqlOperator

    wh: Warehouse = request.getfixturevalue(f"{name}_warehouse")
    old_table(wh, "campaign_6")
    start, end = pendulum.datetime(2026, 11, 27, 13, tz="UTC"), pendulum.datetime(2026, 11, 27, 15, tz="UTC")
    truth = sorted(
        ("all", str(raw["campaign_id"]), int(raw["total_amd"]))
        for raw in emulator.ground_truth_rows("campaign_6", {"campaign_id": "all"}, start, end)
    )
    assert len(truth) > 1, "several campaigns under all: the row's own campaign matters"
    for _ in range(2):  # the second run renames nothing and replaces the same rows
        WolkvoxReportToSqlOperator(
            task_id="load",
            api="campaign_6",
            campaign_id="all",
            sql_conn_id=f"wolkvox_{name}",
            window_start=start.isoformat(),
            window_end=end.isoformat(),
            max_request_window=pendulum.duration(hours=1),
            stage_in_warehouse=name == "postgres",
        ).execute(context={"outlet_events": OutletEventAccessors()})  # type: ignore[arg-type]
        assert primary_key(wh, "campaign_6") == NEW_KEY["campaign_6"]
        got = wh.query(
            "SELECT window_start, requested_campaign_id, campaign_id, total_amd FROM wolkvox_campaign_6 "
            "ORDER BY window_start, requested_campaign_id, campaign_id"
        )
        old = comparable("timestamp", OLD[0])
        assert [(comparable("timestamp", r[0]), *r[1:]) for r in got[:3]] == [
            (old, "7", "7", 4),
            (old, "all", "1", 3),
            (old, "all", "2", 5),
        ]
        assert sorted(r[1:] for r in got[3:]) == truth
        assert {comparable("timestamp", r[0]) for r in got[3:]} == {comparable("timestamp", start)}


def job(api: str) -> LoadJob:
    return LoadJob("t", ("all",), *NEW, NEW[1], rows=(), create_table=True, spec=REPORTS[api])


@pytest.mark.parametrize("api", ["campaign_3", "campaign_5", "campaign_6", "campaign_7", "campaign_9"])
def test_the_plan_renames_the_parameter_first_then_the_field(api: str) -> None:
    bare = ["campaign_id", "window_start", "window_end", "row_campaign_id", "loaded_at"]
    assert plan_names(job(api), bare) == Settling(
        renames=(("campaign_id", "requested_campaign_id"), ("row_campaign_id", "campaign_id"))
    )
    # A MySQL/MariaDB load that stopped between the two renames: the second is still due.
    half = ["requested_campaign_id", "window_start", "window_end", "row_campaign_id", "loaded_at"]
    assert plan_names(job(api), half) == Settling(renames=(("row_campaign_id", "campaign_id"),))
    today = ["requested_campaign_id", "window_start", "window_end", "campaign_id", "loaded_at"]
    assert plan_names(job(api), today) == Settling()
    assert plan_names(job(api), []) == Settling()  # no table yet


@pytest.mark.parametrize("api", ["campaign_1", "campaign_8", "campaign_10", "skill_4"])
def test_reports_that_never_had_the_older_name_plan_nothing(api: str) -> None:
    spec = REPORTS[api]
    params = tuple("all" for _ in spec.params)
    loaded = LoadJob("t", params, *NEW, NEW[1], rows=(), create_table=True, spec=spec)
    assert plan_names(loaded, ["campaign_id", "skill_id", "row_campaign_id", "row_skill_id"]) == Settling()
