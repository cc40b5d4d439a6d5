"""MachineCodesOperator: campaign_8 for one data interval, summed per telephone, to XCom."""

from __future__ import annotations

from typing import Any

from airflow_provider_wolkvox.exceptions import WolkvoxConfigError
from airflow_provider_wolkvox.operators.report import WolkvoxReportOperator
from airflow_provider_wolkvox.reports import CAMPAIGN_8


class MachineCodesOperator(WolkvoxReportOperator):
    """Return the interval's campaign_8 rows (machine codes grouped by telephone) as a list of dicts.

    Each row has ``campaign_id``, ``window_start`` and ``window_end`` (ISO-8601 UTC),
    ``telephone`` and the six counts as integers: what one unlimited API call
    for the whole interval would return. XCom is for small results: above
    ``xcom_warn_rows`` rows it warns; load big intervals with
    :class:`~airflow_provider_wolkvox.transfers.machine_codes_to_sql.MachineCodesToSqlOperator`.

    :class:`~airflow_provider_wolkvox.operators.report.WolkvoxReportOperator` with
    ``api="campaign_8"``; takes every argument of
    :class:`~airflow_provider_wolkvox.operators.base.WolkvoxWindowOperator`.

    :param xcom_warn_rows: row count above which a warning is logged.
    """

    sql_operator_name = "MachineCodesToSqlOperator"

    def __init__(self, *, xcom_warn_rows: int = 10_000, **kwargs: Any) -> None:
        api = kwargs.pop("api", CAMPAIGN_8.api)
        if api != CAMPAIGN_8.api:
            raise WolkvoxConfigError(
                f"MachineCodesOperator fetches campaign_8; for {api!r} use WolkvoxReportOperator(api={api!r})"
            )
        super().__init__(api=CAMPAIGN_8.api, xcom_warn_rows=xcom_warn_rows, **kwargs)
