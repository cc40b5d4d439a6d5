"""MachineCodesOperator: campaign_8 for one data interval, summed per telephone, to XCom."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_wolkvox.operators.base import WolkvoxWindowOperator

if TYPE_CHECKING:
    from airflow_provider_wolkvox.fetch import FetchedInterval


class MachineCodesOperator(WolkvoxWindowOperator):
    """Return the interval's campaign_8 rows (machine codes grouped by telephone) as a list of dicts.

    Each row has ``campaign_id``, ``window_start`` and ``window_end`` (ISO-8601 UTC),
    ``telephone`` and the six counts as integers: what one unlimited API call
    for the whole interval would return. XCom is for small results: above
    ``xcom_warn_rows`` rows it warns; load big intervals with
    :class:`~airflow_provider_wolkvox.transfers.machine_codes_to_sql.MachineCodesToSqlOperator`.

    Takes every argument of :class:`~airflow_provider_wolkvox.operators.base.WolkvoxWindowOperator`.

    :param xcom_warn_rows: row count above which a warning is logged.
    """

    def __init__(self, *, xcom_warn_rows: int = 10_000, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.xcom_warn_rows = xcom_warn_rows

    def deliver(self, fetched: FetchedInterval) -> list[dict[str, Any]]:
        staging = fetched.staging
        if len(staging) > self.xcom_warn_rows:
            self.log.warning(
                "returning %s rows through XCom, which keeps them in the metadata database; "
                "use MachineCodesToSqlOperator to load intervals this size into a warehouse",
                f"{len(staging):,}",
            )
        bounds = {
            "campaign_id": fetched.campaign_id,
            "window_start": fetched.start.isoformat(),
            "window_end": fetched.end.isoformat(),
        }
        return [{**bounds, **row._asdict()} for row in staging.rows()]
