"""Any report, with its own parameters, through fetch, staging and the SQL sinks, checked against
the emulator's ground truth: every report the emulator serves loads exactly and idempotently into
SQLite and PostgreSQL, non-additive aggregates keep each request window's rows, a field the API
starts sending becomes a column (NULL once it stops), and the generic operators run them in a DAG."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pendulum
import pytest

from airflow_provider_wolkvox.exceptions import WolkvoxConfigError
from airflow_provider_wolkvox.reports import REPORTS, ReportSpec
from airflow_provider_wolkvox.reports.stored import stored_spec, with_extras
from airflow_provider_wolkvox.sql.schema import window_columns
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from airflow_provider_wolkvox.testing.emulator_families import REPORTS as SERVED
from airflow_provider_wolkvox.testing.emulator_operation import AGENT, SKILLS
from tests.airflow_compat import newest_release_only
from tests.unit.expected import ROW_NUMBER, WINDOW_KINDS, comparable, kind_of, read
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
TIMESTAMP = "timestamp"
REQUEST_NAMES = ("request_start", "request_end")
START = pendulum.datetime(2026, 11, 27, 13, tz="UTC")
END = START.add(hours=4)
HOUR = timedelta(hours=1)
LOGICAL = pendulum.datetime(2026, 11, 27, 20, tz="UTC")
PARAMS = {
    "campaign_id": "all",
    "skill_id": "all",
    "agent_id": AGENT[0].id,
    "agent_dni": AGENT[0].dni,
    "destination": "COLOMBIA",
    "cod_act": "01 VENTA",
    "customer_id": "1000007919",
}
"""A value the emulator has data for, per parameter name; reports that take another, apart."""
OWN_PARAMS = {"skill_10": {"skill_id": SKILLS[0][0]}, "act_5": {"cod_act": "cod_act1"}}

heavy = newest_release_only("loading every report (provider logic, not Airflow compatibility)")


def params_of(spec: ReportSpec) -> dict[str, str]:
    return OWN_PARAMS.get(spec.api) or {p.name: PARAMS[p.name] for p in spec.params}


def kinds(spec: ReportSpec) -> dict[str, str]:
    """Each column's kind by column name, from the test's own table of the API's fields
    (tests/unit/expected.py), never from the spec's types; fields beyond the spec are text."""
    return {**{f.name: kind_of(spec.api, f.api_name) for f in spec.schema}, **WINDOW_KINDS}


TAKEN_NAME_COLUMNS: dict[str, str] = {}
"""Fields the emulator sends whose plain name is a column already, and where they land (none: a
field named like a parameter keeps its name, issue 23)."""


def extra_column(spec: ReportSpec, name: str) -> str:
    """The column a field the spec does not list goes to: its name where the table has no column
    of that name already (the emulator's extras are plain lower-case names), else the hashed
    column written out in :data:`TAKEN_NAME_COLUMNS`."""
    assert re.fullmatch(r"[a-z][a-z0-9_]*", name), name
    if name in {*spec.fields, *WINDOW_KINDS}:
        return TAKEN_NAME_COLUMNS[name]
    return name


def parameter_columns(spec: ReportSpec, names: Iterable[str]) -> list[str]:
    """The test's own reading of issue 23's rule: a parameter named like a field of the table
    (listed, or among ``names`` found on read) is stored as ``requested_<name>``."""
    fields = {*spec.fields, *names}
    return [f"requested_{p.name}" if p.name in fields else p.name for p in spec.params]


def truth(
    emu: WolkvoxEmulator, spec: ReportSpec, windows: tuple[tuple[Any, Any], ...]
) -> list[dict[str, Any]]:
    """The rows one unlimited call per request window (reports keyed by it) or for the whole
    interval (every other report) gives, by column name: the emulator's own answer (it shares no
    client code), each value read by the test's reader as the catalogue types it."""
    params = params_of(spec)
    spans = windows if spec.keyed_by_request_window else ((START, END),)
    rows: list[dict[str, Any]] = []
    for start, end in spans:
        head = {}
        if spec.keyed_by_request_window:
            head = {"request_start": comparable(TIMESTAMP, start), "request_end": comparable(TIMESTAMP, end)}
        for number, raw in enumerate(emu.ground_truth_rows(spec.api, params, start, end), 1):
            row = dict(head)
            for f in spec.schema:
                kind = kind_of(spec.api, f.api_name)
                value = number if f.api_name == ROW_NUMBER else read(kind, raw.get(f.api_name), TZ)
                row[f.name] = comparable(kind, value)
            row |= {extra_column(spec, name): raw[name] for name in raw.keys() - spec.api_names}
            rows.append(row)
    names = {name for row in rows for name in row}
    return [{name: row.get(name) for name in names} for row in rows]  # NULL where a row lacks an extra


FOUND_FORMS = {
    "integer": r"-?(?:0|[1-9][0-9]{0,8})|[0-9]+:[0-5][0-9]:[0-5][0-9]",
    "decimal": r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?: ?%)?|[0-9]+:[0-5][0-9]:[0-5][0-9]",
    "timestamp": r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}",
}
"""The test's own reading of issue 23's type rule for fields found on read, narrowest first."""


def found_kind(name: str, values: list[Any]) -> str:
    """The kind a field found on read lands as: identifiers and mixed or empty columns as text."""
    texts = [v for v in values if v not in (None, "")]
    if not texts or re.fullmatch(r"(?:.*_)?(?:id|dni)", name):
        return "text"
    for kind, form in FOUND_FORMS.items():
        if all(re.fullmatch(form, v) for v in texts):
            return kind
    return "text"


def found_value(kind: str, value: Any) -> Any:
    """``value`` (text as sent) as a column of ``kind`` holds it, in :func:`comparable` form."""
    if kind == "text" or value is None:
        return value
    if value == "":
        return None
    hms = re.fullmatch(r"([0-9]+):([0-9]{2}):([0-9]{2})", value)
    if hms:
        hours, minutes, seconds = map(int, hms.groups())
        value = str(hours * 3600 + minutes * 60 + seconds)
    if kind == "timestamp":
        return comparable(kind, read(kind, value, TZ))
    return comparable(kind, Decimal(value.removesuffix("%").strip()))


def loaded(
    wh: Warehouse, spec: ReportSpec, names: list[str], found: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """The table's rows, by column name, the window columns left out once checked."""
    kind = {**kinds(spec), **(found or {})}
    head = [*parameter_columns(spec, names), "window_start", "window_end"]
    q = "`" if wh.name == "mariadb" else '"'
    got = wh.query(f"SELECT {', '.join(f'{q}{c}{q}' for c in [*head, *names])} FROM {spec.default_table}")
    out = []
    for row in got:
        window = dict(zip(head, row, strict=False))
        assert [window[c] for c in parameter_columns(spec, names)] == list(params_of(spec).values()), spec.api
        assert comparable(TIMESTAMP, window["window_start"]) == comparable(TIMESTAMP, START), spec.api
        assert comparable(TIMESTAMP, window["window_end"]) == comparable(TIMESTAMP, END), spec.api
        values = row[len(head) :]
        out.append({n: comparable(kind.get(n, "text"), v) for n, v in zip(names, values, strict=True)})
    return out


def _key(row: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(sorted((k, repr(v)) for k, v in row.items()))


def fetch_and_load(db_hook: Any, spec: ReportSpec, *, row_cap: int = 60_000) -> tuple[Any, int]:
    """One interval of ``spec`` fetched in request windows of an hour and loaded twice."""
    from airflow_provider_wolkvox.fetching.interval import fetch_interval
    from airflow_provider_wolkvox.hooks.wolkvox import WolkvoxHook
    from airflow_provider_wolkvox.sql import load_window
    from airflow_provider_wolkvox.staging.store import Staging

    hook = WolkvoxHook(backoff_seconds=0.01, max_backoff_seconds=0.05)
    try:
        with Staging(spec=spec) as staging:
            summary = fetch_interval(
                hook, params_of(spec), START, END, staging, max_request_window=HOUR, row_cap=row_cap
            )
            window = {"window_start": START, "window_end": END, "report_params": params_of(spec)}
            counts = {
                load_window(
                    db_hook,
                    table=spec.default_table,
                    rows=staging.rows(),
                    spec=staging.stored_spec,
                    found_types=staging.found_types(TZ),
                    **window,
                )
                for _ in range(2)  # the second load replaces the first exactly
            }
    finally:
        hook.close()
    [count] = counts
    return summary, count


ROUNDED_PER_ANSWER = {"cdr_4": "minutes"}
"""Summed fields the API rounds in each answer (minutes to 2 decimals, from seconds): their sum over
request windows can differ from one answer's by the rounding, 0.005 per window. (The spec could
recompute them from the seconds, as shares recompute percentages.)"""


def check(wh: Warehouse, emu: WolkvoxEmulator, spec: ReportSpec, summary: Any) -> list[dict[str, Any]]:
    expected = truth(emu, spec, summary.windows)
    head = list(REQUEST_NAMES) if spec.keyed_by_request_window else []
    names = sorted({name for row in expected for name in row}) or [*head, *spec.fields]
    found = {n: found_kind(n, [r[n] for r in expected]) for n in names if n not in {*head, *spec.fields}}
    expected = [{n: found_value(found[n], v) if n in found else v for n, v in r.items()} for r in expected]
    got = loaded(wh, spec, names, found)
    rounded = ROUNDED_PER_ANSWER.get(spec.api)
    if rounded:
        slack = Decimal("0.005") * len(summary.windows)
        by_key = {tuple(r[k] for k in spec.key): r[rounded] for r in expected}
        for row in got:
            assert abs(row[rounded] - by_key[tuple(row[k] for k in spec.key)]) <= slack, spec.api
        got = [{**r, rounded: None} for r in got]
        expected = [{**r, rounded: None} for r in expected]
    assert sorted(map(_key, got)) == sorted(map(_key, expected)), spec.api
    if spec.date_field and kinds(spec)[spec.date_field] == TIMESTAMP:
        # Detail rows belong to the window by their own date: whole, and inside their request window.
        for row in got:
            low, high = (row[n] for n in REQUEST_NAMES) if spec.keyed_by_request_window else (START, END)
            assert comparable(TIMESTAMP, low) <= row[spec.date_field] < comparable(TIMESTAMP, high), spec.api
    return got


@heavy
@pytest.mark.parametrize("name", ["sqlite", "postgres", "mariadb"])
def test_every_served_report_loads_exactly_and_idempotently(
    name: str, emulator: WolkvoxEmulator, wolkvox_conn: str, request: pytest.FixtureRequest
) -> None:
    from airflow_provider_wolkvox._compat import BaseHook

    wh: Warehouse = request.getfixturevalue(f"{name}_warehouse")
    db_hook = BaseHook.get_connection(f"wolkvox_{name}").get_hook()  # type: ignore[no-untyped-call]
    served = [api for api in REPORTS if api in SERVED]
    assert len(served) == len(REPORTS)  # the emulator serves every report
    nonempty, wrong = 0, {}
    for api in served:
        spec = REPORTS[api]
        summary, count = fetch_and_load(db_hook, spec)
        assert summary.requests == 4, api
        try:
            rows = check(wh, emulator, spec, summary)
        except AssertionError as err:
            wrong[api] = str(err).splitlines()[:3]
            continue
        assert count == len(rows), api
        nonempty += bool(rows)
    assert wrong == {}
    assert nonempty >= 0.8 * len(served)  # a few detail reports have no event in four hours


@heavy
def test_a_per_request_report_split_at_the_cap_keeps_each_windows_rows_never_a_sum(
    emulator: WolkvoxEmulator, wolkvox_conn: str, request: pytest.FixtureRequest
) -> None:
    from airflow_provider_wolkvox._compat import BaseHook

    wh: Warehouse = request.getfixturevalue("sqlite_warehouse")
    spec = REPORTS["skill_1"]  # service levels and ASA per skill: they do not add up
    whole = emulator.ground_truth_rows("skill_1", {"skill_id": "all"}, START, END)
    inbound = {row["skill_id"]: int(row["inbound_calls"]) for row in whole}
    cap = len(whole)  # an hour with every skill is at the cap: it is split further
    assert cap >= 2
    db_hook = BaseHook.get_connection("wolkvox_sqlite").get_hook()  # type: ignore[no-untyped-call]
    summary, count = fetch_and_load(db_hook, spec, row_cap=cap)
    assert summary.capped_calls >= 1
    assert len(summary.windows) > 4
    rows = check(wh, emulator, spec, summary)  # each request window's own rows, exactly
    assert count == len(rows)
    per_skill: dict[str, list[int]] = {}
    for r in rows:
        per_skill.setdefault(r["skill_id"], []).append(int(r["inbound_calls"]))
    # Each skill has a row per request window it had calls in: never one combined row.
    assert max(len(v) for v in per_skill.values()) >= 2
    assert {skill: sum(v) for skill, v in per_skill.items()} == inbound
    assert all(len(v) == 1 or max(v) < inbound[skill] for skill, v in per_skill.items())


@heavy
@pytest.mark.parametrize("name", ["sqlite", "postgres", "mariadb"])
def test_a_new_field_becomes_a_column_and_is_null_once_it_stops(
    name: str, emulator: WolkvoxEmulator, wolkvox_conn: str, request: pytest.FixtureRequest
) -> None:
    from airflow_provider_wolkvox._compat import BaseHook
    from airflow_provider_wolkvox.fetching.interval import fetch_interval
    from airflow_provider_wolkvox.hooks.wolkvox import WolkvoxHook
    from airflow_provider_wolkvox.sql import load_window
    from airflow_provider_wolkvox.staging.store import Staging

    wh: Warehouse = request.getfixturevalue(f"{name}_warehouse")
    db_hook = BaseHook.get_connection(f"wolkvox_{name}").get_hook()  # type: ignore[no-untyped-call]
    spec = REPORTS["cdr_2"]  # calls and cost summed per agent
    table = spec.default_table
    q = "`" if name == "mariadb" else '"'

    def load(start: Any) -> None:
        hook = WolkvoxHook()
        try:
            with Staging(spec=spec) as staging:
                fetch_interval(hook, {}, start, start + HOUR, staging)
                load_window(
                    db_hook,
                    table=table,
                    window_start=start,
                    window_end=start + HOUR,
                    rows=staging.rows(),
                    spec=staging.stored_spec,
                )
        finally:
            hook.close()

    def site_column() -> list[tuple[str, Any]]:
        rows = wh.query(f"SELECT window_start, {q}site_name__b547dawu{q} FROM {table}")
        return sorted({(comparable(TIMESTAMP, start), value) for start, value in rows})

    first, second = START, START + HOUR
    load(first)
    emulator.set_fields("cdr_2", extra={"Site Name": "Bogotá 2"})
    load(second)  # the field is new: a nullable text column appears, NULL for the first hour
    assert site_column() == [
        (comparable(TIMESTAMP, first), None),
        (comparable(TIMESTAMP, second), "Bogotá 2"),
    ]
    emulator.set_fields("cdr_2")
    load(second)  # it stops coming: NULL in the rows loaded without it
    assert site_column() == [(comparable(TIMESTAMP, first), None), (comparable(TIMESTAMP, second), None)]


def test_parameters_are_checked_when_the_dag_is_parsed() -> None:
    from airflow_provider_wolkvox.operators.report import WolkvoxReportOperator
    from airflow_provider_wolkvox.transfers.report_to_sql import WolkvoxReportToSqlOperator

    with pytest.raises(
        WolkvoxConfigError, match="report cdr_1 does not take campaign_id; cdr_1 takes no parameters"
    ):
        WolkvoxReportToSqlOperator(task_id="t", api="cdr_1", campaign_id="1", sql_conn_id="s")
    with pytest.raises(
        WolkvoxConfigError,
        match=r"report skill_1 needs skill_id; skill_1 takes skill_id \(required, or all\)",
    ):
        WolkvoxReportOperator(task_id="t", api="skill_1")
    with pytest.raises(WolkvoxConfigError, match="does not take skil_id"):
        WolkvoxReportOperator(task_id="t", api="skill_1", report_params={"skil_id": "all"})
    with pytest.raises(WolkvoxConfigError, match="does not take agent_id=all"):
        WolkvoxReportOperator(task_id="t", api="agent_2", report_params={"agent_id": "all"})
    with pytest.raises(WolkvoxConfigError, match="disagree"):
        WolkvoxReportOperator(
            task_id="t", api="campaign_1", campaign_id="1", report_params={"campaign_id": "2"}
        )
    # Templates pass the parse-time check; their rendered values are checked when the task runs.
    skill = WolkvoxReportToSqlOperator(
        task_id="s", api="skill_1", report_params={"skill_id": "{{ params.skill }}"}, sql_conn_id="s"
    )
    assert (skill.table, "report_params" in skill.template_fields) == ("wolkvox_skill_1", True)
    assert WolkvoxReportOperator(task_id="c", api="campaign_8", report_params={"campaign_id": "7"})
    # Window columns: the parameters asked for (named apart from a field of the same name), the window.
    assert window_columns(REPORTS["cdr_1"]) == ("window_start", "window_end")
    assert window_columns(REPORTS["skill_1"])[0] == "skill_id"
    # ... and a field found on read takes the name the same way (issue 23): skill_1 brings skill_id.
    assert (
        window_columns(with_extras(stored_spec(REPORTS["skill_1"]), ("skill_id",)))[0] == "requested_skill_id"
    )
    assert window_columns(REPORTS["skill_4"])[0] == "requested_skill_id"
    assert window_columns(REPORTS["campaign_3"])[0] == "requested_campaign_id"  # its rows have campaign_id
    assert window_columns(REPORTS["campaign_1"])[0] == "campaign_id"


@heavy
@pytest.mark.parametrize("name", ["sqlite", "postgres"])
def test_the_generic_operators_load_any_report_in_a_dag(
    name: str, airflow_db: Path, emulator: WolkvoxEmulator, wolkvox_conn: str, request: pytest.FixtureRequest
) -> None:
    from tests.unit.test_operators import xcom

    wh: Warehouse = request.getfixturevalue(f"{name}_warehouse")
    run = dag(airflow_db, f"wolkvox_test_any_{name}").test(logical_date=LOGICAL)
    assert run.state == "success", states(run)
    for api in ("cdr_1", "agent_3", "skill_1"):
        spec = REPORTS[api]
        summary = _windows(xcom(run, f"load_{api}"))
        check(wh, emulator, spec, summary)
    if name != "sqlite":
        return
    # Through XCom: skill_1's rows with the parameter asked for, each request window's own rows.
    rows = xcom(run, "skill_1")
    assert {r["requested_skill_id"] for r in rows} == {"all"}  # the parameter asked for
    assert {r["skill_id"] for r in rows} >= {SKILLS[0][0]}  # the row's own skill (a field kept on read)
    assert {(r["request_start"], r["request_end"]) for r in rows} == {
        (s.isoformat(), (s + HOUR).isoformat()) for s in (START + HOUR * i for i in range(4))
    }


class _Summary:
    def __init__(self, windows: tuple[tuple[Any, Any], ...]) -> None:
        self.windows = windows


def _windows(result: Mapping[str, Any]) -> _Summary:
    assert result["requests"] == 4
    return _Summary(tuple((START + HOUR * i, START + HOUR * (i + 1)) for i in range(4)))


def test_detail_rows_dated_outside_their_request_window_are_counted() -> None:
    """Rows belong to a window by their own date; the emulator answers exactly those (the
    every-report test checks it at each edge), and fetch counts any the API would not."""
    from airflow_provider_wolkvox.fetching.interval import _dated_outside

    spec = REPORTS["cdr_1"]
    at = spec.fields.index("date")
    row = [None] * len(spec.fields)
    dated = [(*row[:at], moment, *row[at + 1 :]) for moment in (START, END - timedelta(seconds=1), END)]
    assert _dated_outside(spec, dated, START, END) == 1  # the end is the next window's
    assert _dated_outside(REPORTS["agent_3"], dated, START, END) == 0  # no date of its own
