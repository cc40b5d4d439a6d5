"""Where the density history of earlier runs lives between task runs, and how an operator uses it.

One :class:`~airflow_provider_wolkvox.fetching.density.DensityHistory` per (Wolkvox connection, report,
scope), where the scope is the report's request parameters (today the campaign), as one string
(:func:`density_scope`). A SQL operator keeps it in its warehouse, in a small table beside the
load ledger (:mod:`~airflow_provider_wolkvox.sql.density`); an XCom operator in an Airflow
Variable. A run reads it once before fetching and writes it once after delivering: only the
plan depends on it, so a history that cannot be read or written costs calls, never rows, and
the run goes on with a warning.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Protocol

from airflow_provider_wolkvox._moved import moved_names
from airflow_provider_wolkvox.exceptions import WolkvoxConfigError
from airflow_provider_wolkvox.fetching.density import DensityHistory

__getattr__ = moved_names(
    __name__,
    {
        "HistoryStore": f"{__name__}.DensityStore",
        "VariableStore": f"{__name__}.VariableDensityStore",
        "history_scope": f"{__name__}.density_scope",
    },
)

SCOPE_MAX = 128
"""Longest scope string: what the narrowest key column (SQL Server's ``NVARCHAR(128)``) holds."""
VARIABLE_PREFIX = "wolkvox_density"
VARIABLE_KEY_MAX = 250


def density_scope(parameters: Mapping[str, Any]) -> str:
    """The scope of a report's history: its request parameters, e.g. ``campaign_id=12``.

    Sorted ``name=value`` pairs joined by ``&``; past :data:`SCOPE_MAX` characters, a digest of
    them (still one scope per set of parameters).
    """
    text = "&".join(f"{name}={str(value).strip()}" for name, value in sorted(parameters.items()))
    if len(text) <= SCOPE_MAX:
        return text
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def dumps(history: DensityHistory) -> str:
    """Compact JSON of ``history``: five significant digits a bucket (six for the error
    statistics), so that it fits 4,000 characters (the narrowest free-text column) whatever
    the values."""
    data = history.to_json()
    data["end_expected"] = float(f"{data['end_expected']:.5g}")
    data["errors"] = [float(f"{x:.6g}") for x in data["errors"]]
    buckets = {
        name: "[" + ",".join(f"{x:.5g}" for x in data.pop(name)) + "]"
        for name in ("rows", "seconds", "end_rows", "end_seconds")
    }
    head = json.dumps(data, separators=(",", ":"))
    return head[:-1] + "".join(f',"{name}":{text}' for name, text in buckets.items()) + "}"


def loads(text: str | None, timezone: str) -> DensityHistory:
    """The history ``text`` holds, or an empty one for ``timezone`` when there is none (or it was
    kept for another time zone: its hours of the week would be other hours).

    :raises WolkvoxConfigError: ``text`` is not a history :func:`dumps` wrote.
    """
    if not text:
        return DensityHistory.empty(timezone)
    try:
        data = json.loads(text)
    except ValueError:
        raise WolkvoxConfigError("stored density history is not JSON: drop it") from None
    if not isinstance(data, dict):
        raise WolkvoxConfigError("stored density history is not a JSON object: drop it")
    history = DensityHistory.from_json(data)
    return history if history.timezone == timezone else DensityHistory.empty(timezone)


class DensityStore(Protocol):
    """Reads and writes one (connection, report, scope)'s history."""

    def read(self) -> str | None: ...

    def write(self, text: str) -> None: ...

    def describe(self) -> str: ...


class VariableDensityStore:
    """An Airflow Variable per (connection, report, scope): ``wolkvox_density.<conn>.<api>.<scope>``.

    No ``/`` in the key: Airflow 3.0's task API routes a Variable by one path segment, so a task
    could neither read nor write a key with a slash (3.1 on take any)."""

    def __init__(self, wolkvox_conn_id: str, api: str, scope: str) -> None:
        key = f"{VARIABLE_PREFIX}.{wolkvox_conn_id}.{api}.{scope}"
        if len(key) > VARIABLE_KEY_MAX or "/" in key:
            key = f"{VARIABLE_PREFIX}.sha256:{hashlib.sha256(key.encode()).hexdigest()}"
        self.key = key

    def read(self) -> str | None:
        from airflow.sdk import Variable

        value = Variable.get(self.key, default=None)
        return None if value is None else str(value)

    def write(self, text: str) -> None:
        from airflow.sdk import Variable

        Variable.set(self.key, text, description="request-window density history (airflow-provider-wolkvox)")

    def describe(self) -> str:
        return f"Airflow Variable {self.key!r}"
