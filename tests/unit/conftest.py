"""A migrated metadata DB in the process's AIRFLOW_HOME (a copy of the run's template), with the test
DAGs in its dags folder."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests import metadata_db
from tests.airflow_compat import make_dag_test_write_the_dag_first, share_one_in_process_api

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
    metadata_db.copy_migrated_db(home / "airflow.db")
    make_dag_test_write_the_dag_first()
    share_one_in_process_api()
    return dags_folder


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty SQLite warehouse file behind the connection ``wolkvox_sqlite``."""
    path = tmp_path / "warehouse.db"
    monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_SQLITE", json.dumps({"conn_type": "sqlite", "host": str(path)}))
    return path
