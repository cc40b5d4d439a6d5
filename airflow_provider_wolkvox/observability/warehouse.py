"""The warehouse table a load writes, named the way Airflow's SQL providers and OpenLineage name it.

One name serves the asset URI and the lineage output, so a downstream DAG, the
Airflow UI and a lineage backend all see the same table: ``postgres://host:5432/
database/schema/table`` is the PostgreSQL provider's own asset URI (its OpenLineage
converter turns it into namespace ``postgres://host:5432``, name
``database.schema.table``, which is what the PostgreSQL hook's OpenLineage database
info gives). Needs the connection, so it is known at run time only.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow.providers.common.sql.hooks.sql import DbApiHook

DEFAULT_PORTS = {"postgres": 5432, "mysql": 3306, "mssql": 1433, "oracle": 1521, "trino": 8080}
"""Ports OpenLineage's naming fills in when a connection has none."""

SCHEMES = {"postgresql": "postgres", "mariadb": "mysql"}
"""SQLAlchemy dialect name -> the scheme OpenLineage and the providers' asset URIs use."""

DATABASE_QUALIFIED = {"mysql"}
"""Dialects without schemas, where ``a.table`` names the table in database ``a`` (the MySQL
provider's asset URI and OpenLineage name are ``database/table`` and ``database.table``)."""

FILE_DATABASES = {"sqlite": "main"}
"""Dialects whose database is a file on the worker (named by its path), with their default schema."""


@dataclass(frozen=True)
class WarehouseTable:
    """One table of one database server: the asset URI and the OpenLineage dataset of a load."""

    scheme: str
    """``postgres``, ``mysql``, ``sqlite``, ...: the dialect as OpenLineage names it."""
    authority: str
    """``host:port`` of the server (``localhost`` for a file database)."""
    database: str
    """Database name (the file's path for SQLite)."""
    schema: str
    """Schema of the table ('' where the dialect has none)."""
    table: str

    @property
    def namespace(self) -> str:
        """OpenLineage dataset namespace: the server."""
        return f"{self.scheme}://{self.authority}"

    @property
    def name(self) -> str:
        """OpenLineage dataset name: ``database.schema.table``."""
        return ".".join(part for part in (self.database, self.schema, self.table) if part)

    @property
    def uri(self) -> str:
        """Asset URI: ``scheme://authority/database/schema/table`` (no credentials)."""
        path = "/".join(part.strip("/") for part in (self.database, self.schema, self.table) if part)
        return f"{self.namespace}/{path}"


def warehouse_table(db_hook: DbApiHook, table: str) -> WarehouseTable:
    """Name ``table`` (``name`` or ``schema.name``) of the warehouse behind ``db_hook``'s connection.

    An unqualified table is named in the schema the server writes it to: PostgreSQL's
    ``current_schema`` (one query), SQLite's ``main``, else none.
    """
    connection = db_hook.connection
    dialect = db_hook.dialect_name
    scheme = SCHEMES.get(dialect, dialect)
    schema, _, name = table.rpartition(".")
    if scheme in FILE_DATABASES:
        return WarehouseTable(
            scheme, "localhost", connection.host or "", schema or FILE_DATABASES[scheme], name
        )
    port = connection.port or DEFAULT_PORTS.get(scheme)
    host = (connection.host or "localhost").lower()
    authority = f"{host}:{port}" if port else host
    if not schema and scheme == "postgres":
        schema = _current_schema(db_hook)
    # The PostgreSQL hook's own rule (its database, else the connection's schema field), then the
    # server's default: a database named after the user.
    database = getattr(db_hook, "database", None) or connection.schema or connection.login or ""
    if scheme in DATABASE_QUALIFIED:
        return WarehouseTable(scheme, authority, schema or database, "", name)
    return WarehouseTable(scheme, authority, database, schema, name)


def _current_schema(db_hook: DbApiHook) -> str:
    """PostgreSQL's ``current_schema``, asked on a connection of its own rather than through the
    hook's ``get_first``: the hook reports every query it runs to Airflow's hook-lineage
    collector, which is process-wide, so this lookup (made while lineage is gathered, after the
    task's own queries) would show up as a query of whichever task runs next in the process."""
    with closing(db_hook.get_conn()) as conn:
        cursor = conn.cursor()
        try:
            cursor.execute("SELECT CURRENT_SCHEMA")
            row = cursor.fetchone()
        finally:
            cursor.close()
    return str(row[0])
