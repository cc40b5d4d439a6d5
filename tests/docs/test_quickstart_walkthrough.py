"""docs/quickstart.md's walk-through, run as written in a fresh clone of the repository.

The block after ``<!-- walkthrough -->`` installs the clone's environment (``make venv``),
starts the emulator, loads the daily core set for one Bogota day with ``airflow dags test``,
and prints each table's rows. The expected rows are the emulator's own ground truth for that
day, asked of a second emulator in this process (the command line's defaults: seed 0).
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
from pathlib import Path

import pendulum
import pytest

from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator

ROOT = Path(__file__).parents[2]
BLOCK = re.compile(r"<!-- walkthrough -->\n```bash\n(.*?)^```", re.DOTALL | re.MULTILINE)
CORE_SET = {"cdr_1": {}, "agent_1": {}, "agent_3": {}, "skill_1": {"skill_id": "all"}}
DAY = pendulum.datetime(2026, 11, 20, tz="America/Bogota")


def walkthrough() -> str:
    found = BLOCK.search((ROOT / "docs" / "quickstart.md").read_text(encoding="utf-8"))
    assert found, "docs/quickstart.md lost its <!-- walkthrough --> block"
    return found.group(1)


def test_the_walkthrough_runs_as_written_from_a_fresh_clone(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
    env = {name: value for name, value in os.environ.items() if not name.startswith("AIRFLOW")}
    process = subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", walkthrough()],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # so that nothing it started outlives the test
    )
    try:
        output, _ = process.communicate(timeout=900)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 0, output[-3000:]

    truth = WolkvoxEmulator(tokens=["walkthrough-token"])
    expected = {
        api: len(truth.ground_truth_rows(api, params, DAY, DAY.add(days=1)))
        for api, params in CORE_SET.items()
    }
    assert all(expected.values())
    for api, rows in expected.items():
        assert f"wolkvox_{api} {rows} rows" in output
    with sqlite3.connect(clone / ".walkthrough" / "warehouse.db") as warehouse:
        windows = warehouse.execute("SELECT DISTINCT window_start FROM wolkvox_cdr_1").fetchall()
    assert windows == [("2026-11-20T05:00:00+00:00",)]  # November 20 in Bogota


@pytest.mark.parametrize("line", ["make venv", "kill %1"])
def test_the_walkthrough_starts_from_scratch_and_stops_what_it_started(line: str) -> None:
    assert any(text.split("#")[0].strip() == line for text in walkthrough().splitlines())
