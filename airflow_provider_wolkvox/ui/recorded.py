"""The loads Airflow recorded, read back for the Wolkvox view: calls today and a month's windows.

Every SQL load's asset event through its ``wolkvox:<sql_conn_id>/<table>`` alias
carries the load's figures (:meth:`~airflow_provider_wolkvox.observability.figures.TaskFigures.asset_extra`);
this module reads them from Airflow's metadata database and turns them into what
the view shows. The arithmetic is pure; only :func:`recorded_loads` touches the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

ALIAS_PREFIX = "wolkvox:"
"""Names of the aliases the SQL operators' events go through (``report_alias``)."""

HOUR = timedelta(hours=1)
HourState = Literal["loaded", "empty", "missing"]


@dataclass(frozen=True)
class RecordedLoad:
    """One successful SQL load, as its asset event recorded it."""

    recorded_at: datetime
    wolkvox_conn_id: str
    report: str
    params: str
    """The parameters asked for, as the ledger writes them: a campaign report's campaign id
    (``1``, ``all``), else ``name=value`` pairs joined by ``&`` (``skill_id=all``), ``-`` for none."""
    start: datetime
    end: datetime
    rows_loaded: int
    api_calls: int

    @classmethod
    def from_event(cls, timestamp: datetime, extra: dict[str, Any]) -> RecordedLoad | None:
        """The load an event's ``extra`` describes; None for an event of something else."""
        try:
            return cls(
                recorded_at=timestamp if timestamp.tzinfo else timestamp.replace(tzinfo=timezone.utc),
                wolkvox_conn_id=str(extra["wolkvox_conn_id"]),
                report=str(extra["report"]),
                params=params_of(extra),
                start=datetime.fromisoformat(str(extra["window_start"])),
                end=datetime.fromisoformat(str(extra["window_end"])),
                rows_loaded=int(extra["rows_loaded"]),
                api_calls=int(extra["api_calls"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


def params_of(extra: dict[str, Any]) -> str:
    """The parameters an event's ``extra`` names: ``campaign_id`` (campaign reports), else
    ``report_params`` (any other report; events of every report carry one or the other)."""
    if "campaign_id" in extra:
        return str(extra["campaign_id"])
    given = extra["report_params"]
    if not isinstance(given, dict):
        raise TypeError(f"report_params is {type(given).__name__}, not a mapping")
    return "&".join(f"{name}={value}" for name, value in given.items() if value != "") or "-"


def recorded_loads(session: Any) -> list[RecordedLoad]:
    """Every load recorded through a Wolkvox alias, oldest first (one event per load)."""
    from airflow.models.asset import AssetAliasModel, AssetEvent, asset_alias_asset_event_association_table
    from sqlalchemy import select

    link = asset_alias_asset_event_association_table
    rows = session.execute(
        select(AssetEvent.timestamp, AssetEvent.extra)
        .join(link, link.c.event_id == AssetEvent.id)
        .join(AssetAliasModel, AssetAliasModel.id == link.c.alias_id)
        .where(AssetAliasModel.name.startswith(ALIAS_PREFIX))
        .order_by(AssetEvent.timestamp, AssetEvent.id)
    ).all()
    loads = (RecordedLoad.from_event(timestamp, extra or {}) for timestamp, extra in rows)
    return [load for load in loads if load is not None]


def calls_since(loads: Iterable[RecordedLoad], conn_id: str, since: datetime) -> int:
    """API calls the recorded loads of ``conn_id`` made from ``since`` on (the quota's local midnight)."""
    return sum(
        load.api_calls for load in loads if load.wolkvox_conn_id == conn_id and load.recorded_at >= since
    )


@dataclass(frozen=True)
class MonthCalendar:
    """Each UTC hour of one month for one connection, report and parameters: loaded, empty or missing."""

    wolkvox_conn_id: str
    report: str
    params: str
    """As :attr:`RecordedLoad.params` says them (a campaign report's campaign id)."""
    first_day: datetime
    hours: tuple[tuple[HourState, ...], ...]
    """One tuple of 24 states per day of the month."""

    def count(self, state: HourState) -> int:
        return sum(day.count(state) for day in self.hours)


FIRST_MONTH = (1970, 1)
LAST_MONTH = (2999, 12)
"""The months the view shows: any a load can have been recorded in, with room to spare."""


def parse_month(text: str) -> tuple[int, int]:
    """``"2026-11"`` -> ``(2026, 11)``; a :class:`ValueError` saying what is accepted otherwise."""
    accepted = (
        f"month must be YYYY-MM, from {FIRST_MONTH[0]:04d}-{FIRST_MONTH[1]:02d} "
        f"to {LAST_MONTH[0]:04d}-{LAST_MONTH[1]:02d}"
    )
    parts = text.split("-") if len(text) == 7 else []
    if len(parts) != 2 or not all(part.isascii() and part.isdigit() for part in parts):
        raise ValueError(f"{accepted}; got {text[:20]!r}")
    year, month = int(parts[0]), int(parts[1])
    if not 1 <= month <= 12 or not FIRST_MONTH <= (year, month) <= LAST_MONTH:
        raise ValueError(f"{accepted}; got {text!r}")
    return year, month


def month_calendars(loads: Iterable[RecordedLoad], year: int, month: int) -> list[MonthCalendar]:
    """A calendar per (connection, report, parameters) with a load in the month; the latest load of an
    hour decides its state (a re-run replaces the window's rows)."""
    first = datetime(year, month, 1, tzinfo=timezone.utc)
    after = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=timezone.utc)
    days = (after - first).days
    states: dict[tuple[str, str, str], dict[datetime, HourState]] = defaultdict(dict)
    for load in sorted(loads, key=lambda item: item.recorded_at):
        if load.end <= first or load.start >= after:
            continue
        hour = max(_floor_hour(load.start), first)
        while hour < min(load.end, after):
            states[load.wolkvox_conn_id, load.report, load.params][hour] = (
                "loaded" if load.rows_loaded else "empty"
            )
            hour += HOUR
    calendars = []
    for (conn_id, report, params), by_hour in sorted(states.items()):
        grid = tuple(
            tuple(by_hour.get(first + timedelta(days=day, hours=h), "missing") for h in range(24))
            for day in range(days)
        )
        calendars.append(MonthCalendar(conn_id, report, params, first, grid))
    return calendars


def _floor_hour(moment: datetime) -> datetime:
    moment = moment.astimezone(timezone.utc)
    return moment.replace(minute=0, second=0, microsecond=0)
