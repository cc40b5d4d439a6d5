"""Rows as they are staged and stored: a report's fields, and for reports keyed by their request
window the request window each row was answered for.

A non-additive aggregate (an average, a service level) over two request windows cannot be
combined into one number, and a detail row with no id of its own is only its position in one
answer (``row_number``): such rows are kept per request window, and the request window
(``request_start``, ``request_end``, UTC) leads the row and its key
(``ReportSpec.keyed_by_request_window``). Every other report is stored as its spec says.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timezone
from functools import lru_cache

from airflow_provider_wolkvox.exceptions import WolkvoxRowError
from airflow_provider_wolkvox.reports import CAMPAIGN_8, TEXT, TIMESTAMP, Field, ReportSpec

REQUEST_FIELDS = (
    Field("request_start", TIMESTAMP, "start of the API request window the row answers (inclusive), UTC"),
    Field("request_end", TIMESTAMP, "end of the API request window the row answers (exclusive), UTC"),
)
REQUEST_NAMES = tuple(f.name for f in REQUEST_FIELDS)


@lru_cache(maxsize=128)
def stored_spec(spec: ReportSpec) -> ReportSpec:
    """``spec`` as its rows are staged, loaded and returned: reports keyed by their request window
    get it in front of their fields and key; every other report is ``spec`` itself."""
    if not spec.keyed_by_request_window or spec.fields[:2] == REQUEST_NAMES:
        return spec
    return replace(
        spec,
        schema=(*REQUEST_FIELDS, *spec.schema),
        key=(*REQUEST_NAMES, *spec.key),
        row_type=None,
    )


def param_columns(spec: ReportSpec = CAMPAIGN_8) -> tuple[str, ...]:
    """The report's request parameters, as columns (campaign reports: ``campaign_id``; many: none).

    The one naming rule: the API's field keeps its own name, and a parameter named like one of
    ``spec``'s fields, listed or found on read (skill_4 takes ``skill_id`` and answers a
    ``skill_id`` per row; skill_1's answer brings one), becomes ``requested_<name>``: the value
    asked for (maybe ``all``) beside the row's own."""
    fields = set(spec.fields)
    return tuple(f"requested_{p.name}" if p.name in fields else p.name for p in spec.params)


def window_columns(spec: ReportSpec = CAMPAIGN_8) -> tuple[str, ...]:
    """The columns every table starts with: the request's parameters and the window. A load
    replaces exactly the rows with these values."""
    return (*param_columns(spec), "window_start", "window_end")


def key_columns(spec: ReportSpec = CAMPAIGN_8) -> tuple[str, ...]:
    """The primary key of ``spec``'s table: the window, then the report's natural key."""
    return (*window_columns(spec), *spec.key)


def columns(spec: ReportSpec = CAMPAIGN_8) -> tuple[str, ...]:
    """Column order of ``spec``'s table, of every INSERT and of the COPY data."""
    return (*window_columns(spec), *spec.fields, "loaded_at")


def window_values(spec: ReportSpec, params: Mapping[str, str]) -> dict[str, str]:
    """The window's parameter columns (:func:`param_columns`) and their values ("" for a
    parameter not given): what XCom rows and load results carry."""
    return {
        column: params.get(p.name, "") for column, p in zip(param_columns(spec), spec.params, strict=True)
    }


EXTRA_NOTE = (
    "a field the API sent that this provider's spec does not list, typed by its values (NULL when not sent)"
)

EXTRA_COLUMN_MAX = 30
"""Longest name of a column found on read: within every warehouse's identifier limit (Oracle
before 12.2 allows 30 characters; PostgreSQL 63, MySQL/MariaDB 64, SQL Server 128; see
``Flavor.identifier_max``)."""
HASH_LETTERS = 8
"""Letters of the hash that tells apart names that write alike (base32 of SHA-256: 40 bits)."""
MARK = "__"
"""Between a made name and its hash; never inside a name kept as sent, nor in a reserved one."""
EXTRA_FIELDS_MAX = 1000
"""Most fields beyond the spec's one interval may bring (SQLite's staging table holds 2,000
columns, MySQL/MariaDB's InnoDB 1,017, PostgreSQL 1,600): more fails the task before staging."""
NEW_COLUMNS_MAX = 100
"""Most columns one load adds to a table (schema on read); more fails the load, changing nothing
(``max_new_columns`` of the SQL operator and ``load_window`` says otherwise)."""
BOOKKEEPING = ("window_start", "window_end", "request_start", "request_end", "loaded_at", "answer_row")
"""Columns the provider adds to a report's table (the window, the request window, the load time,
numbered rows): a field found on read never takes their names."""

_PLAIN = re.compile(r"[a-z][a-z0-9_]*")
_RUNS = re.compile(r"[^a-z0-9]+")


def reserved_columns(spec: ReportSpec) -> frozenset[str]:
    """Names no field found on read becomes in ``spec``'s table: the spec's fields, its request
    parameters as ``requested_<name>``, and the bookkeeping columns.

    The one place that says which names are taken. A bare parameter name is not taken: a field
    of that name keeps it, and the parameter's column becomes ``requested_<name>``
    (:func:`param_columns`)."""
    params = [p.name for p in spec.params]
    return frozenset({*spec.fields, *(f"requested_{name}" for name in params), *BOOKKEEPING})


ROW_PREFIXED_FAMILIES = frozenset({"campaign"})
"""Families whose older releases (up to issue 23) stored a listed field named like the request
parameter as ``row_<name>`` (campaign_3, 5, 6, 7 and 9: ``row_campaign_id``), the parameter under
the bare name. No other family's spec ever named a field so."""


def legacy_columns(spec: ReportSpec, api_name: str) -> tuple[str, ...]:
    """Columns older releases gave the field ``api_name`` in ``spec``'s table (as stored, without
    extras), where today's rule names it otherwise. Found on read: ``x_<name>`` (0.1.0 prefixed a
    taken name) and issue 22's hashed name for a field named like a request parameter. Listed by
    the spec and named like a parameter: ``row_<name>`` in :data:`ROW_PREFIXED_FAMILIES`.

    A load that finds one of them renames it to today's column (:mod:`~airflow_provider_wolkvox.sql.names`),
    so no table keeps two conventions."""
    params = {p.name for p in spec.params}
    if api_name in params and api_name in spec.fields:
        return (f"row_{api_name}",) if spec.family in ROW_PREFIXED_FAMILIES else ()
    today = extra_column(api_name, reserved_columns(spec))
    base = re.sub(r"[^a-z0-9_]", "_", api_name.lower())[:60] or "field"
    if base[0].isdigit():
        base = f"f_{base}"[:60]
    older: list[str] = []
    if base in {*spec.fields, *params, *BOOKKEEPING, "campaign_id"}:
        older += [f"x_{base}"[:63], f"x_x_{base}"[:63]]
    older.append(extra_column(api_name, reserved_columns(spec) | params | {"campaign_id"}))
    return tuple(dict.fromkeys(name for name in older if name != today))


def extra_column(api_name: str, reserved: Collection[str]) -> str:
    """The column of a field found on read, from its own name and the table's reserved names only:
    the same column in every load, whatever other fields come with it or before it.

    A name that already is a plain SQL name (``[a-z][a-z0-9_]*``, at most
    :data:`EXTRA_COLUMN_MAX` characters, no ``__``) and is not reserved is kept as sent. Any other
    gets a readable part (accents dropped, lower case, every run of other characters one ``_``,
    at most 20 characters) and a hash of the name as sent: ``Foo`` -> ``foo__<8 letters>``,
    ``yes/no`` -> ``yes_no__<8 letters>``, ``date`` in a report with a ``date`` field ->
    ``date__<8 letters>``. Pure and bounded: only the first 120 characters are read but for the
    hash.
    """
    plain = len(api_name) <= EXTRA_COLUMN_MAX and _PLAIN.fullmatch(api_name) and MARK not in api_name
    if plain and api_name not in reserved:
        return api_name
    folded = unicodedata.normalize("NFKD", api_name[: 4 * EXTRA_COLUMN_MAX].lower())
    readable = _RUNS.sub("_", folded.encode("ascii", "ignore").decode()).strip("_")
    if not readable[:1].isalpha():
        readable = f"f_{readable}" if readable else "field"
    readable = readable[: EXTRA_COLUMN_MAX - len(MARK) - HASH_LETTERS].rstrip("_")
    digest = hashlib.sha256(api_name.encode("utf-8", "surrogatepass")).digest()
    return f"{readable}{MARK}{base64.b32encode(digest).decode().lower()[:HASH_LETTERS]}"


def extra_columns(api_names: Iterable[str], reserved: Collection[str]) -> dict[str, str]:
    """:func:`extra_column` of each name (API name -> column). Two names that would share a column
    (equal hashes: never seen by chance, only made on purpose) raise :class:`WolkvoxRowError`."""
    columns: dict[str, str] = {}
    owners: dict[str, str] = {}
    for api_name in api_names:
        column = extra_column(api_name, reserved)
        other = owners.setdefault(column, api_name)
        if other != api_name:
            first, second = sorted((other, api_name))
            raise WolkvoxRowError(
                f"the API sent fields {first!r} and {second!r}, whose columns would both be {column}; "
                "one would overwrite the other, so nothing was loaded"
            )
        columns[api_name] = column
    return columns


@lru_cache(maxsize=128)
def with_extras(spec: ReportSpec, extras: tuple[str, ...]) -> ReportSpec:
    """``spec`` (as stored) with one nullable text field per extra API field, named by
    :func:`extra_column` (in the order of ``extras``)."""
    if not extras:
        return spec
    if len(extras) > EXTRA_FIELDS_MAX:
        shown = ", ".join(repr(name) for name in sorted(extras)[:5])
        raise WolkvoxRowError(
            f"{spec.api}: the API sent {len(extras):,} fields the report's spec does not list "
            f"({shown}, ...); at most {EXTRA_FIELDS_MAX:,} are kept, as no warehouse table holds more "
            "columns, so nothing was loaded. So many unknown fields are unlikely to be this report's: "
            "check the connection's server and base_url"
        )
    named = extra_columns(extras, reserved_columns(spec))
    added = tuple(
        Field(
            named[api_name], TEXT, EXTRA_NOTE, source=api_name, nullable=True, optional=True, attribute=True
        )
        for api_name in extras
    )
    return replace(spec, schema=(*spec.schema, *added), row_type=None)


def extra_fields(spec: ReportSpec) -> tuple[Field, ...]:
    """The fields of a stored ``spec`` its report's own spec does not list (schema on read)."""
    from airflow_provider_wolkvox.reports import REPORTS

    declared = REPORTS.get(spec.api)
    if declared is None or spec is declared:
        return ()
    known = set(stored_spec(declared).fields)
    return tuple(f for f in spec.schema if f.name not in known)


def utc_second(moment: datetime) -> datetime:
    """A plain aware UTC ``datetime`` of whole seconds (pendulum's subclass binds badly)."""
    return datetime.fromtimestamp(int(moment.timestamp()), tz=timezone.utc)
