"""Typed schema on read in the warehouse: a column found on read gets the type its values say,
and widens when a later load's values need it (integer -> decimal -> text), never narrows.

The staged answer gives each field found on read a kind (:mod:`~airflow_provider_wolkvox.reports.found`);
the load joins it with the kind of the table's column, if the table has one, and the join is
what this load writes: a wider column is altered first (PostgreSQL ``ALTER COLUMN ... TYPE``,
MySQL/MariaDB ``MODIFY COLUMN``, SQLite a copy of the table under the new type in the same
transaction), and every value converts to the joined kind, so no value is refused. Where DDL
is transactional (PostgreSQL, SQLite) that is inside the load's transaction; on MySQL/MariaDB
just before it. Other warehouses keep found fields as text, as before.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from airflow_provider_wolkvox.reports import INTEGER, TEXT, TIMESTAMP, FieldType
from airflow_provider_wolkvox.reports.found import INT, NUM, TIME, Kind, join, typed_value
from airflow_provider_wolkvox.reports.found import TEXT as TEXT_KIND
from airflow_provider_wolkvox.reports.stored import extra_fields
from airflow_provider_wolkvox.sql.flavors import MYSQL, POSTGRES, SQLITE, Flavor, Quote
from airflow_provider_wolkvox.sql.job import LoadJob
from airflow_provider_wolkvox.sql.schema import table_parts

log = logging.getLogger(__name__)

FIELD_TYPES: dict[Kind, FieldType] = {INT: INTEGER, NUM: "decimal", TIME: TIMESTAMP, TEXT_KIND: TEXT}
"""The field type a column of each kind is made with (``decimal``: the warehouse's money type)."""

TYPED_FLAVORS = (SQLITE, POSTGRES, MYSQL)
_WORDS = {INT: ("int", "smallint", "bigint", "mediumint", "tinyint"), NUM: ("numeric", "decimal")}
_SQLITE_UTC = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]+00:00"


def types_found(job: LoadJob) -> bool:
    """Whether ``job`` brings kinds of fields found on read to settle (else nothing is looked at)."""
    return job.found is not None and bool(job.found.kinds) and bool(extra_fields(job.spec))


def settle_types(cursor: Any, job: LoadJob, flavor: Flavor, table: str, quote: Quote) -> LoadJob:
    """Widen ``table``'s (quoted, qualified) found columns this load's values need, and return
    ``job`` with its found fields typed and their text values converted. Call after the names
    are settled, before new columns are added and statements built."""
    found = job.found
    if found is None or not types_found(job) or flavor not in TYPED_FLAVORS:
        return job
    extras = {f.name for f in extra_fields(job.spec)}
    present = column_kinds(cursor, flavor, job.table)
    final: dict[str, Kind] = {}
    for column, kind in found.kinds.items():
        if column not in extras:
            continue
        had = present.get(column)
        if had == TEXT_KIND and kind == TIME and flavor is SQLITE:
            had = _sqlite_time_or_text(cursor, table, quote(column))
        joined = join(had, kind) or TEXT_KIND
        if had is not None and joined != had:
            _widen(cursor, flavor, table, quote(column), had=had, kind=joined)
        final[column] = joined
    return _typed(job, final, found.tz)


def column_kinds(cursor: Any, flavor: Flavor, table: str) -> dict[str, Kind]:
    """Each column of ``table`` (``name`` or ``schema.name``) by the kind its type holds (SQLite
    stores times as text: see :func:`_sqlite_time_or_text`)."""
    parts = table_parts(table)
    name, schema = parts[-1], parts[0] if len(parts) == 2 else None
    if flavor is SQLITE:
        cursor.execute("SELECT name, type FROM pragma_table_info(?, ?)", (name, schema or "main"))
    elif flavor is POSTGRES:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = %s AND table_schema = COALESCE(%s, current_schema())",
            (name, schema),
        )
    else:
        cursor.execute(
            "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS "
            "WHERE TABLE_NAME = %s AND TABLE_SCHEMA = COALESCE(%s, DATABASE())",
            (name, schema),
        )
    return {str(column).lower(): _kind_of_type(str(kind)) for column, kind in cursor.fetchall()}


def _kind_of_type(type_name: str) -> Kind:
    word = type_name.lower().split("(")[0].strip()
    if word in ("integer", *_WORDS[INT]):
        return INT
    if word in _WORDS[NUM]:
        return NUM
    if word.startswith(("timestamp", "datetime")):
        return TIME
    return TEXT_KIND


def _sqlite_time_or_text(cursor: Any, table: str, column: str) -> Kind:
    """A SQLite text column holds times when every value is a UTC ISO time as loads write them."""
    cursor.execute(
        f"SELECT count(*) FROM {table} WHERE {column} IS NOT NULL AND {column} NOT GLOB ?", (_SQLITE_UTC,)
    )
    return TIME if int(cursor.fetchone()[0]) == 0 else TEXT_KIND


def _widen(cursor: Any, flavor: Flavor, table: str, column: str, *, had: Kind, kind: Kind) -> None:
    """Alter ``column`` (quoted) from kind ``had`` to the wider ``kind``, keeping every value."""
    field_type = FIELD_TYPES[kind]
    new_type = flavor.free_text_type if field_type == TEXT else _type_of(flavor, field_type)
    if flavor is POSTGRES:
        using = f"{column}::{new_type}"
        if had == TIME:  # as loads write times in SQLite, whatever the session's zone
            using = f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')"
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {new_type} USING {using}")
    elif flavor is MYSQL:
        cursor.execute(f"ALTER TABLE {table} MODIFY COLUMN {column} {new_type}")
    else:
        _sqlite_retype(cursor, table, column, new_type)
    log.info("%s: widened column %s to %s for this load's values (schema on read)", table, column, new_type)


def _type_of(flavor: Flavor, field_type: FieldType) -> str:
    return {INTEGER: flavor.int_type, "decimal": flavor.money_type, TIMESTAMP: flavor.time_type}[field_type]


def _sqlite_retype(cursor: Any, table: str, column: str, new_type: str) -> None:
    """SQLite has no ALTER COLUMN: the table is copied under the new type and takes its place."""
    parts = table_parts(table.replace('"', ""))
    cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (parts[-1],))
    create = str(cursor.fetchone()[0])
    body = create[create.index("(") :]
    body, changed = re.subn(rf"{re.escape(column)} [A-Z]+", f"{column} {new_type}", body, count=1)
    if not changed:
        raise RuntimeError(f"column {column} not found in {table}'s definition")
    copy = f'"{parts[-1]}_wolkvox_widen"'
    cursor.execute(f"DROP TABLE IF EXISTS {copy}")
    cursor.execute(f"CREATE TABLE {copy} {body}")
    cursor.execute(f"INSERT INTO {copy} SELECT * FROM {table}")
    cursor.execute(f"DROP TABLE {table}")
    cursor.execute(f'ALTER TABLE {copy} RENAME TO "{parts[-1]}"')


def _typed(job: LoadJob, kinds: Mapping[str, Kind], tz: str) -> LoadJob:
    """``job`` with the found fields of ``kinds`` typed, each row's text converted."""
    typed = [
        f if f.name not in kinds else replace(f, type=FIELD_TYPES[kinds[f.name]]) for f in job.spec.schema
    ]
    converters: list[tuple[int, Callable[[Any], Any]]] = [
        (i, _converter(kinds[f.name], tz))
        for i, f in enumerate(job.spec.schema)
        if f.name in kinds and kinds[f.name] != TEXT_KIND
    ]
    spec = replace(job.spec, schema=tuple(typed), row_type=None)
    if not converters:
        return replace(job, spec=spec, found=None)

    def convert(row: Any) -> tuple[Any, ...]:
        values = list(row)
        for i, to_value in converters:
            values[i] = to_value(values[i])
        return tuple(values)

    return replace(job, spec=spec, rows=map(convert, job.rows), found=None)


def _converter(kind: Kind, tz: str) -> Callable[[Any], Any]:
    return lambda text: typed_value(kind, text, tz)
