"""quality_*: evaluations of answered calls, attribute by attribute, by analysts.

One answered call in twelve is evaluated two hours after it started. Percentages and
averages do not add up over windows; ``yes``/``no``/``evaluations`` counts do.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from airflow_provider_wolkvox.testing.emulator_families.base import Context, Raw, Report
from airflow_provider_wolkvox.testing.emulator_operation import AGENT, Call, share

SURVEY = "MATRIZ SERVICIO V2"
ATTRIBUTES = (
    ("Saludo corporativo", "non-critical", "Protocolo"),
    ("Validacion de identidad", "critical", "Seguridad"),
    ("Solucion en primer contacto", "critical", "Resolucion"),
    ("Tono y empatia", "non-critical", "Protocolo"),
    ("Despedida", "non-critical", "Protocolo"),
)
ANALYSTS = ("Marta Quality", "Pedro Calidad", "Lucia Auditora")


class Evaluation:
    def __init__(self, moment: int, call: Call) -> None:
        self.moment, self.call = moment, call
        self.passed = tuple(bool((call.h >> (5 + i)) % 5) for i in range(len(ATTRIBUTES)))  # 80 % yes
        self.analyst = ANALYSTS[(call.h >> 13) % len(ANALYSTS)]

    def precision(self, kind: str | None) -> tuple[int, int]:
        picked = [p for p, (_, k, _) in zip(self.passed, ATTRIBUTES, strict=True) if kind in (None, k)]
        return sum(picked), len(picked)


def evaluations(ctx: Context) -> list[Evaluation]:
    found = [
        Evaluation(c.start + 7_200, c)
        for shift in ctx.op.shifts(ctx.window)
        for c in shift.calls
        if c.answered and (c.h >> 3) % 12 == 0 and c.start + 7_200 in ctx.window
    ]
    return sorted(found, key=lambda e: (e.moment, e.call.conn_id))


def _figures(evals: list[Evaluation], opportunity: str) -> Raw:
    def pct(kind: str | None) -> str:
        got = [e.precision(kind) for e in evals]
        return share(sum(g for g, _ in got), sum(n for _, n in got))

    return {
        "precision_unit_critical_error": pct("critical"),
        opportunity: pct("non-critical"),
        "accuracy": pct(None),
    }


def quality_2(ctx: Context) -> list[Raw]:
    return [
        {
            "conn_id": e.call.conn_id,
            "agent_id": AGENT[e.call.agent].id,
            "agent_name": AGENT[e.call.agent].name,
            "comments": "" if all(e.passed) else "Revisar protocolo",
            **_figures([e], "precision_opportunity_error"),
            "date": ctx.stamp(e.moment),
            "quality_analyst": e.analyst,  # beyond the catalogue (cut off)
            "survey": SURVEY,
        }
        for e in evaluations(ctx)
    ]


def quality_3(ctx: Context) -> list[Raw]:
    return [
        {
            "conn_id": e.call.conn_id,
            "agent_id": AGENT[e.call.agent].id,
            "agent_name": AGENT[e.call.agent].name,
            "attribute": name,
            "type_error": kind,
            "yes/no": "yes" if passed else "no",
            "date": ctx.stamp(e.moment),
            "survey": SURVEY,
            "category": category,  # beyond the catalogue (cut off)
        }
        for e in evaluations(ctx)
        for passed, (name, kind, category) in zip(e.passed, ATTRIBUTES, strict=True)
    ]


def quality_4(ctx: Context) -> list[Raw]:
    yes: Counter[int] = Counter()
    no: Counter[int] = Counter()
    for e in evaluations(ctx):
        for i, passed in enumerate(e.passed):
            (yes if passed else no)[i] += 1
    return [
        {
            "attribute": name,
            "yes": str(yes[i]),
            "no": str(no[i]),
            "percent": share(yes[i], yes[i] + no[i]),
            "survey": SURVEY,
            "category": category,
        }
        for i, (name, _, category) in enumerate(ATTRIBUTES)
        if yes[i] + no[i]
    ]


def quality_5(ctx: Context) -> list[Raw]:
    by_analyst: dict[str, list[Evaluation]] = defaultdict(list)
    for e in evaluations(ctx):
        by_analyst[e.analyst].append(e)
    return [
        {
            "quality_analyst": analyst,
            "evaluations": str(len(evals)),
            **_figures(evals, "precision_opportunity_critical_error"),
        }
        for analyst, evals in sorted(by_analyst.items())
    ]


REPORTS = (
    Report("quality_2", (), (), quality_2, "date"),
    Report("quality_3", (), (), quality_3, "date"),
    Report("quality_4", (), (), quality_4, None),
    Report("quality_5", (), (), quality_5, None),
)
