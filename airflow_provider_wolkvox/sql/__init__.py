"""Idempotent window load into any common-sql warehouse.

``load_window`` replaces the rows of one (campaign, window) of any report in one transaction:
PostgreSQL through COPY, SQLite through ``BEGIN IMMEDIATE`` and batched inserts,
any other DB-API database through portable SQL. ``create_table_sql``,
``schema_doc``, ``columns`` and ``key_columns`` describe a report's table (campaign_8's
unless given a spec).
"""

from __future__ import annotations

from airflow_provider_wolkvox.sql.load import load_window
from airflow_provider_wolkvox.sql.schema import (
    COLUMNS,
    KEY_COLUMNS,
    columns,
    create_table_sql,
    key_columns,
    schema_doc,
)

__all__ = [
    "COLUMNS",
    "KEY_COLUMNS",
    "columns",
    "create_table_sql",
    "key_columns",
    "load_window",
    "schema_doc",
]
