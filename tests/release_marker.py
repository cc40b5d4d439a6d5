"""Which test modules depend on the Airflow release: the rule the version matrix selects by.

A module must carry ``pytestmark = pytest.mark.airflow_release`` when it uses Airflow itself:
imports Airflow (core, Task SDK or a provider), the release shims (``tests.airflow_compat`` beyond
``newest_release_only``, ``airflow_provider_wolkvox._compat``), uses the ``airflow_db`` fixture
(``dag.test()``, the metadata DB, the CLI), or runs a script in a subprocess that imports Airflow or
a module of this provider built on it. A module that reaches Airflow only through this provider's
modules (the hook called directly, the sizing, the decoding, the client's handling of answers) may
carry it or not: its subject is release-independent and proven once, on 3.3, unless what it proves
goes through Airflow's own code (a connection's lookup, an operator's construction), when it keeps
the marker. A module that reaches Airflow in no way must not carry it. ``make matrix`` runs only
marked modules on 3.0-3.2; tests/unit/test_release_marker.py checks the rule.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

MARKER = "airflow_release"
SCRIPT_IMPORT = re.compile(r"^\s*(?:from|import)\s+([\w.]+)", re.MULTILINE)
ROOT = Path(__file__).parents[1]
SOURCES = ("airflow_provider_wolkvox", "tests")
RELEASE_SHIMS = frozenset({"tests.airflow_compat", "airflow_provider_wolkvox._compat"})


def _is_airflow(module: str) -> bool:
    return module == "airflow" or module.startswith("airflow.")


def _is_release_specific(module: str) -> bool:
    """Airflow itself, or a shim over its releases (the tests' or the provider's)."""
    return _is_airflow(module) or module in RELEASE_SHIMS


def _skip_marker_only(node: ast.ImportFrom) -> bool:
    """``from tests.airflow_compat import newest_release_only``: a skip for releases before 3.3,
    not a use of Airflow."""
    return node.module == "tests.airflow_compat" and all(
        alias.name == "newest_release_only" for alias in node.names
    )


def _imported(tree: ast.AST) -> set[str]:
    """Every module an import in ``tree`` may name (``from a import b`` names ``a`` and ``a.b``)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if _skip_marker_only(node):
                continue
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@functools.cache
def modules_on_airflow() -> frozenset[str]:
    """Modules of this provider and of the tests that import Airflow, directly or through another
    of them (package ``__init__`` files included, as importing a module runs its packages' first)."""
    modules = {}
    for folder in SOURCES:
        for path in (ROOT / folder).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = _imported(ast.parse(path.read_text()))
    touching = {name for name, names in modules.items() if any(map(_is_airflow, names))}
    while True:
        more = {
            name
            for name, names in modules.items()
            if name not in touching
            and (names & touching or any(name.startswith(parent + ".") for parent in touching))
        }
        if not more:
            return frozenset(touching)
        touching |= more


def airflow_uses(path: Path) -> set[str]:
    """What in the module at ``path`` uses Airflow itself (empty when nothing does): the module must
    carry the marker."""
    uses: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            uses.update(alias.name for alias in node.names if _is_release_specific(alias.name))
        elif isinstance(node, ast.ImportFrom) and node.module:
            if _skip_marker_only(node):
                continue
            named = {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
            uses.update(name for name in named if _is_release_specific(name))
            if _is_airflow(node.module):
                uses -= named - {node.module}  # `from airflow.sdk import DAG` names airflow.sdk
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # a script a test runs in a subprocess: a fresh process imports Airflow for it
            for name in SCRIPT_IMPORT.findall(node.value):
                if _is_airflow(name) or name in modules_on_airflow():
                    uses.add(name)
        elif (isinstance(node, ast.Name) and node.id == "airflow_db") or (
            isinstance(node, ast.arg) and node.arg == "airflow_db"
        ):
            uses.add("the airflow_db fixture")
    return uses


def reaches_airflow(path: Path) -> set[str]:
    """The modules of this provider built on Airflow that the module at ``path`` imports: it may
    carry the marker (see the module docstring)."""
    return _imported(ast.parse(path.read_text())) & modules_on_airflow()


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
