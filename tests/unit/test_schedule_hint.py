"""The advice for a DAG whose runs have no data interval, on Airflow's own trigger timetables.

The operators' tests reach the cron form through ``dag.test()``; these pin each form the advice
can take (a delta, a month, a zone by key or by offset, a timetable it does not know) with the
exact text a DAG author copies.
"""

from __future__ import annotations

from datetime import timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow.timetables.trigger import CronTriggerTimetable, DeltaTriggerTimetable
from dateutil.relativedelta import relativedelta

from airflow_provider_wolkvox.client.windows import ZERO_LENGTH_HINT
from airflow_provider_wolkvox.operators.schedule_hint import zero_length_hint

pytestmark = pytest.mark.airflow_release

ADVICE = (
    "This DAG's schedule ({kind}) gives each run a zero-length data interval, as Airflow 3 does for "
    'plain cron strings, presets such as "@daily" and timedelta schedules. Schedule it with '
    "{suggestion} from airflow.timetables.interval (the same cadence and zone, each run with its "
    "data interval), or pass window_start/window_end explicitly."
)


@pytest.mark.parametrize(
    ("delta", "code"),
    [
        (timedelta(days=1, hours=6, seconds=5), "timedelta(days=1, hours=6, seconds=5)"),
        (timedelta(minutes=90), "timedelta(hours=1, minutes=30)"),
    ],
)
def test_a_delta_schedule_is_advised_as_the_same_delta_with_intervals(delta: timedelta, code: str) -> None:
    hint = zero_length_hint(DeltaTriggerTimetable(delta))
    assert hint == ADVICE.format(
        kind="DeltaTriggerTimetable", suggestion=f"DeltaDataIntervalTimetable({code})"
    )


@pytest.mark.parametrize(
    ("zone", "name"),
    [(ZoneInfo("America/Bogota"), "America/Bogota"), (timezone.utc, "UTC")],
)
def test_a_cron_schedule_keeps_its_expression_and_zone(zone: object, name: str) -> None:
    hint = zero_length_hint(CronTriggerTimetable("0 6 * * 1-5", timezone=zone))  # type: ignore[arg-type]
    suggestion = f'CronDataIntervalTimetable("0 6 * * 1-5", timezone="{name}")'
    assert hint == ADVICE.format(kind="CronTriggerTimetable", suggestion=suggestion)


def test_a_schedule_it_cannot_spell_gets_the_general_advice() -> None:
    # A month is no timedelta; a data-interval timetable is no trigger timetable.
    assert zero_length_hint(DeltaTriggerTimetable(relativedelta(months=1))) == ZERO_LENGTH_HINT
    assert zero_length_hint(CronDataIntervalTimetable("0 6 * * *", timezone="UTC")) == ZERO_LENGTH_HINT
