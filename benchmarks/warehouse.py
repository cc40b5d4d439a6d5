"""The benchmark's own warehouses: throwaway PostgreSQL and MariaDB databases and SQLite files.

Every contender loads into the same table definition (the provider's, primary key
included), dropped and created empty before each run.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import uuid
from pathlib import Path
from types import TracebackType

from airflow_provider_wolkvox.sql import COLUMNS, create_table_sql
from airflow_provider_wolkvox.sql.density import DENSITY_TABLE

TABLE = "bench_machine_codes"
PG_HOST = os.environ.get("WOLKVOX_BENCH_PGHOST", "127.0.0.1")
PG_PORT = os.environ.get("WOLKVOX_BENCH_PGPORT", "5432")
PG_USER = os.environ.get("WOLKVOX_BENCH_PGUSER", "postgres")
PG_DATABASE = os.environ.get("WOLKVOX_BENCH_PGDATABASE", "wolkvox_bench")
MY_HOST = os.environ.get("WOLKVOX_BENCH_MYHOST", "127.0.0.1")
MY_PORT = int(os.environ.get("WOLKVOX_BENCH_MYPORT", "3306"))
MY_USER = os.environ.get("WOLKVOX_BENCH_MYUSER", "root")


def psql_argv(database: str, command: str) -> list[str]:
    return [
        "psql",
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        PG_HOST,
        "-p",
        PG_PORT,
        "-U",
        PG_USER,
        "-d",
        database,
        "-c",
        command,
    ]


def psql(database: str, command: str) -> str:
    env = {**os.environ, "PGTZ": "UTC"}
    done = subprocess.run(
        [*psql_argv(database, command), "-tA"], check=False, capture_output=True, text=True, env=env
    )
    if done.returncode:
        raise RuntimeError(f"psql failed: {done.stderr.strip()}")
    return done.stdout.strip()


class Postgres:
    """A database of its own, created on entry and dropped on exit."""

    def __init__(self, database: str = PG_DATABASE) -> None:
        self.database = database
        self.dsn = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"

    def __enter__(self) -> Postgres:
        psql("postgres", f'DROP DATABASE IF EXISTS "{self.database}"')
        psql("postgres", f'CREATE DATABASE "{self.database}"')
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        psql("postgres", f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def connection(self) -> str:
        return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.database}"

    def reset(self) -> None:
        """An empty table and no density history (every run plans the same request windows, the
        ones pre-rendered), and a checkpoint so no earlier run's dirty pages are flushed during the next."""
        psql(self.database, f"DROP TABLE IF EXISTS {TABLE}, {DENSITY_TABLE}")
        psql(self.database, create_table_sql("postgresql", TABLE))
        psql(self.database, "CHECKPOINT")

    def summary(self) -> tuple[int, int]:
        """(rows, sum of total_machine_recognitions): enough to tell two loads apart."""
        out = psql(
            self.database, f"SELECT count(*), coalesce(sum(total_machine_recognitions), 0) FROM {TABLE}"
        )
        count, total = out.split("|")
        return int(count), int(total)

    def dump_csv(self, path: Path) -> None:
        """The table's rows as CSV, times as ``2026-11-27T05:00:00+00:00`` (the provider's SQLite text)."""
        iso = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')"
        columns = ", ".join(
            iso.format(c) if c in ("window_start", "window_end", "loaded_at") else c for c in COLUMNS
        )
        psql(
            self.database,
            f"\\copy (SELECT {columns} FROM {TABLE} ORDER BY telephone) TO '{path}' WITH (FORMAT csv)",
        )

    def copy_command(self, path: Path) -> list[str]:
        """psql's client-side ``\\copy`` of the CSV into the table: the floor."""
        return psql_argv(
            self.database, f"\\copy {TABLE} ({', '.join(COLUMNS)}) FROM '{path}' WITH (FORMAT csv)"
        )


class Sqlite:
    """A SQLite warehouse file, recreated empty before each run."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def connection(self) -> str:
        return json.dumps({"conn_type": "sqlite", "host": str(self.path)})

    def reset(self) -> None:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        conn = sqlite3.connect(self.path)
        conn.execute(create_table_sql("sqlite", TABLE))
        conn.commit()
        conn.close()

    def summary(self) -> tuple[int, int]:
        conn = sqlite3.connect(self.path)
        try:
            count, total = conn.execute(
                f"SELECT count(*), coalesce(sum(total_machine_recognitions), 0) FROM {TABLE}"
            ).fetchone()
        finally:
            conn.close()
        return int(count), int(total)


class Mariadb:
    """A MariaDB (or MySQL) database of its own, uuid-named, created on entry and dropped on exit."""

    def __init__(self) -> None:
        self.database = f"wolkvox_bench_{uuid.uuid4().hex[:10]}"

    def _run(self, sql: str, database: str | None = None) -> list[tuple[object, ...]]:
        import mysql.connector

        conn = mysql.connector.connect(
            host=MY_HOST, port=MY_PORT, user=MY_USER, password="", database=database or "", autocommit=True
        )
        try:
            cursor = conn.cursor()
            cursor.execute(sql)
            return list(cursor.fetchall()) if cursor.with_rows else []
        finally:
            conn.close()

    def __enter__(self) -> Mariadb:
        self._run(f"CREATE DATABASE `{self.database}` CHARACTER SET utf8mb4")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._run(f"DROP DATABASE IF EXISTS `{self.database}`")

    def version(self) -> str:
        return str(self._run("SELECT VERSION()")[0][0])

    def connection(self) -> str:
        return json.dumps(
            {
                "conn_type": "mysql",
                "host": MY_HOST,
                "port": MY_PORT,
                "login": MY_USER,
                "schema": self.database,
                "extra": {"client": "mysql-connector-python"},
            }
        )

    def reset(self) -> None:
        """An empty table and no density history, as :meth:`Postgres.reset`."""
        self._run(f"DROP TABLE IF EXISTS {TABLE}, {DENSITY_TABLE}", self.database)
        self._run(create_table_sql("mysql", TABLE), self.database)

    def summary(self) -> tuple[int, int]:
        [(count, total)] = self._run(
            f"SELECT count(*), coalesce(sum(total_machine_recognitions), 0) FROM {TABLE}", self.database
        )
        return int(count), int(total)  # type: ignore[call-overload]
