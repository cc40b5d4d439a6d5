"""What the emulator will answer, computed here from the same deterministic dial events.

The emulator's data (``DialData``) is a pure function of (seed, telephones,
dials_per_hour): every process sees the same events. Walking those events in
time order finds an interval with an exact number of distinct telephones (the
rows campaign_8 returns for it), and the fewest request windows any client could
split an interval into (the greedy cut, see :func:`fewest_windows`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from airflow_provider_wolkvox.testing.emulator_data import DialData

DAY = 86_400
MAX_WINDOW_SECONDS = 31 * DAY
"""The API's 31-day limit as a window length in seconds (``date_end - date_ini`` + 1 s)."""


@dataclass(frozen=True)
class Density:
    """Emulator settings: a telephone pool and a dial rate, deterministic from ``seed``."""

    seed: int
    telephones: int
    dials_per_hour: int

    def data(self) -> DialData:
        return DialData(seed=self.seed, telephones=self.telephones, dials_per_hour=self.dials_per_hour)

    def emulator_args(self) -> list[str]:
        return [
            "--seed",
            str(self.seed),
            "--telephones",
            str(self.telephones),
            "--dials-per-hour",
            str(self.dials_per_hour),
        ]


def seconds_with_phones(
    data: DialData, campaign_id: str, start: int, end: int
) -> Iterator[tuple[int, set[int]]]:
    """``(epoch second, telephone indexes dialed in it)`` for ``[start, end)``, in time order."""
    for hour in range(start // 3600, (end - 1) // 3600 + 1):
        base = hour * 3600
        by_second: dict[int, set[int]] = {}
        for seconds, phones in data.hour(campaign_id, hour):
            for second, phone in zip(seconds, phones, strict=True):
                moment = base + second
                if start <= moment < end:
                    by_second.setdefault(moment, set()).add(phone)
        for moment in sorted(by_second):
            yield moment, by_second[moment]


def end_for_rows(data: DialData, campaign_id: str, start: int, rows: int, horizon: int) -> tuple[int, int]:
    """The latest end (epoch second) such that ``[start, end)`` holds at most ``rows`` distinct
    telephones, and how many it holds. ``horizon`` bounds the search."""
    seen: set[int] = set()
    for moment, phones in seconds_with_phones(data, campaign_id, start, start + horizon):
        if len(seen) + len(phones - seen) > rows:
            return moment, len(seen)
        seen |= phones
    raise ValueError(f"fewer than {rows:,} telephones within {horizon:,} s of {start}")


def distinct_telephones(data: DialData, campaign_id: str, start: int, end: int) -> int:
    seen: set[int] = set()
    for _, phones in seconds_with_phones(data, campaign_id, start, end):
        seen |= phones
    return len(seen)


@dataclass(frozen=True)
class FewestWindows:
    """The fewest request windows a client that knew the data in advance could use."""

    windows: int
    rows: int
    """Rows those windows return in total (a telephone dialed in two windows is returned twice)."""
    distinct: int
    """Distinct telephones over the whole span."""


def fewest_windows(data: DialData, campaign_id: str, start: int, end: int, row_cap: int) -> FewestWindows:
    """Cut ``[start, end)`` into the fewest windows of at most 31 days whose answers stay below
    ``row_cap`` rows (an answer of ``row_cap`` rows may be truncated, so it is never trusted).

    Greedy: each window is stretched, second by second, until one more second would bring it
    to ``row_cap`` distinct telephones or past 31 days. Any sub-window of an acceptable window is
    acceptable (its answer has fewer rows, it is shorter), and for such families the greedy cut
    is the shortest (the k-th greedy window ends no earlier than the k-th window of any other
    cut), so no client can do with fewer calls.
    """
    return fewest_windows_of(seconds_with_phones(data, campaign_id, start, end), start, end, row_cap)


def fewest_windows_of(
    seconds: Iterable[tuple[int, set[int]]], start: int, end: int, row_cap: int
) -> FewestWindows:
    """:func:`fewest_windows` over any ``(epoch second, telephones)`` sequence in time order."""
    windows = rows = 0
    window_start = start
    current: set[int] = set()
    everyone: set[int] = set()
    for moment, phones in seconds:
        while moment >= window_start + MAX_WINDOW_SECONDS:  # the window cannot reach this second
            windows, rows = windows + 1, rows + len(current)
            window_start, current = window_start + MAX_WINDOW_SECONDS, set()
        if len(current) + len(phones - current) >= row_cap:  # the window ends just before this second
            if len(phones) >= row_cap:
                raise ValueError(f"one second at {moment} holds {len(phones):,} telephones")
            windows, rows = windows + 1, rows + len(current)
            window_start, current = moment, set(phones)
        else:
            current |= phones
        everyone |= phones
    windows += -(-(end - window_start) // MAX_WINDOW_SECONDS)
    return FewestWindows(windows=windows, rows=rows + len(current), distinct=len(everyone))
