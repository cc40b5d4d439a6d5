"""Rows as PostgreSQL COPY text-format data, pre-formatted in large chunks.

One ``str`` per batch of rows is far faster than handing psycopg one row at a
time. Text fields escape backslash, tab, newline and carriage return; counts are
formatted with ``:d``, which refuses anything that is not an integer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from airflow_provider_wolkvox.reports import CAMPAIGN_8, INTEGER, PERCENT, TIMESTAMP, ReportSpec
from airflow_provider_wolkvox.sql.flavors import utc_iso
from airflow_provider_wolkvox.sql.job import LoadJob
from airflow_provider_wolkvox.sql.rows import batches, check_batch, validator

COPY_BATCH_ROWS = 10_000


def escape(text: str) -> str:
    """``text`` as a COPY text-format field (NUL cannot be stored and is left to the server to refuse)."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def copy_chunks(job: LoadJob, table: str, size: int = COPY_BATCH_ROWS) -> Iterator[tuple[str, int]]:
    """``(text, rows)`` pairs: COPY data for ``size`` rows of ``job.rows`` at a time.

    Raises :class:`~airflow_provider_wolkvox.exceptions.WolkvoxRowError` naming the first bad row.
    """
    if job.spec is not CAMPAIGN_8:
        yield from _spec_chunks(job, table, size)
        return
    head = f"{escape(job.params[0])}\t{utc_iso(job.window_start)}\t{utc_iso(job.window_end)}\t"
    tail = f"\t{utc_iso(job.loaded_at)}\n"
    done = 0
    for batch in batches(job.rows, size):
        try:
            text = "".join(
                [
                    f"{head}{escape(t)}\t{a:d}\t{b:d}\t{c:d}\t{d:d}\t{e:d}\t{f:d}{tail}"
                    for t, a, b, c, d, e, f in batch
                ]
            )
        except (TypeError, ValueError):
            check_batch(batch, done, table)
            raise
        yield text, len(batch)
        done += len(batch)


def _int(value: int) -> str:
    return f"{value:d}"


def _iso_date(value: Any) -> str:
    return str(value.isoformat())


def _field_formatters(spec: ReportSpec) -> list[Callable[[Any], str]]:
    formatters: list[Callable[[Any], str]] = []
    kinds: tuple[str, ...] = spec.types
    for kind in kinds:
        if kind in (INTEGER, "duration"):
            formatters.append(_int)
        elif kind in (PERCENT, "decimal"):
            formatters.append(str)
        elif kind == TIMESTAMP:
            formatters.append(utc_iso)
        elif kind == "date":
            formatters.append(_iso_date)
        else:
            formatters.append(escape)
    return formatters


def _spec_chunks(job: LoadJob, table: str, size: int) -> Iterator[tuple[str, int]]:
    """Any other report: one formatter per field, ``\\N`` for NULL."""
    spec = job.spec
    formatters = _field_formatters(spec)
    is_valid = validator(spec)
    head = "".join(f"{escape(value)}\t" for value in job.window(utc_iso))
    tail = f"\t{utc_iso(job.loaded_at)}\n"
    done = 0
    for batch in batches(job.rows, size):
        if not all(map(is_valid, batch)):
            check_batch(batch, done, table, spec)
        text = "".join(
            [
                head
                + "\t".join(
                    [
                        "\\N" if value is None else fmt(value)
                        for fmt, value in zip(formatters, row, strict=True)
                    ]
                )
                + tail
                for row in batch
            ]
        )
        yield text, len(batch)
        done += len(batch)
