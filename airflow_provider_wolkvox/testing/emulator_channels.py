"""The written channels of the emulated operation: chats (bot first, then an agent),
omnichannel interactions, emails, Mr. Wizard questions, and law-2300 releases.

Generated per shift like the voice calls (:mod:`.emulator_operation`), by the same
teams, deterministic from the seed. Every record has its own date and belongs to a
window by it. Standard library only, no I/O.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import NamedTuple

from airflow_provider_wolkvox.testing.emulator_operation import (
    SHIFTS,
    SKILLS,
    TEAM,
    Call,
    Operation,
    Window,
    mix,
)

CHANNELS = ("whatsapp", "web", "facebook", "instagram", "telegram")
_CHANNEL_WEIGHTS = (5, 2, 1, 1, 1)
OMNI = ("email", "facebook_page", "instagram", "twitter")
COUNTRIES = ("COLOMBIA", "COLOMBIA", "COLOMBIA", "MEXICO", "ESTADOS UNIDOS")
QUESTIONS = (
    ("How do I reset a customer's password?", "Open Manager > Customers > Reset password."),
    ("What is the refund policy?", "Refunds within 30 days with the invoice."),
    ("Which plans include roaming?", "Plans Plus and Max include roaming in the Americas."),
    ("How long does a portability take?", "Three business days."),
)


class Chat(NamedTuple):
    """A chat session: a bot first, then (``agent >= 0``) an agent."""

    conn_id: str
    session_id: str
    channel: str
    start: int
    bot_time: int  # seconds with the chatbot
    chatted: int  # messages exchanged with the bot
    to_agent: bool  # the bot passed it on
    agent: int  # -1: bot only, or nobody took it (abandoned)
    wait: int  # seconds until an agent took it
    agent_time: int
    phone: int
    skill: int
    source: str  # "", "ad" or "post": a WhatsApp chat started from an ad or post
    h: int

    @property
    def answered(self) -> bool:
        return self.agent >= 0

    @property
    def end(self) -> int:
        return self.start + self.bot_time + self.wait + self.agent_time


class Interaction(NamedTuple):
    """An omnichannel case (chat_4) or an email an agent wrote (chat_12)."""

    conn_id: str
    channel: str
    agent: int
    skill: int
    created: int
    closed: int
    outgoing: bool
    h: int


class Question(NamedTuple):
    id: str
    agent: int
    moment: int
    h: int


class Mail(NamedTuple):
    channel: str
    moment: int
    sender: str
    to: str
    subject: str
    body: str


class ShiftChannels(NamedTuple):
    chats: tuple[Chat, ...]
    interactions: tuple[Interaction, ...]
    questions: tuple[Question, ...]


class Channels:
    """What the operation's teams do in writing, about ``chats_per_hour`` chats an hour."""

    def __init__(self, op: Operation, chats_per_hour: int = 20) -> None:
        self.op = op
        self.chats_per_hour = chats_per_hour
        self.shift = functools.lru_cache(maxsize=96)(self._generate)

    def shifts(self, window: Window) -> Iterator[ShiftChannels]:
        for day in self.op.days(window):
            for n in range(len(SHIFTS)):
                yield self.shift(day, n)

    def chats(self, window: Window) -> list[Chat]:
        found = [c for s in self.shifts(window) for c in s.chats if c.start in window]
        return sorted(found, key=lambda c: (c.start, c.conn_id))

    def interactions(self, window: Window, *, outgoing: bool, closed: bool = False) -> list[Interaction]:
        """Cases created (or ``closed``) in the window; emails agents wrote if ``outgoing``."""
        found = [
            i
            for s in self.shifts(window)
            for i in s.interactions
            if i.outgoing == outgoing and (i.closed if closed else i.created) in window
        ]
        return sorted(found, key=lambda i: (i.closed if closed else i.created, i.conn_id))

    def questions(self, window: Window) -> list[Question]:
        found = [q for s in self.shifts(window) for q in s.questions if q.moment in window]
        return sorted(found, key=lambda q: (q.moment, q.id))

    def mailings(self, window: Window) -> list[Mail]:
        """Automatic acknowledgements of email cases, sent 30 s after each arrives."""
        found = [
            Mail(
                f"email-route-{10_000 + i.skill}",
                i.created + 30,
                "servicio@emulated.example",
                f"cliente{(i.h >> 9) % 10_000}@mail.example",
                f"Recibimos tu caso {i.conn_id}",
                "Gracias por escribirnos; te responderemos pronto.",
            )
            for s in self.shifts(window)
            for i in s.interactions
            if i.channel == "email" and not i.outgoing and i.created + 30 in window
        ]
        return sorted(found, key=lambda m: (m.moment, m.subject))

    def skill_chats(self, window: Window, skill_id: str) -> list[Chat]:
        """Chats the bot passed to an agent of ``skill_id`` (or ``all``), started in the window."""
        return [
            c
            for c in self.chats(window)
            if c.to_agent and (skill_id == "all" or SKILLS[c.skill][0] == skill_id)
        ]

    def law_2300(self, window: Window) -> list[tuple[int, Call]]:
        """Customers who asked, in one answered call in 50, to be released from protection."""
        found = [
            (call.start + call.ring + call.talk, call)
            for shift in self.op.shifts(window)
            for call in shift.calls
            if call.answered and call.h % 50 == 7
        ]
        return sorted((m, c) for m, c in found if m in window)

    def _generate(self, day: int, n: int) -> ShiftChannels:
        first, last = self.op.at(day, SHIFTS[n][0]), self.op.at(day, SHIFTS[n][1])
        seed = self.op.seed
        hours = (last - first) / 3600
        chats = []
        for k in range(int(self.chats_per_hour * hours)):
            h = mix(seed, 21, day, n, k)
            chats.append(self._chat(day, n, k, first + h % (last - first), h))
        interactions = []
        for k in range(int(self.chats_per_hour * hours * 0.4)):
            h = mix(seed, 23, day, n, k)
            created = first + h % (last - first)
            outgoing = k % 3 == 0
            interactions.append(
                Interaction(
                    f"M{day % 100_000:05d}{n}{k:04d}",
                    "email" if outgoing else OMNI[(h >> 8) % len(OMNI)],
                    n * TEAM + (h >> 16) % TEAM,
                    (h >> 24) % len(SKILLS),
                    created,
                    created + (0 if outgoing else 600 + (h >> 32) % 7_200),
                    outgoing,
                    h,
                )
            )
        questions = []
        for k in range(int(hours * 6)):
            h = mix(seed, 25, day, n, k)
            moment = first + h % (last - first)
            questions.append(
                Question(f"W{day % 100_000:05d}{n}{k:04d}", n * TEAM + (h >> 8) % TEAM, moment, h)
            )
        return ShiftChannels(tuple(chats), tuple(interactions), tuple(questions))

    def _chat(self, day: int, n: int, k: int, start: int, h: int) -> Chat:
        pick = (h >> 8) % sum(_CHANNEL_WEIGHTS)
        channel = next(
            c for c, top in zip(CHANNELS, _accumulate(_CHANNEL_WEIGHTS), strict=True) if pick < top
        )
        to_agent = (h >> 12) % 3 != 0
        abandoned = to_agent and (h >> 14) % 15 == 0
        source = ""
        if channel == "whatsapp" and (h >> 16) % 4 == 0:
            source = "post" if (h >> 18) & 1 else "ad"
        return Chat(
            f"C{day % 100_000:05d}{n}{k:05d}",
            f"S{day % 100_000:05d}{n}{k:05d}",
            channel,
            start,
            20 + (h >> 20) % 280,
            1 + (h >> 30) % 8,
            to_agent,
            n * TEAM + (h >> 34) % TEAM if to_agent and not abandoned else -1,
            (h >> 40) % 120 if to_agent else 0,
            60 + (h >> 48) % 840 if to_agent and not abandoned else 0,
            (h >> 22) % self.op.dials.telephones,
            (h >> 56) % len(SKILLS),
            source,
            h,
        )


def _accumulate(weights: tuple[int, ...]) -> list[int]:
    out, total = [], 0
    for w in weights:
        total += w
        out.append(total)
    return out
