"""What the tests that ran were proven against: real servers or stand-ins (``make test`` prints it).

Each collected test gets a marker for every real server it reaches (``postgres``, ``mariadb``,
``redis``, ``scheduler``, ``chromium``), from its fixtures and parameters; ``stand_in`` marks the
modules that check SQL of warehouses that cannot run here against a parser and hand-written fakes.
The controller counts the tests whose body ran (skips are not proof) and, when ``WOLKVOX_PROOF_FILE``
is set, writes the counts there as JSON for the Makefile's summary (scripts/test_summary.py).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

REAL = ("postgres", "mariadb", "redis", "scheduler", "chromium")
"""Real servers, in the order the summary names them."""
STAND_IN = "stand_in"
_FIXTURES = {
    "postgres": {"pg_dsn"},
    "mariadb": {"mariadb_server", "mariadb_database"},
    "redis": {"celery_run"},
    "chromium": {"browser"},
}
_PARAMETERS = {"postgres": {"postgres"}, "mariadb": {"mariadb", "mysql"}}


def servers(fixtures: list[str], parameter_ids: set[str], markers: set[str]) -> set[str]:
    """The real servers a test reaches, from its fixture closure, parameter ids and markers."""
    found = {name for name in REAL if name in markers}
    found |= {name for name, names in _FIXTURES.items() if names & set(fixtures)}
    found |= {name for name, ids in _PARAMETERS.items() if ids & parameter_ids}
    if "integration" in markers:
        found.add("scheduler")  # a real Airflow deployment: scheduler, DAG processor, API server
    return found


def mark_servers(items: list[pytest.Item]) -> None:
    """Add a marker per real server to each item (workers do this; the markers reach the controller)."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        ids = set(callspec.id.split("-")) if callspec else set()
        markers = {mark.name for mark in item.iter_markers()}
        for name in servers(getattr(item, "fixturenames", []), ids, markers) - markers:
            item.add_marker(name)


class ProofCount:
    """Counts, in the process that reports (the xdist controller, or the only one), what ran."""

    def __init__(self) -> None:
        self.ran: dict[str, set[str]] = {}
        self.outcomes: dict[str, str] = {}

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call":
            self.ran[report.nodeid] = {name for name in report.keywords if name in (*REAL, STAND_IN)}
        if report.failed:
            self.outcomes[report.nodeid] = "failed"
        elif report.skipped or (report.passed and report.when == "call"):
            self.outcomes.setdefault(report.nodeid, "skipped" if report.skipped else "passed")

    def counts(self) -> dict[str, int]:
        tally: Counter[str] = Counter()
        for kinds in self.ran.values():
            tally["ran"] += 1
            tally.update(kinds & set(REAL))
            if kinds & set(REAL):
                tally["real"] += 1
            elif STAND_IN in kinds:
                tally[STAND_IN] += 1
            else:
                tally["in_process"] += 1
        tally.update(self.outcomes.values())
        keys = ("passed", "failed", "skipped", "ran", "real", *REAL, STAND_IN, "in_process")
        return {key: tally[key] for key in keys}

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        counts = self.counts()
        if not self.outcomes:
            return
        terminalreporter.write_line("wolkvox proof: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        target = os.environ.get("WOLKVOX_PROOF_FILE")
        if target:
            Path(target).write_text(json.dumps(counts))
