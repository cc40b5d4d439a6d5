"""What a test run leaves behind when it is killed, marked with its owner and swept by the next run.

Every folder, database and background process a run starts carries an owner mark: the pytest
process's pid and its start time (``/proc/<pid>/stat``, so a reused pid is not mistaken for the
owner). A later run removes only what is marked by an owner that is provably gone; anything
unmarked, or marked by a live process (another engineer's run on this machine), is left alone.
SIGTERM is turned into ``KeyboardInterrupt`` so fixtures tear down on it as on Ctrl-C, and
``atexit`` stops whatever teardown did not reach.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

OWNER_VARIABLE = "WOLKVOX_TEST_OWNER"
"""Environment variable every background process of a run inherits: its owner mark."""
OWNER_FILE = ".wolkvox-test-owner"
COMMENT_PREFIX = "wolkvox-test-owner="
"""A database's ``COMMENT`` says whose it is."""


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot, or None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22, counted after the command name


def owner_mark(pid: int | None = None) -> str:
    """``pid:start`` of this process (or ``pid``)."""
    pid = os.getpid() if pid is None else pid
    return f"{pid}:{_start_ticks(pid)}"


OWNER = owner_mark()


def owner_gone(mark: str) -> bool:
    """True only when the process of ``mark`` no longer runs (its pid is free, or reused by another)."""
    pid, _, ticks = mark.strip().partition(":")
    if not pid.isdigit() or not ticks or ticks == "None":
        return False  # not a mark this module wrote: not provably anyone's
    return _start_ticks(int(pid)) != ticks


def mark_folder(folder: Path) -> Path:
    (folder / OWNER_FILE).write_text(OWNER)
    return folder


def owned_folder(prefix: str) -> Path:
    """A new temporary folder, marked, removed at exit if nothing removed it before."""
    folder = mark_folder(Path(tempfile.mkdtemp(prefix=prefix)))
    at_exit(lambda: shutil.rmtree(folder, ignore_errors=True))
    return folder


def sweep_folders(prefix: str) -> list[Path]:
    """Remove temporary folders named ``prefix*`` whose owner is gone; return them."""
    swept = []
    for folder in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
        with contextlib.suppress(OSError):
            if owner_gone((folder / OWNER_FILE).read_text()):
                shutil.rmtree(folder, ignore_errors=True)
                swept.append(folder)
    return swept


def _processes() -> Iterator[tuple[int, dict[str, str]]]:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                pairs = (item.partition(b"=") for item in (entry / "environ").read_bytes().split(b"\0"))
                yield (
                    int(entry.name),
                    {k.decode(errors="replace"): v.decode(errors="replace") for k, _, v in pairs},
                )


def sweep_processes() -> list[int]:
    """SIGKILL background processes whose owner mark names a run that is gone; return their pids."""
    killed = []
    for pid, environ in _processes():
        mark = environ.get(OWNER_VARIABLE)
        if mark and pid != os.getpid() and owner_gone(mark):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
    return killed


def _comment_owner_gone(comment: str | None) -> bool:
    """A database or schema whose ``COMMENT`` marks a run that is gone (unmarked ones are not ours)."""
    return (
        comment is not None
        and comment.startswith(COMMENT_PREFIX)
        and owner_gone(comment[len(COMMENT_PREFIX) :])
    )


def sweep_databases(admin_dsn: str, prefix: str) -> list[str]:
    """Drop PostgreSQL databases named ``prefix*`` whose comment names a run that is gone."""
    import psycopg

    query = (
        "SELECT d.datname, shobj_description(d.oid, 'pg_database') FROM pg_database d WHERE d.datname LIKE %s"
    )
    dropped = []
    with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=10) as conn:
        for name, comment in conn.execute(query, (prefix.replace("_", r"\_") + "%",)).fetchall():
            if _comment_owner_gone(comment):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
                dropped.append(name)
    return dropped


def mark_database_sql(name: str, kind: str = "DATABASE") -> str:
    """``COMMENT ON DATABASE`` (or ``SCHEMA``) marking ``name`` (a validated identifier) as this run's."""
    return f"COMMENT ON {kind} \"{name}\" IS '{COMMENT_PREFIX}{OWNER}'"


def sweep_schemas(dsn: str, prefix: str) -> list[str]:
    """Drop the PostgreSQL schemas named ``prefix*`` of ``dsn``'s database whose comment names a run
    that is gone (tests make their tables in a schema of their own in a shared database)."""
    import psycopg

    query = "SELECT nspname, obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname LIKE %s"
    dropped = []
    with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as conn:
        for name, comment in conn.execute(query, (prefix.replace("_", r"\_") + "%",)).fetchall():
            if _comment_owner_gone(comment):
                conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')  # type: ignore[arg-type]
                dropped.append(name)
    return dropped


def sweep_mariadb_databases(connection: Any, prefix: str) -> list[str]:
    """Drop the MariaDB databases named ``prefix*`` whose comment names a run that is gone."""
    cursor = connection.cursor()
    cursor.execute(
        "SELECT schema_name, schema_comment FROM information_schema.schemata WHERE schema_name LIKE %s",
        (prefix.replace("_", r"\_") + "%",),
    )
    dropped = []
    for name, comment in cursor.fetchall():
        if _comment_owner_gone(comment):
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            dropped.append(name)
    return dropped


_AT_EXIT: list[Callable[[], None]] = []


def at_exit(action: Callable[[], None]) -> Callable[[], None]:
    """Run ``action`` at interpreter exit (latest first), unless :func:`done` said it ran already."""
    _AT_EXIT.append(action)
    return action


def done(action: Callable[[], None]) -> None:
    with contextlib.suppress(ValueError):
        _AT_EXIT.remove(action)


@atexit.register
def _run_at_exit() -> None:
    while _AT_EXIT:
        with contextlib.suppress(Exception):
            _AT_EXIT.pop()()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends the run at once
    raise KeyboardInterrupt(f"signal {signum}")


def tear_down_on_sigterm() -> None:
    """Make SIGTERM interrupt the run like Ctrl-C, so fixtures and ``atexit`` clean up."""
    signal.signal(signal.SIGTERM, _interrupt)
