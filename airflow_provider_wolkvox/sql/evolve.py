"""Schema on read in the warehouse: a field the API starts sending becomes a new nullable column.

A load whose rows carry fields the report's spec does not list (kept as text on read,
:func:`~airflow_provider_wolkvox.stored.with_extras`) first adds the columns its table lacks,
with a log line each. Where DDL is transactional (PostgreSQL, SQLite) that happens inside the
load's transaction, so a failed load leaves the table as it was; where DDL commits (MySQL/MariaDB
and the other ``ddl_commits`` flavors) it runs before the load's transaction, on its own. Rows of
earlier loads hold NULL there, and a field that stops coming is NULL in the rows that lack it
(every such column is nullable). Loads of a report's own fields only never look: no extra cost on
the hot path.
"""

from __future__ import annotations

import logging
from typing import Any

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
    added = []
    for f in extras:
        if f.name.lower() in present:
            continue
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
