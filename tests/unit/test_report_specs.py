"""Every catalogued report as a spec: parameters, types, schema on read, combine rules, docs."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_wolkvox.client.decoding import read_table
from airflow_provider_wolkvox.exceptions import WolkvoxConfigError, WolkvoxRowError
from airflow_provider_wolkvox.reports import (
    ADDITIVE,
    DETAIL,
    FAMILIES,
    PER_REQUEST,
    REPORTS,
    ROW_NUMBER,
    SHARES,
    SUM,
    Field,
    FieldType,
    ReportSpec,
    combine_windows,
    parse_date,
    parse_decimal,
    parse_duration,
    report,
)
from airflow_provider_wolkvox.reports._docs import combine_table, spec_doc

ROOT = Path(__file__).parents[2]
CATALOG = [
    line.strip()
    for line in (Path(__file__).parent / "data" / "catalog_apis.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]
TZ = "America/Bogota"

SAMPLE: dict[FieldType, str] = {
    "text": "+573001234567",
    "integer": "7",
    "decimal": "1234.50",
    "percent": "34.64 %",
    "duration": "0:02:03",
    "timestamp": "2026-11-27 10:15:00",
    "date": "2026-11-27",
}
TYPED: dict[FieldType, Any] = {
    "text": "+573001234567",
    "integer": 7,
    "decimal": Decimal("1234.50"),
    "percent": Decimal("34.64"),
    "duration": 123,
    "timestamp": datetime(2026, 11, 27, 15, 15, tzinfo=timezone.utc),
    "date": date(2026, 11, 27),
}


def sample_row(spec: ReportSpec) -> dict[str, str]:
    """A row as the API sends it: every value a string, under the API's names."""
    return {f.api_name: SAMPLE[f.type] for f in spec.schema if not f.synthetic}


# -- the catalogue -------------------------------------------------------------------------------


def test_every_catalogued_report_has_a_spec_and_nothing_else_does() -> None:
    assert len(CATALOG) == 69
    assert set(REPORTS) == {*CATALOG, "campaign_2", "campaign_9"}
    assert [spec.api for specs in FAMILIES.values() for spec in specs] == list(REPORTS)
    assert all(spec.api.startswith(family + "_") for family, specs in FAMILIES.items() for spec in specs)
    assert len({spec.default_table for spec in REPORTS.values()}) == len(REPORTS)


def test_request_parameters_follow_the_catalogue() -> None:
    params = {api: [(p.name, p.accepts_all) for p in spec.params] for api, spec in REPORTS.items()}
    assert all(params[f"campaign_{n}"] == [("campaign_id", True)] for n in range(1, 11))
    skills = [api for api in REPORTS if api.startswith("skill_")]
    assert all(params[api] == [("skill_id", api != "skill_10")] for api in skills)
    assert params["agent_2"] == [("agent_id", False)]
    assert params["agent_7"] == params["chat_1"] == [("agent_dni", False)]
    assert not report("agent_7").params[0].required  # public client code calls it without
    assert params["chat_10"] == [("destination", False)]
    assert params["diagram_1"] == [("customer_id", False)]
    assert params["act_3"] == params["act_5"] == [("cod_act", False)]
    with_params = {"agent_2", "agent_7", "chat_1", "chat_10", "diagram_1", "act_3", "act_5"}
    assert {api for api, p in params.items() if p} == {*with_params, *skills, *FAMILY_APIS("campaign")}


def FAMILY_APIS(family: str) -> set[str]:
    return {spec.api for spec in FAMILIES[family]}


# -- parsing -------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", list(REPORTS.values()), ids=lambda s: s.api)
def test_every_report_parses_a_row_of_strings(spec: ReportSpec) -> None:
    [row] = spec.parse_rows([sample_row(spec)], TZ)
    expected = tuple(1 if f.synthetic else TYPED[f.type] for f in spec.schema)
    assert tuple(row) == expected
    table = spec.parse_table([sample_row(spec), sample_row(spec)], TZ)
    assert table.extras == ()
    assert [r[0] for r in table.rows] == ([1, 2] if spec.schema[0].synthetic else [expected[0]] * 2)


def test_realistic_rows() -> None:
    cdr_1 = {
        "agent_name": "Ana Díaz",
        "date": "2026-11-27 08:00:05",
        "destiny": "MOBILE",
        "telephone": "03001234567",
        "cost": "120,5",
        "time_seg": "65",
        "time_min": "1.08",
        "cod_act": "TIMEOUTACW",
        "cod_act_2": "",
        "description_cod_act": "",
        "description_cod_act_2": "",
        "type_interaction": "outbound",
        "conn_id": "C-991",  # past the vendor's cut-off list: kept as text
    }
    table = report("cdr_1").parse_table([cdr_1], TZ)
    assert table.extras == ("conn_id",)
    assert table.rows == [
        (
            1,
            "Ana Díaz",
            datetime(2026, 11, 27, 13, 0, 5, tzinfo=timezone.utc),
            "MOBILE",
            "03001234567",
            Decimal("120.5"),
            65,
            Decimal("1.08"),
            "TIMEOUTACW",
            "",
            "",
            "",
            "outbound",
            "C-991",
        )
    ]
    agent_7 = {
        "agent_name": "Ana",
        "agent_id": "1001",
        "agent_dni": "52123456",
        "date": "2026-11-27",
        "login": "2026-11-27 07:58:00",
        "logout": "",
        "login_time": "4:38:08",
    }
    [row] = report("agent_7").parse_rows([agent_7], TZ)
    assert row[3:] == (date(2026, 11, 27), datetime(2026, 11, 27, 12, 58, tzinfo=timezone.utc), None, 16688)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("123", 123), (123, 123), ("0", 0), ("4:38:08", 16688), ("04:38:08", 16688), ("123:00:01", 442801)],
)
def test_durations(value: object, seconds: int) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize("value", ["1:2:3", "00:60:00", "-5", "1.5", "", "12 s", None, 1.5, True, "٣"])
def test_bad_durations(value: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        parse_duration(value)


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("1234.50", Decimal("1234.50")),
        ("1234,50", Decimal("1234.50")),
        ("7", Decimal(7)),
        (0.25, Decimal("0.25")),
    ],
)
def test_decimals(value: object, number: Decimal) -> None:
    assert parse_decimal(value) == number


@pytest.mark.parametrize("value", ["NaN", "inf", "1.234,5", "$5", "", None, True, [1]])
def test_bad_decimals(value: object) -> None:
    with pytest.raises((ValueError, TypeError, ArithmeticError)):
        parse_decimal(value)


def test_dates() -> None:
    assert parse_date(" 2026-11-27 ") == date(2026, 11, 27)
    for bad in ("2026-11-27 10:00:00", "27/11/2026", "", 20261127):
        with pytest.raises((ValueError, TypeError)):
            parse_date(bad)


@pytest.mark.parametrize(
    ("api", "field", "value", "what"),
    [
        ("cdr_2", "cost", "12 USD", "a decimal number"),
        ("agent_3", "time", "1h", "a duration in seconds"),
        ("agent_7", "date", "2026-11-27 00:00", "a date such as"),
        ("agent_7", "login", "yesterday", "a local date-time"),
        ("cdr_4", "percentage", "n/a", "a percentage"),
        ("skill_3", "inbound_calls", "1.5", "an integer count"),  # an optional field still parses
    ],
)
def test_a_bad_value_names_report_row_and_field(api: str, field: str, value: str, what: str) -> None:
    spec = report(api)
    good = sample_row(spec)
    with pytest.raises(
        WolkvoxRowError, match=rf"{api}: row 1 field '{field}' is '{re.escape(value)}', not {what}"
    ):
        spec.parse_rows([good, {**good, field: value}], TZ)


def test_optional_fields_are_null_when_missing_or_empty_and_required_ones_are_errors() -> None:
    skill_3 = report("skill_3")
    row = {"skill_name": "Ventas", "date": "2026-11-27 00:00:00", "inbound_calls": ""}
    [parsed] = skill_3.parse_rows([row], TZ)
    assert parsed == ("Ventas", datetime(2026, 11, 27, 5, tzinfo=timezone.utc), None, None, None)
    with pytest.raises(WolkvoxRowError, match="skill_3: row 0 has no field 'date'"):
        skill_3.parse_rows([{"skill_name": "Ventas"}], TZ)
    cdr_2 = report("cdr_2")  # a complete list: a field that stops coming is an error
    with pytest.raises(WolkvoxRowError, match="cdr_2: row 0 has no field 'cost'"):
        cdr_2.parse_rows([{"calls": "3", "agent_name": "Ana"}], TZ)


# -- schema on read ------------------------------------------------------------------------------


def test_fields_the_spec_does_not_list_are_kept_as_text() -> None:
    spec = report("chat_13")
    rows = [
        {"channel": "web", "interaction": "4"},
        {"channel": "whatsapp", "interaction": "9", "agents": 3, "note": None},
        {"channel": "facebook", "interaction": "1", "note": "new"},
    ]
    table = spec.parse_table(rows, TZ)
    assert table.extras == ("agents", "note")
    assert table.rows == [("web", 4, None, None), ("whatsapp", 9, "3", None), ("facebook", 1, None, "new")]
    assert table.widened(("zz", "note", "agents")) == [
        ("web", 4, None, None, None),
        ("whatsapp", 9, None, None, "3"),
        ("facebook", 1, None, "new", None),
    ]
    assert spec.parse_rows(rows, TZ) == [("web", 4), ("whatsapp", 9), ("facebook", 1)]  # the old interface


def test_a_report_without_documented_fields_keeps_everything() -> None:
    table = report("wizard_1").parse_table([{"agent": "Ana", "question": "¿Qué?"}, {"agent": "Luis"}], TZ)
    assert table.extras == ("agent", "question")
    assert table.rows == [(1, "Ana", "¿Qué?"), (2, "Luis", None)]


def test_read_table_keeps_new_fields_from_the_bytes_and_the_fast_path_agrees() -> None:
    spec = report("chat_13")
    plain = (
        b'{"code":200,"error":null,"msg":"1 records were found","data":[{"channel":"web","interaction":"4"}]}'
    )
    assert read_table(spec, 200, plain, conn_id="c", tz=TZ) == ([("web", 4)], (), 0)
    newer = plain.replace(b'"4"}', b'"4","agents":"2"}')
    assert read_table(spec, 200, newer, conn_id="c", tz=TZ) == ([("web", 4, "2")], ("agents",), 0)


# -- combine rules -------------------------------------------------------------------------------


def test_only_additive_fields_are_summed() -> None:
    for spec in REPORTS.values():
        types = {f.name: f.type for f in spec.schema}
        if spec.combine in (SUM, SHARES):
            assert spec.fields_complete, spec.api
            assert all(types[name] in ADDITIVE for name in spec.additive_fields), spec.api
        else:
            assert spec.additive_fields == (), spec.api
    assert report("cdr_2").additive_fields == ("calls", "cost")
    assert report("agent_3").additive_fields == ("time",)
    assert report("agent_3").attribute_fields == ("agent_dni", "agent_name")
    with pytest.raises(ValueError, match="summed fields must be additive"):
        ReportSpec("x", "x", (Field("k"), Field("sl", "percent")), ("k",), SUM, "t")
    with pytest.raises(ValueError, match="cut-off field list cannot be summed"):
        ReportSpec("x", "x", (Field("k"), Field("n", "integer")), ("k",), SUM, "t", fields_complete=False)


def test_sums_add_counts_durations_and_money() -> None:
    cdr_2, agent_3 = report("cdr_2"), report("agent_3")
    first = [(3, "Ana", Decimal("10.50")), (1, "Luis", Decimal("0.25"))]
    second = [(2, "Ana", Decimal("0.75"))]
    assert combine_windows(cdr_2, [first, second]) == [
        (5, "Ana", Decimal("11.25")),
        (1, "Luis", Decimal("0.25")),
    ]
    one = [("1001", None, "Ana", "BREAK", 60)]
    two = [("1001", "52123456", "Ana", "BREAK", 90), ("1001", "52123456", "Ana", "LUNCH", 1800)]
    assert combine_windows(agent_3, [one, two]) == [
        ("1001", "52123456", "Ana", "BREAK", 150),
        ("1001", "52123456", "Ana", "LUNCH", 1800),
    ]


def test_shares_are_recomputed_from_the_sums() -> None:
    cdr_4 = report("cdr_4")
    first = [
        ("0-5 sec", 1, Decimal("0.05"), Decimal("1"), Decimal("50.00")),
        ("6-20 sec", 1, Decimal("0.2"), Decimal("2"), Decimal("50.00")),
    ]
    second = [("6-20 sec", 2, Decimal("0.5"), Decimal("3"), Decimal("100.00"))]
    assert combine_windows(cdr_4, [first, second]) == [
        ("0-5 sec", 1, Decimal("0.05"), Decimal("1"), Decimal("25.00")),
        ("6-20 sec", 3, Decimal("0.7"), Decimal("5"), Decimal("75.00")),
    ]
    diagram_14 = report("diagram_14")
    rows = combine_windows(diagram_14, [[("A", "Sales", 1, Decimal(100))], [("B", "Help", 2, Decimal(100))]])
    assert rows == [("A", "Sales", 1, Decimal("33.33")), ("B", "Help", 2, Decimal("66.67"))]


def test_non_additive_aggregates_are_never_combined() -> None:
    per_request = {api for api, spec in REPORTS.items() if spec.combine == PER_REQUEST}
    # Service levels, ASA, averages, and field lists that are cut off.
    assert {
        "skill_1",
        "skill_3",
        "skill_4",
        "skill_4_1",
        "skill_7",
        "skill_11",
        "quality_5",
        "agent_1",
    } <= per_request
    for api in per_request:
        spec = REPORTS[api]
        assert spec.keyed_by_request_window
        with pytest.raises(ValueError, match="kept per request window"):
            combine_windows(spec, [[], []])


def test_detail_rows_have_a_date_or_are_numbered_and_repeated_keys_fail() -> None:
    for spec in REPORTS.values():
        if spec.combine == DETAIL:
            assert spec.date_field or ROW_NUMBER in spec.key, spec.api
            assert (ROW_NUMBER in spec.key) == spec.keyed_by_request_window, spec.api
    speech_5 = report("speech_5")
    row = speech_5.parse_rows([sample_row(speech_5)], TZ)[0]
    with pytest.raises(WolkvoxRowError, match=r"speech_5: two rows with the same key \(id_text="):
        combine_windows(speech_5, [[row], [row]])


# -- request parameters --------------------------------------------------------------------------


def test_request_params_are_checked_against_the_report() -> None:
    assert report("skill_3").request_params({"skill_id": "all"}) == {"skill_id": "all"}
    assert report("agent_7").request_params({"agent_dni": " 52123456 "}) == {"agent_dni": "52123456"}
    assert report("chat_1").request_params({}) == {}  # agent_dni is optional
    assert report("cdr_1").request_params({}) == {}
    cases = [
        ("cdr_1", {"campaign_id": "1"}, "report cdr_1 does not take campaign_id; cdr_1 takes no parameters"),
        ("skill_3", {}, r"report skill_3 needs skill_id; skill_3 takes skill_id \(required, or all\)"),
        (
            "skill_10",
            {"skill_id": "all"},
            r"does not take skill_id=all; skill_10 takes skill_id \(required\)",
        ),
        ("agent_2", {"agent_id": ""}, "needs a value for agent_id"),
        ("act_5", {"cod_act": "cod_act1", "skill_id": "3"}, "does not take skill_id; act_5 takes cod_act"),
    ]
    for api, given, message in cases:
        with pytest.raises(WolkvoxConfigError, match=message):
            report(api).request_params(given)
    assert report("skill_3").request_params({}, complete=False) == {}


def test_plan_reads_and_checks_params() -> None:
    from airflow_provider_wolkvox.cli.plan import parse_params

    assert parse_params(["skill_id=all", "x= 1"]) == {"skill_id": "all", "x": " 1"}
    for bad in (["skill_id"], ["=1"], ["a=1", "a=2"]):
        with pytest.raises(WolkvoxConfigError, match="--param"):
            parse_params(bad)


# -- docs ----------------------------------------------------------------------------------------


def test_docs_describe_every_report_as_its_spec_says() -> None:
    doc = (ROOT / "docs" / "reports.md").read_text()
    for api, spec in REPORTS.items():
        assert f"### `{api}`: {spec.title}\n\n{spec_doc(spec)}\n" in doc, (
            f"docs/reports.md is out of date for {api}: python -m airflow_provider_wolkvox.reports._docs"
        )
    assert combine_table(REPORTS.values()) in doc
    documented = re.findall(r"^### `([a-z0-9_]+)`", doc, re.MULTILINE)
    assert documented == list(REPORTS)


def test_plan_refuses_a_parameter_the_report_does_not_take() -> None:
    import argparse

    from airflow_provider_wolkvox.cli.plan import plan_command

    args = argparse.Namespace(
        api="cdr_1",
        params=["campaign_id=42"],
        conn_id="wolkvox_nowhere",
        from_date="2026-10-01",
        to_date="2026-11-01",
        interval="1h",
        check_quota=False,
    )
    with pytest.raises(SystemExit, match="error: report cdr_1 does not take campaign_id; cdr_1 takes no"):
        plan_command(args)


def test_docs_list_every_column_each_report_lands() -> None:
    """Each report's section lists its table's columns as a load makes them (a real SQLite table
    made from the stored spec), and says what schema on read adds (issue 23)."""
    import sqlite3

    from airflow_provider_wolkvox.reports.stored import stored_spec
    from airflow_provider_wolkvox.sql.columns_doc import report_columns_doc
    from airflow_provider_wolkvox.sql.schema import create_table_sql

    doc = (ROOT / "docs" / "reports.md").read_text()
    sections = {part.split("`")[1]: part for part in doc.split("\n### ")[1:]}
    db = sqlite3.connect(":memory:")
    for api, spec in REPORTS.items():
        section = sections[api]
        assert report_columns_doc(spec) in section, (
            f"docs/reports.md is out of date for {api}: python -m airflow_provider_wolkvox.sql.columns_doc"
        )
        warehouse = section[section.index("In the warehouse:") :]
        listed = [line.split("`")[1:6:4] for line in warehouse.splitlines() if line.startswith("| `")]
        db.execute(create_table_sql("sqlite", f"t_{api}", spec=stored_spec(spec)))
        made = [[name, kind] for _, name, kind, *_ in db.execute(f"PRAGMA table_info(t_{api})")]
        assert listed == made, api
        assert "Columns found on read:" in warehouse, api
