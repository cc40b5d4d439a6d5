"""A PostgreSQL login role made for one test, and dropped after it."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit


@contextlib.contextmanager
def login_role(dsn: str, role: str) -> Iterator[str]:
    """``role`` created with a password and no grants on the server of ``dsn`` (a ``postgresql://``
    DSN of a superuser), its own DSN to the same database yielded once it has logged in over TCP
    (the test skips, or fails when CI=true, where it cannot), and dropped after with all it owns or
    was granted in that database."""
    import psycopg

    from tests.conftest import require_server

    password = uuid.uuid4().hex  # for servers that ask one (password or scram auth); trust ignores it
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    try:
        parts = urlsplit(dsn)
        netloc = f"{role}:{password}@{parts.hostname}:{parts.port or 5432}"
        role_dsn = urlunsplit(parts._replace(netloc=netloc))
        try:
            psycopg.connect(role_dsn, connect_timeout=3).close()
            cannot = None
        except psycopg.OperationalError as err:
            cannot = f"cannot log in as a new role over TCP ({err})"
        require_server("PostgreSQL logins of new roles", cannot)
        yield role_dsn
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE {role}")
