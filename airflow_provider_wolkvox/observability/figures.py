"""What one Wolkvox task did, in figures: what metrics, asset events and lineage describe.

Built by the operator after a successful run, from the fetch's summary and the
sink's result; holds no token (the server is named by its address, the
connections by their ids).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pendulum import DateTime

    from airflow_provider_wolkvox.fetching.interval import FetchSummary
    from airflow_provider_wolkvox.observability.warehouse import WarehouseTable
    from airflow_provider_wolkvox.reports import ReportSpec


@dataclass(frozen=True)
class TaskFigures:
    """One interval of one report, fetched and delivered."""

    report: str
    wolkvox_conn_id: str
    server: str
    """The API's host, ``wv0032.wolkvox.com`` (or the ``base_url`` extra's host)."""
    params: Mapping[str, str]
    """The report's request parameters (campaign reports: ``campaign_id``)."""
    start: DateTime
    end: DateTime
    summary: FetchSummary
    rows_delivered: int
    """Rows loaded into the table, or returned through XCom."""
    deliver_seconds: float
    """Seconds spent delivering the rows (the warehouse transaction, or building the XCom value)."""
    warehouse: WarehouseTable | None = None
    """The table a SQL load wrote; None for XCom operators."""
    sql_conn_id: str | None = None
    stored: ReportSpec | None = None
    """The rows as staged and delivered: the report's spec with its request-window fields and any
    field the API sent beyond the spec (schema on read), which the table has as columns too."""
    reloaded: tuple[TaskFigures, ...] = ()
    """Earlier windows the run replaced too, oldest first (``reload_previous``): each one's figures."""

    @property
    def reload_calls(self) -> int:
        """HTTP requests spent re-reading earlier windows."""
        return sum(part.summary.api_calls for part in self.reloaded)

    @property
    def campaign_id(self) -> str:
        """The campaign of a campaign report ("" for a report without one)."""
        return self.params.get("campaign_id", "")

    def asset_extra(self) -> dict[str, Any]:
        """The ``extra`` of the load's asset events: JSON values, no token."""
        summary = self.summary
        extra: dict[str, Any] = {
            "report": self.report,
            # Campaign reports say their campaign as they always have; others their parameters.
            **(
                {"campaign_id": self.campaign_id}
                if list(self.params) == ["campaign_id"]
                else {"report_params": dict(self.params)}
            ),
            "window_start": self.start.isoformat(),
            "window_end": self.end.isoformat(),
            "rows_received": summary.rows,
            "rows_loaded": self.rows_delivered,
            "request_windows": summary.requests,
            "api_calls": summary.api_calls,
            "capped_calls": summary.capped_calls,
            "retried_calls": summary.retried_calls,
            "wolkvox_conn_id": self.wolkvox_conn_id,
            "server": self.server,
        }
        if self.reloaded:
            extra["reloaded_windows"] = [[r.start.isoformat(), r.end.isoformat()] for r in self.reloaded]
            extra["reload_api_calls"] = self.reload_calls
            extra["reload_rows_loaded"] = sum(part.rows_delivered for part in self.reloaded)
        if self.warehouse is not None:
            extra["table"] = self.warehouse.uri
            extra["sql_conn_id"] = self.sql_conn_id
        return extra
