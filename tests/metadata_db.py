"""One migrated Airflow metadata database per test run, copied wherever a test needs a fresh one.

``airflow db migrate`` costs several seconds of CPU per home; a run used to pay it in every
pytest-xdist worker and in every fixture that wanted a fresh home. Now the first process of a run
that needs one (the controller or any worker) migrates a template under a file lock, in a folder
the whole run shares (named by ``TEMPLATE_VARIABLE``, which tests/conftest.py sets once and the
workers inherit); everyone else copies that SQLite file.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

TEMPLATE_VARIABLE = "WOLKVOX_TEST_METADATA_TEMPLATE"
"""Environment variable naming the run's template folder (set by tests/conftest.py)."""
AIRFLOW = Path(sys.executable).parent / "airflow"
MIGRATE_TIMEOUT = 300


def _template() -> Path:
    """The run's migrated template database, migrated now if no process of the run did it yet."""
    folder = Path(os.environ[TEMPLATE_VARIABLE])
    database = folder / "airflow.db"
    done = folder / "migrated"
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released on close; the holder's migrate has a deadline
        if not done.exists():
            env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
            env.update(
                AIRFLOW_HOME=str(folder),
                AIRFLOW__CORE__LOAD_EXAMPLES="False",
                AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{database}",
                PYTHONWARNINGS="ignore",
            )
            migrate = subprocess.run(
                [str(AIRFLOW), "db", "migrate"],
                env=env,
                capture_output=True,
                text=True,
                timeout=MIGRATE_TIMEOUT,
                check=False,
            )
            if migrate.returncode != 0:
                output = migrate.stdout[-3000:] + migrate.stderr[-3000:]
                raise RuntimeError(f"airflow db migrate failed:\n{output}")
            done.touch()
    return database


def copy_migrated_db(destination: Path) -> Path:
    """Write a freshly migrated SQLite metadata database to ``destination`` (a file not in use)."""
    with closing(sqlite3.connect(_template())) as source, closing(sqlite3.connect(destination)) as target:
        source.backup(target)
    return destination
