"""Import and parse cost: what the provider adds to every task process and every DAG parse."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.runner import ROOT, Figure, run_case

EXAMPLE_DAGS = ROOT / "example_dags"


def measure_imports(repeats: int, env: dict[str, str], log: Callable[[str], None]) -> dict[str, Any]:
    """Each repeat a fresh interpreter: ``import airflow.sdk``, then the provider's two operator modules."""
    run_case("import_operators", {}, env)  # untimed: fills the bytecode cache
    operators, sdk = Figure(), Figure()
    last: dict[str, Any] = {}
    for _ in range(repeats):
        last = run_case("import_operators", {}, env).result
        operators.add(last["seconds"])
        sdk.add(last["sdk_seconds"])
    log(
        f"[import] airflow.sdk {sdk.median * 1000:.0f} ms, the provider's operators on top "
        f"{operators.median * 1000:.1f} ms ({last['modules_added']} modules)"
    )
    return {
        "operators_seconds": operators.as_dict(),
        "sdk_seconds": sdk.as_dict(),
        "modules_added": last["modules_added"],
        "provider_modules": last["provider_modules"],
        "other_modules": last["other_modules"],
    }


def measure_parsing(repeats: int, env: dict[str, str], log: Callable[[str], None]) -> dict[str, Any]:
    """A DagBag over example_dags/ in a fresh interpreter, and each file alone in a fresh interpreter
    (as Airflow 3's DAG processor parses each file in a process of its own)."""
    files = sorted(EXAMPLE_DAGS.glob("*.py"))
    folder = Figure()
    per_file = {f.name: Figure() for f in files}
    dags = 0
    errors: list[str] = []
    run_case("parse_dags", {"folder": str(EXAMPLE_DAGS)}, env)  # untimed: fills the bytecode cache
    for _ in range(repeats):
        result = run_case("parse_dags", {"folder": str(EXAMPLE_DAGS)}, env).result
        folder.add(result["seconds"])
        dags, errors = result["dags"], result["errors"]
        for path in files:
            per_file[path.name].add(run_case("parse_dags", {"folder": str(path)}, env).result["seconds"])
    log(
        f"[parse] {len(files)} example DAG files, {dags} DAGs: {folder.median * 1000:.0f} ms; "
        + ", ".join(f"{name} alone {fig.median * 1000:.0f} ms" for name, fig in per_file.items())
    )
    return {
        "folder_seconds": folder.as_dict(),
        "files": {name: fig.as_dict() for name, fig in per_file.items()},
        "dags": dags,
        "errors": errors,
    }


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))
