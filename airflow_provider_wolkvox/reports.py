"""Report specs: what each report's rows look like, how to type them, and how windows combine.

A report is data, not a class: every report of the campaign family is one
:class:`ReportSpec` below, and generic code (hook, fetch, staging, SQL load,
operators) runs any of them. ``REPORTS`` maps the API name to its spec.

How rows of several request windows combine into the rows of one interval
(``ReportSpec.combine``):

- ``sum`` (campaign_6, campaign_8, campaign_10): aggregates per key whose
  counts over disjoint windows add up; summed per key.
- ``shares`` (campaign_1, campaign_2, campaign_4): ``records`` per key and the
  key's ``percent`` of all records. ``records`` is summed per key and
  ``percent`` recomputed from the sums (``records / total * 100``, rounded half
  up to 2 decimals as the API writes it), never averaged.
- ``detail`` (campaign_3, campaign_5, campaign_7, campaign_9): one row per
  event; rows of the windows are concatenated. Two rows with the same key are
  an error (:class:`~airflow_provider_wolkvox.exceptions.WolkvoxRowError`
  naming the report and the key), never silently merged or dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cached_property, lru_cache, partial
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

from airflow_provider_wolkvox.exceptions import WolkvoxConfigError, WolkvoxRowError

log = logging.getLogger(__name__)

_warned_unknown: set[tuple[str, str]] = set()
"""(api, field) pairs already logged as ignored: once per process, not once per answer."""

FieldType = Literal["text", "integer", "percent", "timestamp"]
TEXT: FieldType = "text"
"""Kept exactly as sent (telephones keep leading zeros and ``+``)."""
INTEGER: FieldType = "integer"
"""A count: ``"7"`` -> ``7``."""
PERCENT: FieldType = "percent"
"""``"34.64 %"`` or ``"34.64"`` -> ``Decimal("34.64")``."""
TIMESTAMP: FieldType = "timestamp"
"""The operation's local wall-clock time (``2026-11-27 10:15:00``) -> aware UTC ``datetime``."""

Combine = Literal["sum", "shares", "detail"]
SUM: Combine = "sum"
SHARES: Combine = "shares"
DETAIL: Combine = "detail"

Row = tuple[Any, ...]
"""A typed row: one value per field of the spec, in the spec's order."""

CENT = Decimal("0.01")
_NULL_TIMES = frozenset({"", "0000-00-00 00:00:00", "0000-00-00"})


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
class Field:
    """One field of a report: its column name, the API's name for it, its type."""

    name: str
    """Column name in rows, XCom and the warehouse table."""
    type: FieldType = TEXT
    description: str = ""
    source: str = ""
    """The API's name of the field, when it differs from ``name`` (``campaign_id`` -> ``row_campaign_id``)."""
    nullable: bool = False
    """Only for timestamps: an empty or all-zero date becomes NULL instead of an error."""

    @property
    def api_name(self) -> str:
        return self.source or self.name


@dataclass(frozen=True)
class Param:
    """One request parameter of a report besides ``api``, ``date_ini`` and ``date_end``."""

    name: str
    required: bool = True
    accepts_all: bool = False
    description: str = ""


CAMPAIGN_ID = Param("campaign_id", accepts_all=True, description="Wolkvox campaign id, or `all`")


@dataclass(frozen=True)
class ReportSpec:
    """How to request, type and combine one Reports Manager report.

    :param api: the ``api`` parameter of ``reports_manager.php``.
    :param title: what the report is, in a few words.
    :param schema: the report's fields, in column order.
    :param key: the natural key of a row within one (campaign_id, window) (field names).
    :param combine: how rows of sub-windows combine: ``sum``, ``shares`` or ``detail``.
    :param default_table: the warehouse table a load goes to unless told otherwise.
    :param key_note: why this key, and what happens when it repeats (for the docs).
    """

    api: str
    title: str
    schema: tuple[Field, ...]
    key: tuple[str, ...]
    combine: Combine
    default_table: str
    key_note: str = ""
    row_type: type[Row] | None = field(default=None, compare=False)
    """A NamedTuple class for the rows (campaign_8), or None for plain tuples."""
    params: tuple[Param, ...] = (CAMPAIGN_ID,)
    """The report's own request parameters."""

    def request_params(self, given: Mapping[str, Any]) -> dict[str, str]:
        """``given`` checked against :attr:`params`, as the request's text values."""
        names = [p.name for p in self.params]
        valid = ", ".join(names) or "none"
        unknown = sorted(set(given) - set(names))
        if unknown:
            raise WolkvoxConfigError(
                f"{self.api} takes no parameter {', '.join(unknown)}; its parameters: {valid}"
            )
        out: dict[str, str] = {}
        for p in self.params:
            value = given.get(p.name)
            text = "" if value is None else str(value).strip()
            if not text and p.required:
                raise WolkvoxConfigError(f"{self.api} needs {p.name}; its parameters: {valid}")
            if text:
                out[p.name] = text
        return out

    def __post_init__(self) -> None:
        names = self.fields
        if len(set(names)) != len(names) or not set(self.key) <= set(names) or not self.key:
            raise ValueError(f"{self.api}: field names must be unique and the key made of them")
        values = [f for f in self.schema if f.name not in self.key]
        if self.combine == SUM and any(f.type != INTEGER for f in values):
            raise ValueError(f"{self.api}: a summed report has integer fields besides its key")
        if self.combine == SHARES and [(f.name, f.type) for f in values] != [
            ("records", INTEGER),
            ("percent", PERCENT),
        ]:
            raise ValueError(f"{self.api}: a shares report has the fields records and percent")

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

    @cached_property
    def types(self) -> tuple[FieldType, ...]:
        return tuple(f.type for f in self.schema)

    def parse_rows(self, raw_rows: Iterable[Mapping[str, Any]], tz: str | None = None) -> list[Row]:
        """Type the API's all-string rows; raise :class:`WolkvoxRowError` naming report, row and field.

        The careful path, for rows already decoded: :func:`~airflow_provider_wolkvox.decoding.read_rows`
        types the common answer straight from its bytes and falls back to this for anything else.

        ``tz`` is the connection's time zone, needed by reports with date fields:
        the API writes dates in the operation's local wall-clock time.
        """
        if tz is None and TIMESTAMP in self.types:
            raise ValueError(f"{self.api} has date fields: parse_rows needs the connection's time zone")
        converters = [(f.api_name, _converter(f, tz)) for f in self.schema]
        expected = {f.api_name for f in self.schema}
        make = tuple if self.row_type is None else partial(tuple.__new__, self.row_type)
        parsed: list[Row] = []
        checked = False
        raw: Any = None
        try:
            for raw in raw_rows:
                parsed.append(make([convert(raw[name]) for name, convert in converters]))
                if not checked:
                    checked = True
                    self._log_unknown_fields(raw, expected)
        except (KeyError, ValueError, TypeError, InvalidOperation) as err:
            raise self._row_error(raw, len(parsed), tz) from err
        return parsed

    def _log_unknown_fields(self, raw: Mapping[str, Any], expected: set[str]) -> None:
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
        for f in self.schema:
            if f.api_name not in raw:
                return WolkvoxRowError(f"{self.api}: row {index} has no field {f.api_name!r}")
        for f in sorted(self.schema, key=lambda f: f.type == TEXT):
            value = raw[f.api_name]
            try:
                _converter(f, tz or "UTC")(value)
            except (TypeError, ValueError, InvalidOperation):
                return WolkvoxRowError(
                    f"{self.api}: row {index} field {f.api_name!r} is {value!r}, not {_WHAT[f.type]}"
                )
        return WolkvoxRowError(f"{self.api}: row {index} does not parse")


_WHAT: dict[FieldType, str] = {
    TEXT: "text",
    INTEGER: "an integer count",
    PERCENT: "a percentage such as '34.64 %'",
    TIMESTAMP: "a local date-time such as '2026-11-27 10:15:00'",
}


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


def parse_percent(value: Any) -> Decimal:
    """``"34.64 %"``, ``"34.64%"``, ``"34.64"`` or ``"34,64"`` -> ``Decimal("34.64")``."""
    text = str(value).strip().removesuffix("%").strip()
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    number = Decimal(text)
    if not number.is_finite():
        raise ValueError("not a finite number")
    return number


def share(records: int, total: int) -> Decimal:
    """``records`` as a percentage of ``total``, rounded half up to 2 decimals (``0.00`` when total is 0)."""
    if not total:
        return Decimal("0.00")
    return (Decimal(records) * 100 / Decimal(total)).quantize(CENT, rounding=ROUND_HALF_UP)


@lru_cache(maxsize=32)
def _zone(tz: str) -> ZoneInfo:
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
        moment = moment.replace(tzinfo=_zone(tz))
    return moment.astimezone(timezone.utc)


def _converter(f: Field, tz: str | None) -> Callable[[Any], Any]:
    if f.type == INTEGER:
        return _integer
    if f.type == PERCENT:
        return parse_percent
    if f.type == TIMESTAMP:
        zone = tz or "UTC"
        if f.nullable:
            return lambda v: None if v is None or str(v).strip() in _NULL_TIMES else parse_local_time(v, zone)
        return lambda v: parse_local_time(v, zone)
    return _text


def _f(name: str, type_: FieldType = TEXT, description: str = "", **kwargs: Any) -> Field:
    return Field(name, type_, description, **kwargs)


_ROW_CAMPAIGN = (
    "campaign the row belongs to, as the API sent it (differs from campaign_id when that is 'all')"
)
_RECORDS = _f("records", INTEGER, "records with this value in the window")
_PERCENT = _f("percent", PERCENT, "records / all records of the window * 100, rounded to 2 decimals")
_DATE = _f("date", TIMESTAMP, "when it happened (API: local time of the connection's zone), UTC")

CAMPAIGN_1 = ReportSpec(
    api="campaign_1",
    title="final machine result",
    schema=(_f("result", TEXT, "final machine result of the dial"), _RECORDS, _PERCENT),
    key=("result",),
    combine=SHARES,
    default_table="wolkvox_campaign_1",
)

CAMPAIGN_2 = ReportSpec(
    api="campaign_2",
    title="results by activity code",
    schema=(_f("cod_act", TEXT, "activity code the agent typed"), _RECORDS, _PERCENT),
    key=("cod_act",),
    combine=SHARES,
    default_table="wolkvox_campaign_2",
)

_CUSTOMER = (
    _f("customer_name", TEXT, "customer's first name"),
    _f("customer_last_name", TEXT, "customer's last name"),
)

CAMPAIGN_3 = ReportSpec(
    api="campaign_3",
    title="phone by phone",
    schema=(
        _f("row_campaign_id", TEXT, _ROW_CAMPAIGN, source="campaign_id"),
        *_CUSTOMER,
        _f("id_type", TEXT, "type of the customer's id document"),
        _f("customer_id", TEXT, "customer id"),
        _DATE,
        _f("telephone", TEXT, "telephone dialed, exactly as sent"),
        _f("result", TEXT, "result of the dial"),
        *(_f(f"opt{n}", TEXT, f"custom field {n} of the record") for n in range(1, 13)),
        _f("conn_id", TEXT, "id of the call"),
    ),
    key=("conn_id",),
    combine=DETAIL,
    default_table="wolkvox_campaign_3",
    key_note="one row per dial, and a call's id names exactly one dial",
)

CAMPAIGN_4 = ReportSpec(
    api="campaign_4",
    title="attempt by attempt",
    schema=(_f("result", TEXT, "result of the attempt"), _RECORDS, _PERCENT),
    key=("result",),
    combine=SHARES,
    default_table="wolkvox_campaign_4",
)

CAMPAIGN_5 = ReportSpec(
    api="campaign_5",
    title="preview call detail",
    schema=(
        _f("type_of_row", TEXT, "kind of row"),
        _f("row_campaign_id", TEXT, _ROW_CAMPAIGN, source="campaign_id"),
        *_CUSTOMER,
        _f("result", TEXT, "result of the call"),
        _f("last_code_act", TEXT, "last activity code of the record"),
        _f("comments_customer_reg", TEXT, "comments on the customer record"),
        _f("customer_id", TEXT, "customer id"),
        _f("agent_id", TEXT, "agent who made the call"),
        _f("conn_id", TEXT, "id of the call"),
        _f("telephone", TEXT, "telephone dialed, exactly as sent"),
        _f("hang_up", TEXT, "who hung up"),
        _f("type_interaction", TEXT, "kind of interaction"),
        _f("call_result", TEXT, "result of the call"),
        _DATE,
        _f("time", TEXT, "the API's time field, kept as text (its meaning is unconfirmed)"),
        _f("cod_act", TEXT, "activity code"),
        _f("comments", TEXT, "agent's comments"),
    ),
    key=("conn_id", "type_of_row"),
    combine=DETAIL,
    default_table="wolkvox_campaign_5",
    key_note="one row per call and kind of row; type_of_row is in the key in case a call has rows of "
    "several kinds",
)

CAMPAIGN_6 = ReportSpec(
    api="campaign_6",
    title="AMD accumulated",
    schema=(
        _f("row_campaign_id", TEXT, _ROW_CAMPAIGN, source="campaign_id"),
        _f("total_amd", INTEGER, "answering machines detected in the window"),
    ),
    key=("row_campaign_id",),
    combine=SUM,
    default_table="wolkvox_campaign_6",
)

CAMPAIGN_7 = ReportSpec(
    api="campaign_7",
    title="AMD detail",
    schema=(
        _f("customer_id", TEXT, "customer id"),
        _f("row_campaign_id", TEXT, _ROW_CAMPAIGN, source="campaign_id"),
        _f("file_name", TEXT, "recording of the detection"),
        _f("telephone", TEXT, "telephone dialed, exactly as sent"),
        _f("result", TEXT, "detection result"),
        _DATE,
    ),
    key=("file_name",),
    combine=DETAIL,
    default_table="wolkvox_campaign_7",
    key_note="every detection has its own recording file",
)

CAMPAIGN_8 = ReportSpec(
    api="campaign_8",
    title="machine codes grouped by telephone",
    schema=(
        _f("telephone", TEXT, "registry telephone number, exactly as the API sent it (leading zeros, '+')"),
        _f("total_machine_recognitions", INTEGER, "machine-code recognitions of the number in the window"),
        _f("no_answer", INTEGER, "machine code result: no answer"),
        _f("answer_machine", INTEGER, "machine code result: answering machine"),
        _f("busy", INTEGER, "machine code result: busy"),
        _f("congestion", INTEGER, "machine code result: congestion"),
        _f("failed", INTEGER, "machine code result: failed"),
    ),
    key=("telephone",),
    combine=SUM,
    default_table="wolkvox_machine_codes",
    row_type=MachineCodesRow,
)

CAMPAIGN_9 = ReportSpec(
    api="campaign_9",
    title="WhatsApp record status",
    schema=(
        _f("row_campaign_id", TEXT, _ROW_CAMPAIGN, source="campaing_id"),
        _f("telephone", TEXT, "telephone messaged, exactly as sent"),
        _f("status", TEXT, "message status"),
        _f("errors", TEXT, "error text, empty when none"),
        _f("date", TIMESTAMP, "when the message was sent, UTC"),
        _f(
            "last_update",
            TIMESTAMP,
            "last status change, UTC; NULL when the API sends no date",
            nullable=True,
        ),
    ),
    key=("row_campaign_id", "telephone", "date"),
    combine=DETAIL,
    default_table="wolkvox_campaign_9",
    key_note="the report has no message id, so a message is its campaign, number and send time. Two "
    "messages to one number in the same second would share a key: the load then fails with a "
    "WolkvoxRowError naming the report and the key, rather than drop one of them",
)


CAMPAIGN_10 = ReportSpec(
    api="campaign_10",
    title="Turbo Dial by machine code",
    schema=(
        _f("machinecode", TEXT, "machine code"),
        _f("cantidad", INTEGER, "dials with this machine code in the window"),
    ),
    key=("machinecode",),
    combine=SUM,
    default_table="wolkvox_campaign_10",
)

REPORTS: dict[str, ReportSpec] = {
    spec.api: spec
    for spec in (
        CAMPAIGN_1,
        CAMPAIGN_2,
        CAMPAIGN_3,
        CAMPAIGN_4,
        CAMPAIGN_5,
        CAMPAIGN_6,
        CAMPAIGN_7,
        CAMPAIGN_8,
        CAMPAIGN_9,
        CAMPAIGN_10,
    )
}
"""Every report this provider can fetch, by API name."""


def report(api: str) -> ReportSpec:
    """The spec of ``api``; raise :class:`~airflow_provider_wolkvox.exceptions.WolkvoxConfigError` naming
    the known reports otherwise."""
    try:
        return REPORTS[api]
    except (KeyError, TypeError):
        raise WolkvoxConfigError(
            f"unknown report {api!r}: this provider knows {', '.join(REPORTS)}"
        ) from None
