"""``airflow wolkvox pools sync|list``: one pool of one slot per Wolkvox connection.

``sync`` creates or updates the pool :func:`~airflow_provider_wolkvox.pools.naming.pool_name`
of every connection of type ``wolkvox`` (from the metadata database, from
``AIRFLOW_CONN_*`` environment variables, and named with ``--conn-id``: read from the
secrets backend, the environment or the metadata database) with one slot,
and warns when two connections share one token. ``sync --export FILE`` writes those
pools as the JSON ``airflow pools import`` reads, without opening the metadata
database. ``list`` shows each connection, its pool and whether that pool is right.
None of them ever prints a token or any part of it. Nothing heavy is imported at module
level: the commands import what they need when they run.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import inspect
import json
import logging
import os
import sys
import warnings
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_wolkvox.pools.naming import POOL_PREFIX, POOL_SLOTS, pool_description, pool_name

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["pools_list", "pools_sync", "quiet_logs"]

CONN_TYPE = "wolkvox"
_DB_SOURCE = "metadata DB"
_NAMED_SOURCE = "--conn-id"
_REQUIRED_TABLES = ("connection", "slot_pool")


@dataclass(frozen=True)
class WolkvoxConnectionRef:
    """A Wolkvox connection as the commands see it: its id, where it lives, a digest of its token."""

    conn_id: str
    source: str
    # SHA-256 of the token, used only to compare tokens; never printed. None: no token or unreadable.
    token_digest: str | None = field(repr=False)
    problem: str | None = None

    @property
    def pool(self) -> str:
        return pool_name(self.conn_id)


@dataclass
class _Inventory:
    connections: list[WolkvoxConnectionRef]
    notes: list[str]

    def by_pool(self) -> dict[str, list[WolkvoxConnectionRef]]:
        pools: dict[str, list[WolkvoxConnectionRef]] = defaultdict(list)
        for conn in self.connections:
            pools[conn.pool].append(conn)
        return dict(sorted(pools.items()))

    def token_groups(self) -> list[list[WolkvoxConnectionRef]]:
        """Groups of two or more connections whose tokens are equal."""
        groups: dict[str, list[WolkvoxConnectionRef]] = defaultdict(list)
        for conn in self.connections:
            if conn.token_digest is not None:
                groups[conn.token_digest].append(conn)
        return sorted(
            (sorted(group, key=lambda c: c.conn_id) for group in groups.values() if len(group) > 1),
            key=lambda group: group[0].conn_id,
        )


def _digest(token: str | None) -> str | None:
    if not token:
        return None
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _require_initialised_db() -> None:
    """Exit with a clear message unless the metadata database is reachable and initialised."""
    from airflow import settings
    from airflow.configuration import conf
    from sqlalchemy import inspect

    engine = settings.engine
    if engine is None:
        raise SystemExit("error: Airflow's metadata database is not configured in this process.")
    where = engine.url.render_as_string(hide_password=True)
    schema = conf.get("database", "sql_alchemy_schema", fallback="") or None
    try:
        tables = set(inspect(engine).get_table_names(schema=schema))
    except Exception as err:
        raise SystemExit(
            f"error: cannot reach the Airflow metadata database at {where} ({type(err).__name__}). "
            "Check [database] sql_alchemy_conn."
        ) from None
    missing = [table for table in _REQUIRED_TABLES if table not in tables]
    if missing:
        raise SystemExit(
            f"error: the Airflow metadata database at {where} is not initialised "
            f"(no table {', '.join(missing)}). Run `airflow db migrate` first."
        )


def _db_connections(session: Session) -> list[WolkvoxConnectionRef]:
    from airflow.models.connection import Connection
    from sqlalchemy import select

    found = []
    query = select(Connection).where(Connection.conn_type == CONN_TYPE).order_by(Connection.conn_id)
    for conn in session.scalars(query):
        conn_id = str(conn.conn_id)
        try:
            token = conn.password
        except Exception as err:  # undecryptable: wrong or rotated fernet key
            found.append(
                WolkvoxConnectionRef(
                    conn_id,
                    _DB_SOURCE,
                    None,
                    f"token cannot be decrypted ({type(err).__name__}); check [core] fernet_key",
                )
            )
            continue
        found.append(
            WolkvoxConnectionRef(
                conn_id, _DB_SOURCE, _digest(token), None if token else "no token (connection password)"
            )
        )
    return found


def _env_connections(notes: list[str]) -> list[WolkvoxConnectionRef]:
    """Wolkvox connections defined as ``AIRFLOW_CONN_<ID>`` (JSON or URI), parsed by Airflow itself."""
    from airflow.secrets.environment_variables import CONN_ENV_PREFIX, EnvironmentVariablesBackend

    backend = EnvironmentVariablesBackend()
    found = []
    for key in sorted(os.environ):
        if not key.startswith(CONN_ENV_PREFIX):
            continue
        suffix = key[len(CONN_ENV_PREFIX) :]
        if not suffix or suffix.startswith("_"):
            continue  # AIRFLOW_CONN__<TEAM>___<ID>: team-scoped (multi-team mode), not a plain connection
        if suffix != suffix.upper():
            # Airflow looks up AIRFLOW_CONN_ + conn_id.upper(): a lower-case name is never read.
            continue
        conn_id = suffix.lower()
        try:
            conn: Any = backend.deserialize_connection(conn_id=conn_id, value=os.environ[key])
        except Exception as err:
            # Never show the value or the error text: both can hold a password.
            notes.append(f"note: {key} is not a valid connection ({type(err).__name__}); skipped")
            continue
        if conn.conn_type != CONN_TYPE:
            continue
        token = conn.password
        found.append(
            WolkvoxConnectionRef(
                conn_id, key, _digest(token), None if token else "no token (connection password)"
            )
        )
    return found


def _inventory(session: Session | None, named: Sequence[str] | None) -> _Inventory:
    """Every Wolkvox connection Airflow can list, and those ``named``; None: leave the metadata DB alone.

    Environment variables shadow the metadata DB; a named connection is read through Airflow's
    secrets backends (:func:`_named_connection`), and one that is not there, or not of type
    ``wolkvox``, ends the command with one ``error:`` line.
    """
    from airflow.configuration import conf

    notes: list[str] = []
    merged = {conn.conn_id: conn for conn in _db_connections(session)} if session is not None else {}
    for conn in _env_connections(notes):
        shadowed = conn.conn_id in merged
        merged[conn.conn_id] = conn
        if shadowed:
            notes.append(f"note: {conn.source} shadows connection {conn.conn_id} of the metadata DB")
    for conn_id in named or ():
        if not conn_id.strip():
            raise SystemExit("error: --conn-id needs a connection id")
        if conn_id not in merged:
            merged[conn_id] = _named_connection(conn_id, notes, metadata_db=session is not None)
    backend = conf.get("secrets", "backend", fallback="")
    if backend:
        notes.append(
            f"note: connections kept only in the secrets backend {backend} cannot be listed; name "
            "them with --conn-id"
        )
    return _Inventory(sorted(merged.values(), key=lambda c: c.conn_id), notes)


def _named_connection(conn_id: str, notes: list[str], *, metadata_db: bool) -> WolkvoxConnectionRef:
    """A connection named with ``--conn-id``, read where Airflow keeps it (its secrets backend too).

    Without the metadata DB (``--export``) a name found nowhere else is taken on the user's word:
    the connection may live in that database.
    """
    from airflow_provider_wolkvox.hooks.lookup import look_up

    found = look_up(conn_id, metadata_db=metadata_db)
    problem = found.problem()
    if found.connection is None and not metadata_db:
        notes.append(
            f"note: connection {conn_id} is not in {' or '.join(found.searched) or 'any secrets backend'}; "
            "taken as named (the metadata database is not read with --export)"
        )
        return WolkvoxConnectionRef(conn_id, _NAMED_SOURCE, None)
    if problem or found.connection is None:
        raise SystemExit(f"error: {problem}")
    try:
        token = found.connection.password
    except Exception as err:  # undecryptable: wrong or rotated fernet key
        return WolkvoxConnectionRef(
            conn_id, str(found.source), None, f"token cannot be decrypted ({type(err).__name__})"
        )
    return WolkvoxConnectionRef(
        conn_id, str(found.source), _digest(token), None if token else "no token (connection password)"
    )


def _sharing_warnings(inventory: _Inventory) -> Iterator[str]:
    for group in inventory.token_groups():
        ids = [conn.conn_id for conn in group]
        pools = sorted({conn.pool for conn in group})
        if len(pools) == 1:
            continue  # already one pool: requests cannot overlap
        keep = ids[0]
        others = ", ".join(ids[1:])
        yield (
            f"WARNING: connections {', '.join(ids)} use the same Wolkvox API token but have "
            f"{len(pools)} pools ({', '.join(pools)}), so their requests can overlap and Wolkvox "
            f"refuses them. Point their tasks at one connection ({keep}) and delete {others}, or pass "
            f'pool="{pool_name(keep)}" to every task that uses {others}.'
        )


def _print_notes(inventory: _Inventory, *, to_stderr: bool = False) -> None:
    for note in inventory.notes:
        print(note, file=sys.stderr if to_stderr else sys.stdout)
    for problem_conn in inventory.connections:
        if problem_conn.problem:
            print(f"WARNING: connection {problem_conn.conn_id}: {problem_conn.problem}", file=sys.stderr)
    for warning in _sharing_warnings(inventory):
        print(warning, file=sys.stderr)


def _slots(count: int) -> str:
    return f"{count} slot" if count == 1 else f"{count} slots"


def pools_sync(args: argparse.Namespace) -> None:
    """``airflow wolkvox pools sync [--dry-run] [--conn-id ID ...] [--export FILE]``."""
    from airflow.utils import cli as cli_utils
    from airflow.utils.providers_configuration_loader import providers_configuration_loaded

    with quiet_logs(args):
        if getattr(args, "export", None):
            # No audit log either: action_cli would write it to the metadata DB.
            providers_configuration_loaded(_export)(args)
            return
        # Audit-logged like `airflow pools set`; the database check is ours (_require_initialised_db), as
        # Airflow's own would offer to migrate the database from a terminal.
        action_cli: Any = cli_utils.action_cli  # untyped in Airflow
        action_cli(check_db=False)(providers_configuration_loaded(_sync))(args)


def _sync(args: argparse.Namespace) -> None:
    from airflow.models.pool import Pool
    from airflow.utils.session import create_session

    dry_run = bool(getattr(args, "dry_run", False))
    _require_initialised_db()
    counts: dict[str, int] = defaultdict(int)
    lines: list[str] = []  # printed once the transaction is committed
    # Where the log handler looks up sys.stdout when it writes (3.0, 3.1), the queries' warnings go to stderr.
    with contextlib.redirect_stdout(sys.stderr), create_session() as session:
        inventory = _inventory(session, getattr(args, "conn_ids", None))
        wanted = inventory.by_pool()
        existing = {str(p.pool): p for p in Pool.get_pools(session=session)}
        for name, conns in wanted.items():
            ids = ", ".join(f"{c.conn_id} [{c.source}]" for c in conns)
            description = pool_description(conns[0].conn_id)
            pool = existing.get(name)
            if pool is None:
                action, detail = "create", _slots(POOL_SLOTS)
            else:
                changes = []
                if pool.slots != POOL_SLOTS:
                    changes.append(f"slots {pool.slots} -> {POOL_SLOTS}")
                if pool.description != description:
                    changes.append("description")
                action = "update" if changes else "unchanged"
                detail = ", ".join(changes) if changes else _slots(POOL_SLOTS)
            counts[action] += 1
            if action != "unchanged" and not dry_run:
                Pool.create_or_update_pool(
                    name=name,
                    slots=POOL_SLOTS,
                    description=description,
                    # Kept as they are: include_deferred, and the team in multi-team mode.
                    include_deferred=bool(pool.include_deferred) if pool is not None else False,
                    **_team_kwargs(pool),
                    session=session,
                )
            verb = _VERBS[action][1 if dry_run else 0]
            lines.append(f"{verb:<12} {name} ({detail}) for connection {ids}")
        lines.extend(
            f"note: pool {name} matches no Wolkvox connection; left alone "
            f"(remove it with `airflow pools delete {name}` if no task uses it)"
            for name in sorted(existing)
            if name.startswith(POOL_PREFIX) and name not in wanted
        )
        if dry_run:
            session.rollback()
    if not inventory.connections:
        print(
            f"No Wolkvox connections found (conn_type '{CONN_TYPE}' in the metadata DB "
            "or in AIRFLOW_CONN_* environment variables): nothing to do."
        )
    for line in lines:
        print(line)
    _print_notes(inventory)
    summary = ", ".join(
        f"{counts[action]} {_VERBS[action][2 if dry_run else 0]}"
        for action in ("create", "update", "unchanged")
    )
    suffix = " (dry run: nothing was changed)" if dry_run else ""
    print(f"{len(inventory.connections)} Wolkvox connection(s): {summary}{suffix}")


@contextlib.contextmanager
def quiet_logs(args: argparse.Namespace) -> Iterator[None]:
    """Neither INFO logs nor Python warnings meanwhile, unless --verbose: stdout is for the command's output.

    Airflow's console log handler writes to stdout, and loading providers and the first ORM query log
    at INFO on 3.0 to 3.2 (hooks "not fully initialized", alembic's "setup plugin"; a SQLAlchemy
    deprecation warning routed through logging), which would corrupt ``pools list -o json``.
    """
    root = logging.getLogger()
    level = root.level
    with warnings.catch_warnings():
        if not getattr(args, "verbose", False):
            warnings.simplefilter("ignore")
            root.setLevel(max(level, logging.WARNING))
        try:
            yield
        finally:
            root.setLevel(level)


def _team_kwargs(pool: Any) -> dict[str, Any]:
    """``team_name`` for ``Pool.create_or_update_pool``, which takes it from Airflow 3.3 on only."""
    from airflow.models.pool import Pool

    if "team_name" not in inspect.signature(Pool.create_or_update_pool).parameters:
        return {}
    return {"team_name": getattr(pool, "team_name", None)}


def _export_document(inventory: _Inventory) -> dict[str, dict[str, Any]]:
    """The pools as ``airflow pools import`` reads them: ``{name: {slots, description, include_deferred}}``.

    Each entry plus ``"name"`` is also the body ``POST /api/v2/pools`` takes.
    """
    return {
        name: {
            "slots": POOL_SLOTS,
            "description": pool_description(conns[0].conn_id),
            "include_deferred": False,
        }
        for name, conns in inventory.by_pool().items()
    }


def _export(args: argparse.Namespace) -> None:
    from pathlib import Path

    inventory = _inventory(None, getattr(args, "conn_ids", None))
    if not inventory.connections:
        raise SystemExit(
            "error: no Wolkvox connection to export: name each with --conn-id "
            "(the metadata database is not read with --export)."
        )
    path = Path(args.export)
    document = _export_document(inventory)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    for name, conns in inventory.by_pool().items():
        ids = ", ".join(f"{c.conn_id} [{c.source}]" for c in conns)
        print(f"{'exported':<12} {name} ({_slots(POOL_SLOTS)}) for connection {ids}")
    _print_notes(inventory)
    print(
        f"{len(document)} pool(s) written to {path}. Create them with `airflow pools import {path}`, "
        "or POST each entry, with its name, to /api/v2/pools."
    )


# action -> (done, dry-run line, dry-run summary)
_VERBS = {
    "create": ("created", "would create", "to create"),
    "update": ("updated", "would update", "to update"),
    "unchanged": ("unchanged", "unchanged", "unchanged"),
}


def pools_list(args: argparse.Namespace) -> None:
    """``airflow wolkvox pools list [-o table|json|yaml|plain]``."""
    from airflow.utils.providers_configuration_loader import providers_configuration_loaded

    with quiet_logs(args):
        providers_configuration_loaded(_list)(args)


def _list(args: argparse.Namespace) -> None:
    from airflow.cli.simple_table import AirflowConsole
    from airflow.models.pool import Pool
    from airflow.utils.session import create_session

    _require_initialised_db()
    # Where the log handler looks up sys.stdout when it writes (3.0, 3.1), the queries' warnings go to stderr.
    with contextlib.redirect_stdout(sys.stderr), create_session() as session:
        inventory = _inventory(session, getattr(args, "conn_ids", None))
        slots = {str(p.pool): int(p.slots) for p in Pool.get_pools(session=session)}
    shared: dict[str, list[str]] = {}
    for group in inventory.token_groups():
        for conn in group:
            shared[conn.conn_id] = [other.conn_id for other in group if other is not conn]
    rows = [
        _list_row(conn, slots.get(conn.pool), shared.get(conn.conn_id, [])) for conn in inventory.connections
    ]
    output = getattr(args, "output", "table") or "table"
    if rows and output == "json":
        # Airflow's console would turn every value into a string; keep booleans and numbers for scripts.
        print(json.dumps(rows))
    elif rows:
        AirflowConsole().print_as(data=rows, output=output)
    else:
        print(f"No Wolkvox connections found (conn_type '{CONN_TYPE}').", file=sys.stderr)
    _print_notes(inventory, to_stderr=True)


def _list_row(
    conn: WolkvoxConnectionRef, slots: int | None, shares_token_with: Sequence[str]
) -> dict[str, Any]:
    problems = []
    if slots is None:
        problems.append("! pool missing: run `airflow wolkvox pools sync` (or `airflow-wolkvox pools sync`)")
    elif slots != POOL_SLOTS:
        problems.append(f"! {_slots(slots)}, must be {POOL_SLOTS}")
    if shares_token_with:
        problems.append(f"! same token as {', '.join(shares_token_with)}")
    if conn.problem:
        problems.append(f"! {conn.problem}")
    return {
        "conn_id": conn.conn_id,
        "source": conn.source,
        "pool": conn.pool,
        "pool_exists": slots is not None,
        "slots": slots,
        "shares_token_with": list(shares_token_with),
        "warning": "; ".join(problems),
    }
