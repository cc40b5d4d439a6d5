"""Provider metadata read by Airflow's ProvidersManager (entry point ``apache_airflow_provider``)."""

from __future__ import annotations

from typing import Any

from airflow_provider_wolkvox import __version__

INTEGRATION = "Wolkvox"


def get_provider_info() -> dict[str, Any]:
    """Describe the provider: connection type and its form, hooks, operators, CLI."""
    return {
        "package-name": "airflow-provider-wolkvox",
        "name": "Wolkvox",
        "description": "Load Wolkvox contact-center reports (Reports Manager API) into any SQL warehouse.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": INTEGRATION,
                "external-doc-url": "https://www.wolkvox.com/",
                "tags": ["service"],
            }
        ],
        "hooks": [
            {"integration-name": INTEGRATION, "python-modules": ["airflow_provider_wolkvox.hooks.wolkvox"]}
        ],
        "operators": [
            {
                "integration-name": INTEGRATION,
                "python-modules": [
                    "airflow_provider_wolkvox.operators.report",
                    "airflow_provider_wolkvox.operators.machine_codes",
                ],
            }
        ],
        "transfers": [
            {
                "source-integration-name": INTEGRATION,
                "target-integration-name": "Common SQL",
                "python-module": "airflow_provider_wolkvox.transfers.report_to_sql",
            },
            {
                "source-integration-name": INTEGRATION,
                "target-integration-name": "Common SQL",
                "python-module": "airflow_provider_wolkvox.transfers.machine_codes_to_sql",
            },
        ],
        "connection-types": [
            {
                "connection-type": "wolkvox",
                "hook-class-name": "airflow_provider_wolkvox.hooks.wolkvox.WolkvoxHook",
                "hook-name": "Wolkvox",
                "ui-field-behaviour": {
                    "hidden-fields": ["schema", "port", "login"],
                    "relabeling": {"host": "Server number", "password": "API token"},
                    "placeholders": {
                        "host": "0032 (the NNNN of wvNNNN.wolkvox.com)",
                        "password": "the operation's wolkvox-token",
                        "extra": '{"timezone": "America/Bogota"}',
                    },
                },
                "conn-fields": {
                    "timezone": {
                        "label": "Time zone",
                        "description": "IANA time zone of the operation's report dates (America/Bogota).",
                        "schema": {"type": ["string", "null"], "default": "America/Bogota"},
                    },
                    "base_url": {
                        "label": "Base URL override",
                        "description": "Optional http(s) URL used instead of https://wvNNNN.wolkvox.com "
                        "(a local emulator or a proxy).",
                        "schema": {"type": ["string", "null"]},
                    },
                    "timeout": {
                        "label": "Timeout (seconds)",
                        "description": "Seconds to wait for one answer; the API itself stops at 60 s.",
                        "schema": {"type": ["number", "null"], "default": 90},
                    },
                    "verify": {
                        "label": "Verify TLS certificates",
                        "description": "Turn off only for a proxy with a private certificate.",
                        "schema": {"type": ["boolean", "null"], "default": True},
                    },
                },
            }
        ],
        "plugins": [{"name": "wolkvox", "plugin-class": "airflow_provider_wolkvox.plugin.WolkvoxPlugin"}],
        "cli": ["airflow_provider_wolkvox.cli.get_cli_commands"],
    }
