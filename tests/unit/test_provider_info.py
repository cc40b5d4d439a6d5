"""get_provider_info(): valid for the installed Airflow, and seen by its ProvidersManager."""

from __future__ import annotations

import importlib
import json
from importlib.metadata import entry_points
from importlib.resources import files
from typing import Any

import pytest

from airflow_provider_wolkvox import __version__
from airflow_provider_wolkvox.get_provider_info import get_provider_info

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
    [meta] = [
        m for m in providers_manager.iter_connection_type_hook_ui_metadata() if m.connection_type == "wolkvox"
    ]
    assert meta.hook_class_name == HOOK_CLASS
    assert meta.hook_name == "Wolkvox"
    assert meta.field_behaviour["hidden_fields"] == ["schema", "port", "login"]
    assert meta.field_behaviour["relabeling"] == {"host": "Server number", "password": "API token"}


def test_connection_form_metadata_as_the_ui_gets_it() -> None:
    """What ``GET /ui/connections/hook_meta`` serves the connection form, built in-process."""
    from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService

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
