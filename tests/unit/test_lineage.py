"""OpenLineage events of real dag.test() runs (the OpenLineage provider's file transport), and the
provider working without that provider installed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.airflow_compat import newest_release_only
from tests.unit import test_transfer
from tests.unit.test_assets import expected_uri
from tests.unit.test_transfer import END, FOUR_HOURS, Warehouse

pytestmark = pytest.mark.airflow_release

sqlite_warehouse = test_transfer.sqlite_warehouse
postgres_warehouse = test_transfer.postgres_warehouse
warehouse = test_transfer.warehouse

# Runs DAGs with dag.test() in a fresh interpreter: the OpenLineage provider reads its configuration once.
RUN = """
import json, sys
import pendulum
from tests.airflow_compat import dag_bag as DagBag
from tests.airflow_compat import make_dag_test_write_the_dag_first, share_one_in_process_api

make_dag_test_write_the_dag_first()
share_one_in_process_api()

bag = DagBag(dag_folder=sys.argv[1])
states = {}
for dag_id in sys.argv[3:]:
    states[dag_id] = bag.dags[dag_id].test(logical_date=pendulum.parse(sys.argv[2])).state
print("RESULT", json.dumps(states))
"""


def run_script(script: str, *args: str, env: dict[str, str] | None = None) -> tuple[Any, str]:
    """Run a DAG-running ``script`` in a fresh interpreter (Airflow reads its settings once per
    process); return what it printed after ``RESULT``, and its stderr for failure messages."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return result_of(done.stdout), done.stderr


def run_dags(dags_folder: Path, *dag_ids: str, env: dict[str, str]) -> dict[str, str]:
    result, _ = run_script(RUN, str(dags_folder), END.isoformat(), *dag_ids, env={**os.environ, **env})
    return result  # type: ignore[no-any-return]


def complete_events(path: Path) -> dict[str, dict[str, Any]]:
    """Job name -> its COMPLETE event, from the file transport's lines."""
    events = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {e["job"]["name"]: e for e in events if e.get("eventType") == "COMPLETE"}


@newest_release_only("OpenLineage events", "docs/observability.md")
def test_a_load_emits_the_report_read_and_the_table_written(
    airflow_db: Path,
    emulator: WolkvoxEmulator,
    wolkvox_conn: str,
    warehouse: Warehouse,
    token: str,
    tmp_path: Path,
) -> None:
    lineage = tmp_path / "lineage.jsonl"
    transport = {"type": "file", "log_file_path": str(lineage), "append": True}
    dag_id = f"wolkvox_test_4h_{warehouse.name}"
    states = run_dags(
        airflow_db,
        dag_id,
        "wolkvox_test_hourly",
        env={"AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(transport)},
    )
    assert states == {dag_id: "success", "wolkvox_test_hourly": "success"}
    text = lineage.read_text()
    assert token not in text
    # Only the tasks' own queries: the provider's lookup of PostgreSQL's schema (made while the
    # load's lineage is gathered) is no query of the load, nor of the task that runs after it.
    assert "CURRENT_SCHEMA" not in text.upper()
    events = complete_events(lineage)

    load = events[f"{dag_id}.load"]
    [source] = load["inputs"]
    assert source["namespace"] == "wolkvox://wv0032.wolkvox.com"
    assert source["name"] == "campaign_8/campaign_id=1"
    fields = [(f["name"], f["type"]) for f in source["facets"]["schema"]["fields"]]
    assert fields[:2] == [("telephone", "text"), ("total_machine_recognitions", "integer")]
    assert len(fields) == 7
    received = source["inputFacets"]["inputStatistics"]["rowCount"]

    [table] = load["outputs"]
    loaded = len(warehouse.window("1", FOUR_HOURS[0]))
    assert table["outputFacets"]["outputStatistics"]["rowCount"] == loaded > 0
    assert received >= loaded
    columns = [f["name"] for f in table["facets"]["schema"]["fields"]]
    assert columns[:4] == ["campaign_id", "window_start", "window_end", "telephone"]
    assert columns[-1] == "loaded_at"
    # The table is named as the asset names it (for PostgreSQL: the PostgreSQL hook's OpenLineage
    # database info, and the PostgreSQL provider's asset-to-OpenLineage conversion agree).
    assert (table["namespace"], table["name"]) == asset_as_openlineage(expected_uri(warehouse))

    # An XCom operator reads the report and writes no table.
    xcom = events["wolkvox_test_hourly.machine_codes"]
    assert [(d["namespace"], d["name"]) for d in xcom["inputs"]] == [
        ("wolkvox://wv0032.wolkvox.com", "campaign_8/campaign_id=1")
    ]
    assert xcom["outputs"] == []


def asset_as_openlineage(uri: str) -> tuple[str, str]:
    """What OpenLineage calls the table an asset URI names (PostgreSQL: the postgres provider's converter)."""
    from urllib.parse import urlsplit

    if uri.startswith("postgres://"):
        from airflow.providers.postgres.assets.postgres import convert_asset_to_openlineage
        from airflow.sdk import Asset

        dataset = convert_asset_to_openlineage(Asset(uri=uri), None)
        return dataset.namespace, dataset.name
    parsed = urlsplit(uri)
    *database, schema, table = parsed.path.split("/")
    return f"{parsed.scheme}://{parsed.netloc}", f"{'/'.join(database)}.{schema}.{table}"


# As if the OpenLineage provider were not installed: Airflow does not see its distribution's entry
# points, and any import of `openlineage` or `airflow.providers.openlineage` fails.
NO_OPENLINEAGE = """
import sys
import importlib.metadata
import importlib_metadata

for metadata in (importlib.metadata, importlib_metadata):
    def distributions(listed=metadata.distributions, **kwargs):
        return [d for d in listed(**kwargs) if "openlineage" not in (d.metadata["name"] or "")]
    metadata.distributions = distributions

class Absent:
    def find_spec(self, name, path=None, target=None):
        if name == "openlineage" or name.startswith(("openlineage.", "airflow.providers.openlineage")):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Absent())
"""


def test_without_the_openlineage_provider_a_load_works_and_imports_none_of_it(
    airflow_db: Path, emulator: WolkvoxEmulator, wolkvox_conn: str, sqlite_warehouse: Warehouse
) -> None:
    script = (
        NO_OPENLINEAGE
        + RUN
        + """
# (Other providers' own shims, airflow.providers.standard.utils.openlineage and the like, may load.)
leaked = sorted(
    m for m in sys.modules
    if m.startswith(
        ("openlineage", "airflow.providers.openlineage", "airflow_provider_wolkvox.observability.lineage")
    )
)
assert not leaked, leaked
assert "airflow_provider_wolkvox.transfers.report_to_sql" in sys.modules
"""
    )
    result, _ = run_script(script, str(airflow_db), END.isoformat(), "wolkvox_test_4h_sqlite")
    assert result == {"wolkvox_test_4h_sqlite": "success"}
    assert sqlite_warehouse.window("1", FOUR_HOURS[0]) == emulator.ground_truth("1", *FOUR_HOURS)


def result_of(stdout: str) -> Any:
    """The JSON the runner printed after ``RESULT`` (task logs share its stdout)."""
    [line] = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
    return json.loads(line.removeprefix("RESULT "))
