"""PostgreSQL overlap staging (``stage_in_warehouse=True``) for every summed report it takes besides
campaign_8 (whose staging has a path of its own): the generic COPY encoding, the per-key sums and
the final transaction, checked against the emulator's answer for the whole interval, read by the
test's own reader (tests/unit/expected.py), and loaded twice to the same rows."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import pendulum
import pytest

from airflow_provider_wolkvox.reports import REPORTS
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.airflow_compat import newest_release_only
from tests.unit.expected import comparable, kind_of, read
from tests.unit.test_overlap_load import STAGE_TABLES, pg, query  # noqa: F401 (fixture)

pytestmark = [
    newest_release_only("The PostgreSQL overlap load (provider logic, not Airflow compatibility)"),
    pytest.mark.airflow_release,
]

TZ = "America/Bogota"
START = pendulum.datetime(2026, 11, 27, 13, tz="UTC")  # 08:00 in Bogota: chats come in office hours
END = START.add(hours=4)
SUMMED = {"campaign_6": {"campaign_id": "1"}, "campaign_10": {"campaign_id": "1"}, "chat_13": {}}
"""The summed reports of text keys and integer counts that overlap staging takes, but campaign_8."""


def test_overlap_staging_takes_exactly_these_reports() -> None:
    from airflow_provider_wolkvox.sql.overlap import can_overlap

    assert sorted(api for api, spec in REPORTS.items() if can_overlap(spec)) == sorted(
        [*SUMMED, "campaign_8"]
    )


def run(api: str) -> Any:
    from airflow.sdk.execution_time.context import OutletEventAccessors
    from pendulum import duration

    from airflow_provider_wolkvox.transfers.report_to_sql import WolkvoxReportToSqlOperator

    operator = WolkvoxReportToSqlOperator(
        task_id=f"overlap_{api}_{uuid.uuid4().hex[:6]}",
        api=api,
        report_params=SUMMED[api],
        sql_conn_id="wolkvox_pg",
        window_start=START.isoformat(),
        window_end=END.isoformat(),
        max_request_window=duration(hours=1),  # four request windows, summed per key
        stage_in_warehouse=True,
    )
    return operator.execute(context={"outlet_events": OutletEventAccessors()})  # type: ignore[arg-type]


@pytest.mark.parametrize("api", sorted(SUMMED))
def test_a_summed_report_staged_in_postgres_loads_the_emulators_interval_exactly_twice_over(
    api: str,
    emulator: WolkvoxEmulator,
    wolkvox_conn: str,
    pg: str,  # noqa: F811 (the fixture)
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = REPORTS[api]
    kinds = [kind_of(api, f.api_name) for f in spec.schema]
    truth = sorted(
        tuple(comparable(k, read(k, raw[f.api_name], TZ)) for k, f in zip(kinds, spec.schema, strict=True))
        for raw in emulator.ground_truth_rows(api, SUMMED[api], START, END)
    )
    assert truth, api
    hours = [
        emulator.ground_truth_rows(api, SUMMED[api], START.add(hours=h), START.add(hours=h + 1))
        for h in range(4)
    ]
    assert sum(map(len, hours)) > len(truth), "keys repeat across request windows: the sums matter"

    names = ", ".join(f'"{f.name}"' for f in spec.schema)

    def loaded() -> list[tuple[Any, ...]]:
        rows = query(pg, f"SELECT {names} FROM {spec.default_table}")
        return sorted(tuple(comparable(k, v) for k, v in zip(kinds, row, strict=True)) for row in rows)

    with caplog.at_level(logging.INFO, logger="airflow_provider_wolkvox.sql.overlap"):
        first = run(api)
    assert "staged in PostgreSQL while fetching" in caplog.text + capsys.readouterr().out
    assert (first["requests"], first["rows"]) == (4, len(truth))
    assert loaded() == truth
    run(api)
    assert loaded() == truth  # replaced, not added to
    assert query(pg, STAGE_TABLES) == [(0,)]
