"""skill_*: inbound calls that reached a skill's queue, answered or abandoned.

Counts and seconds add up over windows; service levels (answered within 10/20/30 s
over inbound calls, written ``85.00%``) and ``asa`` (average seconds to answer) do not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from airflow_provider_wolkvox.testing.emulator_channels import Chat
from airflow_provider_wolkvox.testing.emulator_families.base import Context, Raw, Report, average
from airflow_provider_wolkvox.testing.emulator_operation import AGENT, DNIS, SKILLS, Call, share

LEVELS = (10, 20, 30)
BAND_TOPS = (10, 20, 30, 40, 50, 60)


def selected(ctx: Context) -> list[Call]:
    """Queued inbound calls of the requested skill (or ``all``) starting in the window."""
    wanted = ctx.params["skill_id"]
    return [
        c for c in ctx.op.calls(ctx.window) if c.queued and (wanted == "all" or SKILLS[c.skill][0] == wanted)
    ]


def figures(calls: Iterable[Call | Chat]) -> Raw:
    calls = list(calls)
    answered = [c for c in calls if c.answered]
    waits = sum(c.wait for c in answered)
    row = {
        "inbound_calls": str(len(calls)),
        "answer_calls": str(len(answered)),
        "abandon_calls": str(len(calls) - len(answered)),
    }
    for level in LEVELS:
        within = sum(1 for c in answered if c.wait <= level)
        row[f"service_level_{level}seg"] = share(within, len(calls)) + "%"
    row["asa"] = average(waits, len(answered))
    row["wait_time"] = str(sum(c.wait for c in calls))
    return row


def grouped(calls: Iterable[Call | Chat], key: Callable[[Any], Any]) -> list[tuple[Any, Raw]]:
    groups: dict[Any, list[Call | Chat]] = defaultdict(list)
    for call in calls:
        groups[key(call)].append(call)
    return [(k, figures(groups[k])) for k in sorted(groups)]


def _skill(k: int) -> dict[str, str]:
    return {"skill_id": SKILLS[k][0], "skill_name": SKILLS[k][1]}


def skill_1(ctx: Context) -> list[Raw]:
    # The catalogue has no field list for skill_1: these are skill_3's, per skill.
    return [{**_skill(k), **f} for k, f in grouped(selected(ctx), lambda c: c.skill)]


def skill_3(ctx: Context) -> list[Raw]:
    return [
        {"skill_name": SKILLS[k][1], "date": day, **f, "skill_id": SKILLS[k][0]}
        for (day, k), f in grouped(selected(ctx), lambda c: (ctx.day(c.start), c.skill))
    ]


def skill_4(ctx: Context) -> list[Raw]:
    return [
        {"skill_id": SKILLS[k][0], "hour": f"{hour:02d}", **f}
        for (k, hour), f in grouped(selected(ctx), lambda c: (c.skill, ctx.hour(c.start)))
    ]


def skill_4_1(ctx: Context) -> list[Raw]:
    def slot(c: Call) -> tuple[int, str]:
        stamp = ctx.stamp(c.start)
        return c.skill, f"{stamp[11:13]}:{'30' if stamp[14] >= '3' else '00'}"

    return [{"skill_id": SKILLS[k][0], "hour": hour, **f} for (k, hour), f in grouped(selected(ctx), slot)]


def skill_6(ctx: Context) -> list[Raw]:
    return [{"dnis": DNIS[d], **f} for d, f in grouped(selected(ctx), lambda c: c.dnis)]


def skill_7(ctx: Context) -> list[Raw]:
    return [
        {"date": day, **_skill(k), "hour": f"{hour:02d}", **f}
        for (day, k, hour), f in grouped(
            selected(ctx), lambda c: (ctx.day(c.start), c.skill, ctx.hour(c.start))
        )
    ]


def bands(calls: list[Call], prefix: str) -> Raw:
    row = {f"{prefix}_calls": str(len(calls))}
    low = 0
    for top in BAND_TOPS:
        row[f"{prefix}_{low}seg_{top}seg"] = str(sum(1 for c in calls if low <= c.wait <= top))
        low = top + 1
    row[f"{prefix}_more_{BAND_TOPS[-1]}seg"] = str(sum(1 for c in calls if c.wait > BAND_TOPS[-1]))
    return row


def _by_skill(ctx: Context, answered: bool) -> dict[int, list[Call]]:
    groups: dict[int, list[Call]] = defaultdict(list)
    for call in selected(ctx):
        if call.answered == answered:
            groups[call.skill].append(call)
    return groups


def skill_8(ctx: Context) -> list[Raw]:
    groups = _by_skill(ctx, True)
    return [{**_skill(k), **bands(groups[k], "answer")} for k in sorted(groups)]


def skill_9(ctx: Context) -> list[Raw]:
    groups = _by_skill(ctx, False)
    return [{**_skill(k), **bands(groups[k], "abandon")} for k in sorted(groups)]


def skill_2(ctx: Context) -> list[Raw]:
    return [
        {
            "skill_name": SKILLS[c.skill][1],
            "skill_id": SKILLS[c.skill][0],
            "conn_id": c.conn_id,
            "date": ctx.stamp(c.start),
            "result": "abandoned",
            "ani": ctx.op.phone(c.phone),
            # Beyond the catalogue (cut off; the page promises interaction type and seconds waited):
            "type_interaction": "inbound",
            "wait_time": str(c.wait),
        }
        for c in selected(ctx)
        if not c.answered
    ]


def skill_10(ctx: Context) -> list[Raw]:
    # The catalogue has no field names here: these follow the page's description.
    if ctx.params["skill_id"] == "all":
        return []  # not documented for skill_10: no such skill
    return [
        {
            "date": ctx.stamp(c.start),
            **_skill(c.skill),
            "ani": ctx.op.phone(c.phone),
            "type_interaction": "inbound",
            "wait_time": str(c.wait),
            "conn_id": c.conn_id,
            "agent_id": AGENT[c.agent].id,
        }
        for c in selected(ctx)
        if c.answered
    ]


def skill_11(ctx: Context) -> list[Raw]:
    voice = [("inbound", f) for _, f in grouped(selected(ctx), lambda c: 0)]
    chats = grouped(
        ctx.channels.skill_chats(ctx.window, ctx.params["skill_id"]), lambda c: f"chat-{c.channel}"
    )
    return [{"type_interaction": kind, **f} for kind, f in sorted(voice + chats, key=lambda kf: kf[0])]


_ALL = ("skill_id",)
REPORTS = (
    Report("skill_1", _ALL, _ALL, skill_1, None),
    Report("skill_2", _ALL, _ALL, skill_2, "date"),
    Report("skill_3", _ALL, _ALL, skill_3, None),
    Report("skill_4", _ALL, _ALL, skill_4, None),
    Report("skill_4_1", _ALL, _ALL, skill_4_1, None),
    Report("skill_6", _ALL, _ALL, skill_6, None),
    Report("skill_7", _ALL, _ALL, skill_7, None),
    Report("skill_8", _ALL, _ALL, skill_8, None),
    Report("skill_9", _ALL, _ALL, skill_9, None),
    Report("skill_10", _ALL, (), skill_10, "date"),
    Report("skill_11", _ALL, _ALL, skill_11, None),
)
