"""Which test modules depend on the Airflow release: the rule the version matrix selects by.

A module touches Airflow when it imports Airflow (core, Task SDK or a provider), the release shims
(``tests.airflow_compat`` beyond ``newest_release_only``, ``airflow_provider_wolkvox._compat``), or
uses the ``airflow_db`` fixture (``dag.test()``, the metadata DB, the CLI). Such a module carries
``pytestmark = pytest.mark.airflow_release``; ``make matrix`` runs only those on 3.0-3.2, and
tests/unit/test_release_marker.py checks the rule both ways.
"""

from __future__ import annotations

import ast
from pathlib import Path

MARKER = "airflow_release"


def _is_airflow(module: str) -> bool:
    return module == "airflow" or module.startswith("airflow.")


def airflow_uses(path: Path) -> set[str]:
    """What in the module at ``path`` depends on the Airflow release (empty when nothing does)."""
    uses: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            uses.update(alias.name for alias in node.names if _is_airflow(alias.name))
        elif isinstance(node, ast.ImportFrom) and node.module:
            shims = node.module == "tests.airflow_compat" and any(
                alias.name != "newest_release_only" for alias in node.names
            )
            if _is_airflow(node.module) or shims or node.module == "airflow_provider_wolkvox._compat":
                uses.add(node.module)
        elif (isinstance(node, ast.Name) and node.id == "airflow_db") or (
            isinstance(node, ast.arg) and node.arg == "airflow_db"
        ):
            uses.add("the airflow_db fixture")
    return uses


def carries_marker(path: Path) -> bool:
    """Whether the module's ``pytestmark`` names the ``airflow_release`` marker."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "pytestmark" for target in node.targets
        ):
            return any(
                isinstance(part, ast.Attribute) and part.attr == MARKER for part in ast.walk(node.value)
            )
    return False


def unmarked_metadata_db_user(nodeid: str, fixtures: list[str], markers: list[str]) -> str | None:
    """Why a collected test may not run as it is: it uses the metadata DB (``airflow_db``, perhaps
    through another fixture) without the ``airflow_release`` marker; None when it is fine."""
    if "airflow_db" in fixtures and MARKER not in markers:
        return f"{nodeid} uses the metadata DB (airflow_db) but is not marked {MARKER}"
    return None
