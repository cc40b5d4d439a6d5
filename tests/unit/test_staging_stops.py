"""A task ends when Airflow says so, whatever its staging writer is doing, and leaves no staging file.

Each case runs a load in a subprocess (a task's process) against the emulator and a SQLite
warehouse, with the staging writer stuck: in an SQL statement that never ends, or in a Python loop
that checks nothing. The task's ``execution_timeout`` (Airflow's SIGALRM handler raising
``AirflowTaskTimeout`` in the main thread) or a SIGTERM (Airflow's handler calling ``on_kill``)
must end the process, with the staging file removed; the test waits a bounded time, so a hang
fails it instead of hanging it. A file a SIGKILLed task left is removed by the next staging.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from airflow_provider_wolkvox.staging.store import Staging
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator

pytestmark = pytest.mark.airflow_release

DEADLINE = 120.0
"""How long a stopped task may take to end before the test calls it a hang (a loaded machine)."""

TASK = textwrap.dedent(
    """
    import json, os, signal, sys
    from pathlib import Path

    import pendulum

    from airflow_provider_wolkvox.staging.store import Staging
    from airflow_provider_wolkvox.transfers.report_to_sql import WolkvoxReportToSqlOperator

    stuck_in, stopped_by, mark = sys.argv[1], sys.argv[2], Path(sys.argv[3])

    def stuck(self, *args, **kwargs):
        mark.write_text(self.path)
        if stopped_by == "timeout":  # the task's execution_timeout runs out while the writer is stuck
            signal.setitimer(signal.ITIMER_REAL, 1.0)
        if stuck_in == "sql":  # a statement that never ends
            self._db.execute(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
            ).fetchone()
        while True:  # Python that checks nothing
            pass

    Staging.add = stuck
    start = pendulum.datetime(2026, 11, 27, 13, tz="UTC")
    task = WolkvoxReportToSqlOperator(
        task_id="load", api="cdr_2", sql_conn_id="wolkvox_sqlite", window_start=start,
        window_end=start.add(hours=1), learn_density=False, outlets=[],
    )
    try:
        from airflow.sdk.exceptions import AirflowTaskTimeout
    except ImportError:
        from airflow.exceptions import AirflowTaskTimeout

    def alarm(signum, frame):  # what Airflow's execution_timeout does (airflow.sdk ... timeout)
        raise AirflowTaskTimeout("Timeout")

    signal.signal(signal.SIGALRM, alarm)
    signal.signal(signal.SIGTERM, lambda signum, frame: task.on_kill())  # Airflow's task runner
    ended = "nothing"
    try:
        task.execute({"outlet_events": {}})
    except BaseException as err:
        ended = type(err).__name__
        if stopped_by == "timeout":
            task.on_kill()  # as the task runner does after a timeout
    print(json.dumps({"ended": ended, "staging": mark.read_text() if mark.exists() else None}))
    """
)


@pytest.mark.parametrize("stuck_in", ["sql", "python"])
@pytest.mark.parametrize("stopped_by", ["timeout", "sigterm"])
def test_a_stopped_task_ends_whatever_its_writer_does_and_removes_its_staging(
    stuck_in: str, stopped_by: str, emulator: WolkvoxEmulator, wolkvox_conn: str, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse.db"
    staging_dir = tmp_path / "tmp"
    staging_dir.mkdir()
    mark = tmp_path / "writing"
    env = {
        **os.environ,
        "AIRFLOW_CONN_WOLKVOX_SQLITE": json.dumps({"conn_type": "sqlite", "host": str(warehouse)}),
        "TMPDIR": str(staging_dir),
    }
    task = subprocess.Popen(
        [sys.executable, "-c", TASK, stuck_in, stopped_by, str(mark)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        if stopped_by == "sigterm":
            waited = time.monotonic() + DEADLINE
            while not mark.exists() and task.poll() is None and time.monotonic() < waited:
                time.sleep(0.05)  # polling for the writer to start: an event in another process
            assert mark.exists(), "the writer never started"
            task.send_signal(signal.SIGTERM)
        out, err = task.communicate(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        task.kill()
        task.communicate()
        pytest.fail(f"the task did not end within {DEADLINE:.0f} s of its {stopped_by}: a writer kept it")
    assert task.returncode == 0, err[-3000:]
    result = json.loads(out.strip().splitlines()[-1])
    assert result["ended"] == ("AirflowTaskTimeout" if stopped_by == "timeout" else "WolkvoxTaskStopped")
    assert result["staging"] is not None
    assert not Path(result["staging"]).exists(), "the staging file (customer telephones) was left"
    assert list(staging_dir.iterdir()) == []
    assert not warehouse.exists() or "wolkvox_cdr_2" not in _tables(warehouse)


def _tables(path: Path) -> set[str]:
    import sqlite3

    with sqlite3.connect(path) as db:
        return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


KEEP = textwrap.dedent(
    """
    import sys, time
    from airflow_provider_wolkvox.reports import MachineCodesRow
    from airflow_provider_wolkvox.staging.store import Staging

    staging = Staging(directory=sys.argv[1])
    staging.add([MachineCodesRow("+573001234567", 3, 1, 1, 1, 0, 0)], more=True)
    print(staging.path, flush=True)
    time.sleep(600)
    """
)


def _staging_process(folder: Path) -> tuple[subprocess.Popen[str], Path]:
    process = subprocess.Popen(
        [sys.executable, "-c", KEEP, str(folder)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line, process.stderr.read() if process.stderr else "no staging path"
    return process, Path(line)


def test_the_next_staging_removes_the_file_a_killed_task_left_and_nothing_else(tmp_path: Path) -> None:
    from airflow_provider_wolkvox.staging.files import PREFIX, owner_prefix

    killed, left = _staging_process(tmp_path)
    alive, kept = _staging_process(tmp_path)
    try:
        killed.kill()  # SIGKILL: no cleanup runs
        killed.wait(timeout=60)
        assert left.exists()
        assert left.stat().st_size > 0
        assert left.name.startswith(PREFIX)
        assert left.parent == tmp_path
        others = [
            tmp_path / "wolkvox-staging-abc123.sqlite",  # unmarked (an older version's): not provably dead
            tmp_path / f"{PREFIX}00000000-{killed.pid}-1-x.sqlite",  # another host's
        ]
        for path in others:
            path.write_bytes(b"")
        with Staging(directory=str(tmp_path)) as staging:
            assert Path(staging.path).name.startswith(owner_prefix())
            assert not left.exists(), "the killed task's staging file is still there"
            assert kept.exists(), "a live task's staging file was removed"
            assert all(path.exists() for path in others)
        assert not Path(staging.path).exists()
    finally:
        for process in (killed, alive):
            process.kill()
            process.communicate(timeout=60)
    with Staging(directory=str(tmp_path)):
        assert not kept.exists()  # its owner is gone now
