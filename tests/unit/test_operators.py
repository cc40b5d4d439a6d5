"""MachineCodesOperator run by Airflow itself with dag.test(), against the emulator."""

from __future__ import annotations

import json
from typing import Any

import pendulum
import pytest

from airflow_provider_wolkvox.pools.naming import pool_name
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.airflow_compat import dag_bag, dag_serialization, task_text

pytestmark = pytest.mark.airflow_release

END = pendulum.datetime(2026, 11, 27, 15, tz="UTC")


def load_dag(dags_folder: Any, dag_id: str) -> Any:
    bag = dag_bag(dag_folder=str(dags_folder / "wolkvox_test_operators.py"))
    assert not bag.import_errors, bag.import_errors
    return bag.dags[dag_id]


def run(dags_folder: Any, dag_id: str, logical_date: pendulum.DateTime = END) -> Any:
    return load_dag(dags_folder, dag_id).test(logical_date=logical_date)


def task_states(dag_run: Any) -> dict[str, tuple[str, int]]:
    return {ti.task_id: (ti.state, ti.try_number) for ti in dag_run.get_task_instances()}


def xcom(dag_run: Any, task_id: str) -> Any:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = session.scalars(
            XComModel.get_many(
                run_id=dag_run.run_id, dag_ids=dag_run.dag_id, task_ids=task_id, key="return_value"
            )
        ).first()
        return None if row is None else XComModel.deserialize_value(row)


def rendered_fields(dag_run: Any) -> list[Any]:
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.utils.session import create_session

    with create_session() as session:
        return [
            r.rendered_fields
            for r in session.query(RenderedTaskInstanceFields).filter_by(
                run_id=dag_run.run_id, dag_id=dag_run.dag_id
            )
        ]


def test_hourly_interval_returns_the_summed_rows(
    airflow_db: Any,
    emulator: WolkvoxEmulator,
    wolkvox_conn: str,
    token: str,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    dag_run = run(airflow_db, "wolkvox_test_hourly")
    assert dag_run.state == "success", task_states(dag_run)
    rows = xcom(dag_run, "machine_codes")
    start = END - pendulum.duration(hours=1)
    truth = emulator.ground_truth("1", start, END)
    assert {r["telephone"]: tuple(list(r.values())[4:]) for r in rows} == truth
    assert rows[0]["window_start"] == "2026-11-27T14:00:00+00:00"
    assert rows[0]["window_end"] == "2026-11-27T15:00:00+00:00"
    assert rows[0]["campaign_id"] == "1"
    assert isinstance(rows[0]["busy"], int)
    output = capsys.readouterr().out + caplog.text  # the task log, wherever pytest caught it
    assert "request 1/1 [2026-11-27 09:00, 10:00) -05:00 ->" in output
    # The token is in none of what Airflow stored or printed.
    stored = json.dumps(rows) + json.dumps(rendered_fields(dag_run), default=str)
    assert token not in stored
    assert token not in output


def test_zero_length_interval_fails_at_once_and_names_the_fix(
    airflow_db: Any, emulator: WolkvoxEmulator, wolkvox_conn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    dag_run = run(airflow_db, "wolkvox_test_zero_length")
    assert task_states(dag_run)["machine_codes"] == ("failed", 1)  # no retries for a bad window
    output = task_text(capsys.readouterr().out)
    assert "the window is empty" in output
    assert "CronDataIntervalTimetable" in output
    assert emulator.stats()["requests"] == 0


def test_zero_length_advice_keeps_the_dags_own_cadence_and_zone(
    airflow_db: Any, emulator: WolkvoxEmulator, wolkvox_conn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    dag_run = run(airflow_db, "wolkvox_test_zero_length_daily_bogota")
    assert task_states(dag_run)["machine_codes"] == ("failed", 1)
    output = task_text(capsys.readouterr().out)
    assert 'CronDataIntervalTimetable("0 6 * * *", timezone="America/Bogota")' in output
    assert '"0 * * * *"' not in output  # no hourly schedule offered to a daily DAG
    assert emulator.stats()["requests"] == 0


def test_a_connection_id_that_names_no_connection_is_named_as_such(
    airflow_db: Any,
    emulator: WolkvoxEmulator,
    wolkvox_conn: str,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_WOLKVOX_SQLITE", json.dumps({"conn_type": "sqlite", "host": str(tmp_path / "w.db")})
    )
    dag_run = run(airflow_db, "wolkvox_test_unknown_connection")
    assert task_states(dag_run)["load"] == ("failed", 1)  # not retried: a retry cannot add it
    output = task_text(capsys.readouterr().out)
    assert "connection 'wolkvox_eu' is not defined (wolkvox_conn_id='wolkvox_eu')" in output
    assert "density history" not in output  # not blamed on the history it could not plan
    assert emulator.stats()["requests"] == 0


@pytest.mark.parametrize(
    ("task_id", "message"),
    [
        ("none_start", "window_start rendered as 'None'"),
        ("naive", "window_start=2026-11-27T00:00:00 is naive"),
        ("inverted", "is after window_end"),
    ],
)
def test_bad_windows_fail_without_retries(
    airflow_db: Any,
    emulator: WolkvoxEmulator,
    wolkvox_conn: str,
    capsys: pytest.CaptureFixture[str],
    task_id: str,
    message: str,
) -> None:
    dag = load_dag(airflow_db, "wolkvox_test_bad_windows").partial_subset(task_ids=[task_id])
    dag_run = dag.test(logical_date=END)
    assert task_states(dag_run)[task_id] == ("failed", 1)
    assert message in task_text(capsys.readouterr().out)
    assert emulator.stats()["requests"] == 0


def test_pool_defaults_to_the_connection_and_user_pool_wins(airflow_db: Any) -> None:
    from airflow.sdk import DAG

    from airflow_provider_wolkvox.operators.machine_codes import MachineCodesOperator

    default = load_dag(airflow_db, "wolkvox_test_hourly").get_task("machine_codes")
    assert (default.pool, default.pool_slots) == (pool_name("wolkvox_default"), 1)
    with DAG("pools", schedule=None, default_args={"pool": "from_default_args"}):
        from_defaults = MachineCodesOperator(task_id="a", campaign_id="1", wolkvox_conn_id="other")
        explicit = MachineCodesOperator(task_id="b", campaign_id="1", pool="mine")
    with DAG("pools2", schedule=None):
        other = MachineCodesOperator(task_id="c", campaign_id="1", wolkvox_conn_id="other")
    assert from_defaults.pool == "from_default_args"
    assert explicit.pool == "mine"
    assert other.pool == pool_name("other") == "wolkvox_other"


def test_large_xcom_results_warn_and_point_to_the_sql_operator(capsys: pytest.CaptureFixture[str]) -> None:
    from airflow_provider_wolkvox.fetching.interval import FetchedInterval, FetchSummary
    from airflow_provider_wolkvox.operators.machine_codes import MachineCodesOperator
    from airflow_provider_wolkvox.reports import MachineCodesRow
    from airflow_provider_wolkvox.staging.store import Staging

    operator = MachineCodesOperator(task_id="t", campaign_id="1", xcom_warn_rows=2)
    with Staging() as staging:
        staging.add(MachineCodesRow(f"+5730000000{i}", 1, 1, 0, 0, 0, 0) for i in range(3))
        fetched = FetchedInterval("1", END.subtract(hours=1), END, "UTC", staging, FetchSummary(1, 1, 3))
        rows = operator.deliver(fetched)
    assert len(rows) == 3
    assert "use MachineCodesToSqlOperator" in capsys.readouterr().out


def test_mapped_tasks_get_the_connection_pool_too() -> None:
    from airflow.sdk import DAG

    from airflow_provider_wolkvox.operators.machine_codes import MachineCodesOperator
    from airflow_provider_wolkvox.transfers.machine_codes_to_sql import MachineCodesToSqlOperator

    with DAG("mapped", schedule=None) as dag:
        MachineCodesOperator.partial(task_id="default").expand(campaign_id=["1", "2"])
        MachineCodesToSqlOperator.partial(task_id="other", wolkvox_conn_id="other", sql_conn_id="s").expand(
            campaign_id=["1", "2"]
        )
        MachineCodesOperator.partial(task_id="explicit", pool="mine").expand(campaign_id=["1"])
    with DAG("mapped_defaults", schedule=None, default_args={"pool": "from_default_args"}) as dag2:
        MachineCodesOperator.partial(task_id="inherited").expand(campaign_id=["1"])

    # What the scheduler sees: the serialized DAG.
    serialization = dag_serialization()
    scheduled = serialization.deserialize_dag(serialization.serialize_dag(dag))
    assert {t.task_id: (t.pool, t.pool_slots) for t in scheduled.tasks} == {
        "default": ("wolkvox_wolkvox_default", 1),
        "other": ("wolkvox_other", 1),
        "explicit": ("mine", 1),
    }
    assert dag2.get_task("inherited").pool == "from_default_args"


def test_an_empty_interval_goes_to_xcom_as_nothing_unless_forbidden(
    airflow_db: Any, emulator: WolkvoxEmulator, wolkvox_conn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    dag_run = run(airflow_db, "wolkvox_test_xcom_empty")
    assert task_states(dag_run) == {"allow_empty_true": ("success", 1), "allow_empty_false": ("failed", 1)}
    assert xcom(dag_run, "allow_empty_true") == []
    assert xcom(dag_run, "allow_empty_false") is None  # nothing pushed for downstream tasks
    output = task_text(capsys.readouterr().out)
    assert "WolkvoxEmptyAnswerError" in output
    assert "check connection 'wolkvox_default'" in output
    assert "answered no rows for any of the 1 request window(s)" in output
