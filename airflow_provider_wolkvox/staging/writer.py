"""One background writer that stages a request window while the next request is out.

Staging a dense window (summing tens of thousands of rows into the staging file) takes a
fraction of a second of the client's own time, between one answer and the next request. The
fetch loop hands each kept window here and sends its next request at once: the window is
written while the token waits on the server, which releases the interpreter lock. The fetch loop
stays the only thread that talks to the API, so there is still one request in flight per token.

At most one window is being written at any time: handing over the next one first waits for the
previous write, so memory holds that window and the one being fetched, never more. A write's
error is raised in the fetch loop at the next hand-over or at :meth:`StagingWriter.drain`.

The writer never outlives the task: leaving the ``with`` block normally waits for the write in
progress; leaving it on an error (the task's ``execution_timeout`` raises ``AirflowTaskTimeout``
in the fetch loop, a SIGTERM stops the task) cancels the write (the staging's statement is
interrupted, and its next row or statement refuses to start) and waits for it at most
:data:`EXIT_WAIT` seconds. The writer is a daemon thread, so even a write that ignored the
cancellation cannot keep the task's process alive; the staging then only removes its file.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

    from airflow_provider_wolkvox.reports import Row
    from airflow_provider_wolkvox.staging.store import Staging

log = logging.getLogger(__name__)

EXIT_WAIT = 5.0
"""Seconds the fetch loop waits, on its way out after an error, for a cancelled write to stop."""
THREAD_NAME = "wolkvox-staging"


class StagingWriter:
    """``staging.add`` on one writer thread (inline when ``staging.adds_in_background`` is False)."""

    def __init__(self, staging: Staging, *, exit_wait: float = EXIT_WAIT) -> None:
        self.staging = staging
        self.exit_wait = exit_wait
        self._background = staging.adds_in_background
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

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
        if not self._background:
            self.staging.add(rows, request_window=request_window, extras=extras, more=more)
            return
        self._thread = threading.Thread(
            target=self._write,
            args=(rows, request_window, extras, more),
            name=THREAD_NAME,
            daemon=True,  # never keeps the process alive (see the module)
        )
        self._thread.start()

    def _write(self, rows: list[Row], request_window: Any, extras: tuple[str, ...], more: bool) -> None:
        try:
            self.staging.add(rows, request_window=request_window, extras=extras, more=more)
        except BaseException as err:  # handed to the fetch loop, raised there
            self._error = err

    def drain(self) -> None:
        """Wait for the window being written; raise its error, if any. The wait ends early on
        whatever a signal handler raises in the fetch loop (``AirflowTaskTimeout``)."""
        thread = self._thread
        if thread is not None:
            thread.join()
            self._thread = None
        error, self._error = self._error, None
        if error is not None:
            raise error

    def cancel(self) -> bool:
        """Stop the write in progress and wait for it at most ``exit_wait`` seconds; return True
        when no write is left running (else the staging is told it was abandoned)."""
        thread, self._thread = self._thread, None
        self._error = None
        if thread is None:
            return True
        self.staging.cancel()
        thread.join(self.exit_wait)
        if not thread.is_alive():
            return True
        self.staging.abandoned = True
        log.warning(
            "the staging writer did not stop within %.0f s of being cancelled; leaving it behind "
            "(a daemon thread: it ends with the task's process), and removing the staging file",
            self.exit_wait,
        )
        return False

    def __enter__(self) -> StagingWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is not None:
            self.cancel()
            return
        try:
            self.drain()
        except BaseException:
            self.cancel()  # a timeout while waiting for the last write
            raise
