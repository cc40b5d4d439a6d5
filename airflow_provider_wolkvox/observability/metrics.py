"""Metrics through Airflow's own Stats: StatsD, Datadog or OpenTelemetry, whatever the deployment set.

Names (Airflow adds its ``[metrics] statsd_prefix``, ``airflow.`` by default) and
tags are listed in ``docs/observability.md``. Tags are connection ids and report
names only, never the token. Nothing is sent unless the deployment turned metrics on.
"""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_wolkvox.hooks.wolkvox import TokenInfo
    from airflow_provider_wolkvox.observability.figures import TaskFigures

CALLS_SENT = "wolkvox.calls.sent"
CALLS_KEPT = "wolkvox.calls.kept"
CALLS_CAPPED = "wolkvox.calls.capped"
CALLS_RETRIED = "wolkvox.calls.retried"
ROWS_RECEIVED = "wolkvox.rows.received"
ROWS_LOADED = "wolkvox.rows.loaded"
CHARS_REPLACED = "wolkvox.chars.replaced"
API_WAIT = "wolkvox.api_wait"
LOAD_DURATION = "wolkvox.load_duration"
QUOTA_LEFT = "wolkvox.quota.left"
QUOTA_USED = "wolkvox.quota.used_today"
QUOTA_LIMIT = "wolkvox.quota.limit"


STATS_MODULES = ("airflow.sdk.observability.stats", "airflow.observability.stats", "airflow.stats")
"""Where Airflow's Stats facade lives, newest release first (it moved between 3.0 and 3.3)."""


def stats() -> Any:
    """Airflow's Stats facade of the running release."""
    for module in STATS_MODULES:
        try:
            return importlib.import_module(module).Stats
        except ImportError:
            continue
    raise ImportError(f"no Airflow Stats in {', '.join(STATS_MODULES)}")  # pragma: no cover


def calls_sent(conn_id: str, report: str, calls: int) -> None:
    """HTTP requests a task sent, failed tasks included: every one spent quota."""
    if calls:
        stats().incr(CALLS_SENT, count=calls, tags={"conn_id": conn_id, "report": report})


def task_figures(figures: TaskFigures) -> None:
    """A successful task's calls, rows and seconds."""
    s = stats()
    tags = {"conn_id": figures.wolkvox_conn_id, "report": figures.report}
    summary = figures.summary
    s.incr(CALLS_KEPT, count=summary.requests, tags=tags)
    s.incr(CALLS_CAPPED, count=summary.capped_calls, tags=tags)
    s.incr(CALLS_RETRIED, count=summary.retried_calls, tags=tags)
    s.incr(ROWS_RECEIVED, count=summary.rows, tags=tags)
    s.timing(API_WAIT, timedelta(seconds=summary.api_seconds), tags=tags)
    if summary.replaced_chars:
        s.incr(CHARS_REPLACED, count=summary.replaced_chars, tags=tags)
    if figures.warehouse is not None:
        s.incr(ROWS_LOADED, count=figures.rows_delivered, tags=tags)
        s.timing(LOAD_DURATION, timedelta(seconds=figures.deliver_seconds), tags=tags)


def quota(conn_id: str, info: TokenInfo) -> None:
    """The token's quota, each time ``token_info`` is read."""
    s = stats()
    tags = {"conn_id": conn_id}
    for name, value in (
        (QUOTA_LEFT, info.available_consumption_options),
        (QUOTA_USED, info.token_use_today),
        (QUOTA_LIMIT, info.token_limit),
    ):
        if value is not None:
            s.gauge(name, value, tags=tags)
