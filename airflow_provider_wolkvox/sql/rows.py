"""Rows on their way to the database: batches of a stream, and what a valid row is.

A stream of 600,000 rows is never held as one list: loaders take it a batch at a
time. Checking a row is cheap; explaining a bad one is done only once it failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from airflow_provider_wolkvox.exceptions import WolkvoxRowError
from airflow_provider_wolkvox.reports import MachineCodesRow

T = TypeVar("T")

BATCH_ROWS = 10_000
"""Rows per ``executemany`` call or per COPY write."""

FIELDS = MachineCodesRow._fields


def batches(rows: Iterable[T], size: int = BATCH_ROWS) -> Iterator[list[T]]:
    """Consecutive lists of at most ``size`` items of ``rows``, read lazily."""
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def valid(row: Any) -> bool:
    """True when ``row`` is a telephone (text) followed by six integer counts."""
    return (
        isinstance(row, Sequence)
        and not isinstance(row, str)
        and len(row) == len(FIELDS)
        and isinstance(row[0], str)
        and all(isinstance(count, int) for count in row[1:])
    )


def check_batch(batch: Sequence[Any], first_index: int, table: str) -> None:
    """Raise :class:`WolkvoxRowError` for the first invalid row of ``batch``."""
    for offset, row in enumerate(batch):
        if not valid(row):
            raise row_error(row, first_index + offset, table)


def row_error(row: Any, index: int, table: str) -> WolkvoxRowError:
    """Describe what is wrong with ``row``, the ``index``-th (0-based) of the stream."""
    where = f"row {index} to load into {table}"
    if not isinstance(row, Sequence) or isinstance(row, str) or len(row) != len(FIELDS):
        return WolkvoxRowError(
            f"{where} is {type(row).__name__} {_short(row)}, not a MachineCodesRow of {len(FIELDS)} fields"
        )
    for name, value in zip(FIELDS, row, strict=True):
        expected: type = str if name == "telephone" else int
        if not isinstance(value, expected):
            return WolkvoxRowError(
                f"{where}: {name} is {_short(value)} ({type(value).__name__}), expected {expected.__name__}"
            )
    return WolkvoxRowError(f"{where} could not be written: {_short(row)}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
