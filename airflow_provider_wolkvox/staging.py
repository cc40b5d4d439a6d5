"""Staging: request-window rows summed per telephone in a temporary SQLite file.

Memory stays flat however long the interval: rows go to disk as each request
window arrives, and come back out as a stream ordered by telephone.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from types import TracebackType

from airflow_provider_wolkvox._gc import paused as gc_paused
from airflow_provider_wolkvox.reports import MachineCodesRow

_COUNTS = MachineCodesRow._fields[1:]
_CREATE = (
    "CREATE TABLE staged (telephone TEXT PRIMARY KEY, "
    + ", ".join(f"{name} INTEGER NOT NULL" for name in _COUNTS)
    + ") WITHOUT ROWID"
)
_UPSERT = (
    f"INSERT INTO staged VALUES ({', '.join('?' * len(MachineCodesRow._fields))}) "
    "ON CONFLICT(telephone) DO UPDATE SET "
    + ", ".join(f"{name} = {name} + excluded.{name}" for name in _COUNTS)
)


class Staging:
    """A disposable per-telephone sum of campaign_8 rows. Use it as a context manager."""

    def __init__(self, directory: str | None = None) -> None:
        fd, self.path = tempfile.mkstemp(prefix="wolkvox-staging-", suffix=".sqlite", dir=directory)
        os.close(fd)
        self._db = sqlite3.connect(self.path, isolation_level=None)
        # A throwaway file: durability would only cost time.
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute(_CREATE)
        self.rows_added = 0

    def add(self, rows: Iterable[MachineCodesRow]) -> None:
        """Add rows of one request window; counts of a telephone already staged are summed."""
        before = self._db.total_changes
        self._db.execute("BEGIN")
        self._db.executemany(_UPSERT, rows)
        self._db.execute("COMMIT")
        self.rows_added += self._db.total_changes - before

    def __len__(self) -> int:
        """Distinct telephones staged."""
        return int(self._db.execute("SELECT count(*) FROM staged").fetchone()[0])

    def rows(self, batch: int = 10_000) -> Iterator[MachineCodesRow]:
        """The summed rows, ordered by telephone, streamed from disk."""
        cursor = self._db.execute("SELECT * FROM staged ORDER BY telephone")
        # The table has exactly the row's seven columns: tuple.__new__ makes the same MachineCodesRow
        # as _make without a Python-level call per row (a third of the time of reading back).
        make = functools.partial(tuple.__new__, MachineCodesRow)
        while True:
            with gc_paused():
                chunk = list(map(make, cursor.fetchmany(batch)))
            if not chunk:
                return
            yield from chunk

    def close(self) -> None:
        self._db.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def __enter__(self) -> Staging:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
