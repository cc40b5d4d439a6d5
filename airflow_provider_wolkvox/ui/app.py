"""The Wolkvox view's FastAPI app: one page, and one button that reads ``token_info`` on request.

Runs in Airflow's API server behind Airflow's own auth, and follows it: the page needs
read access to assets (its figures are asset events) and shows only the connections the
auth manager lets the user read (:mod:`~airflow_provider_wolkvox.ui.access`); reading a
token's quota names the connection in the path, so Airflow's per-connection check applies
to it. Bad input (a month that does not exist, a connection that is not a Wolkvox one) is
a 4xx page saying what is accepted, and never shows anything of another connection.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timezone
from typing import Any

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.responses import HTMLResponse

from airflow_provider_wolkvox.client.connection import DEFAULT_TIMEZONE
from airflow_provider_wolkvox.ui.page import ConnectionToday, render_error, render_page
from airflow_provider_wolkvox.ui.recorded import calls_since, month_calendars, parse_month, recorded_loads

QUOTA_ROUTE = "/connections/{connection_id}/quota"


def create_app() -> FastAPI:
    """The app :class:`~airflow_provider_wolkvox.plugin.WolkvoxPlugin` mounts at ``/wolkvox``."""
    from airflow.api_fastapi.core_api.security import (
        get_user,
        requires_access_asset,
        requires_access_connection,
    )

    app = FastAPI(title="Wolkvox", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/", response_class=HTMLResponse, dependencies=[Depends(requires_access_asset("GET"))])
    def view(
        request: Request,
        month: str | None = Query(default=None),
        user: Any = Depends(get_user),  # noqa: B008 - how FastAPI declares a dependency
    ) -> HTMLResponse:
        return _respond(request, user, month)

    @app.post(
        QUOTA_ROUTE,
        response_class=HTMLResponse,
        # requires_access_connection reads the path's connection_id: the auth manager's rule for
        # that connection decides, as for GET /api/v2/connections/{connection_id}.
        dependencies=[Depends(requires_access_asset("GET")), Depends(requires_access_connection("GET"))],
    )
    def read_quota(
        request: Request,
        connection_id: str = Path(max_length=250),
        month: str | None = Query(default=None),
        user: Any = Depends(get_user),  # noqa: B008 - how FastAPI declares a dependency
    ) -> HTMLResponse:
        return _respond(request, user, month, quota_of=connection_id)

    return app


def _respond(request: Request, user: Any, month: str | None, quota_of: str | None = None) -> HTMLResponse:
    import pendulum

    from airflow_provider_wolkvox.hooks.lookup import look_up

    now = pendulum.now("UTC")
    try:
        year, month_number = parse_month(month) if month else (now.year, now.month)
    except ValueError as err:
        return HTMLResponse(render_error(str(err)), status_code=400)
    quota_message = None
    if quota_of is not None:
        if look_up(quota_of).problem():
            # Whatever the reason (defined nowhere, another type), nothing of it is shown.
            return HTMLResponse(
                render_error(f"There is no Wolkvox connection {quota_of!r}."), status_code=404
            )
        quota_message = _read_quota(quota_of)
    return HTMLResponse(
        _page(
            base=str(request.scope.get("root_path", "")),
            readable=_readable(user),
            year=year,
            month=month_number,
            quota_message=quota_message,
            now=now,
        )
    )


def _readable(user: Any) -> Callable[[set[str]], set[str]]:
    """A filter of connection ids: those ``user`` may read."""
    from airflow.api_fastapi.app import get_auth_manager

    from airflow_provider_wolkvox.ui.access import readable_connections

    return lambda conn_ids: readable_connections(conn_ids, user, get_auth_manager())


def _page(
    *,
    base: str,
    readable: Callable[[set[str]], set[str]],
    year: int,
    month: int,
    quota_message: str | None,
    now: datetime,
) -> str:
    from airflow.utils.session import create_session

    with create_session() as session:
        loads = recorded_loads(session)
        candidates = set(_wolkvox_connections(session)) | {load.wolkvox_conn_id for load in loads}
    shown = readable(candidates)
    loads = [load for load in loads if load.wolkvox_conn_id in shown]
    today = []
    for conn_id in sorted(shown):
        tz = _timezone(conn_id)
        midnight = _local_midnight(tz)
        today.append(ConnectionToday(conn_id, tz, calls_since(loads, conn_id, midnight)))
    return render_page(
        base=base,
        today=today,
        calendars=month_calendars(loads, year, month),
        month=f"{year:04d}-{month:02d}",
        quota_message=quota_message,
        generated_at=datetime.combine(now.date(), time(now.hour, now.minute), tzinfo=timezone.utc),
    )


def _local_midnight(tz: str) -> datetime:
    import pendulum

    return pendulum.now(tz).start_of("day").in_timezone("UTC")


def _wolkvox_connections(session: Any) -> list[str]:
    from airflow.models.connection import Connection
    from sqlalchemy import select

    return list(session.scalars(select(Connection.conn_id).where(Connection.conn_type == "wolkvox")))


def _timezone(conn_id: str) -> str:
    """The Wolkvox connection's time zone (its quota resets at that local midnight); the default
    for a connection gone since its loads, or no longer of type ``wolkvox``."""
    from airflow_provider_wolkvox.hooks.lookup import look_up

    found = look_up(conn_id)
    if found.connection is None or found.problem():
        return DEFAULT_TIMEZONE
    return str(found.connection.extra_dejson.get("timezone") or DEFAULT_TIMEZONE)


def _read_quota(conn_id: str) -> str:
    """One ``token_info`` call (it spends one unit of quota); the answer as a sentence, or the error."""
    from airflow_provider_wolkvox.exceptions import WolkvoxError
    from airflow_provider_wolkvox.hooks.lookup import FoundConnectionHook

    hook = FoundConnectionHook(conn_id, max_attempts=2)
    try:
        info = hook.get_token_info()
    except WolkvoxError as err:  # typed errors only, their text scrubbed by the client
        return f"{conn_id}: {type(err).__name__}: {err}"
    finally:
        hook.close()
    return (
        f"{conn_id}: {_n(info.available_consumption_options)} calls left today "
        f"(used {_n(info.token_use_today)} of {_n(info.token_limit)}; this reading spent one)"
    )


def _n(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"
