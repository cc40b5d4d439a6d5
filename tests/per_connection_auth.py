"""An auth manager with per-connection rules, for the Wolkvox view's access tests.

Airflow's SimpleAuthManager grants connections by role only (op and admin: all; viewer and
user: none), so it cannot tell whether the view asks about the right connection. This one
is SimpleAuthManager plus one rule, the kind FAB or Keycloak permissions express: a user
named ``reader_<conn_id>`` may read the connection ``<conn_id>`` and no other one. Set
``[core] auth_manager = tests.per_connection_auth.PerConnectionAuthManager`` (the repository's
root on ``PYTHONPATH`` for a separate API server).
"""

from __future__ import annotations

from typing import Any

from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import SimpleAuthManager

READER_PREFIX = "reader_"


class PerConnectionAuthManager(SimpleAuthManager):  # type: ignore[misc]
    """SimpleAuthManager; ``reader_<conn_id>`` users may read only ``<conn_id>`` among connections."""

    def is_authorized_connection(self, *, method: Any, user: Any, details: Any = None) -> bool:
        if user.get_name().startswith(READER_PREFIX):
            allowed = user.get_name()[len(READER_PREFIX) :]
            return bool(method == "GET" and details is not None and details.conn_id == allowed)
        return bool(super().is_authorized_connection(method=method, user=user, details=details))
