"""speech_* and wizard_*: speech analytics of calls, text analytics of chats, Mr. Wizard."""

from __future__ import annotations

from airflow_provider_wolkvox.testing.emulator_channels import QUESTIONS
from airflow_provider_wolkvox.testing.emulator_families.base import Context, Raw, Report, describe
from airflow_provider_wolkvox.testing.emulator_families.cdr import customer_id
from airflow_provider_wolkvox.testing.emulator_operation import AGENT

CATEGORIES = ("category01", "category02", "category03")
FEELINGS = ("positive", "neutral", "negative")
REASONS = ("Respuesta incompleta", "Informacion desactualizada", "No responde la pregunta")


def speech_1(ctx: Context) -> list[Raw]:
    rows = []
    for c in ctx.op.calls(ctx.window):
        if not c.answered:
            continue
        agent = AGENT[c.agent]
        greets = (c.h >> 41) % 10 != 0
        rows.append(
            {
                "agent_id": agent.id,
                "agent_name": agent.name,
                "agent_dni": agent.dni,
                "conn_id": c.conn_id,
                "time": str(c.talk),
                "date": ctx.stamp(c.start),
                "time_silence": str(c.talk * ((c.h >> 43) % 20) // 100),
                "customer_phone": ctx.op.phone(c.phone),
                "customer_id": customer_id(c.phone),
                "cod_act": c.cod_act,
                "description_cod_act": describe(c.cod_act),
                "greeting": "yes" if greets else "no",
                "slow_to_greet": "yes" if (c.h >> 45) % 7 == 0 else "no",
                "greeting_agent_name": f"yes - {agent.name}" if greets and (c.h >> 46) & 1 else "no",
                **{cat: "yes" if (c.h >> (50 + i)) & 1 else "no" for i, cat in enumerate(CATEGORIES)},
            }
        )
    return rows


def speech_5(ctx: Context) -> list[Raw]:
    """One attended chat in three is analysed a minute after it ends."""
    found = [
        (c.end + 60, c)
        for s in ctx.channels.shifts(ctx.window)
        for c in s.chats
        if c.answered and c.h % 3 == 0 and c.end + 60 in ctx.window
    ]
    rows = []
    for moment, c in sorted(found, key=lambda f: (f[0], f[1].conn_id)):
        text = f"Cliente consulta por su factura en {c.channel}; el asesor resuelve."
        rows.append(
            {
                "id_agent": AGENT[c.agent].id,
                "id_text": c.conn_id,
                "Text": text,
                "Summary": "Consulta de factura resuelta",
                "Feeling": FEELINGS[(c.h >> 7) % 3],
                "Date": ctx.stamp(moment),
                "num_characters": str(len(text)),
            }
        )
    return rows


def wizard(ctx: Context, rating: str | None) -> list[Raw]:
    # The catalogue has no field names for Mr. Wizard: these follow the pages' descriptions.
    rows = []
    for q in ctx.channels.questions(ctx.window):
        rated = ("positive", "negative", "")[(q.h >> 20) % 3]
        if rating is not None and rated != rating:
            continue
        question, answer = QUESTIONS[(q.h >> 4) % len(QUESTIONS)]
        row = {
            "question_id": q.id,
            "agent_id": AGENT[q.agent].id,
            "agent_name": AGENT[q.agent].name,
            "question": question,
            "answer": answer,
            "date": ctx.stamp(q.moment),
        }
        if rating is None:
            row["rating"] = rated
        if rating == "negative":
            row["reason"] = REASONS[(q.h >> 24) % len(REASONS)]
        rows.append(row)
    return rows


REPORTS = (
    Report("speech_1", (), (), speech_1, "date"),
    Report("speech_5", (), (), speech_5, "Date"),
    Report("wizard_1", (), (), lambda ctx: wizard(ctx, None), "date"),
    Report("wizard_2", (), (), lambda ctx: wizard(ctx, "positive"), "date"),
    Report("wizard_3", (), (), lambda ctx: wizard(ctx, "negative"), "date"),
)
