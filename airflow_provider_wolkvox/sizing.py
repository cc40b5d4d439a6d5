"""How long the next request window should be: as long as possible, yet below the row cap.

Every answer at the cap is a call thrown away, and every window well below it is a
call spent on fewer rows than it could have brought. :class:`WindowSizer` predicts a
window's rows from the density just seen (rows per second of the last kept window),
keeps the last few prediction errors, and aims as close to the cap as their spread
allows: steady data is fetched at up to 97 % of the cap, data whose density jumps
(business hours, weekends) with more headroom. A cap answer before any density is known
says only "at least 60,000 rows": the window is halved, then quartered, and never kept
longer than a day, and the next windows grow back from what the first kept one measured.

The constants were chosen by replaying these rules over a month of emulated dial events
with steady, daily-cycle, business-hours, weekday-only and day-to-day varying density
(see the performance page); pure arithmetic, no I/O.
"""

from __future__ import annotations

import math
from collections import deque
from datetime import timedelta

SAFETY_SIGMAS = 2.5
"""Headroom below the cap, in standard deviations of the recent log prediction errors."""
FILL_RANGE = (0.6, 0.97)
"""The share of the cap a window is sized for stays within these bounds."""
FIRST_ERROR_SPREAD = 0.1
"""Assumed spread until two errors are known: a fill of about 78 %."""
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


class WindowSizer:
    """The next request window's length, learnt from the answers so far.

    Call :meth:`kept` after each answer below the cap, :meth:`capped` after an answer at it
    and :meth:`timed_out` after a window the server keeps timing out on.
    """

    def __init__(self, row_cap: int, max_window: timedelta) -> None:
        self.row_cap = row_cap
        self.max_window = _whole_seconds(max_window)
        self.size = self.max_window
        self._density: float | None = None  # rows per second of the last kept window
        self._errors: deque[float] = deque(maxlen=ERRORS_KEPT)  # log(actual / predicted)
        self._capped_in_a_row = 0

    def kept(self, span: timedelta, rows: int) -> None:
        seconds = span.total_seconds()
        if self._density and rows and not self._capped_in_a_row:
            self._errors.append(math.log(rows / (self._density * seconds)))
        self._capped_in_a_row = 0
        if not rows:
            self.size = self._bounded(span * 4)
            return
        self._density = rows / seconds
        bias, spread = self._error_stats()
        fill = min(FILL_RANGE[1], max(FILL_RANGE[0], math.exp(-SAFETY_SIGMAS * spread)))
        factor = fill * self.row_cap / math.exp(bias) / rows
        growth = MAX_GROWTH if rows >= SAMPLE_ROWS else 4.0
        self.size = self._bounded(span * min(growth, max(MIN_GROWTH, factor)))

    def capped(self, span: timedelta) -> None:
        if self._density is None:
            self.size = self._bounded(min(span / (4 if self._capped_in_a_row else 2), BLIND_CUT))
        elif self._capped_in_a_row:
            self.size = self._bounded(span / 2)
        else:
            # At least the cap where the prediction said less: an error of at least this much.
            self._errors.append(math.log(self.row_cap / (self._density * span.total_seconds())))
            self.size = self._bounded(span * RETRY_SHRINK)
        self._capped_in_a_row += 1

    def timed_out(self, span: timedelta) -> None:
        self.size = self._bounded(span / 2)

    def _error_stats(self) -> tuple[float, float]:
        """Mean and standard deviation of the recent log errors (0 and a guess until two are known)."""
        errors = self._errors
        if len(errors) < 2:
            return 0.0, FIRST_ERROR_SPREAD
        mean = sum(errors) / len(errors)
        variance = sum((e - mean) ** 2 for e in errors) / (len(errors) - 1)
        return mean, math.sqrt(variance)

    def _bounded(self, span: timedelta) -> timedelta:
        return _whole_seconds(min(span, self.max_window))


def _whole_seconds(span: timedelta) -> timedelta:
    return max(timedelta(seconds=1), timedelta(seconds=int(span.total_seconds())))
