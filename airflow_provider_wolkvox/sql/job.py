"""One window load, described once and handed to whichever loader the dialect picks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from airflow_provider_wolkvox._moved import moved_names
from airflow_provider_wolkvox.reports import CAMPAIGN_8, ReportSpec, Row
from airflow_provider_wolkvox.reports.found import FoundTypes
from airflow_provider_wolkvox.reports.stored import NEW_COLUMNS_MAX

__getattr__ = moved_names(
    __name__,
    {
        "window_values": "airflow_provider_wolkvox.reports.stored.window_values",
        "params_label": f"{__name__}.ledger_params",
    },
)


@dataclass(frozen=True)
class LedgerEntry:
    """What the ledger records about a load beyond the window itself; None where unknown."""

    wolkvox_conn_id: str | None = None
    rows_received: int | None = None
    requests: int | None = None
    api_calls: int | None = None
    capped_calls: int | None = None
    retried_calls: int | None = None
    request_windows: Sequence[tuple[datetime, datetime]] | None = None
    chars_replaced: int | None = None
    dag_id: str | None = None
    run_id: str | None = None
    task_id: str | None = None
    try_number: int | None = None

    @classmethod
    def of_fetch(cls, wolkvox_conn_id: str, summary: Any, task_instance: Any = None) -> LedgerEntry:
        """An entry from a :class:`~airflow_provider_wolkvox.fetching.interval.FetchSummary` and, when loading
        from a task, its task instance (``dag_id``, ``run_id``, ``task_id``, ``try_number``)."""
        ti = task_instance
        return cls(
            wolkvox_conn_id=wolkvox_conn_id,
            rows_received=summary.rows,
            requests=summary.requests,
            api_calls=summary.api_calls,
            capped_calls=summary.capped_calls,
            retried_calls=summary.retried_calls,
            request_windows=tuple(summary.windows),
            chars_replaced=getattr(summary, "replaced_chars", 0) or None,
            dag_id=getattr(ti, "dag_id", None),
            run_id=getattr(ti, "run_id", None),
            task_id=getattr(ti, "task_id", None),
            try_number=getattr(ti, "try_number", None),
        )


@dataclass(frozen=True)
class LoadJob:
    """Replace the rows of one (request parameters, window) in ``table`` with ``rows``.

    Times are plain aware ``datetime`` values in UTC, whole seconds.
    """

    table: str
    params: tuple[str, ...]
    """The request's parameter values, in the order of ``spec.params`` (campaign reports: the
    campaign id; a parameter not given is ``""``)."""
    window_start: datetime
    window_end: datetime
    loaded_at: datetime
    rows: Iterable[Row]
    create_table: bool
    spec: ReportSpec = CAMPAIGN_8
    """The report the rows are of: it gives the table's columns and the rows' shape."""
    allow_empty: bool = False
    """Let no rows replace the window's loaded rows (else the load fails and changes nothing)."""
    ledger_table: str | None = None
    """The ledger table (schema-qualified as the loaders use it), or None for no ledger row."""
    ledger: LedgerEntry | None = None
    """What the ledger row records beyond the window; None: only what the load itself knows."""
    max_new_columns: int = NEW_COLUMNS_MAX
    """Most columns the load may add to the table for fields found on read (schema on read)."""
    found: FoundTypes | None = None
    """The kinds the staged answer gives its fields found on read (typed schema on read,
    :mod:`~airflow_provider_wolkvox.sql.widen`); None: they stay text."""

    @property
    def campaign_id(self) -> str:
        """The campaign of a campaign report; for other reports, its parameters as ``name=value``
        pairs joined by ``&`` (``-`` for none): what the ledger's ``campaign_id`` column holds."""
        return ledger_params(self.spec, self.params)

    def window(self, time_value: Callable[[datetime], Any]) -> tuple[Any, ...]:
        """The values of the table's window columns: parameters, then start and end as ``time_value``
        makes them."""
        return (*self.params, time_value(self.window_start), time_value(self.window_end))

    def describe(self) -> str:
        """``campaign 123 [2026-11-27T06:00:00+00:00, 2026-11-27T07:00:00+00:00)`` for messages."""
        span = f"[{self.window_start.isoformat()}, {self.window_end.isoformat()})"
        if _is_campaign(self.spec):
            return f"campaign {self.params[0]} {span}"
        label = ledger_params(self.spec, self.params)
        return span if label == "-" else f"{label} {span}"


def _is_campaign(spec: ReportSpec) -> bool:
    return [p.name for p in spec.params] == ["campaign_id"]


def ledger_params(spec: ReportSpec, values: tuple[str, ...]) -> str:
    """How a load's parameters are written where one text says them (the ledger, messages)."""
    if _is_campaign(spec):
        return values[0]
    pairs = [f"{p.name}={v}" for p, v in zip(spec.params, values, strict=True) if v]
    return "&".join(pairs) or "-"
