"""Issue 26, point 4: the asset warnings Airflow 3.3 logged on every load, at their cause.

``AssetModel ... not found; cannot create asset event`` and ``Emitting event for inactive
AssetModel ...`` (airflow/assets/manager.py) come from an event for an Asset no DAG declares,
sent through an AssetAlias: Airflow creates the AssetModel on the first such event and leaves it
inactive until its scheduler's next orphanage pass, which ``dag.test()`` never runs. The
deprecated connection-named Asset is known when the DAG is parsed, so from Airflow 3.1 on the
operators declare it as an outlet (active before the task runs) and its events log nothing. The
warehouse table's Asset is only known once the task reads its connection: a DAG scheduled on it
declares it, and then its events log nothing either (docs/observability.md, "The warnings
``AssetModel ... not found``").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.airflow_compat import airflow_version, write_dag_for_scheduler
from tests.unit.test_assets import asset_events, expected_uri
from tests.unit.test_transfer import END, Warehouse, dag, sqlite_warehouse  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.airflow_release,
    pytest.mark.skipif(
        airflow_version() < (3, 1), reason="Airflow 3.0 declares the deprecated Asset through an alias"
    ),
]

WARNINGS = ("not found; cannot create asset event", "Emitting event for inactive AssetModel")
DEPRECATED = "x-wolkvox://wolkvox_sqlite/wolkvox_machine_codes"


def asset_warnings(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> list[str]:
    captured = capsys.readouterr()
    text = "\n".join((captured.out, captured.err, caplog.text))
    caplog.clear()
    return [line for line in text.splitlines() if any(warning in line for warning in WARNINGS)]


@pytest.fixture
def load(
    airflow_db: Path,
    emulator: WolkvoxEmulator,
    wolkvox_conn: str,
    sqlite_warehouse: Warehouse,  # noqa: F811
) -> Any:
    """The DAG that loads machine codes from the emulator into the SQLite warehouse."""
    return dag(airflow_db, "wolkvox_test_check_first_sqlite")


def test_the_deprecated_assets_events_log_no_warning(
    load: Any, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    capsys.readouterr()
    for _ in range(2):  # the first event of an Asset, and one after it
        run = load.test(logical_date=END)
        assert run.state == "success"
        warned = asset_warnings(capsys, caplog)
        assert not [line for line in warned if DEPRECATED in line], warned
        assert DEPRECATED in asset_events(run.run_id)  # its events are still sent


def test_a_load_whose_warehouse_asset_a_dag_schedules_on_logs_no_asset_warning(
    load: Any,
    sqlite_warehouse: Warehouse,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.sdk import DAG, Asset

    uri = expected_uri(sqlite_warehouse)
    # A downstream DAG scheduled on the warehouse table's Asset, written as the DAG processor would.
    with DAG(
        "wolkvox_unit_consumer", schedule=[Asset(uri=uri)], start_date=END.subtract(days=30)
    ) as consumer:
        EmptyOperator(task_id="report")
    write_dag_for_scheduler(consumer)
    capsys.readouterr()
    for _ in range(2):
        run = load.test(logical_date=END)
        assert run.state == "success"
        assert asset_warnings(capsys, caplog) == []
        assert set(asset_events(run.run_id)) == {uri, DEPRECATED}
