"""Synthetic dial events for the Wolkvox emulator, and their campaign_8 aggregation.

The emulated operation dials telephones from a fixed pool. Events are generated
per (seed, campaign, UTC hour) from a :class:`random.Random` seeded by a stable
hash, so every process, thread and run sees the same events. Each event is a
whole second inside its hour, a telephone and a result. campaign_8 for a window
is, per telephone, the number of events (``total_machine_recognitions``) and the
number of each machine result. Because rows are sums of events, a window's rows
equal the per-telephone sum of the rows of any split of it.

Standard library only, no I/O.
"""

from __future__ import annotations

import functools
import hashlib
import random
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, tzinfo

Counts = tuple[int, int, int, int, int, int]
"""``(total_machine_recognitions, no_answer, answer_machine, busy, congestion, failed)``."""

Span = tuple[int, int, int]
"""``(utc_hour, first_second, last_second)``: seconds of one UTC hour, both ends inclusive."""

FIELDS = (
    "telephone",
    "total_machine_recognitions",
    "no_answer",
    "answer_machine",
    "busy",
    "congestion",
    "failed",
)

RESULTS = ("no_answer", "answer_machine", "busy", "congestion", "failed", "human")
"""Result codes 0..5 of a dial event; 5 (a human answered) is counted only in the total."""

WEIGHTS = (0.25, 0.15, 0.10, 0.05, 0.05, 0.40)
"""Mean share of each result; every hour varies each count by +-30 %."""

HOT_SHARE = 0.25
"""Share of dials that go to the "hot" 1 % of the pool: those numbers are dialed far more often."""

ALL_CAMPAIGNS = ("1", "2")
"""What ``campaign_id=all`` means: the union of these campaigns, summed per telephone."""

IDLE_CAMPAIGN = "0"
"""A campaign that never dials: any valid window of it is empty."""

DATA_START = 946_684_800  # 2000-01-01T00:00:00Z
DATA_END = 4_102_444_800  # 2100-01-01T00:00:00Z
"""The emulated operation has dial events in ``[DATA_START, DATA_END)`` (epoch seconds) only."""

MAX_TELEPHONES = 1_000_000_000
_EPOCH = datetime(1970, 1, 1)  # naive: wall-clock seconds are counted from it
_ONE_SECOND = timedelta(seconds=1)
_INDEX = "I" if array("I").itemsize >= 4 else "L"  # array type code of telephone indexes (< 2**32)

HourEvents = tuple[tuple["array[int]", "array[int]"], ...]
"""Per result code: (seconds within the hour, telephone indexes), aligned."""

Event = tuple[str, int, int, int, int, int]
"""``(campaign, utc_hour, result_code, index, epoch_second, telephone_index)``: one dial.
``(campaign, utc_hour, result_code, index)`` identifies it."""


def telephone(index: int, pool: int) -> str:
    """Telephone ``index`` of a pool of ``pool`` numbers.

    Mobile numbers ``3000000000..3999999999`` spread over the pool, written
    ``+57`` + 10 digits, or for the last tenth of the pool with a national
    leading zero. Distinct per index, and increasing with it as text, so sorting
    indexes sorts telephones.
    """
    national = pool // 10
    international = pool - national
    if index < international:
        prefix, rank, size = "+57", index, international
    else:
        prefix, rank, size = "0", index - international, national
    stride = MAX_TELEPHONES // size
    return f"{prefix}{3_000_000_000 + rank * stride + (rank * 2_654_435_761 + 1_234_567) % stride}"


def campaigns_of(campaign_id: str) -> tuple[str, ...]:
    """Campaigns whose events a ``campaign_id`` parameter covers."""
    return ALL_CAMPAIGNS if campaign_id == "all" else (campaign_id,)


class WeekShape:
    """How busy each local hour of the week is: ``shares[b]`` times ``dials_per_hour`` in hour
    ``b`` (0 = Monday 00:00-01:00 in ``zone``), as a contact center's week has business hours, a
    lunch dip, empty nights and quiet Sundays."""

    def __init__(self, shares: Sequence[float], zone: tzinfo) -> None:
        if len(shares) != 168 or not all(0 <= s < float("inf") for s in shares):
            raise ValueError("a week shape is 168 finite shares >= 0, one per local hour of the week")
        self.shares = tuple(float(s) for s in shares)
        self.zone = zone

    def share(self, hour: int) -> float:
        """The share of UTC hour ``hour`` (epoch seconds // 3600), by the local hour it starts in."""
        local = hour * 3600 + _offset(self.zone, hour * 3600)
        day, second = divmod(local, 86_400)
        return self.shares[(day + 3) % 7 * 24 + second // 3600]  # 1970-01-01 was a Thursday


class DialData:
    """The events of one emulated operation, with a bounded cache of generated hours."""

    def __init__(
        self,
        seed: int,
        telephones: int,
        dials_per_hour: int,
        cache_events: int = 8_000_000,
        week: WeekShape | None = None,
    ) -> None:
        if not 1 <= telephones <= MAX_TELEPHONES:
            raise ValueError(f"telephones must be between 1 and {MAX_TELEPHONES}, got {telephones}")
        if dials_per_hour < 0:
            raise ValueError(f"dials_per_hour must be >= 0, got {dials_per_hour}")
        self.seed = seed
        self.telephones = telephones
        self.dials_per_hour = dials_per_hour
        self.week = week
        cache_hours = max(64, min(4096, cache_events // max(1, dials_per_hour)))
        self.hour = functools.lru_cache(maxsize=cache_hours)(self._generate)

    def _generate(self, campaign_id: str, hour: int) -> HourEvents:
        """Events of one campaign in one UTC hour (``hour`` = epoch seconds // 3600)."""
        if campaign_id == IDLE_CAMPAIGN or not DATA_START <= hour * 3600 < DATA_END:
            return tuple((array("H"), array(_INDEX)) for _ in RESULTS)
        digest = hashlib.sha256(f"{self.seed}\x1f{campaign_id}\x1f{hour}".encode()).digest()
        rng = random.Random(int.from_bytes(digest[:8], "big"))  # noqa: S311 (reproducible, not secret)
        bits = rng.getrandbits
        pool = self.telephones
        hot = max(1, pool // 100)
        step = pool // hot
        events = []
        rate = self.dials_per_hour * (self.week.share(hour) if self.week else 1.0)
        for weight in WEIGHTS:
            count = int(rate * weight * (0.7 + 0.6 * rng.random()) + 0.5)
            draws = [bits(64) for _ in range(count)]
            seconds = array("H", [v % 3600 for v in draws])
            # Bits 12-13 pick the hot numbers (HOT_SHARE = 1/4), bits 14+ the number.
            phones = array(
                _INDEX, [(v >> 14) % pool if (v >> 12) & 3 else (v >> 14) % hot * step for v in draws]
            )
            events.append((seconds, phones))
        return tuple(events)

    def events(self, campaign_id: str, spans: Sequence[Span]) -> list[Event]:
        """Every dial of ``campaign_id`` within ``spans``: what every report but campaign_8 is made of."""
        found: list[Event] = []
        for campaign in campaigns_of(campaign_id):
            for hour, first, last in spans:
                base = hour * 3600
                for code, (seconds, phones) in enumerate(self.hour(campaign, hour)):
                    found.extend(
                        (campaign, hour, code, i, base + s, p)
                        for i, (s, p) in enumerate(zip(seconds, phones, strict=True))
                        if first <= s <= last
                    )
        return found

    def rows(
        self, campaign_id: str, spans: Sequence[Span], limit: int | None = None
    ) -> list[tuple[str, Counts]]:
        """campaign_8 rows of ``campaign_id`` over ``spans``, sorted by telephone; the first
        ``limit`` of them, or all."""
        totals: Counter[int] = Counter()
        machine: list[Counter[int]] = [Counter() for _ in RESULTS[:-1]]
        for campaign in campaigns_of(campaign_id):
            for hour, first, last in spans:
                for code, (seconds, phones) in enumerate(self.hour(campaign, hour)):
                    if first == 0 and last == 3599:
                        chosen: Iterable[int] = phones
                    else:
                        chosen = [p for s, p in zip(seconds, phones, strict=True) if first <= s <= last]
                    totals.update(chosen)
                    if code < len(machine):
                        machine[code].update(chosen)
        indexes = sorted(totals)[:limit]
        c0, c1, c2, c3, c4 = (counter.get for counter in machine)
        pool = self.telephones
        return [
            (telephone(i, pool), (totals[i], c0(i, 0), c1(i, 0), c2(i, 0), c3(i, 0), c4(i, 0)))
            for i in indexes
        ]


def render_rows(rows: Sequence[tuple[str, Counts]]) -> str:
    """The JSON array of ``rows`` as the API sends it: objects of strings, in FIELDS order."""
    # Telephones come from telephone() (digits and "+") and counts are ints: nothing to escape,
    # and this is about twice as fast as json.dumps on the dense benchmark windows.
    template = "{" + ",".join(f'"{name}":"%s"' for name in FIELDS) + "}"
    return "[" + ",".join([template % (phone, *counts) for phone, counts in rows]) + "]"


def utc_spans(start: int, end: int) -> list[Span]:
    """Spans of the half-open UTC window ``[start, end)`` (epoch seconds)."""
    start, end = max(start, DATA_START), min(end, DATA_END)
    spans = []
    for hour in range(start // 3600, (end - 1) // 3600 + 1):
        base = hour * 3600
        first, last = max(start, base), min(end - 1, base + 3599)
        if first <= last:
            spans.append((hour, first - base, last - base))
    return spans


def local_spans(zone: tzinfo, first: datetime, last: datetime) -> list[Span]:
    """Spans of every instant whose wall-clock time in ``zone`` lies in ``[first, last]``
    (naive datetimes, both inclusive). Around a DST fall-back a repeated wall-clock hour
    matches both times it occurs, as a server comparing local timestamps would."""
    low, high = datetime(1999, 12, 30), datetime(2100, 1, 2)  # the data range, with a day to spare
    if last < low or first > high:
        return []
    first, last = max(first, low), min(last, high)
    local_first = (first - _EPOCH) // _ONE_SECOND
    local_last = (last - _EPOCH) // _ONE_SECOND
    utc_first = min(int(first.replace(tzinfo=zone, fold=f).timestamp()) for f in (0, 1))
    utc_last = max(int(last.replace(tzinfo=zone, fold=f).timestamp()) for f in (0, 1))
    utc_first, utc_last = max(utc_first, DATA_START), min(utc_last, DATA_END - 1)
    spans = []
    for hour in range(utc_first // 3600, utc_last // 3600 + 1):
        base = hour * 3600
        for piece_first, piece_last, offset in _constant_offset_pieces(zone, base):
            lo = max(piece_first, local_first - offset)
            hi = min(piece_last, local_last - offset)
            if lo <= hi:
                spans.append((hour, lo - base, hi - base))
    return spans


def _offset(zone: tzinfo, moment: int) -> int:
    offset = datetime.fromtimestamp(moment, zone).utcoffset()
    return 0 if offset is None else int(offset.total_seconds())


def _constant_offset_pieces(zone: tzinfo, base: int) -> list[tuple[int, int, int]]:
    """The UTC hour at ``base`` cut where the zone's offset changes: ``(first, last, offset)``."""
    before, after = _offset(zone, base), _offset(zone, base + 3599)
    if before == after:
        return [(base, base + 3599, before)]
    lo, hi = base, base + 3599  # offset(lo) == before, offset(hi) != before: find the change
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset(zone, mid) == before:
            lo = mid
        else:
            hi = mid
    return [(base, lo, before), (hi, base + 3599, after)]
