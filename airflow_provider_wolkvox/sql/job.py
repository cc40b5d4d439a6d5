"""One window load, described once and handed to whichever loader the dialect picks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from airflow_provider_wolkvox.reports import CAMPAIGN_8, ReportSpec, Row
from airflow_provider_wolkvox.sql.ledger import LedgerEntry


@dataclass(frozen=True)
class LoadJob:
    """Replace the rows of one (campaign, window) in ``table`` with ``rows``.

    Times are plain aware ``datetime`` values in UTC, whole seconds.
    """

    table: str
    campaign_id: str
    window_start: datetime
    window_end: datetime
    loaded_at: datetime
    rows: Iterable[Row]
    create_table: bool
    spec: ReportSpec = CAMPAIGN_8
    """The report the rows are of: it gives the table's columns and the rows' shape."""
    allow_empty: bool = False
    """Let no rows replace the window's loaded rows (else the load fails and changes nothing)."""
    ledger_table: str | None = None
    """The ledger table (schema-qualified as the loaders use it), or None for no ledger row."""
    ledger: LedgerEntry | None = None
    """What the ledger row records beyond the window; None: only what the load itself knows."""

    def describe(self) -> str:
        """``campaign 123 [2026-11-27T06:00:00+00:00, 2026-11-27T07:00:00+00:00)`` for messages."""
        return f"campaign {self.campaign_id} [{self.window_start.isoformat()}, {self.window_end.isoformat()})"
