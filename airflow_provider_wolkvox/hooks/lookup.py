"""Find a connection wherever Airflow keeps it, for the CLI and the Wolkvox view.

A task reads its connection through the Task SDK, which asks the worker's supervisor. A
command line or the API server has no supervisor, and outside the API server the Task SDK
skips the metadata database (Airflow 3.1 on), so a hook built there could not see the
connections stored in it. This module asks Airflow's own search path instead, as
``airflow connections get`` does: the configured secrets backend, ``AIRFLOW_CONN_*``
variables, then the metadata database; and it says where it looked when nothing is there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from airflow_provider_wolkvox.exceptions import WolkvoxConfigError
from airflow_provider_wolkvox.hooks.wolkvox import WolkvoxHook

CONN_TYPE = "wolkvox"
METADATA_DB = "the metadata DB"


@dataclass(frozen=True)
class Lookup:
    """Where Airflow looked for a connection id, and what it found (nothing of it is printed but ids,
    types and the names of the places)."""

    conn_id: str
    connection: Any | None
    """Airflow's ``Connection``; None when no place defines it."""
    source: str | None
    """Where it was found: ``AIRFLOW_CONN_<ID>``, :data:`METADATA_DB` or the secrets backend's class."""
    searched: tuple[str, ...]
    failed: tuple[str, ...]
    """Places that could not be read, each with the type of its error (never the error's text,
    which can hold a password)."""

    @property
    def conn_type(self) -> str | None:
        return None if self.connection is None else str(self.connection.conn_type or "")

    def problem(self) -> str | None:
        """Why this is not a usable Wolkvox connection, with the fix; None when it is one."""
        if self.connection is None:
            places = _and(self.searched) or "no secrets backend"
            failed = f" ({'; '.join(self.failed)})" if self.failed else ""
            return (
                f"connection {self.conn_id!r} is not defined: Airflow looked in {places}{failed}. Add it, "
                f"e.g. `airflow connections add {self.conn_id} --conn-type wolkvox --conn-host 0032 "
                "--conn-password <token>`, or use the id of an existing Wolkvox connection"
            )
        if self.conn_type != CONN_TYPE:
            return (
                f"connection {self.conn_id!r} is of type {self.conn_type!r}, not {CONN_TYPE!r}: "
                "use the id of a Wolkvox connection"
            )
        return None


def look_up(conn_id: str, *, metadata_db: bool = True) -> Lookup:
    """Ask each of Airflow's secrets backends in turn, as Airflow does; ``metadata_db=False`` skips
    the metadata database (for commands that must not open it)."""
    from airflow.configuration import ensure_secrets_loaded

    searched: list[str] = []
    failed: list[str] = []
    for backend in ensure_secrets_loaded():
        place = _place(backend, conn_id)
        if place == METADATA_DB and not metadata_db:
            continue
        searched.append(place)
        try:
            found = backend.get_connection(conn_id=conn_id)
        except Exception as err:
            failed.append(f"{place} could not be read: {type(err).__name__}")
            continue
        if found is not None:
            return Lookup(conn_id, found, place, tuple(searched), tuple(failed))
    return Lookup(conn_id, None, None, tuple(searched), tuple(failed))


def wolkvox_connection(conn_id: str, *, metadata_db: bool = True) -> Lookup:
    """The Wolkvox connection ``conn_id``; a :class:`WolkvoxConfigError` with the fix when there is none."""
    lookup = look_up(conn_id, metadata_db=metadata_db)
    problem = lookup.problem()
    if problem:
        raise WolkvoxConfigError(problem)
    return lookup


class FoundConnectionHook(WolkvoxHook):
    """A :class:`WolkvoxHook` that reads its connection through :func:`wolkvox_connection`:
    for code that runs outside a task (the CLI, the API server)."""

    @classmethod
    def get_connection(cls, conn_id: str) -> Any:
        return wolkvox_connection(conn_id).connection


def _place(backend: Any, conn_id: str) -> str:
    name = type(backend).__name__
    if name == "EnvironmentVariablesBackend":
        return f"AIRFLOW_CONN_{conn_id.upper()}"
    if name == "MetastoreBackend":
        return METADATA_DB
    return name


def _and(places: tuple[str, ...]) -> str:
    if len(places) <= 1:
        return "".join(places)
    return f"{', '.join(places[:-1])} and {places[-1]}"
