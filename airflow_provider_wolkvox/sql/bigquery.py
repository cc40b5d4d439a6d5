"""BigQuery statements run as query jobs of the hook's client, in GoogleSQL, with typed parameters.

``BigQueryHook``'s DB-API cursor is no way to load: it binds only a dict of ``%(name)s``
parameters, by pasting escaped text into the SQL, and runs legacy SQL unless the connection says
otherwise (legacy SQL has no ``MERGE`` and no DDL). So every statement of a BigQuery load goes
through ``BigQueryHook.get_client()`` instead: ``client.query(sql, job_config=QueryJobConfig(
use_legacy_sql=False, query_parameters=[...]))``, each ``?`` a positional ``ScalarQueryParameter``
declared with the column's type (a NULL is bound only with a type; a value never enters the text).

:class:`JobCursor` gives that the few cursor methods the load uses (``execute``, ``fetchone``,
``fetchall``, ``description``, ``close``), so the statement builders stay the same for every
warehouse.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any


def client_of(db_hook: Any) -> Any:
    """``db_hook``'s BigQuery client, in the hook's project and location (where its jobs run)."""
    get_client = getattr(db_hook, "get_client", None)
    if get_client is None:
        from airflow_provider_wolkvox.exceptions import WolkvoxConfigError

        raise WolkvoxConfigError(
            f"{type(db_hook).__name__} has no get_client(): loading into BigQuery needs "
            "airflow.providers.google.cloud.hooks.bigquery.BigQueryHook (its DB-API cursor binds no "
            "positional parameters and runs legacy SQL by default)"
        )
    return get_client(project_id=db_hook.project_id, location=getattr(db_hook, "location", None))


class JobCursor:
    """Runs each statement as one query job of ``client``; parameters typed by ``types``.

    ``types`` are the BigQuery types of the parameters in order; a statement with more parameters
    than types (a multi-row INSERT) repeats them row after row."""

    def __init__(self, client: Any, types: Sequence[str] = ()) -> None:
        self.client, self.types = client, tuple(types)
        self._rows: list[Any] = []
        self.description: list[tuple[str]] | None = None

    def typed(self, types: Sequence[str]) -> JobCursor:
        """A cursor of the same client whose parameters have ``types``."""
        return JobCursor(self.client, types)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        # google-cloud-bigquery comes with the google provider (BigQueryHook's own dependency).
        bigquery = importlib.import_module("google.cloud.bigquery")
        if params and (not self.types or len(params) % len(self.types)):
            raise ValueError(f"{len(params)} parameters, but types for rows of {len(self.types)}")
        width = len(self.types) or 1
        config = bigquery.QueryJobConfig(
            use_legacy_sql=False,
            query_parameters=[
                bigquery.ScalarQueryParameter(None, self.types[i % width], value)
                for i, value in enumerate(params)
            ],
        )
        result = self.client.query(sql, job_config=config).result()
        self._rows = list(result)
        schema = getattr(result, "schema", None) or ()
        self.description = [(field.name,) for field in schema]

    def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    def close(self) -> None:
        self._rows = []
