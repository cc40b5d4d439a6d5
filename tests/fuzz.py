"""How many examples the property and fuzz suites try: a few seconds' worth in ``make test``, and
``WOLKVOX_FUZZ_SCALE`` times as many on demand (``WOLKVOX_FUZZ_SCALE=10 pytest tests/unit/...``)."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SCALE_VARIABLE = "WOLKVOX_FUZZ_SCALE"


def scale() -> int:
    """The multiplier from the environment (1 unless set)."""
    value = os.environ.get(SCALE_VARIABLE, "1")
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{SCALE_VARIABLE} must be a whole number >= 1, got {value!r}")
    return int(value)


def examples(count: int) -> int:
    """``count`` examples, times the scale."""
    return count * scale()


@contextlib.contextmanager
def sqlite_warehouse(folder: Path, conn_id: str) -> Iterator[tuple[Any, Path]]:
    """A SQLite warehouse file in ``folder`` behind an Airflow connection ``conn_id`` (from the
    environment, removed afterwards), and its hook."""
    from airflow.providers.sqlite.hooks.sqlite import SqliteHook

    path = folder / "warehouse.sqlite"
    variable = f"AIRFLOW_CONN_{conn_id.upper()}"
    os.environ[variable] = json.dumps({"conn_type": "sqlite", "host": str(path)})
    try:
        yield SqliteHook(sqlite_conn_id=conn_id), path  # type: ignore[no-untyped-call,unused-ignore]
    finally:
        del os.environ[variable]
