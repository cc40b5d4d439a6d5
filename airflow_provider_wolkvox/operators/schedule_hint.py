"""The fix for a run without a data interval, spelled in the DAG's own cadence and zone.

Airflow 3 gives zero-length data intervals to cron strings, presets and timedelta schedules
(``CronTriggerTimetable``, ``DeltaTriggerTimetable``). The same schedule as a data-interval
timetable gives each run the interval the operators fetch, so the advice names the DAG's own
expression and zone (or its delta): copied as is, it changes nothing but the intervals.
"""

from __future__ import annotations

from datetime import timedelta

from airflow_provider_wolkvox.client.windows import ZERO_LENGTH_HINT

_TIMEDELTA_UNITS = (("days", 86400), ("hours", 3600), ("minutes", 60), ("seconds", 1))


def zero_length_hint(timetable: object) -> str:
    """How to give runs of a DAG scheduled by ``timetable`` a data interval; the general advice
    when the timetable is not one of Airflow's trigger timetables."""
    if not type(timetable).__name__.endswith("TriggerTimetable"):
        return ZERO_LENGTH_HINT
    expression = _public_or_private(timetable, "expression")
    delta = _public_or_private(timetable, "delta")
    if isinstance(expression, str):
        zone = _zone_name(_public_or_private(timetable, "timezone"))
        suggestion = f'CronDataIntervalTimetable("{expression}", timezone="{zone}")'
    elif isinstance(delta, timedelta) and delta > timedelta(0):
        suggestion = f"DeltaDataIntervalTimetable({timedelta_code(delta)})"
    else:
        return ZERO_LENGTH_HINT
    return (
        f"This DAG's schedule ({type(timetable).__name__}) gives each run a zero-length data interval, "
        'as Airflow 3 does for plain cron strings, presets such as "@daily" and timedelta schedules. '
        f"Schedule it with {suggestion} from airflow.timetables.interval (the same cadence and zone, "
        "each run with its data interval), or pass window_start/window_end explicitly."
    )


def timedelta_code(delta: timedelta) -> str:
    """``timedelta(days=1, hours=6)``: Python that builds ``delta`` (whole seconds)."""
    left = int(delta.total_seconds())
    parts = []
    for unit, seconds in _TIMEDELTA_UNITS:
        amount, left = divmod(left, seconds)
        if amount:
            parts.append(f"{unit}={amount}")
    return f"timedelta({', '.join(parts)})"


def _public_or_private(timetable: object, name: str) -> object:
    """The Task SDK's timetables (3.2+) show ``expression``; Airflow's older ones keep ``_expression``."""
    found = getattr(timetable, name, None)
    return found if found is not None else getattr(timetable, f"_{name}", None)


def _zone_name(zone: object) -> str:
    for attribute in ("name", "key"):  # pendulum's Timezone, zoneinfo's ZoneInfo
        name = getattr(zone, attribute, None)
        if isinstance(name, str) and name:
            return name
    return "UTC" if zone is None else str(zone)
