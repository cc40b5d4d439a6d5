"""Which connections a user of the Wolkvox view may read: what Airflow's auth manager says of each.

The view shows a connection (its id, time zone, calls and calendars) only to a user
the auth manager lets read that connection, as Airflow's own ``GET /api/v2/connections``
lists only those (Airflow 3.2 on; 3.1 lets a user list all or none). The question is
asked per connection id, in the connection's team when Airflow runs in multi-team mode,
through the auth manager's batch call where it has one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any


def readable_connections(conn_ids: Iterable[str], user: Any, auth_manager: Any) -> set[str]:
    """The ids of ``conn_ids`` that ``user`` may read (``GET``), by ``auth_manager``'s rules."""
    from airflow.api_fastapi.auth.managers.models.resource_details import ConnectionDetails

    by_team: dict[str | None, set[str]] = defaultdict(set)
    for conn_id in conn_ids:
        by_team[_team(conn_id)].add(conn_id)
    batch = getattr(auth_manager, "filter_authorized_connections", None)  # Airflow 3.2 on
    allowed: set[str] = set()
    for team, ids in by_team.items():
        if batch is not None:
            allowed |= set(batch(conn_ids=ids, user=user, method="GET", team_name=team))
            continue
        allowed |= {
            conn_id
            for conn_id in ids
            if auth_manager.is_authorized_connection(
                method="GET", user=user, details=ConnectionDetails(conn_id=conn_id, team_name=team)
            )
        }
    return allowed


def _team(conn_id: str) -> str | None:
    """The connection's team in multi-team mode (Airflow 3.2 on), as Airflow's own routes look it up."""
    from airflow.configuration import conf

    if not conf.getboolean("core", "multi_team", fallback=False):
        return None
    from airflow.models.connection import Connection

    team: str | None = Connection.get_team_name(conn_id)
    return team
