"""Session fixtures: two emulators, a warehouse database and one real Airflow deployment.

The figures the scenarios checked are printed at the end of every run (not only
with ``-s``) by :func:`pytest_terminal_summary`; when a scenario fails, so are the
last lines of each component's log, and the deployment folder is kept. Set
``WOLKVOX_IT_KEEP=1`` to keep it after a passing run too (the databases are always dropped).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests import leftovers
from tests.integration.deployment import AirflowDeployment, PostgresServer
from tests.integration.emulator_process import EmulatorProcess

HERE = Path(__file__).parent
REPO = HERE.parent.parent
FIGURES: dict[str, Any] = {}
_FAILED: list[str] = []
_TAILS: list[str] = []


def record(name: str, value: Any) -> None:
    """Keep a checked figure for the end-of-run summary."""
    FIGURES[name] = value


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed and item.get_closest_marker("integration"):
        _FAILED.append(item.nodeid)
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES and not _TAILS:
        return
    terminalreporter.section("wolkvox integration: figures checked under a real scheduler")
    for name, value in FIGURES.items():
        terminalreporter.write_line(f"{name:<44} {value}")
    for text in _TAILS:
        terminalreporter.section("wolkvox integration: component logs (a scenario failed)")
        terminalreporter.write_line(text)


def _token(label: str) -> str:
    return f"tok-{label}-{uuid.uuid4().hex}-SECRET"


SERVER_LIMIT = 2.0
"""The emulators' limit on one request's work (the vendor's is 60 s), and the connections'
``server_time_limit``: a request the hook gives up on keeps the token busy this long."""


def _wolkvox(base_url: str, token: str, timeout: float) -> str:
    extra = {
        "base_url": base_url,
        "timezone": "America/Bogota",
        "timeout": timeout,
        "server_time_limit": SERVER_LIMIT,
    }
    return json.dumps({"conn_type": "wolkvox", "host": "0032", "password": token, "extra": extra})


def warehouse_connection(server: PostgresServer, database: str) -> str:
    """``AIRFLOW_CONN_*`` value of the warehouse ``database`` on ``server``."""
    params = server.params
    return json.dumps(
        {
            "conn_type": "postgres",
            "host": params.get("host", "127.0.0.1"),
            "port": int(params.get("port", 5432)),
            "login": params.get("user", "postgres"),
            "password": params.get("password"),
            "schema": database,
        }
    )


def keep_tails(root: Path, deployment: AirflowDeployment, failed: bool) -> None:
    """After a failure, keep the deployment folder and show the last lines of each component's log."""
    if failed:
        _TAILS.append(f"deployment folder (kept): {root}\n{deployment.log_tails()}")


def failed_in(module: str) -> bool:
    """Whether an integration test of ``module`` (a file name) failed so far."""
    return any(module in nodeid for nodeid in _FAILED)


@dataclass
class Harness:
    """What the scenarios talk to."""

    airflow: AirflowDeployment
    emulator: EmulatorProcess
    faulty: EmulatorProcess
    tokens: dict[str, str]
    warehouse_dsn: str
    example_dags: list[str]
    started: float = field(default_factory=time.monotonic)


@pytest.fixture(scope="session")
def harness(pg_dsn: str) -> Iterator[Harness]:
    """A running deployment with every DAG parsed (all paused); torn down even when a test fails."""
    server = PostgresServer(pg_dsn)
    # pg_dsn swept databases of killed runs, pytest_configure their processes and folders.
    root = leftovers.mark_folder(Path(tempfile.mkdtemp(prefix="wolkvox-it-")))
    tokens = {"a": _token("a"), "b": _token("b"), "faults": _token("faults"), "answers": _token("answers")}
    warehouse = f"wolkvox_it_wh_{uuid.uuid4().hex[:10]}"
    started = time.monotonic()
    emulator = faulty = deployment = None
    try:
        components = root / "components"
        emulator = EmulatorProcess(
            "emulator", [tokens["a"], tokens["b"], tokens["answers"]], components, server_limit=SERVER_LIMIT
        )
        faulty = EmulatorProcess("emulator-faults", [tokens["faults"]], components, server_limit=SERVER_LIMIT)
        server.create(warehouse)
        connections = {
            "wolkvox_it_a": _wolkvox(emulator.base_url, tokens["a"], 10),
            "wolkvox_it_b": _wolkvox(emulator.base_url, tokens["b"], 10),
            "wolkvox_it_answers": _wolkvox(emulator.base_url, tokens["answers"], 10),  # test_answers.py
            # Shorter than the emulator's 3 s "timeout" fault, so the hook really times out; the server
            # goes on with the abandoned request until its 2 s limit, keeping the token busy.
            "wolkvox_it_faults": _wolkvox(faulty.base_url, tokens["faults"], 1.5),
            "wolkvox_it_warehouse": warehouse_connection(server, warehouse),
        }
        deployment = AirflowDeployment(root, server, connections)
        examples = sorted((REPO / "example_dags").glob("*.py"))
        own = [HERE / "dags" / "wolkvox_it_dags.py", HERE / "dags" / "wolkvox_it_answers.py"]
        deployment.install_dags([*own, *examples])
        deployment.start()
        record("deployment up (s)", round(time.monotonic() - started, 1))
        yield Harness(
            deployment, emulator, faulty, tokens, server.dsn_for(warehouse), [p.name for p in examples]
        )
    finally:
        if deployment is not None:
            if _FAILED:
                (root / leftovers.OWNER_FILE).unlink(missing_ok=True)  # kept on purpose: never swept
            keep_tails(root, deployment, bool(_FAILED))
        if deployment is not None:
            with contextlib.suppress(Exception):
                record("task instance tries, all DAGs (metadata DB)", deployment.count_tries())
        for part in (deployment, emulator, faulty):
            if part is not None:
                part.stop()
        server.drop(warehouse)
        if not _FAILED and not os.environ.get("WOLKVOX_IT_KEEP"):
            shutil.rmtree(root, ignore_errors=True)
        record("suite wall time (s)", round(time.monotonic() - started, 1))
