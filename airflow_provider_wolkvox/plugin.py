"""The provider's Airflow plugin: a listener that fails fast a task whose Wolkvox pool is missing."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from airflow_provider_wolkvox import missing_pools

__all__ = ["WolkvoxPlugin"]


class WolkvoxPlugin(AirflowPlugin):
    """Loaded by every Airflow component through the ``airflow.plugins`` entry point."""

    name = "wolkvox"
    listeners = [missing_pools]  # noqa: RUF012 - the attribute Airflow reads
