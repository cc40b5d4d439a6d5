"""The emulated contact center: agents, shifts, inbound and outbound voice calls.

One operation feeds every report family, so their figures agree as a real
operation's would. Two teams of agents work two local shifts a day (06-14 and
14-22 in the emulator's zone), log in a few minutes early and out a few minutes
late, and take breaks. Inbound calls arrive during opening hours, pass an IVR
(some hang up there), queue on a skill and are answered by the agent free
first, or abandoned when the caller's patience runs out. Outbound calls are the
campaign dial events a human answered: the dialer connects them to an idle agent
of the shift, or abandons them (always at night, when nobody works).

Each agent's session is a gap-free timeline of states (READY, RING, INBOUND,
OUTBOUND, ACW and auxiliary states), so a session's ``login_time`` is the sum of
its states' times. Every record belongs to a window by its own start, so totals
over disjoint windows add up. A shift is simulated at once (cached); everything
is deterministic from the seed through :func:`mix`. Standard library only, no I/O.
"""

from __future__ import annotations

import functools
import heapq
import random
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from airflow_provider_wolkvox.testing.emulator_data import DialData, Span, telephone, utc_spans

AGENTS = 40
TEAM = 20
SHIFTS = ((6, 14), (14, 22))
"""Local opening hours of each team (agents ``0..19`` then ``20..39``)."""
SKILLS = (("101", "VENTAS"), ("102", "SOPORTE"), ("103", "COBRANZA"))
DNIS = ("6016001000", "018000112233")
CAMPAIGNS = ("1", "2")
HUMAN = 5
AUX = (("BREAK", 7_200, 900), ("LUNCH", 14_400, 1_800), ("TRAINING", 21_600, 1_200))
"""Auxiliary states: name, seconds after the shift start (plus up to 30 min), length."""
COD_ACTS = ("01 VENTA", "02 NO INTERESADO", "03 VOLVER A LLAMAR", "04 NUMERO EQUIVOCADO", "05 YA ES CLIENTE")
COD_ACTS_2 = ("A1 CONTACTO DIRECTO", "A2 TERCERO", "A3 SIN CONTACTO")
NAMES = ("Ana", "Luis", "Camila", "Jorge", "Valentina", "Andres", "Sofia", "Carlos")
LAST_NAMES = ("Gomez", "Rodriguez", "Martinez", "Lopez", "Garcia", "Perez", "Ramirez")
RATE_PER_MINUTE = Decimal(45)
"""Cost of an outbound minute (started minutes are billed whole)."""
_MASK = (1 << 64) - 1
_CENT = Decimal("0.01")


def mix(*values: int) -> int:
    """A 64-bit hash of small integers (splitmix64 steps): same in every process."""
    x = 0x9E3779B97F4A7C15
    for value in values:
        x = (x ^ (value & _MASK)) * 0xBF58476D1CE4E5B9 & _MASK
        x = (x ^ (x >> 31)) * 0x94D049BB133111EB & _MASK
        x ^= x >> 29
    return x


def share(part: int, total: int) -> str:
    """``part / total * 100`` rounded half up to 2 decimals (``0.00`` when total is 0)."""
    if not total:
        return "0.00"
    return str((Decimal(part) * 100 / Decimal(total)).quantize(_CENT, rounding=ROUND_HALF_UP))


def money(value: Decimal) -> str:
    return str(value.quantize(_CENT, rounding=ROUND_HALF_UP))


class Agent(NamedTuple):
    number: int

    @property
    def id(self) -> str:
        return str(1000 + self.number)

    @property
    def dni(self) -> str:
        return str(52_000_000 + self.number * 7_919)

    @property
    def name(self) -> str:
        return f"{NAMES[self.number % 8]} {LAST_NAMES[self.number // 8 % 7]}"


AGENT = tuple(Agent(i) for i in range(AGENTS))


class Call(NamedTuple):
    """A voice call. ``start`` is its arrival (inbound) or dial (outbound) second."""

    conn_id: str
    inbound: bool
    start: int
    phone: int  # telephone index of the pool
    skill: int  # SKILLS index; -1: outbound, or hung up in the IVR
    campaign: str  # "" for inbound
    dnis: int  # DNIS index; -1 outbound
    ivr: int  # seconds in the IVR
    wait: int  # seconds queued until answered (ring included) or abandoned
    agent: int  # -1: nobody answered
    ring: int
    talk: int
    acw: int
    h: int  # hash for further attributes

    @property
    def answered(self) -> bool:
        return self.agent >= 0

    @property
    def queued(self) -> bool:
        return self.skill >= 0

    @property
    def cod_act(self) -> str:
        return COD_ACTS[self.h % len(COD_ACTS)] if self.answered or not self.inbound else ""

    @property
    def cod_act_2(self) -> str:
        return COD_ACTS_2[(self.h >> 20) % len(COD_ACTS_2)] if self.answered else ""

    @property
    def hang_up(self) -> str:
        return "AGENT" if self.answered and (self.h >> 32) & 1 else "CUSTOMER"

    @property
    def cost(self) -> Decimal:
        return Decimal(0) if self.inbound else RATE_PER_MINUTE * ((self.talk + 59) // 60)

    @property
    def transfer(self) -> tuple[int, str, int] | None:
        """``(receiving agent, TRANSFER | CONFERENCE, second of the call)`` or None."""
        if not self.answered or self.h % 9:
            return None
        other = (self.agent // TEAM) * TEAM + (self.agent + 1 + (self.h >> 8) % (TEAM - 1)) % TEAM
        kind = "CONFERENCE" if (self.h >> 12) & 1 else "TRANSFER"
        return other, kind, self.talk // 2


class State(NamedTuple):
    agent: int
    status: str  # READY, RING, INBOUND, OUTBOUND, ACW or an auxiliary state
    start: int
    end: int
    call: Call | None


class Session(NamedTuple):
    agent: int
    login: int
    logout: int


class Shift(NamedTuple):
    calls: tuple[Call, ...]
    states: tuple[State, ...]
    sessions: tuple[Session, ...]
    first: int
    last: int  # shift hours [first, last)
    connected: dict[str, int]  # conn_id of an outbound call -> its agent


class Window:
    """The instants of a request window: UTC spans from :func:`local_spans`."""

    def __init__(self, spans: Sequence[Span]) -> None:
        self.hours: dict[int, list[tuple[int, int]]] = {}
        for hour, first, last in spans:
            self.hours.setdefault(hour, []).append((first, last))
        self.lo = min((h * 3600 + f for h, f, _ in spans), default=0)
        self.hi = max((h * 3600 + lst for h, _, lst in spans), default=-1)
        self.key = tuple(sorted(spans))
        covered = sum(lst - f + 1 for _, f, lst in set(spans))
        self.contiguous = covered == self.hi - self.lo + 1

    def __contains__(self, moment: int) -> bool:
        if self.contiguous:
            return self.lo <= moment <= self.hi
        pieces = self.hours.get(moment // 3600)
        second = moment % 3600
        return pieces is not None and any(f <= second <= lst for f, lst in pieces)

    @property
    def empty(self) -> bool:
        return not self.hours


class Operation:
    """The operation of ``seed`` in ``zone``; outbound calls come from ``dials``."""

    def __init__(self, dials: DialData, zone: tzinfo, calls_per_hour: int = 60) -> None:
        if calls_per_hour < 0:
            raise ValueError(f"calls_per_hour must be >= 0, got {calls_per_hour}")
        self.dials, self.zone, self.seed = dials, zone, dials.seed
        self.calls_per_hour = calls_per_hour
        self.shift = functools.lru_cache(maxsize=96)(self._simulate)
        self._calls = functools.lru_cache(maxsize=4)(self._calls_of)
        self._quarters: dict[int, bool] = {}

    # -- time -----------------------------------------------------------------------------

    def at(self, day: int, hour: int) -> int:
        """Epoch second of local ``hour`` o'clock on day ordinal ``day``."""
        return int(datetime.combine(date.fromordinal(day), time(hour), tzinfo=self.zone).timestamp())

    def local(self, moment: int) -> datetime:
        return datetime.fromtimestamp(moment, self.zone).replace(tzinfo=None)

    def days(self, window: Window) -> range:
        if window.empty:
            return range(0)
        return range(self.local(window.lo).toordinal() - 1, self.local(window.hi).toordinal() + 2)

    def shifts(self, window: Window) -> Iterator[Shift]:
        for day in self.days(window):
            for n in range(len(SHIFTS)):
                yield self.shift(day, n)

    def phone(self, index: int) -> str:
        return telephone(index, self.dials.telephones)

    # -- what reports read ----------------------------------------------------------------

    def calls(self, window: Window) -> list[Call]:
        """Every voice call starting in ``window``, by start then conn_id."""
        return list(self._calls(window.key))

    def _calls_of(self, key: tuple[Span, ...]) -> tuple[Call, ...]:
        window = Window(key)
        found = [c for s in self.shifts(window) for c in s.calls if c.start in window]
        spans = [(h, f, lst) for h, pieces in window.hours.items() for f, lst in pieces]
        for campaign in CAMPAIGNS:  # human answers outside opening hours: abandoned by the dialer
            for event in self.dials.events(campaign, spans):
                if event[2] == HUMAN and not self._open(event[4]):
                    found.append(self._outbound(event, -1))
        return tuple(sorted(found, key=lambda c: (c.start, c.conn_id)))

    def states(self, window: Window) -> list[State]:
        found = [st for s in self.shifts(window) for st in s.states if st.start in window]
        return sorted(found, key=lambda st: (st.start, st.agent))

    def sessions(self, window: Window) -> list[Session]:
        found = [ss for s in self.shifts(window) for ss in s.sessions if ss.login in window]
        return sorted(found, key=lambda ss: (ss.login, ss.agent))

    def outbound_call(self, event: tuple[str, int, int, int, int, int]) -> Call:
        """The call of a campaign dial event a human answered, with its agent (-1: abandoned)."""
        if self._open(event[4]):
            day = self.local(event[4]).toordinal()
            for n in range(len(SHIFTS)):
                shift = self.shift(day, n)
                if shift.first <= event[4] < shift.last:
                    return self._outbound(event, shift.connected.get(_conn_id(event), -1))
        return self._outbound(event, -1)

    def _open(self, moment: int) -> bool:
        """Within opening hours (zone offsets are whole quarter hours: one look-up per quarter)."""
        quarter = moment // 900
        if quarter not in self._quarters:
            if len(self._quarters) > 100_000:
                self._quarters.clear()
            hour = self.local(quarter * 900).hour
            self._quarters[quarter] = SHIFTS[0][0] <= hour < SHIFTS[-1][1]
        return self._quarters[quarter]

    # -- simulation ------------------------------------------------------------------------

    def _outbound(self, event: tuple[str, int, int, int, int, int], agent: int) -> Call:
        campaign, hour, code, index, moment, phone = event
        h = mix(self.seed, int(campaign), hour, code, index)
        talk = 20 + (h >> 16) % 300 if agent >= 0 else 0
        acw = 5 + (h >> 40) % 40 if agent >= 0 else 0
        return Call(_conn_id(event), False, moment, phone, -1, campaign, -1, 0, 0, agent, 0, talk, acw, h)

    def _inbound(self, day: int, n: int, k: int, moment: int) -> tuple[Call, int]:
        """An inbound call before queueing, and the caller's patience in seconds."""
        h = mix(self.seed, 11, day, n, k)
        ivr = 8 + h % 60
        skill = -1 if (h >> 7) % 12 == 0 else (h >> 11) % len(SKILLS)  # 1 in 12 hang up in the IVR
        call = Call(
            f"{day % 100_000:05d}{n}{k:05d}",
            True,
            moment,
            (h >> 14) % self.dials.telephones,
            skill,
            "",
            (h >> 50) % len(DNIS),
            ivr,
            0,
            -1,
            2 + (h >> 18) % 7,
            30 + (h >> 22) % 420,
            5 + (h >> 31) % 50,
            h,
        )
        return call, 10 + (h >> 40) % 170

    def _simulate(self, day: int, n: int) -> Shift:
        first, last = self.at(day, SHIFTS[n][0]), self.at(day, SHIFTS[n][1])
        rng = random.Random(mix(self.seed, 7, day, n))  # noqa: S311 (reproducible, not secret)
        team = _Team(range(n * TEAM, (n + 1) * TEAM), first, last, rng)
        queue: list[tuple[int, str, Call, int]] = []
        calls: list[Call] = []
        k = 0
        for hour_start in range(first, last, 3600):
            length = min(3600, last - hour_start)
            count = int(self.calls_per_hour * length / 3600 * (0.6 + 0.8 * rng.random()) + 0.5)
            for _ in range(count):
                call, patience = self._inbound(day, n, k, hour_start + rng.randrange(length))
                k += 1
                if call.skill < 0:
                    calls.append(call)  # hung up in the IVR
                else:
                    queue.append((call.start + call.ivr, call.conn_id, call, patience))
        for campaign in CAMPAIGNS:
            for event in self.dials.events(campaign, utc_spans(first, last)):
                if event[2] == HUMAN:
                    queue.append((event[4], _conn_id(event), self._outbound(event, 0), -1))
        queue.sort(key=lambda item: (item[0], item[1]))
        calls.extend(team.serve(entry, call, patience) for entry, _, call, patience in queue)
        sessions = team.close()
        connected = {c.conn_id: c.agent for c in calls if not c.inbound and c.answered}
        return Shift(tuple(calls), tuple(team.states), sessions, first, last, connected)


class _Team:
    """One shift's agents: who is free when, and the states they have been in."""

    def __init__(self, agents: range, first: int, last: int, rng: random.Random) -> None:
        self.agents = agents
        self.login = {a: first - rng.randrange(600) for a in agents}
        self.planned = {a: last + rng.randrange(600) for a in agents}
        self.pending = {
            a: [(first + offset + rng.randrange(1_800), name, length) for name, offset, length in AUX]
            for a in agents
        }
        for a in agents:
            if a % 5:
                self.pending[a].pop()  # TRAINING for one agent in five
        self.free = dict(self.login)
        self.heap = [(free, a) for a, free in self.free.items()]  # stale entries are skipped
        heapq.heapify(self.heap)
        self.states: list[State] = []
        self.due = self._next_due()

    def _next_due(self) -> int:
        return min((p[0][0] for p in self.pending.values() if p), default=1 << 62)

    def occupy(self, agent: int, status: str, start: int, end: int, call: Call | None) -> None:
        if start > self.free[agent]:
            self.states.append(State(agent, "READY", self.free[agent], start, None))
        if end > start:
            self.states.append(State(agent, status, start, end, call))
        if end > self.free[agent]:
            self.free[agent] = end
            heapq.heappush(self.heap, (end, agent))

    def first_free(self) -> int:
        """The agent free first (the lowest number among equals)."""
        while self.heap[0][0] != self.free[self.heap[0][1]]:
            heapq.heappop(self.heap)
        return self.heap[0][1]

    def settle(self, agent: int, until: int) -> None:
        """Auxiliary states due by ``until`` are taken as soon as the agent is free."""
        while self.pending[agent] and self.pending[agent][0][0] <= until:
            begin, name, length = self.pending[agent].pop(0)
            begin = max(begin, self.free[agent])
            self.occupy(agent, name, begin, begin + length, None)

    def serve(self, entry: int, offered: Call, patience: int) -> Call:
        """The call queued (inbound) or connected (outbound) at ``entry``, as it ended."""
        if entry >= self.due:
            for agent in self.agents:
                self.settle(agent, entry)
            self.due = self._next_due()
        agent = self.first_free()
        start = max(entry, self.free[agent])
        if offered.inbound and start - entry > patience:
            return offered._replace(wait=patience, ring=0, talk=0, acw=0)
        if not offered.inbound and start > entry:  # nobody idle: the dialer drops the call
            return offered._replace(agent=-1, talk=0, acw=0)
        wait = start + offered.ring - entry if offered.inbound else 0
        call = offered._replace(agent=agent, wait=wait)
        talking = start + call.ring
        self.occupy(agent, "RING", start, talking, call)
        self.occupy(agent, "INBOUND" if call.inbound else "OUTBOUND", talking, talking + call.talk, call)
        self.occupy(agent, "ACW", talking + call.talk, talking + call.talk + call.acw, call)
        return call

    def close(self) -> tuple[Session, ...]:
        """Take what is left of the day and log out (late if a call ran over)."""
        sessions = []
        for agent in self.agents:
            self.settle(agent, self.planned[agent] - 1)
            logout = max(self.planned[agent], self.free[agent])
            self.occupy(agent, "READY", logout, logout, None)
            sessions.append(Session(agent, self.login[agent], logout))
        return tuple(sessions)


def _conn_id(event: tuple[str, int, int, int, int, int]) -> str:
    campaign, hour, code, index, _, _ = event
    return f"{campaign}-{hour}-{code}-{index}"
