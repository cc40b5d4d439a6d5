"""``airflow wolkvox backfill-dates``: the exact ``--from-date``/``--to-date`` for whole local days.

``airflow backfill create`` selects runs by logical date, both ends included, and reads a date
without an offset in Airflow's default time zone (UTC). A daily DAG whose timetable runs in
another zone starts its days at another UTC hour, so ``--from-date 2026-11-20 --to-date
2026-11-22`` on a Bogota-daily DAG misses its 22nd (which starts at 05:00 UTC) without a word.
Dates that carry the DAG's own time of day and offset select exactly the days asked for.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from datetime import date

import pendulum
from pendulum import DateTime

from airflow_provider_wolkvox.client.windows import check_timezone
from airflow_provider_wolkvox.exceptions import WolkvoxConfigError, WolkvoxError


@dataclass(frozen=True)
class BackfillDates:
    """The logical dates of the first and last daily run of a range of local days."""

    first: DateTime
    last: DateTime
    runs: int

    def arguments(self) -> str:
        return f"--from-date {self.first.isoformat()} --to-date {self.last.isoformat()}"


def backfill_dates(first_day: date, last_day: date, timezone: str, at: str = "00:00") -> BackfillDates:
    """Logical dates of the daily runs at ``at`` (``HH:MM``, local) on ``first_day`` and
    ``last_day`` (both included), in ``timezone``: each with its own day's offset."""
    check_timezone(timezone)
    if first_day > last_day:
        raise WolkvoxConfigError(f"--from {first_day} is after --to {last_day}: swap them")
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", at.strip())
    if not match:
        raise WolkvoxConfigError(f"--at {at!r} is not a time of day such as 00:00 or 06:30")
    hour, minute = int(match[1]), int(match[2])

    def run_on(day: date) -> DateTime:
        return pendulum.datetime(day.year, day.month, day.day, hour, minute, tz=timezone)

    return BackfillDates(run_on(first_day), run_on(last_day), (last_day - first_day).days + 1)


def backfill_dates_command(args: argparse.Namespace) -> None:
    """Print the dates, and the ``airflow backfill create`` command that uses them."""
    try:
        first, last = _day(args.from_day, "--from"), _day(args.to_day, "--to")
        dates = backfill_dates(first, last, args.timezone, args.at)
    except WolkvoxError as err:
        raise SystemExit(f"error: {err}") from None
    print(
        f"Daily runs at {args.at} {args.timezone}, {args.from_day} to {args.to_day} (both days included): "
        f"{dates.runs:,} run(s). For airflow backfill create:"
    )
    print(f"  {dates.arguments()}")
    print(f"airflow backfill create --dag-id {args.dag_id} {dates.arguments()}")


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise WolkvoxConfigError(f"{name} {text!r} is not a date such as 2026-11-20") from None
