"""One naming rule in every table: the API's field keeps its name, a parameter named like it
becomes ``requested_<name>``; tables of older releases are brought to it by the load.

Older releases stored a field found on read under ``x_<name>`` (0.1.0) or a hashed name (issue
22) when a request parameter had its name, the campaign family's spec its listed ``campaign_id``
field as ``row_campaign_id``, and kept the parameter under the bare name. A load whose table is
such (or whose answer brings such a field for the first time) renames, before it deletes or
inserts: the bare parameter column to ``requested_<name>``, then the field's old column to
``<name>``; one pure plan (:func:`plan_names`) decides for listed and found fields alike. Where
DDL is transactional (PostgreSQL, SQLite) that happens inside the load's transaction, so a
failed load leaves the old names; where DDL commits (MySQL/MariaDB) it runs just before the
load's transaction, on its own (each rename is atomic there).

A table that has ``requested_<name>`` keeps it even when a load's answer lacks the field (an
empty window, a field that stopped coming): the load then writes NULL in ``<name>``, as for any
field that stops coming. Reports whose every parameter is a listed field never look unless
an older release named that field otherwise (the campaign family), nor do loads of a report
with a complete field list that bring no field beyond it (campaign_8's hourly load reads
nothing more). Known limit: if such a report's answers once brought a field named like
its parameter and later stop, a load writes the parameter into the bare column again and fails
on the NOT NULL of ``requested_<name>`` (part of the key), changing nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
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
    """Whether ``job``'s table may need a look: a request parameter named like a listed field an
    older release named otherwise (campaign_3's ``row_campaign_id``), or one no listed field is
    named like, in a load that brings fields found on read or of a report whose field list is cut
    off."""
    declared = REPORTS.get(job.spec.api, job.spec)
    base = stored_spec(declared)
    fields = set(base.fields)
    if any(p.name in fields and legacy_columns(base, p.name) for p in job.spec.params):
        return True
    if all(p.name in fields for p in job.spec.params):
        return False
    return not declared.fields_complete or bool(extra_fields(job.spec))


@dataclass(frozen=True)
class Settling:
    """What :func:`settle_names` does to a table: renames (old, new) in order, columns of a field
    both older conventions kept merged into today's (old, today), parameters whose namesake field
    this load lacks (NULL in every row)."""

    renames: tuple[tuple[str, str], ...] = ()
    merges: tuple[tuple[str, str], ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def changes_table(self) -> bool:
        return bool(self.renames or self.merges)


def plan_names(job: LoadJob, present: Iterable[str]) -> Settling:
    """What brings a table of columns ``present`` to the one naming rule for ``job``: pure, the
    same decision for fields the spec lists and fields found on read (their older names from
    :func:`~airflow_provider_wolkvox.reports.stored.legacy_columns`)."""
    columns = list(present)
    if not columns or not may_rename(job):
        return Settling()
    base = stored_spec(REPORTS.get(job.spec.api, job.spec))
    listed = set(base.fields)
    fields = set(job.spec.fields)
    brought = {f.api_name: f.name for f in extra_fields(job.spec)}
    renames: list[tuple[str, str]] = []
    merges: list[tuple[str, str]] = []
    missing: list[str] = []

    def rename(old: str, new: str) -> None:
        renames.append((old, new))
        columns[columns.index(old)] = new

    for param in (p.name for p in job.spec.params):
        requested = f"requested_{param}"
        old = [name for name in legacy_columns(base, param) if name in columns]
        if param in listed and not old:
            continue  # named by today's rule since the table was made
        if not (param in fields or requested in columns or old):
            continue
        if param in columns and requested not in columns:
            rename(param, requested)
        if old and param not in columns:
            rename(old[0], param)
            old = old[1:]
        merges += [(name, param) for name in old]  # a field both older conventions kept
        if param not in fields:
            missing.append(param)
    for api_name, column in brought.items():  # other fields found on read under an older name
        old = [name for name in legacy_columns(base, api_name) if name in columns]
        if old and column not in columns and api_name not in {p.name for p in job.spec.params}:
            rename(old[0], column)
    return Settling(tuple(renames), tuple(merges), tuple(missing))


def settle_names(
    cursor: Any,
    job: LoadJob,
    flavor: Flavor,
    table: str,
    quote: Quote,
    *,
    present: Iterable[str] | None = None,
) -> LoadJob:
    """Rename ``table``'s (quoted, qualified) columns of older conventions (:func:`plan_names`)
    and return ``job`` as this table stores it: with a NULL field for a parameter's namesake the
    answer lacks.

    ``present``: the table's columns as the catalog gives them (none: a table not made yet, left
    to the load to create); None reads them, once the table exists. Call before the load's
    statements are built."""
    if not may_rename(job):
        return job
    plan = plan_names(job, table_columns(cursor, table) if present is None else present)
    for old, new in plan.renames:
        _rename(cursor, flavor, table, quote, old=old, new=new)
    for old, today in plan.merges:  # one column, values of either
        cursor.execute(f"UPDATE {table} SET {quote(today)} = {quote(old)} WHERE {quote(today)} IS NULL")
        cursor.execute(f"ALTER TABLE {table} DROP COLUMN {quote(old)}")
    if not plan.missing:
        return job
    return with_null_fields(job, plan.missing)


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
