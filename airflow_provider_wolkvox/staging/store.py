"""Staging: request-window rows combined per key in a temporary SQLite file.

Memory stays flat however long the interval: rows go to disk as each request
window arrives (campaign_8's latest window waits in memory until another comes),
and come back out as a stream ordered by key. How rows combine
is the report's (:attr:`~airflow_provider_wolkvox.reports.ReportSpec.combine`):
``sum`` adds the counts of a key already staged, ``shares`` adds ``records``
and recomputes ``percent`` from the sums on the way out, ``detail`` keeps every
row and refuses a second row with the same key, ``per_request`` keeps every
request window's rows apart, the window in front (:mod:`~airflow_provider_wolkvox.reports.stored`).

The file lives in the worker's temporary folder, named for its process, and is removed when the
staging closes; a file a killed process left behind is removed by the next staging on the same
host (:mod:`~airflow_provider_wolkvox.staging.files`). A staging can be cancelled from another
thread (:meth:`Staging.cancel`): whatever statement is running stops, and no other starts.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import operator
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any

from airflow_provider_wolkvox._gc import paused as gc_paused
from airflow_provider_wolkvox.client.decoding import PlainRows
from airflow_provider_wolkvox.exceptions import WolkvoxRowError
from airflow_provider_wolkvox.reports import (
    CAMPAIGN_8,
    INTEGER,
    PERCENT,
    SHARES,
    SUM,
    TEXT,
    TIMESTAMP,
    ReportSpec,
    Row,
    Table,
    share,
)
from airflow_provider_wolkvox.reports.found import FoundTypes, Kind, found_kind
from airflow_provider_wolkvox.reports.stored import stored_spec, utc_second, with_extras
from airflow_provider_wolkvox.staging import files as staging_files

CANCEL_CHECK_STEPS = 10_000
"""SQLite virtual-machine steps between two looks at the cancel flag (a few milliseconds at most)."""


class StagingCancelled(Exception):
    """The staging was cancelled (the task is stopping): nothing more is written."""


class Staging:
    """A disposable store of one interval's rows of one report. Use it as a context manager.

    One thread at a time: the fetch loop may hand :meth:`add` to a writer thread
    (:mod:`~airflow_provider_wolkvox.staging.writer`), and waits for it before anything else.
    """

    adds_in_background = True
    """Whether fetching may run :meth:`add` on a writer thread while it sends the next request."""

    def __init__(self, directory: str | None = None, spec: ReportSpec = CAMPAIGN_8) -> None:
        self.spec = spec
        self.stored_spec = stored_spec(spec)
        """The rows' shape out of :meth:`rows`: per_request reports have the request window first,
        and fields the API sent beyond the spec's (:attr:`extras`) come last."""
        self._per_request = self.stored_spec is not spec
        self.extras: tuple[str, ...] = ()
        """The API's names of the fields kept beyond the spec's, in the order they first came."""
        self._plan = _plan(self.stored_spec)
        self._cancelled = False
        self.abandoned = False
        """Set when a writer thread that would not stop was left behind: :meth:`close` then only
        removes the file, and leaves the connection to that thread."""
        staging_files.sweep(directory)
        fd, self.path = tempfile.mkstemp(
            prefix=staging_files.owner_prefix(), suffix=staging_files.SUFFIX, dir=directory
        )
        os.close(fd)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.set_progress_handler(self._stopping, CANCEL_CHECK_STEPS)
        # A throwaway file: durability would only cost time.
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.create_function("wolkvox_decimal_sum", 2, _decimal_sum, deterministic=True)
        self._db.execute(self._plan.create)
        self.rows_added = 0
        self._pending: list[Row] | None = None
        """The latest window of campaign_8, kept as it came while no other follows (see :meth:`add`)."""
        self._stored = False

    def add(
        self,
        rows: Iterable[Row],
        request_window: tuple[datetime, datetime] | None = None,
        extras: tuple[str, ...] = (),
        *,
        more: bool = False,
    ) -> None:
        """Add rows of one request window, combined with what is staged already.

        Detail reports raise :class:`WolkvoxRowError` naming the key when a row repeats a key
        staged already or earlier in ``rows``; nothing of ``rows`` is staged then.
        ``request_window`` is the request window ``[start, end)`` the rows answer: per_request reports
        need it, and keep it in front of each row. ``extras`` names the fields the rows carry after
        the spec's (``Table.extras``): a field new to this staging becomes a column, NULL in the
        rows staged before it came (schema on read). ``more``: other windows of the interval follow,
        so a first window is written at once (while the next request is out) rather than kept in memory.
        Raises :class:`StagingCancelled` once :meth:`cancel` was called.
        """
        if self._cancelled:
            raise StagingCancelled(f"{self.spec.api}: staging cancelled")
        if extras or self.extras:
            rows = self._widened(rows, extras)
        if self._per_request:
            if request_window is None:
                raise ValueError(f"{self.spec.api} keeps rows per request window: add() needs it")
            head = (utc_second(request_window[0]), utc_second(request_window[1]))
            rows = [(*head, *row) for row in rows]
        if self.spec is CAMPAIGN_8 and not more and not self.extras:
            # A window of campaign_8 is kept in memory when it is already what the table would give
            # back, until another comes: an interval of one request window (the usual hourly run)
            # never touches the staging file, and the last of several is merged with the stored
            # ones on the way out (:meth:`rows`) instead of being written and read back.
            typed = isinstance(rows, PlainRows)
            window = rows if isinstance(rows, PlainRows) else list(rows)
            with gc_paused():  # the check transposes the window into columns: big tuples at once
                plain = _sorted_plain(window, typed=typed)
            if plain:
                self._store_pending()
                self._pending = window
                self.rows_added += len(window)
                return
            rows = window
        self._store_pending()
        self._stored = True
        before = self._db.total_changes
        plan = self._plan
        if self.spec.combine not in (SUM, SHARES) and not isinstance(rows, (list, tuple)):
            rows = list(rows)  # read again to name the repeated key
        self._db.execute("BEGIN")
        try:
            self._db.executemany(plan.insert, rows if plan.to_db is None else map(plan.to_db, rows))
        except sqlite3.IntegrityError:
            self._db.execute("ROLLBACK")
            raise self._duplicate(rows) from None
        self._db.execute("COMMIT")
        self.rows_added += self._db.total_changes - before

    def _widened(self, rows: Iterable[Row], extras: tuple[str, ...]) -> list[Row]:
        """``rows`` laid out with every extra field staged so far, new ones added as columns."""
        new = tuple(name for name in extras if name not in self.extras)
        if new:
            self._store_pending()  # written with the columns it has, before the table grows
            self._stored = True
            self.extras += new
            widened = with_extras(stored_spec(self.spec), self.extras)
            for f in widened.schema[len(self.stored_spec.schema) :]:
                self._db.execute(f"ALTER TABLE staged ADD COLUMN {_q(f.name)} TEXT")
            self.stored_spec = widened
            self._plan = _plan(widened)
        return Table(list(rows), extras).widened(self.extras)

    def found_types(self, tz: str) -> FoundTypes:
        """The kinds of the fields found on read (:mod:`~airflow_provider_wolkvox.reports.found`),
        from every distinct value staged; ``tz`` is the connection's time zone."""
        kinds: dict[str, Kind | None] = {}
        for f in self.stored_spec.schema[len(stored_spec(self.spec).schema) :]:
            cursor = self._db.execute(f"SELECT DISTINCT {_q(f.name)} FROM staged")
            try:
                kinds[f.name] = found_kind(f.name, (value for (value,) in cursor))
            finally:
                cursor.close()
        return FoundTypes(kinds, tz)

    def _store_pending(self) -> None:
        pending, self._pending = self._pending, None
        if pending:
            self._stored = True
            self._db.execute("BEGIN")
            self._db.executemany(self._plan.insert, pending)
            self._db.execute("COMMIT")

    def __len__(self) -> int:
        """Distinct keys staged (telephones for campaign_8)."""
        if self._pending is not None and not self._stored:
            return len(self._pending)
        stored = int(self._db.execute("SELECT count(*) FROM staged").fetchone()[0])
        if not self._pending:
            return stored
        # The in-memory window's telephones looked up in the file's key, in C: no set of every
        # staged telephone (millions over a long interval) is built in memory.
        telephones = json.dumps([row[0] for row in self._pending])
        both = self._db.execute(
            "SELECT count(*) FROM staged WHERE telephone IN (SELECT value FROM json_each(?))", (telephones,)
        ).fetchone()[0]
        return stored + len(self._pending) - int(both)

    def rows(self, batch: int = 10_000) -> Iterator[Row]:
        """The combined rows, ordered by key, streamed from disk."""
        if self._pending is not None:
            yield from _merged(self._stored_rows(batch), self._pending) if self._stored else self._pending
            return
        yield from self._stored_rows(batch)

    def _stored_rows(self, batch: int) -> Iterator[Row]:
        plan = self._plan
        if plan.shares_total:
            total_sql = f"SELECT coalesce(sum({_q(plan.count)}), 0) FROM staged"
            total = int(self._db.execute(total_sql).fetchone()[0])
            at, count_at = plan.percent_at, plan.count_at
        cursor = self._db.execute(plan.select)
        while True:
            with gc_paused():  # building rows in bulk sets off collections that walk every row alive
                chunk = cursor.fetchmany(batch)
                if plan.from_db is not None:
                    chunk = list(map(plan.from_db, chunk))
                if plan.shares_total:
                    chunk = [(*row[:at], share(row[count_at], total), *row[at:]) for row in chunk]
            if not chunk:
                return
            yield from chunk

    def _duplicate(self, rows: Iterable[Row]) -> WolkvoxRowError:
        spec = self.stored_spec
        at = [spec.fields.index(name) for name in spec.key]
        keys = ", ".join(_q(name) for name in spec.key)
        staged = {tuple(r) for r in self._db.execute(f"SELECT {keys} FROM staged")}
        seen: set[tuple[Any, ...]] = set()
        plan = self._plan
        for row in rows:
            stored = row if plan.to_db is None else plan.to_db(row)
            key = tuple(stored[i] for i in at)
            if key in staged or key in seen:
                named = ", ".join(f"{n}={v!r}" for n, v in zip(spec.key, key, strict=True))
                return WolkvoxRowError(
                    f"{spec.api}: two rows with the same key ({named}); the report's key "
                    f"({', '.join(spec.key)}) should name one row, so the answer cannot be loaded "
                    "without losing one of them"
                )
            seen.add(key)
        return WolkvoxRowError(f"{spec.api}: two rows with the same key ({', '.join(spec.key)})")

    def cancel(self) -> None:
        """From another thread: stop the statement running in the staging file, and refuse any
        other (the task is stopping; the caller then closes the staging)."""
        self._cancelled = True
        with contextlib.suppress(sqlite3.ProgrammingError):  # closed already
            self._db.interrupt()

    def _stopping(self) -> int:
        """SQLite's progress handler: non-zero aborts the running statement."""
        return 1 if self._cancelled else 0

    def close(self) -> None:
        self._pending = None
        if not self.abandoned:
            self._db.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def __enter__(self) -> Staging:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class _Plan:
    """The staging table and statements of one spec."""

    def __init__(
        self,
        create: str,
        insert: str,
        select: str,
        *,
        to_db: Callable[[Row], Row] | None = None,
        from_db: Callable[[Row], Row] | None = None,
        shares_total: bool = False,
    ) -> None:
        self.create, self.insert, self.select = create, insert, select
        self.to_db, self.from_db, self.shares_total = to_db, from_db, shares_total
        self.percent_at = self.count_at = 0
        """Shares: where the recomputed percentage goes in a row, and where its count is staged."""
        self.count = ""


def _plan(spec: ReportSpec) -> _Plan:
    key = [_q(name) for name in spec.key]
    percent = spec.shares.percent if spec.combine == SHARES and spec.shares else None
    if spec.combine in (SUM, SHARES):
        # Shares: the percentage is not staged but recomputed from the summed counts on the way out.
        kept = [f for f in spec.schema if f.name != percent]
        staged = [_q(f.name) for f in kept]
        columns = [f"{_q(f.name)} {'INTEGER NOT NULL' if f.type in _WHOLE else 'TEXT'}" for f in kept]
        conflict = ", ".join(
            _summed(_q(f.name), TEXT if f.attribute else f.type) for f in kept if f.name not in spec.key
        )
    else:
        staged = [_q(name) for name in spec.fields]
        columns = [f"{_q(f.name)} {'INTEGER' if f.type in _WHOLE else 'TEXT'}" for f in spec.schema]
        conflict = ""
    if len(key) == 1:
        columns[staged.index(key[0])] = f"{key[0]} TEXT PRIMARY KEY"
    else:
        columns.append(f"PRIMARY KEY ({', '.join(key)})")
    create = f"CREATE TABLE staged ({', '.join(columns)}) WITHOUT ROWID"
    insert = f"INSERT INTO staged VALUES ({', '.join('?' * len(staged))})"
    if conflict:
        insert += f" ON CONFLICT({', '.join(key)}) DO UPDATE SET {conflict}"
    select = f"SELECT {', '.join(staged)} FROM staged ORDER BY {', '.join(key)}"
    plan = _Plan(create, insert, select)
    if percent is not None and spec.shares is not None:
        at = spec.fields.index(percent)
        kinds = tuple(f.type for f in kept)
        plan.shares_total = True
        plan.percent_at, plan.count = at, spec.shares.count
        plan.count_at = [f.name for f in kept].index(spec.shares.count)
        encode, plan.from_db = _codec(kinds) if _CODED & set(kinds) else (None, None)
        if encode is None:
            plan.to_db = lambda row: (*row[:at], *row[at + 1 :])
        else:
            plan.to_db = lambda row: encode((*row[:at], *row[at + 1 :]))
    elif spec.row_type is not None:
        # The table has exactly the row's columns: tuple.__new__ makes the same row as _make
        # without a Python-level call per row.
        plan.from_db = functools.partial(tuple.__new__, spec.row_type)
    elif _CODED & set(spec.types):
        plan.to_db, plan.from_db = _codec(spec.types)
    return plan


_WHOLE = frozenset({INTEGER, "duration"})
"""Types staged as SQLite integers (counts, seconds): summed exactly by SQLite itself."""
_CODED = frozenset({TIMESTAMP, PERCENT, "decimal", "date"})
"""Types staged as text and read back typed."""


def _summed(name: str, kind: str) -> str:
    """How a summed report's value column combines with a staged one: whole numbers add in SQLite,
    decimals (money) add exactly in Python, anything else (a name riding along) takes the latest."""
    if kind in _WHOLE:
        return f"{name} = {name} + excluded.{name}"
    if kind == "decimal":
        return f"{name} = wolkvox_decimal_sum({name}, excluded.{name})"
    return f"{name} = coalesce(excluded.{name}, {name})"


def _decimal_sum(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a if b is None else b
    return str(Decimal(a) + Decimal(b))


_SQLITE_INTEGERS = (-(2**63), 2**63 - 1)


def _sorted_plain(window: list[Row], *, typed: bool = False) -> bool:
    """True when ``window`` is exactly what campaign_8's staging table would give back for it:
    MachineCodesRow of a ``str`` telephone and six ``int`` counts SQLite can store, telephones
    unique and in the table's order (SQLite compares UTF-8 bytes, which order as code points do).
    ``typed``: campaign_8's decoder guarantees the fields' types and ranges already
    (``PlainRows``), so only the order is checked, at a fifth of the cost.

    Anything else (another type, a count out of SQLite's range, an unpaired surrogate, a repeated
    or unordered telephone) is written to the table as before, with the same errors at the same time.
    """
    if not window:
        return True
    if set(map(type, window)) != {CAMPAIGN_8.row_type}:
        return False
    # PlainRows were made by campaign_8's decoder: seven fields, a str and six int64 counts.
    telephones = list(map(operator.itemgetter(0), window)) if typed else _plain_telephones(window)
    if telephones is None or not all(map(operator.lt, telephones, itertools.islice(telephones, 1, None))):
        return False
    try:
        "".join(telephones).encode()
    except UnicodeEncodeError:
        return False
    return True


def _merged(stored: Iterator[Row], latest: list[Row]) -> Iterator[Row]:
    """campaign_8 rows of two streams in telephone order, the counts of a telephone in both summed."""
    make = CAMPAIGN_8.row_type
    assert make is not None
    later = iter(latest)
    pending = next(later, None)
    for row in stored:
        while pending is not None and pending[0] < row[0]:
            yield pending
            pending = next(later, None)
        if pending is not None and pending[0] == row[0]:
            yield make(row[0], *(a + b for a, b in zip(row[1:], pending[1:], strict=True)))
            pending = next(later, None)
        else:
            yield row
    if pending is not None:
        yield pending
        yield from later


def _plain_telephones(window: list[Row]) -> Sequence[Any] | None:
    """The telephones of ``window`` when every row is a ``str`` and six ``int`` SQLite can store."""
    if set(map(len, window)) != {7}:
        return None
    telephones, *counts = zip(*window, strict=True)
    low, high = _SQLITE_INTEGERS
    plain = set(map(type, telephones)) == {str} and all(
        set(map(type, column)) == {int} and low <= min(column) and max(column) <= high for column in counts
    )
    return telephones if plain else None


def _q(name: str) -> str:
    """Quoted: the spec's names are plain identifiers, some of them SQL words (date, time)."""
    return f'"{name}"'


def _codec(types: Sequence[str]) -> tuple[Callable[[Row], Row], Callable[[Row], Row]]:
    """Store times and dates as ISO text and percentages and money as decimal text; read them back typed."""
    kinds: tuple[str, ...] = tuple(types)

    def to_db(row: Row) -> Row:
        return tuple(
            v if v is None or k not in _CODED else v.isoformat() if k in (TIMESTAMP, "date") else str(v)
            for k, v in zip(kinds, row, strict=True)
        )

    def from_db(row: Row) -> Row:
        return tuple(
            v
            if v is None or k not in _CODED
            else datetime.fromisoformat(v)
            if k == TIMESTAMP
            else date.fromisoformat(v)
            if k == "date"
            else Decimal(v)
            for k, v in zip(kinds, row, strict=True)
        )

    return to_db, from_db
