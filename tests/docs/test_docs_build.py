"""The documentation builds with Sphinx, warnings as errors, and covers what the code has.

The build imports the package (autodoc) with the installed Airflow. The other tests
keep the pages honest: every module has a reference page, every error a
troubleshooting entry, every operator and hook argument a mention, and the schema
table is the one the code generates.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import airflow_provider_wolkvox
from airflow_provider_wolkvox import exceptions
from airflow_provider_wolkvox.get_provider_info import get_provider_info

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PACKAGE_DIR = Path(airflow_provider_wolkvox.__file__).parent


def _page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs-html")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(DOCS), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"sphinx-build failed:\n{result.stdout[-5000:]}\n{result.stderr[-5000:]}"
    return out


def test_sphinx_builds_without_warnings(html: Path) -> None:
    for page in (
        "index",
        "quickstart",
        "connection",
        "operators",
        "pools",
        "backfills",
        "warehouse",
        "emulator",
        "troubleshooting",
        "performance",
        "changelog",
        "reference/index",
    ):
        assert (html / f"{page}.html").is_file(), page


def test_reference_renders_the_docstrings(html: Path) -> None:
    text = (html / "reference" / "operators.html").read_text(encoding="utf-8")
    assert "MachineCodesToSqlOperator" in text
    assert "replacing that interval exactly" in text  # from the class docstring
    hooks = (html / "reference" / "hooks.html").read_text(encoding="utf-8")
    assert "get_machine_codes" in hooks
    assert "max_retry_seconds" in hooks


@pytest.mark.parametrize("given_home", [True, False], ids=["home given", "no home"])
def test_the_docs_configuration_leaves_no_folder_behind(tmp_path: Path, given_home: bool) -> None:
    """Every docs build ran conf.py, which made an Airflow home in the temporary folder and never
    removed it, even when one was given: one more folder per test run."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "AIRFLOW_HOME"}
    if given_home:
        env["AIRFLOW_HOME"] = str(tmp_path / "home")
    script = "import os, runpy; runpy.run_path(os.environ['CONF']); print(os.environ['AIRFLOW_HOME'])"
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={**env, "TMPDIR": str(temp), "CONF": str(DOCS / "conf.py")},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    used = done.stdout.strip()
    assert used == str(tmp_path / "home") if given_home else used.startswith(str(temp))
    assert list(temp.iterdir()) == []


def test_every_module_has_a_reference_page() -> None:
    documented = set()
    for page in (DOCS / "reference").glob("*.md"):
        documented |= set(
            re.findall(r"^\.\. automodule:: (\S+)$", page.read_text(encoding="utf-8"), re.MULTILINE)
        )
    modules = set()
    for path in PACKAGE_DIR.rglob("*.py"):
        if path.name == "__init__.py" and not path.read_text(encoding="utf-8").strip():
            continue  # an empty namespace package: nothing to document
        if path.name.startswith("_") and path.name != "__init__.py":
            continue  # a private module (e.g. _gc): not part of the documented surface
        parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
        modules.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    missing = sorted(modules - documented)
    assert not missing, f"add an automodule directive for these modules to docs/reference/: {missing}"


def test_every_error_has_a_troubleshooting_entry() -> None:
    page = _page("troubleshooting.md")
    errors = [
        name
        for name, obj in vars(exceptions).items()
        if inspect.isclass(obj) and issubclass(obj, exceptions.WolkvoxError)
    ]
    assert len(errors) >= 10
    missing = [name for name in errors if f"### {name}\n" not in page]
    assert not missing, f"docs/troubleshooting.md needs a '### <name>' section for {missing}"


def test_troubleshooting_has_the_dst_caveat() -> None:
    page = _page("troubleshooting.md")
    assert "## DST fall-back" in page
    assert "repeated hour" in page


def test_operator_and_hook_arguments_are_documented() -> None:
    from airflow_provider_wolkvox.hooks.wolkvox import WolkvoxHook
    from airflow_provider_wolkvox.operators.base import WolkvoxWindowOperator
    from airflow_provider_wolkvox.operators.machine_codes import MachineCodesOperator
    from airflow_provider_wolkvox.transfers.machine_codes_to_sql import MachineCodesToSqlOperator

    page = _page("operators.md")
    for cls in (WolkvoxWindowOperator, MachineCodesOperator, MachineCodesToSqlOperator, WolkvoxHook):
        for name, parameter in inspect.signature(cls.__init__).parameters.items():
            if name == "self" or parameter.kind is inspect.Parameter.VAR_KEYWORD:
                continue
            assert f"`{name}`" in page, f"docs/operators.md does not mention {cls.__name__}({name}=...)"
    for method in (
        "get_machine_codes",
        "get_report",
        "get_token_info",
        "test_connection",
        "get_conn",
        "close",
    ):
        assert f"`{method}(" in page, method


def test_connection_page_matches_the_connection_form() -> None:
    page = _page("connection.md")
    [conn_type] = get_provider_info()["connection-types"]
    for field, spec in conn_type["conn-fields"].items():
        assert f"`{field}`" in page, field
        assert spec["label"] in page, spec["label"]
    for label in conn_type["ui-field-behaviour"]["relabeling"].values():
        assert f"**{label}**" in page, label
    assert "AIRFLOW_CONN_WOLKVOX_DEFAULT" in page
    assert "wolkvox://" in page  # the URI form


def test_warehouse_schema_table_is_generated_from_the_code() -> None:
    from airflow_provider_wolkvox.sql import schema_doc

    assert schema_doc() in _page("warehouse.md"), (
        "docs/warehouse.md is out of date: paste sql.schema_doc() between its markers"
    )


def test_density_table_schema_is_generated_from_the_code() -> None:
    from airflow_provider_wolkvox.sql.density import density_doc

    assert density_doc() in _page("warehouse.md"), (
        "docs/warehouse.md is out of date: paste sql.density.density_doc() between its markers"
    )


def test_warehouse_types_table_is_generated_from_the_flavors() -> None:
    from airflow_provider_wolkvox.sql.schema import flavor_doc

    assert flavor_doc() in _page("warehouse.md"), (
        "docs/warehouse.md is out of date: paste sql.schema.flavor_doc() between its markers"
    )


def test_support_table_claims_only_what_the_tests_do() -> None:
    """Every flavor has a row; "run for real" only where a test module loads into that server
    (skipped without it, failing under CI=true); "parsed only" only where the parse tests run."""
    from airflow_provider_wolkvox.sql.flavors import FLAVORS, GENERIC

    page = _page("warehouse.md")
    table = page[page.index("## Supported warehouses") : page.index("Notes:")]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    unit = Path(__file__).parents[1] / "unit"
    real = {
        "postgresql": "test_sql_load_postgres.py",
        "sqlite": "test_sql_load.py",
        "mysql": "test_sql_load_mysql.py",
    }
    names = {"mssql": "Microsoft SQL Server", "redshift": "Amazon Redshift", "generic": "any other"}
    assert len(rows) == len(FLAVORS)
    for flavor in FLAVORS:
        [row] = [r for r in rows if r.startswith(f"| {names.get(flavor.name, flavor.title)}")]
        tested = row.rsplit(" | ", 1)[1]
        if flavor.name in real:
            assert tested.startswith("run for real"), flavor.name
            assert (unit / real[flavor.name]).exists()
        elif flavor is GENERIC:
            assert "untested elsewhere" in tested
        else:
            assert tested.startswith("parsed only"), flavor.name
            assert flavor.sqlglot_dialect, flavor.name
    parse_tests = (unit / "test_sql_dialects.py").read_text()
    assert "PARSED = [f for f in FLAVORS if f.sqlglot_dialect]" in parse_tests


def test_readme_support_table_says_what_warehouse_md_says() -> None:
    """The README's short table: a row per flavor with its time type, run for real exactly where
    docs/warehouse.md says so."""
    from airflow_provider_wolkvox.sql.flavors import FLAVORS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Warehouses") : readme.index("## Using it with")]
    header, _, *rows = [line for line in table.splitlines() if line.startswith("| ")]
    assert header.split(" | ")[1:] == ["load path", "a window is replaced", "time type", "how it is tested |"]
    cells = {r.split(" | ")[0][2:]: r.split(" | ") for r in rows}
    names = {
        "postgresql": "PostgreSQL",
        "mssql": "SQL Server",
        "redshift": "Redshift",
        "bigquery": "BigQuery",
        "generic": "any other DB-API database",
    }
    assert len(cells) == len(FLAVORS)
    for flavor in FLAVORS:
        row = cells[names.get(flavor.name, flavor.title)]
        time_type = "ISO-8601 UTC text" if flavor.name == "sqlite" else f"`{flavor.time_type}`"
        assert row[3].startswith(time_type), flavor.name
        assert row[4].startswith("run for real") is (flavor.name in ("postgresql", "sqlite", "mysql"))


def test_performance_page_keeps_its_name() -> None:
    assert "make bench" in _page("performance.md")


def test_readme_quick_start_commands_are_in_the_docs() -> None:
    page = _page("quickstart.md")
    assert "make demo" in page
    assert "make test" in page
