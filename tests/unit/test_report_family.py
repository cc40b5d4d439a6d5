"""The campaign report family as data: specs, combining windows, and every report through the
generic operators into SQLite and PostgreSQL and through XCom, checked against the emulator."""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pendulum
import pytest

from airflow_provider_wolkvox.exceptions import WolkvoxConfigError, WolkvoxRowError
from airflow_provider_wolkvox.reports import (
    CAMPAIGN_1,
    CAMPAIGN_2,
    CAMPAIGN_3,
    CAMPAIGN_6,
    CAMPAIGN_7,
    CAMPAIGN_8,
    CAMPAIGN_9,
    DETAIL,
    SHARES,
    SUM,
    ReportSpec,
)
from airflow_provider_wolkvox.reports import (
    CAMPAIGN_REPORTS as REPORTS,
)
from airflow_provider_wolkvox.sql import load_window
from airflow_provider_wolkvox.sql.schema import columns, key_columns
from airflow_provider_wolkvox.staging.store import Staging
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from airflow_provider_wolkvox.testing.emulator_data import FIELDS as EMULATED_FIELDS
from tests.airflow_compat import airflow_version
from tests.unit.expected import COLUMN_TYPES, WINDOW_KINDS, column_kind, comparable, kind_of, read
from tests.unit.test_transfer import (  # noqa: F401 (fixtures)
    Warehouse,
    dag,
    mariadb_warehouse,
    postgres_warehouse,
    sqlite_warehouse,
    states,
)

pytestmark = pytest.mark.airflow_release

TZ = "America/Bogota"
START = pendulum.datetime(2026, 11, 27, 5, tz="UTC")
END = pendulum.datetime(2026, 11, 27, 9, tz="UTC")
LOGICAL = pendulum.datetime(2026, 11, 27, 15, tz="UTC")
DEPRECATED = "x-wolkvox://s/{table}" if airflow_version() >= (3, 1) else "wolkvox-deprecated:s/{table}"
"""The deprecated outlet's name: the Asset itself from Airflow 3.1 on, its alias on 3.0 (issue 26)."""


# -- specs ---------------------------------------------------------------------------------------


def test_every_campaign_report_has_a_spec_with_its_own_table() -> None:
    assert list(REPORTS) == [f"campaign_{n}" for n in range(1, 11)]
    tables = [spec.default_table for spec in REPORTS.values()]
    assert len(set(tables)) == 10
    assert CAMPAIGN_8.default_table == "wolkvox_machine_codes"
    assert REPORTS["campaign_1"].default_table == "wolkvox_campaign_1"
    combine = {api: spec.combine for api, spec in REPORTS.items()}
    assert {api for api, c in combine.items() if c == SUM} == {"campaign_6", "campaign_8", "campaign_10"}
    assert {api for api, c in combine.items() if c == SHARES} == {"campaign_1", "campaign_2", "campaign_4"}
    assert {api for api, c in combine.items() if c == DETAIL} == {
        "campaign_3",
        "campaign_5",
        "campaign_7",
        "campaign_9",
    }


def test_field_names_match_the_api() -> None:
    api_names = {api: [f.api_name for f in spec.schema] for api, spec in REPORTS.items()}
    assert api_names["campaign_3"] == [
        "campaign_id",
        "customer_name",
        "customer_last_name",
        "id_type",
        "customer_id",
        "date",
        "telephone",
        "result",
        *(f"opt{n}" for n in range(1, 13)),
        "conn_id",
    ]
    assert api_names["campaign_9"] == ["campaing_id", "telephone", "status", "errors", "date", "last_update"]
    assert api_names["campaign_10"] == ["machinecode", "cantidad"]
    # The row's own campaign is campaign_id wherever a report sends one (campaign_9 spells it campaing_id).
    own = {api: {f.name: f.api_name for f in spec.schema} for api, spec in REPORTS.items()}
    assert {api: names["campaign_id"] for api, names in own.items() if "campaign_id" in names} == {
        "campaign_3": "campaign_id",
        "campaign_5": "campaign_id",
        "campaign_6": "campaign_id",
        "campaign_7": "campaign_id",
        "campaign_9": "campaing_id",
    }
    assert CAMPAIGN_8.fields == EMULATED_FIELDS  # the emulator's ground truth


def test_percentages_become_decimals_in_either_form() -> None:
    rows = [
        {"result": "BUSY", "records": "12", "percent": "34.64 %"},
        {"result": "FAILED", "records": "3", "percent": "5.1"},
        {"result": "X", "records": "0", "percent": "0,5%"},
    ]
    assert CAMPAIGN_1.parse_rows(rows) == [
        ("BUSY", 12, Decimal("34.64")),
        ("FAILED", 3, Decimal("5.1")),
        ("X", 0, Decimal("0.5")),
    ]


def test_local_dates_become_aware_utc_in_the_connection_zone() -> None:
    raw = {
        "customer_id": "7",
        "campaign_id": "1",
        "file_name": "a.wav",
        "telephone": "0300",
        "result": "ANSWER MACHINE",
        "date": "2026-11-27 10:15:00",
    }
    [row] = CAMPAIGN_7.parse_rows([raw], TZ)
    assert row[-1] == datetime(2026, 11, 27, 15, 15, tzinfo=timezone.utc)
    [row] = CAMPAIGN_7.parse_rows([raw], "Europe/Madrid")
    assert row[-1] == datetime(2026, 11, 27, 9, 15, tzinfo=timezone.utc)
    with pytest.raises(ValueError, match="time zone"):
        CAMPAIGN_7.parse_rows([raw])


def test_nullable_last_update() -> None:
    raw = {
        "campaing_id": "1",
        "telephone": "+57300",
        "status": "sent",
        "errors": "",
        "date": "2026-11-27 10:15:00",
        "last_update": "",
    }
    assert CAMPAIGN_9.parse_rows([raw], TZ)[0][-1] is None
    with pytest.raises(WolkvoxRowError, match="campaign_9: row 0 field 'date' is ''"):
        CAMPAIGN_9.parse_rows([{**raw, "date": ""}], TZ)


@pytest.mark.parametrize(
    ("spec", "raw", "message"),
    [
        (CAMPAIGN_1, {"result": "A", "records": "1"}, "campaign_1: row 0 has no field 'percent'"),
        (CAMPAIGN_1, {"result": "A", "records": "1", "percent": "n/a"}, "campaign_1: row 0 field 'percent'"),
        (CAMPAIGN_6, {"campaign_id": "1"}, "campaign_6: row 0 has no field 'total_amd'"),
        (CAMPAIGN_6, {"total_amd": "3"}, "campaign_6: row 0 has no field 'campaign_id'"),
        (CAMPAIGN_6, {"campaign_id": "1", "total_amd": "x"}, "field 'total_amd' is 'x', not an integer"),
        (CAMPAIGN_9, {"telephone": "1"}, "campaign_9: row 0 has no field 'campaing_id'"),
        (CAMPAIGN_3, {"conn_id": "1"}, "campaign_3: row 0 has no field 'campaign_id'"),
    ],
)
def test_a_field_the_answer_lacks_or_garbles_is_named(
    spec: ReportSpec, raw: dict[str, str], message: str
) -> None:
    with pytest.raises(WolkvoxRowError, match=message):
        spec.parse_rows([raw], TZ)


def test_new_api_fields_are_kept_out_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    newer = {"cod_act": "01", "records": "2", "percent": "100", "zz_later": "x"}
    for _ in range(3):
        assert CAMPAIGN_2.parse_rows([newer, newer]) == [("01", 2, Decimal("100"))] * 2
    warnings = [r.getMessage() for r in caplog.records if "does not know yet" in r.getMessage()]
    assert warnings == ["campaign_2: ignoring fields this provider does not know yet: zz_later"]


def test_unknown_report_is_a_config_error_at_parse_time() -> None:
    from airflow_provider_wolkvox.operators.machine_codes import MachineCodesOperator
    from airflow_provider_wolkvox.operators.report import WolkvoxReportOperator
    from airflow_provider_wolkvox.transfers.machine_codes_to_sql import MachineCodesToSqlOperator
    from airflow_provider_wolkvox.transfers.report_to_sql import WolkvoxReportToSqlOperator

    with pytest.raises(WolkvoxConfigError, match=r"unknown report 'campaign_99'.*campaign_1, campaign_2"):
        WolkvoxReportOperator(task_id="t", api="campaign_99", campaign_id="1")
    with pytest.raises(WolkvoxConfigError, match="use WolkvoxReportOperator"):
        MachineCodesOperator(task_id="t", api="campaign_1", campaign_id="1")
    with pytest.raises(WolkvoxConfigError, match="use WolkvoxReportToSqlOperator"):
        MachineCodesToSqlOperator(task_id="t", api="campaign_1", campaign_id="1", sql_conn_id="s")
    generic = WolkvoxReportToSqlOperator(task_id="g", api="campaign_6", campaign_id="1", sql_conn_id="s")
    assert generic.table == "wolkvox_campaign_6"
    assert generic.pool == "wolkvox_wolkvox_default"
    assert [a.name for a in generic.outlets] == [
        "wolkvox:s/wolkvox_campaign_6",
        DEPRECATED.format(table="wolkvox_campaign_6"),
    ]
    named = MachineCodesToSqlOperator(task_id="m", campaign_id="1", sql_conn_id="s")
    assert (named.table, named.api) == ("wolkvox_machine_codes", "campaign_8")
    assert [a.name for a in named.outlets] == [
        "wolkvox:s/wolkvox_machine_codes",
        DEPRECATED.format(table="wolkvox_machine_codes"),
    ]


# -- combining request windows -------------------------------------------------------------------


def test_shares_sum_records_and_recompute_percent_never_average() -> None:
    with Staging(spec=CAMPAIGN_1) as staging:
        # Window 1: A 1 of 4 (25 %); window 2: A 99 of 100 (99 %). The average would be 62 %.
        staging.add([("A", 1, Decimal("25")), ("B", 3, Decimal("75"))])
        staging.add([("A", 99, Decimal("99")), ("C", 1, Decimal("1"))])
        assert list(staging.rows()) == [
            ("A", 100, Decimal("96.15")),
            ("B", 3, Decimal("2.88")),
            ("C", 1, Decimal("0.96")),
        ]


def test_sums_add_per_key() -> None:
    with Staging(spec=CAMPAIGN_6) as staging:
        staging.add([("1", 3), ("2", 1)])
        staging.add([("1", 4)])
        assert list(staging.rows()) == [("1", 7), ("2", 1)]


def test_detail_rows_are_concatenated_and_a_repeated_key_fails_loudly() -> None:
    when = datetime(2026, 11, 27, 5, tzinfo=timezone.utc)
    row = ("1", "+57300", "read", "", when, None)
    with Staging(spec=CAMPAIGN_9) as staging:
        staging.add([row, ("1", "+57300", "read", "", when.replace(second=1), when)])
        assert list(staging.rows()) == [row, ("1", "+57300", "read", "", when.replace(second=1), when)]
        with pytest.raises(WolkvoxRowError, match=r"campaign_9: two rows with the same key \(campaign_id="):
            staging.add([("1", "+57300", "sent", "", when, None)])
        assert len(staging) == 2  # the failed window left nothing behind
    with Staging(spec=CAMPAIGN_7) as staging, pytest.raises(WolkvoxRowError, match=r"file_name='x\.wav'"):
        staging.add([("1", "1", "x.wav", "3", "AMD", when), ("2", "1", "x.wav", "4", "AMD", when)])


# -- every report through the operators ----------------------------------------------------------


def _normal(spec: ReportSpec, row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row as comparable values, whatever the database or XCom returned, each field read as the
    test's own table of the API's fields types it (tests/unit/expected.py), not as the spec does."""
    return tuple(
        comparable(kind_of(spec.api, f.api_name), value) for f, value in zip(spec.schema, row, strict=True)
    )


def _truth(emulator: WolkvoxEmulator, spec: ReportSpec, campaign_id: str) -> list[tuple[Any, ...]]:
    """The emulator's own answer for the window (it shares no client code), read by the test's reader."""
    if spec is CAMPAIGN_8:
        truth = emulator.ground_truth(campaign_id, START, END)
        return sorted((phone, *counts) for phone, counts in truth.items())
    rows = []
    for raw in emulator.ground_truth(campaign_id, START, END, api=spec.api):
        kinds = [kind_of(spec.api, f.api_name) for f in spec.schema]
        typed = [read(kind, raw[f.api_name], TZ) for kind, f in zip(kinds, spec.schema, strict=True)]
        rows.append(tuple(comparable(kind, v) for kind, v in zip(kinds, typed, strict=True)))
    return sorted(rows)


@pytest.fixture(params=["sqlite", "postgres", "mariadb"])
def warehouse(request: pytest.FixtureRequest) -> Warehouse:
    return request.getfixturevalue(f"{request.param}_warehouse")  # type: ignore[no-any-return]


def _loaded(wh: Warehouse, spec: ReportSpec) -> list[tuple[Any, ...]]:
    quote = "`" if wh.name == "mariadb" else '"'
    names = ", ".join(f"{quote}{c}{quote}" for c in columns(spec)[:-1])
    rows = wh.query(f"SELECT {names} FROM {spec.default_table}")
    window = ("all", comparable("timestamp", START), comparable("timestamp", END))
    assert {(r[0], comparable("timestamp", r[1]), comparable("timestamp", r[2])) for r in rows} <= {window}
    return sorted(_normal(spec, r[3:]) for r in rows)


def _schema(wh: Warehouse, table: str) -> tuple[list[tuple[str, str, bool]], list[str]]:
    """(name, type, not null) per column in order, and the primary key's columns in order."""
    if wh.name == "sqlite":
        info = wh.query(f"PRAGMA table_info({table})")
        cols = [(name, kind, bool(notnull)) for _, name, kind, notnull, _, _ in info]
        key = [name for _, name, _, _, _, pk in sorted(info, key=lambda r: r[5]) if pk]
        return cols, key
    if wh.name == "mariadb":
        where = f"WHERE table_schema = DATABASE() AND table_name = '{table}'"
        cols = [
            (str(name), re.sub(r"^int\(\d+\)$", "int", str(kind)).upper(), nullable == "NO")
            for name, kind, nullable in wh.query(
                "SELECT column_name, column_type, is_nullable FROM information_schema.columns "
                f"{where} ORDER BY ordinal_position"
            )
        ]
        key = [
            str(name)
            for (name,) in wh.query(
                "SELECT column_name FROM information_schema.key_column_usage "
                f"{where} AND constraint_name = 'PRIMARY' ORDER BY ordinal_position"
            )
        ]
        return cols, key
    cols = [
        (name, kind, nullable == "NO")
        for name, kind, nullable in wh.query(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            f"WHERE table_name = '{table}' ORDER BY ordinal_position"
        )
    ]
    key = [
        name
        for (name,) in wh.query(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            f"AND a.attnum = ANY(i.indkey) WHERE i.indrelid = '{table}'::regclass AND i.indisprimary "
            "ORDER BY array_position(i.indkey, a.attnum)"
        )
    ]
    return cols, key


_MYSQL_TYPES = {"INTEGER": "INT"}
"""information_schema's names of the types of tests/unit/expected.py's table."""
_PG_TYPES = {
    "text": "text",
    "integer": "integer",
    "numeric": "numeric",
    "timestamptz": "timestamp with time zone",
}


def test_every_report_loads_exactly_idempotently_with_its_schema(
    airflow_db: Path,
    emulator: WolkvoxEmulator,
    wolkvox_conn: str,
    warehouse: Warehouse,
) -> None:
    reports = dag(airflow_db, f"wolkvox_test_reports_{warehouse.name}")
    first = reports.test(logical_date=LOGICAL)
    assert first.state == "success", states(first)
    loaded = {api: _loaded(warehouse, spec) for api, spec in REPORTS.items()}
    for api, spec in REPORTS.items():
        truth = _truth(emulator, spec, "all")
        assert truth, api
        assert loaded[api] == truth, api

        cols, key = _schema(warehouse, spec.default_table)
        assert [c[0] for c in cols] == list(columns(spec)), api
        assert key == list(key_columns(spec)), api
        # The types of the test's own table (tests/unit/expected.py), never the function that wrote them.
        flavor = {"sqlite": "sqlite", "postgres": "postgresql", "mariadb": "mysql"}[warehouse.name]
        kinds = {f.name: column_kind(api, f.api_name, f.name in spec.key) for f in spec.schema}
        # The one naming rule, as the test reads it: the parameter moves where a field has its name.
        param = "requested_campaign_id" if "campaign_id" in kinds else "campaign_id"
        kinds |= {param: "key"} | WINDOW_KINDS
        expected_types = [COLUMN_TYPES[flavor][kinds[c]] for c in columns(spec)]
        if flavor == "postgresql":
            expected_types = [_PG_TYPES[t] for t in expected_types]
        if flavor == "mysql":
            expected_types = [_MYSQL_TYPES.get(t, t) for t in expected_types]
        assert [c[1] for c in cols] == expected_types, api
        nullable = {f.name for f in spec.schema if f.nullable}
        assert [c[2] for c in cols] == [c not in nullable for c in columns(spec)], api

    second = reports.test(logical_date=LOGICAL)
    assert second.state == "success", states(second)
    for api, spec in REPORTS.items():
        assert _loaded(warehouse, spec) == loaded[api], api  # the same rows, none duplicated


def test_reports_agree_with_each_other_through_the_operators(
    airflow_db: Path, emulator: WolkvoxEmulator, wolkvox_conn: str
) -> None:
    from tests.unit.test_operators import xcom

    run = dag(airflow_db, "wolkvox_test_reports_xcom").test(logical_date=LOGICAL)
    assert run.state == "success", states(run)
    got = {api: xcom(run, api) for api in REPORTS}
    assert xcom(run, "machine_codes") == got["campaign_8"]  # the named operator is the generic one

    for api, spec in REPORTS.items():
        truth = _truth(emulator, spec, "1")
        rows = got[api]
        param = "requested_campaign_id" if "campaign_id" in spec.fields else "campaign_id"
        assert all(r[param] == "1" and r["window_start"] == START.isoformat() for r in rows), api
        assert sorted(_normal(spec, tuple(r[f] for f in spec.fields)) for r in rows) == truth, api

    c8 = got["campaign_8"]
    machine = ("no_answer", "answer_machine", "busy", "congestion", "failed")
    sums = {name: sum(r[name] for r in c8) for name in ("total_machine_recognitions", *machine)}
    dials = sums["total_machine_recognitions"]
    humans = dials - sum(sums[name] for name in machine)
    records = {
        api: {r[spec.key[0]]: r["records"] for r in got[api]}
        for api, spec in REPORTS.items()
        if spec.combine == SHARES
    }

    # Every dial: campaign_1 and campaign_4 records, campaign_3 rows, campaign_8 totals.
    assert sum(records["campaign_1"].values()) == sum(records["campaign_4"].values()) == dials
    assert len(got["campaign_3"]) == dials
    assert Counter(r["result"] for r in got["campaign_3"]) == records["campaign_1"]
    # Answering machines: campaign_6 total == campaign_7 rows == campaign_8 answer_machine == campaign_10.
    [c6] = got["campaign_6"]
    cantidad = {r["machinecode"]: r["cantidad"] for r in got["campaign_10"]}
    assert c6["total_amd"] == len(got["campaign_7"]) == sums["answer_machine"] == cantidad["ANSWER MACHINE"]
    assert records["campaign_1"]["ANSWER MACHINE"] == sums["answer_machine"]
    # campaign_10 is campaign_8's machine columns summed.
    names = ("NO ANSWER", "ANSWER MACHINE", "BUSY", "CONGESTION", "FAILED")
    assert cantidad == {name: sums[column] for name, column in zip(names, machine, strict=True)}
    # Human answers: campaign_1 ANSWER == campaign_2 records == campaign_5 calls.
    assert records["campaign_1"]["ANSWER"] == sum(records["campaign_2"].values()) == humans
    assert len(got["campaign_5"]) == humans
    assert Counter(r["cod_act"] for r in got["campaign_5"]) == records["campaign_2"]
    # WhatsApp follows unanswered dials: at most one message per unanswered dial.
    unanswered = {r["telephone"]: r["no_answer"] for r in c8 if r["no_answer"]}
    per_phone = Counter(r["telephone"] for r in got["campaign_9"])
    assert per_phone
    assert all(n <= unanswered.get(phone, 0) for phone, n in per_phone.items())
    # Shares' percents sum to 100, up to the rounding of each to 2 decimals.
    for api in ("campaign_1", "campaign_2", "campaign_4"):
        percents = [Decimal(str(r["percent"])) for r in got[api]]
        assert abs(sum(percents) - 100) <= Decimal("0.005") * len(percents), api
    # XCom values are JSON: dates as ISO-8601 UTC text, percentages as floats.
    assert isinstance(got["campaign_1"][0]["percent"], float)
    assert got["campaign_7"][0]["date"].endswith("+00:00")


def test_docs_list_every_report_with_its_current_schema() -> None:
    from airflow_provider_wolkvox.sql.schema import schema_doc

    doc = (Path(__file__).parents[2] / "docs" / "reports.md").read_text()
    for api, spec in REPORTS.items():
        assert f"## `{api}`: {spec.title}" in doc
        assert f"Default table: `{spec.default_table}`" in doc
        assert schema_doc(spec) in doc, f"docs/reports.md is out of date for {api}"


def test_generic_db_api_path_loads_any_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    from tests.unit.test_sql_load import PlainSqliteHook

    # Most DB-API drivers bind Decimal; sqlite3 needs to be told, as a stand-in for them.
    monkeypatch.setitem(sqlite3.adapters, (Decimal, sqlite3.PrepareProtocol), str)
    path = tmp_path / "generic.sqlite"
    monkeypatch.setenv(
        "AIRFLOW_CONN_WK_GENERIC", json.dumps({"conn_type": "generic", "extra": {"path": str(path)}})
    )
    hook = PlainSqliteHook(plain_conn_id="wk_generic")
    when = datetime(2026, 11, 27, 5, 30, tzinfo=timezone.utc)
    window = {"campaign_id": "1", "window_start": START, "window_end": END}
    rows9 = [("1", "+57300", "sent", "", when, None), ("1", "+57301", "read", "", when, when)]
    assert load_window(hook, table="c9", rows=rows9, spec=CAMPAIGN_9, **window) == 2  # type: ignore[arg-type]
    rows1 = [("ANSWER", 3, Decimal("75.00")), ("BUSY", 1, Decimal("25.00"))]
    assert load_window(hook, table="c1", rows=rows1, spec=CAMPAIGN_1, **window) == 2  # type: ignore[arg-type]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT telephone, date, last_update FROM c9 ORDER BY telephone").fetchall() == [
            ("+57300", "2026-11-27 05:30:00", None),
            ("+57301", "2026-11-27 05:30:00", "2026-11-27 05:30:00"),
        ]
        assert db.execute("SELECT result, records, percent FROM c1 ORDER BY result").fetchall() == [
            ("ANSWER", 3, 75),
            ("BUSY", 1, 25),
        ]
    bad = [("ANSWER", 3, 75.0)]
    with pytest.raises(
        WolkvoxRowError, match=r"row 0 to load into c1: percent is 75\.0 \(float\), expected Decimal"
    ):
        load_window(hook, table="c1", rows=bad, spec=CAMPAIGN_1, **window)  # type: ignore[arg-type]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM c1").fetchone() == (2,)  # rolled back, untouched
