"""How long the next request window should be: as long as possible, yet below the row cap.

Every answer at the cap is a call thrown away, and every window well below it is a
call spent on fewer rows than it could have brought. :class:`WindowSizer` predicts a
window's rows from the density just seen (rows per second of the last kept window),
keeps the last few prediction errors, and aims as close to the cap as their spread
allows (:func:`margin_fill`; with a history, the share of the cap that brings the most
rows per call, :func:`best_fill`): steady data at about 90 % of the cap, data whose
density jumps (business hours, weekends) with more headroom. A cap answer before any density is known
says only "at least 60,000 rows": the window is halved, then quartered, and never kept
longer than a day, and the next windows grow back from what the first kept one measured.

Given a :class:`~airflow_provider_wolkvox.fetching.density.DensityHistory` of earlier runs, the
first window is not blind: each window is planned from the profile of rows by hour of
the week, scaled by the run's level (how far this run's answers are above or below the
profile), to fill the cap up to the headroom the history's own prediction errors call
for; a rest of a few windows (a busy day) is cut as a whole into the count of windows with the
fewest calls expected (:func:`fewest_calls`). A capped window is asked again where the profile
puts its rows; timeouts still halve the next window.

A run without a (trusted) history learns within itself: once it has covered a day
(``LEARN_SPAN``), what its own answers revealed is folded into a profile by the same estimator as
across runs (:meth:`DensityHistory.updated`: expectation-maximisation of the kept windows' counts
over the hours they span, since campaign_8's rows carry no time of their own; a capped answer is
only a lower bound and counts as a miss), and the rest of the run is planned from it, refolded
every day. That profile is the run's own: its misses never send the run back to blind growth (an
empty night said "grow fourfold" into the next busy morning), and a cap over hours it guessed is
cut as a blind one, in half and to a day at most. Why: ``docs/decisions/0009-learning-within-a-run.md``.

A run too short to learn so (a day or less) whose density was proven wrong, a window it sized
from the last one's density capped, follows the fixed rule for the rest of the run: that
window halved (as sized, not as stretched to the interval's end), then 80 % of the cap at the
last density, between half and four times the last window. Why:
``docs/decisions/0010-blind-days-proven-wrong.md``.

Pure arithmetic, no I/O. Why these rules and constants (chosen by replaying them over a month of
emulated dial events): ``docs/decisions/0003-request-window-fill.md``.
"""

from __future__ import annotations

import math
from collections import deque
from datetime import timedelta
from functools import lru_cache

from airflow_provider_wolkvox.fetching.density import (
    MIN_ERROR_ROWS,
    MIN_PREDICTED_ROWS,
    DensityHistory,
    ErrorStats,
    Observation,
    RunLevel,
)

SAFETY_SIGMAS = 2.5
"""How sure a distrusted history must be of a cap (in spreads of its log errors above it) to cut
the first window, and the headroom of a run without history (:func:`margin_fill`); a run with
a history aims every window at :func:`best_fill`."""
FILL_RANGE = (0.6, 0.97)
"""The share of the cap a window is sized for stays within these bounds."""
FIRST_ERROR_SPREAD = 0.1
"""Assumed spread until two errors are known: a fill of about 84 % (``best_fill``)."""
ERRORS_KEPT = 10
"""How many recent prediction errors the spread is computed from."""
BLIND_CUT = timedelta(days=1)
"""A capped window with no density known yet is halved (quartered when the last one was
capped too), and cut to one day at most: a month over the cap says little about a day,
while a day over it is most likely one to three caps' worth (and a whole day averages
over the operation's daily cycle)."""
RETRY_SHRINK = 0.75
"""A capped window that was sized from a density is asked again 3/4 as long, then halved."""
MAX_GROWTH = 16.0
"""The next window is at most 16 times the last (4 times when it brought under
``SAMPLE_ROWS`` rows: too few for a density worth extrapolating)."""
SAMPLE_ROWS = 500
MIN_GROWTH = 0.25
"""...and at least a quarter of it."""
TRUST_SPREAD = 1.0
"""A history whose log prediction errors spread wider than this (about a factor of e) plans only
the first window; so does one whose predictions miss that widely in this run, after
``TRUST_AFTER`` answers: beyond it, the last window's density predicts better. Wide: a profile
still learning a busy day's hours misses by that much at first, and blind windows over a busy
day cost twice the calls (``docs/decisions/0007-busy-days.md``)."""
TRUST_AFTER = 3
LEARN_SPAN = 86_400
"""A run planning without a (trusted) history folds what its own answers revealed into a profile
(:meth:`DensityHistory.updated`, the same estimator as across runs) once every this many seconds of
the interval it has covered, and plans the rest from it: a month's run learns its first day's
empty night and busy morning instead of growing into the next morning blind."""
FIXED_FILL = 0.8
FIXED_GROWTH = (0.5, 4.0)
"""The fixed rule a run too short to learn (``LEARN_SPAN`` at most) follows once a window sized
from the last one's density came back at the cap: each window 80 % of the cap at the last
density, between half and four times the last, and a capped one halved. That density missed
where the rows are; growing fourfold at most and halving on a cap is what costs the fewest calls
on the days replayed (``docs/decisions/0010-blind-days-proven-wrong.md``)."""
STALE_MISS = 2.0
"""A cap where the history predicted less than half of it: the history is stale, and the
window is cut the way a blind one is (``BLIND_CUT``)."""


class WindowSizer:
    """The next request window's length, learnt from the answers so far.

    Ask :meth:`size_at` for each window's length, then call :meth:`kept` after an answer below
    the cap, :meth:`capped` after an answer at it and :meth:`timed_out` after a window the
    server keeps timing out on. Without a history (or with an empty one), :meth:`size_at` is
    :attr:`size`, learnt from the answers of this run alone.
    """

    def __init__(
        self,
        row_cap: int,
        max_window: timedelta,
        history: DensityHistory | None = None,
        timezone: str | None = None,
    ) -> None:
        self.row_cap = row_cap
        self.max_window = _whole_seconds(max_window)
        self.size = self.max_window
        self._density: float | None = None  # rows per second of the last kept window
        self._errors: deque[float] = deque(maxlen=ERRORS_KEPT)  # log(actual / predicted)
        self._capped_in_a_row = 0
        self._history = history if history is not None and history.known else None
        # A history whose predictions missed widely plans the first window only (no blind cap).
        self._first_only = bool(history and _spread(history.errors) > TRUST_SPREAD)
        self._rates = self._history.rates() if self._history else []
        self._own = False  # whether the profile planned from holds this run's own answers
        self._run = RunLevel()  # this run's rows over the profile's
        self._start: int | None = None  # epoch second the last planned window starts at
        self._ceiling: timedelta | None = None  # set by a cap or a timeout until the next kept answer
        self._reach = 0.0  # seconds the next window may grow to after the last kept one
        self._fill = best_fill if self._history is not None else margin_fill  # see margin_fill
        # What this run's own answers revealed (LEARN_SPAN), folded in as it goes: never the history
        # given, which is dropped only where this run is not the week it knows.
        zone = history.timezone if history is not None else timezone or "UTC"
        self._learner = DensityHistory.empty(zone)
        self._pending: list[Observation] = []  # answered since the last fold
        self._folded_to: int | None = None  # epoch second of the last fold (the run's start at first)
        # The end of the last window capped blind, and the rows it still holds beyond those kept since.
        self._bound: tuple[int, int] | None = None
        self._short = False  # whether the run is too short to learn (LEARN_SPAN at most)
        self._fixed = False  # the fixed rule for the rest of the run (FIXED_FILL)
        self._stretched_from: timedelta | None = None  # what a window stretched to the end was sized at

    def size_at(self, start: int, limit: int) -> timedelta:
        """Length of the next window, which starts at epoch second ``start``; ``limit`` is the
        interval's end (the plan looks no further)."""
        if self._folded_to is None:
            self._folded_to = start
            self._short = limit - start <= LEARN_SPAN
        self._stretched_from = None
        if self._history is None or self._own:
            self._learn(start)
        if self._fixed:
            self._start = start
            return self.size
        if self._history is None:
            self._start = start
            return self._blind_size(start, limit)
        bias, spread = self._error_stats()
        longest = max(1, min(int(self.max_window.total_seconds()), limit - start))
        predicted_rest = self._history.predict(start, limit, self._rates)
        scale = self._run.rest(predicted_rest) * math.exp(bias)  # rows expected per row of the profile
        expected_rest = scale * predicted_rest
        whole = longest == limit - start and not self._ceiling
        if self._first_only:  # cut only where the history is sure of a cap, as a blind window would hit
            # The rest more likely fits than not: one call, where two would be sure.
            windows = 1 if whole and expected_rest < self.row_cap else 0
            rows = self.row_cap * math.exp(SAFETY_SIGMAS * spread)
        elif longest == limit - start and expected_rest < PLAN_AHEAD * best_fill(spread) * self.row_cap:
            # The rest in the fewest calls, its predicted rows shared evenly: two windows of 55 %
            # where the greedy 90 % and 20 % would leave a third; one where it more likely fits.
            windows = fewest_calls(expected_rest / self.row_cap, spread, best_fill(spread))
            # Whether the rest fits one call is judged at the history's own bias, which may be below
            # none (a volume that changes from day to day); its cuts, never below the profile.
            low = expected_rest * math.exp(min(0.0, self._history.errors.mean))
            if whole and fewest_calls(low / self.row_cap, spread, best_fill(spread)) == 1:
                windows = 1
            if self._capped_in_a_row:  # the rest holds at least the cap: two windows at least
                windows = max(2, windows)
            rows = predicted_rest / windows
        else:
            windows, rows = 0, best_fill(spread) * self.row_cap / scale
        if windows == 1 and whole:
            seconds = longest
        else:
            seconds = self._history.span_for(start, rows, longest, self._rates)
        size = self._bounded(timedelta(seconds=seconds))
        self.size = min(size, self._ceiling) if self._ceiling else size
        self._start = start
        return self.size

    def _learn(self, start: int) -> None:
        """Fold the answers since the last fold into the run's profile once it covers another
        ``LEARN_SPAN``, and plan from it (right after a kept answer only: a cap's retry is under way)."""
        if self._capped_in_a_row or self._folded_to is None or start - self._folded_to < LEARN_SPAN:
            return
        self._learner = self._learner.updated(self._pending)
        self._pending, self._folded_to = [], start
        if not self._learner.known:
            return
        self._history, self._rates = self._learner, self._learner.rates()
        self._first_only, self._own = False, True
        self._run, self._fill, self._ceiling = RunLevel(floor=1.0), best_fill, None
        self._errors.clear()

    def _observed(self, span: timedelta, rows: int, capped: bool) -> None:
        if self._start is not None:
            self._pending.append(
                Observation(self._start, self._start + int(span.total_seconds()), rows, capped)
            )

    def _blind_size(self, start: int, limit: int) -> timedelta:
        """:attr:`size`, stretched to ``limit`` when less than another such window would be left
        and the rest more likely fits than not at the last window's density: the sliver left
        would cost a call of its own for sure, the stretch one only if it caps. Never beyond the
        growth a kept window allows (``MAX_GROWTH``): one quiet Sunday does not say that the
        month after it fits in one call."""
        rest = limit - start
        if (
            self._density is not None
            and not self._capped_in_a_row
            and self._ceiling is None
            and self.size.total_seconds() < rest <= min(2 * self.size.total_seconds(), self._reach)
            and self._density * rest * math.exp(self._error_stats()[0]) < self.row_cap
        ):
            self._stretched_from = self.size
            return timedelta(seconds=rest)
        return self.size

    def kept(self, span: timedelta, rows: int) -> None:
        self._observed(span, rows, capped=False)
        if self._fixed:
            self._capped_in_a_row = 0
            low, high = FIXED_GROWTH
            factor = min(high, max(low, FIXED_FILL * self.row_cap / rows)) if rows else high
            self.size = self._bounded(span * factor)
            return
        self._ceiling = None  # a timeout's or a cap's limit holds until a window is kept
        if self._history is not None and self._start is not None:
            predicted = self._predicted(self._history, self._start, span)
            if not self._capped_in_a_row and max(rows, predicted) >= MIN_ERROR_ROWS:
                self._errors.append(math.log(max(rows, 1) / (self._run.level * predicted)))
            self._run.kept(predicted, rows)
            self._capped_in_a_row, self._ceiling = 0, None
            if self._own or (not self._first_only and not self._missing(self._errors)):
                return
            self._history = None  # this run is not the week the history knows: learn from the answers
        self._blind_kept(span, rows)
        if self._bound is not None and self._start is not None:
            # A window capped before still holds at least ``needed`` rows past this one, more than
            # this one's density puts there: they are ahead, and the next window ends halfway to
            # its end, where a guess from this density would reach into them again.
            end, needed = self._bound
            stop = self._start + int(span.total_seconds())
            needed -= rows
            behind = rows / span.total_seconds() * (end - stop) < needed
            if stop < end and needed >= self.row_cap / 2 and behind:
                self._bound = end, needed
                self.size = min(self.size, self._bounded(timedelta(seconds=(end - stop) / 2)))
            else:
                self._bound = None

    def _blind_kept(self, span: timedelta, rows: int) -> None:
        seconds = span.total_seconds()
        if self._density and rows and not self._capped_in_a_row:
            self._errors.append(math.log(rows / (self._density * seconds)))
        self._capped_in_a_row = 0
        if not rows:
            self.size = self._bounded(span * 4)
            return
        self._density = rows / seconds
        bias, spread = self._error_stats()
        fill = self._fill(spread)
        factor = fill * self.row_cap / math.exp(bias) / rows
        growth = MAX_GROWTH if rows >= SAMPLE_ROWS else 4.0
        self._reach = min(seconds * growth, self.max_window.total_seconds())
        self.size = self._bounded(span * min(growth, max(MIN_GROWTH, factor)))

    def capped(self, span: timedelta) -> None:
        self._observed(span, self.row_cap, capped=True)
        if self._fixed:
            self._capped_in_a_row += 1
            self.size = self._bounded(span / 2)
            return
        if self._history is not None and self._start is not None:
            predicted = self._predicted(self._history, self._start, span)
            stale = self.row_cap > STALE_MISS * self._run.level * predicted
            if not self._own and (self._first_only or stale):
                self._history = None  # not the week the history knows: as if no density were known
        if self._history is not None and self._start is not None:
            if not self._capped_in_a_row and self.row_cap > self._run.level * predicted:
                # A cap is a miss only where less was predicted: it proves at least the cap.
                self._errors.append(math.log(self.row_cap / (self._run.level * predicted)))
            self._run.capped(predicted, self.row_cap)
            # The retry is planned from the profile at the level the cap proves, so it ends where
            # the profile says the cap's rows are; never as long as the capped window, and halved
            # after a second cap in a row.
            self._ceiling = self._bounded(span / 2 if self._capped_in_a_row else span - _shorter(span))
            if self._own and (
                stale or not self._history.seen(self._start, self._start + int(span.total_seconds()))
            ):
                # The run's own profile guessed those hours: cut as a blind window is.
                self._ceiling = min(self._ceiling, self._bounded(min(span / 2, BLIND_CUT)))
            self._capped_in_a_row += 1
            return
        if self._start is not None:
            self._bound = self._start + int(span.total_seconds()), self.row_cap
        if self._density is None:
            self.size = self._bounded(min(span / (4 if self._capped_in_a_row else 2), BLIND_CUT))
        elif self._capped_in_a_row:
            self.size = self._bounded(span / 2)
        else:
            # At least the cap where the prediction said less: an error of at least this much.
            self._errors.append(math.log(self.row_cap / (self._density * span.total_seconds())))
            self.size = self._bounded(span * RETRY_SHRINK)
            if self._short:
                # Proven wrong where the run will not learn where its rows are: the fixed rule.
                self._fixed = True
                self.size = self._bounded(min(span, self._stretched_from or span) / 2)
        self._capped_in_a_row += 1

    def timed_out(self, span: timedelta) -> None:
        self.size = self._ceiling = self._bounded(span / 2)

    @staticmethod
    def _missing(errors: deque[float]) -> bool:
        """Whether this run's answers are far from what the history predicted."""
        if len(errors) < TRUST_AFTER:
            return False
        mean = sum(errors) / len(errors)
        return math.sqrt(sum((e - mean) ** 2 for e in errors) / (len(errors) - 1)) > TRUST_SPREAD

    def _predicted(self, history: DensityHistory, start: int, span: timedelta) -> float:
        """The profile's rows for the window planned last (before this run's level)."""
        end = start + int(span.total_seconds())
        return max(MIN_PREDICTED_ROWS, history.predict(start, end, self._rates))

    def _error_stats(self) -> tuple[float, float]:
        """Mean and standard deviation of the recent log errors, pooled with the history's
        (0 and a guess until two are known)."""
        errors = self._errors
        prior = self._history.errors if self._history else None
        weight = prior.weight if prior else 0.0
        count = weight + len(errors)
        if count < 2:
            return 0.0, FIRST_ERROR_SPREAD
        prior_mean = prior.mean if prior else 0.0
        mean = (weight * prior_mean + sum(errors)) / count
        if not prior:
            return mean, math.sqrt(sum((e - mean) ** 2 for e in errors) / (count - 1))
        # As with the level (``RunLevel``), shortfalls never plan the rest below the profile: those
        # rows may still come. The spread is the upside's, as the history keeps it (``ErrorStats``).
        mean = max(0.0, mean)
        squares = sum(2 * max(0.0, e - max(0.0, mean)) ** 2 for e in errors) + weight * prior.variance
        return mean, math.sqrt(squares / (count - 1))

    def _bounded(self, span: timedelta) -> timedelta:
        return _whole_seconds(min(span, self.max_window))


def margin_fill(spread: float) -> float:
    """The share of the cap a run without history aims at: ``SAFETY_SIGMAS`` spreads below it.

    A run that starts blind keeps this wider margin: the few errors of one run understate the next
    jump of density (``docs/decisions/0003-request-window-fill.md``).
    """
    return min(FILL_RANGE[1], max(FILL_RANGE[0], math.exp(-SAFETY_SIGMAS * spread)))


PLAN_AHEAD = 4
"""A rest of at most this many windows at the aimed fill is planned as a whole (``fewest_calls``);
a longer one window by window, each aimed at the fill: over a month, the profile's misses add up
before its last windows are reached."""
CAP_CALLS = 1.5
"""What an answer at the cap costs: itself, and about half a call more where its window is
asked again in two."""


def fewest_calls(caps: float, spread: float, fill: float) -> int:
    """How many windows to share ``caps`` caps' worth of predicted rows among, evenly: the count
    with the fewest calls expected, each window's answer reaching the cap as often as a log error
    of that ``spread`` puts its share over it (``CAP_CALLS`` a cap, and the share's excess over the
    cap in windows of ``fill``). At most as many as fit at
    ``fill`` (``best_fill``, what a longer stream of windows aims at)."""
    if caps <= 0:
        return 1
    most = max(1, math.ceil(caps / fill))

    def expected(windows: int) -> float:
        share = caps / windows
        if spread <= 0:
            return windows * (1 + (CAP_CALLS + (share - 1) / fill if share >= 1 else 0.0))
        over = 0.5 * math.erfc(-math.log(share) / spread / math.sqrt(2))
        # A window planned over the cap, capped, leaves its excess to windows of its own.
        return windows * (1 + over * (CAP_CALLS + max(0.0, share - 1) / fill))

    return min(range(1, most + 1), key=expected)


def best_fill(spread: float) -> float:
    """The share of the cap to aim a window at when the log prediction errors spread by ``spread``.

    Aiming higher brings more rows per kept call but caps more often, and a capped answer is
    a call that brings nothing: the fill kept is the one (within ``FILL_RANGE``) with the most
    rows per call sent, ``E[fill * e^X; fill * e^X < 1]`` for a log error ``X`` normal with
    that spread (steady data: about 88 % of the cap).
    """
    return _best_fill(round(spread, 3))


@lru_cache(maxsize=1024)
def _best_fill(spread: float) -> float:
    low, high = FILL_RANGE
    if spread <= 0:
        return high

    def per_call(fill: float) -> float:
        below = -math.log(fill)  # the log error at which the answer reaches the cap
        kept = 0.5 * math.erfc(-(below - spread**2) / spread / math.sqrt(2))
        return fill * math.exp(spread**2 / 2) * kept

    steps = 200
    return max((low + (high - low) * i / steps for i in range(steps + 1)), key=per_call)


def _spread(errors: ErrorStats) -> float:
    return math.sqrt(errors.variance) if errors.weight >= 2 else 0.0


def _shorter(span: timedelta) -> timedelta:
    return max(timedelta(seconds=1), span / 16)


def _whole_seconds(span: timedelta) -> timedelta:
    return max(timedelta(seconds=1), timedelta(seconds=int(span.total_seconds())))
