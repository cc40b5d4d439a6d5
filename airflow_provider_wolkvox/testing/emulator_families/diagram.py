"""diagram_*: the IVR every inbound call passes, callbacks, surveys, chatbot routing, menu options."""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

from airflow_provider_wolkvox.testing.emulator_families.base import Context, Raw, Report, minutes
from airflow_provider_wolkvox.testing.emulator_families.cdr import customer_id
from airflow_provider_wolkvox.testing.emulator_families.chat import CHANNEL_RP, customer
from airflow_provider_wolkvox.testing.emulator_operation import AGENT, SKILLS, Call, share

RP = ("rp-1001", "IVR PRINCIPAL")
MENU = {"1": "M1 VENTAS", "2": "M2 SOPORTE", "3": "M3 COBRANZA", "PULSE": "M0 SIN OPCION"}
QUESTIONS = ("q1", "q2", "q3")


def option(call: Call) -> str:
    """The key pressed in the IVR: the skill's number, or ``PULSE`` (none) for a hang-up."""
    if call.queued:
        return str(call.skill + 1)
    return "PULSE" if (call.h >> 9) & 1 else str(1 + (call.h >> 10) % 3)


def inbound(ctx: Context) -> list[Call]:
    return [c for c in ctx.op.calls(ctx.window) if c.inbound]


def diagram_1(ctx: Context) -> list[Raw]:
    wanted = ctx.params["customer_id"]
    return [
        {
            "rp_id": RP[0],
            "rp_name": RP[1],
            "cod_opc_menu": option(c),
            "dn_transfer": SKILLS[c.skill][0] if c.queued else "",
            "date": ctx.stamp(c.start),
            "result": "ok" if c.queued else "hung up",
            "ani": ctx.op.phone(c.phone),
            "time": str(c.ivr),
            "customer_id": customer_id(c.phone),
            "conn_id": c.conn_id,
        }
        for c in inbound(ctx)
        if customer_id(c.phone) == wanted
    ]


def _per(ctx: Context, period: int) -> list[tuple[str, int, int]]:
    calls: Counter[str] = Counter()
    seconds: Counter[str] = Counter()
    for c in inbound(ctx):
        stamp = ctx.stamp(c.start)
        key = stamp[:10] if period == 10 else f"{stamp[:10]}-{stamp[11:13]}"
        calls[key] += 1
        seconds[key] += c.ivr
    return [(k, calls[k], seconds[k]) for k in sorted(calls)]


def diagram_1_1(ctx: Context) -> list[Raw]:
    return [{"day": k, "calls": str(n), "ivr_minutes": minutes(s)} for k, n, s in _per(ctx, 10)]


def diagram_1_2(ctx: Context) -> list[Raw]:
    return [{"date": k, "calls": str(n), "ivr_minutes": minutes(s)} for k, n, s in _per(ctx, 13)]


def diagram_3(ctx: Context) -> list[Raw]:
    rows = []
    for c in inbound(ctx):
        if c.queued and not c.answered and c.h & 1:  # half the abandoned callers asked for a callback
            attempts = 1 + (c.h >> 3) % 3
            talk = 0 if (c.h >> 5) % 4 == 0 else 30 + (c.h >> 6) % 300
            rows.append(
                {
                    "skill_id": SKILLS[c.skill][0],
                    "date_inbound_call": ctx.stamp(c.start),
                    "date_last_outbound_call": ctx.stamp(c.start + c.ivr + c.wait + 300 * attempts),
                    "status": "ok" if talk else "fail",
                    "attempts": str(attempts),
                    "ani": ctx.op.phone(c.phone),
                    # Beyond the catalogue (cut off; duration and billed minutes promised):
                    "duration": str(talk),
                    "billed_minutes": str((talk + 59) // 60),
                    "conn_id": c.conn_id,
                }
            )
    return rows


def surveys(ctx: Context) -> list[tuple[int, Call, tuple[int, ...]]]:
    """One answered inbound call in four is surveyed when it ends: ``(moment, call, scores)``."""
    found = []
    for shift in ctx.op.shifts(ctx.window):
        for c in shift.calls:
            moment = c.start + c.ivr + c.wait + c.talk
            if c.inbound and c.answered and (c.h >> 2) % 4 == 0 and moment in ctx.window:
                found.append((moment, c, tuple(1 + (c.h >> (8 + 3 * i)) % 5 for i in range(3))))
    return sorted(found, key=lambda f: (f[0], f[1].conn_id))


def diagram_4(ctx: Context) -> list[Raw]:
    return [
        {
            "agent_id": AGENT[c.agent].id,
            "agent_name": AGENT[c.agent].name,
            "agent_dni": AGENT[c.agent].dni,
            "skill_id": SKILLS[c.skill][0],
            "skill_name": SKILLS[c.skill][1],
            "date": ctx.stamp(moment),
            "conn_id": c.conn_id,
            "ani": ctx.op.phone(c.phone),
            "customer_id": customer_id(c.phone),
            **{q: str(s) for q, s in zip(QUESTIONS, scores, strict=True)},
        }
        for moment, c, scores in surveys(ctx)
    ]


def _mean(total: int, count: int) -> str:
    return str((Decimal(total) / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def diagram_5(ctx: Context) -> list[Raw]:
    by_agent: dict[int, list[tuple[int, ...]]] = defaultdict(list)
    for _, c, scores in surveys(ctx):
        by_agent[c.agent].append(scores)
    rows = []
    for a in sorted(by_agent):
        got = by_agent[a]
        rows.append(
            {
                "agent_id": AGENT[a].id,
                "agent_name": AGENT[a].name,
                # Beyond the catalogue (cut off; count, overall and per-question averages promised):
                "surveys": str(len(got)),
                "average": _mean(sum(map(sum, got)), len(got) * len(QUESTIONS)),
                **{q: _mean(sum(s[i] for s in got), len(got)) for i, q in enumerate(QUESTIONS)},
            }
        )
    return rows


def diagram_9(ctx: Context) -> list[Raw]:
    return [
        {
            "session_id": c.session_id,
            "channel": c.channel,
            "rp_id": f"rp-{2000 + CHANNEL_RP[c.channel]}",
            "date": ctx.stamp(c.start),
            **customer(ctx, c),
            "customer_query": "Quiero hablar con un asesor" if c.to_agent else "Horario de atencion",
            "routing_answer": f"transfer to skill {SKILLS[c.skill][0]}"
            if c.to_agent
            else "MaskedText: 8am-6pm",
            "customer_id": customer_id(c.phone),
            "conn_id": c.conn_id,  # beyond the catalogue (cut off)
        }
        for c in ctx.channels.chats(ctx.window)
    ]


def diagram_11(ctx: Context) -> list[Raw]:
    found = [
        (c.start + c.ivr, c)
        for shift in ctx.op.shifts(ctx.window)
        for c in shift.calls
        if c.inbound and c.answered and c.start + c.ivr in ctx.window
    ]
    return [
        {
            "conn_id": c.conn_id,
            "time_on_rp": str(c.ivr),
            "end_date_rp": ctx.stamp(moment),
            "rp_id": RP[0],
            "ani": ctx.op.phone(c.phone),
            "customer_id": customer_id(c.phone),
            "time_on_skill": str(c.wait),
            "skill_id": SKILLS[c.skill][0],
            "agent_id": AGENT[c.agent].id,  # beyond the catalogue (cut off)
        }
        for moment, c in sorted(found, key=lambda f: (f[0], f[1].conn_id))
    ]


def hits(ctx: Context) -> list[Raw]:
    """Final-menu-option hits of IVR calls and chatbot sessions started in the window."""
    rows = [
        {
            "rp_id": RP[0],
            "conn_id": c.conn_id,
            "customer_id": customer_id(c.phone),
            "channel": "voice",
            "telephone": ctx.op.phone(c.phone),
            "attempt": "1",
            "date": ctx.stamp(c.start),
            "second_event": str(c.ivr - 2),
            "cod_opc_menu": option(c),
        }
        for c in inbound(ctx)
    ]
    rows += [
        {
            "rp_id": f"rp-{2000 + CHANNEL_RP[c.channel]}",
            "conn_id": c.conn_id,
            "customer_id": customer_id(c.phone),
            "channel": f"chat-{c.channel}",
            "telephone": ctx.op.phone(c.phone),
            "attempt": str(c.chatted),
            "date": ctx.stamp(c.start),
            "second_event": str(c.bot_time),
            "cod_opc_menu": str(c.skill + 1) if c.to_agent else "PULSE",
        }
        for c in ctx.channels.chats(ctx.window)
    ]
    return sorted(rows, key=lambda r: (r["date"], r["conn_id"]))


def diagram_14(ctx: Context) -> list[Raw]:
    counts = Counter(MENU[h["cod_opc_menu"]] for h in hits(ctx))
    total = sum(counts.values())
    return [
        {
            "cod_act": code,
            "description_cod_act": code[3:].capitalize(),
            "count": str(n),
            "percent": share(n, total),
        }
        for code, n in sorted(counts.items())
    ]


REPORTS = (
    Report("diagram_1", ("customer_id",), (), diagram_1, "date"),
    Report("diagram_1_1", (), (), diagram_1_1, None),
    Report("diagram_1_2", (), (), diagram_1_2, None),
    Report("diagram_3", (), (), diagram_3, "date_inbound_call"),
    Report("diagram_4", (), (), diagram_4, "date"),
    Report("diagram_5", (), (), diagram_5, None),
    Report("diagram_9", (), (), diagram_9, "date"),
    Report("diagram_11", (), (), diagram_11, "end_date_rp"),
    Report("diagram_13", (), (), hits, "date"),
    Report("diagram_14", (), (), diagram_14, None),
)
