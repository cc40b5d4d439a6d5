"""Typed rows straight from an answer's bytes: a msgspec fast path for the common answer.

For the answer nearly every request gets (HTTP 200, ``code`` 200, a list of rows of a report whose
fields are all text or integers under the API's own names, none optional: campaign_8, campaign_10,
chat_13), :func:`read_rows` decodes the body with msgspec straight into the typed rows (why:
``docs/decisions/0004-decoding-fast-path.md``).

It only ever takes an answer it reads exactly as the slow path would. Anything else (another status
or code, ``data`` null, missing or an object, a field it does not know, a value ``int()`` or the
slow path would type differently or refuse, a key besides code, error, msg and data in the
envelope) goes to :func:`~airflow_provider_wolkvox.client.envelope.read_answer` and ``parse_rows``, so
errors, warnings, empty windows and retries are exactly theirs.

Text no warehouse can store is made storable on the way out of both paths, by one rule: each NUL
(U+0000: PostgreSQL's text refuses it) and each unpaired UTF-16 surrogate (JSON ``"\\ud800"``:
no UTF-8 encodes it, so SQLite's and MySQL's drivers refuse it) in a text value becomes U+FFFD, the
replacement character, and the count of replaced characters travels with the rows
(``Table.replaced``) to the task log, the ledger and the metrics. JSON carries either as a ``\\u``
escape, or in a body that is not plain UTF-8 (``json.loads`` reads encoded surrogates, and UTF-16
and UTF-32 bodies): an answer with neither (nearly all) costs a scan of its bytes, nothing more.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import repeat
from typing import Annotated, Any

import msgspec
from msgspec.structs import astuple

from airflow_provider_wolkvox._gc import paused as gc_paused
from airflow_provider_wolkvox.client.envelope import read_answer
from airflow_provider_wolkvox.reports import INTEGER, TEXT, ReportSpec, Row, Table

# msgspec's lax mode (strict=False) reads "7" and "-3" as int() does, but also "1.0", "1e3" and
# "10e-1" as integers, where int() raises. Offered a float besides the int, it reads those as floats
# instead; and no float is both > 0 and < 0 (nor is NaN), so such a count fails the decoding and the
# answer takes the slow path, which raises its usual WolkvoxRowError. JSON numbers such as 1.0 (which
# int() takes) fall back the same way, as do " 7", "+7", "1_000" and "007", which msgspec refuses.
# Counts outside a signed 64-bit integer (SQLite's INTEGER, PostgreSQL's bigint) fall back too, so
# that every count the fast path returns fits the warehouse.
_NO_FLOAT = Annotated[float, msgspec.Meta(gt=0.0, lt=0.0)]
_INT64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
_COUNT: Any = _INT64 | _NO_FLOAT

_DECODE_FAILED = (msgspec.DecodeError, ValueError, RecursionError)
"""msgspec.ValidationError is a DecodeError; invalid UTF-8 raises UnicodeDecodeError, a ValueError."""


class PlainRows(list[Row]):
    """Rows from the fast path, whose types the decoder guarantees: every text field a ``str``,
    every count an ``int`` within a signed 64-bit integer, each row as long as the spec's fields.
    Staging relies on this instead of checking every value again."""


REPLACEMENT = "\ufffd"
"""What a character no warehouse can store becomes (U+FFFD REPLACEMENT CHARACTER)."""
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
"""How JSON writes a NUL or a surrogate (a pair of surrogates decodes to one character, and is
scanned for nothing more)."""


def _may_hold_unstorable(body: bytes) -> bool:
    """False when no text decoded from ``body`` can hold a NUL or an unpaired surrogate: plain
    UTF-8 (which encodes no surrogate, and no NUL inside JSON text) with no escape of either."""
    if b"\x00" in body or (b"\\" in body and _UNSTORABLE_ESCAPE.search(body)):
        return True
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def storable(rows: list[Row], body: bytes, *, by_msgspec: bool = False) -> tuple[list[Row], int]:
    """``rows`` (decoded from ``body``) with each NUL and unpaired surrogate of their text values
    replaced by :data:`REPLACEMENT`, and how many were replaced. The rows themselves (same list,
    same type) when ``body`` cannot hold one. ``by_msgspec``: decoded by msgspec, which takes
    only UTF-8 and refuses unpaired surrogates, so only a NUL escape needs a look."""
    # A backslash first: one memchr over the body, where a search for the escape is 30 times slower.
    if not ((b"\\" in body and b"\\u0000" in body) if by_msgspec else _may_hold_unstorable(body)):
        return rows, 0
    replaced = 0
    cleaned = type(rows)() if isinstance(rows, PlainRows) else []
    for row in rows:
        if not any(type(value) is str and _UNSTORABLE.search(value) for value in row):
            cleaned.append(row)
            continue
        values = []
        for value in row:
            if type(value) is str:
                text, count = _UNSTORABLE.subn(REPLACEMENT, value)
                values.append(text)
                replaced += count
            else:
                values.append(value)
        cleaned.append(tuple.__new__(type(row), values))
    return (cleaned, replaced) if replaced else (rows, 0)


def read_rows(spec: ReportSpec, status: int, body: bytes, *, conn_id: str, tz: str | None) -> list[Row]:
    """The typed rows of one answer to ``spec`` (``[]`` for an empty window), or raise what
    :func:`~airflow_provider_wolkvox.client.envelope.read_answer` or ``spec.parse_rows`` raise for it
    (:class:`~airflow_provider_wolkvox.client.envelope.TransientAnswer` included).

    ``tz`` is the connection's time zone, as ``parse_rows`` takes it.
    """
    if status == 200:
        rows = _fast_rows(spec, body)
        if rows is not None:
            return storable(rows, body, by_msgspec=True)[0]
    return storable(spec.parse_rows(read_answer(status, body, api=spec.api, conn_id=conn_id), tz), body)[0]


def read_table(spec: ReportSpec, status: int, body: bytes, *, conn_id: str, tz: str | None) -> Table:
    """Like :func:`read_rows`, keeping the fields the spec does not list (schema on read): each row
    holds the spec's fields, then one text value (or None) per ``Table.extras``.

    The fast path only takes answers with exactly the spec's fields, so it never drops one.
    """
    if status == 200:
        rows = _fast_rows(spec, body)
        if rows is not None:
            rows, replaced = storable(rows, body, by_msgspec=True)
            return Table(rows, (), replaced)
    table = spec.parse_table(read_answer(status, body, api=spec.api, conn_id=conn_id), tz)
    rows, replaced = storable(table.rows, body)
    return Table(rows, table.extras, replaced)


def has_fast_path(spec: ReportSpec) -> bool:
    """Whether :func:`read_rows` can decode answers to ``spec`` without ``json.loads``: every field
    text or integer, under the API's own name."""
    return _decoder(spec) is not None


def _fast_rows(spec: ReportSpec, body: bytes) -> list[Row] | None:
    """The rows of a plain successful answer, or None to take the slow path."""
    decoder = _decoder(spec)
    if decoder is None:
        return None
    with gc_paused():  # tens of thousands of rows at once; none of them can form a cycle
        try:
            answer = decoder.decode(body)
        except _DECODE_FAILED:
            return None
        if answer.code not in (200, "200"):
            return None
        values = map(astuple, answer.data)
        row_type = spec.row_type
        if row_type is None:
            return PlainRows(values)
        # The slow path builds campaign_8's rows with tuple.__new__ too, skipping the NamedTuple's __new__.
        return PlainRows(map(tuple.__new__, repeat(row_type), values))


@lru_cache(maxsize=64)
def _decoder(spec: ReportSpec) -> msgspec.json.Decoder[Any] | None:
    """A decoder of ``spec``'s answers into an envelope Struct, or None when it has no fast path."""
    if spec.optional_fields or any(
        f.source or f.synthetic or f.nullable or f.type not in (TEXT, INTEGER) for f in spec.schema
    ):
        return None
    # Attributes f0, f1, ... (the API's names need not be identifiers), renamed to the API's names;
    # astuple gives the values in the spec's column order.
    row = msgspec.defstruct(
        f"{spec.api}_row",
        [(f"f{i}", str if f.type == TEXT else _COUNT) for i, f in enumerate(spec.schema)],
        rename={f"f{i}": f.name for i, f in enumerate(spec.schema)},
        forbid_unknown_fields=True,  # a field the provider does not know: the slow path logs it
        gc=False,
    )
    # The envelope as the API sends it and nothing else: an unknown key would be skipped unread, and
    # msgspec skips what json.loads refuses (invalid UTF-8, integers past Python's 4300 digits).
    envelope = msgspec.defstruct(
        f"{spec.api}_answer",
        [
            ("code", int | str),
            ("data", list[row]),  # type: ignore[valid-type]
            ("error", str | None, None),
            ("msg", str | None, None),
        ],
        forbid_unknown_fields=True,
    )
    return msgspec.json.Decoder(envelope, strict=False)
