"""act_*: activity (disposition) codes the agents set on their calls."""

from __future__ import annotations

from collections import Counter

from airflow_provider_wolkvox.testing.emulator_families.base import (
    BadParameter,
    Context,
    Raw,
    Report,
    describe,
)
from airflow_provider_wolkvox.testing.emulator_families.cdr import customer_id
from airflow_provider_wolkvox.testing.emulator_operation import AGENT, SKILLS, share


def act_3(ctx: Context) -> list[Raw]:
    wanted = ctx.params["cod_act"]
    return [
        {
            "conn_id": c.conn_id,
            "agent_id": AGENT[c.agent].id,
            "agent_name": AGENT[c.agent].name,
            "agent_dni": AGENT[c.agent].dni,
            "skill_id": SKILLS[c.skill][0] if c.queued else "",
            "date": ctx.stamp(c.start),
            "cod_act": c.cod_act,
            "description_cod_act": describe(c.cod_act),
            # Beyond the catalogue (cut off; call type, phone, destination, duration, customer and
            # campaign promised):
            "type_interaction": "inbound" if c.inbound else "outbound",
            "telephone": ctx.op.phone(c.phone),
            "destiny": "ENTRANTE" if c.inbound else "CELULAR",
            "time": str(c.talk),
            "customer_id": customer_id(c.phone),
            "campaign_id": c.campaign,
        }
        for c in ctx.op.calls(ctx.window)
        if c.answered and c.cod_act == wanted
    ]


def act_5(ctx: Context) -> list[Raw]:
    group = ctx.params["cod_act"]
    if group not in ("cod_act1", "cod_act2"):
        raise BadParameter("cod_act must be cod_act1 or cod_act2")
    codes = Counter(
        c.cod_act if group == "cod_act1" else c.cod_act_2 for c in ctx.op.calls(ctx.window) if c.answered
    )
    total = sum(codes.values())
    return [
        {
            "count": str(n),
            "cod_act": code,
            # Beyond the catalogue (cut off):
            "description_cod_act": describe(code),
            "percent": share(n, total),
        }
        for code, n in sorted(codes.items())
    ]


REPORTS = (
    Report("act_3", ("cod_act",), (), act_3, "date"),
    Report("act_5", ("cod_act",), (), act_5, None),
)
