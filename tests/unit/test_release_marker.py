"""The version matrix runs exactly the tests that depend on the Airflow release.

``make matrix`` runs ``-m airflow_release`` on 3.0-3.2; a module that touches Airflow without the
marker would silently stop being proven on the older releases, and one with the marker that does
not touch Airflow costs the matrix time for nothing. The rule is in tests/release_marker.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import release_marker

pytestmark = pytest.mark.airflow_release

UNIT = Path(__file__).parent
MODULES = sorted(UNIT.glob("test_*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_a_module_carries_the_release_marker_exactly_when_it_touches_airflow(path: Path) -> None:
    uses = release_marker.airflow_uses(path)
    if uses:
        assert release_marker.carries_marker(path), (
            f"{path.name} uses {sorted(uses)}: add `pytestmark = pytest.mark.airflow_release` "
            "so the version matrix runs it"
        )
    elif not release_marker.reaches_airflow(path):
        assert not release_marker.carries_marker(path), (
            f"{path.name} does not touch Airflow: drop its airflow_release marker"
        )


def test_the_rule_sees_airflow_in_every_form(tmp_path: Path) -> None:
    written = {
        "from airflow.sdk import DAG": {"airflow.sdk"},
        "import airflow.models": {"airflow.models"},
        "def test_x(airflow_db): pass": {"the airflow_db fixture"},
        "from tests.airflow_compat import dag_bag": {"tests.airflow_compat"},
        "from tests.airflow_compat import newest_release_only": set(),
        "from airflow_provider_wolkvox._compat import BaseHook": {"airflow_provider_wolkvox._compat"},
        "from airflow_provider_wolkvox import _compat": {"airflow_provider_wolkvox._compat"},
        "from tests import airflow_compat": {"tests.airflow_compat"},
        "from airflow_provider_wolkvox.reports import REPORTS": set(),
        "import airflowish": set(),
        # Through the provider's modules only: the marker is the module's choice (reaches_airflow).
        "from airflow_provider_wolkvox.hooks.wolkvox import H": set(),
        'SCRIPT = """\nfrom airflow_provider_wolkvox.hooks.wolkvox import H\n"""': {
            "airflow_provider_wolkvox.hooks.wolkvox"
        },
        'SCRIPT = """\nfrom airflow.sdk import timezone\n"""': {"airflow.sdk"},
    }
    for source, uses in written.items():
        module = tmp_path / "test_m.py"
        module.write_text(source + "\n")
        assert release_marker.airflow_uses(module) == uses, source
    module.write_text("from airflow_provider_wolkvox.hooks.wolkvox import H\n")
    assert release_marker.reaches_airflow(module) == {"airflow_provider_wolkvox.hooks.wolkvox"}
    module.write_text("from airflow_provider_wolkvox.reports import REPORTS\n")
    assert release_marker.reaches_airflow(module) == set()


def test_a_test_with_the_metadata_db_is_never_left_out_of_the_matrix() -> None:
    # A fixture of another module can pull in airflow_db where the module never names it: the
    # collected closure is checked too (tests/conftest.py then marks the test itself).
    unmarked = release_marker.unmarked_metadata_db_user("tests/unit/test_x.py::test_y", ["airflow_db"], [])
    assert unmarked is not None
    assert "test_x.py::test_y" in unmarked
    assert release_marker.unmarked_metadata_db_user("t.py::a", ["airflow_db"], ["airflow_release"]) is None
    assert release_marker.unmarked_metadata_db_user("t.py::b", ["emulator"], []) is None


def test_the_matrix_selection_holds_every_metadata_db_test(request: pytest.FixtureRequest) -> None:
    # This run's own items: whatever uses the metadata DB carries the marker after collection.
    for item in request.session.items:
        if "airflow_db" in getattr(item, "fixturenames", []):
            assert item.get_closest_marker(release_marker.MARKER), item.nodeid
