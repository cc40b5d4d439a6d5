"""A DAG file run as a script, `python dag.py` with `dag.test()` (Airflow's documented way to debug
a DAG), whose SQL operators load into SQLite: it succeeds on every release of the matrix.

On Airflow 3.0, ``dag.test()`` runs a DAG the metadata DB has never seen; the task runner then
refused the deprecated connection-named Asset among the operators' default outlets as inactive
(``AirflowInactiveAssetInInletOrOutletException``). The test runs the file in a process of its
own, without the suite's help for ``dag.test()`` (``tests/airflow_compat.py``).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pendulum
import pytest

from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator

pytestmark = pytest.mark.airflow_release

START, END = pendulum.datetime(2026, 11, 27, 14, tz="UTC"), pendulum.datetime(2026, 11, 27, 15, tz="UTC")
DAG_FILE = f'''
import sys

import pendulum
from airflow.sdk import DAG

from airflow_provider_wolkvox.transfers.machine_codes_to_sql import MachineCodesToSqlOperator
from airflow_provider_wolkvox.transfers.report_to_sql import WolkvoxReportToSqlOperator

WINDOW = {{"window_start": "{START.isoformat()}", "window_end": "{END.isoformat()}"}}

with DAG("wolkvox_unit_as_script", schedule=None, start_date=pendulum.datetime(2026, 11, 1, tz="UTC")) as dag:
    MachineCodesToSqlOperator(task_id="machine_codes", campaign_id="1", sql_conn_id="as_script", **WINDOW)
    WolkvoxReportToSqlOperator(task_id="cdr", api="cdr_1", sql_conn_id="as_script", **WINDOW)

if __name__ == "__main__":
    run = dag.test(logical_date=pendulum.datetime(2026, 11, 27, 15, tz="UTC"))
    sys.exit(0 if run.state == "success" else 1)
'''


def test_a_dag_file_run_as_a_script_loads_on_this_release(
    airflow_db: Path, emulator: WolkvoxEmulator, wolkvox_conn: str, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse.db"
    dag_file = airflow_db / "wolkvox_unit_as_script.py"
    dag_file.write_text(DAG_FILE, encoding="utf-8")
    env = {
        **os.environ,
        "AIRFLOW_CONN_AS_SCRIPT": json.dumps({"conn_type": "sqlite", "host": str(warehouse)}),
    }
    try:
        result = subprocess.run(
            [sys.executable, str(dag_file)], env=env, capture_output=True, text=True, check=False, timeout=300
        )
    finally:
        dag_file.unlink()
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert "InactiveAsset" not in result.stdout + result.stderr
    with sqlite3.connect(warehouse) as db:
        machine_codes = db.execute("SELECT COUNT(*) FROM wolkvox_machine_codes").fetchone()[0]
        cdr = db.execute("SELECT COUNT(*) FROM wolkvox_cdr_1").fetchone()[0]
    assert machine_codes == len(emulator.ground_truth("1", START, END)) > 0
    assert cdr == len(emulator.ground_truth_rows("cdr_1", {}, START, END)) > 0
