"""The Wolkvox view's FastAPI app: one page, and one button that reads ``token_info`` on request.

Runs in Airflow's API server behind Airflow's own auth: the page needs read access
to assets (its figures are asset events), reading a token's quota needs read
access to that connection.
"""

from __future__ import annotations

from datetime import datetime, time, timezone
from typing import Any

from fastapi import Depends, FastAPI, Query
from fastapi.responses import HTMLResponse

from airflow_provider_wolkvox.connection import DEFAULT_TIMEZONE
from airflow_provider_wolkvox.ui.page import ConnectionToday, render_page
from airflow_provider_wolkvox.ui.recorded import calls_since, month_calendars, recorded_loads


def create_app() -> FastAPI:
    """The app :class:`~airflow_provider_wolkvox.plugin.WolkvoxPlugin` mounts at ``/wolkvox``."""
    from airflow.api_fastapi.core_api.security import requires_access_asset, requires_access_connection

    app = FastAPI(title="Wolkvox", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/", response_class=HTMLResponse, dependencies=[Depends(requires_access_asset("GET"))])
    def view(month: str | None = Query(default=None, pattern=r"^\d{4}-\d{2}$")) -> HTMLResponse:
        return HTMLResponse(_page(month))

    @app.post(
        "/",
        response_class=HTMLResponse,
        dependencies=[Depends(requires_access_asset("GET")), Depends(requires_access_connection("GET"))],
    )
    def read_quota(
        connection_id: str = Query(max_length=250),
        month: str | None = Query(default=None, pattern=r"^\d{4}-\d{2}$"),
    ) -> HTMLResponse:
        return HTMLResponse(_page(month, quota_of=connection_id))

    return app


def _page(month: str | None, quota_of: str | None = None) -> str:
    import pendulum
    from airflow.utils.session import create_session

    now = pendulum.now("UTC")
    year, month_number = (int(part) for part in month.split("-")) if month else (now.year, now.month)
    with create_session() as session:
        loads = recorded_loads(session)
        conn_ids = sorted(set(_wolkvox_connections(session)) | {load.wolkvox_conn_id for load in loads})
    today = []
    for conn_id in conn_ids:
        tz = _timezone(conn_id)
        midnight = pendulum.now(tz).start_of("day").in_timezone("UTC")
        today.append(ConnectionToday(conn_id, tz, calls_since(loads, conn_id, midnight)))
    quota_message = _read_quota(quota_of) if quota_of else None
    return render_page(
        today=today,
        calendars=month_calendars(loads, year, month_number),
        month=f"{year:04d}-{month_number:02d}",
        quota_message=quota_message,
        generated_at=datetime.combine(now.date(), time(now.hour, now.minute), tzinfo=timezone.utc),
    )


def _wolkvox_connections(session: Any) -> list[str]:
    from airflow.models.connection import Connection
    from sqlalchemy import select

    return list(session.scalars(select(Connection.conn_id).where(Connection.conn_type == "wolkvox")))


def _timezone(conn_id: str) -> str:
    """The connection's time zone (its quota resets at that local midnight)."""
    from airflow.models.connection import Connection

    try:
        extra = Connection.get_connection_from_secrets(conn_id).extra_dejson
    except Exception:  # a connection gone since its loads: fall back to the default zone
        return DEFAULT_TIMEZONE
    return str(extra.get("timezone") or DEFAULT_TIMEZONE)


def _read_quota(conn_id: str) -> str:
    """One ``token_info`` call (it spends one unit of quota); the answer as a sentence, or the error."""
    from airflow_provider_wolkvox.exceptions import WolkvoxError
    from airflow_provider_wolkvox.hooks.wolkvox import WolkvoxHook

    hook = WolkvoxHook(conn_id, max_attempts=2)
    try:
        info = hook.get_token_info()
    except WolkvoxError as err:
        return f"{conn_id}: {type(err).__name__}: {err}"
    finally:
        hook.close()
    return (
        f"{conn_id}: {_n(info.available_consumption_options)} calls left today "
        f"(used {_n(info.token_use_today)} of {_n(info.token_limit)}; this reading spent one)"
    )


def _n(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"
