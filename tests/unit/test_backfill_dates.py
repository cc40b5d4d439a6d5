"""`airflow wolkvox backfill-dates`: dates `airflow backfill create` reads as exactly the local days asked.

A real `airflow backfill create` process reads the printed dates once; the other commands (the DAG's
serialization, the dates printed, the dry run of dates without an offset) run in this process through
the same command functions and parsers (a process costs about 5 s; `python -m airflow_provider_wolkvox`
runs as a real process in test_cli_pools).
"""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pendulum
import pytest

from airflow_provider_wolkvox.cli.backfill_dates import backfill_dates
from airflow_provider_wolkvox.exceptions import WolkvoxConfigError

pytestmark = pytest.mark.airflow_release

AIRFLOW = str(Path(sys.executable).parent / "airflow")
STAMP = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[+-]\d\d:\d\d)")


def test_bogota_days_start_at_five_utc() -> None:
    dates = backfill_dates(date(2026, 11, 20), date(2026, 11, 22), "America/Bogota")
    assert dates.arguments() == "--from-date 2026-11-20T00:00:00-05:00 --to-date 2026-11-22T00:00:00-05:00"
    assert dates.runs == 3


def test_each_end_keeps_its_own_days_offset() -> None:
    # New York leaves daylight time on 2026-11-01: the first day is -04:00, the last -05:00.
    dates = backfill_dates(date(2026, 10, 31), date(2026, 11, 2), "America/New_York", at="06:30")
    assert dates.arguments() == "--from-date 2026-10-31T06:30:00-04:00 --to-date 2026-11-02T06:30:00-05:00"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((date(2026, 11, 22), date(2026, 11, 20), "America/Bogota", "00:00"), "swap them"),
        ((date(2026, 11, 20), date(2026, 11, 22), "Bogota", "00:00"), "not an IANA name"),
        ((date(2026, 11, 20), date(2026, 11, 22), "America/Bogota", "24:00"), "not a time of day"),
    ],
)
def test_bad_input_is_named(args: tuple[date, date, str, str], message: str) -> None:
    with pytest.raises(WolkvoxConfigError, match=message):
        backfill_dates(*args)


def in_process(*args: str) -> str:
    """What ``airflow ARGS`` prints to stdout, through Airflow's own parser and command function."""
    from airflow.cli import cli_parser

    parsed = cli_parser.get_parser().parse_args(list(args))
    with contextlib.redirect_stdout(io.StringIO()) as out:
        parsed.func(parsed)
    return out.getvalue()


def dry_run_logical_dates(*date_args: str, real_process: bool = False) -> list[pendulum.DateTime]:
    """The logical dates `airflow backfill create --dry-run` selects for the Bogota-daily example DAG."""
    args = ["backfill", "create", "--dag-id", "wolkvox_contact_center_daily", *date_args, "--dry-run"]
    if real_process:
        stdout = subprocess.run(
            [AIRFLOW, *args], check=True, capture_output=True, text=True, timeout=180
        ).stdout
    else:
        stdout = in_process(*args)
    # 3.1 and later print a table with a logical_date column; 3.0 a list after this line.
    header = "logical_date" if "logical_date" in stdout else "Logical dates to be attempted:"
    table = stdout.split(header, 1)[1]
    stamps = STAMP.findall(table)
    return sorted(pendulum.parse(stamp.replace(" ", "T")).in_timezone("UTC") for stamp in stamps)


def test_airflows_own_backfill_selects_exactly_the_days_printed(airflow_db: Path) -> None:
    from airflow_provider_wolkvox.cli import main

    in_process("dags", "reserialize")
    command = ("backfill-dates", "--timezone", "America/Bogota", "--from", "2026-11-20", "--to", "2026-11-22")
    with contextlib.redirect_stdout(io.StringIO()) as out:
        main(list(command), prog="python -m airflow_provider_wolkvox")
    printed = out.getvalue()
    arguments = next(line.split() for line in printed.splitlines() if line.startswith("  --from-date"))
    days = [pendulum.datetime(2026, 11, day, 5, tz="UTC") for day in (20, 21, 22)]
    assert dry_run_logical_dates(*arguments, real_process=True) == days
    # What docs/backfills.md used to say (dates without an offset) drops the last day, silently.
    assert dry_run_logical_dates("--from-date", "2026-11-20", "--to-date", "2026-11-22") == days[:2]
