"""Metrics of one dag.test() load, sent by Airflow's StatsD client to a real UDP socket this test reads.

The first test runs its load in a fresh interpreter set up as a worker sets up its Stats; the others
(a process costs about 5 s of Airflow import) set up this process's Stats the same way, restored after.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.airflow_compat import newest_release_only
from tests.unit import test_transfer
from tests.unit.test_lineage import run_script
from tests.unit.test_transfer import END, FOUR_HOURS, Warehouse, dag

pytestmark = pytest.mark.airflow_release

sqlite_warehouse = test_transfer.sqlite_warehouse

# What a worker does before running a task (task_runner.main: stats.initialize); dag.test() skips it.
RUN = """
import json, sys
import pendulum
from tests.airflow_compat import dag_bag as DagBag
from tests.airflow_compat import make_dag_test_write_the_dag_first, share_one_in_process_api

make_dag_test_write_the_dag_first()
share_one_in_process_api()
from airflow.sdk.observability import stats
from airflow.sdk.observability.metrics import stats_utils
from airflow_provider_wolkvox.hooks.wolkvox import WolkvoxHook

stats.initialize(factory=stats_utils.get_stats_factory(), export_legacy_names=False)
dag = DagBag(dag_folder=sys.argv[1]).dags["wolkvox_test_4h_sqlite"]
run = dag.test(logical_date=pendulum.parse(sys.argv[2]))
info = WolkvoxHook().get_token_info()
print("RESULT", json.dumps({"state": run.state, "quota_left": info.available_consumption_options}))
"""

PACKET = re.compile(r"^(?P<name>[^,:]+)(?P<tags>(?:,[^:]*)?):(?P<value>[-\d.]+)\|(?P<kind>c|g|ms)")


@newest_release_only("Metrics through Stats", "docs/observability.md")
def test_one_load_sends_its_calls_rows_seconds_and_the_quota_left(
    airflow_db: Path, emulator: WolkvoxEmulator, wolkvox_conn: str, sqlite_warehouse: Warehouse, token: str
) -> None:
    emulator.set_faults(script=["none", "5xx"])  # the second request window is answered on its second try
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        listener.bind(("127.0.0.1", 0))
        env = {
            **os.environ,
            "AIRFLOW__METRICS__STATSD_ON": "True",
            "AIRFLOW__METRICS__STATSD_HOST": "127.0.0.1",
            "AIRFLOW__METRICS__STATSD_PORT": str(listener.getsockname()[1]),
            "AIRFLOW__METRICS__STATSD_INFLUXDB_ENABLED": "True",  # tags travel in the packet
        }
        result, stderr = run_script(RUN, str(airflow_db), END.isoformat(), env=env)
        assert result["state"] == "success", stderr[-3000:]
        packets = drain(listener)

    metrics: dict[tuple[str, str], list[float]] = defaultdict(list)
    for packet in packets:
        for line in packet.splitlines():
            match = PACKET.match(line)
            if match and match["name"].startswith("airflow.wolkvox."):
                metrics[match["name"].removeprefix("airflow."), match["tags"]].append(float(match["value"]))
    tags = ",conn_id=wolkvox_default,report=campaign_8"
    loaded = len(sqlite_warehouse.window("1", FOUR_HOURS[0]))
    counters = {name: sum(values) for (name, tag), values in metrics.items() if tag == tags}
    received = counters.pop("wolkvox.rows.received")
    api_wait, load_duration = counters.pop("wolkvox.api_wait"), counters.pop("wolkvox.load_duration")
    assert counters == {
        "wolkvox.calls.sent": 5,
        "wolkvox.calls.kept": 4,
        "wolkvox.calls.capped": 0,
        "wolkvox.calls.retried": 1,
        "wolkvox.rows.loaded": loaded,
    }
    assert received >= loaded > 0
    assert api_wait > 0
    assert load_duration > 0
    assert metrics["wolkvox.quota.left", ",conn_id=wolkvox_default"] == [result["quota_left"]]
    assert ("wolkvox.quota.used_today", ",conn_id=wolkvox_default") in metrics
    assert token not in "".join(packets)
    assert "tok-" not in "".join(packets)


@newest_release_only("Metrics through Stats", "docs/observability.md")
def test_reloaded_windows_are_counted_with_the_run_and_apart(
    airflow_db: Path, emulator: WolkvoxEmulator, wolkvox_conn: str, sqlite_warehouse: Warehouse
) -> None:
    """An hourly cdr_1 run that also reloads the two hours before its own: 3 calls, 2 of them reloading."""
    emulator.reset_stats()
    counters = counted("wolkvox_test_reload_sqlite", airflow_db, "cdr_1")
    loaded = sqlite_warehouse.query("SELECT count(*) FROM cdr_1_reload")[0][0]
    # Two tasks: "reload" (its hour and the two before: 3 calls) and "plain" (its hour: 1 call).
    assert counters["wolkvox.calls.kept"] == 3 + 1
    # Every request the server saw (a request given up on a busy machine and sent again included).
    sent = sum(1 for entry in emulator.stats()["log"] if entry["api"] == "cdr_1")
    assert counters["wolkvox.calls.sent"] == sent >= 3 + 1
    assert counters["wolkvox.calls.reload"] == 2
    plain = sqlite_warehouse.query("SELECT count(*) FROM cdr_1_plain")[0][0]
    assert counters["wolkvox.rows.loaded"] == loaded + plain > plain > 0


def counted(dag_id: str, airflow_db: Path, report: str) -> dict[str, float]:
    """Run ``dag_id`` (a successful dag.test(), in this process) with StatsD on; each metric of
    ``report`` summed."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        listener.bind(("127.0.0.1", 0))
        with stats_sent_to(listener.getsockname()[1]):
            run = dag(airflow_db, dag_id).test(logical_date=END)
        assert run.state == "success", {ti.task_id: ti.state for ti in run.get_task_instances()}
        packets = drain(listener)
    counters: dict[str, float] = defaultdict(float)
    for packet in packets:
        for line in packet.splitlines():
            match = PACKET.match(line)
            if match and match["tags"] == f",conn_id=wolkvox_default,report={report}":
                counters[match["name"].removeprefix("airflow.")] += float(match["value"])
    return counters


@contextlib.contextmanager
def stats_sent_to(port: int) -> Iterator[None]:
    """This process's Stats set up as :data:`RUN` sets up a worker's, sending StatsD to ``port`` (sent
    at once: every datagram is in the listener's buffer when the load returns); restored after."""
    from airflow.sdk._shared.observability.metrics import stats as state
    from airflow.sdk.observability import stats
    from airflow.sdk.observability.metrics import stats_utils

    with pytest.MonkeyPatch.context() as patch:
        for name in ("_factory", "_backend", "_export_legacy_names"):
            patch.setattr(state, name, getattr(state, name))
        patch.setenv("AIRFLOW__METRICS__STATSD_ON", "True")
        patch.setenv("AIRFLOW__METRICS__STATSD_HOST", "127.0.0.1")
        patch.setenv("AIRFLOW__METRICS__STATSD_PORT", str(port))
        patch.setenv("AIRFLOW__METRICS__STATSD_INFLUXDB_ENABLED", "True")  # tags travel in the packet
        stats.initialize(factory=stats_utils.get_stats_factory(), export_legacy_names=False)
        try:
            yield
        finally:
            backend: Any = state._backend
            client = getattr(backend, "statsd", None)
            if client is not None:
                client.close()


def drain(listener: socket.socket) -> list[str]:
    """Every datagram already received (the sender has exited, so nothing more is coming)."""
    listener.setblocking(False)
    packets = []
    while True:
        try:
            packets.append(listener.recv(65536).decode())
        except BlockingIOError:
            return packets


@newest_release_only("Metrics through Stats", "docs/observability.md")
def test_characters_no_warehouse_stores_are_counted(
    airflow_db: Path, emulator: WolkvoxEmulator, wolkvox_conn: str, sqlite_warehouse: Warehouse
) -> None:
    """Every telephone of the answers ends in a NUL: stored as U+FFFD, one replaced character each."""
    emulator.set_fields("campaign_8", suffixed={"telephone": "\x00"})
    counters = counted("wolkvox_test_4h_sqlite", airflow_db, "campaign_8")
    stored = sqlite_warehouse.window("1", FOUR_HOURS[0])
    assert stored
    assert all(telephone.endswith("\ufffd") for telephone in stored)
    assert counters["wolkvox.chars.replaced"] == counters["wolkvox.rows.received"] > 0
