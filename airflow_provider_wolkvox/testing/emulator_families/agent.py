"""agent_*: agents' state times, sessions and transfers, all from their session timelines.

Every aggregate adds up the states (and calls) that start in the window, so totals over
disjoint windows add up; ``login``/``logout`` (first and last in the window) and ``aht``
(an average) do not.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from airflow_provider_wolkvox.testing.emulator_families.base import Context, Raw, Report, average
from airflow_provider_wolkvox.testing.emulator_operation import AGENT, AUX, SKILLS, Call, State

AUX_STATES = tuple(name for name, _, _ in AUX)
_TALK = {"INBOUND": "inbound", "OUTBOUND": "outbound"}


def totals(states: Iterable[State]) -> Counter[str]:
    """calls, inbound, outbound, internal and the seconds of every state, of some states."""
    out: Counter[str] = Counter(calls=0, inbound=0, outbound=0, internal=0)
    for st in states:
        seconds = st.end - st.start
        if st.status in _TALK:
            out["calls"] += 1
            out[_TALK[st.status]] += 1
            out[f"{_TALK[st.status]}_time"] += seconds
        elif st.status in AUX_STATES:
            out["aux_time"] += seconds
        else:
            out[f"{st.status.lower()}_time"] += seconds
    return out


def times(t: Counter[str], names: Iterable[str]) -> Raw:
    return {name: str(t[name]) for name in names}


COUNTS = ("calls", "inbound", "outbound", "internal")
TIMES = ("ready_time", "inbound_time", "outbound_time")
MORE_TIMES = ("ring_time", "acw_time", "aux_time")


def grouped(ctx: Context, key: Callable[[State], Any]) -> dict[Any, Counter[str]]:
    """Totals of the window's states per ``key``, in key order."""
    groups: dict[Any, list[State]] = defaultdict(list)
    for st in ctx.op.states(ctx.window):
        groups[key(st)].append(st)
    return {k: totals(groups[k]) for k in sorted(groups)}


def aht(t: Counter[str]) -> str:
    return average(t["inbound_time"] + t["outbound_time"] + t["acw_time"], t["calls"])


def agent_1(ctx: Context) -> list[Raw]:
    sessions = defaultdict(list)
    for s in ctx.op.sessions(ctx.window):
        sessions[s.agent].append(s)
    rows = []
    for a, t in grouped(ctx, lambda st: st.agent).items():
        agent, mine = AGENT[a], sessions.get(a, [])
        rows.append(
            {
                "agent_id": agent.id,
                "agent_dni": agent.dni,
                "agent_name": agent.name,
                **times(t, COUNTS + TIMES + MORE_TIMES),
                "login": ctx.stamp(min(s.login for s in mine)) if mine else "",
                "logout": ctx.stamp(max(s.logout for s in mine)) if mine else "",
                "login_time": str(sum(s.logout - s.login for s in mine)),
                "aht": aht(t),
            }
        )
    return rows


def agent_4(ctx: Context) -> list[Raw]:
    return [
        {
            "agent_id": AGENT[a].id,
            "agent_name": AGENT[a].name,
            **times(t, COUNTS + TIMES + MORE_TIMES),
            "aht": aht(t),
        }
        for a, t in grouped(ctx, lambda st: st.agent).items()
    ]


def agent_5(ctx: Context) -> list[Raw]:
    return [
        {
            "agent_name": AGENT[a].name,
            "agent_id": AGENT[a].id,
            "hour": str(hour),
            **times(t, COUNTS + TIMES + MORE_TIMES),
        }
        for (a, hour), t in grouped(ctx, lambda st: (st.agent, ctx.hour(st.start))).items()
    ]


def agent_6(ctx: Context) -> list[Raw]:
    return [
        {"hour": str(hour), **times(t, COUNTS + TIMES + MORE_TIMES)}
        for hour, t in grouped(ctx, lambda st: ctx.hour(st.start)).items()
    ]


def agent_8_1(ctx: Context) -> list[Raw]:
    def slot(st: State) -> tuple[int, str, str]:
        stamp = ctx.stamp(st.start)
        return st.agent, stamp[:10], f"{stamp[11:13]}:{'30' if stamp[14] >= '3' else '00'}"

    return [
        {
            "agent_name": AGENT[a].name,
            "agent_id": AGENT[a].id,
            "agent_dni": AGENT[a].dni,
            "date": day,
            "hour": hour,
            **times(t, COUNTS + TIMES + MORE_TIMES),
        }
        for (a, day, hour), t in grouped(ctx, slot).items()
    ]


def agent_3(ctx: Context) -> list[Raw]:
    spent: Counter[tuple[int, str]] = Counter()
    for st in ctx.op.states(ctx.window):
        if st.status in AUX_STATES:
            spent[st.agent, st.status] += st.end - st.start
    return [
        {
            "agent_id": AGENT[a].id,
            "agent_dni": AGENT[a].dni,
            "agent_name": AGENT[a].name,
            "aux_state": state,
            "time": str(seconds),
        }
        for (a, state), seconds in sorted(spent.items())
    ]


def event_row(ctx: Context, st: State, destiny: str) -> Raw:
    call = st.call
    return {
        "agent_id": AGENT[st.agent].id,
        "agent_status": st.status,
        "time": str(st.end - st.start),
        "date_ini": ctx.stamp(st.start),
        "date_end": ctx.stamp(st.end),
        "conn_id": call.conn_id if call else "",
        "type_interaction": ("inbound" if call.inbound else "outbound") if call else "",
        destiny: ("ENTRANTE" if call.inbound else "CELULAR") if call else "",
        "telephone": ctx.op.phone(call.phone) if call else "",
        # Beyond the catalogue (cut off):
        "campaign_id": call.campaign if call else "",
        "skill_id": SKILLS[call.skill][0] if call and call.queued else "",
    }


def agent_2(ctx: Context) -> list[Raw]:
    wanted = ctx.params["agent_id"]
    return [event_row(ctx, st, "destiny") for st in ctx.op.states(ctx.window) if AGENT[st.agent].id == wanted]


def agent_14(ctx: Context) -> list[Raw]:
    return [event_row(ctx, st, "destinity") for st in ctx.op.states(ctx.window)]


def agent_7(ctx: Context) -> list[Raw]:
    wanted = ctx.params.get("agent_dni")
    return [
        {
            "agent_name": AGENT[s.agent].name,
            "agent_id": AGENT[s.agent].id,
            "agent_dni": AGENT[s.agent].dni,
            "date": ctx.day(s.login),
            "login": ctx.stamp(s.login),
            "logout": ctx.stamp(s.logout),
            "login_time": str(s.logout - s.login),
        }
        for s in ctx.op.sessions(ctx.window)
        if not wanted or AGENT[s.agent].dni == wanted
    ]


def transfers(ctx: Context) -> list[tuple[Call, int, str, int]]:
    """``(call, receiving agent, kind, second of the call)`` of calls starting in the window."""
    return [(call, *call.transfer) for call in ctx.op.calls(ctx.window) if call.transfer]


def agent_12(ctx: Context) -> list[Raw]:
    count: Counter[int] = Counter()
    seconds: Counter[int] = Counter()
    for call, _, _, _ in transfers(ctx):
        count[call.agent] += 1
        seconds[call.agent] += call.talk
    return [
        {
            "agent_name": AGENT[a].name,
            "agent_id": AGENT[a].id,
            "transfer_calls": str(n),
            "time": str(seconds[a]),  # beyond the catalogue: seconds of those calls
        }
        for a, n in sorted(count.items())
    ]


def agent_13(ctx: Context) -> list[Raw]:
    return [
        {
            "agent_name": AGENT[call.agent].name,
            "agent_id": AGENT[call.agent].id,
            "conn_id": call.conn_id,
            "date": ctx.stamp(call.start),
            # Beyond the catalogue (cut off; the page promises phone, call type, duration):
            "telephone": ctx.op.phone(call.phone),
            "type_interaction": "inbound",
            "time": str(call.talk),
            "type": kind,
        }
        for call, _, kind, _ in transfers(ctx)
    ]


def agent_13_1(ctx: Context) -> list[Raw]:
    # The catalogue has no field names here: these follow the page's description.
    found = []
    for shift in ctx.op.shifts(ctx.window):
        for call in shift.calls:
            if call.transfer and call.start + call.ring + call.transfer[2] in ctx.window:
                found.append((call.start + call.ring + call.transfer[2], call, *call.transfer))
    return [
        {
            "transfer_id": f"{call.conn_id}-1",
            "conn_id": call.conn_id,
            "date": ctx.stamp(moment),
            "agent_origin": AGENT[call.agent].id,
            "agent_destination": AGENT[other].id,
            "duration": str(call.talk - second),
            "type_interaction": "inbound",
            "type": kind,
        }
        for moment, call, other, kind, second in sorted(found, key=lambda f: (f[0], f[1].conn_id))
    ]


REPORTS = (
    Report("agent_1", (), (), agent_1, None),
    Report("agent_2", ("agent_id",), (), agent_2, "date_ini"),
    Report("agent_3", (), (), agent_3, None),
    Report("agent_4", (), (), agent_4, None),
    Report("agent_5", (), (), agent_5, None),
    Report("agent_6", (), (), agent_6, None),
    Report("agent_7", (), (), agent_7, "login", ("agent_dni",)),
    Report("agent_8_1", (), (), agent_8_1, None),
    Report("agent_12", (), (), agent_12, None),
    Report("agent_13", (), (), agent_13, "date"),
    Report("agent_13_1", (), (), agent_13_1, "date"),
    Report("agent_14", (), (), agent_14, "date_ini"),
)
