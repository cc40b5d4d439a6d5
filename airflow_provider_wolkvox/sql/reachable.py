"""Whether a warehouse answers at all, checked before a load task spends any API call on rows it
could not store."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from airflow_provider_wolkvox.exceptions import WolkvoxWarehouseError


def check_reachable(db_hook: Any, sql_conn_id: str) -> None:
    """Open (and close) one connection through ``db_hook``; :class:`WolkvoxWarehouseError` naming
    the connection and the driver's first line when it cannot. A SQLite file that does not exist yet
    is not created by the check (a failed load leaves no empty warehouse behind): its folder must
    exist and be writable."""
    try:
        path = sqlite_file(db_hook)
        if path is None:
            with closing(db_hook.get_conn()):
                pass
        elif path.exists():
            with closing(sqlite3.connect(f"file:{path}?mode=rw", uri=True)):
                pass
        elif not path.parent.is_dir() or not os.access(path.parent, os.W_OK):
            raise FileNotFoundError(f"cannot create {path.name}: no writable folder {path.parent}")
    except Exception as err:
        first_line = (str(err).strip().splitlines() or [""])[0]
        raise WolkvoxWarehouseError(
            f"warehouse connection {sql_conn_id!r} could not be opened ({type(err).__name__}: "
            f"{first_line}); nothing was asked of the Wolkvox API. Check its host, port, database and "
            "credentials (for SQLite, that the file's folder exists), then clear the task"
        ) from None


def sqlite_file(db_hook: Any) -> Path | None:
    """The file of a SQLite hook's database; None for other warehouses and in-memory databases."""
    if getattr(db_hook, "conn_type", None) != "sqlite":
        return None
    path = unquote(urlsplit(db_hook.get_uri().replace("sqlite:///", "file:", 1)).path)
    return Path(path) if path and path != ":memory:" else None
