"""get_provider_info(): valid for the installed Airflow, and seen by its ProvidersManager."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from importlib.metadata import entry_points
from importlib.resources import files
from typing import Any

import pytest

from airflow_provider_wolkvox import __version__
from airflow_provider_wolkvox.get_provider_info import get_provider_info
from tests.airflow_compat import airflow_version

pytestmark = pytest.mark.airflow_release

PACKAGE = "airflow-provider-wolkvox"
HOOK_CLASS = "airflow_provider_wolkvox.hooks.wolkvox.WolkvoxHook"
EXTRA_FIELDS = {
    "timezone": ("Time zone", "America/Bogota"),
    "base_url": ("Base URL override", None),
    "timeout": ("Timeout (seconds)", 90),
    "verify": ("Verify TLS certificates", True),
}


def _wolkvox_type(info: dict[str, Any]) -> dict[str, Any]:
    [conn_type] = [t for t in info["connection-types"] if t["connection-type"] == "wolkvox"]
    return conn_type


def test_validates_against_the_schema_shipped_in_airflow() -> None:
    import jsonschema

    schema = json.loads(files("airflow").joinpath("provider_info.schema.json").read_text())
    jsonschema.validate(get_provider_info(), schema)


def test_is_json_serialisable_and_names_this_version() -> None:
    info = get_provider_info()
    assert json.loads(json.dumps(info)) == info
    assert info["package-name"] == PACKAGE
    assert info["versions"] == [__version__]


def test_entry_point_points_at_get_provider_info() -> None:
    [ep] = [ep for ep in entry_points(group="apache_airflow_provider") if ep.dist and ep.dist.name == PACKAGE]
    assert ep.load() is get_provider_info


def test_every_module_and_class_named_imports() -> None:
    info = get_provider_info()
    modules = [
        m for section in ("hooks", "operators") for entry in info[section] for m in entry["python-modules"]
    ]
    modules += [t["python-module"] for t in info["transfers"]]
    for name in modules:
        importlib.import_module(name)
    for dotted in [_wolkvox_type(info)["hook-class-name"], *info["cli"]]:
        module, _, attr = dotted.rpartition(".")
        assert callable(getattr(importlib.import_module(module), attr)), dotted


def test_hook_class_agrees_with_the_metadata() -> None:
    from airflow_provider_wolkvox.hooks.wolkvox import WolkvoxHook

    conn_type = _wolkvox_type(get_provider_info())
    assert conn_type["hook-class-name"] == HOOK_CLASS
    assert WolkvoxHook.conn_type == conn_type["connection-type"]
    assert WolkvoxHook.hook_name == conn_type["hook-name"]


@pytest.fixture(scope="module")
def providers_manager() -> Any:
    from airflow.providers_manager import ProvidersManager

    return ProvidersManager()


def test_providers_manager_knows_the_provider(providers_manager: Any) -> None:
    assert providers_manager.providers[PACKAGE].version == __version__


def test_providers_manager_registers_the_connection_type(providers_manager: Any) -> None:
    """From provider info on Airflow 3.2+, from the hook's classmethods on 3.0/3.1: the same result."""
    hook_info = providers_manager.hooks["wolkvox"]
    assert hook_info.hook_class_name == HOOK_CLASS
    assert hook_info.hook_name == "Wolkvox"
    behaviour = providers_manager.field_behaviours["wolkvox"]
    assert behaviour["hidden_fields"] == ["schema", "port", "login"]
    assert behaviour["relabeling"] == {"host": "Server number", "password": "API token"}
    assert set(behaviour["placeholders"]) == {"host", "password", "extra"}
    widgets = {key for key in providers_manager.connection_form_widgets if key.startswith("extra__wolkvox__")}
    assert widgets == {f"extra__wolkvox__{name}" for name in EXTRA_FIELDS}


def test_the_hook_form_classmethods_are_not_used_from_airflow_3_2_on() -> None:
    """3.2+ read the form from provider info; the hook's classmethods would raise a deprecation warning."""
    import warnings

    from airflow.providers_manager import ProvidersManager

    if airflow_version() < (3, 2):
        pytest.skip("Airflow 3.0/3.1 read the connection form only from the hook classmethods")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        manager = ProvidersManager()
        manager._cleanup()
        assert manager.field_behaviours["wolkvox"]["relabeling"]["password"] == "API token"
    assert not [w for w in caught if "WolkvoxHook" in str(w.message) or "wolkvox" in str(w.message).lower()]


# One fresh interpreter (this process imported WTForms long ago) checks both things a fresh one proves:
# importing and using the hook does not import WTForms, and then, with WTForms made unimportable (it
# comes with the FAB provider), the connection form as the UI gets it. Nothing imported WTForms
# before the finder hides it (the first result says so), so the second part sees what a process
# without WTForms sees.
FRESH_PROCESS = """
import importlib.abc, json, sys
import airflow_provider_wolkvox.hooks.wolkvox as h

hidden = h.WolkvoxHook.get_ui_field_behaviour()['hidden_fields']
print("RESULT", json.dumps([hidden, 'wtforms' in sys.modules]))

class HideWtforms(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "wtforms" or name.startswith("wtforms."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, HideWtforms())
from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService

[meta] = [m for m in HookMetaService.hook_meta_data() if m.connection_type == "wolkvox"]
print("RESULT", json.dumps(meta.model_dump(mode="json")))
"""


@pytest.fixture(scope="module")
def fresh_process() -> list[Any]:
    """What :data:`FRESH_PROCESS` printed after each ``RESULT``."""
    run = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS], capture_output=True, text=True, check=False, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return [
        json.loads(line[len("RESULT ") :]) for line in run.stdout.splitlines() if line.startswith("RESULT ")
    ]


def test_the_form_classmethods_import_wtforms_only_when_called(fresh_process: list[Any]) -> None:
    """WTForms is not installed with Airflow 3; importing and using the hook must not need it."""
    assert fresh_process[0] == [["schema", "port", "login"], False]


def test_connection_form_metadata_as_the_ui_gets_it() -> None:
    """What ``GET /ui/connections/hook_meta`` serves the connection form, built in-process."""
    from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService
    from airflow.providers_manager import ProvidersManager

    # As in a fresh API server: the fixture above loaded the hooks with real WTForms fields, which
    # 3.1's HookMetaService (unlike 3.0's, which resets it) would find cached and drop.
    ProvidersManager()._cleanup()
    [meta] = [m for m in HookMetaService.hook_meta_data() if m.connection_type == "wolkvox"]
    standard = meta.standard_fields
    assert standard is not None
    for hidden in (standard.url_schema, standard.port, standard.login):
        assert hidden is not None
        assert hidden.hidden
    assert standard.host is not None
    assert standard.password is not None
    assert (standard.host.hidden, standard.host.title) == (False, "Server number")
    assert standard.host.placeholder == "0032 (the NNNN of wvNNNN.wolkvox.com)"
    assert (standard.password.hidden, standard.password.title) == (False, "API token")
    assert standard.password.placeholder
    extra = meta.extra_fields or {}
    assert set(extra) == set(EXTRA_FIELDS)  # saved in `extra` under these plain names
    for name, (label, default) in EXTRA_FIELDS.items():
        assert extra[name]["schema"]["title"] == label
        assert extra[name]["value"] == default
        assert extra[name]["description"]
    # 3.0/3.1 build fields from WTForms classes, which have no decimal field (docs/compatibility.md).
    timeout_type = "integer" if airflow_version() < (3, 2) else "number"
    assert extra["timeout"]["schema"]["type"] == [timeout_type, "null"]


def test_connection_form_metadata_without_wtforms(fresh_process: list[Any]) -> None:
    """The form as the UI gets it where WTForms is not installed (it comes with the FAB provider)."""
    meta = fresh_process[1]
    assert meta["hook_class_name"] == HOOK_CLASS
    if airflow_version() < (3, 1):
        # Airflow 3.0 reads every hook's form only through WTForms: all forms are bare without it.
        assert (meta["standard_fields"], meta["extra_fields"]) == (None, None)
        return
    assert meta["standard_fields"]["host"]["title"] == "Server number"
    assert meta["standard_fields"]["password"]["title"] == "API token"
    assert meta["standard_fields"]["login"]["hidden"] is True
    extra = meta["extra_fields"]
    assert {name: (f["schema"]["title"], f["value"]) for name, f in extra.items()} == EXTRA_FIELDS
