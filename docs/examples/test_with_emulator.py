"""Testing your own Wolkvox code against the local emulator (docs/emulator.md includes this file)."""

import json
from collections.abc import Iterator
from datetime import timedelta

import pendulum
import pytest

from airflow_provider_wolkvox.hooks.wolkvox import WolkvoxHook
from airflow_provider_wolkvox.operators.machine_codes import MachineCodesOperator
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator

TOKEN = "test-token"  # noqa: S105 (the emulator's, not a real token)
START = pendulum.datetime(2026, 11, 27, 5, tz="UTC")  # local midnight in Bogota
END = START.add(hours=6)


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[WolkvoxEmulator]:
    with WolkvoxEmulator(tokens=[TOKEN], seed=7, telephones=2_000) as emu:
        monkeypatch.setenv(
            "AIRFLOW_CONN_WOLKVOX_DEFAULT",
            json.dumps(
                {
                    "conn_type": "wolkvox",
                    "password": TOKEN,
                    "extra": {"base_url": emu.base_url, "timezone": "America/Bogota", "timeout": 5},
                }
            ),
        )
        yield emu


def test_hook_returns_the_exact_rows(emulator: WolkvoxEmulator) -> None:
    hook = WolkvoxHook()
    rows = hook.get_machine_codes("1", START, END)
    assert {r.telephone: tuple(r[1:]) for r in rows} == emulator.ground_truth("1", START, END)
    assert hook.calls == 1


def test_operator_sums_split_windows(emulator: WolkvoxEmulator) -> None:
    op = MachineCodesOperator(
        task_id="codes",
        campaign_id="all",
        window_start=START,
        window_end=END,
        max_request_window=timedelta(hours=1),
    )
    rows = op.execute(context={})
    truth = emulator.ground_truth("all", START, END)
    assert {r["telephone"]: r["total_machine_recognitions"] for r in rows} == {
        phone: counts[0] for phone, counts in truth.items()
    }
    assert emulator.stats()["requests"] == 6  # one per hour
    assert max(t["max_in_flight"] for t in emulator.stats()["tokens"].values()) == 1


def test_retries_a_transient_failure(emulator: WolkvoxEmulator) -> None:
    emulator.set_faults(script=["5xx"])
    hook = WolkvoxHook(backoff_seconds=0.01)
    assert hook.get_machine_codes("1", START, END)
    assert hook.calls == 2
