"""Fetch one interval with the fewest legal API calls, and never keep a truncated answer.

The interval is cut into request windows within the API's limits. An answer at
the 60,000-row cap may be truncated, and a window that keeps timing out is too
heavy for the server's 60 s: both are split and asked again. The next window's
size follows the density just seen (:mod:`~airflow_provider_wolkvox.fetching.sizing`), so a
dense interval does not pay for the same oversized request over and over; given the
history of earlier runs (:mod:`~airflow_provider_wolkvox.fetching.density`), the first window is
planned from it too, and every answered window is returned as an observation for the
next run's history. Rows are
combined per key in staging, the way the report's spec says (summed, shares
recomputed, or detail rows kept), on a writer thread while the next request is out
(:mod:`~airflow_provider_wolkvox.staging.writer`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from airflow_provider_wolkvox._moved import moved_names
from airflow_provider_wolkvox.client.windows import API_MAX_WINDOW, ONE_SECOND, ROW_CAP, describe, window_end
from airflow_provider_wolkvox.exceptions import WolkvoxTimeoutError, WolkvoxTruncatedError
from airflow_provider_wolkvox.fetching.density import Observation
from airflow_provider_wolkvox.fetching.sizing import WindowSizer
from airflow_provider_wolkvox.reports import TIMESTAMP
from airflow_provider_wolkvox.staging.writer import StagingWriter

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pendulum import DateTime

    from airflow_provider_wolkvox.fetching.density import DensityHistory
    from airflow_provider_wolkvox.hooks.wolkvox import WolkvoxHook
    from airflow_provider_wolkvox.reports import ReportSpec, Row
    from airflow_provider_wolkvox.staging.store import Staging

_log = logging.getLogger(__name__)

__getattr__ = moved_names(__name__, {"params_label": f"{__name__}.describe_params"})


class ProgressLog(Protocol):
    """What fetching logs to: a stdlib logger, or an Airflow task's ``self.log``."""

    def info(self, msg: Any, /, *args: Any, **kwargs: Any) -> Any: ...

    def warning(self, msg: Any, /, *args: Any, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class FetchSummary:
    """What fetching one interval cost and returned.

    ``api_calls == requests + capped_calls + retried_calls``: every request is either kept,
    discarded at the cap, or a retry.
    """

    requests: int
    """Request windows answered below the cap (the ones whose rows were kept)."""
    api_calls: int
    """HTTP requests sent, including discarded capped answers and retries."""
    rows: int
    """Rows received across the kept request windows."""
    capped_calls: int = 0
    """Answers discarded because they reached the row cap (the window was split and asked again)."""
    retried_calls: int = 0
    """Requests sent again after a transient answer or a timeout: the hook's retries of a window,
    and each re-ask, smaller, of a window that kept timing out."""
    windows: tuple[tuple[DateTime, DateTime], ...] = ()
    """The kept request windows ``[start, end)``, in order."""
    api_seconds: float = 0.0
    """Seconds spent waiting on the API (sending, waiting, reading answers; backoff not included)."""
    observations: tuple[Observation, ...] = ()
    """Every answered request window in order, capped ones included: what
    ``DensityHistory.updated`` takes to plan the next run."""
    replaced_chars: int = 0
    """Characters of the kept answers' text no warehouse can store (NUL, unpaired surrogates),
    replaced by U+FFFD (``decoding.storable``)."""


@dataclass(frozen=True)
class FetchedInterval:
    """One interval's rows, combined per key in ``staging`` (its ``spec`` says how), ready to deliver."""

    params: Mapping[str, str]
    """The report's request parameters (a campaign report's campaign id, given as text, is
    ``{"campaign_id": id}``)."""
    start: DateTime
    end: DateTime
    timezone: str
    staging: Staging
    summary: FetchSummary

    def __post_init__(self) -> None:
        if isinstance(self.params, str):
            object.__setattr__(self, "params", {"campaign_id": self.params})

    @property
    def campaign_id(self) -> str:
        """The campaign of a campaign report ("" for a report without one)."""
        return self.params.get("campaign_id", "")


def fetch_interval(
    hook: WolkvoxHook,
    params: str | Mapping[str, str],
    start: DateTime,
    end: DateTime,
    staging: Staging,
    *,
    max_request_window: timedelta = API_MAX_WINDOW,
    row_cap: int | None = None,
    logger: ProgressLog | None = None,
    history: DensityHistory | None = None,
) -> FetchSummary:
    """Fetch ``staging.spec``'s report (campaign_8 unless told) for ``[start, end)`` into ``staging``.

    Progress goes to ``logger`` (an operator passes its task logger), else this module's.
    ``params`` are the report's request parameters (or a campaign report's campaign id).
    ``history`` (earlier runs of the same connection, report and parameters) plans the
    windows; without it they are learnt from this run's answers alone. ``row_cap``: the server's
    rows per answer (None: the API's, ``ROW_CAP``, read at call time so a test can scale it).
    """
    row_cap = ROW_CAP if row_cap is None else row_cap
    spec = staging.spec
    log = logger or _log
    tz = hook.timezone
    sizer = WindowSizer(row_cap, min(max_request_window, API_MAX_WINDOW), history, tz)
    calls_before, retries_before, seconds_before = hook.calls, hook.retries, hook.seconds
    cursor, rows_total, capped, split_retries, outside, replaced = start, 0, 0, 0, 0, 0
    windows: list[tuple[DateTime, DateTime]] = []
    observations: list[Observation] = []
    limit = int(end.timestamp())
    with StagingWriter(staging) as writer:
        while cursor < end:
            stop = window_end(cursor, end, sizer.size_at(int(cursor.timestamp()), limit), tz)
            # A plain timedelta: pendulum's mixes badly.
            span = timedelta(seconds=(stop - cursor).total_seconds())
            label = describe(cursor, stop, tz)
            try:
                table = hook.get_table(spec, params, cursor, stop)
            except WolkvoxTimeoutError:
                if span <= ONE_SECOND:
                    raise
                sizer.timed_out(span)
                split_retries += 1
                log.warning(
                    "%s keeps timing out on the server: asking for windows of %s instead", label, sizer.size
                )
                continue
            rows = table.rows
            observations.append(
                Observation(int(cursor.timestamp()), int(stop.timestamp()), len(rows), len(rows) >= row_cap)
            )
            if len(rows) >= row_cap:
                if span <= ONE_SECOND:
                    raise WolkvoxTruncatedError(
                        f"{spec.api} {label}: even a one-second window returns {len(rows):,} rows, the API's "
                        "cap; the answer is truncated and cannot be split further"
                    )
                sizer.capped(span)
                capped += 1
                log.info(
                    "%s hit the %s-row cap (may be truncated): asking for %s instead",
                    label,
                    f"{row_cap:,}",
                    sizer.size,
                )
                continue
            outside += _dated_outside(spec, rows, cursor, stop)
            if table.replaced:
                replaced += table.replaced
                log.warning(
                    "%s: %s character(s) of the answer's text that no warehouse can store (NUL, "
                    "unpaired UTF-16 surrogates) were replaced by U+FFFD",
                    label,
                    f"{table.replaced:,}",
                )
            # Handed to the writer: the next request goes out while this window is staged.
            writer.add(rows, (cursor, stop), table.extras, more=stop < end)
            windows.append((cursor, stop))
            rows_total += len(rows)
            cursor = stop
            sizer.kept(span, len(rows))
            remaining = math.ceil((end - cursor).total_seconds() / sizer.size.total_seconds())
            done = len(windows)
            log.info("request %d/%d %s -> %s rows", done, done + remaining, label, f"{len(rows):,}")
    if outside:
        log.warning(
            "%s: %s row(s) are dated outside the request window that answered them (dates read in %s); "
            "they were kept whole, as answered. The API is expected to answer a window with the rows "
            "dated in it: rows of adjacent windows may now overlap",
            spec.api,
            f"{outside:,}",
            tz,
        )
    if not rows_total:
        log.warning(
            "%s %s: the API answered no rows for any of the %d request window(s) of %s. If this "
            "report never returns data here, check the connection's server and token, and that %s "
            "exists on that server: the API answers a report it does not have the same way",
            spec.api,
            f"campaign {params}" if isinstance(params, str) else describe_params(params),
            len(windows),
            describe(start, end, tz),
            spec.api,
        )
    return FetchSummary(
        requests=len(windows),
        api_calls=hook.calls - calls_before,
        rows=rows_total,
        capped_calls=capped,
        retried_calls=hook.retries - retries_before + split_retries,
        windows=tuple(windows),
        api_seconds=hook.seconds - seconds_before,
        observations=tuple(observations),
        replaced_chars=replaced,
    )


def describe_params(params: Mapping[str, str]) -> str:
    """``campaign 1``, ``skill_id=all`` or ``(no parameters)``, for log lines."""
    if list(params) == ["campaign_id"]:
        return f"campaign {params['campaign_id']}"
    return " ".join(f"{name}={value}" for name, value in params.items()) or "(no parameters)"


def _dated_outside(spec: ReportSpec, rows: Sequence[Row], start: DateTime, end: DateTime) -> int:
    """How many detail rows carry a date (``spec.date_field``) outside ``[start, end)``: none when
    the API answers a window with the rows dated in it, as it is expected to (and the emulator does)."""
    if spec.date_field is None or not rows:
        return 0
    at = spec.fields.index(spec.date_field)
    if spec.types[at] != TIMESTAMP:
        return 0
    return sum(1 for row in rows if not start <= row[at] < end)
