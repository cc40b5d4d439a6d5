"""The operators keep a density history between runs (dag.test() against the emulator): a second
run plans from the first one's answers, and a stale history still loads exactly."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pendulum
import pytest

from airflow_provider_wolkvox.fetching.density import DensityHistory, Observation
from airflow_provider_wolkvox.fetching.density_store import dumps, loads
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.airflow_compat import dag_bag, task_text
from tests.conftest import SERVER_LIMIT, connection_json

pytestmark = pytest.mark.airflow_release

FIRST = (pendulum.datetime(2026, 11, 27, 5, tz="UTC"), pendulum.datetime(2026, 11, 27, 8, tz="UTC"))
SECOND = (FIRST[1], pendulum.datetime(2026, 11, 27, 11, tz="UTC"))
CAP = 60_000
KEY = ("wolkvox_default", "campaign_8", "campaign_id=1")


@pytest.fixture
def dense(token: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[WolkvoxEmulator]:
    """About 30,000 telephones an hour: three hours hold one and a half caps' worth."""
    with WolkvoxEmulator(
        [token], seed=7, dials_per_hour=30_000, telephones=10_000_000, server_limit=SERVER_LIMIT
    ) as emu:
        monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(emu.base_url, token))
        yield emu


def query(path: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(path)) as db, db:
        return db.execute(sql, params).fetchall()


def loaded(path: Path, start: pendulum.DateTime) -> dict[str, tuple[int, ...]]:
    rows = query(
        path,
        "SELECT telephone, total_machine_recognitions, no_answer, answer_machine, busy, congestion, failed "
        "FROM wolkvox_machine_codes WHERE campaign_id = '1' AND window_start = ?",
        start.in_timezone("UTC").format("YYYY-MM-DDTHH:mm:ss") + "+00:00",
    )
    return {r[0]: tuple(r[1:]) for r in rows}


def stored(path: Path) -> DensityHistory:
    rows = query(path, "SELECT history FROM wolkvox_density WHERE wolkvox_conn_id = ? AND report_api = ? "
                 "AND scope = ?", *KEY)  # fmt: skip
    assert len(rows) == 1
    return loads(rows[0][0], "America/Bogota")


_BAGS: dict[Path, Any] = {}


def run(dags_folder: Path, dag_id: str, interval: tuple[pendulum.DateTime, pendulum.DateTime]) -> None:
    if dags_folder not in _BAGS:
        _BAGS[dags_folder] = bag = dag_bag(dag_folder=str(dags_folder))
        assert not bag.import_errors, bag.import_errors
    dag_run = _BAGS[dags_folder].dags[dag_id].test(logical_date=interval[1])
    assert dag_run.state == "success", {ti.task_id: ti.state for ti in dag_run.get_task_instances()}


def answers(emu: WolkvoxEmulator) -> list[int]:
    return [entry["rows"] for entry in emu.stats()["log"]]


def test_the_next_run_plans_from_the_history_and_stale_history_still_loads_exactly(
    airflow_db: Path, dense: WolkvoxEmulator, warehouse: Path
) -> None:
    run(airflow_db, "wolkvox_test_density_learn", FIRST)
    assert loaded(warehouse, FIRST[0]) == dense.ground_truth("1", *FIRST)
    first = stored(warehouse)
    assert first.known
    assert sum(first.seconds) == pytest.approx(3 * 3600, rel=1e-4)  # the run's three hours, observed

    dense.reset_stats()
    run(airflow_db, "wolkvox_test_density_blind", SECOND)
    blind = answers(dense)
    assert blind[0] == CAP  # blind: three hours asked at once, over the cap
    assert stored(warehouse) == first  # learn_density=False neither reads nor writes it

    dense.reset_stats()
    run(airflow_db, "wolkvox_test_density_learn", SECOND)
    planned = answers(dense)
    truth = dense.ground_truth("1", *SECOND)
    assert loaded(warehouse, SECOND[0]) == truth
    assert CAP not in planned
    assert len(planned) < len(blind), (planned, blind)
    assert sum(stored(warehouse).seconds) > sum(first.seconds)

    # A history that says the campaign is quiet (5 rows an hour for two weeks), written the way the
    # operator writes it: its first window is the whole interval, over the cap; still exact.
    quiet = DensityHistory.empty("America/Bogota")
    for hour in range(2 * 168, 0, -1):
        a = int(SECOND[0].timestamp()) - hour * 3600
        quiet = quiet.updated([Observation(a, a + 3600, 5)])
    query(warehouse, "UPDATE wolkvox_density SET history = ?", dumps(quiet))
    dense.reset_stats()
    run(airflow_db, "wolkvox_test_density_learn", SECOND)
    stale = answers(dense)
    assert stale[0] == CAP
    assert all(rows < CAP for rows in stale[-2:])
    assert loaded(warehouse, SECOND[0]) == truth
    assert stored(warehouse).rates() != quiet.rates()  # the run's answers replaced what it said


def test_the_xcom_operator_keeps_its_history_in_an_airflow_variable(
    airflow_db: Path, emulator: WolkvoxEmulator, wolkvox_conn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from airflow.models import Variable

    key = "wolkvox_density.wolkvox_default.campaign_8.campaign_id=2"
    end = pendulum.datetime(2026, 11, 27, 15, tz="UTC")
    Variable.delete(key)
    try:
        run(airflow_db, "wolkvox_test_density_xcom", (end.subtract(hours=1), end))
        first = loads(Variable.get(key), "America/Bogota")
        assert sum(first.seconds) == pytest.approx(3600, rel=1e-4)
        capsys.readouterr()
        run(airflow_db, "wolkvox_test_density_xcom", (end, end.add(hours=1)))
        assert f"planning request windows from Airflow Variable '{key}'" in task_text(capsys.readouterr().out)
        assert sum(loads(Variable.get(key), "America/Bogota").seconds) == pytest.approx(
            7200, rel=1e-3
        )  # the first hour decayed a little
    finally:
        Variable.delete(key)
