"""``airflow wolkvox plan``: how many API calls a backfill will spend, before it starts.

Every data interval costs at least one call per request window the API's limits
allow (31 days, measured in the operation's wall-clock time). An interval whose
answer reaches the 60,000-row cap costs more, which no one can know in advance:
the plan is a floor, and says so. ``--param NAME=VALUE`` names the report's request
parameters (``skill_id=all``); a parameter the report does not take is refused with the list
of those it does. ``--reload-previous`` counts the earlier windows each run re-reads too
(the operator's ``reload_previous``).
"""

from __future__ import annotations

import argparse
import difflib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pendulum
from pendulum import DateTime

from airflow_provider_wolkvox.client.reload import ReloadPrevious, previous_windows
from airflow_provider_wolkvox.client.windows import API_MAX_WINDOW, split_window
from airflow_provider_wolkvox.exceptions import WolkvoxConfigError, WolkvoxError
from airflow_provider_wolkvox.reports import REPORTS, ReportSpec

if TYPE_CHECKING:
    from airflow_provider_wolkvox.hooks.wolkvox import WolkvoxHook

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True)
class BackfillPlan:
    """The API calls a backfill of ``intervals`` data intervals needs, at the least."""

    start: DateTime
    end: DateTime
    interval: timedelta
    intervals: int
    calls: int
    """Every call, the earlier windows' included."""
    reload_calls: int = 0
    """Of ``calls``, those re-reading earlier windows (``reload_previous``)."""


def parse_interval(text: str) -> timedelta:
    """``1h``, ``30m``, ``1d``, ``1d12h``: a data interval's length."""
    compact = text.strip().lower().replace(" ", "")
    if not compact or not re.fullmatch(r"(\d+[smhdw])+", compact):
        raise WolkvoxConfigError(f"interval {text!r} is not a duration such as 1h, 30m, 1d or 1d12h")
    total = timedelta()
    for amount, unit in re.findall(r"(\d+)([smhdw])", compact):
        total += timedelta(**{_UNITS[unit]: int(amount)})
    if total <= timedelta(0):
        raise WolkvoxConfigError(f"interval {text!r} must be longer than zero")
    return total


def parse_moment(text: str, name: str) -> DateTime:
    """An ISO-8601 date or date-time; without an offset it is read as UTC, like Airflow's CLI."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise WolkvoxConfigError(f"{name} {text!r} is not an ISO-8601 date such as 2026-10-01") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=pendulum.UTC)
    return pendulum.instance(moment).in_timezone("UTC")


def plan_backfill(
    start: DateTime,
    end: DateTime,
    interval: timedelta,
    tz: str,
    max_request_window: timedelta = API_MAX_WINDOW,
    *,
    reload_previous: ReloadPrevious = None,
) -> BackfillPlan:
    """Count the data intervals of ``[start, end)`` and the request windows each needs, with the
    earlier windows each run re-reads when ``reload_previous`` is given."""
    if start >= end:
        raise WolkvoxConfigError(f"--from {start.isoformat()} must be before --to {end.isoformat()}")
    intervals = calls = reloads = 0
    cursor = start
    while cursor < end:
        stop = min(cursor + interval, end)
        intervals += 1
        calls += len(split_window(cursor, stop, max_request_window, tz))
        for first, last in previous_windows(cursor, stop, reload_previous):
            reloads += len(split_window(first, last, max_request_window, tz))
        cursor = stop
    return BackfillPlan(start, end, interval, intervals, calls + reloads, reloads)


def parse_reload(text: str | None) -> ReloadPrevious:
    """``--reload-previous``: ``2`` (earlier intervals) or a span such as ``2h``; None: none."""
    if text is None:
        return None
    compact = text.strip()
    return int(compact) if compact.isdigit() else parse_interval(compact)


def plan_command(args: argparse.Namespace) -> None:
    """``airflow wolkvox plan``: print the plan, and the remaining quota with ``--check-quota``."""
    try:
        _print_plan(args)
    except WolkvoxError as err:
        raise SystemExit(f"error: {err}") from None


def _print_plan(args: argparse.Namespace) -> None:
    from airflow_provider_wolkvox.hooks.lookup import FoundConnectionHook

    if args.api not in REPORTS:
        raise WolkvoxConfigError(unknown_report(args.api))
    spec = REPORTS[args.api]
    query = spec.request_params(parse_params(getattr(args, "params", None) or ()), complete=False)
    # The connection wherever Airflow keeps it (metadata DB included), as a task would see it.
    hook = FoundConnectionHook(args.conn_id)
    try:
        _print_plan_of(args, spec, query, hook)
    finally:
        hook.close()


def _print_plan_of(
    args: argparse.Namespace, spec: ReportSpec, query: dict[str, str], hook: WolkvoxHook
) -> None:
    tz = hook.timezone
    start, end = parse_moment(args.from_date, "--from"), parse_moment(args.to_date, "--to")
    reload_previous = parse_reload(getattr(args, "reload_previous", None))
    plan = plan_backfill(start, end, parse_interval(args.interval), tz, reload_previous=reload_previous)
    print(f"Backfill of {args.api} on connection {args.conn_id} (dates sent in {tz}):")
    print(f"  {_params_line(spec, query)}")
    span = f"{plan.start.isoformat()} to {plan.end.isoformat()}"
    print(f"  {span}: {plan.intervals:,} intervals of {duration_words(plan.interval)}")
    print(
        f"  API calls: at least {plan.calls:,}. An interval whose answer reaches the 60,000-row cap "
        "is split and costs more; failed requests that are retried cost one call each."
    )
    if reload_previous:
        print(
            f"  Of those, {plan.reload_calls:,} re-read earlier windows (--reload-previous "
            f"{args.reload_previous}: each run also replaces the windows before its own)."
        )
    for label, other in (("1 day", timedelta(days=1)), ("31 days", API_MAX_WINDOW)):
        if other > plan.interval:
            cheaper = plan_backfill(start, end, other, tz, reload_previous=reload_previous)
            print(f"  With {label} intervals the same span would need at least {cheaper.calls:,}.")
    if not args.check_quota:
        return
    info = hook.get_token_info()
    left = info.available_consumption_options
    print(f"  Quota (this check spent 1 call): {_figure(left)} left today of {_figure(info.token_limit)}.")
    if left is not None and info.token_limit:
        days = 0 if plan.calls <= left else math.ceil((plan.calls - left) / info.token_limit)
        if days == 0:
            print("  The backfill fits in what is left today.")
        else:
            print(
                f"  The backfill needs about {days} more day(s) of quota: give its tasks "
                "wait_for_quota=True so they wait for the reset instead of failing."
            )


def unknown_report(api: str) -> str:
    """The error for a report name that is not one: the closest names, then all in natural order."""
    names = sorted(REPORTS, key=_natural)
    close = difflib.get_close_matches(api, names, n=3, cutoff=0.6)
    guess = f"did you mean {' or '.join(close)}? " if close else ""
    return f"report {api!r} is not known; {guess}known: {', '.join(names)}"


def _natural(name: str) -> tuple[tuple[int, str | int], ...]:
    """``agent_2`` before ``agent_12``: digits compare as numbers."""
    return tuple((1, int(part)) if part.isdigit() else (0, part) for part in re.split(r"(\d+)", name))


def duration_words(length: timedelta) -> str:
    """``1 day``, ``1 hour``, ``1 day 12 hours``: a data interval's length as people say it."""
    left = int(length.total_seconds())
    words = []
    for unit, seconds in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        amount, left = divmod(left, seconds)
        if amount:
            words.append(f"{amount:,} {unit}{'' if amount == 1 else 's'}")
    return " ".join(words) or "0 seconds"


def parse_params(pairs: Iterable[str]) -> dict[str, str]:
    """``["skill_id=all"]`` -> ``{"skill_id": "all"}``; a pair without ``=`` or given twice is refused."""
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise WolkvoxConfigError(f"--param {pair!r} is not NAME=VALUE, e.g. skill_id=all")
        if name in params:
            raise WolkvoxConfigError(f"--param {name} is given twice")
        params[name] = value
    return params


def _params_line(spec: ReportSpec, query: dict[str, str]) -> str:
    given = ", ".join(f"{name}={value}" for name, value in query.items())
    missing = [p.name for p in spec.params if p.required and p.name not in query]
    line = f"Parameters: {given or 'none'}"
    if missing:
        line += f" (loads also need {', '.join(missing)}; {spec.params_help})"
    return line


def _figure(value: int | None) -> str:
    return "unknown" if value is None else f"{value:,}"
