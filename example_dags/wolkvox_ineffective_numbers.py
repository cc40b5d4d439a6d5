"""The numbers not worth dialing, rebuilt whenever new machine codes land in the warehouse.

Scheduled on the asset alias that ``wolkvox_machine_codes_sqlite`` resolves to its table's Asset. A number is
listed when, over the look-back period, it was dialed at least ``min_dials`` times and
at least ``min_machine_share_pct`` percent of those dials ended in a machine result (no
answer, answering machine, busy, congestion, failed). The dialer team exports the
table ``wolkvox_ineffective_numbers`` and removes those numbers from the campaign.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pendulum
from airflow.sdk import DAG, Param, task

from airflow_provider_wolkvox.transfers.machine_codes_to_sql import machine_codes_alias

with DAG(
    dag_id="wolkvox_ineffective_numbers",
    schedule=machine_codes_alias("wolkvox_sqlite"),
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    params={
        "sql_conn_id": Param("wolkvox_sqlite", type="string"),
        "lookback_days": Param(30, type="integer", minimum=1),
        "min_dials": Param(3, type="integer", minimum=1),
        "min_machine_share_pct": Param(80, type="number", minimum=0, maximum=100),
    },
    tags=["wolkvox", "example"],
):

    @task
    def build_purge_list(params: dict[str, object] | None = None) -> int:
        # airflow.sdk.BaseHook from Airflow 3.1 on; common-compat finds it on every release.
        from airflow.providers.common.compat.sdk import BaseHook

        from airflow_provider_wolkvox.sql.ineffective import build_ineffective_numbers

        assert params is not None
        db_hook = BaseHook.get_connection(str(params["sql_conn_id"])).get_hook()
        latest = db_hook.get_first("SELECT MAX(window_end) FROM wolkvox_machine_codes")[0]
        if latest is None:
            return 0
        latest = latest if isinstance(latest, datetime) else datetime.fromisoformat(latest)
        return build_ineffective_numbers(
            db_hook,
            since=latest - timedelta(days=int(params["lookback_days"])),  # type: ignore[call-overload]
            min_dials=int(params["min_dials"]),  # type: ignore[call-overload]
            min_machine_share=float(params["min_machine_share_pct"]) / 100,  # type: ignore[arg-type]
        )

    build_purge_list()
