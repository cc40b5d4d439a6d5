"""cdr_*: voice calls one by one, per agent and per duration band; SMS and mailings."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from airflow_provider_wolkvox.testing.emulator_families.base import Context, Raw, Report, describe, minutes
from airflow_provider_wolkvox.testing.emulator_operation import AGENT, SKILLS, Call, money, share

BANDS = ("0-5 sec", "6-20 sec", "21-60 sec", "61-121 sec", "more than 121 sec")
_BAND_TOPS = (5, 20, 60, 121)


def call_row(ctx: Context, call: Call) -> Raw:
    agent = AGENT[call.agent] if call.answered else None
    code, code_2 = call.cod_act, call.cod_act_2
    return {
        "agent_name": agent.name if agent else "",
        "date": ctx.stamp(call.start),
        "destiny": "ENTRANTE" if call.inbound else "CELULAR",
        "telephone": ctx.op.phone(call.phone),
        "cost": money(call.cost),
        "time_seg": str(call.talk),
        "time_min": minutes(call.talk),
        "cod_act": code,
        "cod_act_2": code_2,
        "description_cod_act": describe(code),
        "description_cod_act_2": describe(code_2),
        "type_interaction": "inbound" if call.inbound else "outbound",
        # Beyond the catalogue (its list is cut off; the page promises campaign, call id,
        # customer and who hung up):
        "agent_id": agent.id if agent else "",
        "skill_id": SKILLS[call.skill][0] if call.queued else "",
        "campaign_id": call.campaign,
        "conn_id": call.conn_id,
        "customer_id": customer_id(call.phone),
        "hang_up": call.hang_up,
    }


def customer_id(phone: int) -> str:
    """The customer behind a telephone of the pool (as the campaign reports write it)."""
    return str(1_000_000_000 + phone * 7_919 % 1_000_000_000)


def cdr_1(ctx: Context) -> list[Raw]:
    return [call_row(ctx, call) for call in ctx.op.calls(ctx.window)]


def cdr_2(ctx: Context) -> list[Raw]:
    calls: Counter[int] = Counter()
    cost: dict[int, Decimal] = {}
    for call in ctx.op.calls(ctx.window):
        if call.answered:
            calls[call.agent] += 1
            cost[call.agent] = cost.get(call.agent, Decimal(0)) + call.cost
    return [
        {"calls": str(calls[a]), "agent_name": AGENT[a].name, "cost": money(cost[a])}
        for a in sorted(calls, key=lambda a: AGENT[a].name)
    ]


def sms(ctx: Context) -> list[tuple[int, Call]]:
    """A message (WhatsApp or SMS) an agent sends after one answered call in six."""
    found = [
        (call.start + call.ring + call.talk + 5, call)
        for shift in ctx.op.shifts(ctx.window)
        for call in shift.calls
        if call.answered and (call.h >> 44) % 6 == 0
    ]
    return sorted((m, c) for m, c in found if m in ctx.window)


def cdr_3(ctx: Context) -> list[Raw]:
    rows = []
    for moment, call in sms(ctx):
        agent = AGENT[call.agent]
        whatsapp = (call.h >> 47) & 1
        rows.append(
            {
                "agent_id": agent.id,
                "agent_name": agent.name,
                "date": ctx.stamp(moment),
                "destiny": "CELULAR",
                "telephone": ctx.op.phone(call.phone),
                "message": f"Hola, gracias por comunicarte. Tu caso es el {call.conn_id}.",
                "channel": "WhatsApp - 3001" if whatsapp else "SMS",
                "customer_id": customer_id(call.phone),
                "conn_id": call.conn_id,
            }
        )
    return rows


def cdr_4(ctx: Context) -> list[Raw]:
    counts: Counter[int] = Counter()
    seconds: Counter[int] = Counter()
    cost: dict[int, Decimal] = {}
    for call in ctx.op.calls(ctx.window):
        band = next((i for i, top in enumerate(_BAND_TOPS) if call.talk <= top), len(_BAND_TOPS))
        counts[band] += 1
        seconds[band] += call.talk
        cost[band] = cost.get(band, Decimal(0)) + call.cost
    total = sum(counts.values())
    return [
        {
            "INTERVAL": name,
            "calls": str(counts[i]),
            "minutes": minutes(seconds[i]),
            "cost": money(cost.get(i, Decimal(0))),
            "percentage": share(counts[i], total),
        }
        for i, name in enumerate(BANDS)
        if counts[i]
    ]


def cdr_9(ctx: Context) -> list[Raw]:
    return [
        {
            "channel": mail.channel,
            "date": ctx.stamp(mail.moment),
            "from": mail.sender,
            "to": mail.to,
            "subject": mail.subject,
            "body": mail.body,
        }
        for mail in ctx.channels.mailings(ctx.window)
    ]


def cdr_10(ctx: Context) -> list[Raw]:
    rows = []
    for moment, call in ctx.channels.law_2300(ctx.window):
        agent = AGENT[call.agent]
        rows.append(
            {
                "protected_nit": "900123456-7",
                "agent_id": agent.id,
                "agent_name": agent.name,
                # Beyond the catalogue (cut off):
                "telephone": ctx.op.phone(call.phone),
                "customer_id": customer_id(call.phone),
                "date": ctx.stamp(moment),
                "conn_id": call.conn_id,
            }
        )
    return rows


REPORTS = (
    Report("cdr_1", (), (), cdr_1, "date"),
    Report("cdr_2", (), (), cdr_2, None),
    Report("cdr_3", (), (), cdr_3, "date"),
    Report("cdr_4", (), (), cdr_4, None),
    Report("cdr_9", (), (), cdr_9, "date"),
    Report("cdr_10", (), (), cdr_10, "date"),
)
