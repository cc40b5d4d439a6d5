"""Metrics through Airflow's own Stats: StatsD, Datadog or OpenTelemetry, whatever the deployment set.

Names (Airflow adds its ``[metrics] statsd_prefix``, ``airflow.`` by default) and
tags are listed in ``docs/observability.md``. Tags are connection ids and report
names only, never the token. Nothing is sent unless the deployment turned metrics on. The
token's quota gauges are the client's (:mod:`~airflow_provider_wolkvox.client.quota`): the hook
sends them, and the hook imports nothing of observability.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from airflow_provider_wolkvox._compat import stats
from airflow_provider_wolkvox._moved import moved_names

if TYPE_CHECKING:
    from airflow_provider_wolkvox.observability.figures import TaskFigures

CALLS_SENT = "wolkvox.calls.sent"
CALLS_KEPT = "wolkvox.calls.kept"
CALLS_CAPPED = "wolkvox.calls.capped"
CALLS_RETRIED = "wolkvox.calls.retried"
CALLS_RELOAD = "wolkvox.calls.reload"
ROWS_RECEIVED = "wolkvox.rows.received"
ROWS_LOADED = "wolkvox.rows.loaded"
CHARS_REPLACED = "wolkvox.chars.replaced"
API_WAIT = "wolkvox.api_wait"
LOAD_DURATION = "wolkvox.load_duration"

__getattr__ = moved_names(
    __name__,
    {
        "quota": "airflow_provider_wolkvox.client.quota.send_gauges",
        **{
            name: f"airflow_provider_wolkvox.client.quota.{name}"
            for name in ("QUOTA_LEFT", "QUOTA_USED", "QUOTA_LIMIT")
        },
    },
)


def calls_sent(conn_id: str, report: str, calls: int) -> None:
    """HTTP requests a task sent, failed tasks included: every one spent quota."""
    if calls:
        stats().incr(CALLS_SENT, count=calls, tags={"conn_id": conn_id, "report": report})


def task_figures(figures: TaskFigures) -> None:
    """A successful task's calls, rows and seconds, earlier windows it reloaded included; what
    reloading cost apart too (``wolkvox.calls.reload``)."""
    s = stats()
    tags = {"conn_id": figures.wolkvox_conn_id, "report": figures.report}
    for part in (*figures.reloaded, figures):
        summary = part.summary
        s.incr(CALLS_KEPT, count=summary.requests, tags=tags)
        s.incr(CALLS_CAPPED, count=summary.capped_calls, tags=tags)
        s.incr(CALLS_RETRIED, count=summary.retried_calls, tags=tags)
        s.incr(ROWS_RECEIVED, count=summary.rows, tags=tags)
        s.timing(API_WAIT, timedelta(seconds=summary.api_seconds), tags=tags)
        if summary.replaced_chars:
            s.incr(CHARS_REPLACED, count=summary.replaced_chars, tags=tags)
        if part.warehouse is not None:
            s.incr(ROWS_LOADED, count=part.rows_delivered, tags=tags)
            s.timing(LOAD_DURATION, timedelta(seconds=part.deliver_seconds), tags=tags)
    if figures.reloaded:
        s.incr(CALLS_RELOAD, count=figures.reload_calls, tags=tags)
