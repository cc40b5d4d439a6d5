"""Time-window arithmetic: validation, time zones and API limits. No I/O.

Airflow hands out half-open UTC intervals ``[start, end)``. The API takes local
wall-clock dates with an inclusive end, to the second, and at most 31 days
between them. Everything here works on aware ``pendulum.DateTime`` values.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pendulum
from pendulum import DateTime

from airflow_provider_wolkvox.exceptions import WolkvoxConfigError, WolkvoxWindowError

API_MAX_WINDOW = timedelta(days=31)
"""Longest request window the API accepts (``date_end - date_ini`` + 1 s)."""

ROW_CAP = 60_000
"""Rows per answer at which the API silently truncates."""

ONE_SECOND = timedelta(seconds=1)
_LARGEST_UTC_OFFSET_CHANGE = timedelta(days=1)  # Samoa skipped a whole day in 2011
API_DATE_FORMAT = "%Y%m%d%H%M%S"

ZERO_LENGTH_HINT = (
    "Airflow 3 gives zero-length data intervals to plain cron strings, presets such as "
    '"@daily" and timedelta schedules (CronTriggerTimetable, DeltaTriggerTimetable). Schedule '
    'the DAG with CronDataIntervalTimetable("0 * * * *", timezone="UTC") or '
    "DeltaDataIntervalTimetable(timedelta(hours=1)) from airflow.timetables.interval, "
    "or pass window_start/window_end explicitly."
)


def parse_bound(value: object, name: str, hint: str = ZERO_LENGTH_HINT) -> DateTime:
    """Return ``value`` (an aware datetime or an ISO-8601 string) as a UTC DateTime.

    Raises :class:`WolkvoxWindowError` for a missing, ``"None"``, unparsable,
    naive or sub-second value: the API's dates have one-second resolution. ``hint`` says how to
    give the run a data interval (an operator's names its DAG's own schedule).
    """
    if isinstance(value, str):
        text = value.strip()
        if text in ("", "None", "null"):
            raise WolkvoxWindowError(f"{name} rendered as {value!r}: the run has no data interval. {hint}")
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise WolkvoxWindowError(
                f"{name}={text!r} is not an ISO-8601 date-time such as 2026-11-27T06:00:00+00:00"
            ) from None
    if value is None:
        raise WolkvoxWindowError(f"{name} is missing: the run has no data interval. {hint}")
    if not isinstance(value, datetime):
        raise WolkvoxWindowError(
            f"{name} must be a datetime or an ISO-8601 string, got {type(value).__name__}"
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise WolkvoxWindowError(
            f"{name}={value.isoformat()} is naive: give it a time zone, e.g. {value.isoformat()}+00:00"
        )
    if value.microsecond:
        raise WolkvoxWindowError(
            f"{name}={value.isoformat()} has a fraction of a second; the API's dates are whole seconds"
        )
    return pendulum.instance(value).in_timezone("UTC")


def validate_window(start: object, end: object, hint: str = ZERO_LENGTH_HINT) -> tuple[DateTime, DateTime]:
    """Parse both bounds and check ``start < end``; return them in UTC (``hint``: see :func:`parse_bound`)."""
    start_dt = parse_bound(start, "window_start", hint)
    end_dt = parse_bound(end, "window_end", hint)
    if start_dt == end_dt:
        raise WolkvoxWindowError(
            f"window_start and window_end are both {start_dt.isoformat()}: the window is empty. " + hint
        )
    if start_dt > end_dt:
        raise WolkvoxWindowError(
            f"window_start {start_dt.isoformat()} is after window_end {end_dt.isoformat()}: swap them"
        )
    return start_dt, end_dt


def check_timezone(name: str) -> str:
    """Return ``name`` if it is a known IANA time zone, else raise :class:`WolkvoxConfigError`."""
    try:
        pendulum.timezone(name)
    except Exception:
        raise WolkvoxConfigError(
            f"time zone {name!r} is not an IANA name such as America/Bogota (connection extra 'timezone')"
        ) from None
    return name


def to_local(moment: DateTime, tz: str) -> DateTime:
    """``moment`` in the wall-clock time of ``tz`` (pendulum's conversion, see AIRFLOW3.md)."""
    return moment.in_timezone(tz)


def api_dates(start: DateTime, end: DateTime, tz: str) -> tuple[str, str]:
    """``date_ini`` and inclusive ``date_end`` for the half-open window ``[start, end)``."""
    return (
        to_local(start, tz).strftime(API_DATE_FORMAT),
        to_local(end - ONE_SECOND, tz).strftime(API_DATE_FORMAT),
    )


def local_span(start: DateTime, end: DateTime, tz: str) -> timedelta:
    """Wall-clock distance the API sees between ``date_ini`` and ``date_end`` plus one second."""
    first = to_local(start, tz).naive()
    last = to_local(end - ONE_SECOND, tz).naive()
    return last - first + ONE_SECOND


def window_end(start: DateTime, limit: DateTime, size: timedelta, tz: str) -> DateTime:
    """End of the request window that starts at ``start``: at most ``size`` long, never past
    ``limit``, and never longer than 31 days in the API's wall-clock view (which DST can stretch)."""
    size = min(size, API_MAX_WINDOW)
    size = max(ONE_SECOND, timedelta(seconds=int(size.total_seconds())))
    end = min(limit, start + size)
    if end - start <= API_MAX_WINDOW - _LARGEST_UTC_OFFSET_CHANGE:
        return end  # no change of UTC offset can stretch it past the limit
    while (excess := local_span(start, end, tz) - API_MAX_WINDOW) > timedelta(0):
        end = end - excess
    return end


def split_window(start: DateTime, end: DateTime, size: timedelta, tz: str) -> list[tuple[DateTime, DateTime]]:
    """Cut ``[start, end)`` into consecutive request windows of at most ``size``."""
    windows = []
    cursor = start
    while cursor < end:
        nxt = window_end(cursor, end, size, tz)
        windows.append((cursor, nxt))
        cursor = nxt
    return windows


def next_local_midnight(tz: str, now: DateTime | None = None) -> DateTime:
    """The next midnight of ``tz`` after ``now`` (default: the current time), in UTC."""
    local = (now or pendulum.now("UTC")).in_timezone(tz)
    return local.add(days=1).start_of("day").in_timezone("UTC")


def describe(start: DateTime, end: DateTime, tz: str) -> str:
    """``[2026-11-27 02:00, 03:00) -05:00``: a window as the task log shows it."""
    first, last = to_local(start, tz), to_local(end, tz)
    fmt = "%Y-%m-%d %H:%M" if (first.second, last.second) == (0, 0) else "%Y-%m-%d %H:%M:%S"
    short = "%H:%M" if (first.second, last.second) == (0, 0) else "%H:%M:%S"
    end_text = last.strftime(short if first.date() == last.date() else fmt)
    return f"[{first.strftime(fmt)}, {end_text}) {first.strftime('%z')[:3]}:{first.strftime('%z')[3:]}"
