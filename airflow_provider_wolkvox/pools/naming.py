"""Pool naming: one Airflow pool of one slot per Wolkvox connection.

The Wolkvox API refuses two requests made at the same time with one token. The
provider keeps requests apart with an Airflow pool per connection: every Wolkvox
operator defaults ``pool`` to :func:`pool_name` of its ``wolkvox_conn_id`` and
``pool_slots`` to :data:`POOL_SLOTS`, and ``airflow wolkvox pools sync`` creates
those pools with one slot.

Everything here is pure: no metadata database, no connection, no configuration.

Pool names
----------
Airflow 3.3 stores a pool name in a 256-character column and checks only that it
is not empty, but the name also travels where fewer characters are welcome: the
scheduler reports ``pool.open_slots.<name>`` and friends as metrics, whose names
allow only ASCII letters, digits, ``_``, ``.`` and ``-`` (Airflow rewrites other
characters with a warning on every scheduler loop), and the REST API addresses a
pool as ``/api/v2/pools/<name>``, where ``/`` cannot appear. A connection id, on
the other hand, may hold ``#!():/\\`` and non-ASCII letters.

So :func:`pool_name` returns ``wolkvox_<conn_id>`` when the connection id is made
of those safe characters and short enough, which covers every usual id. Otherwise
it replaces each unsafe character with ``_``, shortens the result if needed and
appends ``-`` and eight hex digits of the SHA-256 of the original id, so that
two ids which differ only in unsafe characters (``a:b`` and ``a/b``) still get
two pools. The result is deterministic across processes and Python versions.
"""

from __future__ import annotations

import hashlib
import re

__all__ = [
    "MAX_POOL_NAME_LENGTH",
    "POOL_PREFIX",
    "POOL_SLOTS",
    "is_valid_pool_name",
    "pool_description",
    "pool_name",
]

#: Every Wolkvox pool name starts with this prefix.
POOL_PREFIX = "wolkvox_"

#: Slots of a Wolkvox pool, and ``pool_slots`` of a Wolkvox task: one request per token at a time.
POOL_SLOTS = 1

#: Longest pool name :func:`pool_name` returns. Airflow's column holds 256 characters; metric names
#: (at most 250, ``airflow.pool.scheduled_slots.<name>`` among them) need room for their prefix.
MAX_POOL_NAME_LENGTH = 200

_SAFE_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_UNSAFE_CHAR = re.compile(r"[^A-Za-z0-9_.-]")
_DIGEST_CHARS = 8


def pool_name(conn_id: str) -> str:
    """Return the name of the pool that guards the token of Wolkvox connection ``conn_id``.

    ``wolkvox_<conn_id>`` for ordinary ids; ids with characters outside
    ``[A-Za-z0-9_.-]``, or too long for :data:`MAX_POOL_NAME_LENGTH`, are normalised
    and suffixed with a short hash of the original id (see the module docstring).

    :param conn_id: the Airflow connection id of a Wolkvox connection.
    :raises TypeError: ``conn_id`` is not a string.
    :raises ValueError: ``conn_id`` is empty or only whitespace.
    """
    if not isinstance(conn_id, str):
        raise TypeError(f"a Wolkvox connection id must be a string, not {type(conn_id).__name__}")
    if not conn_id.strip():
        raise ValueError("a Wolkvox connection id must not be empty")
    name = POOL_PREFIX + conn_id
    if _SAFE_NAME.fullmatch(conn_id) and len(name) <= MAX_POOL_NAME_LENGTH:
        return name
    digest = hashlib.sha256(conn_id.encode("utf-8")).hexdigest()[:_DIGEST_CHARS]
    room = MAX_POOL_NAME_LENGTH - len(POOL_PREFIX) - 1 - _DIGEST_CHARS
    return f"{POOL_PREFIX}{_UNSAFE_CHAR.sub('_', conn_id)[:room]}-{digest}"


def is_valid_pool_name(name: str) -> bool:
    """Whether ``name`` is a pool name Airflow stores, reports in metrics and serves over REST unchanged."""
    return bool(_SAFE_NAME.fullmatch(name)) and len(name) <= MAX_POOL_NAME_LENGTH


def pool_description(conn_id: str) -> str:
    """Description written on the pool of ``conn_id`` by ``airflow wolkvox pools sync``."""
    return (
        f"Wolkvox API token of connection '{conn_id}': one request at a time "
        f"({POOL_SLOTS} slot). Managed by `airflow wolkvox pools sync`."
    )
