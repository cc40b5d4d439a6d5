"""What earlier runs saw of one (connection, report, campaign): rows by hour of the week.

A contact center's volume follows the week (business hours, a lunch dip, quiet
nights and Sundays), so the request windows of the next run can be planned from the
last weeks' answers instead of starting blind. :class:`DensityHistory` is that record,
as a value: 168 local hour-of-week buckets of rows and seconds, and the spread of the
predictions it would have made, small enough for a ledger column, an XCom or an
Airflow Variable (:meth:`DensityHistory.to_json`, :meth:`DensityHistory.from_json`).

It is built from :class:`Observation` s, one per answered request window, which
``fetch_interval`` returns in ``FetchSummary.observations``. The estimator is
expectation-maximisation over each run's kept windows (the maximum-likelihood split of counts
observed only as window sums, which campaign_8's timeless rows allow), pooled across days of
the week where one day's windows cannot tell its hours apart (a window over a quiet night and a
busy morning): see :meth:`DensityHistory.updated`. A capped answer is a lower bound only, and
the kept windows that tile it say more, exactly; it counts as a miss. Only the plan depends on
it: every answer at the row cap is still discarded and split, so stale history costs
calls, never rows. Pure arithmetic, no I/O. Why: ``docs/decisions/0007-busy-days.md``.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from airflow_provider_wolkvox.exceptions import WolkvoxConfigError

FORMAT_VERSION = 1
HOURS_OF_WEEK = 168
MONTH_END_DAYS = 5
"""The month's last days, profiled on their own (see ``DensityHistory``)."""
MONTH_END_PEAK = 1.5
"""Last days that held less than this many times what their weekdays predict were no peak: they
are planned from the week, which has seen many more of them."""
MONTH_END_SEEN = 86_400
"""...judged on at least a day of them observed (a few busy hours are as likely a change of volume)."""
MONTH_END_PRIOR_SECONDS = 3_600.0
"""A month-end day's rate is drawn toward its week bucket's with the weight of an hour observed: a
day seen counts for 96 %. Why an hour: ``docs/decisions/0002-month-end-days.md``."""
HALF_LIFE_SECONDS = 4 * 7 * 86_400
"""What was seen four weeks of observed time ago weighs half as much as what was seen last."""
LEVEL_WEIGHT = 0.7
"""How far a run's level (actual rows over the profile's prediction) moves toward the last answer."""
ERROR_WEIGHT_KEPT = 20.0
"""The error spread remembers about this many predictions (older ones fade)."""
FIT_ROUNDS = 300
"""Rounds of refining how a run's windows share their rows among the hours they span (fewer
when no bucket's rate moves by ``FIT_TOLERANCE`` of the mean rate any more)."""
FIT_TOLERANCE = 1e-4
SHIFT_MAX = 2.0
"""Rows missing from the kept windows raise the rest's level at most to this: a day whose volume
the profile overrates (a Saturday planned as a weekday) is not cut ever finer as it stays empty."""
ERROR_CLIP = math.log(4)
"""A log error counts as at most this (a factor of 4): a window the profile thought empty would
otherwise say "missed by a factor of 50,000" and stay in the spread for weeks."""
MIN_PREDICTED_ROWS = 1.0
MIN_ERROR_ROWS = 500
"""Windows that held or were predicted fewer rows than this say nothing about the headroom
to keep below a cap of tens of thousands: their prediction errors are not counted."""
"""A prediction of no rows is taken as one, so that its error stays finite."""


@dataclass(frozen=True)
class Observation:
    """One answered request window: ``[start, end)`` in epoch seconds, its rows, and
    whether the answer was at the row cap (then ``rows`` is only a lower bound)."""

    start: int
    end: int
    rows: int
    capped: bool = False


@dataclass(frozen=True)
class ErrorStats:
    """Log prediction errors, ``log(actual / predicted)``, exponentially weighted.

    ``variance`` is the upside's: twice the mean square of the errors above the mean (above
    none where the mean is below none), the variance itself where errors are symmetric. A window
    that held more than predicted may hit the cap; one that held less costs no call, and its rows
    are planned for in the rest of the run (:class:`RunLevel`): a profile that put a busy morning
    into the quiet night before it misses low by a factor there, which must not widen the
    headroom of every window after.
    """

    weight: float = 0.0
    mean: float = 0.0
    variance: float = 0.0

    def add(self, error: float) -> ErrorStats:
        weight = min(self.weight, ERROR_WEIGHT_KEPT - 1) + 1
        mean = self.mean + (error - self.mean) / weight
        upside = max(0.0, error - max(0.0, mean))
        variance = self.variance + (2 * upside**2 - self.variance) / weight
        return ErrorStats(weight, mean, max(0.0, variance))


@dataclass(frozen=True)
class DensityHistory:
    """Rows per second by local hour of the week, and how well that predicted past windows.

    ``rows[b]`` and ``seconds[b]`` are decayed sums over hour-of-week ``b`` (0 = Monday
    00:00-01:00 in ``timezone``); a window's rows are shared among the buckets it spans in
    proportion to what the profile predicted for them.
    """

    timezone: str
    rows: tuple[float, ...] = (0.0,) * HOURS_OF_WEEK
    seconds: tuple[float, ...] = (0.0,) * HOURS_OF_WEEK
    errors: ErrorStats = ErrorStats()
    month_end_rows: tuple[float, ...] = (0.0,) * MONTH_END_DAYS
    """Decayed rows and seconds of each of the month's last ``MONTH_END_DAYS`` days (bucket 0 the
    last day): closings, billing runs and collections make those days busier than their
    weekday whatever weekday they fall on. Their hours are shared as the week's average day
    shares its rows (:func:`_hour_shape`): a whole day per bucket keeps the stored form small."""
    month_end_seconds: tuple[float, ...] = (0.0,) * MONTH_END_DAYS
    month_end_expected: float = 0.0
    """Decayed rows the week profile predicted for the month-end hours observed: the month-end
    buckets plan only where those days held ``MONTH_END_PEAK`` times that or more."""

    @classmethod
    def empty(cls, tz: str) -> DensityHistory:
        _checked_zone(tz)
        return cls(timezone=tz)

    @property
    def known(self) -> bool:
        """Whether anything was observed to plan from."""
        return any(self.seconds)

    def rates(self) -> list[float]:
        """Rows per second of each bucket; a bucket never observed gets the busiest rate its hour of
        the day had on the days that were (a deployment's first Tuesday is planned as its Monday,
        not as the average of a Monday and a quiet Sunday: too many rows planned for cost a call,
        too few a capped answer and the call after it), else the mean of all."""
        total_seconds = sum(self.seconds)
        mean = sum(self.rows) / total_seconds if total_seconds else 0.0
        by_hour = []
        for hour in range(24):
            seen = [r / s for r, s in zip(self.rows[hour::24], self.seconds[hour::24], strict=True) if s]
            by_hour.append(max(seen) if seen else mean)
        own = [
            r / s if s else by_hour[b % 24]
            for b, (r, s) in enumerate(zip(self.rows, self.seconds, strict=True))
        ]
        return _week_by_day(own, PREDICT_BLEND)

    def seen(self, start: int, end: int) -> bool:
        """Whether every hour of the week ``[start, end)`` spans was observed before."""
        return all(self.seconds[b] > 0 for b, _ in self.segments(start, end))

    def predict(self, start: int, end: int, rates: list[float] | None = None) -> float:
        """Rows ``[start, end)`` would hold at the profile's density."""
        rates = rates or self.rates()
        shape = _hour_shape(rates)
        return sum(self._rate(rates, shape, b, m) * s for b, m, s, _ in self._segments(start, end))

    @property
    def month_end_peak(self) -> bool:
        """Whether the month's last days were busier than their weekdays (``MONTH_END_PEAK``)."""
        return (
            sum(self.month_end_seconds) >= MONTH_END_SEEN
            and sum(self.month_end_rows) >= MONTH_END_PEAK * self.month_end_expected > 0
        )

    def _rate(self, rates: list[float], shape: list[float], bucket: int, month_end: int) -> float:
        """Rows per second of an hour: its week bucket's, or on the month's last days that
        hour's own, drawn toward the week bucket's while little of it was seen."""
        if month_end < 0 or not self.month_end_peak:
            return rates[bucket]
        return _month_end_rate(
            self.month_end_rows[month_end],
            self.month_end_seconds[month_end],
            rates[bucket],
            shape[bucket % 24],
        )

    def span_for(self, start: int, rows: float, longest: int, rates: list[float] | None = None) -> int:
        """The longest span from ``start`` (at most ``longest`` seconds, at least 1) over which the
        profile predicts at most ``rows`` rows."""
        rates = rates or self.rates()
        shape = _hour_shape(rates)
        total = 0.0
        for bucket, month_end, seconds, segment_start in self._segments(start, start + longest):
            rate = self._rate(rates, shape, bucket, month_end)
            if total + rate * seconds > rows:
                return max(1, segment_start - start + int((rows - total) / rate))
            total += rate * seconds
        return longest

    def segments(self, start: int, end: int) -> Iterator[tuple[int, int]]:
        """``(bucket, seconds)`` of ``[start, end)`` by local hour of the week."""
        for bucket, _, seconds, _ in self._segments(start, end):
            yield bucket, seconds

    def _segments(self, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
        """``(hour-of-week bucket, month-end bucket or -1, seconds, segment start)``."""
        zone = _checked_zone(self.timezone)
        moment = start
        while moment < end:
            local = moment + _offset(zone, moment // 3600)
            stop = min(end, moment + 3600 - local % 3600)
            day, hour = divmod(local, 86_400)
            before_last = _days_before_last(day)
            month_end = before_last if before_last < MONTH_END_DAYS else -1
            yield (day + 3) % 7 * 24 + hour // 3600, month_end, stop - moment, moment
            moment = stop

    def updated(self, run: Iterable[Observation]) -> DensityHistory:
        """This history with one run's observations (in the order they were answered) added.

        The errors are those of the predictions a sizer planning from this history would have
        made during the run (the profile times the run's level, see :func:`next_level`), so the
        headroom the next run leaves below the cap is learnt from this history's own misses.
        """
        observations = list(run)
        errors = self._errors_of(observations) if self.known else self.errors
        kept = [
            ([(b, m, s) for b, m, s, _ in self._segments(obs.start, obs.end)], obs.rows)
            for obs in observations
            if not obs.capped and obs.end > obs.start  # a capped answer is only a lower bound
        ]
        # First without the month's last hours in the week, to tell whether they were a peak; if
        # they were not, they are ordinary days and teach the week like any other.
        fitted = self._fitted(kept, errors, teach_week=False)
        if not fitted.month_end_peak and any(m >= 0 for segments, _ in kept for _, m, _ in segments):
            fitted = replace(
                self._fitted(kept, errors, teach_week=True), month_end_expected=fitted.month_end_expected
            )
        return replace(fitted, rows=_unsmeared(fitted.rows, fitted.seconds)) if kept else fitted

    def _errors_of(self, observations: list[Observation]) -> ErrorStats:
        """:attr:`errors` with the misses a sizer planning one run from this history would have
        made (the profile at the run's :class:`RunLevel`) added, so the headroom the next run
        leaves below the cap is learnt from this history's own misses. Only hours observed before
        count (others were guessed from other days), only windows of ``MIN_ERROR_ROWS`` or more,
        each clipped to ``ERROR_CLIP``; a retry after a cap was shortened on purpose and is no
        miss, and a cap is one only where less than the cap was predicted (it proves no more)."""
        rates, errors = self.rates(), self.errors
        run, previous = RunLevel(), None
        end = max(obs.end for obs in observations) if observations else 0
        for obs in observations:
            predicted = max(MIN_PREDICTED_ROWS, self.predict(obs.start, obs.end, rates))
            expected = predicted * run.rest(self.predict(obs.start, end, rates))
            retry = previous is not None and previous.capped and previous.start == obs.start
            below = not obs.capped or obs.rows > expected
            if (
                not retry
                and below
                and self.seen(obs.start, obs.end)
                and max(obs.rows, predicted) >= MIN_ERROR_ROWS
            ):
                error = math.log(max(obs.rows, 1) / expected)
                errors = errors.add(max(-ERROR_CLIP, min(ERROR_CLIP, error)))
            if obs.capped:
                run.capped(predicted, obs.rows)
            else:
                run.kept(predicted, obs.rows)
            previous = obs
        return errors

    def _fitted(
        self, kept: list[tuple[list[tuple[int, int, int]], int]], errors: ErrorStats, teach_week: bool
    ) -> DensityHistory:
        rows, seconds = _fitted(
            self.rows + self.month_end_rows, self.seconds + self.month_end_seconds, kept, teach_week
        )
        week, end = slice(0, HOURS_OF_WEEK), slice(HOURS_OF_WEEK, None)
        fitted = DensityHistory(self.timezone, rows[week], seconds[week], errors, rows[end], seconds[end])
        decay = 0.5 ** (sum(s for segments, _ in kept for _, _, s in segments) / HALF_LIFE_SECONDS)
        week_rates = fitted.rates()
        expected = sum(week_rates[b] * s for segments, _ in kept for b, m, s in segments if m >= 0)
        return replace(fitted, month_end_expected=self.month_end_expected * decay + expected)

    def to_json(self) -> dict[str, Any]:
        """A JSON-able form of at most a few kilobytes."""
        return {
            "version": FORMAT_VERSION,
            "timezone": self.timezone,
            "rows": list(self.rows),
            "seconds": list(self.seconds),
            "errors": [self.errors.weight, self.errors.mean, self.errors.variance],
            "end_rows": list(self.month_end_rows),
            "end_seconds": list(self.month_end_seconds),
            "end_expected": self.month_end_expected,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DensityHistory:
        """The history :meth:`to_json` wrote; a clear :class:`WolkvoxConfigError` for anything else."""
        try:
            if data["version"] != FORMAT_VERSION:
                raise WolkvoxConfigError(
                    f"density history version {data['version']!r} is not {FORMAT_VERSION}: "
                    "drop the stored history and let the next run start a new one"
                )
            rows = tuple(float(r) for r in data["rows"])
            seconds = tuple(float(s) for s in data["seconds"])
            weight, mean, variance = (float(x) for x in data["errors"])
            tz = str(data["timezone"])
            # A history written before month-end hours were profiled has none: they start from the week.
            none = (0.0,) * MONTH_END_DAYS
            end_rows = tuple(float(r) for r in data.get("end_rows", none))
            end_seconds = tuple(float(s) for s in data.get("end_seconds", none))
            end_expected = float(data.get("end_expected", 0.0))
        except (KeyError, TypeError, ValueError) as err:
            if isinstance(err, WolkvoxConfigError):
                raise
            raise WolkvoxConfigError(
                f"stored density history is not one DensityHistory.to_json wrote ({err!r}): "
                "drop it and let the next run start a new one"
            ) from None
        values = (*rows, *seconds, *end_rows, *end_seconds, end_expected, weight, variance)
        if (
            len(rows) != HOURS_OF_WEEK
            or len(seconds) != HOURS_OF_WEEK
            or len(end_rows) != MONTH_END_DAYS
            or len(end_seconds) != MONTH_END_DAYS
            or not all(math.isfinite(x) and x >= 0 for x in values)
        ):
            raise WolkvoxConfigError(
                f"stored density history needs {HOURS_OF_WEEK} finite non-negative rows and seconds "
                f"(and {MONTH_END_DAYS} of each for the month's end): "
                "drop it and let the next run start a new one"
            )
        errors = ErrorStats(weight, mean, variance)
        return cls(cls.empty(tz).timezone, rows, seconds, errors, end_rows, end_seconds, end_expected)


def next_level(level: float, ratio: float, capped: bool) -> float:
    """A run's level after an answer of ``ratio`` times the profile's prediction: mostly the
    last answer (volume changes from day to day), and at least the ratio a capped answer
    proves (its rows are only a lower bound)."""
    if capped:
        return max(level, ratio)
    if ratio <= 0:
        return level
    return math.exp((1 - LEVEL_WEIGHT) * math.log(level) + LEVEL_WEIGHT * math.log(ratio))


@dataclass
class RunLevel:
    """How far one run's answers are from the profile, as the sizer plans the rest of the run by it.

    ``level`` follows the answers (:func:`next_level`); the rest of the run is planned at
    :meth:`rest`, which is at least enough for the run to hold the profile's total where the kept
    windows brought fewer rows than the profile put in them: a profile that spread a busy morning
    over the quiet night before it (a window spanning both says only their sum) is right about the
    sum and wrong about when, so those rows are still to come.
    """

    level: float = 1.0
    predicted: float = 0.0
    """The profile's rows in the windows kept so far."""
    rows: float = 0.0
    """...and the rows they brought."""

    shortfalls: int = 0
    """Kept windows that brought fewer rows than the profile predicted."""
    floor: float = 0.0
    """The level never falls below this: 1 for a profile of the run's own answers, which is at this
    run's level by construction; a window short of it says the profile put its rows in the wrong
    hours, and planning the next window longer for it would run into a cap."""

    def rest(self, predicted_rest: float) -> float:
        """The level to plan the rest of the run at, which the profile says holds ``predicted_rest``."""
        short = self.predicted - self.rows
        # A second window short of the profile says the run is lighter than it, not later.
        if short <= 0 or predicted_rest <= 0 or self.shortfalls > 1:
            return self.level
        return max(self.level, min(SHIFT_MAX, (predicted_rest + short) / predicted_rest))

    def kept(self, predicted: float, rows: int) -> None:
        self.level = max(self.floor, next_level(self.level, rows / predicted, capped=False))
        self.predicted += predicted
        self.rows += rows
        self.shortfalls += rows < predicted

    def capped(self, predicted: float, rows: int) -> None:
        self.level = next_level(self.level, rows / predicted, capped=True)


def _fitted(
    rows: tuple[float, ...],
    seconds: tuple[float, ...],
    run: list[tuple[list[tuple[int, int, int]], int]],
    teach_week: bool,
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The buckets (the week's, then the month end's) with one run's windows added: the old
    sums decayed by the span the run observed, then each window's rows shared among the hours
    it spans in proportion to their rate, refined over ``FIT_ROUNDS`` rounds
    (expectation-maximisation). A window spanning a quiet night and a busy day says only their
    sum; windows that start and end at different hours say which part was busy. The month's
    last hours teach their weekday's bucket too (``teach_week``) only where they were no peak:
    a peak would make that weekday look busy every week. There they are also shared among
    their hours as the week's are: ordinary days, not a noisy day's own sum."""
    decay = 0.5 ** (sum(s for segments, _ in run for _, _, s in segments) / HALF_LIFE_SECONDS)
    prior_rows = [r * decay for r in rows]
    new_seconds = [s * decay for s in seconds]
    buckets = [[(b if m < 0 else HOURS_OF_WEEK + m, b, s) for b, m, s in segments] for segments, _ in run]
    for segments in buckets:
        for at, b, s in segments:
            new_seconds[at] += s
            if at != b and teach_week:
                new_seconds[b] += s
    new_rows = prior_rows
    current = _rates(list(rows), list(seconds))
    for _ in range(FIT_ROUNDS):
        new_rows = list(prior_rows)
        shape = _hour_shape(current)
        for segments, (_, observed) in zip(buckets, run, strict=True):
            weights = [
                current[b] if at < HOURS_OF_WEEK or teach_week else _end_rate(current, shape, at, b)
                for at, b, _ in segments
            ]
            weights = [w * s for w, (_, _, s) in zip(weights, segments, strict=True)]
            total = sum(weights)
            span = sum(s for _, _, s in segments)
            for (at, b, s), w in zip(segments, weights, strict=True):
                share = observed * (w / total if total else s / span)
                new_rows[at] += share
                if at != b and teach_week:
                    new_rows[b] += share
        previous, current = current, _rates(new_rows, new_seconds)
        mean = _mean_rate(new_rows, new_seconds)
        if all(abs(a - b) <= FIT_TOLERANCE * mean for a, b in zip(previous, current, strict=True)):
            break  # e.g. hourly windows: each within one bucket, nothing to refine
    return tuple(new_rows), tuple(new_seconds)


FLAT = 1e-6
"""Hours of a day whose rates differ by less than this share are one window's rows spread evenly."""


def _unsmeared(rows: tuple[float, ...], seconds: tuple[float, ...]) -> tuple[float, ...]:
    """``rows`` with every run of evenly spread hours of a day re-shared as that hour of the day is
    busy over the whole week.

    A window over hours the profile knew nothing of (a deployment's first days) can only be
    spread evenly: its rows are right as a sum, and nothing in later windows of other days reaches
    back to say where within it they were. The same hours of other days do say it (a weekday
    cut at 08:43 that brought 8,000 rows says the morning before was quiet): the sum is kept, its
    share among its hours follows theirs. Hours measured one by one are never evenly spread to
    the last digit, so they are left as measured."""
    rates = [r / s if s else 0.0 for r, s in zip(rows, seconds, strict=True)]
    out = list(rows)
    for day in range(7):
        hour = 0
        while hour < 24:
            first = day * 24 + hour
            last = first + 1
            while (
                last < day * 24 + 24
                and seconds[first]
                and seconds[last]
                and rates[first] > 0
                and abs(rates[last] - rates[first]) <= FLAT * rates[first]
            ):
                last += 1
            # The other days that saw all these hours say how they share their rows.
            others = [
                d * 24
                for d in range(7)
                if d != day and all(seconds[d * 24 + b % 24] for b in range(first, last))
            ]
            shape = [sum(rates[d + b % 24] for d in others) for b in range(first, last)]
            weights = [w * seconds[b] for w, b in zip(shape, range(first, last), strict=True)]
            if last - first > 1 and sum(weights) > 0 and max(shape) - min(shape) > FLAT * max(shape):
                total = sum(rows[first:last])
                for b, w in zip(range(first, last), weights, strict=True):
                    out[b] = total * w / sum(weights)
            hour += last - first
    return tuple(out)


def _mean_rate(rows: list[float], seconds: list[float]) -> float:
    known = sum(seconds[:HOURS_OF_WEEK])
    return sum(rows[:HOURS_OF_WEEK]) / known if known else 0.0


def _rates(rows: list[float], seconds: list[float]) -> list[float]:
    """The week's rates (smoothed, see :func:`_week_by_day`), then the month end's raw sums as
    ``rows, seconds`` pairs flattened: a month-end hour's rate depends on its weekday's."""
    mean = _mean_rate(rows, seconds)
    week = [r / s if s else mean for r, s in zip(rows[:HOURS_OF_WEEK], seconds[:HOURS_OF_WEEK], strict=True)]
    return _week_by_day(week) + [
        x for r, s in zip(rows[HOURS_OF_WEEK:], seconds[HOURS_OF_WEEK:], strict=True) for x in (r, s)
    ]


def _end_rate(current: list[float], shape: list[float], at: int, bucket: int) -> float:
    at = HOURS_OF_WEEK + 2 * (at - HOURS_OF_WEEK)
    return _month_end_rate(current[at], current[at + 1], current[bucket], shape[bucket % 24])


def _month_end_rate(rows: float, seconds: float, week_rate: float, hour_share: float) -> float:
    """A month-end hour's rate: its day's, shared by the hour's ``hour_share``, drawn toward the
    week bucket's ``week_rate`` by ``MONTH_END_PRIOR_SECONDS``."""
    return (rows * hour_share + MONTH_END_PRIOR_SECONDS * week_rate) / (seconds + MONTH_END_PRIOR_SECONDS)


def _hour_shape(rates: list[float]) -> list[float]:
    """How much of an average day's rate each local hour has (1 on average over the day; all 1
    when the week has no rows)."""
    hours = [sum(rates[h:HOURS_OF_WEEK:24]) for h in range(24)]
    total = sum(hours)
    return [24 * h / total for h in hours] if total else [1.0] * 24


@lru_cache(maxsize=4096)
def _days_before_last(day: int) -> int:
    """How many days local day ``day`` (days since 1970-01-01) is before its month's last (0 on it)."""
    moment = date.fromordinal(_EPOCH_ORDINAL + day)
    return calendar.monthrange(moment.year, moment.month)[1] - moment.day


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


WEEK_BY_DAY_BLEND = 0.5
"""How far each round's rates move toward the best "day of week times hour of day" profile: a
window of a day says little about its own hours, but the same hour on other days does."""


PREDICT_BLEND = 0.5
"""How far the rates a plan is made from move toward the "day of week times hour of day" profile:
a weekday seen once, cut into two halves, says little of its hours; the other weekdays' cuts
say more."""


def _week_by_day(rates: list[float], blend: float = WEEK_BY_DAY_BLEND) -> list[float]:
    """``rates`` moved ``blend`` of the way toward ``day[d] * hour[h] / total``."""
    total = sum(rates)
    if not total or not blend:
        return rates
    days = [sum(rates[d * 24 : d * 24 + 24]) for d in range(7)]
    hours = [sum(rates[h::24]) for h in range(24)]
    return [(1 - blend) * r + blend * days[b // 24] * hours[b % 24] / total for b, r in enumerate(rates)]


@lru_cache(maxsize=64)
def _checked_zone(tz: str) -> ZoneInfo:
    """The zone of an IANA name, which a stored history may hold wrong: else a WolkvoxConfigError."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise WolkvoxConfigError(f"time zone {tz!r} is not an IANA name such as America/Bogota") from None


@lru_cache(maxsize=65_536)
def _offset(zone: ZoneInfo, hour: int) -> int:
    """UTC offset in seconds of ``zone`` at the start of the UTC hour ``hour`` (where a change falls
    mid-hour, that half hour counts in the neighbouring bucket: a profile, not a calendar)."""
    offset = datetime.fromtimestamp(hour * 3600, timezone.utc).astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset else 0
