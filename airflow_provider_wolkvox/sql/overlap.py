"""PostgreSQL overlap staging: each answered request window goes to the warehouse while the next
request is in flight, and one short transaction replaces the interval's window at the end.

A summed report fetched in several request windows (campaign_8 over a dense interval) is
staged in a temporary table on the load's own connection: a writer thread COPYs each
window's rows into it while the fetch loop (the only thread that talks to the API, so still
one request in flight per token) waits on the next answer. The staging connection runs in
autocommit, so no transaction stays open across API calls. At the end, one transaction takes
the window's lock, deletes the window, inserts the staged rows summed per key
(``GROUP BY key``, ``sum(counts)``, in key order so the target's index is filled in order)
and writes the ledger row. A failure anywhere before that commit leaves the target exactly as
it was; closing the staging drops the temporary table (PostgreSQL also drops it with the
session).

An interval of one request window never opens the staging connection: its rows stay in
memory, exactly as :class:`~airflow_provider_wolkvox.staging.store.Staging` keeps them, and load
through the direct COPY path. Anything this path does not handle (psycopg2, Redshift, a
report that is not summed) stages locally as before.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import closing
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow_provider_wolkvox.exceptions import WolkvoxRowError
from airflow_provider_wolkvox.reports import CAMPAIGN_8, INTEGER, SUM, TEXT, ReportSpec, Row
from airflow_provider_wolkvox.reports.stored import window_columns
from airflow_provider_wolkvox.sql.copy_format import escape
from airflow_provider_wolkvox.sql.flavors import POSTGRES, hook_flavor
from airflow_provider_wolkvox.sql.job import LoadJob
from airflow_provider_wolkvox.sql.ledger import add_replaced_column, ledger_statements, record_load
from airflow_provider_wolkvox.sql.names import settle_names
from airflow_provider_wolkvox.sql.rows import check_batch, plain_columns
from airflow_provider_wolkvox.sql.schema import statements
from airflow_provider_wolkvox.sql.transaction import transaction
from airflow_provider_wolkvox.staging.store import Staging
from airflow_provider_wolkvox.staging.writer import EXIT_WAIT

if TYPE_CHECKING:
    from airflow.providers.common.sql.hooks.sql import DbApiHook

log = logging.getLogger(__name__)

FINAL_WORK_MEM = "128MB"
"""``work_mem`` of the final transaction only (``SET LOCAL``): the summing sort of 600,000 staged
rows takes about 90 MB; under PostgreSQL's 4 MB default it would sort on disk."""
STAGE_TEMP_BUFFERS = "64MB"
"""``temp_buffers`` of the staging session: staged rows stay in memory up to this size."""
_INT8 = (-(2**63), 2**63 - 1)


def can_overlap(spec: ReportSpec) -> bool:
    """True for the reports this path stages: summed ones (text key, integer counts)."""
    key = set(spec.key)
    return spec.combine == SUM and all(
        (f.type == TEXT if f.name in key else f.type == INTEGER) and not f.nullable for f in spec.schema
    )


def overlap_staging(db_hook: DbApiHook, spec: ReportSpec, directory: str | None = None) -> Staging:
    """The staging an interval loading into ``db_hook``'s warehouse should use: overlap staging for
    a summed report into PostgreSQL, else local :class:`Staging`."""
    if hook_flavor(db_hook) is POSTGRES and can_overlap(spec):
        return PostgresOverlapStaging(db_hook, spec, directory)
    return Staging(directory, spec)


class StagedRows:
    """The rows of an interval staged in PostgreSQL: what ``load_window`` replaces the window with.

    Iterating reads them back summed per key, in key order (for any other use than
    ``load_window``, which inserts them on the server without reading them).
    """

    def __init__(self, staging: PostgresOverlapStaging) -> None:
        self.staging = staging
        self._read: Iterator[Row] | None = None

    def __iter__(self) -> Iterator[Row]:
        return self

    def __next__(self) -> Row:
        if self._read is None:
            self._read = self._read_back()
        return next(self._read)

    def _read_back(self) -> Iterator[Row]:
        staging = self.staging
        staging.finish()
        cursor = staging.conn.cursor()
        try:
            cursor.execute(staging.summed_sql())
            while chunk := cursor.fetchmany(10_000):
                yield from (tuple(row) for row in chunk)
        finally:
            cursor.close()


class PostgresOverlapStaging(Staging):
    """Staging that COPYs request windows into a PostgreSQL temporary table in a writer thread.

    Behaves as :class:`Staging` for fetching (``add``, ``spec``, ``rows``); ``len()`` is the
    number of rows staged (before summing: counting distinct keys would cost a sort).
    """

    adds_in_background = False
    """:meth:`add` only queues a window for this class's own writer: nothing to gain from another."""

    def __init__(
        self, db_hook: DbApiHook, spec: ReportSpec = CAMPAIGN_8, directory: str | None = None
    ) -> None:
        super().__init__(directory, spec)
        self.db_hook = db_hook
        self.conn: Any = None
        self.table = f"wolkvox_stage_{uuid.uuid4().hex[:16]}"
        self._remote = False
        self._local = False
        """True once this interval stages locally after all (a connection this path cannot use)."""
        self._staged = 0
        self._queue: queue.Queue[list[Row] | None] = queue.Queue(maxsize=1)
        self._writer: threading.Thread | None = None
        self._error: BaseException | None = None
        self._closed = False

    # -- fetching ---------------------------------------------------------------------------
    def add(
        self,
        rows: Any,
        request_window: tuple[datetime, datetime] | None = None,
        extras: tuple[str, ...] = (),
        *,
        more: bool = False,
    ) -> None:
        """Stage one request window: the first stays in memory (whatever ``more`` says); from the
        second on, every window goes to the PostgreSQL staging table while the caller asks for the
        next one.

        Fields beyond the spec's (schema on read) are staged locally: before the staging table
        exists, the interval simply stays local; once it exists, the load stops with advice."""
        self._raise_writer_error()
        if extras and not self._remote:
            self._local = True
        if self._local or (not self._remote and self.rows_added == 0):
            super().add(rows, request_window, extras)
            return
        if extras:
            raise WolkvoxRowError(
                f"{self.spec.api} began sending fields {', '.join(extras)} midway through an interval "
                "staged in PostgreSQL; nothing was loaded. Run it again: the next run stages them "
                "locally (or set stage_in_warehouse=False)"
            )
        if not self._remote:
            first = list(super().rows())  # combined as Staging combines it, at most one window
            if not self._open():
                super().add(rows, request_window, extras)
                return
            self._send(first)
        self._send(rows if isinstance(rows, list) else list(rows))

    def __len__(self) -> int:
        return self._staged if self._remote else super().__len__()

    def rows(self, batch: int = 10_000) -> Iterator[Row]:
        if self._remote:
            return StagedRows(self)
        return super().rows(batch)

    def staged_rows(self) -> StagedRows | None:
        """The staged rows when they are in PostgreSQL, else None (one window, or local staging)."""
        return StagedRows(self) if self._remote else None

    # -- the staging connection and its writer thread --------------------------------------
    def _open(self) -> bool:
        from airflow_provider_wolkvox.sql import postgres

        conn = self.db_hook.get_conn()
        try:
            usable = postgres.copy_kind(conn) == "psycopg" and not postgres.is_redshift(conn)
            if usable:
                conn.autocommit = True  # no transaction stays open while the API answers
                cursor = conn.cursor()
                try:
                    cursor.execute(f"SET temp_buffers = '{STAGE_TEMP_BUFFERS}'")
                    cursor.execute(self._create_sql())
                finally:
                    cursor.close()
        except BaseException:
            conn.close()
            raise
        if not usable:
            conn.close()
            self._local = True
            log.info("staging locally: the connection cannot COPY from this process (psycopg 3 needed)")
            return False
        self.conn, self._remote = conn, True
        self._writer = threading.Thread(target=self._write_loop, name=f"{self.table}-writer", daemon=True)
        self._writer.start()
        return True

    def _create_sql(self) -> str:
        spec, key = self.spec, set(self.spec.key)
        columns = ", ".join(f'"{f.name}" {"text" if f.name in key else "bigint"}' for f in spec.schema)
        return f"CREATE TEMPORARY TABLE {self.table} ({columns})"

    def summed_sql(self) -> str:
        """The staged rows summed per key, in key order."""
        spec, key = self.spec, self.spec.key
        keys = ", ".join(f'"{name}"' for name in key)
        values = ", ".join(
            f'"{f.name}"' if f.name in key else f'sum("{f.name}")::bigint' for f in spec.schema
        )
        return f"SELECT {values} FROM {self.table} GROUP BY {keys} ORDER BY {keys}"

    def _send(self, window: list[Row]) -> None:
        if not window:
            return
        self._staged += len(window)
        while True:  # wait for the writer, but never past its death
            self._raise_writer_error()
            try:
                self._queue.put(window, timeout=0.5)
                return
            except queue.Full:
                continue

    def _write_loop(self) -> None:
        done = 0
        while True:
            window = self._queue.get()
            if window is None:
                return
            if self._error is not None:
                continue  # drain: the fetch loop raises the error at its next add or at finish
            try:
                text = self._encode(window, done)
                cursor = self.conn.cursor()
                try:
                    with cursor.copy(f"COPY {self.table} FROM STDIN") as copy:
                        copy.write(text)
                finally:
                    cursor.close()
                done += len(window)
            except BaseException as err:  # handed to the fetch loop's thread
                self._error = err

    def _encode(self, window: Sequence[Row], done: int) -> str:
        """COPY text of one window; raises WolkvoxRowError naming the first row that is not the spec's."""
        where = f"the staging of {self.spec.api}"
        if self.spec is CAMPAIGN_8:
            columns = plain_columns(window)
            if columns is None:
                check_batch(window, done, where)
                columns = list(zip(*(tuple(row) for row in window), strict=True))
            low, high = _INT8
            for name, column in zip(CAMPAIGN_8.fields[1:], columns[1:], strict=True):
                if min(column) < low or max(column) > high:
                    raise WolkvoxRowError(f"{where}: {name} holds a count beyond a 64-bit integer")
            return "".join(
                [f"{escape(t)}\t{a:d}\t{b:d}\t{c:d}\t{d:d}\t{e:d}\t{f:d}\n" for t, a, b, c, d, e, f in window]
            )
        check_batch(window, done, where, self.spec)
        key = [f.name in self.spec.key for f in self.spec.schema]
        return "".join(
            [
                "\t".join([escape(v) if is_key else f"{v:d}" for is_key, v in zip(key, row, strict=True)])
                + "\n"
                for row in window
            ]
        )

    def _raise_writer_error(self) -> None:
        if self._error is not None:
            raise self._error

    def finish(self) -> None:
        """Wait until every window is in the staging table; raise what the writer met."""
        writer, self._writer = self._writer, None
        if writer is not None:
            self._queue.put(None)
            writer.join()
        self._raise_writer_error()

    # -- the final transaction --------------------------------------------------------------
    def load(self, db_hook: DbApiHook, job: LoadJob) -> int:
        """Replace ``job``'s window with the staged rows summed per key, in one transaction on the
        staging connection; return the rows inserted."""
        from airflow_provider_wolkvox.sql import postgres

        self.finish()
        conn, spec = self.conn, self.spec
        sql = statements(POSTGRES, job.table, placeholder="%s", spec=spec)
        ledger = None if job.ledger_table is None else ledger_statements(POSTGRES, job.ledger_table, "%s")
        window = job.window(POSTGRES.time_value)
        marks = ", ".join(["%s"] * len(window))
        with transaction(db_hook, conn):
            cursor = conn.cursor()
            try:
                if job.create_table:
                    postgres.create_missing(cursor, sql.table, sql.create)
                    if ledger is not None:
                        postgres.create_missing(cursor, ledger.table, ledger.create)
                # The parameter's column as the table names it (a field NULL here keeps its NULL).
                settled = settle_names(cursor, job, POSTGRES, sql.table, POSTGRES.quote)
                if settled is not job:
                    sql = statements(POSTGRES, job.table, placeholder="%s", spec=settled.spec)
                names = ", ".join(f'"{name}"' for name in (*window_columns(settled.spec), *spec.fields))
                insert = (
                    f'INSERT INTO {sql.table} ({names}, "loaded_at") '
                    f"SELECT {marks}, s.*, %s FROM ({self.summed_sql()}) AS s"
                )
                add_replaced_column(cursor, job, ledger)
                cursor.execute(postgres.LOCK_SQL, (postgres.lock_key(sql.table, job),))
                cursor.execute(sql.delete, window)
                deleted = cursor.rowcount
                cursor.execute(f"SET LOCAL work_mem = '{FINAL_WORK_MEM}'")
                try:
                    cursor.execute(insert, (*window, job.loaded_at))
                except Exception as err:
                    if type(err).__name__ == "NumericValueOutOfRange":
                        raise WolkvoxRowError(
                            f"a count summed for {job.describe()} is more than {sql.table}'s integer "
                            "column holds; make the column bigint"
                        ) from err
                    raise
                inserted = int(cursor.rowcount)
                record_load(cursor.execute, job, POSTGRES, ledger, replaced=deleted, loaded=inserted)
            finally:
                cursor.close()
        log.info(
            "Replaced %s rows with %s in %s for %s (staged in PostgreSQL while fetching, one INSERT)",
            deleted,
            inserted,
            sql.table,
            job.describe(),
        )
        return inserted

    # -- cleaning up ------------------------------------------------------------------------
    def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                self._stop_writer()
            finally:
                conn, self.conn = self.conn, None
                if conn is not None:
                    with closing(conn):
                        _drop(conn, self.table)
        super().close()

    def _stop_writer(self) -> None:
        """Stop the writer within about ``2 * EXIT_WAIT`` seconds: it drains what is queued and takes
        the None; a COPY that does not end is cancelled on the server; a writer that still runs is
        left with its connection (a daemon thread: the session ends with the process)."""
        writer, self._writer = self._writer, None
        if writer is None:
            return
        self._error = self._error or _Abandoned()
        deadline = time.monotonic() + EXIT_WAIT
        while writer.is_alive() and time.monotonic() < deadline:
            try:
                self._queue.put(None, timeout=0.5)
                break
            except queue.Full:
                continue
        writer.join(max(0.0, deadline - time.monotonic()))
        if writer.is_alive() and self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.cancel()  # psycopg: safe from another thread; the COPY fails at once
            writer.join(EXIT_WAIT)
        if writer.is_alive():
            log.warning("the PostgreSQL staging writer did not stop; leaving its connection to it")
            self.conn = None


class _Abandoned(Exception):
    """Set on a writer whose staging is closed before it finished: it only drains its queue."""


def _drop(conn: Any, table: str) -> None:
    """Drop the staging table (the session's end would too); never hide the error being raised."""
    try:
        if not conn.closed:
            conn.rollback()
            conn.autocommit = True
            conn.execute(f"DROP TABLE IF EXISTS {table}")
    except Exception:
        log.warning("Could not drop the staging table %s; it goes with the session", table, exc_info=True)
