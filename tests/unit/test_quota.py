"""A spent daily quota: defer until the operation's local midnight, or fail saying when it resets."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pendulum
import pytest
import time_machine

from airflow_provider_wolkvox.hooks.wolkvox import WolkvoxHook
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from airflow_provider_wolkvox.windows import next_local_midnight
from tests.conftest import connection_json
from tests.unit.test_operators import load_dag, task_states, xcom

HOUR = (pendulum.datetime(2026, 11, 27, 14, tz="UTC"), pendulum.datetime(2026, 11, 27, 15, tz="UTC"))
BOGOTA_LATE = datetime(2026, 11, 28, 4, 59, 40, tzinfo=timezone.utc)  # 23:59:40 in Bogota


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
    airflow_db: Path, spent: WolkvoxEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    with time_machine.travel(BOGOTA_LATE, tick=True) as traveller:
        WolkvoxHook().get_token_info()  # spends the day's only call
        # The trigger waits in steps of up to 10 s; jump the clock past midnight once it waits.
        jump = threading.Timer(
            4, traveller.move_to, args=(datetime(2026, 11, 28, 5, 1, 30, tzinfo=timezone.utc),)
        )
        jump.start()
        try:
            dag_run = load_dag(airflow_db, "wolkvox_test_quota_wait").test(logical_date=HOUR[1])
        finally:
            jump.cancel()
    assert task_states(dag_run)["machine_codes"] == ("success", 1)
    rows = xcom(dag_run, "machine_codes")
    assert {r["telephone"]: tuple(list(r.values())[4:]) for r in rows} == spent.ground_truth("1", *HOUR)
    statuses = [entry["status"] for entry in spent.stats()["log"]]
    assert statuses == [200, 403, 200]  # the spent call, the refusal, the call after midnight
    assert "deferring until 2026-11-28 00:01" in capsys.readouterr().out
