"""The Wolkvox view's mount: a FastAPI app in Airflow's API server, built on its first request.

Imported by :mod:`airflow_provider_wolkvox.plugin` in every Airflow component, so it imports
nothing heavy: the app (FastAPI routes, Airflow's auth, the metadata DB) is built on its
first request, in the API server.
"""

from __future__ import annotations

from typing import Any

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
