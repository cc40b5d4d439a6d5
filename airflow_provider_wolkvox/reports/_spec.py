"""What a report is, as data: its request parameters, fields and types, key, and how windows combine.

A report is one :class:`ReportSpec`; generic code (hook, fetch, staging, SQL load, operators)
runs any of them. The family modules beside this one hold the specs.

How rows of several request windows combine into the rows of one interval (``ReportSpec.combine``):

- ``sum``: aggregates per key whose additive fields (counts, durations, money) over disjoint
  windows add up; summed per key. Text fields flagged ``attribute`` depend only on the key
  (``agent_name`` beside ``agent_id``) and are kept from any window.
- ``shares``: a count per key and the key's percentage of all counts (:class:`Shares` names the
  two fields). The count and any other additive field are summed per key and the percentage is
  recomputed from the sums, never averaged.
- ``per_request``: aggregates that do not add up (averages, service levels, ASA, percentages
  without their base, max/min, or a field list cut off in the vendor's pages, whose unknown fields
  cannot be proven additive). Their rows are never combined: the fetch layer keeps each request
  window's rows with the request window in the key (columns ``request_start``, ``request_end``, UTC).
- ``detail``: one row per event; rows of the windows are concatenated. A row belongs to a window
  by its own date (``ReportSpec.date_field``, read in the connection's time zone, stored UTC). Two
  rows with the same key are an error naming the report and the key, never merged or dropped.
  Where the vendor documents no id for a row, the key is the synthetic ``answer_row`` (the row's
  1-based position in its answer) and, as for ``per_request``, the request window is in the key.

Schema on read: a field the spec does not list is kept as text (:meth:`ReportSpec.parse_table`),
and a documented field that stops coming is NULL when the spec marks it optional (every field of
a list the vendor's pages cut off, besides the key and the date field).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cached_property, lru_cache, partial
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

from airflow_provider_wolkvox.exceptions import WolkvoxConfigError, WolkvoxRowError

log = logging.getLogger("airflow_provider_wolkvox.reports")

_warned_unknown: set[tuple[str, str]] = set()
"""(api, field) pairs already logged as ignored: once per process, not once per answer."""

FieldType = Literal["text", "integer", "decimal", "percent", "duration", "timestamp", "date"]
TEXT: FieldType = "text"
"""Kept exactly as sent (telephones keep leading zeros and ``+``)."""
INTEGER: FieldType = "integer"
"""A count: ``"7"`` -> ``7``."""
DECIMAL: FieldType = "decimal"
"""Money or minutes: ``"1234.50"`` (or ``"1234,50"``) -> ``Decimal("1234.50")``."""
PERCENT: FieldType = "percent"
"""``"34.64 %"`` or ``"34.64"`` -> ``Decimal("34.64")``."""
DURATION: FieldType = "duration"
"""Whole seconds: ``"123"`` or ``"0:02:03"`` / ``"00:02:03"`` -> ``123``."""
TIMESTAMP: FieldType = "timestamp"
"""The operation's local wall-clock time (``2026-11-27 10:15:00``) -> aware UTC ``datetime``."""
DATE: FieldType = "date"
"""A calendar date ``2026-11-27`` -> ``datetime.date`` (no time zone: a day of the operation)."""

FIELD_TYPES: tuple[FieldType, ...] = (TEXT, INTEGER, DECIMAL, PERCENT, DURATION, TIMESTAMP, DATE)
ADDITIVE: frozenset[FieldType] = frozenset({INTEGER, DECIMAL, DURATION})
"""Types whose values over disjoint windows add up: counts, money and minutes, seconds."""

Combine = Literal["sum", "shares", "detail", "per_request"]
SUM: Combine = "sum"
SHARES: Combine = "shares"
DETAIL: Combine = "detail"
PER_REQUEST: Combine = "per_request"

Row = tuple[Any, ...]
"""A typed row: one value per field of the spec, in the spec's order (then extras, see Table)."""

CENT = Decimal("0.01")
ROW_NUMBER = "answer_row"
"""The synthetic key of detail rows the vendor gives no id: the row's 1-based place in its answer."""
_NULL_TIMES = frozenset({"", "0000-00-00 00:00:00", "0000-00-00"})
_HMS = re.compile(r"(\d+):([0-5]\d):([0-5]\d)")


class MachineCodesRow(NamedTuple):
    """One campaign_8 row: machine-code counts of one telephone over one window."""

    telephone: str
    total_machine_recognitions: int
    no_answer: int
    answer_machine: int
    busy: int
    congestion: int
    failed: int


@dataclass(frozen=True)
class Param:
    """A request parameter of a report besides ``api``, ``date_ini`` and ``date_end``."""

    name: str
    required: bool = True
    accepts_all: bool = False
    """The vendor documents ``all`` as a value (every skill / campaign at once)."""
    description: str = ""


@dataclass(frozen=True)
class Shares:
    """The two fields of a ``shares`` report: a count per key, and its percentage of all counts."""

    count: str = "records"
    percent: str = "percent"


@dataclass(frozen=True)
class Field:
    """One field of a report: its column name, the API's name for it, its type."""

    name: str
    """Column name in rows, XCom and the warehouse table."""
    type: FieldType = TEXT
    description: str = ""
    source: str = ""
    """The API's name of the field, when it differs from ``name`` (``from`` -> ``mail_from``;
    campaign_9's ``campaing_id`` -> ``campaign_id``)."""
    nullable: bool = False
    """An empty value (``""``, JSON null, an all-zero date) becomes NULL instead of an error."""
    optional: bool = False
    """A row may lack the field (NULL then); implies ``nullable``. Set for cut-off field lists."""
    attribute: bool = False
    """In a ``sum``/``shares`` report: text that depends only on the key, kept from any window."""
    synthetic: bool = False
    """Not sent by the API: filled by the parser (``answer_row``)."""

    @property
    def api_name(self) -> str:
        return self.source or self.name


@dataclass(frozen=True)
class ReportSpec:
    """How to request, type and combine one Reports Manager report.

    :param api: the ``api`` parameter of ``reports_manager.php``.
    :param title: what the report is, in a few words.
    :param schema: the report's fields, in column order.
    :param key: the natural key of a row within one (parameters, window) (field names).
    :param combine: ``sum``, ``shares``, ``per_request`` or ``detail`` (see the module).
    :param default_table: the warehouse table a load goes to unless told otherwise
        (``wolkvox_<api>`` when not given).
    :param key_note: why this key, and what happens when it repeats (for the docs).
    :param family: cdr, agent, skill, campaign, chat, diagram, act, quality, speech or wizard.
    :param params: request parameters besides ``api``, ``date_ini`` and ``date_end``.
    :param grain: what one row is, in a few words (for the docs).
    :param date_field: a detail row's own date, by which it belongs to a window (None: unknown).
    :param fields_complete: False when the vendor's pages cut the field list off: every field
        besides the key and the date field is then optional, and the report cannot be summed.
    :param shares: the count and percentage fields of a ``shares`` report.
    :param note: anything else the docs must say (contradictions, guesses).
    """

    api: str
    title: str
    schema: tuple[Field, ...]
    key: tuple[str, ...]
    combine: Combine
    default_table: str = ""
    key_note: str = ""
    row_type: type[Row] | None = field(default=None, compare=False)
    """A NamedTuple class for the rows (campaign_8), or None for plain tuples."""
    family: str = "campaign"
    params: tuple[Param, ...] = ()
    grain: str = ""
    date_field: str | None = None
    fields_complete: bool = True
    shares: Shares | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if not self.default_table:
            object.__setattr__(self, "default_table", f"wolkvox_{self.api}")
        names = self.fields
        if len(set(names)) != len(names) or not set(self.key) <= set(names) or not self.key:
            raise ValueError(f"{self.api}: field names must be unique and the key made of them")
        if len({p.name for p in self.params}) != len(self.params):
            raise ValueError(f"{self.api}: parameter names must be unique")
        if self.combine == SHARES and self.shares is None:
            object.__setattr__(self, "shares", Shares())
        if self.combine != SHARES and self.shares is not None:
            raise ValueError(f"{self.api}: only a shares report names shares fields")
        by_name = {f.name: f for f in self.schema}
        if self.date_field is not None and self.date_field not in by_name:
            raise ValueError(f"{self.api}: the date field {self.date_field} is not a field")
        for name in (*self.key, *([self.date_field] if self.date_field else [])):
            if by_name[name].optional or by_name[name].nullable:
                raise ValueError(f"{self.api}: key and date fields cannot be NULL ({name})")
        if self.date_field and by_name[self.date_field].type not in (TIMESTAMP, DATE):
            raise ValueError(f"{self.api}: the date field {self.date_field} is not a date")
        self._check_combine(by_name)

    def _check_combine(self, by_name: dict[str, Field]) -> None:
        """Only additive fields are summed; detail rows have a date or are numbered."""
        values = [f for f in self.schema if f.name not in self.key]
        if self.combine in (SUM, SHARES):
            if not self.fields_complete:
                raise ValueError(f"{self.api}: a cut-off field list cannot be summed (per_request)")
            bad = [f.name for f in values if f.type not in ADDITIVE and not f.attribute]
            if self.shares is not None:
                count, percent = by_name.get(self.shares.count), by_name.get(self.shares.percent)
                if count is None or count.type != INTEGER or percent is None or percent.type != PERCENT:
                    raise ValueError(f"{self.api}: a shares report has an integer count and a percent")
                bad = [name for name in bad if name != percent.name]
            if bad:
                raise ValueError(f"{self.api}: summed fields must be additive or attributes: {bad}")
        if self.combine == DETAIL and self.date_field is None and ROW_NUMBER not in self.key:
            raise ValueError(f"{self.api}: a detail report needs a date field or the answer_row key")

    @cached_property
    def fields(self) -> tuple[str, ...]:
        """Field names, in column order."""
        return tuple(f.name for f in self.schema)

    @property
    def key_field(self) -> str:
        """The first key field (campaign_8: ``telephone``)."""
        return self.key[0]

    @property
    def count_fields(self) -> tuple[str, ...]:
        """Integer fields outside the key."""
        return tuple(f.name for f in self.schema if f.type == INTEGER and f.name not in self.key)

    @property
    def additive_fields(self) -> tuple[str, ...]:
        """Fields summed per key in ``sum`` and ``shares`` (the percentage is recomputed instead)."""
        if self.combine not in (SUM, SHARES):
            return ()
        skip = {*self.key, *([self.shares.percent] if self.shares else [])}
        return tuple(f.name for f in self.schema if f.name not in skip and not f.attribute)

    @property
    def attribute_fields(self) -> tuple[str, ...]:
        """Fields of ``sum``/``shares`` reports kept from any window: they depend only on the key."""
        return tuple(f.name for f in self.schema if f.attribute)

    @property
    def keyed_by_request_window(self) -> bool:
        """Whether the fetch layer keeps rows per request window (``request_start``/``request_end``
        in the key): non-additive aggregates, and detail rows keyed by ``answer_row``."""
        return self.combine == PER_REQUEST or ROW_NUMBER in self.key

    @cached_property
    def optional_fields(self) -> frozenset[str]:
        """Fields a row may lack (NULL then)."""
        fixed = {*self.key, self.date_field}
        return frozenset(
            f.name
            for f in self.schema
            if not f.synthetic and (f.optional or (not self.fields_complete and f.name not in fixed))
        )

    @cached_property
    def types(self) -> tuple[FieldType, ...]:
        return tuple(f.type for f in self.schema)

    @cached_property
    def api_names(self) -> frozenset[str]:
        """The API's names of the documented fields."""
        return frozenset(f.api_name for f in self.schema if not f.synthetic)

    def request_params(self, given: Mapping[str, str], *, complete: bool = True) -> dict[str, str]:
        """The query parameters of one request besides ``api`` and the dates; raise
        :class:`WolkvoxConfigError` naming the report's valid parameters on an unknown, missing,
        empty or ``all`` value where the report does not take it.

        ``complete=False`` checks what is given without requiring the rest (``airflow wolkvox plan``).
        """
        valid = {p.name: p for p in self.params}
        unknown = sorted(set(given) - set(valid))
        missing = [p.name for p in self.params if p.required and p.name not in given and complete]
        problem = ""
        if unknown:
            problem = f"does not take {', '.join(unknown)}"
        elif missing:
            problem = f"needs {', '.join(missing)}"
        query: dict[str, str] = {}
        for name, value in given.items():
            if problem:
                break
            text = value if isinstance(value, str) else ""
            if not text.strip():
                problem = f"needs a value for {name} (got {value!r})"
            elif text.strip().lower() == "all" and not valid[name].accepts_all:
                problem = f"does not take {name}=all"
            else:
                query[name] = text.strip()
        if problem:
            raise WolkvoxConfigError(f"report {self.api} {problem}; {self.params_help}")
        return query

    @property
    def params_help(self) -> str:
        """The report's valid parameters, in a sentence."""
        if not self.params:
            return f"{self.api} takes no parameters besides the dates"
        parts = [
            f"{p.name} ({'required' if p.required else 'optional'}{', or all' if p.accepts_all else ''})"
            for p in self.params
        ]
        return f"{self.api} takes {', '.join(parts)}"

    def parse_rows(self, raw_rows: Iterable[Mapping[str, Any]], tz: str | None = None) -> list[Row]:
        """Type the API's all-string rows; raise :class:`WolkvoxRowError` naming report, row and field.

        Fields the spec does not list are left out (logged once per process); use
        :meth:`parse_table` to keep them. The careful path, for rows already decoded:
        :func:`~airflow_provider_wolkvox.client.decoding.read_rows` types the common answer straight from
        its bytes and falls back to this for anything else.

        ``tz`` is the connection's time zone, needed by reports with date-time fields:
        the API writes them in the operation's local wall-clock time.
        """
        return self._parse(raw_rows, tz, keep_extras=False).rows

    def parse_table(self, raw_rows: Iterable[Mapping[str, Any]], tz: str | None = None) -> Table:
        """Like :meth:`parse_rows`, but keeping the fields the spec does not list (schema on read):
        each row is the spec's fields followed by one text value (or None) per ``Table.extras``."""
        return self._parse(raw_rows, tz, keep_extras=True)

    def _parse(self, raw_rows: Iterable[Mapping[str, Any]], tz: str | None, *, keep_extras: bool) -> Table:
        if tz is None and TIMESTAMP in self.types:
            raise ValueError(f"{self.api} has date fields: parse_rows needs the connection's time zone")
        optional = self.optional_fields
        converters = [(f.api_name, _converter(f, tz, f.name in optional)) for f in self.schema]
        # How each field is read: 0 required, 1 optional (NULL when absent), 2 synthetic answer_row.
        modes = [2 if f.synthetic else 1 if f.name in optional else 0 for f in self.schema]
        plain = not any(modes)
        steps = list(zip(converters, modes, strict=True))
        expected = self.api_names
        make = tuple if self.row_type is None else partial(tuple.__new__, self.row_type)
        parsed: list[Row] = []
        extras: dict[str, None] = {}
        extra_values: dict[int, dict[str, str | None]] = {}
        width = len(expected)
        checked = False
        raw: Any = None
        try:
            for raw in raw_rows:
                if plain:
                    parsed.append(make([convert(raw[name]) for name, convert in converters]))
                else:
                    index = len(parsed) + 1
                    parsed.append(
                        make(
                            [
                                convert(raw[name])
                                if mode == 0
                                else convert(raw.get(name, _MISSING))
                                if mode == 1
                                else index
                                for (name, convert), mode in steps
                            ]
                        )
                    )
                if keep_extras:
                    if len(raw) > width or (not plain and not raw.keys() <= expected):
                        new = {k: _extra_text(v) for k, v in raw.items() if k not in expected}
                        if new:
                            extras.update(dict.fromkeys(new))
                            extra_values[len(parsed) - 1] = new
                elif not checked:
                    checked = True
                    self._log_unknown_fields(raw, expected)
        except (KeyError, ValueError, TypeError, InvalidOperation, AttributeError) as err:
            raise self._row_error(raw, len(parsed), tz) from err
        if not extras:
            return Table(parsed, ())
        names = tuple(extras)
        empty = (None,) * len(names)
        widened = [
            (*row, *(tuple(extra_values[i].get(n) for n in names) if i in extra_values else empty))
            for i, row in enumerate(parsed)
        ]
        shown = ", ".join(repr(name) for name in names[:20])
        more = f" and {len(names) - 20:,} more" if len(names) > 20 else ""
        log.info("%s: keeping fields the spec does not list, as text: %s%s", self.api, shown, more)
        return Table(widened, names)

    def _log_unknown_fields(self, raw: Mapping[str, Any], expected: frozenset[str]) -> None:
        new = sorted(f for f in set(raw) - expected if (self.api, f) not in _warned_unknown)
        if new:
            _warned_unknown.update((self.api, f) for f in new)
            log.warning("%s: ignoring fields this provider does not know yet: %s", self.api, ", ".join(new))

    def _row_error(self, raw: Any, index: int, tz: str | None) -> WolkvoxRowError:
        if not isinstance(raw, Mapping):
            return WolkvoxRowError(
                f"{self.api}: row {index} is a {type(raw).__name__}, not an object; "
                "the API changed its answer format"
            )
        optional = self.optional_fields
        for f in self.schema:
            if not f.synthetic and f.api_name not in raw and f.name not in optional:
                return WolkvoxRowError(f"{self.api}: row {index} has no field {f.api_name!r}")
        for f in sorted(self.schema, key=lambda f: f.type == TEXT):
            if f.synthetic or f.api_name not in raw:
                continue
            value = raw[f.api_name]
            try:
                _converter(f, tz or "UTC", f.name in optional)(value)
            except (TypeError, ValueError, InvalidOperation):
                return WolkvoxRowError(
                    f"{self.api}: row {index} field {f.api_name!r} is {value!r}, not {_WHAT[f.type]}"
                )
        return WolkvoxRowError(f"{self.api}: row {index} does not parse")


class Table(NamedTuple):
    """Typed rows with schema on read: each row holds the spec's fields, then one value per extra
    field (text, or None where that row lacks it). ``extras`` is empty when the API sent nothing new."""

    rows: list[Row]
    extras: tuple[str, ...]
    replaced: int = 0
    """Characters of the answer's text no warehouse can store (NUL, unpaired surrogates) that
    were replaced by U+FFFD (``decoding.storable``)."""

    def widened(self, extras: tuple[str, ...]) -> list[Row]:
        """The rows with their extra fields laid out as ``extras`` (a superset, e.g. every extra of
        an interval's windows), NULL where this answer had no such field."""
        if extras == self.extras:
            return self.rows
        missing = set(self.extras) - set(extras)
        if missing:
            raise ValueError(f"widened() needs every extra of the table; missing {sorted(missing)}")
        width = len(self.rows[0]) - len(self.extras) if self.rows else 0
        at = {name: width + i for i, name in enumerate(self.extras)}
        return [(*row[:width], *(row[at[n]] if n in at else None for n in extras)) for row in self.rows]


class _Missing:
    """A field absent from a row (distinct from JSON null)."""


_MISSING: Any = _Missing()

_WHAT: dict[FieldType, str] = {
    TEXT: "text",
    INTEGER: "an integer count",
    DECIMAL: "a decimal number such as '1234.50'",
    PERCENT: "a percentage such as '34.64 %'",
    DURATION: "a duration in seconds such as '123' or '0:02:03'",
    TIMESTAMP: "a local date-time such as '2026-11-27 10:15:00'",
    DATE: "a date such as '2026-11-27'",
}


def _extra_text(value: Any) -> str | None:
    """A field the spec does not list, as text: strings as sent, other JSON values as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _text(value: Any) -> str:
    if value is None or isinstance(value, (bool, dict, list)):
        raise TypeError("not text")
    return str(value)


def _integer(value: Any) -> int:
    """A count sent as text (``"7"``) or as a JSON integer; never a float or a boolean, which
    ``int()`` would silently truncate (``1.5`` -> 1) or count (``true`` -> 1)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError("not an integer")
    return int(value)


def _number_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError("not a number")
    text = str(value).strip()
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    return text


def parse_decimal(value: Any) -> Decimal:
    """``"1234.50"``, ``"1234,50"``, ``"7"`` or a JSON number -> ``Decimal``; never NaN or infinity."""
    number = Decimal(_number_text(value))
    if not number.is_finite():
        raise ValueError("not a finite number")
    return number


def parse_percent(value: Any) -> Decimal:
    """``"34.64 %"``, ``"34.64%"``, ``"34.64"`` or ``"34,64"`` -> ``Decimal("34.64")``."""
    text = str(value).strip().removesuffix("%").strip()
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    number = Decimal(text)
    if not number.is_finite():
        raise ValueError("not a finite number")
    return number


def parse_duration(value: Any) -> int:
    """Whole seconds: ``"123"``, ``123``, ``"4:38:08"`` or ``"04:38:08"`` (hours may pass 23)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError("not a duration")
    if isinstance(value, int):
        seconds = value
    else:
        text = value.strip()
        hms = _HMS.fullmatch(text)
        if hms:
            hours, minutes, secs = map(int, hms.groups())
            seconds = hours * 3600 + minutes * 60 + secs
        elif text.isascii() and text.isdigit():
            seconds = int(text)
        else:
            raise ValueError("not a duration")
    if seconds < 0:
        raise ValueError("a negative duration")
    return seconds


def parse_date(value: Any) -> date:
    """``"2026-11-27"`` -> ``date(2026, 11, 27)``; a date-time is refused (that is a timestamp)."""
    if not isinstance(value, str):
        raise TypeError("not a date string")
    return date.fromisoformat(value.strip())


def share(records: int, total: int) -> Decimal:
    """``records`` as a percentage of ``total``, rounded half up to 2 decimals (``0.00`` when total is 0)."""
    if not total:
        return Decimal("0.00")
    return (Decimal(records) * 100 / Decimal(total)).quantize(CENT, rounding=ROUND_HALF_UP)


@lru_cache(maxsize=32)
def _cached_zone(tz: str) -> ZoneInfo:
    """The zone of an IANA name the connection checked already, looked up once per name."""
    return ZoneInfo(tz)


def parse_local_time(value: Any, tz: str) -> datetime:
    """The API's local ``YYYY-mm-dd HH:MM:SS`` in ``tz`` -> aware UTC datetime.

    A time written with an offset keeps it. An ambiguous wall-clock time (the
    repeated hour when DST ends) is read as its first occurrence.
    """
    if not isinstance(value, str):
        raise TypeError("not a date-time string")
    moment = datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_cached_zone(tz))
    return moment.astimezone(timezone.utc)


_PARSERS: dict[FieldType, Callable[[Any], Any]] = {
    TEXT: _text,
    INTEGER: _integer,
    DECIMAL: parse_decimal,
    PERCENT: parse_percent,
    DURATION: parse_duration,
    DATE: parse_date,
}


def _converter(f: Field, tz: str | None, optional: bool = False) -> Callable[[Any], Any]:
    parse = partial(parse_local_time, tz=tz or "UTC") if f.type == TIMESTAMP else _PARSERS[f.type]
    if optional:
        # A field a row may lack: NULL when absent, null, or (for non-text) empty.
        empties = _NULL_TIMES if f.type in (TIMESTAMP, DATE) else frozenset({""})
        if f.type == TEXT:
            return lambda v: None if v is _MISSING or v is None else parse(v)
        return lambda v: None if v is _MISSING or v is None or str(v).strip() in empties else parse(v)
    if f.nullable:
        empties = _NULL_TIMES if f.type in (TIMESTAMP, DATE) else frozenset({""})
        return lambda v: None if v is None or str(v).strip() in empties else parse(v)
    return parse


def fld(name: str, type_: FieldType = TEXT, description: str = "", **kwargs: Any) -> Field:
    """A field, concisely: ``fld("calls", INTEGER, "calls in the window")``."""
    return Field(name, type_, description, **kwargs)


ROW_NUMBER_FIELD = Field(
    ROW_NUMBER,
    INTEGER,
    "place of the row in its answer, from 1 (the vendor documents no id for a row)",
    synthetic=True,
)
ROW_NUMBER_NOTE = (
    "the vendor documents no id for a row: rows are numbered in the order the API sends them, so "
    "nothing is merged or dropped, and a re-load replaces the request window's rows whole"
)
