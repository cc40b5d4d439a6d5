"""Airflow internals the tests use whose home moved between 3.0 and 3.3, resolved in one place.

The provider's own shims are in ``airflow_provider_wolkvox/_compat.py``; these are test-only (see
AIRFLOW_VERSIONS.md §1). Each function imports lazily: tests/conftest.py sets AIRFLOW_HOME before
Airflow is first imported.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def _first(*candidates: tuple[str, str]) -> Any:
    """The first ``(module, name)`` that imports; the last one's error when none does."""
    for module, name in candidates[:-1]:
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    module, name = candidates[-1]
    return getattr(importlib.import_module(module), name)


def airflow_version() -> tuple[int, int]:
    """(major, minor) of the running Airflow."""
    from airflow import __version__

    major, minor = __version__.split(".")[:2]
    return int(major), int(minor)


def dag_bag(**kwargs: Any) -> Any:
    """A ``DagBag``: ``airflow.dag_processing.dagbag`` from 3.2, ``airflow.models.dagbag`` before."""
    cls = _first(("airflow.dag_processing.dagbag", "DagBag"), ("airflow.models.dagbag", "DagBag"))
    return cls(**kwargs)


def dag_serialization() -> Any:
    """What serializes DAGs for the scheduler: ``DagSerialization`` from 3.2, ``SerializedDAG`` before."""
    return _first(
        ("airflow.serialization.serialized_objects", "DagSerialization"),
        ("airflow.serialization.serialized_objects", "SerializedDAG"),
    )


def redact(value: Any) -> Any:
    """The Task SDK's secrets masker, as task logs apply it."""
    fn = _first(
        ("airflow.sdk._shared.secrets_masker.secrets_masker", "redact"),
        ("airflow.sdk.execution_time.secrets_masker", "redact"),
    )
    return fn(value)


def pool_name_for_stats() -> Callable[[str], str]:
    """How the scheduler turns a pool name into a metric name segment (3.2+; unchanged before)."""
    try:
        from airflow.models.pool import normalize_pool_name_for_stats
    except ImportError:
        return lambda name: name  # 3.0/3.1 put the pool name into metric names as it is
    return normalize_pool_name_for_stats  # type: ignore[no-any-return]


def stat_name_handler() -> Callable[[str], str]:
    """The default metric-name validator (it raises on a name the metrics backends refuse)."""
    return _first(  # type: ignore[no-any-return]
        ("airflow._shared.observability.metrics.validators", "stat_name_default_handler"),
        ("airflow.metrics.validators", "stat_name_default_handler"),
    )
