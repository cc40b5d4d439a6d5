"""Types of fields found on read (schema on read): one rule, from the values an answer brings.

Each value the API sent as text is one of: an integer (``241``; no leading zero, so ids such
as ``0012`` stay text), a decimal (``1234.50``), a percentage (``83.82%`` -> 83.82), a duration
(``04:38:08`` -> 16,688 seconds), a local date-time (``2026-11-27 10:15:00``, in the connection's
time zone -> UTC, as the spec's dates are), or text. A column's type is the least of
:data:`INT` < :data:`NUM` < :data:`TEXT` (and :data:`TIME` < :data:`TEXT`) that holds all its
values: integers and durations are :data:`INT`; decimals, percentages and integers mixed with
them :data:`NUM`; anything else, or a mix of dates and numbers, :data:`TEXT`, which holds every
value as sent. Identifiers (``id``, ``*_id``, ``*_dni``) stay text whatever their values. Empty
text and NULL say nothing (NULL in a typed column, ``''`` kept in text).
Values are bounded so every warehouse column holds them exactly: INTEGER (32 bits), DECIMAL(20,6).

A later load joins its type with the column's: the column widens (integer -> decimal -> text),
never narrows, so no value is ever refused or dropped (:mod:`~airflow_provider_wolkvox.sql.widen`).
Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from airflow_provider_wolkvox.reports._spec import parse_local_time

Kind = Literal["int", "num", "time", "text"]
INT: Kind = "int"
NUM: Kind = "num"
TIME: Kind = "time"
TEXT: Kind = "text"

INT_MAX = 2**31 - 1
"""Largest integer a found column holds as INTEGER (every warehouse's INTEGER is 32 bits or more)."""
NUM_DIGITS = (14, 6)
"""Most digits before and after the point a found decimal has (DECIMAL(20,6), the narrowest
money type of the warehouses)."""

_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]{0,13})")
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]{0,13})\.[0-9]{1,6}")
_PERCENT = re.compile(r"(-?(?:0|[1-9][0-9]{0,13})(?:\.[0-9]{1,6})?) ?%")
_DURATION = re.compile(r"([0-9]{1,5}):([0-5][0-9]):([0-5][0-9])")
_IDENTIFIER = re.compile(r"(?:.*_)?(?:id|dni)")
_LOCAL_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")


def value_kind(text: str | None) -> Kind | None:
    """The least kind holding ``text`` (None for NULL or empty text: it says nothing)."""
    if text is None or text == "":
        return None
    kind: Kind = TEXT
    if not text.isascii():
        pass
    elif _INTEGER.fullmatch(text):
        kind = INT if abs(int(text)) <= INT_MAX else NUM
    elif _DECIMAL.fullmatch(text) or _PERCENT.fullmatch(text):
        kind = NUM
    elif _DURATION.fullmatch(text):
        kind = INT if _seconds(text) <= INT_MAX else TEXT
    elif _LOCAL_TIME.fullmatch(text) and _is_time(text):
        kind = TIME
    return kind


def _seconds(text: str) -> int:
    hms = _DURATION.fullmatch(text)
    assert hms is not None
    hours, minutes, seconds = map(int, hms.groups())
    return hours * 3600 + minutes * 60 + seconds


def _is_time(text: str) -> bool:
    try:
        datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return False
    return True


def join(first: Kind | None, second: Kind | None) -> Kind | None:
    """The least kind holding values of both (None: neither says anything)."""
    if first is None or first == second:
        return second
    if second is None:
        return first
    if {first, second} == {INT, NUM}:
        return NUM
    return TEXT


def column_kind(values: Iterable[str | None]) -> Kind | None:
    """The least kind holding every one of ``values`` (stops reading at text)."""
    kind: Kind | None = None
    for value in values:
        kind = join(kind, value_kind(value))
        if kind == TEXT:
            return TEXT
    return kind


def typed_value(kind: Kind, text: str | None, tz: str) -> Any:
    """``text`` as a value of a column of ``kind`` that holds it (``join`` made sure): an ``int``,
    a ``Decimal``, an aware UTC ``datetime``, or the text as sent. Empty text is NULL outside text."""
    if kind == TEXT or text is None:
        return text
    if text == "":
        return None
    if kind == TIME:
        return parse_local_time(text, tz)
    whole = _seconds(text) if _DURATION.fullmatch(text) else None
    if kind == INT:
        return int(text) if whole is None else whole
    percent = _PERCENT.fullmatch(text)
    return Decimal(whole if whole is not None else percent.group(1) if percent else text)


def found_kind(name: str, values: Iterable[str | None]) -> Kind | None:
    """The kind of the found column ``name`` holding ``values``: text for an identifier (``id``,
    ``*_id``, ``*_dni``: labels, not numbers; typed, one id with a leading zero or a letter would
    widen the column and rewrite every earlier id), else :func:`column_kind`."""
    if _IDENTIFIER.fullmatch(name):
        return TEXT
    return column_kind(values)


@dataclass(frozen=True)
class FoundTypes:
    """The kinds an interval's answers give the fields found on read (column -> kind; a column
    absent or None: no value said anything, kept as text), and the connection's time zone."""

    kinds: Mapping[str, Kind | None] = field(default_factory=dict)
    tz: str = "UTC"
