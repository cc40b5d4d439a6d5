"""The provider's one Airflow plugin: the missing-pool listener and the Wolkvox view.

Airflow loads plugins in every component, so this module stays light: the view's app
(FastAPI routes, Airflow's auth, the metadata DB) is built on its first request, in the
API server (:class:`~airflow_provider_wolkvox.ui.plugin.LazyApp`).
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from airflow_provider_wolkvox.pools import missing as missing_pools
from airflow_provider_wolkvox.ui.plugin import URL_PREFIX, LazyApp

__all__ = ["WolkvoxPlugin"]


class WolkvoxPlugin(AirflowPlugin):
    """Loaded by every Airflow component through the ``airflow.plugins`` entry point.

    - a scheduler listener that fails, with the fix named, a task whose Wolkvox pool is missing;
    - the Wolkvox view (Airflow 3.1+): API calls today per connection, and a month's loaded,
      empty and missing windows.
    """

    name = "wolkvox"
    listeners = [missing_pools]  # noqa: RUF012 - the attributes Airflow reads
    fastapi_apps = [{"app": LazyApp(), "url_prefix": URL_PREFIX, "name": "Wolkvox"}]  # noqa: RUF012
    external_views = [  # noqa: RUF012
        {
            "name": "Wolkvox",
            "href": f"{URL_PREFIX}/",
            "destination": "nav",
            "category": "browse",
            "url_route": "wolkvox",
        }
    ]
