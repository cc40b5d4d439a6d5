"""Staging on a writer thread while the next request is out: exact loads, errors, no thread left."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any

import pendulum
import pytest

from airflow_provider_wolkvox.exceptions import WolkvoxRowError
from airflow_provider_wolkvox.staging.store import Staging
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.conftest import SERVER_LIMIT, connection_json

pytestmark = pytest.mark.airflow_release

DAY = pendulum.datetime(2026, 11, 27, 5, tz="UTC")  # local midnight in Bogota
END = DAY + timedelta(days=1)
COUNTS = "total_machine_recognitions, no_answer, answer_machine, busy, congestion, failed"


@pytest.fixture
def emu(token: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[WolkvoxEmulator]:
    """A small row cap, so one day takes several request windows."""
    shape = {"row_cap": 2_000, "dials_per_hour": 300, "telephones": 50_000}
    with WolkvoxEmulator(tokens=[token], seed=3, server_limit=SERVER_LIMIT, **shape) as e:  # type: ignore[arg-type]
        monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(e.base_url, token))
        yield e


@pytest.fixture
def add_threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The thread each ``Staging.add`` ran on, in order."""
    names: list[str] = []
    add = Staging.add

    def recorded(self: Staging, *args: Any, **kwargs: Any) -> None:
        names.append(threading.current_thread().name)
        add(self, *args, **kwargs)

    monkeypatch.setattr(Staging, "add", recorded)
    return names


def load_day() -> dict[str, Any]:
    from airflow_provider_wolkvox.transfers.machine_codes_to_sql import MachineCodesToSqlOperator

    operator = MachineCodesToSqlOperator(
        task_id="load",
        campaign_id="1",
        sql_conn_id="wolkvox_sqlite",
        window_start=DAY,
        window_end=END,
        max_request_window=timedelta(hours=3),
        learn_density=False,
        outlets=[],
    )
    return operator.execute({"outlet_events": {}})  # type: ignore[arg-type,no-any-return]


def loaded(path: Path) -> dict[str, tuple[int, ...]]:
    with sqlite3.connect(path) as db:
        rows = db.execute(f"SELECT telephone, {COUNTS} FROM wolkvox_machine_codes").fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}


def dump(path: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT * FROM wolkvox_machine_codes ORDER BY telephone").fetchall()


def writer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("wolkvox-staging")]


def test_windows_staged_on_the_writer_load_exactly_with_one_request_in_flight(
    emu: WolkvoxEmulator, warehouse: Path, add_threads: list[str], token: str
) -> None:
    result = load_day()
    assert result["requests"] >= 3, "the day must take several request windows for this test to mean anything"
    assert loaded(warehouse) == emu.ground_truth("1", DAY, END)
    assert len(add_threads) == result["requests"]
    assert all(name.startswith("wolkvox-staging") for name in add_threads)
    assert [t["max_in_flight"] for t in emu.stats()["tokens"].values()] == [1]
    assert writer_threads() == []


def test_a_writer_error_fails_the_task_and_leaves_the_warehouse_as_it_was(
    emu: WolkvoxEmulator, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider_wolkvox._compat import AirflowFailException

    load_day()
    before = dump(warehouse)
    calls = len(emu.stats()["log"])
    add = Staging.add
    seen: list[str] = []

    def second_window_fails(self: Staging, *args: Any, **kwargs: Any) -> None:
        seen.append(threading.current_thread().name)
        if len(seen) == 2:
            raise WolkvoxRowError("the second window could not be staged")
        add(self, *args, **kwargs)

    monkeypatch.setattr(Staging, "add", second_window_fails)
    with pytest.raises(AirflowFailException, match="the second window could not be staged"):
        load_day()
    assert seen[1].startswith("wolkvox-staging")
    # Raised at the next hand-over: one request went out after the failing window, no more.
    assert len(seen) == 2
    assert len(emu.stats()["log"]) - calls == 3
    assert dump(warehouse) == before
    assert writer_threads() == []


def test_an_api_error_while_a_window_is_written_leaves_no_thread(
    emu: WolkvoxEmulator, warehouse: Path, add_threads: list[str]
) -> None:
    from airflow_provider_wolkvox._compat import AirflowFailException

    emu.daily_quota = 2  # the third request is refused: the task fails while the second is staged
    with pytest.raises(AirflowFailException, match="quota"):
        load_day()
    assert add_threads == ["wolkvox-staging"] * 2
    # Nothing loaded; the ledger holds the failed try's calls, every request the server saw.
    with closing(sqlite3.connect(warehouse)) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert (
            "wolkvox_machine_codes" not in tables
            or not db.execute("SELECT count(*) FROM wolkvox_machine_codes").fetchone()[0]
        )
        failed = db.execute("SELECT api_calls FROM wolkvox_loads WHERE failed IS NOT NULL").fetchall()
    assert failed == [(len(emu.stats()["log"]),)]
    assert writer_threads() == []
