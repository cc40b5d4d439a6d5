"""chat_*: chats (bot, then agent), their messages and transfers, WhatsApp, omnichannel cases."""

from __future__ import annotations

from collections import Counter

from airflow_provider_wolkvox.testing.emulator_channels import COUNTRIES, Chat
from airflow_provider_wolkvox.testing.emulator_families.base import Context, Raw, Report, describe
from airflow_provider_wolkvox.testing.emulator_families.cdr import customer_id
from airflow_provider_wolkvox.testing.emulator_operation import (
    AGENT,
    COD_ACTS,
    LAST_NAMES,
    NAMES,
    SKILLS,
    TEAM,
)


def customer(ctx: Context, chat: Chat) -> Raw:
    name = f"{NAMES[chat.phone % 8]} {LAST_NAMES[chat.phone // 8 % 7]}"
    return {
        "customer_name": name,
        "customer_email": f"cliente{chat.phone}@mail.example",
        "customer_phone": ctx.op.phone(chat.phone),
    }


def attended(ctx: Context) -> list[Chat]:
    return [c for c in ctx.channels.chats(ctx.window) if c.agent >= 0]


def chat_1(ctx: Context) -> list[Raw]:
    wanted = ctx.params.get("agent_dni")
    rows = []
    for chat in attended(ctx):
        agent = AGENT[chat.agent]
        if wanted and agent.dni != wanted:
            continue
        code = COD_ACTS[chat.h % len(COD_ACTS)]
        rows.append(
            {
                "conn_id": chat.conn_id,
                "channel": chat.channel,
                "date": ctx.stamp(chat.start),
                **customer(ctx, chat),
                "customer_chars": str(40 + chat.h % 900),
                "agent_id": agent.id,
                "agent_name": agent.name,
                "agent_chars": str(80 + (chat.h >> 10) % 1_500),
                "time_on_agent": str(chat.agent_time),
                "chat_duration": str(chat.end - chat.start),
                "cod_act": code,
                "description_cod_act": describe(code),
                "comments": "",
                "customer_id": customer_id(chat.phone),
                "skill_id": SKILLS[chat.skill][0],
                "ASA": str(chat.wait),
                "last_participant": "AGENT" if (chat.h >> 3) & 1 else "CUSTOMER",  # beyond the catalogue
            }
        )
    return rows


def messages(ctx: Context, chat: Chat) -> list[tuple[int, str, str, str]]:
    """``(moment, from, from_name, to_name)`` of a chat's messages."""
    who = customer(ctx, chat)["customer_name"]
    out = [(chat.start, "CUSTOMER", who, "chat bot"), (chat.start + 2, "BOT", "chat bot", who)]
    if chat.agent >= 0:
        agent = AGENT[chat.agent].name
        taken = chat.start + chat.bot_time + chat.wait
        steps = 2 + chat.h % 5
        for i in range(steps):
            at = taken + chat.agent_time * i // steps
            out.append((at, "AGENT", agent, who) if i % 2 == 0 else (at, "CUSTOMER", who, agent))
    return out


def chat_2(ctx: Context) -> list[Raw]:
    rows = []
    chats = [c for s in ctx.channels.shifts(ctx.window) for c in s.chats]
    for chat in chats:
        for i, (moment, sender, from_name, to_name) in enumerate(messages(ctx, chat)):
            if moment in ctx.window:
                rows.append(
                    {
                        "conn_id": chat.conn_id,
                        "agent_name": AGENT[chat.agent].name if chat.agent >= 0 else "",
                        "customer_name": customer(ctx, chat)["customer_name"],
                        "channel": chat.channel,
                        "from": sender,
                        "from_name": from_name,
                        "to_name": to_name,
                        "date": ctx.stamp(moment),
                        "message": f"mensaje {i + 1}",
                        "customer_id": customer_id(chat.phone),
                        "feeling": ("positive", "neutral", "negative")[(chat.h >> i) % 3],
                    }
                )
    return sorted(rows, key=lambda r: (r["date"], r["conn_id"], int(r["message"].split()[1])))


def chat_4(ctx: Context) -> list[Raw]:
    return [
        {
            "channel": i.channel,
            "agent_name": AGENT[i.agent].name,
            "skill_id": SKILLS[i.skill][0],
            "case_id": i.conn_id,
            "subject": f"Caso {i.conn_id}",
            "from": f"cliente{(i.h >> 9) % 10_000}@mail.example",
            "to": "servicio@emulated.example",
            "body": "Necesito ayuda con mi factura.",
            "answer": "Con gusto, ya revisamos tu factura.",
            "date_creation": ctx.stamp(i.created),
            # Beyond the catalogue (cut off; closing date, evaluation and comments promised):
            "date_close": ctx.stamp(i.closed),
            "evaluation": str(1 + (i.h >> 40) % 5),
            "comments": "",
        }
        for i in ctx.channels.interactions(ctx.window, outgoing=False)
    ]


def chat_5(ctx: Context) -> list[Raw]:
    count: Counter[int] = Counter()
    seconds: Counter[int] = Counter()
    for i in ctx.channels.interactions(ctx.window, outgoing=False, closed=True):
        count[i.agent] += 1
        seconds[i.agent] += i.closed - i.created
    return [
        {"agent_name": AGENT[a].name, "interactions": str(count[a]), "close_time": str(seconds[a])}
        for a in sorted(count, key=lambda a: AGENT[a].name)
    ]


def chat_8(ctx: Context) -> list[Raw]:
    return [
        {
            "conn_id": c.conn_id,
            "session_id": c.session_id,
            "times_chatted": str(c.chatted),
            "start_date": ctx.stamp(c.start),
            "end_date": ctx.stamp(c.end),
            "time_on_chatbot": str(c.bot_time),
            "rp_id": f"rp-{2000 + CHANNEL_RP[c.channel]}",
            "channel": c.channel,
            "go_to_agent": "yes" if c.to_agent else "no",
            "customer_phone": ctx.op.phone(c.phone),
            "customer_name": customer(ctx, c)["customer_name"],
            "agent_id": AGENT[c.agent].id if c.agent >= 0 else "",
        }
        for c in ctx.channels.chats(ctx.window)
    ]


CHANNEL_RP = {"whatsapp": 1, "web": 2, "facebook": 3, "instagram": 4, "telegram": 5}


def chat_10(ctx: Context) -> list[Raw]:
    wanted = ctx.params["destination"].strip().upper()
    rows = []
    for c in ctx.channels.chats(ctx.window):
        destiny = COUNTRIES[(c.h >> 5) % len(COUNTRIES)]
        if c.channel == "whatsapp" and destiny == wanted:
            rows.append(
                {
                    "conn_id": c.conn_id,
                    "session_id": c.session_id,
                    "date": ctx.stamp(c.start),
                    "customer_phone": ctx.op.phone(c.phone),
                    "template": "yes" if c.h % 10 == 0 else "no",
                    "destiny": destiny,
                }
            )
    return rows


def chat_11(ctx: Context) -> list[Raw]:
    rows = []
    for c in attended(ctx):
        if c.h % 8:
            continue
        team = c.agent // TEAM * TEAM
        giver, taker = AGENT[c.agent], AGENT[team + (c.agent + 1 + (c.h >> 4) % (TEAM - 1)) % TEAM]
        rows.append(
            {
                "conn_id": c.conn_id,
                "transfer_agent_id": giver.id,
                "transfer_agent_name": giver.name,
                "transfer_agent_dni": giver.dni,
                "receiver_agent_id": taker.id,
                "receiver_agent_name": taker.name,
                "receiver_agent_dni": taker.dni,
                "channel": c.channel,
                "date": ctx.stamp(c.start),
            }
        )
    return rows


def chat_12(ctx: Context) -> list[Raw]:
    rows = []
    for i in ctx.channels.interactions(ctx.window, outgoing=True):
        code = COD_ACTS[i.h % len(COD_ACTS)]
        rows.append(
            {
                "conn_id": i.conn_id,
                "agent_id": AGENT[i.agent].id,
                "agent_name": AGENT[i.agent].name,
                "channel": "email",
                "from": "servicio@emulated.example",
                "to": f"cliente{(i.h >> 9) % 10_000}@mail.example",
                "subject": "Seguimiento de su solicitud",
                "body": "Buen dia,\nle escribimos para confirmar su solicitud.",
                "date": ctx.stamp(i.created),
                "cod_act": code,
                "description_cod_act": describe(code),
            }
        )
    return rows


def chat_13(ctx: Context) -> list[Raw]:
    closed = Counter(c.channel for c in attended(ctx))
    return [{"channel": ch, "interaction": str(n)} for ch, n in sorted(closed.items())]


def chat_14(ctx: Context) -> list[Raw]:
    return [
        {
            "source_url": f"https://fb.me/{c.source}{c.h % 1000}",
            "source_type": c.source,
            "source_id": str(120_000 + c.h % 1000),
            "chat_id": c.conn_id,
            "rp_id": "rp-2001",
            "agent_id": AGENT[c.agent].id if c.agent >= 0 else "",
            "media_type": "video" if (c.h >> 2) & 1 else "image",
            "media_url": f"https://cdn.example/{c.h % 1000}.jpg",
            "date": ctx.stamp(c.start),
            "cod_act": COD_ACTS[c.h % len(COD_ACTS)] if c.agent >= 0 else "",
            "customer_phone": ctx.op.phone(c.phone),  # beyond the catalogue (cut off)
        }
        for c in ctx.channels.chats(ctx.window)
        if c.source
    ]


def chat_15(ctx: Context) -> list[Raw]:
    # chat_15 names two pages; this is "15. WhatsApp Click Summary" (the other's fields are unknown).
    counts = Counter((c.source, c.agent >= 0) for c in ctx.channels.chats(ctx.window) if c.source)
    if not counts:
        return []
    row = {}
    for source in ("ad", "post"):
        row[f"{source}_chatbot"] = str(counts[source, False])
        row[f"{source}_agents"] = str(counts[source, True])
    row["total_chatbot"] = str(counts["ad", False] + counts["post", False])
    row["total_agents"] = str(counts["ad", True] + counts["post", True])
    return [row]


REPORTS = (
    Report("chat_1", (), (), chat_1, "date", ("agent_dni",)),
    Report("chat_2", (), (), chat_2, "date"),
    Report("chat_4", (), (), chat_4, "date_creation"),
    Report("chat_5", (), (), chat_5, None),
    Report("chat_8", (), (), chat_8, "start_date"),
    Report("chat_10", ("destination",), (), chat_10, "date"),
    Report("chat_11", (), (), chat_11, "date"),
    Report("chat_12", (), (), chat_12, "date"),
    Report("chat_13", (), (), chat_13, None),
    Report("chat_14", (), (), chat_14, "date"),
    Report("chat_15", (), (), chat_15, None),
)
