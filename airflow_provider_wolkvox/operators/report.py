"""WolkvoxReportOperator: any report for one data interval, combined per key, to XCom."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from airflow_provider_wolkvox.exceptions import WolkvoxEmptyAnswerError
from airflow_provider_wolkvox.fetching.interval import describe_params
from airflow_provider_wolkvox.operators.base import WolkvoxWindowOperator
from airflow_provider_wolkvox.reports import PERCENT, TIMESTAMP, Row
from airflow_provider_wolkvox.reports.stored import window_values

if TYPE_CHECKING:
    from airflow_provider_wolkvox.fetching.interval import FetchedInterval


class WolkvoxReportOperator(WolkvoxWindowOperator):
    """Return the interval's rows of report ``api`` (any of ``reports.REPORTS``) as a list of dicts.

    Each row has the report's parameters (campaign reports: ``campaign_id``), ``window_start``
    and ``window_end`` (ISO-8601 UTC) and the report's fields, typed: counts and seconds as
    integers, percentages and money as floats, times as ISO-8601 UTC text, everything else as
    text. The rows are what one unlimited API call for the whole interval would return: request
    windows are combined the way the report says (summed, shares recomputed, detail rows
    concatenated); reports that cannot be combined (averages, service levels) keep each request
    window's rows, with its ``request_start`` and ``request_end``. XCom is for small results:
    above ``xcom_warn_rows`` rows it warns; load big intervals with
    :class:`~airflow_provider_wolkvox.transfers.report_to_sql.WolkvoxReportToSqlOperator`.

    Takes every argument of :class:`~airflow_provider_wolkvox.operators.base.WolkvoxWindowOperator`.

    An empty interval returns ``[]`` (and the task log warns that the report answered no rows
    at all). A downstream task that replaces what it holds with this list would be wiped by an
    empty answer, which the live API also gives for a report its server does not have or a
    wrong server: pass ``allow_empty=False`` to fail instead, with
    :class:`~airflow_provider_wolkvox.exceptions.WolkvoxEmptyAnswerError`, and push nothing.

    :param api: the report (required here).
    :param xcom_warn_rows: row count above which a warning is logged.
    :param allow_empty: return ``[]`` for an interval without rows (default); False fails the task.
    """

    sql_operator_name = "WolkvoxReportToSqlOperator"
    """The operator the XCom-size warning recommends."""

    def __init__(
        self, *, api: str, xcom_warn_rows: int = 10_000, allow_empty: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(api=api, **kwargs)
        self.xcom_warn_rows = xcom_warn_rows
        self.allow_empty = allow_empty

    def deliver(self, fetched: FetchedInterval) -> list[dict[str, Any]]:
        staging = fetched.staging
        if not len(staging) and not self.allow_empty:
            raise WolkvoxEmptyAnswerError(
                f"{self.api} {describe_params(fetched.params)} [{fetched.start.isoformat()}, "
                f"{fetched.end.isoformat()}): the API answered no rows, and allow_empty=False, so nothing "
                "is pushed to XCom. An empty answer also comes from a server that does not have "
                f"{self.api}, a wrong server number or base_url, or a token of another operation: check "
                f"connection {self.wolkvox_conn_id!r}'s server and token, and that {self.api} exists on "
                "that server. If the interval really is empty, pass allow_empty=True"
            )
        if len(staging) > self.xcom_warn_rows:
            self.log.warning(
                "returning %s rows through XCom, which keeps them in the metadata database; "
                "use %s to load intervals this size into a warehouse",
                f"{len(staging):,}",
                self.sql_operator_name,
            )
        bounds = {  # the parameters named as the rows' fields let them (one naming rule)
            **window_values(staging.stored_spec, fetched.params),
            "window_start": fetched.start.isoformat(),
            "window_end": fetched.end.isoformat(),
        }
        names = staging.stored_spec.fields
        to_json = _json_values(staging.stored_spec.types)
        if to_json is None:
            return [{**bounds, **dict(zip(names, row, strict=True))} for row in staging.rows()]
        return [{**bounds, **dict(zip(names, to_json(row), strict=True))} for row in staging.rows()]


def _json_values(types: tuple[str, ...]) -> Callable[[Row], Row] | None:
    """Turns times, dates and decimals into JSON values; None when a row has none."""
    if not {TIMESTAMP, PERCENT, "decimal", "date"} & set(types):
        return None

    def convert(value: Any) -> Any:
        if isinstance(value, (datetime, date)):
            return value.isoformat()
        if isinstance(value, Decimal):
            return float(value)
        return value

    return lambda row: tuple(map(convert, row))
