"""What Airflow itself prints or emits around a Wolkvox task holds no token, on every release:
``dag.test()`` at DEBUG, and the OpenLineage FAIL event of a task the server answered with the
token in its error text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.airflow_compat import newest_release_only
from tests.unit.test_lineage import RUN, result_of
from tests.unit.test_operators import END

pytestmark = pytest.mark.airflow_release


def run_hourly(dags_folder: Path, **env: str) -> tuple[Any, str]:
    """dag.test() of ``wolkvox_test_hourly`` in a fresh interpreter (Airflow reads its logging level
    once): the DAG's state, and everything it printed (task logs go to stdout, with structlog's)."""
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(dags_folder), END.isoformat(), "wolkvox_test_hourly"],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return result_of(done.stdout)["wolkvox_test_hourly"], done.stdout + done.stderr


def test_dag_test_at_debug_prints_no_token(
    airflow_db: Path, emulator: WolkvoxEmulator, wolkvox_conn: str, token: str
) -> None:
    """Airflow's in-process supervisor logs each request to it at DEBUG, ``MaskSecret`` bodies (the
    connection's password) included; the provider makes it omit them, as a deployment's does."""
    state, printed = run_hourly(airflow_db, AIRFLOW__LOGGING__LOGGING_LEVEL="DEBUG")
    assert state == "success"
    assert emulator.stats()["requests"] == 1
    assert token not in printed
    # The debug lines are there (so the check above read DEBUG output), without their bodies.
    assert "MaskSecret (body omitted)" in printed


@newest_release_only("OpenLineage events", "docs/observability.md")
def test_the_lineage_fail_event_holds_the_servers_text_scrubbed(
    airflow_db: Path, emulator: WolkvoxEmulator, wolkvox_conn: str, token: str, tmp_path: Path
) -> None:
    lineage = tmp_path / "lineage.jsonl"
    transport = {"type": "file", "log_file_path": str(lineage), "append": True}
    emulator.set_faults(script=["echo_token"] * 3)  # every try of the task, retries included
    state, printed = run_hourly(airflow_db, AIRFLOW__OPENLINEAGE__TRANSPORT=json.dumps(transport))
    assert state == "failed"
    text = lineage.read_text()
    assert token not in text + printed
    events = [json.loads(line) for line in text.splitlines() if line.strip()]
    failed = [
        e for e in events if e.get("eventType") == "FAIL" and e["job"]["name"].endswith(".machine_codes")
    ]
    assert failed, [e.get("eventType") for e in events]
    message = failed[-1]["run"]["facets"]["errorMessage"]["message"]
    assert "(wolkvox-token *** was received)" in message
