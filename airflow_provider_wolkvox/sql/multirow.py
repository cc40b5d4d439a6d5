"""Multi-row ``INSERT ... VALUES (...), (...)`` statements: one round trip for many rows.

For drivers that send one statement per row from ``executemany`` (or none that bounds what it
batches into one packet), the loader builds the statements itself: as many rows as fit the
server's limits, values still as parameters.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import Any

from airflow_provider_wolkvox.reports import CAMPAIGN_8, TEXT, ReportSpec
from airflow_provider_wolkvox.sql.flavors import NUMBERED, Flavor, marks
from airflow_provider_wolkvox.sql.job import LoadJob
from airflow_provider_wolkvox.sql.rows import batches, check_batch, insert_values
from airflow_provider_wolkvox.sql.schema import adapter

CHARACTER_BYTES = 4
"""A character takes at most 4 bytes in UTF-8 (utf8mb4)."""
VALUE_BYTES = 32
"""What any one value takes at most in the statement besides its text: quotes, escapes, a comma,
a number or a date."""


@lru_cache(maxsize=32)
def values_sql(placeholder: str, width: int, rows: int) -> str:
    """``(%s, %s), (%s, %s)`` for ``rows`` rows of ``width`` values (``(:1, :2), (:3, :4)`` numbered)."""
    if placeholder == NUMBERED:
        numbers = iter(marks(placeholder, width * rows))
        return ", ".join("(" + ", ".join(next(numbers) for _ in range(width)) + ")" for _ in range(rows))
    row = "(" + ", ".join([placeholder] * width) + ")"
    return ", ".join([row] * rows)


def text_positions(spec: ReportSpec) -> tuple[int, ...]:
    """Where a stored row (window, fields, loaded_at) holds text: the parameters and text fields."""
    params = len(spec.params)
    return (*range(params), *(params + 2 + i for i, kind in enumerate(spec.types) if kind == TEXT))


def chunks(
    values: Sequence[tuple[Any, ...]], texts: tuple[int, ...], max_bytes: int, max_rows: int
) -> Iterator[Sequence[tuple[Any, ...]]]:
    """Consecutive slices of ``values`` whose statement stays under ``max_bytes`` (by a bound on what
    each row can take) and ``max_rows``; a row larger than ``max_bytes`` alone goes on its own."""
    if not values:
        return
    fixed = len(values[0]) * VALUE_BYTES
    # The whole batch's bound, at C speed (filter drops NULLs: fields the API stopped sending).
    total = fixed * len(values) + CHARACTER_BYTES * sum(
        sum(map(len, filter(None, map(itemgetter(i), values)))) for i in texts
    )
    if total <= max_bytes and len(values) <= max_rows:
        yield values
        return
    start, size = 0, 0
    for index, row in enumerate(values):
        row_bytes = fixed + CHARACTER_BYTES * sum(len(row[i] or "") for i in texts)
        if index > start and (size + row_bytes > max_bytes or index - start >= max_rows):
            yield values[start:index]
            start, size = index, 0
        size += row_bytes
    yield values[start:]


def insert_chunks(
    cursor: Any,
    head: str,
    values: Sequence[tuple[Any, ...]],
    *,
    placeholder: str,
    texts: tuple[int, ...],
    max_bytes: int,
    max_rows: int,
) -> None:
    """Insert ``values`` in multi-row statements; ``head`` is the INSERT up to and with its VALUES."""
    for chunk in chunks(values, texts, max_bytes, max_rows):
        sql = head + values_sql(placeholder, len(chunk[0]), len(chunk))
        cursor.execute(sql, list(chain.from_iterable(chunk)))


def insert_job_rows(
    cursor: Any,
    job: LoadJob,
    flavor: Flavor,
    insert_sql: str,
    *,
    placeholder: str,
    table: str,
    max_bytes: int,
    max_rows: int,
) -> int:
    """Check and insert every row of ``job`` (a batch at a time) through multi-row statements built
    from ``insert_sql``, the one-row INSERT; return the number of rows inserted.

    Raises :class:`~airflow_provider_wolkvox.exceptions.WolkvoxRowError` naming the first bad row
    of ``table``, before anything of its batch is sent."""
    spec = job.spec
    adapt = None if spec is CAMPAIGN_8 else adapter(spec, flavor)
    window = job.window(flavor.time_value)
    loaded_at = flavor.time_value(job.loaded_at)
    head = insert_sql[: insert_sql.index(" VALUES (") + len(" VALUES ")]
    texts = text_positions(spec)
    inserted = 0
    for batch in batches(job.rows):
        check_batch(batch, inserted, table, spec)
        values = insert_values(batch, window, loaded_at, adapt)
        insert_chunks(
            cursor, head, values, placeholder=placeholder, texts=texts, max_bytes=max_bytes, max_rows=max_rows
        )
        inserted += len(batch)
    return inserted
