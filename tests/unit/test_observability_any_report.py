"""Lineage, metrics, asset events and the Wolkvox view hold for reports without a campaign, not only
campaign_8: one dag.test() run of the any-report DAG (cdr_1 with no parameters, agent_3, skill_1
with ``skill_id=all``, kept per request window and answered with a field beyond its spec) with
OpenLineage's file transport and StatsD sending to a UDP socket the test reads."""

from __future__ import annotations

import json
import os
import socket
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import pytest

from airflow_provider_wolkvox.reports import REPORTS
from airflow_provider_wolkvox.reports.stored import stored_spec
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.airflow_compat import newest_release_only
from tests.unit.test_any_report import LOGICAL, parameter_columns
from tests.unit.test_assets import asset_events, expected_uri
from tests.unit.test_lineage import asset_as_openlineage, complete_events, run_script
from tests.unit.test_metrics import PACKET, drain
from tests.unit.test_transfer import Warehouse, sqlite_warehouse  # noqa: F401 (fixture)

pytestmark = pytest.mark.airflow_release

DAG_ID = "wolkvox_test_any_sqlite"
LOADS = {"cdr_1": {}, "agent_3": {}, "skill_1": {"skill_id": "all"}}
"""The DAG's SQL loads: report -> the parameters it asks for."""
HOURS = [13, 14, 15, 16]
"""The UTC hours of 2026-11-27 every load covers (four request windows of an hour)."""

RUN = """
import json, sys
import pendulum
from tests.airflow_compat import dag_bag as DagBag
from tests.airflow_compat import make_dag_test_write_the_dag_first, share_one_in_process_api

make_dag_test_write_the_dag_first()
share_one_in_process_api()
from airflow.sdk.observability import stats
from airflow.sdk.observability.metrics import stats_utils

stats.initialize(factory=stats_utils.get_stats_factory(), export_legacy_names=False)
dag = DagBag(dag_folder=sys.argv[1]).dags[sys.argv[3]]
run = dag.test(logical_date=pendulum.parse(sys.argv[2]))
print("RESULT", json.dumps({"state": run.state, "run_id": run.run_id}))
"""


@newest_release_only("OpenLineage events and metrics", "docs/observability.md")
def test_reports_without_a_campaign_have_lineage_metrics_asset_figures_and_a_calendar(
    airflow_db: Path,
    emulator: WolkvoxEmulator,
    wolkvox_conn: str,
    sqlite_warehouse: Warehouse,  # noqa: F811
    token: str,
    tmp_path: Path,
) -> None:
    lineage = tmp_path / "lineage.jsonl"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        listener.bind(("127.0.0.1", 0))
        env = {
            **os.environ,
            "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(
                {"type": "file", "log_file_path": str(lineage), "append": True}
            ),
            "AIRFLOW__METRICS__STATSD_ON": "True",
            "AIRFLOW__METRICS__STATSD_HOST": "127.0.0.1",
            "AIRFLOW__METRICS__STATSD_PORT": str(listener.getsockname()[1]),
            "AIRFLOW__METRICS__STATSD_INFLUXDB_ENABLED": "True",
        }
        result, stderr = run_script(RUN, str(airflow_db), LOGICAL.isoformat(), DAG_ID, env=env)
        assert result["state"] == "success", stderr[-3000:]
        packets = drain(listener)
    assert token not in lineage.read_text() + "".join(packets)

    tables = {api: table_of(sqlite_warehouse, api) for api in LOADS}
    events = complete_events(lineage)
    extras = asset_events(result["run_id"])
    counters = statsd_counters(packets)
    for api, params in LOADS.items():
        columns, rows = tables[api]
        label = "/".join([api, *(f"{k}={v}" for k, v in params.items())])

        # Lineage: the report by its parameters, the table by its real columns and rows.
        load = events[f"{DAG_ID}.load_{api}"]
        [source] = load["inputs"]
        assert (source["namespace"], source["name"]) == ("wolkvox://wv0032.wolkvox.com", label)
        read = [f["name"] for f in source["facets"]["schema"]["fields"]]
        assert read[: len(REPORTS[api].fields)] == list(REPORTS[api].fields), api
        spec = REPORTS[api]
        window = [*parameter_columns(spec, columns), "window_start", "window_end"]
        beyond = set(columns) - {*window, *stored_spec(spec).fields, "loaded_at"}
        assert set(read) == {*REPORTS[api].fields, *beyond}, api
        assert beyond or api != "cdr_1"  # the emulator's CDR sends fields its spec does not list
        [table] = load["outputs"]
        uri = expected_uri(sqlite_warehouse, REPORTS[api].default_table)
        assert (table["namespace"], table["name"]) == asset_as_openlineage(uri)
        written = [f["name"] for f in table["facets"]["schema"]["fields"]]
        assert written[: len(window)] == window
        assert sorted(written) == sorted(columns), api  # fields beyond the spec included
        assert table["outputFacets"]["outputStatistics"]["rowCount"] == rows

        # Asset event: the report's own parameters, the window, rows and calls.
        [extra] = extras[uri]
        assert "campaign_id" not in extra
        assert extra["report"] == api
        assert extra["report_params"] == params
        assert (extra["window_start"], extra["window_end"]) == (
            "2026-11-27T13:00:00+00:00",
            "2026-11-27T17:00:00+00:00",
        )
        assert (extra["rows_loaded"], extra["request_windows"]) == (rows, 4), api
        assert extra["api_calls"] >= 4

        # Metrics: tagged with the report; one task each, except skill_1 (also through XCom).
        tags = counters[f",conn_id=wolkvox_default,report={api}"]
        tasks = 2 if api == "skill_1" else 1
        assert tags["wolkvox.calls.kept"] == 4 * tasks, api
        assert tags["wolkvox.rows.loaded"] == rows, api
        if tasks == 1:
            assert tags["wolkvox.calls.sent"] == extra["api_calls"], api

    # The XCom operator reads skill_1 and writes no table.
    xcom = events[f"{DAG_ID}.skill_1"]
    assert [d["name"] for d in xcom["inputs"]] == ["skill_1/skill_id=all"]
    assert xcom["outputs"] == []

    # The Wolkvox view sees these loads: their calls, and a calendar per report and parameters.
    from airflow_provider_wolkvox.ui.page import render_page
    from airflow_provider_wolkvox.ui.recorded import RecordedLoad, calls_since, month_calendars

    recorded = [
        RecordedLoad.from_event(datetime.now(timezone.utc), extra)
        for uri, run_extras in extras.items()
        if not uri.startswith("x-wolkvox://")
        for extra in run_extras
    ]
    assert None not in recorded
    assert len(recorded) == len(LOADS)
    loads = [load for load in recorded if load is not None]
    assert calls_since(loads, "wolkvox_default", datetime(2026, 1, 1, tzinfo=timezone.utc)) == sum(
        load.api_calls for load in loads
    )
    calendars = {(c.report, c.params): c for c in month_calendars(loads, 2026, 11)}
    assert set(calendars) == {("cdr_1", "-"), ("agent_3", "-"), ("skill_1", "skill_id=all")}
    for (api, _), calendar in calendars.items():
        state = "loaded" if tables[api][1] else "empty"
        day = calendar.hours[26]  # 2026-11-27
        assert [h for h, s in enumerate(day) if s != "missing"] == HOURS
        assert {day[h] for h in HOURS} == {state}
        assert calendar.count("missing") == 30 * 24 - len(HOURS)
    page = render_page(
        base="/wolkvox",
        today=[],
        calendars=list(calendars.values()),
        month="2026-11",
        quota_message=None,
        generated_at=datetime(2026, 11, 28, tzinfo=timezone.utc),
    )
    assert 'data-key="wolkvox_default/skill_1/skill_id=all"' in page
    assert 'data-key="wolkvox_default/cdr_1/-"' in page
    assert "wolkvox_default · cdr_1 · no parameters" in page
    assert "wolkvox_default · skill_1 · skill_id=all" in page
    assert "campaign" not in page.split('<section class="calendar"', 1)[1]


def table_of(warehouse: Warehouse, api: str) -> tuple[list[str], int]:
    """The table's columns, in order, and its row count."""
    table = REPORTS[api].default_table
    columns = [row[1] for row in warehouse.query(f"PRAGMA table_info({table})")]
    [(rows,)] = warehouse.query(f"SELECT COUNT(*) FROM {table}")
    return columns, rows


def statsd_counters(packets: list[str]) -> dict[str, dict[str, float]]:
    """Tags -> metric name -> the sum of its values, for the provider's metrics."""
    counters: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for packet in packets:
        for line in packet.splitlines():
            match = PACKET.match(line)
            if match and match["name"].startswith("airflow.wolkvox."):
                counters[match["tags"]][match["name"].removeprefix("airflow.")] += float(match["value"])
    return counters
