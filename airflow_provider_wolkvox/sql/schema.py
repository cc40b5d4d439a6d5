"""The warehouse table of a report: its columns, their types per dialect, and the SQL that touches it.

One row per campaign_id, window_start, window_end and the report's own key (for
campaign_8, the telephone). Every statement is built from validated identifiers only;
values always travel as parameters (or as escaped COPY data), never inside the SQL text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from airflow_provider_wolkvox.exceptions import WolkvoxConfigError
from airflow_provider_wolkvox.reports import CAMPAIGN_8, INTEGER, PERCENT, TEXT, TIMESTAMP, ReportSpec

WINDOW_COLUMNS: tuple[str, ...] = ("campaign_id", "window_start", "window_end")
"""The columns every report's table starts with: which (campaign, window) a row belongs to."""


def key_columns(spec: ReportSpec = CAMPAIGN_8) -> tuple[str, ...]:
    """The primary key of ``spec``'s table: the window, then the report's natural key."""
    return (*WINDOW_COLUMNS, *spec.key)


def columns(spec: ReportSpec = CAMPAIGN_8) -> tuple[str, ...]:
    """Column order of ``spec``'s table, of every INSERT and of the COPY data."""
    return (*WINDOW_COLUMNS, *spec.fields, "loaded_at")


KEY_COLUMNS: tuple[str, ...] = key_columns(CAMPAIGN_8)
"""campaign_8's primary key: re-loading a window replaces exactly the rows with these values."""

COUNT_COLUMNS: tuple[str, ...] = CAMPAIGN_8.fields[1:]
COLUMNS: tuple[str, ...] = columns(CAMPAIGN_8)
"""Column order of campaign_8's table, of every INSERT and of the COPY data."""

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}\Z")
_TIME_COLUMNS = frozenset({"window_start", "window_end", "loaded_at"})

Quote = Callable[[str], str]


def double_quote(word: str) -> str:
    """SQL-standard quoting; safe because every identifier passed the strict regex first."""
    return f'"{word}"'


def no_quote(word: str) -> str:
    """Leave a validated identifier as it is (the database folds its case as usual)."""
    return word


def utc_iso(moment: datetime) -> str:
    """``2026-11-27T06:00:00+00:00``: the text form of a time in SQLite and in COPY data."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def utc_aware(moment: datetime) -> datetime:
    """An aware UTC datetime: what a ``timestamptz`` parameter wants."""
    return moment.astimezone(timezone.utc)


def utc_naive(moment: datetime) -> datetime:
    """A naive datetime holding UTC wall-clock time: what a plain ``TIMESTAMP`` parameter wants."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class Flavor:
    """Column types and value forms of one family of databases."""

    name: str
    text_type: str
    time_type: str
    int_type: str
    time_value: Callable[[datetime], object]
    """Turns an aware datetime into the parameter value stored in a time column."""
    table_options: str = ""
    numeric_type: str = "NUMERIC"
    """Type of percentages (exact decimals)."""


POSTGRES = Flavor("postgresql", "text", "timestamptz", "integer", utc_aware, numeric_type="numeric")
SQLITE = Flavor("sqlite", "TEXT", "TEXT", "INTEGER", utc_iso, " WITHOUT ROWID", numeric_type="NUMERIC")
GENERIC = Flavor("generic", "VARCHAR(255)", "TIMESTAMP", "INTEGER", utc_naive, numeric_type="DECIMAL(9,2)")
"""Anything else: VARCHAR rather than TEXT because MySQL, SQL Server and Oracle cannot key a
TEXT/CLOB column; TIMESTAMP values are naive and hold UTC."""


def flavor_for(dialect_name: str) -> Flavor:
    """The flavor of a common-sql dialect name (``DbApiHook.dialect_name``)."""
    name = dialect_name.lower()
    if name in ("postgresql", "postgres"):
        return POSTGRES
    if name == "sqlite":
        return SQLITE
    return GENERIC


def table_parts(table: str) -> tuple[str, ...]:
    """Split ``name`` or ``schema.name`` and check each part; raise :class:`WolkvoxConfigError`."""
    if not isinstance(table, str):
        raise WolkvoxConfigError(f"table must be a string such as 'wolkvox_machine_codes', got {table!r}")
    parts = tuple(table.split("."))
    if len(parts) > 2 or not all(_IDENTIFIER.match(part) for part in parts):
        raise WolkvoxConfigError(
            f"table {table!r} is not a valid table name: use 'name' or 'schema.name', each part a "
            "letter or underscore followed by up to 62 letters, digits or underscores "
            "(no quotes, spaces or other characters)"
        )
    return parts


def adapter(spec: ReportSpec, flavor: Flavor) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """Turns one of ``spec``'s typed rows into parameter values for ``flavor``: times become the
    flavor's time values, percentages text for SQLite (its driver binds no ``Decimal``)."""
    converters: list[Callable[[Any], Any] | None] = []
    for kind in spec.types:
        if kind == TIMESTAMP:
            converters.append(flavor.time_value)
        elif kind == PERCENT and flavor is SQLITE:
            converters.append(str)
        else:
            converters.append(None)
    pairs = list(enumerate(converters))

    def adapt(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(
            value if convert is None or value is None else convert(value)
            for (_, convert), value in zip(pairs, row, strict=True)
        )

    return adapt


@dataclass(frozen=True)
class Statements:
    """The SQL text of one load, for one table in one flavor."""

    table: str
    create: str
    delete: str
    copy: str
    insert: str


def statements(
    flavor: Flavor,
    table: str,
    placeholder: str = "?",
    quote: Quote = double_quote,
    spec: ReportSpec = CAMPAIGN_8,
) -> Statements:
    """Build every statement for ``spec``'s ``table``; validates the name first."""
    qualified = ".".join(quote(part) for part in table_parts(table))
    names = columns(spec)
    listed = ", ".join(quote(column) for column in names)
    key = " AND ".join(f"{quote(column)} = {placeholder}" for column in WINDOW_COLUMNS)
    return Statements(
        table=qualified,
        create=_create(flavor, qualified, quote, spec),
        delete=f"DELETE FROM {qualified} WHERE {key}",
        copy=f"COPY {qualified} ({listed}) FROM STDIN",
        insert=f"INSERT INTO {qualified} ({listed}) VALUES ({', '.join([placeholder] * len(names))})",
    )


def _column_type(flavor: Flavor, column: str, spec: ReportSpec = CAMPAIGN_8) -> str:
    if column in _TIME_COLUMNS:
        return flavor.time_type
    if column == "campaign_id":
        return flavor.text_type
    kind = spec.types[spec.fields.index(column)]
    return {
        TEXT: flavor.text_type,
        INTEGER: flavor.int_type,
        PERCENT: flavor.numeric_type,
        TIMESTAMP: flavor.time_type,
    }[kind]


def _nullable(column: str, spec: ReportSpec) -> bool:
    return column in spec.fields and spec.schema[spec.fields.index(column)].nullable


def _create(flavor: Flavor, qualified: str, quote: Quote, spec: ReportSpec = CAMPAIGN_8) -> str:
    lines = [
        f"    {quote(column)} {_column_type(flavor, column, spec)}"
        + ("" if _nullable(column, spec) else " NOT NULL")
        for column in columns(spec)
    ]
    lines.append(f"    PRIMARY KEY ({', '.join(quote(column) for column in key_columns(spec))})")
    body = ",\n".join(lines)
    return f"CREATE TABLE IF NOT EXISTS {qualified} (\n{body}\n){flavor.table_options}"


def create_table_sql(
    dialect_name: str, table: str, quote: Quote | None = None, spec: ReportSpec = CAMPAIGN_8
) -> str:
    """``CREATE TABLE IF NOT EXISTS`` for ``table`` in the dialect's flavor.

    ``dialect_name`` is a common-sql dialect name such as ``"postgresql"`` or
    ``"sqlite"``; any other name gets portable types (``VARCHAR(255)``,
    ``TIMESTAMP``, ``INTEGER``) and, unless ``quote`` says otherwise, unquoted
    identifiers (quoting rules differ between databases; the names are validated).
    Raises :class:`WolkvoxConfigError` for a bad table name.
    """
    flavor = flavor_for(dialect_name)
    if quote is None:
        quote = no_quote if flavor is GENERIC else double_quote
    return statements(flavor, table, quote=quote, spec=spec).create


_DESCRIPTIONS = {
    "campaign_id": "Wolkvox campaign requested (an id, or `all`)",
    "window_start": "start of the loaded window (inclusive), UTC",
    "window_end": "end of the loaded window (exclusive), UTC",
    "loaded_at": "when this row was written, UTC, whole seconds",
}


def schema_doc(spec: ReportSpec = CAMPAIGN_8) -> str:
    """``spec``'s table schema as a Markdown table, for the docs."""
    flavors = (POSTGRES, SQLITE, GENERIC)
    described = {**_DESCRIPTIONS, **{f.name: f.description for f in spec.schema}}
    if spec is CAMPAIGN_8:
        described["campaign_id"] = "Wolkvox campaign the counts belong to"
    lines = [
        "| column | PostgreSQL | SQLite | other databases | meaning |",
        "|---|---|---|---|---|",
    ]
    for column in columns(spec):
        types = " | ".join(f"`{_column_type(flavor, column, spec)}`" for flavor in flavors)
        lines.append(f"| `{column}` | {types} | {described[column]} |")
    nullable = [f.name for f in spec.schema if f.nullable]
    lines += [
        "",
        f"Every column is `NOT NULL`{' except ' + ', '.join(nullable) if nullable else ''}; "
        f"the primary key is ({', '.join(key_columns(spec))}).",
        "SQLite stores times as ISO-8601 text such as `2026-11-27T06:00:00+00:00`, so text order is time "
        "order; other databases get a plain `TIMESTAMP` holding UTC.",
    ]
    return "\n".join(lines)
