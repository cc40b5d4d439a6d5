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
    mariadb_warehouse,
    postgres_warehouse,
    sqlite_warehouse,
)

pytestmark = pytest.mark.airflow_release

COLUMNS = (
    "try_number, api_calls, requests, capped_calls, retried_calls, rows_received, rows_loaded, "
    "rows_replaced, failed"
)


TRIGGERS = {
    "sqlite": "CREATE TRIGGER fail BEFORE INSERT ON wolkvox_machine_codes "
    "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
    "postgres": "CREATE FUNCTION fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "RAISE EXCEPTION 'injected failure'; END $$; CREATE TRIGGER fail BEFORE INSERT ON "
    "wolkvox_machine_codes FOR EACH ROW EXECUTE FUNCTION fail();",
    "mariadb": "CREATE TRIGGER fail BEFORE INSERT ON wolkvox_machine_codes FOR EACH ROW "
    "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'",
}
"""A trigger that fails every insert into the data table: the load fails after the fetch."""
ERRORS = {
    "sqlite": "IntegrityError: injected failure",
    "postgres": "RaiseException: injected failure",
    "mariadb": "DatabaseError: 1644 (45000): injected failure",
}
"""The driver's error type and first line, as the ledger's ``failed`` holds them."""


@pytest.fixture(params=["sqlite", "postgres", "mariadb"])
def target(request: pytest.FixtureRequest) -> Warehouse:
    """Each warehouse the SQL operators load into (MariaDB's failed-try row goes the MySQL path)."""
    return request.getfixturevalue(f"{request.param}_warehouse")  # type: ignore[no-any-return]


def test_a_load_that_fails_after_fetching_leaves_its_calls_in_the_ledger(
    airflow_db: Path, emulator: WolkvoxEmulator, wolkvox_conn: str, target: Warehouse
) -> None:
    load = dag(airflow_db, f"wolkvox_test_check_first_{target.name}")
    assert load.test(logical_date=END).state == "success"
    before = target.dump()
    truth = len(emulator.ground_truth("1", END.subtract(hours=2), END))
    target.execute(TRIGGERS[target.name])

    run = load.test(logical_date=END)
    assert {ti.task_id: (ti.state, ti.try_number) for ti in run.get_task_instances()} == {
        "load": ("failed", 2)
    }
    assert target.dump() == before  # both loads rolled back

    ledger = target.query(f"SELECT {COLUMNS} FROM wolkvox_loads ORDER BY failed IS NOT NULL, try_number")
    received = ledger[0][5]  # rows answered, before they combine per telephone
    assert received >= truth
    assert [row[:8] for row in ledger] == [
        (1, 2, 2, 0, 0, received, truth, 0),  # the first run's load
        (1, 2, 2, 0, 0, received, 0, 0),  # each failed try: two request windows, nothing loaded
        (2, 2, 2, 0, 0, received, 0, 0),
    ]
    assert ledger[0][8] is None
    assert [row[8] for row in ledger[1:]] == [ERRORS[target.name]] * 2
    # Quota use by SQL stays true: the ledger counts every request the server logged.
    assert sum(row[1] for row in ledger) == emulator.stats()["requests"] == 6
