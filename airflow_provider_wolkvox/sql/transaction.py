"""One DB-API transaction on one connection: autocommit off, commit or roll back, restore."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow.providers.common.sql.hooks.sql import DbApiHook

log = logging.getLogger(__name__)


def _autocommit(db_hook: DbApiHook, conn: Any) -> bool:
    if db_hook.supports_autocommit:
        return bool(db_hook.get_autocommit(conn))
    # Hooks that do not declare autocommit support may still hand out such a connection.
    return getattr(conn, "autocommit", None) is True


def _set_autocommit(db_hook: DbApiHook, conn: Any, value: bool) -> None:
    if db_hook.supports_autocommit:
        db_hook.set_autocommit(conn, value)
    else:
        conn.autocommit = value


@contextmanager
def transaction(db_hook: DbApiHook, conn: Any) -> Iterator[None]:
    """Run the block in one transaction on ``conn``; commit at the end, roll back on any error.

    Autocommit is switched off for the block and switched back on afterwards if it was on.
    """
    was_autocommit = _autocommit(db_hook, conn)
    if was_autocommit:
        _set_autocommit(db_hook, conn, False)
    try:
        try:
            yield
        except BaseException:
            rollback(conn)
            raise
        conn.commit()
    finally:
        if was_autocommit:
            _restore_autocommit(db_hook, conn)


def _restore_autocommit(db_hook: DbApiHook, conn: Any) -> None:
    try:
        _set_autocommit(db_hook, conn, True)
    except Exception:
        log.warning("Could not switch autocommit back on; the connection is closed next", exc_info=True)


def rollback(conn: Any) -> None:
    """Roll back without hiding the error that made us do it (a broken connection rolls back anyway)."""
    try:
        conn.rollback()
    except Exception:
        log.warning(
            "Rollback failed; the database discards the open transaction when the connection closes",
            exc_info=True,
        )
