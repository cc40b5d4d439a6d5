"""The density history table: one row per (Wolkvox connection, report, scope), beside the ledger.

A SQL operator keeps the history its request windows are planned from in the warehouse it loads
into, so it survives between task runs on every warehouse path without another server. The
history is read before the fetch (a missing table reads as no history) and replaced after the
load has committed, in a short transaction of its own (created first when ``create_table``):
a failed load leaves nothing behind, and a history that cannot be written never undoes a load.
"""

from __future__ import annotations

import logging
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from airflow_provider_wolkvox._moved import moved_names
from airflow_provider_wolkvox.sql.flavors import (
    GENERIC,
    Flavor,
    Quote,
    bind_placeholder,
    flavor_for,
    hook_flavor,
    marks,
)
from airflow_provider_wolkvox.sql.schema import create_head, exists_look, table_parts
from airflow_provider_wolkvox.sql.transaction import rollback, transaction

if TYPE_CHECKING:
    from airflow.providers.common.sql.hooks.sql import DbApiHook

log = logging.getLogger(__name__)

__getattr__ = moved_names(
    __name__, {"SqlHistoryStore": f"{__name__}.SqlDensityStore", "schema_doc": f"{__name__}.density_doc"}
)

DENSITY_TABLE = "wolkvox_density"
"""Default density table; an unqualified name lives in the data table's schema."""

DENSITY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("wolkvox_conn_id", "Wolkvox connection the rows come from"),
    ("report_api", "report, e.g. `campaign_8`"),
    ("scope", "the report's request parameters, e.g. `campaign_id=12`"),
    ("history", "rows and seconds by local hour of the week, JSON (`DensityHistory.to_json`)"),
    ("updated_at", "when the history was last written, UTC"),
)
"""(name, meaning) of every column, in order; the first three are the key."""


@dataclass(frozen=True)
class DensitySql:
    """The density table's statements in one flavor."""

    table: str
    create: str
    exists: str
    select: str
    delete: str
    insert: str


def density_statements(
    flavor: Flavor, table: str, placeholder: str = "?", quote: Quote | None = None
) -> DensitySql:
    """CREATE, SELECT, DELETE and INSERT of history ``table`` (``name`` or ``schema.name``)."""
    q: Quote = quote or flavor.quote
    parts = table_parts(table)
    qualified = ".".join(q(part) for part in parts)
    key = ("wolkvox_conn_id", "report_api", "scope")
    types = {"history": flavor.free_text_type, "updated_at": flavor.time_type}
    lines = [f"    {q(name)} {types.get(name, flavor.text_type)} NOT NULL" for name, _ in DENSITY_COLUMNS]
    lines.append(f"    {flavor.key_clause.format(', '.join(q(k) for k in key))}")
    create = f"{create_head(flavor, qualified)} (\n" + ",\n".join(lines) + f"\n){flavor.table_options}"
    where = " AND ".join(f"{q(k)} = {m}" for k, m in zip(key, marks(placeholder, len(key)), strict=True))
    names = ", ".join(q(name) for name, _ in DENSITY_COLUMNS)
    values = ", ".join(marks(placeholder, len(DENSITY_COLUMNS)))
    return DensitySql(
        table=qualified,
        create=create,
        exists=exists_look(flavor, parts),
        select=f"SELECT {q('history')} FROM {qualified} WHERE {where}",
        delete=f"DELETE FROM {qualified} WHERE {where}",
        insert=f"INSERT INTO {qualified} ({names}) VALUES ({values})",
    )


def create_density_sql(dialect_name: str, table: str = DENSITY_TABLE) -> str:
    """``CREATE TABLE IF NOT EXISTS`` of the density table in a common-sql dialect's flavor, for
    users who create tables themselves (``create_table=False``)."""
    return density_statements(flavor_for(dialect_name), table).create


class SqlDensityStore:
    """One (connection, report, scope)'s row of the density table ``table`` in ``db_hook``'s database."""

    def __init__(
        self, db_hook: DbApiHook, table: str, key: tuple[str, str, str], *, create_table: bool = True
    ) -> None:
        from airflow_provider_wolkvox.sql.generic import hook_quote

        self.db_hook, self.key, self.create_table = db_hook, key, create_table
        self.flavor = hook_flavor(db_hook)
        quote = hook_quote(db_hook) if self.flavor is GENERIC else self.flavor.quote
        self.sql = density_statements(self.flavor, table, bind_placeholder(db_hook, self.flavor), quote)

    def describe(self) -> str:
        return f"table {self.sql.table}"

    def _jobs(self) -> Any:
        """BigQuery: query jobs of the hook's client (its DB-API cursor runs legacy SQL and binds
        no positional parameters); None for every other warehouse."""
        if self.flavor.replace != "staging_merge":
            return None
        from airflow_provider_wolkvox.sql.bigquery import JobCursor, client_of

        return JobCursor(client_of(self.db_hook))

    def read(self) -> str | None:
        """The stored history, or None when there is none (no row, or no table yet)."""
        jobs = self._jobs()
        if jobs is not None:
            try:
                by_key = jobs.typed([self.flavor.text_type] * len(self.key))
                by_key.execute(self.sql.select, self.key)
                found = by_key.fetchone()
            except Exception as err:  # most likely no table yet: the first run creates it
                log.info("no density history in %s (%s)", self.sql.table, str(err).splitlines()[0])
                return None
            return None if found is None else str(found[0])
        with closing(self.db_hook.get_conn()) as conn:
            cursor = conn.cursor()
            try:
                cursor.execute(self.sql.select, self.key)
                row = cursor.fetchone()
            except Exception as err:  # most likely no table yet: the first run creates it
                rollback(conn)
                log.info("no density history in %s (%s)", self.sql.table, str(err).splitlines()[0])
                return None
            finally:
                cursor.close()
            rollback(conn)  # end the read's transaction where the driver opened one
        return None if row is None else str(row[0])

    def write(self, text: str) -> None:
        """Replace the key's row with ``text`` in one transaction (the table created first when
        ``create_table``; on its own where DDL commits)."""
        now = datetime.now(timezone.utc).replace(microsecond=0)
        jobs = self._jobs()
        if jobs is not None:
            # BigQuery has no transaction here: a failure between DELETE and INSERT leaves no row,
            # which plans the next run as a first one (the history is a plan, never data).
            if self.create_table:
                jobs.execute(self.sql.create)
            text_type = self.flavor.text_type
            jobs.typed([text_type] * len(self.key)).execute(self.sql.delete, self.key)
            row_types = [*[text_type] * len(self.key), self.flavor.free_text_type, self.flavor.time_type]
            jobs.typed(row_types).execute(self.sql.insert, (*self.key, text, self.flavor.time_value(now)))
            return
        with closing(self.db_hook.get_conn()) as conn:
            if self.create_table and self.flavor.ddl_commits:
                with transaction(self.db_hook, conn), closing(conn.cursor()) as cursor:
                    self._create_if_missing(cursor)
            with transaction(self.db_hook, conn), closing(conn.cursor()) as cursor:
                if self.create_table and not self.flavor.ddl_commits:
                    self._create_if_missing(cursor)
                cursor.execute(self.sql.delete, self.key)
                cursor.execute(self.sql.insert, (*self.key, text, self.flavor.time_value(now)))

    def _create_if_missing(self, cursor: Any) -> None:
        if self.sql.exists:
            cursor.execute(self.sql.exists)
            if int(cursor.fetchone()[0]):
                return
        cursor.execute(self.sql.create)


def density_doc() -> str:
    """The density table's columns as a Markdown table, for the docs."""
    from airflow_provider_wolkvox.sql.flavors import POSTGRES, SQLITE

    lines = ["| column | PostgreSQL | SQLite | other databases | meaning |", "|---|---|---|---|---|"]
    kinds: dict[str, Any] = {"history": "free_text_type", "updated_at": "time_type"}
    for name, meaning in DENSITY_COLUMNS:
        attr = kinds.get(name, "text_type")
        types = " | ".join(f"`{getattr(f, attr)}`" for f in (POSTGRES, SQLITE, GENERIC))
        lines.append(f"| `{name}` | {types} | {meaning} (not null) |")
    return "\n".join(lines)
