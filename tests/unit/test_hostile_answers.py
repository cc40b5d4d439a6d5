"""Whatever the server sends, into real warehouses: the answer-to-warehouse side of issue 22.

Answers come from the emulator over loopback (its ``set_fields`` sends any field names, and NUL
bytes and unpaired surrogates as JSON escapes); loads go through the SQL operator into SQLite,
PostgreSQL and MariaDB. Checked: too many new columns fail the load before any ``ALTER TABLE``
and change nothing (MariaDB commits DDL at once); fields whose names differ only in case keep
columns of their own across loads; text a warehouse cannot store is stored as U+FFFD and counted
in the ledger (a ledger made before the count existed gets the column).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import subprocess
import sys
from typing import Any

import pendulum
import pytest

from airflow_provider_wolkvox.reports import REPORTS
from airflow_provider_wolkvox.reports.stored import stored_spec
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.unit.test_transfer import (  # noqa: F401 (fixtures)
    Warehouse,
    mariadb_warehouse,
    postgres_warehouse,
    sqlite_warehouse,
)

pytestmark = pytest.mark.airflow_release

START = pendulum.datetime(2026, 11, 27, 13, tz="UTC")
HOURS = [(START.add(hours=n), START.add(hours=n + 1)) for n in range(3)]
TABLE = "wolkvox_cdr_2"  # calls and cost summed per agent (agent_name, the key, is text)
WAREHOUSES = ["sqlite", "postgres", "mariadb"]


def hashed(name: str, readable: str) -> str:
    """A made column name, written again from the documented rule (docs/warehouse.md)."""
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).digest()
    return f"{readable}__{base64.b32encode(digest).decode().lower()[:8]}"


def load(wh: Warehouse, hour: int = 0, **options: Any) -> dict[str, Any]:
    """One hour of cdr_2 into ``wh`` through the SQL operator, as a task runs it."""
    from airflow_provider_wolkvox.transfers.report_to_sql import WolkvoxReportToSqlOperator

    start, end = HOURS[hour]
    operator = WolkvoxReportToSqlOperator(
        task_id="load",
        api="cdr_2",
        sql_conn_id=f"wolkvox_{wh.name}",
        window_start=start,
        window_end=end,
        learn_density=False,
        outlets=[],
        **options,
    )
    return operator.execute({"outlet_events": {}})  # type: ignore[arg-type,no-any-return]


def table_columns(wh: Warehouse, table: str) -> list[str]:
    if wh.name == "sqlite":
        sql = f"SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
    elif wh.name == "postgres":
        sql = (
            "SELECT column_name FROM information_schema.columns "
            f"WHERE table_name = '{table}' ORDER BY ordinal_position"
        )
    else:
        sql = (
            "SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() "
            f"AND table_name = '{table}' ORDER BY ordinal_position"
        )
    return [row[0] for row in wh.query(sql)]


def quoted(wh: Warehouse, name: str) -> str:
    return f"`{name}`" if wh.name == "mariadb" else f'"{name}"'


def state(wh: Warehouse) -> tuple[list[str], list[tuple[Any, ...]], list[str], list[tuple[Any, ...]]]:
    """The data table and the ledger's loads, columns and rows: equal states mean nothing was loaded.
    A failed try's own ledger row (column ``failed``, added with the first) is not a load: see
    :func:`failed_calls`."""
    ledger = [column for column in table_columns(wh, "wolkvox_loads") if column != "failed"]
    loads = " WHERE failed IS NULL" if "failed" in table_columns(wh, "wolkvox_loads") else ""
    return (
        table_columns(wh, TABLE),
        wh.query(f"SELECT * FROM {TABLE} ORDER BY window_start, agent_name"),
        ledger,
        wh.query(f"SELECT {', '.join(ledger)} FROM wolkvox_loads{loads} ORDER BY load_id"),
    )


def failed_calls(wh: Warehouse) -> list[int]:
    """The API calls of each failed try the ledger recorded (none before the first)."""
    if "failed" not in table_columns(wh, "wolkvox_loads"):
        return []
    rows = wh.query("SELECT api_calls FROM wolkvox_loads WHERE failed IS NOT NULL ORDER BY loaded_at")
    return [int(calls) for (calls,) in rows]


def hour_of(value: Any) -> int:
    moment = pendulum.parse(value) if isinstance(value, str) else pendulum.instance(value, tz="UTC")
    return [start for start, _ in HOURS].index(moment)  # type: ignore[arg-type]


# -- names that hung ----------------------------------------------------------------------------

HANGING = ("x_" * 30, "X_" * 30, "x-" * 30, "X-" * 30)
"""Together, these hung the old rule: it renamed a taken name ``f"x_{name}"[:63]`` in a loop until
free, and the fourth name stopped changing at 63 characters."""


@functools.cache
def naming_hangs() -> str:
    """Why naming the four fields failed in a subprocess with a deadline ("" when it ended): a
    hang fails the tests that ask, instead of hanging them (an in-process hang would also keep
    the old writer thread, and so pytest, from ever exiting)."""
    script = (
        "from airflow_provider_wolkvox.reports import REPORTS\n"
        "from airflow_provider_wolkvox.reports.stored import stored_spec, with_extras\n"
        f"spec = with_extras(stored_spec(REPORTS['cdr_2']), {HANGING!r})\n"
        "print(len(spec.fields))\n"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        return "naming the four fields did not end within 60 s"
    if done.returncode != 0:
        return done.stderr[-2000:]
    if int(done.stdout) != len(stored_spec(REPORTS["cdr_2"]).fields) + 4:
        return f"four fields made {done.stdout.strip()} fields"
    return ""


def test_the_names_that_hung_the_old_rule_end() -> None:
    assert naming_hangs() == ""


@pytest.mark.parametrize("name", WAREHOUSES)
def test_an_answer_with_the_names_that_hung_loads(
    name: str, emulator: WolkvoxEmulator, wolkvox_conn: str, request: pytest.FixtureRequest
) -> None:
    if naming_hangs():
        pytest.fail(naming_hangs())
    wh: Warehouse = request.getfixturevalue(f"{name}_warehouse")
    # Text values: the names are under test here, not the types found values get.
    emulator.set_fields("cdr_2", extra={field: f"value {n}" for n, field in enumerate(HANGING)})
    assert load(wh)["rows"] > 0
    made = {hashed(field, "x_" * 9 + "x"): f"value {n}" for n, field in enumerate(HANGING)}
    for column, value in made.items():
        assert {v for (v,) in wh.query(f"SELECT {quoted(wh, column)} FROM {TABLE}")} == {value}


# -- schema on read, bounded ---------------------------------------------------------------------


@pytest.mark.parametrize("name", WAREHOUSES)
def test_too_many_new_columns_fail_the_load_before_any_alter_and_change_nothing(
    name: str, emulator: WolkvoxEmulator, wolkvox_conn: str, request: pytest.FixtureRequest
) -> None:
    from airflow_provider_wolkvox._compat import AirflowFailException

    wh: Warehouse = request.getfixturevalue(f"{name}_warehouse")
    load(wh)
    before = state(wh)
    emulator.set_fields("cdr_2", extra={f"junk_{n:04d}": "x" for n in range(1_700)})
    with pytest.raises(AirflowFailException, match="sent 1,700 fields the report's spec does not list"):
        load(wh)  # more than any warehouse table holds: refused before staging
    assert state(wh) == before
    assert failed_calls(wh) == [1]  # its one request spent quota: the ledger says so (issue 26)
    emulator.set_fields("cdr_2", extra={f"junk_{n:04d}": "x" for n in range(101)})
    with pytest.raises(
        AirflowFailException, match=r"WolkvoxSchemaError: .* 101 fields wolkvox_cdr_2 has no column for"
    ):
        load(wh)  # the default limit is 100 new columns per load
    assert state(wh) == before, "a refused load changed the table (MariaDB commits each ALTER at once)"
    assert failed_calls(wh) == [1, 1]
    result = load(wh, max_new_columns=101)
    assert table_columns(wh, TABLE) == [*before[0], *(f"junk_{n:04d}" for n in range(101))]
    assert result["rows"] > 0
    emulator.set_fields("cdr_2", extra={f"junk_{n:04d}": "x" for n in range(201)})
    load(wh)  # 100 of the 201 fields have columns now: only 100 are new
    assert len(table_columns(wh, TABLE)) == len(before[0]) + 201


@pytest.mark.parametrize("name", WAREHOUSES)
def test_a_table_never_grows_past_its_column_limit(
    name: str, emulator: WolkvoxEmulator, wolkvox_conn: str, request: pytest.FixtureRequest
) -> None:
    """100 new columns a load, load after load, would reach the warehouse's own limit and fail every
    load after with a database error (MariaDB refuses the ALTER TABLE at about 400 text columns,
    after keeping the ones it added one by one); the provider stops below it, with advice."""
    from airflow_provider_wolkvox._compat import AirflowFailException

    wh: Warehouse = request.getfixturevalue(f"{name}_warehouse")
    limit = 350 if name == "mariadb" else 1_000
    load(wh)
    own = len(table_columns(wh, TABLE))
    fields = [f"f{n:03d}" for n in range(limit - own)]
    emulator.set_fields("cdr_2", extra=dict.fromkeys(fields, "x"))
    load(wh, max_new_columns=1_000)
    assert len(table_columns(wh, TABLE)) == limit
    before = state(wh)
    emulator.set_fields("cdr_2", extra=dict.fromkeys([*fields, "one_more"], "x"))
    with pytest.raises(
        AirflowFailException, match=f"would give wolkvox_cdr_2 {limit + 1:,} columns, more than"
    ):
        load(wh, max_new_columns=1_000)
    assert state(wh) == before
    assert failed_calls(wh) == [1]


def test_mariadb_adds_a_loads_columns_all_or_none(
    emulator: WolkvoxEmulator, wolkvox_conn: str, mariadb_database: str, request: pytest.FixtureRequest
) -> None:
    """MariaDB commits each ALTER TABLE at once, and refuses an instantly added text column past
    about 383 (its row size). One statement adds a load's columns: all of them, or none. The old
    loader added them one by one and kept those before the refusal (379 of 1,700). Run past the
    provider's own limit on purpose, from a table grown wide before it (370 columns)."""
    from dataclasses import replace

    import mysql.connector

    from airflow_provider_wolkvox.reports.stored import with_extras
    from airflow_provider_wolkvox.sql.evolve import add_missing_columns
    from airflow_provider_wolkvox.sql.flavors import MYSQL
    from airflow_provider_wolkvox.sql.job import LoadJob
    from tests.conftest import mariadb_connect

    wh: Warehouse = request.getfixturevalue("mariadb_warehouse")
    load(wh)
    wide = 370 - len(table_columns(wh, TABLE))
    wh.execute(f"ALTER TABLE {TABLE} " + ", ".join(f"ADD COLUMN old_{n:03d} MEDIUMTEXT" for n in range(wide)))
    before = table_columns(wh, TABLE)
    new = tuple(f"new_{n:02d}" for n in range(20))
    spec = with_extras(stored_spec(REPORTS["cdr_2"]), tuple(f"old_{n:03d}" for n in range(wide)) + new)
    start, end = HOURS[0]
    job = LoadJob(TABLE, (), start, end, start, [], False, spec, max_new_columns=1_000)
    db = mariadb_connect(mariadb_database)
    refused = ""
    try:
        add_missing_columns(db.cursor(), job, replace(MYSQL, columns_max=5_000), f"`{TABLE}`", MYSQL.quote)
    except mysql.connector.Error as err:
        refused = str(err)
    finally:
        db.close()
    after = table_columns(wh, TABLE)
    # From 370 columns, one by one, MariaDB takes 13 and refuses the 14th; in one statement it
    # rebuilds the table and takes all 20. Either way, never some of them.
    assert after == ([*before, *new] if not refused else before), refused or "some columns only"


# -- names that write alike -------------------------------------------------------------------


@pytest.mark.parametrize("name", WAREHOUSES)
def test_fields_that_differ_in_case_keep_their_own_columns_across_loads(
    name: str, emulator: WolkvoxEmulator, wolkvox_conn: str, request: pytest.FixtureRequest
) -> None:
    """The old rule named by order of arrival: Foo took ``foo`` in the first load, so the third
    load's ``foo`` wrote into the column holding Foo's data."""
    wh: Warehouse = request.getfixturevalue(f"{name}_warehouse")
    answers = [{"Foo": "Foo 1"}, {"FOO": "FOO 2", "foo": "foo 2", "Foo": "Foo 2"}, {"foo": "foo 3"}]
    for hour, extra in enumerate(answers):
        emulator.set_fields("cdr_2", extra=extra)
        load(wh, hour)
    names = {"foo": "foo", "Foo": hashed("Foo", "foo"), "FOO": hashed("FOO", "foo")}
    assert set(names.values()) <= set(table_columns(wh, TABLE))
    for field, column in names.items():
        rows = wh.query(f"SELECT window_start, {quoted(wh, column)} FROM {TABLE}")
        seen = {(hour_of(start), value) for start, value in rows}
        expected = {(hour, answer.get(field)) for hour, answer in enumerate(answers)}
        assert seen == expected, f"column {column} of field {field!r}"


# -- text no warehouse can store --------------------------------------------------------------


ODD = {"nul": "\x00", "high-surrogate": chr(0xD800), "low-surrogate": chr(0xDC00)}


@pytest.mark.parametrize("odd", ODD.values(), ids=ODD.keys())
@pytest.mark.parametrize("name", WAREHOUSES)
def test_nul_and_unpaired_surrogates_are_stored_as_replacement_characters_and_counted(
    name: str, odd: str, emulator: WolkvoxEmulator, wolkvox_conn: str, request: pytest.FixtureRequest
) -> None:
    """PostgreSQL's COPY refused a NUL (``invalid byte sequence 0x00``) on every retry, and no UTF-8
    driver encodes an unpaired surrogate: the window could never load. Now it does, by one rule,
    in a field found on read and in the key alike."""
    wh: Warehouse = request.getfixturevalue(f"{name}_warehouse")
    load(wh)  # a ledger with the count column, as this version makes it
    if "chars_replaced" in table_columns(wh, "wolkvox_loads"):
        wh.execute("ALTER TABLE wolkvox_loads DROP COLUMN chars_replaced")  # as a ledger made before it
    truth = emulator.ground_truth_rows("cdr_2", {}, *HOURS[1])
    assert truth, "the hour must have rows for this test to mean anything"
    emulator.set_fields("cdr_2", extra={"note": f"a{odd}b{odd}"}, suffixed={"agent_name": odd})
    result = load(wh, 1)
    rows = wh.query(f"SELECT agent_name, note FROM {TABLE}")
    stored = {(agent, note) for agent, note in rows if note is not None}
    assert stored == {(row["agent_name"] + "\ufffd", "a\ufffdb\ufffd") for row in truth}
    assert result["rows"] == len(truth)
    counts = wh.query("SELECT rows_received, chars_replaced FROM wolkvox_loads")
    assert len(counts) == 2
    assert (len(truth), 3 * len(truth)) in counts  # two in the note, one in the name, each row
    assert [count for _, count in counts].count(None) == 1  # the clean load replaced nothing
