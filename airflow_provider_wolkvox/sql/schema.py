"""The warehouse table of a report: its columns, their types per dialect, and the SQL that touches it.

One row per campaign_id, window_start, window_end and the report's own key (for
campaign_8, the telephone). Every statement is built from validated identifiers only;
values always travel as parameters (or as escaped COPY data), never inside the SQL text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from airflow_provider_wolkvox.exceptions import WolkvoxConfigError
from airflow_provider_wolkvox.reports import CAMPAIGN_8, INTEGER, PERCENT, TEXT, TIMESTAMP, ReportSpec
from airflow_provider_wolkvox.reports.stored import columns, key_columns, param_columns, window_columns
from airflow_provider_wolkvox.sql.flavors import (
    FLAVORS,
    GENERIC,
    MYSQL,
    POSTGRES,
    SQLITE,
    Flavor,
    Quote,
    double_quote,
    flavor_for,
    marks,
    no_quote,
    utc_aware,
    utc_iso,
    utc_naive,
)
from airflow_provider_wolkvox.sql.rows import nullable_fields

__all__ = [
    "COLUMNS",
    "COUNT_COLUMNS",
    "FLAVORS",
    "GENERIC",
    "KEY_COLUMNS",
    "MYSQL",
    "POSTGRES",
    "SQLITE",
    "WINDOW_COLUMNS",
    "Flavor",
    "Quote",
    "Statements",
    "adapter",
    "column_type",
    "columns",
    "create_table_sql",
    "double_quote",
    "flavor_doc",
    "flavor_for",
    "key_columns",
    "no_quote",
    "param_columns",
    "schema_doc",
    "statements",
    "table_parts",
    "utc_aware",
    "utc_iso",
    "utc_naive",
    "window_columns",
]
"""Flavor names and time helpers stay importable from here, where they lived before
:mod:`~airflow_provider_wolkvox.sql.flavors` (code written against the old module keeps working)."""

WINDOW_COLUMNS: tuple[str, ...] = ("campaign_id", "window_start", "window_end")
"""The columns a campaign report's table starts with: which (campaign, window) a row belongs to."""


KEY_COLUMNS: tuple[str, ...] = key_columns(CAMPAIGN_8)
"""campaign_8's primary key: re-loading a window replaces exactly the rows with these values."""

COUNT_COLUMNS: tuple[str, ...] = CAMPAIGN_8.fields[1:]
COLUMNS: tuple[str, ...] = columns(CAMPAIGN_8)
"""Column order of campaign_8's table, of every INSERT and of the COPY data."""

DECIMAL, DURATION, DATE = "decimal", "duration", "date"
"""Field types of money, seconds and calendar dates (typed by the report specs)."""

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}\Z")
_TIME_COLUMNS = frozenset({"window_start", "window_end", "loaded_at"})


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
    flavor's time values, percentages and money text for SQLite (its driver binds no ``Decimal``),
    dates ISO text for SQLite."""
    converters: list[Callable[[Any], Any] | None] = []
    kinds: tuple[str, ...] = spec.types
    for kind in kinds:
        if kind == TIMESTAMP:
            converters.append(flavor.time_value)
        elif kind in (PERCENT, DECIMAL) and flavor is SQLITE:
            converters.append(str)
        elif kind == DATE and flavor is SQLITE:
            converters.append(_iso_date)
        else:
            converters.append(None)
    pairs = list(enumerate(converters))

    def adapt(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(
            value if convert is None or value is None else convert(value)
            for (_, convert), value in zip(pairs, row, strict=True)
        )

    return adapt


def _iso_date(value: Any) -> str:
    """A date as SQLite stores it: ``2026-11-27`` (text order is date order)."""
    return str(value.isoformat())


@dataclass(frozen=True)
class Statements:
    """The SQL text of one load, for one table in one flavor."""

    table: str
    create: str
    """Creates the table when it is missing (for ``create="catalog"`` flavors, a plain CREATE run
    only when ``exists`` counts 0)."""
    exists: str
    """The catalog look of ``create="catalog"`` flavors ("" for the others)."""
    delete: str
    copy: str
    insert: str
    columns: str
    """The quoted column list, in :func:`columns` order."""


def statements(
    flavor: Flavor,
    table: str,
    placeholder: str = "?",
    quote: Quote | None = None,
    spec: ReportSpec = CAMPAIGN_8,
) -> Statements:
    """Build every statement for ``spec``'s ``table``; validates the name first.

    ``quote`` defaults to the flavor's own quoting; ``placeholder`` is the driver's parameter mark
    (:data:`~airflow_provider_wolkvox.sql.flavors.NUMBERED` for ``:1, :2, ...``, per statement)."""
    quote = quote or flavor.quote
    parts = table_parts(table)
    qualified = ".".join(quote(part) for part in parts)
    names = columns(spec)
    listed = ", ".join(quote(column) for column in names)
    window = window_columns(spec)
    key = " AND ".join(
        f"{quote(column)} = {mark}"
        for column, mark in zip(window, marks(placeholder, len(window)), strict=True)
    )
    return Statements(
        table=qualified,
        create=_create(flavor, qualified, quote, spec),
        exists=_exists(flavor, parts),
        delete=f"DELETE FROM {qualified} WHERE {key}",
        copy=f"COPY {qualified} ({listed}) FROM STDIN",
        insert=f"INSERT INTO {qualified} ({listed}) VALUES ({', '.join(marks(placeholder, len(names)))})",
        columns=listed,
    )


def column_type(flavor: Flavor, column: str, spec: ReportSpec = CAMPAIGN_8) -> str:
    """The type of ``column`` of ``spec``'s table in ``flavor``: key text and free text may differ."""
    if column in _TIME_COLUMNS:
        return flavor.time_type
    if column in param_columns(spec):
        return flavor.text_type
    kind: str = spec.types[spec.fields.index(column)]
    return {
        TEXT: flavor.text_type if column in spec.key else flavor.free_text_type,
        INTEGER: flavor.int_type,
        PERCENT: flavor.numeric_type,
        TIMESTAMP: flavor.time_type,
        DECIMAL: flavor.money_type,
        DURATION: flavor.int_type,
        DATE: flavor.date_type,
    }[kind]


def _nullable(column: str, spec: ReportSpec) -> bool:
    return column in nullable_fields(spec)


def _create(flavor: Flavor, qualified: str, quote: Quote, spec: ReportSpec = CAMPAIGN_8) -> str:
    lines = [
        f"    {quote(column)} {column_type(flavor, column, spec)}"
        + ("" if _nullable(column, spec) else " NOT NULL")
        for column in columns(spec)
    ]
    key = ", ".join(quote(column) for column in key_columns(spec))
    lines.append(f"    {flavor.key_clause.format(key)}")
    body = ",\n".join(lines)
    return f"{create_head(flavor, qualified)} (\n{body}\n){flavor.table_options}"


def create_head(flavor: Flavor, qualified: str) -> str:
    """``CREATE TABLE <qualified>`` in the flavor's "if missing" way (plain for a catalog look)."""
    if flavor.create == "if_not_exists":
        return f"CREATE TABLE IF NOT EXISTS {qualified}"
    if flavor.create == "if_object_id":
        return f"IF OBJECT_ID(N'{qualified}', N'U') IS NULL CREATE TABLE {qualified}"
    return f"CREATE TABLE {qualified}"


def exists_look(flavor: Flavor, parts: tuple[str, ...]) -> str:
    """The catalog look of ``create="catalog"`` flavors for a table of ``parts`` ("" otherwise)."""
    return _exists(flavor, parts)


def _exists(flavor: Flavor, parts: tuple[str, ...]) -> str:
    if flavor.create != "catalog":
        return ""
    # Validated identifiers (letters, digits, underscores): safe as literals, in the folded case.
    fold = str.upper if flavor.quote("x") == flavor.quote("X") else str
    schema = f"'{fold(parts[0])}'" if len(parts) == 2 else "SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA')"
    return flavor.exists_sql.format(schema=schema, name=f"'{fold(parts[-1])}'")


def create_table_sql(
    dialect_name: str, table: str, quote: Quote | None = None, spec: ReportSpec = CAMPAIGN_8
) -> str:
    """The statement that creates ``table`` when it is missing, in the dialect's flavor.

    ``dialect_name`` is a common-sql dialect name or connection type such as ``"postgresql"``,
    ``"mysql"`` or ``"mssql"`` (see :mod:`~airflow_provider_wolkvox.sql.flavors`); any other
    name gets portable types (``VARCHAR(255)``, ``TIMESTAMP``, ``INTEGER``) and unquoted
    identifiers (the names are validated). For Oracle it is a plain ``CREATE TABLE``: the load
    looks in the catalog first. Raises :class:`WolkvoxConfigError` for a bad table name.
    """
    return statements(flavor_for(dialect_name), table, quote=quote, spec=spec).create


_DESCRIPTIONS = {
    "campaign_id": "Wolkvox campaign requested (an id, or `all`)",
    "requested_campaign_id": "Wolkvox campaign requested (an id, or `all`)",
    "window_start": "start of the loaded window (inclusive), UTC",
    "window_end": "end of the loaded window (exclusive), UTC",
    "loaded_at": "when this row was written, UTC, whole seconds",
}


def schema_doc(spec: ReportSpec = CAMPAIGN_8) -> str:
    """``spec``'s table schema as a Markdown table, for the docs."""
    flavors = (POSTGRES, SQLITE, MYSQL)
    described = {
        **{
            column: p.description or f"request parameter `{p.name}` asked for"
            for column, p in zip(param_columns(spec), spec.params, strict=True)
        },
        **_DESCRIPTIONS,
        **{f.name: f.description for f in spec.schema},
    }
    if spec is CAMPAIGN_8:
        described["campaign_id"] = "Wolkvox campaign the counts belong to"
    lines = [
        "| column | PostgreSQL | SQLite | MySQL / MariaDB | meaning |",
        "|---|---|---|---|---|",
    ]
    for column in columns(spec):
        types = " | ".join(f"`{column_type(flavor, column, spec)}`" for flavor in flavors)
        lines.append(f"| `{column}` | {types} | {described[column]} |")
    nullable = [f.name for f in spec.schema if f.name in nullable_fields(spec)]
    lines += [
        "",
        f"Every column is `NOT NULL`{' except ' + ', '.join(nullable) if nullable else ''}; "
        f"the primary key is ({', '.join(key_columns(spec))}).",
        "SQLite stores times as ISO-8601 text such as `2026-11-27T06:00:00+00:00`, so text order is time "
        "order; MySQL/MariaDB a `DATETIME` holding UTC (never converted through the session's time zone). "
        "Other warehouses: see [the types per warehouse](warehouse.md#types-per-warehouse).",
    ]
    return "\n".join(lines)


_CREATE_DOC = {
    "if_not_exists": "`CREATE TABLE IF NOT EXISTS`",
    "if_object_id": "`IF OBJECT_ID(...) IS NULL CREATE TABLE`",
    "catalog": "count in `all_tables`, then `CREATE TABLE`",
}


def flavor_doc() -> str:
    """The column types and statement shapes of every flavor as a Markdown table, for the docs."""
    lines = [
        "| warehouse | key text | free text | integer | percent | money | time | date | create if missing "
        "| identifiers |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for f in FLAVORS:
        types = (
            f.text_type,
            f.free_text_type,
            f.int_type,
            f.numeric_type,
            f.money_type,
            f.time_type,
            f.date_type,
        )
        cells = [f.title, *(f"`{t}`" for t in types), _CREATE_DOC[f.create], f"`` {f.quote('name')} ``"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
