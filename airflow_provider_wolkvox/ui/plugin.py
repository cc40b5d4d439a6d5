"""WolkvoxPlugin: the Wolkvox view, a FastAPI app in Airflow's API server shown in the UI's navigation.

Airflow loads plugins in every component, so this module stays light: the app
(FastAPI routes, Airflow's auth dependencies, the metadata DB) is built on its
first request, in the API server.
"""

from __future__ import annotations

from typing import Any

from airflow.plugins_manager import AirflowPlugin

URL_PREFIX = "/wolkvox"


class LazyApp:
    """An ASGI app that builds :func:`~airflow_provider_wolkvox.ui.app.create_app` when first called."""

    def __init__(self) -> None:
        self._app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            from airflow_provider_wolkvox.ui.app import create_app

            self._app = create_app()
        await self._app(scope, receive, send)


class WolkvoxPlugin(AirflowPlugin):
    """API calls today per Wolkvox connection, and a month's loaded, empty and missing windows."""

    name = "wolkvox"
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
