"""PostgreSQL binary COPY of campaign_8 rows: nothing for the server to parse.

Binary data must match each column's type exactly, and psycopg's binary integer dumpers wrap a
value that does not fit instead of refusing it. So it is used only with psycopg 3 and a table of
the types this provider creates (text or varchar, timestamptz, integer or bigint), and every
count is checked against its column's range first; anything else goes as text. Why binary:
``docs/decisions/0006-binary-copy.md``.
"""

from __future__ import annotations

import struct
from datetime import datetime, timezone
from typing import Any

from airflow_provider_wolkvox._gc import paused as gc_paused
from airflow_provider_wolkvox.exceptions import WolkvoxRowError
from airflow_provider_wolkvox.sql.copy_format import COPY_BATCH_ROWS
from airflow_provider_wolkvox.sql.job import LoadJob
from airflow_provider_wolkvox.sql.rows import batches, check_batch, plain_columns
from airflow_provider_wolkvox.sql.schema import COLUMNS, COUNT_COLUMNS

_TEXT_OIDS = frozenset({25, 1043})  # text, varchar
_TIMESTAMPTZ_OID = 1184
_INTEGER_RANGES = {23: (-(2**31), 2**31 - 1), 20: (-(2**63), 2**63 - 1)}  # integer, bigint
_TIME_COLUMNS = frozenset({"window_start", "window_end", "loaded_at"})

_COLUMN_TYPES_SQL = (
    "SELECT attname, atttypid::int FROM pg_attribute "
    "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped"
)


def binary_types(cursor: Any, table: str) -> list[int] | None:
    """The type OIDs of campaign_8's columns in ``table`` (COPY order), or None when one of them
    is not a type binary COPY is used for."""
    cursor.execute(_COLUMN_TYPES_SQL, (table,))
    found: dict[str, int] = dict(cursor.fetchall())
    oids = [found.get(column, 0) for column in COLUMNS]
    for column, oid in zip(COLUMNS, oids, strict=True):
        if column in _TIME_COLUMNS:
            fits = oid == _TIMESTAMPTZ_OID
        elif column in COUNT_COLUMNS:
            fits = oid in _INTEGER_RANGES
        else:
            fits = oid in _TEXT_OIDS
        if not fits:
            return None
    return oids


def copy_binary(cursor: Any, copy_sql: str, table: str, job: LoadJob, oids: list[int]) -> int:
    """COPY ``job.rows`` in binary into ``table``; return the number of rows written.

    Raises :class:`~airflow_provider_wolkvox.exceptions.WolkvoxRowError` naming the first row
    of the wrong shape, or with a count too large for its column, before anything of its
    batch is sent.
    """
    ranges = [_INTEGER_RANGES[oid] for oid in oids[4:10]]
    encode = _encoder(job, oids)
    done = 0
    with cursor.copy(f"{copy_sql} (FORMAT BINARY)") as copy:
        copy.write(_SIGNATURE)
        for batch in batches(job.rows, COPY_BATCH_ROWS):
            _check(batch, done, table, ranges)
            copy.write(encode(batch))
            done += len(batch)
        copy.write(_TRAILER)
    return done


_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
"""Binary COPY's header: signature, flags, no header extension."""
_TRAILER = struct.pack(">h", -1)
_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)
_LENGTH = struct.Struct(">i")


def _timestamptz(moment: datetime) -> bytes:
    """A timestamptz field: its length, then microseconds since 2000-01-01 UTC."""
    delta = moment - _EPOCH
    return struct.pack(">iq", 8, (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)


def _encoder(job: LoadJob, oids: list[int]) -> Any:
    """Encodes a checked batch of campaign_8 rows as binary COPY tuples, a batch at a time.

    The campaign, window and load time are the same on every row and are encoded once; each
    row adds its telephone and six counts in one ``struct`` call (not psycopg's ``write_row``,
    which adapts every value on its own).
    """
    campaign = job.campaign_id.encode()
    head = (
        struct.pack(">h", len(COLUMNS))
        + _LENGTH.pack(len(campaign))
        + campaign
        + _timestamptz(job.window_start)
        + _timestamptz(job.window_end)
    )
    tail = _timestamptz(job.loaded_at)
    counts = struct.Struct(">" + "".join("iq" if oid == 20 else "ii" for oid in oids[4:10]))
    widths = [8 if oid == 20 else 4 for oid in oids[4:10]]
    w1, w2, w3, w4, w5, w6 = widths
    pack_counts, pack_length = counts.pack, _LENGTH.pack

    def encode(batch: list[Any]) -> bytes:
        with gc_paused():
            return b"".join(
                [
                    head
                    + pack_length(len(phone := t.encode()))
                    + phone
                    + pack_counts(w1, a, w2, b, w3, c, w4, d, w5, e, w6, f)
                    + tail
                    for t, a, b, c, d, e, f in batch
                ]
            )

    return encode


def _check(batch: list[Any], done: int, table: str, ranges: list[tuple[int, int]]) -> None:
    columns = plain_columns(batch)
    if columns is None:
        check_batch(batch, done, table)  # raises for a row of the wrong shape
        columns = list(zip(*(tuple(row) for row in batch), strict=True))
    for name, column, (low, high) in zip(COUNT_COLUMNS, columns[1:], ranges, strict=True):
        if min(column) < low or max(column) > high:
            index = next(i for i, value in enumerate(column) if not low <= value <= high)
            raise WolkvoxRowError(
                f"row {done + index} to load into {table}: {name} is {column[index]:,}, more than "
                f"the column's integer type holds; make the column bigint"
            )
