"""Prints what `make test` ran: per suite its wall and CPU time, tests and what they ran against.

Reads the files scripts/suite.sh and tests/proof.py wrote (NAME.rc, NAME.time, NAME.json) in the
folder given. ``matrix-<release>`` suites run side by side inside ``matrix``: their times are shown
but counted once, through ``matrix``; the suites that ran alongside others (integration, lint,
docs, packaging) make the sum of walls more than the run's own wall, printed apart. Exits 1 when
any suite failed. The last line is the plain ``total: N passed, N failed, N skipped`` of the whole
run, the closing line CI reads.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

COLUMNS = ("passed", "failed", "skipped", "real", "postgres", "mariadb", "redis", "scheduler", "chromium")


def main(folder: Path) -> int:
    names = sorted(
        (path.stem for path in folder.glob("*.rc")),
        key=lambda name: (path_order(folder, name), name),
    )
    totals = dict.fromkeys(("wall", "cpu", *COLUMNS, "stand_in", "in_process"), 0.0)
    failed = []
    print(f"{'suite':<13}{'wall s':>8}{'cpu s':>8}  " + " ".join(f"{c:>9}" for c in (*COLUMNS, "stand-in")))
    for name in names:
        rc = int((folder / f"{name}.rc").read_text().strip() or 1)
        wall, user, system = (float(x) for x in (folder / f"{name}.time").read_text().split()[-3:])
        counts_file = folder / f"{name}.json"
        counts = json.loads(counts_file.read_text()) if counts_file.exists() else {}
        inner = name.startswith("matrix-")
        if not inner:
            totals["wall"] += wall
            totals["cpu"] += user + system
        for key in (*COLUMNS, "stand_in", "in_process"):
            totals[key] += counts.get(key, 0)
        if rc:
            failed.append(name)
        cells = " ".join(f"{counts.get(c, '-'):>9}" for c in (*COLUMNS, "stand_in"))
        label = ("  " if inner else "") + name + ("" if rc == 0 else " FAILED")
        print(f"{label:<13}{wall:>8.0f}{user + system:>8.0f}  {cells}")
    print(
        f"{'total':<13}{totals['wall']:>8.0f}{totals['cpu']:>8.0f}  "
        + " ".join(f"{int(totals[c]):>9}" for c in (*COLUMNS, "stand_in"))
    )
    print(
        f"Test runs whose body ran (a test run on several releases counts each time): "
        f"{int(totals['real'])} against real servers (PostgreSQL, MariaDB, Redis, "
        f"a real scheduler, Chromium), {int(totals['stand_in'])} against stand-ins (SQL parser and "
        f"hand-written fakes), {int(totals['in_process'])} in-process (SQLite, the emulator on loopback, "
        "Airflow's dag.test())."
    )
    started = folder / "started"
    if started.exists():
        print(f"make test wall time, start to end: {time.time() - int(started.read_text()):.0f} s")
    if failed:
        print("failed suites: " + ", ".join(failed))
    passed, failed_tests, skipped = (int(totals[key]) for key in ("passed", "failed", "skipped"))
    print(f"total: {passed} passed, {failed_tests} failed, {skipped} skipped")
    return 1 if failed else 0


def path_order(folder: Path, name: str) -> float:
    """Suites in the order they finished (their .rc files were written then)."""
    return (folder / f"{name}.rc").stat().st_mtime


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
