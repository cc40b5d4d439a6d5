"""Asset events of SQL loads, run by dag.test(): the warehouse table's Asset, with the load's figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.unit import test_transfer
from tests.unit.test_transfer import END, FOUR_HOURS, Warehouse, dag, states

pytestmark = pytest.mark.airflow_release

# The SQLite and PostgreSQL warehouses of the transfer tests, as fixtures here too.
sqlite_warehouse = test_transfer.sqlite_warehouse
postgres_warehouse = test_transfer.postgres_warehouse
warehouse = test_transfer.warehouse


def asset_events(run_id: str) -> dict[str, list[dict[str, Any]]]:
    """Asset URI -> extras of the events a DAG run's tasks emitted, from Airflow's metadata DB."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(AssetModel.uri, AssetEvent.extra)
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .where(AssetEvent.source_run_id == run_id)
        ).all()
    events: dict[str, list[dict[str, Any]]] = {}
    for uri, extra in rows:
        events.setdefault(uri, []).append(extra)
    return events


def expected_uri(warehouse: Warehouse, table: str = "wolkvox_machine_codes") -> str:
    from airflow_provider_wolkvox._compat import BaseHook

    conn = BaseHook.get_connection(f"wolkvox_{warehouse.name}")
    if warehouse.name == "sqlite":
        return f"sqlite://localhost/{conn.host.strip('/')}/main/{table}"
    return f"postgres://{conn.host}:{conn.port or 5432}/{conn.schema}/public/{table}"


def test_a_load_updates_the_warehouse_tables_asset_with_its_figures(
    airflow_db: Path, emulator: WolkvoxEmulator, wolkvox_conn: str, warehouse: Warehouse, token: str
) -> None:
    emulator.set_faults(script=["none", "5xx"])  # the second window is answered on its second try
    run = dag(airflow_db, f"wolkvox_test_4h_{warehouse.name}").test(logical_date=END)
    assert run.state == "success", states(run)

    events = asset_events(run.run_id)
    uri = expected_uri(warehouse)
    assert set(events) == {uri, f"x-wolkvox://wolkvox_{warehouse.name}/wolkvox_machine_codes"}
    [extra] = events[uri]
    loaded = len(warehouse.window("1", FOUR_HOURS[0]))
    assert extra == {
        "report": "campaign_8",
        "campaign_id": "1",
        "window_start": FOUR_HOURS[0].isoformat(),
        "window_end": FOUR_HOURS[1].isoformat(),
        "rows_received": extra["rows_received"],
        "rows_loaded": loaded,
        "request_windows": 4,
        "api_calls": 5,
        "capped_calls": 0,
        "retried_calls": 1,
        "wolkvox_conn_id": "wolkvox_default",
        "server": "wv0032.wolkvox.com",
        "table": uri,
        "sql_conn_id": f"wolkvox_{warehouse.name}",
    }
    assert extra["rows_received"] >= loaded > 0  # a telephone in two windows is one row
    # The deprecated connection-named Asset still gets an event, with the same figures.
    assert events[f"x-wolkvox://wolkvox_{warehouse.name}/wolkvox_machine_codes"] == [extra]
    assert token not in json.dumps(events)
    # The alias the DAG names at parse time now resolves to the warehouse table's Asset, so a DAG
    # scheduled on report_alias() runs after every load.
    # Other tests load through the same alias into their own tables: this load resolved it to its own.
    assert uri in aliases()[f"wolkvox:wolkvox_{warehouse.name}/wolkvox_machine_codes"]


def aliases() -> dict[str, list[str]]:
    from airflow.models.asset import AssetAliasModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return {
            alias.name: sorted(asset.uri for asset in alias.assets)
            for alias in session.scalars(select(AssetAliasModel)).all()
        }
