"""Whether the warehouse lets a load do what it will do, checked before any API call.

A warehouse that opens may still refuse the load at its end: a SQLite file opened read-only, a
PostgreSQL role without ``INSERT`` on the table or ``CREATE`` on the schema, a MySQL/MariaDB user
without grants. Each such refusal would come after the fetch had spent the token's quota, on
every try. So, on SQLite, PostgreSQL and MySQL/MariaDB, the statements the load needs are tried
first with nothing in them (``WHERE 1 = 0``), in a transaction that is rolled back:

- the data table: ``SELECT``, ``DELETE`` and ``INSERT``; the ledger: ``INSERT``; the density
  history: ``SELECT`` (each when it exists);
- a missing table with ``create_table``: ``CREATE TABLE`` of a scratch table in its schema (on
  MySQL/MariaDB, where DDL commits, one the server refuses for its duplicate column after the
  privilege check, so nothing is created); without ``create_table``, a missing table is an error.

Other warehouses get only the connection check (:mod:`~airflow_provider_wolkvox.sql.reachable`).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_wolkvox.exceptions import WolkvoxWarehousePermissionError
from airflow_provider_wolkvox.sql.flavors import MYSQL, POSTGRES, SQLITE, Flavor, hook_flavor
from airflow_provider_wolkvox.sql.reachable import sqlite_file
from airflow_provider_wolkvox.sql.schema import table_parts
from airflow_provider_wolkvox.sql.transaction import rollback

if TYPE_CHECKING:
    from airflow.providers.common.sql.hooks.sql import DbApiHook

MYSQL_DUPLICATE_COLUMN = 1060
"""ER_DUP_FIELDNAME: MySQL/MariaDB raise it for the scratch table only once CREATE is allowed."""
MYSQL_NO_DEFAULT = 1364
"""ER_NO_DEFAULT_FOR_FIELD: MySQL/MariaDB (strict mode) raise it for the INSERT probe, which
names one column, even with no rows; only once INSERT is allowed (a refusal is 1142 first)."""


DENSITY = "density history"


@dataclass(frozen=True)
class Needed:
    """One table a load uses and what it does there."""

    table: str
    """``name`` or ``schema.name``, as the load names it."""
    role: str
    """How messages name it: ``table``, ``ledger`` or ``density history``."""
    column: str
    """A column every such table has (the probes' ``INSERT`` names it)."""
    select: bool = False
    delete: bool = False
    insert: bool = False
    create: bool = False
    """Created when missing (``create_table``); else a missing table is an error."""
    optional: bool = False
    """A missing table is fine and needs nothing (the density history: its write only warns)."""


def check_writable(db_hook: DbApiHook, sql_conn_id: str, needed: list[Needed]) -> None:
    """Try each statement ``needed`` says, with no rows, and roll back; raise
    :class:`WolkvoxWarehousePermissionError` saying what to grant or fix at the first refusal.
    Nothing is checked for warehouses other than SQLite, PostgreSQL and MySQL/MariaDB."""
    flavor = hook_flavor(db_hook)
    if flavor not in (SQLITE, POSTGRES, MYSQL):
        return
    path = sqlite_file(db_hook) if flavor is SQLITE else None
    if path is not None and not path.exists():
        return  # not created by a check: its folder was found writable (check_reachable)
    with closing(db_hook.get_conn()) as conn:
        if flavor is POSTGRES:
            from airflow_provider_wolkvox.sql.postgres import is_redshift

            if is_redshift(conn):
                return
            rollback(conn)
        checked_schemas: set[str] = set()
        for need in needed:
            _check_one(conn, flavor, sql_conn_id, need, checked_schemas)


def _check_one(conn: Any, flavor: Flavor, sql_conn_id: str, need: Needed, checked_schemas: set[str]) -> None:
    parts = table_parts(need.table)
    qualified = ".".join(flavor.quote(part) for part in parts)
    column = flavor.quote(need.column)
    try:
        exists = _exists(conn, flavor, parts, qualified)
    except Exception as err:
        raise _refused(sql_conn_id, need, "look up", err, _grant(flavor, "USAGE", parts)) from None
    if not exists:
        if need.optional:
            return
        if not need.create:
            raise WolkvoxWarehousePermissionError(
                f"the {need.role} table {need.table} does not exist in warehouse connection "
                f"{sql_conn_id!r} and create_table is False; nothing was asked of the Wolkvox API. "
                "Create it first (airflow_provider_wolkvox.sql.create_table_sql / "
                "ledger.create_ledger_sql), or pass create_table=True"
            )
        schema = parts[0] if len(parts) == 2 else ""
        if schema in checked_schemas:
            return
        try:
            _try_create(conn, flavor, parts)
        except Exception as err:
            where = f"schema {schema}" if schema else "the connection's default schema or database"
            raise _refused(
                sql_conn_id,
                need,
                "create",
                err,
                f"grant CREATE on {where} to the connection's user, or create the tables first "
                "(airflow_provider_wolkvox.sql.create_table_sql, ledger.create_ledger_sql)",
            ) from None
        checked_schemas.add(schema)
        return
    probes = [
        ("SELECT", f"SELECT 1 FROM {qualified} WHERE 1 = 0", need.select),
        ("DELETE", f"DELETE FROM {qualified} WHERE 1 = 0", need.delete),
        ("INSERT", f"INSERT INTO {qualified} ({column}) SELECT NULL WHERE 1 = 0", need.insert),
    ]
    for privilege, statement, wanted in probes:
        if not wanted:
            continue
        try:
            with _rolled_back(conn, flavor) as cursor:
                cursor.execute(statement)
                if cursor.description:
                    cursor.fetchall()  # mysql-connector refuses to go on with a result unread
        except Exception as err:
            if flavor is MYSQL and privilege == "INSERT" and _error_code(err) == MYSQL_NO_DEFAULT:
                continue  # past the privilege check: the other NOT NULL columns are the probe's
            fix = _grant(flavor, privilege, parts)
            if need.role == DENSITY:
                fix += " (or pass learn_density=False to plan without the history)"
            raise _refused(sql_conn_id, need, privilege, err, fix) from None


def _exists(conn: Any, flavor: Flavor, parts: tuple[str, ...], qualified: str) -> bool:
    with _rolled_back(conn, flavor) as cursor:
        if flavor is POSTGRES:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", (qualified,))
        elif flavor is SQLITE:
            master = f"{flavor.quote(parts[0])}.sqlite_master" if len(parts) == 2 else "sqlite_master"
            cursor.execute(
                f"SELECT COUNT(*) FROM {master} WHERE type = 'table' AND name = ? COLLATE NOCASE",
                (parts[-1],),
            )
        else:
            schema = parts[0] if len(parts) == 2 else None
            cursor.execute(
                "SELECT COUNT(*) FROM information_schema.TABLES "
                "WHERE TABLE_SCHEMA = COALESCE(%s, DATABASE()) AND TABLE_NAME = %s",
                (schema, parts[-1]),
            )
        return bool(cursor.fetchone()[0])


def _try_create(conn: Any, flavor: Flavor, parts: tuple[str, ...]) -> None:
    """CREATE a scratch table beside ``parts``' table, rolled back (nothing is left)."""
    scratch = f"wolkvox_check_{uuid.uuid4().hex[:12]}"
    name = ".".join(flavor.quote(part) for part in (*parts[:-1], scratch))
    if flavor is MYSQL:
        # DDL commits there: a table the server refuses after its privilege check creates nothing.
        try:
            with _rolled_back(conn, flavor) as cursor:
                cursor.execute(f"CREATE TABLE {name} (probe INTEGER, probe INTEGER)")
        except Exception as err:
            if _error_code(err) == MYSQL_DUPLICATE_COLUMN:
                return
            raise
        raise AssertionError(f"{name}: created although its columns repeat")  # pragma: no cover
    with _rolled_back(conn, flavor) as cursor:
        cursor.execute(f"CREATE TABLE {name} (probe INTEGER)")


def _error_code(err: BaseException) -> int | None:
    code = getattr(err, "errno", None)
    if code is None and err.args and isinstance(err.args[0], int):
        code = err.args[0]  # mysqlclient
    return code if isinstance(code, int) else None


@contextmanager
def _rolled_back(conn: Any, flavor: Flavor) -> Iterator[Any]:
    """A cursor in a transaction that is always rolled back (SQLite: an explicit BEGIN, so that
    DDL is inside it too)."""
    if flavor is SQLITE and isinstance(conn, sqlite3.Connection):
        level = conn.isolation_level
        conn.isolation_level = None
        try:
            conn.execute("BEGIN")
            try:
                yield conn.cursor()
            finally:
                conn.execute("ROLLBACK")
        finally:
            conn.isolation_level = level
        return
    if getattr(conn, "autocommit", False) is True:
        conn.autocommit = False
    cursor = conn.cursor()
    try:
        yield cursor
    finally:
        cursor.close()
        rollback(conn)


def _grant(flavor: Flavor, privilege: str, parts: tuple[str, ...]) -> str:
    if flavor is SQLITE:
        return (
            "open the SQLite file read-write: the file or its folder is read-only for the worker's "
            "user, or the connection's extras ask for mode=ro"
        )
    table = ".".join(parts)
    if privilege == "USAGE":
        schema = parts[0] if len(parts) == 2 else "the table's schema"
        return f"grant USAGE on {schema} (PostgreSQL) or privileges on the table to the connection's user"
    return f"GRANT {privilege} ON {table} TO the connection's user"


def _refused(
    sql_conn_id: str, need: Needed, what: str, err: Exception, fix: str
) -> WolkvoxWarehousePermissionError:
    first_line = (str(err).strip().splitlines() or [""])[0]
    return WolkvoxWarehousePermissionError(
        f"warehouse connection {sql_conn_id!r} may not {what} the {need.role} table {need.table} "
        f"({type(err).__name__}: {first_line}); nothing was asked of the Wolkvox API. Fix: {fix}; "
        "then clear the task"
    )
