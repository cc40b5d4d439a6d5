"""`airflow wolkvox plan`: the API calls a backfill needs, counted before it starts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pendulum
import pytest

from airflow_provider_wolkvox.cli.plan import (
    duration_words,
    parse_interval,
    parse_moment,
    parse_reload,
    plan_backfill,
    unknown_report,
)
from airflow_provider_wolkvox.exceptions import WolkvoxConfigError
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests import cli_in_process
from tests.conftest import connection_json

pytestmark = pytest.mark.airflow_release

CONN = "AIRFLOW_CONN_WOLKVOX_DEFAULT"
OCT = (pendulum.datetime(2026, 10, 1, tz="UTC"), pendulum.datetime(2026, 11, 1, tz="UTC"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1h", timedelta(hours=1)),
        ("30m", timedelta(minutes=30)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("2w", timedelta(weeks=2)),
    ],
)
def test_parse_interval(text: str, expected: timedelta) -> None:
    assert parse_interval(text) == expected


@pytest.mark.parametrize("text", ["", "1", "h", "1y", "0h", "-1h"])
def test_bad_interval(text: str) -> None:
    with pytest.raises(WolkvoxConfigError):
        parse_interval(text)


def test_moments_without_offset_are_utc() -> None:
    assert parse_moment("2026-10-01", "--from") == OCT[0]
    assert parse_moment("2026-10-01T00:00:00-05:00", "--from") == OCT[0].add(hours=5)
    with pytest.raises(WolkvoxConfigError, match="not an ISO-8601 date"):
        parse_moment("October", "--from")


@pytest.mark.parametrize(
    ("interval", "intervals", "calls"),
    [
        (timedelta(hours=1), 744, 744),
        (timedelta(days=1), 31, 31),
        (timedelta(days=31), 1, 1),
        (timedelta(days=45), 1, 1),
    ],
)
def test_calls_per_interval_length(interval: timedelta, intervals: int, calls: int) -> None:
    plan = plan_backfill(*OCT, interval, "America/Bogota")
    assert (plan.intervals, plan.calls) == (intervals, calls)


def test_a_long_interval_needs_one_call_per_31_local_days() -> None:
    # 62 days across the New York spring change: the first window shrinks by an hour, so 3 calls.
    start = pendulum.datetime(2026, 3, 1, 5, tz="UTC")
    plan = plan_backfill(start, start.add(days=62), timedelta(days=62), "America/New_York")
    assert (plan.intervals, plan.calls) == (1, 3)


@pytest.mark.parametrize(
    ("interval", "reload_previous", "reload_calls"),
    [
        (timedelta(hours=1), 2, 744 * 2),
        (timedelta(hours=1), timedelta(hours=2), 744 * 2),
        (timedelta(hours=1), timedelta(minutes=90), 744 * 2),  # rounded up to whole intervals
        (timedelta(days=1), timedelta(hours=2), 31),
        (timedelta(days=31), 1, 1),
        (timedelta(hours=1), 0, 0),
    ],
)
def test_reloaded_windows_are_counted(
    interval: timedelta, reload_previous: object, reload_calls: int
) -> None:
    plain = plan_backfill(*OCT, interval, "America/Bogota")
    plan = plan_backfill(*OCT, interval, "America/Bogota", reload_previous=reload_previous)
    assert (plan.reload_calls, plan.calls) == (reload_calls, plain.calls + reload_calls)


def test_reload_previous_as_given_on_the_command_line() -> None:
    assert parse_reload("3") == 3
    assert parse_reload("2h") == timedelta(hours=2)
    assert parse_reload(None) is None
    with pytest.raises(WolkvoxConfigError, match="not a duration"):
        parse_reload("-1")
    with pytest.raises(WolkvoxConfigError, match="at most 168"):
        plan_backfill(*OCT, timedelta(hours=1), "UTC", reload_previous=timedelta(days=8))


def test_cli_prints_the_plan_and_the_quota_left(token: str) -> None:
    """In this process (tests/cli_in_process.py), stdout, stderr and log records all searched for the
    token. A real ``plan`` process (its exit code, a fresh process's output free of the token) is
    test_hostile_server.py's ``test_the_plan_quota_check_shows_no_echoed_token``; the success path of
    a real ``airflow wolkvox`` / ``python -m airflow_provider_wolkvox`` is test_cli_pools.py's."""
    with WolkvoxEmulator(tokens=[token], daily_quota=500) as emu:
        result = cli_in_process.wolkvox(
            *("plan", "--from", "2026-10-01", "--to", "2026-11-01", "--interval", "1h"),
            *("--reload-previous", "2h", "--check-quota"),
            env={CONN: connection_json(emu.base_url, token)},
        )
        assert emu.stats()["requests"] == 1  # only the quota check
    assert result.returncode == 0, result.output
    out = result.stdout
    assert "744 intervals of 1 hour" in out
    assert "API calls: at least 2,232" in out  # 744 hours, each read by its own run and the next two
    assert "Of those, 1,488 re-read earlier windows (--reload-previous 2h" in out
    assert "With 1 day intervals the same span would need at least 62" in out
    assert "499 left today of 500" in out
    # (2,232 - 499) / 500, rounded up
    assert "needs about 4 more day(s) of quota: give its tasks wait_for_quota=True" in out
    assert token not in result.output


@pytest.mark.parametrize(
    ("length", "words"),
    [
        (timedelta(days=1), "1 day"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(days=1, hours=12), "1 day 12 hours"),
        (timedelta(minutes=30), "30 minutes"),
        (timedelta(days=31), "31 days"),
    ],
)
def test_interval_lengths_are_said_in_words(length: timedelta, words: str) -> None:
    assert duration_words(length) == words


def test_an_unknown_report_gets_a_guess_and_the_names_in_natural_order() -> None:
    message = unknown_report("agent_21")
    assert "did you mean agent_2" in message
    known = message.split("known: ", 1)[1].split(", ")
    assert known.index("agent_2") < known.index("agent_12")
    assert known.index("cdr_9") < known.index("cdr_10")


def test_cli_with_a_connection_id_that_names_nothing_says_so_in_one_error_line(airflow_db: Path) -> None:
    """In this process, against the metadata database it looks in (``airflow_db``): one ``error:``
    line and exit code 1 from ``SystemExit`` as the interpreter makes it. A real ``plan`` process
    that ends in an ``error:`` line and a non-zero exit code is test_hostile_server.py's
    ``test_the_plan_quota_check_shows_no_echoed_token``."""
    result = cli_in_process.wolkvox("plan", "--conn-id", "nope", "--from", "2026-10-01", "--to", "2026-10-02")
    assert result.returncode != 0
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert "connection 'nope' is not defined" in errors[0]


def test_cli_says_a_backfill_that_fits_fits(token: str) -> None:
    """In this process; see ``test_cli_prints_the_plan_and_the_quota_left`` for the real ones."""
    with WolkvoxEmulator(tokens=[token], daily_quota=500) as emu:
        args = ("plan", "--from", "2026-10-01", "--to", "2026-11-01", "--interval", "1d", "--check-quota")
        result = cli_in_process.wolkvox(*args, env={CONN: connection_json(emu.base_url, token)})
    assert result.returncode == 0, result.output
    assert "31 intervals of 1 day" in result.stdout
    assert "The backfill fits in what is left today." in result.stdout
    assert "wait_for_quota" not in result.stdout  # nothing to wait for
    assert token not in result.output
