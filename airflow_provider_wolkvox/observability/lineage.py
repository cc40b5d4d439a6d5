"""OpenLineage for every Wolkvox operator: the report read, and the warehouse table written.

Called by the OpenLineage provider (``apache-airflow-providers-openlineage``, the
``openlineage`` extra) through the operators' ``get_openlineage_facets_on_complete``;
without that provider nothing calls this module and nothing imports it. The input
is the Wolkvox report, namespace ``wolkvox://<server>`` and name
``<report>/<name>=<value>...`` (``campaign_8/campaign_id=1``, ``skill_1/skill_id=all``,
``cdr_1``: the report's parameters as parts); the output
is the warehouse table, named the way the SQL hook's own OpenLineage database info names
it. No token is in either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from airflow_provider_wolkvox.reports import Field, ReportSpec
from airflow_provider_wolkvox.reports.stored import extra_fields, param_columns, stored_spec

if TYPE_CHECKING:
    from airflow_provider_wolkvox.observability.figures import TaskFigures
    from airflow_provider_wolkvox.observability.warehouse import WarehouseTable

CAMPAIGN_FIELD = Field("campaign_id", description="The campaign asked for, or 'all'.")
WINDOW_FIELDS = (
    CAMPAIGN_FIELD,
    Field("window_start", "timestamp", "Start of the loaded window (UTC, inclusive)."),
    Field("window_end", "timestamp", "End of the loaded window (UTC, exclusive)."),
)
LOADED_AT = Field("loaded_at", "timestamp", "When the row was written.")


def report_name(report: str, params: str | Mapping[str, str]) -> str:
    """The input dataset's name: the report and the parameters that select its rows
    (``campaign_8/campaign_id=1``, ``skill_1/skill_id=all``, ``cdr_1``)."""
    given = {"campaign_id": params} if isinstance(params, str) else params
    return "/".join([report, *(f"{name}={value}" for name, value in given.items())])


def window_fields(spec: ReportSpec) -> tuple[Field, ...]:
    """The table's window columns as schema fields: the request's parameters, start and end."""
    params = tuple(
        CAMPAIGN_FIELD if column == "campaign_id" else Field(column, description=p.description)
        for column, p in zip(param_columns(spec), spec.params, strict=True)
    )
    return (*params, *WINDOW_FIELDS[1:])


def operator_lineage(figures: TaskFigures, spec: ReportSpec, db_hook: Any = None) -> Any:
    """The ``OperatorLineage`` of a successful run: what it read (``figures``, of report ``spec``) and,
    for a load, the table it wrote, named through the load's SQL hook ``db_hook``."""
    from airflow.providers.openlineage.extractors import OperatorLineage
    from openlineage.client.event_v2 import InputDataset, OutputDataset
    from openlineage.client.facet_v2 import (
        input_statistics_input_dataset,
        output_statistics_output_dataset,
    )

    # The rows as delivered: with any field the API sent beyond the spec, a column of the table too.
    stored = figures.stored or stored_spec(spec)
    source = InputDataset(
        namespace=f"wolkvox://{figures.server}",
        name=report_name(figures.report, figures.params),
        facets={"schema": _schema((*spec.schema, *extra_fields(stored)))},
        inputFacets={
            "inputStatistics": input_statistics_input_dataset.InputStatisticsInputDatasetFacet(
                rowCount=figures.summary.rows
            )
        },
    )
    if figures.warehouse is None:
        return OperatorLineage(inputs=[source])
    namespace, name = output_naming(figures, db_hook)
    table = OutputDataset(
        namespace=namespace,
        name=name,
        facets={"schema": _schema((*window_fields(stored), *stored.schema, LOADED_AT))},
        outputFacets={
            "outputStatistics": output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                rowCount=figures.rows_delivered
            )
        },
    )
    return OperatorLineage(inputs=[source], outputs=[table])


def output_naming(figures: TaskFigures, db_hook: Any) -> tuple[str, str]:
    """Namespace and name of the table: the SQL hook's OpenLineage database info when it has one
    (PostgreSQL, MySQL, ...), else the provider's own naming (SQLite has none)."""
    warehouse: WarehouseTable = figures.warehouse  # type: ignore[assignment]
    from airflow.providers.openlineage.sqlparser import SQLParser

    info = db_hook.get_openlineage_database_info(db_hook.connection)
    if info is None:
        return warehouse.namespace, warehouse.name
    database = info.database or warehouse.database
    name = ".".join(part for part in (database, warehouse.schema, warehouse.table) if part)
    return SQLParser.create_namespace(info), name


def _schema(fields: Iterable[Field]) -> Any:
    from openlineage.client.facet_v2 import schema_dataset

    return schema_dataset.SchemaDatasetFacet(
        fields=[
            schema_dataset.SchemaDatasetFacetFields(
                name=field.name, type=field.type, description=field.description or None
            )
            for field in fields
        ]
    )
