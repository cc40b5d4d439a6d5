"""Whether a warehouse answers at all, checked before a load task spends any API call on rows it
could not store."""

from __future__ import annotations

from contextlib import closing
from typing import Any

from airflow_provider_wolkvox.exceptions import WolkvoxWarehouseError


def check_reachable(db_hook: Any, sql_conn_id: str) -> None:
    """Open (and close) one connection through ``db_hook``; :class:`WolkvoxWarehouseError` naming
    the connection and the driver's first line when it cannot."""
    try:
        with closing(db_hook.get_conn()):
            pass
    except Exception as err:
        first_line = (str(err).strip().splitlines() or [""])[0]
        raise WolkvoxWarehouseError(
            f"warehouse connection {sql_conn_id!r} could not be opened ({type(err).__name__}: "
            f"{first_line}); nothing was asked of the Wolkvox API. Check its host, port, database and "
            "credentials (for SQLite, that the file's folder exists), then clear the task"
        ) from None
