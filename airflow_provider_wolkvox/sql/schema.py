"""The warehouse table: its columns, their types per dialect, and the SQL that touches it.

One row per (campaign_id, window_start, window_end, telephone). Every statement is
built from validated identifiers only; values always travel as parameters (or as
escaped COPY data), never inside the SQL text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from airflow_provider_wolkvox.exceptions import WolkvoxConfigError
from airflow_provider_wolkvox.reports import MachineCodesRow

KEY_COLUMNS: tuple[str, ...] = ("campaign_id", "window_start", "window_end", "telephone")
"""The primary key: re-loading a window replaces exactly the rows with these values."""

COUNT_COLUMNS: tuple[str, ...] = MachineCodesRow._fields[1:]
COLUMNS: tuple[str, ...] = (*KEY_COLUMNS, *COUNT_COLUMNS, "loaded_at")
"""Column order of the table, of every INSERT and of the COPY data."""

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}\Z")
_TIME_COLUMNS = frozenset({"window_start", "window_end", "loaded_at"})
_TEXT_COLUMNS = frozenset({"campaign_id", "telephone"})

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


POSTGRES = Flavor("postgresql", "text", "timestamptz", "integer", utc_aware)
SQLITE = Flavor("sqlite", "TEXT", "TEXT", "INTEGER", utc_iso, " WITHOUT ROWID")
GENERIC = Flavor("generic", "VARCHAR(255)", "TIMESTAMP", "INTEGER", utc_naive)
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


@dataclass(frozen=True)
class Statements:
    """The SQL text of one load, for one table in one flavor."""

    table: str
    create: str
    delete: str
    copy: str
    insert: str


def statements(flavor: Flavor, table: str, placeholder: str = "?", quote: Quote = double_quote) -> Statements:
    """Build every statement for ``table``; validates the name first."""
    qualified = ".".join(quote(part) for part in table_parts(table))
    columns = ", ".join(quote(column) for column in COLUMNS)
    key = " AND ".join(f"{quote(column)} = {placeholder}" for column in KEY_COLUMNS[:3])
    return Statements(
        table=qualified,
        create=_create(flavor, qualified, quote),
        delete=f"DELETE FROM {qualified} WHERE {key}",
        copy=f"COPY {qualified} ({columns}) FROM STDIN",
        insert=f"INSERT INTO {qualified} ({columns}) VALUES ({', '.join([placeholder] * len(COLUMNS))})",
    )


def _column_type(flavor: Flavor, column: str) -> str:
    if column in _TIME_COLUMNS:
        return flavor.time_type
    if column in _TEXT_COLUMNS:
        return flavor.text_type
    return flavor.int_type


def _create(flavor: Flavor, qualified: str, quote: Quote) -> str:
    lines = [f"    {quote(column)} {_column_type(flavor, column)} NOT NULL" for column in COLUMNS]
    lines.append(f"    PRIMARY KEY ({', '.join(quote(column) for column in KEY_COLUMNS)})")
    body = ",\n".join(lines)
    return f"CREATE TABLE IF NOT EXISTS {qualified} (\n{body}\n){flavor.table_options}"


def create_table_sql(dialect_name: str, table: str, quote: Quote | None = None) -> str:
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
    return statements(flavor, table, quote=quote).create


_DESCRIPTIONS = {
    "campaign_id": "Wolkvox campaign the counts belong to",
    "window_start": "start of the loaded window (inclusive), UTC",
    "window_end": "end of the loaded window (exclusive), UTC",
    "telephone": "registry telephone number, exactly as the API sent it (leading zeros, '+')",
    "total_machine_recognitions": "machine-code recognitions of the number in the window",
    "no_answer": "machine code result: no answer",
    "answer_machine": "machine code result: answering machine",
    "busy": "machine code result: busy",
    "congestion": "machine code result: congestion",
    "failed": "machine code result: failed",
    "loaded_at": "when this row was written, UTC, whole seconds",
}


def schema_doc() -> str:
    """The table's schema as a Markdown table, for the docs."""
    flavors = (POSTGRES, SQLITE, GENERIC)
    lines = [
        "| column | PostgreSQL | SQLite | other databases | meaning |",
        "|---|---|---|---|---|",
    ]
    for column in COLUMNS:
        types = " | ".join(f"`{_column_type(flavor, column)}`" for flavor in flavors)
        lines.append(f"| `{column}` | {types} | {_DESCRIPTIONS[column]} |")
    lines += [
        "",
        f"Every column is `NOT NULL`; the primary key is ({', '.join(KEY_COLUMNS)}).",
        "SQLite stores times as ISO-8601 text such as `2026-11-27T06:00:00+00:00`, so text order is time "
        "order; other databases get a plain `TIMESTAMP` holding UTC.",
    ]
    return "\n".join(lines)
