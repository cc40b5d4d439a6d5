"""A killed test run's folder, database and background process are swept by the next run; a live
run's are not. The "run" is a real process, killed with SIGKILL (no teardown, no atexit)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg

from tests import leftovers

ROOT = Path(__file__).resolve().parents[2]
RUN = """
import os, subprocess, sys, tempfile, time
from pathlib import Path
import psycopg
from tests import leftovers
folder = leftovers.mark_folder(Path(tempfile.mkdtemp(prefix="wolkvox-it-leftover-")))
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    conn.execute(f'CREATE DATABASE "{sys.argv[2]}"')
    conn.execute(leftovers.mark_database_sql(sys.argv[2]))
env = {**os.environ, leftovers.OWNER_VARIABLE: leftovers.OWNER}
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(900)"], env=env,
                         start_new_session=True)
print(folder, child.pid, flush=True)
time.sleep(900)
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _until(condition: object, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _databases(pg_dsn: str, name: str) -> list[tuple[str]]:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        return conn.execute("SELECT datname FROM pg_database WHERE datname = %s", (name,)).fetchall()


def test_a_killed_runs_leftovers_are_swept_and_a_live_runs_are_not(pg_dsn: str) -> None:
    database = f"wolkvox_it_leftover_{uuid.uuid4().hex[:10]}"
    run = subprocess.Popen(
        [sys.executable, "-c", RUN, pg_dsn, database], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    child = 0
    try:
        assert run.stdout is not None
        folder_text, child_text = run.stdout.readline().split()
        folder, child = Path(folder_text), int(child_text)

        # The run is alive: nothing of it is touched.
        assert leftovers.sweep_processes() == []
        assert folder not in leftovers.sweep_folders("wolkvox-it-leftover-")
        assert database not in leftovers.sweep_databases(pg_dsn, "wolkvox_it_leftover_")
        assert folder.is_dir()
        assert _databases(pg_dsn, database)
        assert _running(child)

        run.send_signal(signal.SIGKILL)  # no teardown, no atexit: everything is left behind
        run.wait(timeout=60)
        assert folder.is_dir()
        assert _databases(pg_dsn, database)
        assert _running(child)

        assert leftovers.sweep_processes() == [child]
        assert leftovers.sweep_folders("wolkvox-it-leftover-") == [folder]
        assert leftovers.sweep_databases(pg_dsn, "wolkvox_it_leftover_") == [database]
        assert _until(lambda: not _running(child))
        assert not folder.exists()
        assert not _databases(pg_dsn, database)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait(timeout=60)
        if child and _running(child):
            os.kill(child, signal.SIGKILL)
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')  # type: ignore[arg-type]


KILLED_WITH_SCHEMA = """
import sys, time
from tests.conftest import create_mariadb_database, pg_schema
create_mariadb_database(sys.argv[3])
with pg_schema(sys.argv[1], sys.argv[2]):
    print("ready", flush=True)
    time.sleep(900)
"""


def test_a_killed_runs_schema_and_mariadb_database_are_swept(pg_dsn: str, mariadb_server: object) -> None:
    """The test schemas in the shared PostgreSQL database and the MariaDB test databases too."""
    from tests.conftest import mariadb_connect

    schema, database = f"t_{uuid.uuid4().hex[:12]}", f"wolkvox_{uuid.uuid4().hex[:12]}"

    def schemas() -> list[tuple[str]]:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            return conn.execute("SELECT nspname FROM pg_namespace WHERE nspname = %s", (schema,)).fetchall()

    run = subprocess.Popen(
        [sys.executable, "-c", KILLED_WITH_SCHEMA, pg_dsn, schema, database],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    admin = mariadb_connect()
    try:
        assert run.stdout is not None
        assert run.stdout.readline().strip() == "ready"
        assert schema not in leftovers.sweep_schemas(pg_dsn, "t_")  # alive: left alone
        assert database not in leftovers.sweep_mariadb_databases(admin, "wolkvox_")
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=60)
        assert schemas(), "the killed run's schema should still be there before the sweep"
        assert schema in leftovers.sweep_schemas(pg_dsn, "t_")
        assert database in leftovers.sweep_mariadb_databases(admin, "wolkvox_")
        # Importing tests.conftest made the killed run an Airflow home of its own: gone too.
        assert leftovers.sweep_folders("wolkvox-airflow-home-")
        assert not schemas()
        cursor = admin.cursor()
        cursor.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (database,))
        assert cursor.fetchall() == []
    finally:
        if run.poll() is None:
            run.kill()
            run.wait(timeout=60)
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")  # type: ignore[arg-type]
        admin.cursor().execute(f"DROP DATABASE IF EXISTS `{database}`")
        admin.close()


def test_unmarked_or_foreign_marks_are_never_swept() -> None:
    assert not leftovers.owner_gone("")  # unmarked: not provably anyone's
    assert not leftovers.owner_gone("not a mark")
    assert not leftovers.owner_gone(leftovers.OWNER)  # this very run
    assert not leftovers.owner_gone(leftovers.owner_mark(1))  # init: alive
    assert leftovers.owner_gone(f"{os.getpid()}:1")  # this pid, another start time: a reused pid
