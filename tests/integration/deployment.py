"""A real Airflow 3 deployment of the installed provider: API server, DAG processor, scheduler.

LocalExecutor with parallelism 4 (or, with ``workers``, the executor ``settings`` name and
that many ``airflow celery worker`` processes), metadata in its own PostgreSQL database, a
fresh AIRFLOW_HOME, connections as ``AIRFLOW_CONN_*`` variables, pools from
``airflow wolkvox pools sync`` (or the ``pools`` commands given). Settings follow
shared/AIRFLOW3.md ("A real deployment on one 2-core machine").
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import psycopg
import requests
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tests.integration.processes import Background, free_port, tail, wait_for

COMPONENTS = ("api-server", "dag-processor", "scheduler")
CLI_TIMEOUT = 300.0  # generous: `airflow ...` takes seconds, but minutes on a loaded shared machine
SYNC_POOLS: tuple[tuple[str, ...], ...] = (("airflow", "wolkvox", "pools", "sync"),)


class PostgresServer:
    """Create and drop throwaway databases on the server of ``dsn``."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.params = conninfo_to_dict(dsn)

    def dsn_for(self, database: str) -> str:
        return make_conninfo(self.dsn, dbname=database)

    def sqlalchemy_url(self, database: str) -> str:
        p = self.params
        user = p.get("user", "postgres")
        password = f":{p['password']}" if p.get("password") else ""
        where = f"{p.get('host', '127.0.0.1')}:{p.get('port', 5432)}"
        return f"postgresql+psycopg://{user}{password}@{where}/{database}"

    def _admin(self, sql: str) -> None:
        with psycopg.connect(self.dsn_for("postgres"), autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def create(self, database: str) -> None:
        self._admin(f'CREATE DATABASE "{database}"')

    def drop(self, database: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


class AirflowDeployment:
    """Everything lives under ``root``; :meth:`stop` ends every process and drops the database."""

    def __init__(
        self,
        root: Path,
        server: PostgresServer,
        connections: Mapping[str, str],
        *,
        settings: Mapping[str, str] | None = None,
        workers: Sequence[Sequence[str]] = (),
        pools: Sequence[Sequence[str]] = SYNC_POOLS,
    ) -> None:
        """``settings``: environment overrides; ``workers``: argv of each; ``pools``: commands, in order."""
        self.root, self.server = root, server
        self.workers, self.pool_commands = list(workers), list(pools)
        self.home, self.dags, self.logs = root / "home", root / "dags", root / "logs"
        self.component_logs = root / "components"
        for folder in (self.home, self.dags, self.logs, self.component_logs):
            folder.mkdir(parents=True, exist_ok=True)
        self.database = f"wolkvox_it_{uuid.uuid4().hex[:10]}"
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.bin = Path(sys.executable).parent
        self.env = {**self._environment(connections), **(settings or {})}
        self.processes: dict[str, Background] = {}
        self._token: str | None = None
        self._created = False

    def _environment(self, connections: Mapping[str, str]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags),
                "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.logs),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__PARALLELISM": "4",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.server.sqlalchemy_url(self.database),
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__API__BASE_URL": self.base_url,
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
                "AIRFLOW__API_AUTH__JWT_SECRET": "wolkvox-integration-suite-jwt-secret-" + "x" * 40,
                "AIRFLOW__API__SECRET_KEY": "wolkvox-integration-suite-secret-key",
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "30",
                "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
                "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.2",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update({f"AIRFLOW_CONN_{conn_id.upper()}": value for conn_id, value in connections.items()})
        return env

    # -- lifecycle --------------------------------------------------------------------------

    def install_dags(self, files: Sequence[Path]) -> None:
        """Copy DAG files into the dags folder; call before :meth:`start` (the processor lists it once)."""
        for path in files:
            shutil.copy2(path, self.dags / path.name)

    def start(self) -> None:
        """Database, migration, pools; API server and DAG processor; once healthy, the scheduler."""
        self.server.create(self.database)
        self._created = True
        self.cli("db", "migrate")
        for name in ("api-server", "dag-processor"):
            self.processes[name] = self._spawn(name, ["airflow", name])
        for n, argv in enumerate(self.workers, start=1):
            self.processes[f"worker-{n}"] = self._spawn(f"worker-{n}", argv)
        for n, argv in enumerate(self.pool_commands, start=1):  # while the API server starts
            pools = self._spawn(f"pools-{n}", argv)
            try:
                pools.popen.wait(timeout=CLI_TIMEOUT)
            except subprocess.TimeoutExpired:
                pools.stop()
            if pools.popen.returncode != 0:
                raise RuntimeError(f"`{' '.join(argv)}` failed:\n{tail(pools.log)}")
        wait_for("the API server's /api/v2/monitor/health", self._healthy, timeout=90, interval=0.5)
        self.processes["scheduler"] = self._spawn("scheduler", ["airflow", "scheduler"])

    def _spawn(self, name: str, argv: Sequence[str]) -> Background:
        log = self.component_logs / f"{name}.log"
        return Background(name, [str(self.bin / argv[0]), *argv[1:]], self.env, log, self.root)

    def _healthy(self) -> bool:
        for process in self.processes.values():
            process.check_alive()
        try:
            return requests.get(f"{self.base_url}/api/v2/monitor/health", timeout=5).ok
        except requests.RequestException:
            return False

    def check_alive(self) -> None:
        for process in self.processes.values():
            process.check_alive()

    def stop(self) -> None:
        """Stop every component (scheduler first, then workers), sweep stray children, drop the database."""
        order = [
            "scheduler",
            *(n for n in self.processes if n not in COMPONENTS),
            "dag-processor",
            "api-server",
        ]
        for name in order:
            if name in self.processes:
                self.processes[name].stop()
        self._kill_strays()
        if self._created:
            self.server.drop(self.database)
            self._created = False

    def _kill_strays(self) -> None:
        """Kill any process still running with this deployment's AIRFLOW_HOME (tasks in their own session)."""
        marker = f"AIRFLOW_HOME={self.home}".encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    os.kill(int(entry.name), 9)

    def log_tails(self, lines: int = 30) -> str:
        parts = [
            f"--- {path.name} (last {lines} lines) ---\n{tail(path, lines)}"
            for path in sorted(self.component_logs.glob("*.log"))
        ]
        return "\n".join(parts)

    def parsed(self) -> tuple[dict[str, list[str]], dict[str, str]]:
        """DAG ids per file name, and import errors per file name, as the DAG processor stored them."""
        dags: dict[str, list[str]] = {}
        for dag_id, fileloc in self.sql("SELECT dag_id, relative_fileloc FROM dag WHERE NOT is_stale"):
            dags.setdefault(Path(fileloc or "").name, []).append(dag_id)
        errors = {
            Path(name or "").name: trace
            for name, trace in self.sql("SELECT filename, stacktrace FROM import_error")
        }
        return dags, errors

    def wait_parsed(self, timeout: float = 90) -> tuple[dict[str, list[str]], dict[str, str]]:
        """Wait until every file of the dags folder has DAGs or an import error; return :meth:`parsed`."""
        files = {path.name for path in self.dags.glob("*.py")}

        def done() -> tuple[dict[str, list[str]], dict[str, str]] | None:
            self.check_alive()
            dags, errors = self.parsed()
            return (dags, errors) if files <= set(dags) | set(errors) else None

        return wait_for(f"the DAG processor to parse {sorted(files)}", done, timeout=timeout, interval=1)

    # -- talking to it ------------------------------------------------------------------------

    def cli(self, *args: str, timeout: float = CLI_TIMEOUT) -> str:
        """Run ``airflow ARGS`` against this deployment; return stdout, raise with output on failure."""
        argv = [str(self.bin / "airflow"), *args]
        done = subprocess.run(
            argv, env=self.env, cwd=self.root, capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"`airflow {' '.join(args)}` exited {done.returncode}:\n"
                f"{done.stdout[-3000:]}{done.stderr[-3000:]}"
            )
        return done.stdout

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the REST API (``/api/v2/...``) with a token from ``/auth/token`` (all users are admins)."""
        if self._token is None:
            answer = requests.get(f"{self.base_url}/auth/token", timeout=30)
            answer.raise_for_status()
            self._token = str(answer.json()["access_token"])
        headers = {"Authorization": f"Bearer {self._token}"}
        response = requests.request(method, f"{self.base_url}{path}", headers=headers, timeout=30, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def count_tries(self) -> int:
        """Task instance tries the deployment ran: latest ones plus the history of earlier ones."""
        query = "SELECT (SELECT count(*) FROM task_instance) + (SELECT count(*) FROM task_instance_history)"
        return int(self.sql(query)[0][0])

    def sql(self, query: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a query on the metadata database."""
        with psycopg.connect(self.server.dsn_for(self.database), connect_timeout=10) as conn:
            return list(conn.execute(query, params).fetchall())  # type: ignore[arg-type]
