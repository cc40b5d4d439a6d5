"""Rows as they are staged and stored: a report's fields, and for ``per_request`` reports the
request window each row was answered for.

A non-additive aggregate (an average, a service level) over two request windows cannot be
combined into one number; its rows are kept per request window instead, and the request window
(``request_start``, ``request_end``, UTC) leads the row and its key. Every other report is
stored as its spec says.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from functools import lru_cache

from airflow_provider_wolkvox.reports import TIMESTAMP, Field, ReportSpec

PER_REQUEST = "per_request"
REQUEST_FIELDS = (
    Field("request_start", TIMESTAMP, "start of the API request window the row answers (inclusive), UTC"),
    Field("request_end", TIMESTAMP, "end of the API request window the row answers (exclusive), UTC"),
)
REQUEST_NAMES = tuple(f.name for f in REQUEST_FIELDS)


def per_request(spec: ReportSpec) -> bool:
    """Whether ``spec``'s rows are kept per request window (never combined)."""
    return str(spec.combine) == PER_REQUEST


@lru_cache(maxsize=128)
def stored_spec(spec: ReportSpec) -> ReportSpec:
    """``spec`` as its rows are staged, loaded and returned: per_request reports get the request
    window in front of their fields and key; every other report is ``spec`` itself."""
    if not per_request(spec) or spec.fields[:2] == REQUEST_NAMES:
        return spec
    return replace(
        spec,
        schema=(*REQUEST_FIELDS, *spec.schema),
        key=(*REQUEST_NAMES, *spec.key),
        row_type=None,
    )


def utc_second(moment: datetime) -> datetime:
    """A plain aware UTC ``datetime`` of whole seconds (pendulum's subclass binds badly)."""
    return datetime.fromtimestamp(int(moment.timestamp()), tz=timezone.utc)
