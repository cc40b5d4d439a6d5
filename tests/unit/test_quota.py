"""A spent daily quota: defer until the operation's local midnight, or fail saying when it resets."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pendulum
import pytest
import time_machine

from airflow_provider_wolkvox.client.windows import next_local_midnight
from airflow_provider_wolkvox.hooks.wolkvox import WolkvoxHook
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.conftest import connection_json
from tests.unit.test_operators import load_dag, task_states, xcom

pytestmark = pytest.mark.airflow_release

HOUR = (pendulum.datetime(2026, 11, 27, 14, tz="UTC"), pendulum.datetime(2026, 11, 27, 15, tz="UTC"))
# 23:59:05 in Bogota: under a minute before the reset, and under 2 minutes before the deferral ends,
# so DateTimeTrigger polls every 10 s rather than every minute.
BOGOTA_LATE = datetime(2026, 11, 28, 4, 59, 5, tzinfo=timezone.utc)
AFTER_RESET = datetime(2026, 11, 28, 5, 1, 30, tzinfo=timezone.utc)  # 00:01:30, past the 1-minute margin


def jump_past_midnight_once_deferred(traveller: Any, monkeypatch: pytest.MonkeyPatch) -> threading.Thread:
    """Move the clock past the quota reset as soon as the task defers (its resume time is fixed by
    then): the operator's own ``defer`` runs unchanged, and signals first."""
    from airflow_provider_wolkvox.operators.base import WolkvoxWindowOperator

    deferred = threading.Event()
    original = WolkvoxWindowOperator.defer

    def defer(self: Any, **kwargs: Any) -> Any:
        deferred.set()
        return original(self, **kwargs)

    monkeypatch.setattr(WolkvoxWindowOperator, "defer", defer)

    def watch() -> None:
        if deferred.wait(timeout=300):
            traveller.move_to(AFTER_RESET)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def spent(token: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An emulator whose one daily call is already spent."""
    with WolkvoxEmulator(tokens=[token], daily_quota=1) as emu:
        monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(emu.base_url, token))
        yield emu


def test_next_local_midnight() -> None:
    assert next_local_midnight("America/Bogota", pendulum.datetime(2026, 11, 28, 4, 59, tz="UTC")) == (
        pendulum.datetime(2026, 11, 28, 5, tz="UTC")
    )
    assert next_local_midnight("America/Bogota", pendulum.datetime(2026, 11, 28, 5, tz="UTC")) == (
        pendulum.datetime(2026, 11, 29, 5, tz="UTC")
    )


def test_spent_quota_fails_at_once_saying_when_it_resets(
    airflow_db: Path, spent: WolkvoxEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    WolkvoxHook().get_token_info()  # spends the day's only call
    dag_run = load_dag(airflow_db, "wolkvox_test_quota_fail").test(logical_date=HOUR[1])
    assert task_states(dag_run)["machine_codes"] == ("failed", 1)
    output = capsys.readouterr().out
    assert "TOKEN LIMIT EXCEEDED" in output
    assert "The quota resets at local midnight" in output
    assert "wait_for_quota=True" in output


def test_spent_quota_defers_past_local_midnight_then_loads_the_interval(
    airflow_db: Path,
    spent: WolkvoxEmulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with time_machine.travel(BOGOTA_LATE, tick=True) as traveller:
        WolkvoxHook().get_token_info()  # spends the day's only call
        # The trigger checks the clock at least every 10 s; move it past midnight once refused.
        watcher = jump_past_midnight_once_deferred(traveller, monkeypatch)
        dag_run = load_dag(airflow_db, "wolkvox_test_quota_wait").test(logical_date=HOUR[1])
        watcher.join(5)
    assert task_states(dag_run)["machine_codes"] == ("success", 1)
    rows = xcom(dag_run, "machine_codes")
    assert {r["telephone"]: tuple(list(r.values())[4:]) for r in rows} == spent.ground_truth("1", *HOUR)
    statuses = [entry["status"] for entry in spent.stats()["log"]]
    assert statuses == [200, 403, 200]  # the spent call, the refusal, the call after midnight
    assert "deferring until 2026-11-28 00:01" in capsys.readouterr().out


def test_a_backfill_that_runs_out_of_quota_waits_and_loads_every_interval_once(
    airflow_db: Path, token: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json
    import sqlite3

    warehouse = tmp_path / "warehouse.db"
    monkeypatch.setenv(
        "AIRFLOW_CONN_WOLKVOX_SQLITE", json.dumps({"conn_type": "sqlite", "host": str(warehouse)})
    )
    hours = [HOUR[1].add(hours=i) for i in range(3)]  # three hourly intervals, two calls of quota a day
    with WolkvoxEmulator(tokens=[token], daily_quota=2) as emu:
        monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(emu.base_url, token))
        backfill = load_dag(airflow_db, "wolkvox_test_quota_backfill")
        with time_machine.travel(BOGOTA_LATE, tick=True) as traveller:
            watcher = jump_past_midnight_once_deferred(traveller, monkeypatch)
            runs = [backfill.test(logical_date=end) for end in hours]
            watcher.join(5)
        truth = {end: emu.ground_truth("1", end.subtract(hours=1), end) for end in hours}
        statuses = [entry["status"] for entry in emu.stats()["log"]]
    assert [task_states(run)["load"][0] for run in runs] == ["success"] * 3
    assert statuses == [200, 200, 403, 200]
    db = sqlite3.connect(warehouse)
    for end in hours:
        start_text = end.subtract(hours=1).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        rows = db.execute(
            "SELECT telephone, total_machine_recognitions, no_answer, answer_machine, busy, congestion, "
            "failed FROM wolkvox_machine_codes WHERE window_start = ?",
            (start_text,),
        ).fetchall()
        assert {r[0]: tuple(r[1:]) for r in rows} == truth[end]
    total, distinct = db.execute(
        "SELECT COUNT(*), COUNT(DISTINCT window_start || telephone) FROM wolkvox_machine_codes"
    ).fetchone()
    assert total == distinct == sum(len(t) for t in truth.values())
