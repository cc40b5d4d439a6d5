"""Every catalogued report of the emulator over real HTTP: envelope, parameters, grain, ground
truth, and the identities that hold between families because they come from one operation."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator, _field_options, main
from airflow_provider_wolkvox.testing.emulator_families import REPORTS
from tests.airflow_compat import newest_release_only

pytestmark = newest_release_only("The emulator (no Airflow involved)")

UTC = timezone.utc
PATH = "/api/v2/reports_manager.php"
DAY = datetime(2026, 11, 27, 5, tzinfo=UTC)  # 2026-11-27 00:00 in Bogota
CATALOGUE = (
    "cdr_1",
    "cdr_2",
    "cdr_3",
    "cdr_4",
    "cdr_9",
    "cdr_10",
    "agent_1",
    "agent_2",
    "agent_3",
    "agent_4",
    "agent_5",
    "agent_6",
    "agent_7",
    "agent_8_1",
    "agent_12",
    "agent_13",
    "agent_13_1",
    "agent_14",
    "skill_1",
    "skill_2",
    "skill_3",
    "skill_4",
    "skill_4_1",
    "skill_6",
    "skill_7",
    "skill_8",
    "skill_9",
    "skill_10",
    "skill_11",
    "campaign_1",
    "campaign_3",
    "campaign_4",
    "campaign_5",
    "campaign_6",
    "campaign_7",
    "campaign_8",
    "campaign_10",
    "chat_1",
    "chat_2",
    "chat_4",
    "chat_5",
    "chat_8",
    "chat_10",
    "chat_11",
    "chat_12",
    "chat_13",
    "chat_14",
    "chat_15",
    "diagram_1",
    "diagram_1_1",
    "diagram_1_2",
    "diagram_3",
    "diagram_4",
    "diagram_5",
    "diagram_9",
    "diagram_11",
    "diagram_13",
    "diagram_14",
    "act_3",
    "act_5",
    "quality_2",
    "quality_3",
    "quality_4",
    "quality_5",
    "speech_1",
    "speech_5",
    "wizard_1",
    "wizard_2",
    "wizard_3",
)
AGENT_DNI = "52023757"  # agent 1003
PARAMS = {
    "skill_id": "all",
    "campaign_id": "1",
    "agent_id": "1003",
    "agent_dni": AGENT_DNI,
    "customer_id": "1038272527",
    "destination": "COLOMBIA",
    "cod_act": "01 VENTA",
}
SPECIAL = {"act_5": {"cod_act": "cod_act1"}, "skill_10": {"skill_id": "102"}}


def params_of(api: str) -> dict[str, str]:
    report = REPORTS[api]
    return SPECIAL.get(api) or {name: PARAMS[name] for name in (*report.required, *report.optional)}


@pytest.fixture(scope="module")
def token() -> str:
    return "tok-families-SECRET"


@pytest.fixture(scope="module")
def emu(token: str) -> Iterator[WolkvoxEmulator]:
    with WolkvoxEmulator([token], seed=7) as emulator:
        yield emulator


def call(emu: WolkvoxEmulator, token: str, api: str, start: datetime, end: datetime, **params: str) -> Any:
    date_ini, date_end = emu.api_dates(start, end)
    query = {"api": api, "date_ini": date_ini, "date_end": date_end, **params}
    return requests.get(emu.base_url + PATH, params=query, headers={"wolkvox-token": token}, timeout=60)


def rows(emu: WolkvoxEmulator, token: str, api: str, start: datetime, end: datetime, **params: str) -> Any:
    response = call(emu, token, api, start, end, **(params or params_of(api)))
    if response.status_code == 404:
        return []
    assert response.status_code == 200, (api, response.text)
    return response.json()["data"]


def day(emu: WolkvoxEmulator, token: str, api: str, **params: str) -> Any:
    return rows(emu, token, api, DAY, DAY + timedelta(days=1), **params)


# -- every report ---------------------------------------------------------------------------------


def test_every_catalogued_report_is_served_as_the_api_sends_it(emu: WolkvoxEmulator, token: str) -> None:
    assert len(CATALOGUE) == 69
    assert set(REPORTS) == {*CATALOGUE, "campaign_2", "campaign_9"}
    for api in REPORTS:
        response = call(emu, token, api, DAY, DAY + timedelta(days=1), **params_of(api))
        assert response.status_code == 200, api
        body = response.json()
        assert list(body) == ["code", "error", "msg", "data"]
        assert (body["code"], body["error"]) == (200, None)
        assert body["msg"] == f"{len(body['data'])} records were found"
        names = list(body["data"][0])
        for row in body["data"]:
            assert list(row) == names, api  # every row has the same fields, in the same order
            assert all(isinstance(v, str) for v in row.values()), api
        assert len({tuple(row.values()) for row in body["data"]}) == len(body["data"]), api  # no repeats
        truth = emu.ground_truth_rows(api, params_of(api), DAY, DAY + timedelta(days=1))
        assert body["data"] == truth, api


def test_detail_rows_belong_to_a_window_by_their_own_date(emu: WolkvoxEmulator, token: str) -> None:
    cut = DAY + timedelta(hours=12, minutes=17, seconds=3)  # 12:17:03 local
    whole_day = DAY + timedelta(days=1)
    for api, report in REPORTS.items():
        if report.date_field is None:
            continue
        morning = rows(emu, token, api, DAY, cut)
        afternoon = rows(emu, token, api, cut, whole_day)
        assert morning + afternoon == day(emu, token, api), api
        for part, low, high in ((morning, "2026-11-27 00:00:00", "2026-11-27 12:17:02"),):
            assert all(low <= row[report.date_field] <= high for row in part), api
        assert all(row[report.date_field] >= "2026-11-27 12:17:03" for row in afternoon), api


def test_additive_aggregates_add_up_over_windows_and_rates_do_not(emu: WolkvoxEmulator, token: str) -> None:
    middle, end = DAY + timedelta(hours=13), DAY + timedelta(days=1)
    parts = [rows(emu, token, "agent_1", DAY, middle), rows(emu, token, "agent_1", middle, end)]
    summed: dict[str, Counter[str]] = defaultdict(Counter)
    additive = ("calls", "inbound", "outbound", "ready_time", "inbound_time", "acw_time", "aux_time")
    for part in parts:
        for row in part:
            summed[row["agent_id"]].update({f: int(row[f]) for f in additive})
    whole = {row["agent_id"]: row for row in day(emu, token, "agent_1")}
    assert {a: {f: int(r[f]) for f in additive} for a, r in whole.items()} == {
        a: dict(c) for a, c in summed.items()
    }
    halves = [
        {r["skill_id"]: r for r in rows(emu, token, "skill_1", *w)} for w in ((DAY, middle), (middle, end))
    ]
    for skill, row in ((r["skill_id"], r) for r in day(emu, token, "skill_1")):
        counts = ("inbound_calls", "answer_calls", "abandon_calls", "wait_time")
        assert all(int(row[f]) == sum(int(h[skill][f]) for h in halves) for f in counts)
        answered_in_20 = sum(
            round(float(h[skill]["service_level_20seg"].rstrip("%")) * int(h[skill]["inbound_calls"]) / 100)
            for h in halves
        )
        recomputed = answered_in_20 * 100 / int(row["inbound_calls"])
        assert row["service_level_20seg"] == f"{recomputed:.2f}%"


# -- one operation: the families agree ------------------------------------------------------------


def test_calls_agree_across_cdr_agent_and_campaign_reports(emu: WolkvoxEmulator, token: str) -> None:
    cdr = day(emu, token, "cdr_1")
    per_agent = Counter(r["agent_name"] for r in cdr if r["agent_name"])
    assert {r["agent_name"]: int(r["calls"]) for r in day(emu, token, "cdr_2")} == per_agent
    by_type: dict[str, Counter[str]] = defaultdict(Counter)
    for r in cdr:
        if r["agent_id"]:
            by_type[r["agent_id"]][r["type_interaction"]] += 1
            by_type[r["agent_id"]][r["type_interaction"] + "_time"] += int(r["time_seg"])
    for row in day(emu, token, "agent_1"):
        mine = by_type[row["agent_id"]]
        assert int(row["calls"]) == mine["inbound"] + mine["outbound"]
        for field in ("inbound", "outbound", "inbound_time", "outbound_time"):
            assert int(row[field]) == mine[field], (row["agent_id"], field)
    # The dialer's human answers: connected ones have an agent in cdr_1 and campaign_5.
    outcome = {r["result"]: int(r["records"]) for r in day(emu, token, "campaign_4", campaign_id="1")}
    connected = [r for r in cdr if r["campaign_id"] == "1" and r["agent_id"]]
    assert outcome["ANSWER - AGENT"] == len(connected)
    assert outcome["ANSWER - ABANDONED"] == sum(
        1 for r in cdr if r["campaign_id"] == "1" and not r["agent_id"]
    )
    preview = {r["conn_id"]: r["agent_id"] for r in day(emu, token, "campaign_5", campaign_id="1")}
    assert {r["conn_id"]: r["agent_id"] for r in connected} == {c: a for c, a in preview.items() if a}
    act = Counter(r["cod_act"] for r in cdr if r["agent_id"])
    assert {r["cod_act"]: int(r["count"]) for r in day(emu, token, "act_5", cod_act="cod_act1")} == act
    assert len(day(emu, token, "act_3", cod_act="01 VENTA")) == act["01 VENTA"]
    assert len(day(emu, token, "speech_1")) == sum(act.values())
    assert sum(int(r["calls"]) for r in day(emu, token, "cdr_4")) == len(cdr)


def test_skill_reports_agree_with_each_other_and_with_the_calls(emu: WolkvoxEmulator, token: str) -> None:
    two_days = (DAY, DAY + timedelta(days=2))
    skill_1 = {r["skill_id"]: r for r in rows(emu, token, "skill_1", *two_days)}
    per_day: Counter[str] = Counter()
    for r in rows(emu, token, "skill_3", *two_days):
        per_day[r["skill_id"]] += int(r["inbound_calls"])
    assert {s: int(r["inbound_calls"]) for s, r in skill_1.items()} == per_day
    assert len({r["date"] for r in rows(emu, token, "skill_3", *two_days)}) == 2
    abandoned = Counter(r["skill_id"] for r in rows(emu, token, "skill_2", *two_days))
    assert {s: int(r["abandon_calls"]) for s, r in skill_1.items()} == abandoned
    for r in rows(emu, token, "skill_8", *two_days):
        bands = sum(int(v) for k, v in r.items() if k.startswith("answer_") and k != "answer_calls")
        assert int(r["answer_calls"]) == bands == int(skill_1[r["skill_id"]]["answer_calls"])
    answered = rows(emu, token, "skill_10", *two_days, skill_id="102")
    assert len(answered) == int(skill_1["102"]["answer_calls"])
    only = rows(emu, token, "skill_1", *two_days, skill_id="102")
    assert only == [skill_1["102"]]
    cdr = rows(emu, token, "cdr_1", *two_days)
    assert sum(int(r["inbound_calls"]) for r in skill_1.values()) == sum(1 for r in cdr if r["skill_id"])
    ivr = sum(int(r["calls"]) for r in rows(emu, token, "diagram_1_1", *two_days))
    assert ivr == sum(1 for r in cdr if r["type_interaction"] == "inbound")
    voice = next(r for r in rows(emu, token, "skill_11", *two_days) if r["type_interaction"] == "inbound")
    assert int(voice["inbound_calls"]) == sum(int(r["inbound_calls"]) for r in skill_1.values())


def test_agent_timelines_agree_with_sessions_and_events(emu: WolkvoxEmulator, token: str) -> None:
    (session,) = day(emu, token, "agent_7", agent_dni=AGENT_DNI)
    events = day(emu, token, "agent_2", agent_id=session["agent_id"])
    assert events
    assert all(e["agent_id"] == session["agent_id"] for e in events)
    assert sum(int(e["time"]) for e in events) == int(session["login_time"])  # a gap-free timeline
    assert events[0]["date_ini"] == session["login"]
    assert events[-1]["date_end"] == session["logout"]
    everyone = day(emu, token, "agent_14")
    assert [e for e in everyone if e["agent_id"] == session["agent_id"]] == [
        {("destinity" if k == "destiny" else k): v for k, v in e.items()} for e in events
    ]
    ready: Counter[str] = Counter()
    aux: Counter[tuple[str, str]] = Counter()
    for e in everyone:
        if e["agent_status"] == "READY":
            ready[e["agent_id"]] += int(e["time"])
        elif e["agent_status"] in ("BREAK", "LUNCH", "TRAINING"):
            aux[e["agent_id"], e["agent_status"]] += int(e["time"])
    assert {r["agent_id"]: int(r["ready_time"]) for r in day(emu, token, "agent_1")} == ready
    assert {(r["agent_id"], r["aux_state"]): int(r["time"]) for r in day(emu, token, "agent_3")} == aux
    per_hour: Counter[str] = Counter()
    for r in day(emu, token, "agent_5"):
        per_hour[r["agent_id"]] += int(r["calls"])
    assert per_hour == {r["agent_id"]: int(r["calls"]) for r in day(emu, token, "agent_1")}
    transfers = Counter(r["agent_id"] for r in day(emu, token, "agent_13"))
    assert {r["agent_id"]: int(r["transfer_calls"]) for r in day(emu, token, "agent_12")} == transfers


def test_written_channels_quality_and_wizard_agree(emu: WolkvoxEmulator, token: str) -> None:
    sessions = day(emu, token, "chat_8")
    attended = Counter(r["channel"] for r in sessions if r["agent_id"])
    assert {r["channel"]: int(r["interaction"]) for r in day(emu, token, "chat_13")} == attended
    clicks = day(emu, token, "chat_14")
    (summary,) = day(emu, token, "chat_15")
    assert int(summary["total_chatbot"]) + int(summary["total_agents"]) == len(clicks)
    assert int(summary["total_agents"]) == sum(1 for r in clicks if r["agent_id"])
    mine = day(emu, token, "chat_1", agent_dni=AGENT_DNI)
    assert len(mine) == sum(1 for r in sessions if r["agent_id"] == "1003")
    evaluations = day(emu, token, "quality_2")
    assert sum(int(r["evaluations"]) for r in day(emu, token, "quality_5")) == len(evaluations)
    attributes = Counter(r["attribute"] for r in day(emu, token, "quality_3"))
    assert {r["attribute"]: int(r["yes"]) + int(r["no"]) for r in day(emu, token, "quality_4")} == attributes
    surveys = Counter(r["agent_id"] for r in day(emu, token, "diagram_4"))
    assert {r["agent_id"]: int(r["surveys"]) for r in day(emu, token, "diagram_5")} == surveys
    rated = Counter(r["rating"] for r in day(emu, token, "wizard_1"))
    assert rated["positive"] == len(day(emu, token, "wizard_2"))
    assert rated["negative"] == len(day(emu, token, "wizard_3"))


# -- parameters, errors and field changes ---------------------------------------------------------


def test_required_parameters_and_all(emu: WolkvoxEmulator, token: str) -> None:
    window = (DAY, DAY + timedelta(days=1))
    for api, report in REPORTS.items():
        for name in report.required:
            given = {k: v for k, v in params_of(api).items() if k != name}
            for missing in (given, {**given, name: ""}):
                refused = call(emu, token, api, window[0], window[1], **missing)
                assert refused.status_code == 400, (api, name)
                assert refused.json()["error"] == "SOME PARAMETERS ARE REQUIRED"
        for name in report.accepts_all:
            bad = {**params_of(api), name: "1;drop"}
            assert call(emu, token, api, window[0], window[1], **bad).status_code == 400
    assert call(emu, token, "skill_10", *window, skill_id="all").status_code == 404  # no "all" there
    assert call(emu, token, "skill_1", *window, skill_id="999").status_code == 404  # no such skill
    assert call(emu, token, "act_5", *window, cod_act="cod_act3").status_code == 400
    assert call(emu, token, "agent_1", *window).status_code == 200  # needs nothing else
    for api, field, me in (("agent_7", "agent_dni", AGENT_DNI), ("chat_1", "agent_id", "1003")):
        everyone = rows(emu, token, api, *window, agent_dni="")  # agent_dni may be left out
        assert everyone == rows(emu, token, api, *window, other="x")
        assert len({r[field] for r in everyone}) > 1
        assert [r for r in everyone if r[field] == me] == rows(emu, token, api, *window)
    unknown = call(emu, token, "chat_7", *window)
    assert (unknown.status_code, unknown.json()["error"]) == (
        400,
        "THE API YOU WANT TO CONSULT DOES NOT EXIST",
    )
    night = call(emu, token, "agent_1", DAY, DAY + timedelta(hours=4))  # nobody works at night
    assert (night.status_code, night.json()["error"]) == (404, "Validate dates entered")


def test_a_report_the_server_lacks_answers_like_an_empty_window(token: str) -> None:
    with WolkvoxEmulator([token], missing_reports=["agent_1", "chat_7"]) as lacking:
        for api in ("agent_1", "chat_7"):
            response = call(lacking, token, api, DAY, DAY + timedelta(days=1))
            assert response.status_code == 404
            assert response.json()["msg"] == "Validate dates entered"
        assert call(lacking, token, "cdr_1", DAY, DAY + timedelta(days=1)).status_code == 200


def test_fields_can_start_and_stop_coming(token: str) -> None:
    window = (DAY + timedelta(hours=10), DAY + timedelta(hours=11))
    with WolkvoxEmulator([token], extra_fields={"cdr_1": {"new_field": "n1"}}) as changing:
        first = rows(changing, token, "cdr_1", *window)
        assert all(r["new_field"] == "n1" for r in first)
        admin = changing.base_url + "/_emulator/fields"
        change = {"api": "skill_1", "extra": {"abandon_rate": "x"}, "dropped": ["asa"]}
        assert requests.post(admin, json=change, timeout=10).json() == {"ok": True}
        (row, *_) = rows(changing, token, "skill_1", *window, skill_id="all")
        assert row["abandon_rate"] == "x"
        assert "asa" not in row
        assert changing.ground_truth_rows("skill_1", {"skill_id": "all"}, *window)[0] == row
        truth = requests.get(
            changing.base_url + "/_emulator/ground_truth",
            params={
                "api": "skill_1",
                "skill_id": "all",
                "start": window[0].isoformat(),
                "end": window[1].isoformat(),
            },
            timeout=10,
        ).json()
        assert truth[0] == row
        span = {"start": window[0].isoformat(), "end": window[1].isoformat()}
        as_rows = {"api": "campaign_8", "campaign_id": "1", "rows": "1", **span}
        machine_codes = requests.get(
            changing.base_url + "/_emulator/ground_truth", params=as_rows, timeout=10
        )
        assert machine_codes.json() == changing.ground_truth_rows("campaign_8", {"campaign_id": "1"}, *window)
        assert machine_codes.json()[0]["telephone"]
        assert requests.post(admin, json={"api": "skill_1"}, timeout=10).status_code == 200
        assert "asa" in rows(changing, token, "skill_1", *window, skill_id="all")[0]
        assert requests.post(admin, json={"api": "nope"}, timeout=10).status_code == 400
    with pytest.raises(ValueError, match="skill_id"):
        changing.ground_truth_rows("skill_1", {}, *window)


def test_late_rows_are_answered_only_once_the_server_has_written_them(token: str) -> None:
    """A lag of 20 minutes: at 11:00 the hour 10:00-11:00 lacks its rows dated 10:40 or later; asked
    again at 11:20 (the server's "now", set by the clock) it has every row; the truth has them all."""
    start, end = DAY + timedelta(hours=10), DAY + timedelta(hours=11)  # 10:00-11:00 local
    with WolkvoxEmulator([token], seed=7) as lagging:
        truth = lagging.ground_truth_rows("cdr_1", {}, start, end)
        admin = lagging.base_url + "/_emulator/"
        late = {"api": "cdr_1", "delay_seconds": 1200}
        assert requests.post(admin + "late", json=late, timeout=10).json() == {"ok": True}
        assert requests.post(admin + "clock", json={"now": end.isoformat()}, timeout=10).status_code == 200
        early = rows(lagging, token, "cdr_1", start, end)
        assert early == [row for row in truth if row["date"] <= "2026-11-27 10:40:00"]
        assert 0 < len(early) < len(truth)
        assert lagging.ground_truth_rows("cdr_1", {}, start, end) == truth
        lagging.set_clock(end + timedelta(minutes=20))
        assert rows(lagging, token, "cdr_1", start, end) == truth
        lagging.set_clock(end)
        lagging.set_late("cdr_1", None)
        assert rows(lagging, token, "cdr_1", start, end) == truth
        assert (
            requests.post(admin + "late", json={"api": "cdr_2", "delay_seconds": 60}, timeout=10).status_code
            == 400
        )
    with pytest.raises(ValueError, match="aggregate"):
        lagging.set_late("skill_1", timedelta(minutes=1))


def test_the_docs_list_every_report_with_its_parameters_and_grain() -> None:
    page = (Path(__file__).parents[2] / "docs" / "emulator.md").read_text(encoding="utf-8")
    table = page.split("## Every report", 1)[1].split("\n\n## ", 1)[0]
    listed: dict[str, tuple[str, str]] = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        match = re.fullmatch(r"`(\w+)`( \.\. `(\w+)`)?", cells[0])
        if not match:
            continue
        first, last = match.group(1), match.group(3)
        apis = [f"campaign_{n}" for n in range(1, 11)] if last else [first]
        for api in apis:
            listed[api] = (cells[1], cells[2])
    assert set(listed) == set(REPORTS)
    for api, (parameters, grain) in listed.items():
        report = REPORTS[api]
        names = re.findall(r"`(\w+)`", parameters.split(" (")[0])
        assert names == [*report.required, *report.optional], api
        assert ("optional" in parameters) == bool(report.optional), api
        if api.startswith("campaign_"):
            continue
        date_field = re.match(r"detail \(`(\w+)`\)", grain)
        assert (date_field.group(1) if date_field else None) == report.date_field, api


def test_command_line_field_options() -> None:
    assert _field_options(["cdr_1:a=1", "cdr_1:b=x=y", "skill_1:c="], ["agent_1:login"]) == (
        {"cdr_1": {"a": "1", "b": "x=y"}, "skill_1": {"c": ""}},
        {"agent_1": ["login"]},
    )
    with pytest.raises(SystemExit):
        main(["--token", "t", "--extra-field", "no-colon"])


def test_limits_and_empty_answers_hold_for_every_family(token: str) -> None:
    whole_day = (DAY, DAY + timedelta(days=1))
    with WolkvoxEmulator([token], row_cap=25, empty_answer="200") as capped:
        body = call(capped, token, "agent_14", *whole_day).json()
        assert body["msg"] == "25 records were found"
        assert body["data"] == capped.ground_truth_rows("agent_14", {}, *whole_day)[:25]
        empty = call(capped, token, "chat_8", DAY, DAY + timedelta(hours=3)).json()  # before opening
        assert empty == {"code": 200, "error": None, "msg": "0 records were found", "data": []}
        too_long = call(capped, token, "skill_3", DAY, DAY + timedelta(days=32), skill_id="all")
        assert (too_long.status_code, too_long.json()["error"]) == (400, "THE DATE RANGE EXCEEDS 31 DAYS")
        backwards = {"api": "cdr_1", "date_ini": "20261128000000", "date_end": "20261127000000"}
        refused = requests.get(
            capped.base_url + PATH, params=backwards, headers={"wolkvox-token": token}, timeout=10
        )
        assert (refused.status_code, refused.json()["error"]) == (400, "SOME PARAMETERS ARE REQUIRED")
