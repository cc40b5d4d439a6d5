"""`make demo`: a day of campaign_8 from the local emulator into SQLite, through Airflow itself.

Starts the emulator on a free loopback port, points ``wolkvox_default`` at it, runs the
example DAG ``wolkvox_machine_codes_sqlite`` for 24 hourly intervals one after another
with ``dag.test()``, then ``wolkvox_ineffective_numbers``, prints a summary, and stops.
Everything lives under ``.demo/``; nothing outside the repository is touched.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".demo"
WAREHOUSE = WORK / "warehouse.db"
DAY_END = "2026-11-27T05:00:00+00:00"  # local midnight in Bogota, the connection's time zone
HOURS = 24


def prepare_airflow_home() -> None:
    """A throwaway AIRFLOW_HOME whose dags folder is the repository's example_dags."""
    shutil.rmtree(WORK, ignore_errors=True)
    (WORK / "airflow").mkdir(parents=True)
    os.environ.update(
        {
            "AIRFLOW_HOME": str(WORK / "airflow"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "example_dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{WORK / 'airflow' / 'airflow.db'}",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        }
    )
    airflow = Path(sys.executable).parent / "airflow"
    subprocess.run([str(airflow), "db", "migrate"], check=True, stdout=subprocess.DEVNULL, timeout=600)


def main() -> int:
    started = time.monotonic()
    print("wolkvox demo: preparing a throwaway Airflow home under .demo/ ...", flush=True)
    prepare_airflow_home()

    # Airflow reads its configuration on import: import it only now.
    import pendulum
    from airflow.dag_processing.dagbag import DagBag

    from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator

    token = secrets.token_urlsafe(24)
    with WolkvoxEmulator(tokens=[token], seed=2026, telephones=3_000, dials_per_hour=400) as emulator:
        print(f"emulator listening on {emulator.base_url}", flush=True)
        os.environ["AIRFLOW_CONN_WOLKVOX_DEFAULT"] = json.dumps(
            {
                "conn_type": "wolkvox",
                "host": "0032",
                "password": token,
                "extra": {"base_url": emulator.base_url, "timezone": "America/Bogota"},
            }
        )
        os.environ["AIRFLOW_CONN_WOLKVOX_SQLITE"] = json.dumps(
            {"conn_type": "sqlite", "host": str(WAREHOUSE)}
        )

        bag = DagBag(dag_folder=str(ROOT / "example_dags"))
        if bag.import_errors:
            print(f"example DAGs failed to import: {bag.import_errors}", file=sys.stderr)
            return 1
        load = bag.dags["wolkvox_machine_codes_sqlite"]
        day_end = pendulum.parse(DAY_END)
        assert isinstance(day_end, pendulum.DateTime)
        print(f"loading {HOURS} hourly intervals through {load.dag_id} ...", flush=True)
        for hour in range(HOURS, 0, -1):
            # On a data-interval timetable, dag.test(logical_date=X) runs the interval that ends at X.
            run = load.test(logical_date=day_end - timedelta(hours=hour - 1))
            if run.state != "success":
                print(f"run {run.run_id} ended {run.state}", file=sys.stderr)
                return 1
        purge = bag.dags["wolkvox_ineffective_numbers"].test(logical_date=day_end)
        if purge.state != "success":
            print(f"wolkvox_ineffective_numbers ended {purge.state}", file=sys.stderr)
            return 1
        api_calls = emulator.stats()["requests"]

    print_summary(api_calls, time.monotonic() - started)
    return 0


def print_summary(api_calls: int, seconds: float) -> None:
    db = sqlite3.connect(WAREHOUSE)
    per_interval = db.execute(
        "SELECT window_start, COUNT(*), SUM(total_machine_recognitions) FROM wolkvox_machine_codes "
        "GROUP BY window_start, window_end ORDER BY window_start"
    ).fetchall()
    top = db.execute(
        "SELECT telephone, dials, machine_results, machine_share FROM wolkvox_ineffective_numbers "
        "ORDER BY dials DESC, machine_share DESC, telephone LIMIT 10"
    ).fetchall()
    listed = db.execute("SELECT COUNT(*) FROM wolkvox_ineffective_numbers").fetchone()[0]
    db.close()
    print("\nRows per interval (UTC window start, telephones, dials):")
    for window_start, rows, dials in per_interval:
        print(f"  {window_start}  {rows:6,} telephones  {dials:7,} dials")
    print(f"\n{listed:,} numbers to purge (dialed >= 3 times, >= 80% machine results). Top 10:")
    print("  telephone        dials  machine  share")
    for telephone, dials, machine, share in top:
        print(f"  {telephone:15}  {dials:5}  {machine:7}  {share:5.0%}")
    total = sum(rows for _, rows, _ in per_interval)
    print(
        f"\n{len(per_interval)} intervals, {total:,} rows in {WAREHOUSE.relative_to(ROOT)}, "
        f"{api_calls} API calls, {seconds:.0f} s."
    )


if __name__ == "__main__":
    sys.exit(main())
