"""Rows as they are staged and stored: a report's fields, and for reports keyed by their request
window the request window each row was answered for.

A non-additive aggregate (an average, a service level) over two request windows cannot be
combined into one number, and a detail row with no id of its own is only its position in one
answer (``row_number``): such rows are kept per request window, and the request window
(``request_start``, ``request_end``, UTC) leads the row and its key
(``ReportSpec.keyed_by_request_window``). Every other report is stored as its spec says.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timezone
from functools import lru_cache

from airflow_provider_wolkvox.reports import TEXT, TIMESTAMP, Field, ReportSpec

REQUEST_FIELDS = (
    Field("request_start", TIMESTAMP, "start of the API request window the row answers (inclusive), UTC"),
    Field("request_end", TIMESTAMP, "end of the API request window the row answers (exclusive), UTC"),
)
REQUEST_NAMES = tuple(f.name for f in REQUEST_FIELDS)


@lru_cache(maxsize=128)
def stored_spec(spec: ReportSpec) -> ReportSpec:
    """``spec`` as its rows are staged, loaded and returned: reports keyed by their request window
    get it in front of their fields and key; every other report is ``spec`` itself."""
    if not spec.keyed_by_request_window or spec.fields[:2] == REQUEST_NAMES:
        return spec
    return replace(
        spec,
        schema=(*REQUEST_FIELDS, *spec.schema),
        key=(*REQUEST_NAMES, *spec.key),
        row_type=None,
    )


EXTRA_NOTE = "a field the API sent that this provider's spec does not list, kept as text (NULL when not sent)"


@lru_cache(maxsize=128)
def with_extras(spec: ReportSpec, extras: tuple[str, ...]) -> ReportSpec:
    """``spec`` (as stored) with one nullable text field per extra API field, named for SQL: lower
    case letters, digits and underscores, prefixed ``x_`` where that name is taken already."""
    if not extras:
        return spec
    from airflow_provider_wolkvox.sql.schema import columns

    taken = set(columns(spec))
    added: list[Field] = []
    for api_name in extras:
        name = re.sub(r"[^a-z0-9_]", "_", api_name.lower())[:60] or "field"
        if name[0].isdigit():
            name = f"f_{name}"[:60]
        while name in taken:
            name = f"x_{name}"[:63]
        taken.add(name)
        added.append(
            Field(name, TEXT, EXTRA_NOTE, source=api_name, nullable=True, optional=True, attribute=True)
        )
    return replace(spec, schema=(*spec.schema, *added), row_type=None)


def extra_fields(spec: ReportSpec) -> tuple[Field, ...]:
    """The fields of a stored ``spec`` its report's own spec does not list (schema on read)."""
    from airflow_provider_wolkvox.reports import REPORTS

    declared = REPORTS.get(spec.api)
    if declared is None or spec is declared:
        return ()
    known = set(stored_spec(declared).fields)
    return tuple(f for f in spec.schema if f.name not in known)


def utc_second(moment: datetime) -> datetime:
    """A plain aware UTC ``datetime`` of whole seconds (pendulum's subclass binds badly)."""
    return datetime.fromtimestamp(int(moment.timestamp()), tz=timezone.utc)
