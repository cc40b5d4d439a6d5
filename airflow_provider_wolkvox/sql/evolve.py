"""Schema on read in the warehouse: a field the API starts sending becomes a new nullable column.

A load whose rows carry fields the report's spec does not list (kept as text on read,
:func:`~airflow_provider_wolkvox.reports.stored.with_extras`) first adds the columns its table lacks,
with a log line. Where DDL is transactional (PostgreSQL, SQLite) that happens inside the
load's transaction, so a failed load leaves the table as it was; where DDL commits (MySQL/MariaDB
and the other ``ddl_commits`` flavors) it runs before the load's transaction, on its own. Rows of
earlier loads hold NULL there, and a field that stops coming is NULL in the rows that lack it
(every such column is nullable). Loads of a report's own fields only never look: no extra cost on
the hot path.

A load adds at most ``LoadJob.max_new_columns`` columns (``stored.NEW_COLUMNS_MAX``, 100, unless
told), and never grows a table past ``stored.TABLE_COLUMNS_MAX`` (1,000) columns: more fail it with
:class:`~airflow_provider_wolkvox.exceptions.WolkvoxSchemaError` before any ``ALTER TABLE``, so the
table is left as it was on every warehouse, MySQL/MariaDB included.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow_provider_wolkvox.exceptions import WolkvoxSchemaError
from airflow_provider_wolkvox.reports.stored import extra_fields
from airflow_provider_wolkvox.sql.flavors import Flavor, Quote
from airflow_provider_wolkvox.sql.job import LoadJob
from airflow_provider_wolkvox.sql.schema import column_type

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
    if missing and len(present) + len(missing) > flavor.columns_max:
        raise WolkvoxSchemaError(
            f"{job.spec.api} {job.describe()}: {len(missing):,} new fields would give {job.table} "
            f"{len(present) + len(missing):,} columns, more than the {flavor.columns_max:,} a load lets a "
            f"{flavor.title} table grow to; nothing was loaded and the table was left as it was. Drop "
            "the columns of fields that are not real (docs/warehouse.md, schema on read)"
        )
    made = [f"{quote(f.name)} {column_type(flavor, f.name, job.spec)}" for f in missing]
    if flavor.add_columns_at_once and made:
        cursor.execute(flavor.add_column.format(table=table, column=", ADD COLUMN ".join(made)))
    else:
        for column in made:
            cursor.execute(flavor.add_column.format(table=table, column=column))
    if missing:
        shown = ", ".join(f"{f.api_name!r} as {f.name}" for f in missing[:20])
        log.info(
            "%s: the API sent %d new field(s); added nullable text columns to %s (NULL in earlier "
            "rows): %s%s",
            job.spec.api,
            len(missing),
            table,
            shown,
            f" and {len(missing) - 20} more" if len(missing) > 20 else "",
        )
    return [f.name for f in missing]


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
