"""A migrated metadata DB in the session's AIRFLOW_HOME, with the test DAGs in its dags folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.airflow_compat import make_dag_test_write_the_dag_first

DAGS = Path(__file__).parent / "dags"
EXAMPLE_DAGS = Path(__file__).parents[2] / "example_dags"


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """dag.test() needs a metadata DB and the DAG files inside the configured dags folder."""
    home = Path(os.environ["AIRFLOW_HOME"])
    dags_folder = home / "dags"
    dags_folder.mkdir(exist_ok=True)
    for dag_file in [*DAGS.glob("*.py"), *EXAMPLE_DAGS.glob("*.py")]:
        shutil.copy(dag_file, dags_folder / dag_file.name)
    airflow = Path(sys.executable).parent / "airflow"
    subprocess.run([str(airflow), "db", "migrate"], check=True, capture_output=True, timeout=300)
    make_dag_test_write_the_dag_first()
    return dags_folder
