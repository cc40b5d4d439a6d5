"""Issue 26: the calls of a task try that fetched and then failed are in the ledger, so the ledger's
``api_calls`` add up to every request the emulator logged (the load's own row rolls back with it;
the failed try's row is written in a transaction of its own)."""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.unit.test_transfer import (  # noqa: F401  (fixtures)
    END,
    Warehouse,
    dag,
    postgres_warehouse,
    sqlite_warehouse,
    warehouse,
)

pytestmark = pytest.mark.airflow_release

COLUMNS = (
    "try_number, api_calls, requests, capped_calls, retried_calls, rows_received, rows_loaded, "
    "rows_replaced, failed"
)


def test_a_load_that_fails_after_fetching_leaves_its_calls_in_the_ledger(
    airflow_db: Path,
    emulator: WolkvoxEmulator,
    wolkvox_conn: str,
    warehouse: Warehouse,  # noqa: F811
) -> None:
    load = dag(airflow_db, f"wolkvox_test_check_first_{warehouse.name}")
    assert load.test(logical_date=END).state == "success"
    before = warehouse.dump()
    truth = len(emulator.ground_truth("1", END.subtract(hours=2), END))
    if warehouse.name == "sqlite":
        warehouse.execute(
            "CREATE TRIGGER fail BEFORE INSERT ON wolkvox_machine_codes "
            "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
        )
    else:
        warehouse.execute(
            "CREATE FUNCTION fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'injected failure'; END $$; CREATE TRIGGER fail BEFORE INSERT ON "
            "wolkvox_machine_codes FOR EACH ROW EXECUTE FUNCTION fail();"
        )

    run = load.test(logical_date=END)
    assert {ti.task_id: (ti.state, ti.try_number) for ti in run.get_task_instances()} == {
        "load": ("failed", 2)
    }
    assert warehouse.dump() == before  # both loads rolled back

    ledger = warehouse.query(f"SELECT {COLUMNS} FROM wolkvox_loads ORDER BY failed IS NOT NULL, try_number")
    received = ledger[0][5]  # rows answered, before they combine per telephone
    assert received >= truth
    assert [row[:8] for row in ledger] == [
        (1, 2, 2, 0, 0, received, truth, 0),  # the first run's load
        (1, 2, 2, 0, 0, received, 0, 0),  # each failed try: two request windows, nothing loaded
        (2, 2, 2, 0, 0, received, 0, 0),
    ]
    assert ledger[0][8] is None
    for row in ledger[1:]:  # the driver's error type and first line
        assert row[8] in ("IntegrityError: injected failure", "RaiseException: injected failure")
    # Quota use by SQL stays true: the ledger counts every request the server logged.
    assert sum(row[1] for row in ledger) == emulator.stats()["requests"] == 6
