"""The token's daily quota: the ``token_info`` answer read into :class:`TokenInfo`, and its gauges.

The hook reads it (``WolkvoxHook.get_token_info``) and sends the gauges each time, through
Airflow's Stats (names in ``docs/observability.md``; a connection id is the only tag).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_provider_wolkvox._compat import stats

QUOTA_LEFT = "wolkvox.quota.left"
QUOTA_USED = "wolkvox.quota.used_today"
QUOTA_LIMIT = "wolkvox.quota.limit"


@dataclass(frozen=True)
class TokenInfo:
    """The token's daily quota figures (``information.php?api=token_info``)."""

    description: str
    token_limit: int | None
    token_use_today: int | None
    all_token_today: int | None
    available_consumption_options: int | None
    hours_to_restart_count: int | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> TokenInfo:
        """The figures of the answer's first row; one that is not a whole number is None."""
        return cls(
            description=str(row.get("description", "")),
            token_limit=_int_or_none(row.get("token_limit")),
            token_use_today=_int_or_none(row.get("token_use_today")),
            all_token_today=_int_or_none(row.get("all_token_today")),
            available_consumption_options=_int_or_none(row.get("available_consumption_options")),
            hours_to_restart_count=_int_or_none(row.get("hours_to_restart_count")),
        )


def send_gauges(conn_id: str, info: TokenInfo) -> None:
    """The token's quota as gauges, each time ``token_info`` is read."""
    s = stats()
    tags = {"conn_id": conn_id}
    for name, value in (
        (QUOTA_LEFT, info.available_consumption_options),
        (QUOTA_USED, info.token_use_today),
        (QUOTA_LIMIT, info.token_limit),
    ):
        if value is not None:
            s.gauge(name, value, tags=tags)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(str(value).replace(",", "").strip())
    except (TypeError, ValueError):
        return None
