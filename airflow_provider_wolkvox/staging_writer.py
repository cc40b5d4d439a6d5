"""One background writer that stages a request window while the next request is out.

Staging a dense window (summing tens of thousands of rows into the staging file) takes a
fraction of a second of the client's own time, between one answer and the next request. The
fetch loop hands each kept window here and sends its next request at once: the window is
written while the token waits on the server, which releases the interpreter lock. The fetch loop
stays the only thread that talks to the API, so there is still one request in flight per token.

At most one window is being written at any time: handing over the next one first waits for the
previous write, so memory holds that window and the one being fetched, never more. A write's
error is raised in the fetch loop at the next hand-over or at :meth:`StagingWriter.drain`, and
leaving the ``with`` block on any path waits for the write in progress, so no thread outlives
the fetch and the staging is never closed while being written.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from airflow_provider_wolkvox.reports import Row
    from airflow_provider_wolkvox.staging import Staging


class StagingWriter:
    """``staging.add`` on one writer thread (inline when ``staging.adds_in_background`` is False)."""

    def __init__(self, staging: Staging) -> None:
        self.staging = staging
        self._pool = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="wolkvox-staging")
            if staging.adds_in_background
            else None
        )
        self._writing: Future[None] | None = None

    def add(
        self,
        rows: list[Row],
        request_window: tuple[datetime, datetime],
        extras: tuple[str, ...],
        *,
        more: bool,
    ) -> None:
        """Stage one window (``more``: other windows of the interval follow); returns once the
        previous window is written, raising its error if it failed."""
        self.drain()
        if self._pool is None:
            self.staging.add(rows, request_window=request_window, extras=extras, more=more)
            return
        self._writing = self._pool.submit(
            self.staging.add, rows, request_window=request_window, extras=extras, more=more
        )

    def drain(self) -> None:
        """Wait for the window being written; raise its error, if any."""
        writing, self._writing = self._writing, None
        if writing is not None:
            writing.result()

    def __enter__(self) -> StagingWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc is None:
                self.drain()
        finally:
            self._writing = None
            if self._pool is not None:
                self._pool.shutdown(wait=True)  # the write in progress ends before the staging closes
