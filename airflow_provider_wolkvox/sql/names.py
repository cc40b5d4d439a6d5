"""One naming rule in every table: the API's field keeps its name, a parameter named like it
becomes ``requested_<name>``; tables of older releases are brought to it by the load.

Older releases stored a field found on read under ``x_<name>`` (0.1.0) or a hashed name (issue
22) when a request parameter had its name, and kept the parameter under the bare name. A load
whose table is such (or whose answer brings such a field for the first time) renames, before it
deletes or inserts: the bare parameter column to ``requested_<name>``, then the field's old
column to ``<name>``. Where DDL is transactional (PostgreSQL, SQLite) that happens inside the
load's transaction, so a failed load leaves the old names; where DDL commits (MySQL/MariaDB) it
runs just before the load's transaction, on its own (each rename is atomic there).

A table that has ``requested_<name>`` keeps it even when a load's answer lacks the field (an
empty window, a field that stopped coming): the load then writes NULL in ``<name>``, as for any
field that stops coming. Reports whose every parameter is a listed field never look, nor do
loads of a report with a complete field list that bring no field beyond it (campaign_8's hourly
load reads nothing more). Known limit: if such a report's answers once brought a field named like
its parameter and later stop, a load writes the parameter into the bare column again and fails
on the NOT NULL of ``requested_<name>`` (part of the key), changing nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from airflow_provider_wolkvox.reports import REPORTS
from airflow_provider_wolkvox.reports.stored import extra_fields, legacy_columns, stored_spec, with_extras
from airflow_provider_wolkvox.sql.flavors import Flavor, Quote
from airflow_provider_wolkvox.sql.job import LoadJob

log = logging.getLogger(__name__)


def table_columns(cursor: Any, table: str) -> list[str]:
    """The column names of ``table`` (quoted, qualified), in lower case, read from an empty select."""
    cursor.execute(f"SELECT * FROM {table} WHERE 1 = 0")
    present = [str(column[0]).lower() for column in cursor.description or ()]
    cursor.fetchall()
    return present


def may_rename(job: LoadJob) -> bool:
    """Whether ``job``'s table may need a look: a request parameter no listed field is named like,
    in a load that brings fields found on read or of a report whose field list is cut off."""
    declared = REPORTS.get(job.spec.api, job.spec)
    fields = set(stored_spec(declared).fields)
    if all(p.name in fields for p in job.spec.params):
        return False
    return not declared.fields_complete or bool(extra_fields(job.spec))


def settle_names(
    cursor: Any,
    job: LoadJob,
    flavor: Flavor,
    table: str,
    quote: Quote,
    *,
    present: Iterable[str] | None = None,
) -> LoadJob:
    """Rename ``table``'s (quoted, qualified) columns of older conventions and return ``job`` as
    this table stores it: with a NULL field for a parameter's namesake the answer lacks.

    ``present``: the table's columns as the catalog gives them (none: a table not made yet, left
    to the load to create); None reads them, once the table exists. Call before the load's
    statements are built."""
    if not may_rename(job):
        return job
    base = stored_spec(REPORTS.get(job.spec.api, job.spec))
    present = table_columns(cursor, table) if present is None else list(present)
    if not present:
        return job
    fields = set(job.spec.fields)
    brought = {f.api_name: f.name for f in extra_fields(job.spec)}
    missing: list[str] = []
    for param in (p.name for p in job.spec.params if p.name not in set(base.fields)):
        requested = f"requested_{param}"
        old = [name for name in legacy_columns(base, param) if name in present]
        if not (param in fields or requested in present or old):
            continue
        if param in present and requested not in present:
            _rename(cursor, flavor, table, quote, old=param, new=requested)
            present = [requested if name == param else name for name in present]
        if old and param not in present:
            _rename(cursor, flavor, table, quote, old=old[0], new=param)
            present = [param if name == old[0] else name for name in present]
            old = old[1:]
        for name in old:  # a field both older conventions kept: one column, values of either
            cursor.execute(f"UPDATE {table} SET {quote(param)} = {quote(name)} WHERE {quote(param)} IS NULL")
            cursor.execute(f"ALTER TABLE {table} DROP COLUMN {quote(name)}")
        if param not in fields:
            missing.append(param)
    for api_name, column in brought.items():  # other fields found on read under an older name
        old = [name for name in legacy_columns(base, api_name) if name in present]
        if old and column not in present and api_name not in {p.name for p in job.spec.params}:
            _rename(cursor, flavor, table, quote, old=old[0], new=column)
            present = [column if name == old[0] else name for name in present]
    if not missing:
        return job
    return with_null_fields(job, tuple(missing))


def with_null_fields(job: LoadJob, api_names: tuple[str, ...]) -> LoadJob:
    """``job`` with fields ``api_names`` found on read added, NULL in every row."""
    extras = tuple(f.api_name for f in extra_fields(job.spec))
    base = stored_spec(REPORTS.get(job.spec.api, job.spec))
    empty = (None,) * len(api_names)
    rows = ((*row, *empty) for row in job.rows)
    return replace(job, spec=with_extras(base, (*extras, *api_names)), rows=rows)


def _rename(cursor: Any, flavor: Flavor, table: str, quote: Quote, *, old: str, new: str) -> None:
    cursor.execute(flavor.rename_column.format(table=table, old=quote(old), new=quote(new), new_name=new))
    log.info("%s: renamed column %s to %s (one naming rule, docs/operators.md)", table, old, new)
