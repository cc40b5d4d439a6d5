"""Schema on read in the warehouse: a field the API starts sending becomes a new nullable column.

A load whose rows carry fields the report's spec does not list (kept as text on read,
:func:`~airflow_provider_wolkvox.stored.with_extras`) first adds the columns its table lacks,
with a log line each. Where DDL is transactional (PostgreSQL, SQLite) that happens inside the
load's transaction, so a failed load leaves the table as it was; where DDL commits (MySQL/MariaDB
and the other ``ddl_commits`` flavors) it runs before the load's transaction, on its own. Rows of
earlier loads hold NULL there, and a field that stops coming is NULL in the rows that lack it
(every such column is nullable). Loads of a report's own fields only never look: no extra cost on
the hot path.

A load adds at most ``LoadJob.max_new_columns`` columns (``stored.NEW_COLUMNS_MAX``, 100, unless
told): more fail it with :class:`~airflow_provider_wolkvox.exceptions.WolkvoxSchemaError` before
any ``ALTER TABLE``, so the table is left as it was on every warehouse, MySQL/MariaDB included.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow_provider_wolkvox.exceptions import WolkvoxSchemaError
from airflow_provider_wolkvox.sql.flavors import Flavor, Quote
from airflow_provider_wolkvox.sql.job import LoadJob
from airflow_provider_wolkvox.sql.schema import column_type
from airflow_provider_wolkvox.stored import extra_fields

log = logging.getLogger(__name__)


def add_missing_columns(cursor: Any, job: LoadJob, flavor: Flavor, table: str, quote: Quote) -> list[str]:
    """Add to ``table`` (quoted, qualified) the columns of ``job``'s extra fields it lacks; return
    their names. Nothing is read or run when the job has no extra fields."""
    extras = extra_fields(job.spec)
    if not extras:
        return []
    cursor.execute(f"SELECT * FROM {table} WHERE 1 = 0")
    present = {str(column[0]).lower() for column in cursor.description or ()}
    cursor.fetchall()
    missing = [f for f in extras if f.name.lower() not in present]
    if len(missing) > job.max_new_columns:
        raise WolkvoxSchemaError(_too_many(job, missing))
    added = []
    for f in missing:
        column = f"{quote(f.name)} {column_type(flavor, f.name, job.spec)}"
        cursor.execute(flavor.add_column.format(table=table, column=column))
        log.info(
            "%s: the API sent a new field %r; added the nullable column %s to %s (NULL in earlier rows)",
            job.spec.api,
            f.api_name,
            f.name,
            table,
        )
        added.append(f.name)
    return added


def _too_many(job: LoadJob, missing: list[Any]) -> str:
    shown = ", ".join(repr(f.api_name) for f in missing[:5])
    return (
        f"{job.spec.api} {job.describe()}: the API sent {len(missing):,} fields {job.table} has no column "
        f"for ({shown}{', ...' if len(missing) > 5 else ''}); a load adds at most "
        f"{job.max_new_columns:,} columns, so nothing was loaded and the table was left as it was. "
        "Many new fields at once usually mean an answer that is not this report's (check the "
        "connection's server and base_url). If they are real, load once with a larger "
        "max_new_columns, or add them yourself as nullable text columns "
        "(docs/warehouse.md, schema on read)"
    )
