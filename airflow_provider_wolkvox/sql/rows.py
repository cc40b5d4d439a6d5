"""Rows on their way to the database: batches of a stream, and what a valid row is.

A stream of 600,000 rows is never held as one list: loaders take it a batch at a
time. Checking a row is cheap; explaining a bad one is done only once it failed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from typing import Any, TypeVar

from airflow_provider_wolkvox._gc import paused as gc_paused
from airflow_provider_wolkvox.exceptions import WolkvoxRowError
from airflow_provider_wolkvox.reports import (
    CAMPAIGN_8,
    INTEGER,
    PERCENT,
    TEXT,
    TIMESTAMP,
    FieldType,
    MachineCodesRow,
    ReportSpec,
)

T = TypeVar("T")

BATCH_ROWS = 10_000
"""Rows per ``executemany`` call or per COPY write."""

FIELDS = CAMPAIGN_8.fields


def batches(rows: Iterable[T], size: int = BATCH_ROWS) -> Iterator[list[T]]:
    """Consecutive lists of at most ``size`` items of ``rows``, read lazily."""
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def insert_values(
    batch: Sequence[Any], window: tuple[Any, Any, Any], loaded_at: Any, adapt: Callable[[Any], Any] | None
) -> list[tuple[Any, ...]]:
    """INSERT parameters of a checked batch: the window, the row (through ``adapt``), the load time.

    ``adapt`` None means campaign_8 rows, unpacked by hand: the big report, and the fastest way.
    """
    if adapt is not None:
        return [(*window, *adapt(row), loaded_at) for row in batch]
    campaign, start, end = window
    with gc_paused():  # 10,000 new tuples at once
        return [(campaign, start, end, t, a, b, c, d, e, f, loaded_at) for t, a, b, c, d, e, f in batch]


def valid(row: Any) -> bool:
    """True when ``row`` is a telephone (text) followed by six integer counts."""
    return (
        isinstance(row, Sequence)
        and not isinstance(row, str)
        and len(row) == len(FIELDS)
        and isinstance(row[0], str)
        and all(isinstance(count, int) for count in row[1:])
    )


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _is_int(value: Any) -> bool:
    return isinstance(value, int)


def _is_decimal(value: Any) -> bool:
    return isinstance(value, Decimal) and value.is_finite()


def _is_aware(value: Any) -> bool:
    return isinstance(value, datetime) and value.utcoffset() is not None


def _is_date(value: Any) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


_CHECKS: dict[FieldType | str, tuple[Callable[[Any], bool], str]] = {
    TEXT: (_is_text, "str"),
    INTEGER: (_is_int, "int"),
    PERCENT: (_is_decimal, "Decimal"),
    TIMESTAMP: (_is_aware, "aware datetime"),
    "decimal": (_is_decimal, "Decimal"),
    "duration": (_is_int, "int (seconds)"),
    "date": (_is_date, "date"),
}


def nullable_fields(spec: ReportSpec) -> frozenset[str]:
    """The fields of ``spec`` that may be NULL: empty values it allows, and fields a row may lack
    (optional ones, every field of a cut-off list besides key and date, fields kept on read)."""
    return frozenset(f.name for f in spec.schema if f.nullable or f.optional) | spec.optional_fields


def validator(spec: ReportSpec) -> Callable[[Any], bool]:
    """A check that a row is ``spec``'s: one value of the right type per field."""
    if spec is CAMPAIGN_8:
        return valid
    nullable = nullable_fields(spec)
    checks = [
        (lambda v, ok=_CHECKS[f.type][0]: v is None or ok(v)) if f.name in nullable else _CHECKS[f.type][0]
        for f in spec.schema
    ]
    width = len(checks)

    def check(row: Any) -> bool:
        return (
            isinstance(row, Sequence)
            and not isinstance(row, str)
            and len(row) == width
            and all(ok(value) for ok, value in zip(checks, row, strict=True))
        )

    return check


def check_batch(batch: Sequence[Any], first_index: int, table: str, spec: ReportSpec = CAMPAIGN_8) -> None:
    """Raise :class:`WolkvoxRowError` for the first invalid row of ``batch``."""
    if spec is CAMPAIGN_8 and plain_columns(batch) is not None:
        return
    is_valid = valid if spec is CAMPAIGN_8 else validator(spec)
    for offset, row in enumerate(batch):
        if not is_valid(row):
            raise row_error(row, first_index + offset, table, spec)


_PLAIN_ROWS = frozenset({MachineCodesRow, tuple})


def plain_columns(batch: Sequence[Any]) -> list[tuple[Any, ...]] | None:
    """The batch's columns when every row is a tuple (or MachineCodesRow) of exactly a ``str`` and
    six ``int``, else None.

    Checked a column at a time in C, about twice as fast as :func:`valid` row by row; every row
    that passes is one :func:`valid` accepts. None says nothing: :func:`valid` decides then (it
    also accepts other sequences, and subclasses such as ``bool``).
    """
    if not set(map(type, batch)) <= _PLAIN_ROWS or set(map(len, batch)) != {len(FIELDS)}:
        return None
    with gc_paused():  # transposing builds big tuples at once
        columns = list(zip(*batch, strict=True))
    plain = set(map(type, columns[0])) == {str} and all(set(map(type, c)) == {int} for c in columns[1:])
    return columns if plain else None


def row_error(row: Any, index: int, table: str, spec: ReportSpec = CAMPAIGN_8) -> WolkvoxRowError:
    """Describe what is wrong with ``row``, the ``index``-th (0-based) of the stream."""
    where = f"row {index} to load into {table}"
    if spec is not CAMPAIGN_8:
        return _spec_row_error(row, where, spec)
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


def _spec_row_error(row: Any, where: str, spec: ReportSpec) -> WolkvoxRowError:
    width = len(spec.schema)
    if not isinstance(row, Sequence) or isinstance(row, str) or len(row) != width:
        return WolkvoxRowError(
            f"{where} is {type(row).__name__} {_short(row)}, not a {spec.api} row of {width} fields"
        )
    nullable = nullable_fields(spec)
    for f, value in zip(spec.schema, row, strict=True):
        ok, expected = _CHECKS[f.type]
        if not (ok(value) or (f.name in nullable and value is None)):
            return WolkvoxRowError(
                f"{where}: {f.name} is {_short(value)} ({type(value).__name__}), expected {expected}"
            )
    return WolkvoxRowError(f"{where} could not be written: {_short(row)}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
