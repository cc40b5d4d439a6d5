"""The Wolkvox emulator as a client sees it: real HTTP on loopback with requests."""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from airflow_provider_wolkvox.testing.emulator import FAULT_KINDS, WolkvoxEmulator, main

UTC = timezone.utc
BOGOTA = ZoneInfo("America/Bogota")
REPORTS = "/api/v2/reports_manager.php"
INFO = "/api/v2/information.php"
FIELDS = (
    "telephone",
    "total_machine_recognitions",
    "no_answer",
    "answer_machine",
    "busy",
    "congestion",
    "failed",
)
SIMULTANEOUS = "EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN (2)"
DAY_START = datetime(2026, 11, 27, 5, tzinfo=UTC)  # 2026-11-27 00:00 in Bogota (UTC-5)

Table = dict[str, tuple[int, ...]]


def report(
    emu: WolkvoxEmulator,
    token: str | None,
    campaign_id: str = "1",
    date_ini: str = "20261127000000",
    date_end: str = "20261127235959",
    *,
    session: requests.Session | None = None,
    timeout: float = 10,
    **params: str,
) -> requests.Response:
    query = {"api": "campaign_8", "campaign_id": campaign_id, "date_ini": date_ini, "date_end": date_end}
    query.update(params)
    headers = {} if token is None else {"wolkvox-token": token}
    getter = session.get if session is not None else requests.get
    return getter(emu.base_url + REPORTS, params=query, headers=headers, timeout=timeout)


def window(emu: WolkvoxEmulator, token: str, start: datetime, end: datetime, campaign_id: str = "1") -> Table:
    """Rows of the half-open window [start, end), as the provider would request it."""
    response = report(emu, token, campaign_id, *emu.api_dates(start, end))
    if response.status_code == 404:
        return {}
    return table(response)


def table(response: requests.Response) -> Table:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == 200
    return {row["telephone"]: tuple(int(row[f]) for f in FIELDS[1:]) for row in body["data"]}


def add(tables: Iterable[Table]) -> Table:
    total: dict[str, list[int]] = {}
    for part in tables:
        for phone, counts in part.items():
            row = total.setdefault(phone, [0] * 6)
            for i, n in enumerate(counts):
                row[i] += n
    return {phone: tuple(counts) for phone, counts in total.items()}


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.005)


def in_thread(call: Callable[[], requests.Response]) -> tuple[threading.Thread, list[requests.Response]]:
    out: list[requests.Response] = []
    thread = threading.Thread(target=lambda: out.append(call()))
    thread.start()
    return thread, out


# -- answers and data -----------------------------------------------------------------------


def test_envelope_has_string_fields_sorted_by_telephone(emulator: Any, token: str) -> None:
    response = report(emulator, token)
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert int(response.headers["Content-Length"]) == len(response.content)
    body = response.json()
    assert list(body) == ["code", "error", "msg", "data"]
    assert body["code"] == 200
    assert body["error"] is None
    assert body["msg"] == f"{len(body['data'])} records were found"
    assert len(body["data"]) > 1000
    phones = [row["telephone"] for row in body["data"]]
    assert phones == sorted(phones)
    assert len(set(phones)) == len(phones)
    for row in body["data"]:
        assert tuple(row) == FIELDS
        assert all(isinstance(v, str) for v in row.values())
        assert re.fullmatch(r"(\+57|0)3\d{9}", row["telephone"])
        total, *machine = (int(row[f]) for f in FIELDS[1:])
        assert total >= sum(machine) >= 0
    assert any(p.startswith("0") for p in phones)
    assert any(p.startswith("+57") for p in phones)
    # Skewed: some numbers are dialed far more often than others.
    totals = sorted(int(row["total_machine_recognitions"]) for row in body["data"])
    assert totals[-1] >= 10 * totals[len(totals) // 2]


def test_day_is_the_sum_of_its_hours_and_equals_ground_truth(emulator: Any, token: str) -> None:
    session = requests.Session()
    day = table(report(emulator, token, session=session))
    hours = [
        table(report(emulator, token, "1", f"20261127{h:02d}0000", f"20261127{h:02d}5959", session=session))
        for h in range(24)
    ]
    assert add(hours) == day
    assert emulator.ground_truth("1", DAY_START, DAY_START + timedelta(days=1)) == day
    assert sum(len(h) for h in hours) > len(day)  # numbers recur across hours: the sum is not a union


def test_any_split_adds_up_exactly(emulator: Any, token: str) -> None:
    end = DAY_START + timedelta(days=2)
    cuts = [
        DAY_START,
        DAY_START + timedelta(hours=7, minutes=13, seconds=27),
        end - timedelta(seconds=1),
        end,
    ]
    parts = [window(emulator, token, a, b) for a, b in itertools.pairwise(cuts)]
    whole = emulator.ground_truth("1", DAY_START, end)
    assert add(parts) == whole
    assert window(emulator, token, DAY_START, end) == whole
    for (a, b), part in zip(itertools.pairwise(cuts), parts, strict=True):
        assert emulator.ground_truth("1", a, b) == part


def test_date_end_is_inclusive_to_the_second(token: str) -> None:
    with WolkvoxEmulator([token], seed=3, dials_per_hour=36_000, telephones=40) as emu:
        moment = datetime(2026, 11, 27, 15, 30, 0, tzinfo=UTC)  # 10:30:00 in Bogota
        second = table(report(emu, token, "1", "20261127103000", "20261127103000"))
        assert second  # about ten dials in that second
        assert second == emu.ground_truth("1", moment, moment + timedelta(seconds=1))
        before = table(report(emu, token, "1", "20261127102000", "20261127102959"))
        both = table(report(emu, token, "1", "20261127102000", "20261127103000"))
        assert add([before, second]) == both != before


def test_dates_are_wall_clock_time_of_the_emulator_zone(emulator: Any, token: str) -> None:
    local_day = table(report(emulator, token, "1", "20261127000000", "20261127235959"))
    assert local_day == emulator.ground_truth("1", DAY_START, DAY_START + timedelta(days=1))
    utc_day = datetime(2026, 11, 27, tzinfo=UTC)
    assert local_day != emulator.ground_truth("1", utc_day, utc_day + timedelta(days=1))
    assert emulator.api_dates(DAY_START, DAY_START + timedelta(days=1)) == (
        "20261127000000",
        "20261127235959",
    )


def test_dst_repeated_hour_matches_both_occurrences_and_missing_hour_is_empty(token: str) -> None:
    with WolkvoxEmulator([token], seed=7, timezone="America/New_York") as emu:
        # 2026-11-01 01:00-01:59 happens twice in New York: 05:00-06:00Z (EDT) and 06:00-07:00Z (EST).
        repeated = table(report(emu, token, "1", "20261101010000", "20261101015959"))
        first = datetime(2026, 11, 1, 5, tzinfo=UTC)
        assert repeated == emu.ground_truth("1", first, first + timedelta(hours=2))
        # 2026-03-08 02:00-02:59 never happens in New York.
        gap = report(emu, token, "1", "20260308020000", "20260308025959")
        assert gap.status_code == 404
        # 01:00-03:59:59 that day is two hours long: 06:00Z is 01:00 EST, 07:00Z is 03:00 EDT.
        around = table(report(emu, token, "1", "20260308010000", "20260308035959"))
        spring = datetime(2026, 3, 8, 6, tzinfo=UTC)
        assert around == emu.ground_truth("1", spring, spring + timedelta(hours=2))


def test_campaign_all_is_campaigns_1_and_2_summed(emulator: Any, token: str) -> None:
    one, two, both = (table(report(emulator, token, c)) for c in ("1", "2", "all"))
    assert one != two
    assert add([one, two]) == both
    end = DAY_START + timedelta(days=1)
    assert emulator.ground_truth("all", DAY_START, end) == both


def test_data_is_deterministic_per_seed(token: str) -> None:
    with (
        WolkvoxEmulator([token], seed=7) as a,
        WolkvoxEmulator([token], seed=7) as b,
        WolkvoxEmulator([token], seed=8) as c,
    ):
        assert report(a, token).content == report(b, token).content
        assert table(report(a, token)) != table(report(c, token))


# How fast the emulator answers is measured by `make bench`, not asserted here.
def test_a_31_day_window_answers_every_telephone(token: str) -> None:
    with WolkvoxEmulator([token], seed=11) as emu:
        response = report(emu, token, "all", "20261101000000", "20261201235959")
        assert len(table(response)) == 5_000  # over a month every number of the pool was dialed


def test_dense_benchmark_day_reaches_the_row_cap(token: str) -> None:
    with WolkvoxEmulator([token], seed=1, dials_per_hour=10_000, telephones=10_000_000) as emu:
        response = report(emu, token, timeout=120)
        assert response.json()["msg"] == "60000 records were found"


# -- errors and limits ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"token": None}, 401, "PLEASE ENTER THE WOLKVOX-TOKEN"),
        ({"token": ""}, 401, "PLEASE ENTER THE WOLKVOX-TOKEN"),
        ({"token": "not-a-token"}, 403, "PLEASE VALIDATE TOKEN"),
        ({"api": "campaign_99"}, 400, "THE API YOU WANT TO CONSULT DOES NOT EXIST"),
        ({"api": None}, 400, "THE API YOU WANT TO CONSULT DOES NOT EXIST"),
        ({"campaign_id": None}, 400, "SOME PARAMETERS ARE REQUIRED"),
        ({"campaign_id": ""}, 400, "SOME PARAMETERS ARE REQUIRED"),
        ({"campaign_id": "1;drop"}, 400, "SOME PARAMETERS ARE REQUIRED"),
        ({"date_ini": None}, 400, "SOME PARAMETERS ARE REQUIRED"),
        ({"date_end": None}, 400, "SOME PARAMETERS ARE REQUIRED"),
        ({"date_ini": "2026-11-27"}, 400, "SOME PARAMETERS ARE REQUIRED"),
        ({"date_ini": "20261127000000", "date_end": "20261131000000"}, 400, "SOME PARAMETERS ARE REQUIRED"),
        ({"date_ini": "20261128000000"}, 400, "SOME PARAMETERS ARE REQUIRED"),  # date_end < date_ini
        ({"date_ini": "20261027000000"}, 400, "THE DATE RANGE EXCEEDS 31 DAYS"),
    ],
)
def test_error_answers(emulator: Any, token: str, change: dict[str, Any], status: int, message: str) -> None:
    query = {
        "api": "campaign_8",
        "campaign_id": "1",
        "date_ini": "20261127000000",
        "date_end": "20261127235959",
    }
    sent_token = change.pop("token", token)
    query.update(change)
    headers = {} if sent_token is None else {"wolkvox-token": sent_token}
    response = requests.get(
        emulator.base_url + REPORTS, params={k: v for k, v in query.items() if v is not None}, headers=headers
    )
    assert response.status_code == status
    assert response.json() == {"code": status, "error": message, "msg": message, "data": None}


def test_31_day_limit_is_date_end_minus_date_ini(emulator: Any, token: str) -> None:
    assert report(emulator, token, "1", "20261101000000", "20261201235959").status_code == 200
    refused = report(emulator, token, "1", "20261101000000", "20261202000000")
    assert refused.status_code == 400
    assert "31 DAYS" in refused.json()["error"]


def test_row_cap_truncates_silently(token: str) -> None:
    with WolkvoxEmulator([token], seed=7, row_cap=25) as emu:
        body = report(emu, token).json()
        assert body["msg"] == "25 records were found"
        assert len(body["data"]) == 25
        full = emu.ground_truth("1", DAY_START, DAY_START + timedelta(days=1))
        assert len(full) > 25
        expected = sorted(full.items())[:25]
        assert [(r["telephone"], tuple(int(r[f]) for f in FIELDS[1:])) for r in body["data"]] == expected


def test_empty_window_answers_404_by_default(emulator: Any, token: str) -> None:
    for campaign, day in (("0", "20261127"), ("1", "19990101")):  # an idle campaign; before the data
        response = report(emulator, token, campaign, f"{day}000000", f"{day}235959")
        assert response.status_code == 404
        assert response.json() == {
            "code": 404,
            "error": "Validate dates entered",
            "msg": "Validate dates entered",
            "data": None,
        }
    assert emulator.ground_truth("0", DAY_START, DAY_START + timedelta(days=1)) == {}


def test_empty_window_can_answer_200_with_no_rows(token: str) -> None:
    with WolkvoxEmulator([token], dials_per_hour=0, empty_answer="200") as emu:
        response = report(emu, token)
        assert response.status_code == 200
        assert response.json() == {"code": 200, "error": None, "msg": "0 records were found", "data": []}


def test_code_as_string(token: str) -> None:
    with WolkvoxEmulator([token], code_as_string=True) as emu:
        assert report(emu, token).json()["code"] == "200"
        assert report(emu, token, "x").json()["code"] == "400"


def test_token_info_costs_one_call(token: str) -> None:
    with WolkvoxEmulator([token, "other-token"], daily_quota=1000) as emu:
        report(emu, token)
        requests.get(
            emu.base_url + INFO, params={"api": "token_info"}, headers={"wolkvox-token": "other-token"}
        )
        response = requests.get(
            emu.base_url + INFO, params={"api": "token_info"}, headers={"wolkvox-token": token}
        )
        body = response.json()
        assert (body["code"], body["error"], body["msg"]) == (200, None, "1 records were found")
        (info,) = body["data"]
        assert all(isinstance(v, str) for v in info.values())
        assert info["token_limit"] == "1000"
        assert info["token_use_today"] == "2"
        assert info["all_token_today"] == "3"
        assert info["available_consumption_options"] == "998"
        assert 1 <= int(info["hours_to_restart_count"]) <= 24
        assert set(info) >= {"description", "token_limit", "token_use_today", "all_token_today"}
        bad = requests.get(emu.base_url + INFO, params={"api": "nope"}, headers={"wolkvox-token": token})
        assert bad.status_code == 400
        unauthenticated = requests.get(emu.base_url + INFO, params={"api": "token_info"})
        assert unauthenticated.status_code == 401


def test_other_paths_are_404_html(emulator: Any, token: str) -> None:
    for path in ("/", "/api/v2/nothing.php", "/_emulator/nothing"):
        response = requests.get(emulator.base_url + path, headers={"wolkvox-token": token})
        assert response.status_code == 404
        assert response.headers["Content-Type"].startswith("text/html")
    assert requests.post(emulator.base_url + REPORTS).status_code == 404


def test_connections_are_kept_alive(emulator: Any, token: str) -> None:
    host, port = emulator.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    query = "?api=campaign_8&campaign_id=1&date_ini=20261127000000&date_end=20261127005959"
    connection.request("GET", REPORTS + query, headers={"wolkvox-token": token})
    sock = connection.sock
    statuses = []
    for path in (REPORTS + query, "/nowhere", REPORTS + "?api=campaign_8", REPORTS + query):
        response = connection.getresponse()
        response.read()
        statuses.append(response.status)
        connection.request("GET", path, headers={"wolkvox-token": token})
    connection.getresponse().read()
    assert connection.sock is sock  # never reconnected
    assert statuses == [200, 200, 404, 400]
    connection.close()


# -- one request at a time ------------------------------------------------------------------


def test_a_concurrent_request_of_the_same_token_is_refused(token: str) -> None:
    fp = WolkvoxEmulator.fingerprint(token)
    with WolkvoxEmulator([token], latency=0.5) as emu:
        thread, first = in_thread(lambda: report(emu, token))
        wait_until(lambda: emu.stats()["tokens"][fp]["max_in_flight"] == 1)
        second = report(emu, token)
        thread.join()
        assert first[0].status_code == 200
        assert second.status_code == 403
        assert second.json() == {"code": 403, "error": SIMULTANEOUS, "msg": SIMULTANEOUS, "data": None}
        stats = emu.stats()
        assert stats["tokens"][fp]["max_in_flight"] == 2  # the refused one was in flight too
        assert stats["simultaneous_rejections"] == 1
        assert stats["by_status"] == {"200": 1, "403": 1}
        ok, refused = sorted(stats["log"], key=lambda e: e["status"])
        assert ok["started"] <= refused["started"] <= refused["ended"] <= ok["ended"]


def test_max_concurrent_allows_that_many(token: str) -> None:
    fp = WolkvoxEmulator.fingerprint(token)
    with WolkvoxEmulator([token], latency=0.5, max_concurrent=2) as emu:
        first = in_thread(lambda: report(emu, token))
        wait_until(lambda: emu.stats()["tokens"][fp]["max_in_flight"] == 1)
        second = in_thread(lambda: report(emu, token))
        wait_until(lambda: emu.stats()["tokens"][fp]["max_in_flight"] == 2)
        third = report(emu, token)
        for thread, _ in (first, second):
            thread.join()
        assert [first[1][0].status_code, second[1][0].status_code, third.status_code] == [200, 200, 403]
        assert emu.stats()["tokens"][fp]["max_in_flight"] == 3


def test_sequential_requests_are_never_refused(token: str) -> None:
    fp = WolkvoxEmulator.fingerprint(token)
    with WolkvoxEmulator([token], latency=0.001) as emu:
        session = requests.Session()
        statuses = []
        for hour in range(30):
            via = session if hour % 2 else None  # a kept-alive connection, then a fresh one
            statuses.append(
                report(
                    emu,
                    token,
                    "1",
                    f"2026112{hour // 24}{hour % 24:02d}0000",
                    f"2026112{hour // 24}{hour % 24:02d}5959",
                    session=via,
                ).status_code
            )
            statuses.append(
                requests.get(
                    emu.base_url + INFO, params={"api": "token_info"}, headers={"wolkvox-token": token}
                ).status_code
            )
        assert statuses == [200] * 60
        stats = emu.stats()
        assert stats["tokens"][fp] == {
            "requests": 60,
            "max_in_flight": 1,
            "calls_today": 60,
            "server_seconds": stats["tokens"][fp]["server_seconds"],
        }
        assert stats["tokens"][fp]["server_seconds"] > 0
        assert stats["simultaneous_rejections"] == 0


def test_other_tokens_do_not_share_the_limit(token: str) -> None:
    with WolkvoxEmulator([token, "second-token"], latency=0.4) as emu:
        fp = WolkvoxEmulator.fingerprint(token)
        thread, first = in_thread(lambda: report(emu, token))
        wait_until(lambda: emu.stats()["tokens"][fp]["max_in_flight"] == 1)
        assert report(emu, "second-token").status_code == 200
        thread.join()
        assert first[0].status_code == 200


# -- daily quota ----------------------------------------------------------------------------


def test_daily_quota_rolls_over_at_local_midnight(token: str) -> None:
    fp = WolkvoxEmulator.fingerprint(token)
    with WolkvoxEmulator([token], daily_quota=3) as emu:
        emu.set_clock(datetime(2026, 11, 27, 23, 0, tzinfo=BOGOTA))
        assert report(emu, token).status_code == 200
        assert report(emu, token, "x").status_code == 400  # errors count too
        assert report(emu, None).status_code == 401  # a 401 does not
        info = requests.get(
            emu.base_url + INFO, params={"api": "token_info"}, headers={"wolkvox-token": token}
        )
        assert info.json()["data"][0]["available_consumption_options"] == "0"
        assert info.json()["data"][0]["hours_to_restart_count"] == "1"
        for _ in range(2):
            refused = report(emu, token)
            assert refused.status_code == 403
            assert refused.json()["error"] == "TOKEN LIMIT EXCEEDED"
        assert emu.stats()["tokens"][fp]["calls_today"] == 3  # refusals are not counted
        emu.set_clock(datetime(2026, 11, 28, 4, 59, 59, tzinfo=UTC))  # 23:59:59 in Bogota, tomorrow in UTC
        assert report(emu, token).status_code == 403
        emu.set_clock(datetime(2026, 11, 28, 5, 0, 0, tzinfo=UTC))  # local midnight
        assert report(emu, token).status_code == 200
        assert emu.stats()["tokens"][fp]["calls_today"] == 1
        with pytest.raises(ValueError, match="aware"):
            emu.set_clock(datetime(2026, 11, 28))


# -- faults ---------------------------------------------------------------------------------


def _expect_503(call: Callable[[], requests.Response]) -> None:
    response = call()
    assert response.status_code == 503
    assert response.headers["Content-Type"].startswith("text/html")


def _expect_reset(call: Callable[[], requests.Response]) -> None:
    with pytest.raises(requests.ConnectionError):
        call()


def _expect_html(call: Callable[[], requests.Response]) -> None:
    response = call()
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError, match="Expecting value"):
        response.json()


def _expect_malformed(call: Callable[[], requests.Response]) -> None:
    response = call()
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.text.startswith('{"code":200')
    with pytest.raises(ValueError, match=r"Unterminated|Expecting|delimiter"):
        json.loads(response.content)


def _expect_maintenance(call: Callable[[], requests.Response]) -> None:
    response = call()
    assert response.status_code == 403
    assert response.content == b""


def _expect_simultaneous(call: Callable[[], requests.Response]) -> None:
    response = call()
    assert response.status_code == 403
    assert response.json()["error"] == SIMULTANEOUS


def _expect_truncated(call: Callable[[], requests.Response]) -> None:
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        call()


CLIENT_VIEW = {
    "5xx": _expect_503,
    "reset": _expect_reset,
    "html": _expect_html,
    "malformed": _expect_malformed,
    "maintenance": _expect_maintenance,
    "simultaneous": _expect_simultaneous,
    "truncated_body": _expect_truncated,
}


@pytest.mark.parametrize("kind", sorted(CLIENT_VIEW))
def test_fault_as_a_client_sees_it(emulator: Any, token: str, kind: str) -> None:
    emulator.set_faults(script=[kind])
    session = requests.Session()
    CLIENT_VIEW[kind](lambda: report(emulator, token, session=session))
    assert report(emulator, token, session=session).status_code == 200  # the next one is normal
    stats = emulator.stats()
    assert stats["faults"] == {kind: 1}
    assert [entry["fault"] for entry in stats["log"]] == [kind, None]
    assert stats["simultaneous_rejections"] == 0


def test_every_fault_kind_is_covered() -> None:
    assert set(CLIENT_VIEW) | {"timeout"} == set(FAULT_KINDS)


def test_timeout_fault_keeps_the_token_busy_after_the_client_gives_up(token: str) -> None:
    """Like a real server: a client that hangs up does not stop the work, nor free the token."""
    # The second request must reach the server before the first's limit: 2.8 s of margin after
    # the client's timeout, so a stalled thread on a loaded machine does not turn 403 into 200.
    with WolkvoxEmulator([token], server_limit=3.0) as emu:
        emu.set_faults(script=["timeout"], fault_sleep=30.0)
        with pytest.raises(requests.ReadTimeout):
            report(emu, token, timeout=0.2)
        refused = report(emu, token)  # the first is still being worked on
        assert (refused.status_code, refused.json()["msg"]) == (403, SIMULTANEOUS)
        # The server stops at its own limit, not at fault_sleep, and only then frees the token.
        wait_until(lambda: any(entry["fault"] == "timeout" for entry in emu.stats()["log"]), timeout=60)
        assert report(emu, token).status_code == 200
        stats = emu.stats()
    abandoned = next(entry for entry in stats["log"] if entry["fault"] == "timeout")
    assert abandoned["status"] == 0  # nobody was left to answer
    assert abandoned["ended"] - abandoned["started"] >= 3.0
    assert stats["simultaneous_rejections"] == 1


def test_timeout_fault_past_the_server_limit_answers_504(token: str) -> None:
    with WolkvoxEmulator([token], server_limit=0.5) as emu:
        emu.set_faults(script=["timeout"], fault_sleep=30.0)
        response = report(emu, token, timeout=60)
    assert response.status_code == 504


def test_timeout_fault_answers_a_patient_client(emulator: Any, token: str) -> None:
    emulator.set_faults(script=["timeout"], fault_sleep=0.3)
    response = report(emulator, token, timeout=30)
    assert response.status_code == 200
    entry = emulator.stats()["log"][0]
    assert entry["fault"] == "timeout"
    assert entry["ended"] - entry["started"] >= 0.3


def test_stop_ends_work_in_progress(token: str) -> None:
    """Stopping never waits for a request's remaining work (tests stay short, nothing lingers)."""
    emu = WolkvoxEmulator([token], server_limit=600.0)
    emu.start()
    emu.set_faults(script=["timeout"], fault_sleep=600.0)
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(report(emu, token, timeout=600).status_code)
        except requests.RequestException as err:
            outcome.append(type(err))

    thread = threading.Thread(target=call)
    thread.start()
    fingerprint = emu.fingerprint(token)
    wait_until(lambda: emu.stats()["tokens"][fingerprint]["requests"] == 1, timeout=60)
    emu.stop()
    thread.join(60)
    assert outcome, "the client got an answer or a closed connection"
    assert not thread.is_alive()
    assert not [t for t in threading.enumerate() if t.name == "wolkvox-emulator"]


def test_faults_apply_after_auth_and_to_token_info(emulator: Any, token: str) -> None:
    emulator.set_faults(script=["5xx", "html"])
    assert report(emulator, None).status_code == 401
    assert report(emulator, "wrong-token").status_code == 403
    assert report(emulator, token).status_code == 503
    info = requests.get(
        emulator.base_url + INFO, params={"api": "token_info"}, headers={"wolkvox-token": token}
    )
    assert info.headers["Content-Type"].startswith("text/html")
    assert report(emulator, token).status_code == 200


def test_fault_rate_is_deterministic_and_follows_the_script(token: str) -> None:
    def run(seed: int) -> list[tuple[int, str]]:
        with WolkvoxEmulator([token]) as emu:
            emu.set_faults(rate=0.5, kinds=["5xx", "html"], seed=seed, script=["maintenance"])
            session = requests.Session()
            answers = [
                report(emu, token, "1", "20261127000000", "20261127000959", session=session)
                for _ in range(24)
            ]
            return [(r.status_code, r.headers["Content-Type"].split(";")[0]) for r in answers]

    first = run(seed=3)
    assert first == run(seed=3)
    assert first != run(seed=4)
    assert first[0] == (403, "text/html")
    kinds = set(first[1:])
    assert kinds == {(200, "application/json"), (503, "text/html"), (200, "text/html")}


def test_fault_settings_are_checked(emulator: Any) -> None:
    with pytest.raises(ValueError, match="unknown fault kinds"):
        emulator.set_faults(script=["explode"])
    with pytest.raises(ValueError, match="needs fault kinds"):
        emulator.set_faults(rate=0.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        emulator.set_faults(rate=2, kinds=["5xx"])
    emulator.set_faults(rate=1.0, kinds="5xx,html")  # a comma-separated string is fine


# -- admin endpoints, preload, console script -----------------------------------------------


def test_admin_endpoints(emulator: Any, token: str) -> None:
    admin = emulator.base_url + "/_emulator"
    assert requests.post(f"{admin}/faults", json={"script": ["5xx"]}).json() == {"ok": True}
    assert report(emulator, token).status_code == 503
    stats = requests.get(f"{admin}/stats").json()
    assert stats == emulator.stats()
    assert stats["faults"] == {"5xx": 1}
    assert requests.post(f"{admin}/reset").status_code == 200
    assert emulator.stats()["requests"] == 0

    start, end = DAY_START, DAY_START + timedelta(hours=5)
    truth = requests.get(
        f"{admin}/ground_truth",
        params={"campaign_id": "2", "start": start.isoformat(), "end": end.isoformat()},
    ).json()
    assert {phone: tuple(counts) for phone, counts in truth.items()} == emulator.ground_truth("2", start, end)
    raw_plus = requests.get(
        f"{admin}/ground_truth?campaign_id=2&start={start.isoformat()}&end={end.isoformat()}"
    )
    assert raw_plus.json() == truth  # an unescaped "+" in the offset still works

    emulator_quota = emulator.daily_quota
    assert emulator_quota is None
    assert requests.post(f"{admin}/clock", json={"now": "2026-11-27T12:00:00-05:00"}).status_code == 200
    assert requests.post(f"{admin}/clock", json={"now": None}).status_code == 200
    bad = requests.post(f"{admin}/clock", json={"now": "2026-11-27T12:00:00"})
    assert bad.status_code == 400
    assert "aware" in bad.json()["error"]
    assert requests.post(f"{admin}/faults", json={"kinds": ["nope"], "rate": 1}).status_code == 400
    assert requests.post(f"{admin}/faults", data=b"not json").status_code == 400
    preload = {"campaign_id": "1", "start": start.isoformat(), "end": end.isoformat()}
    assert requests.post(f"{admin}/preload", json=preload).json() == {"ok": True}
    assert requests.get(f"{admin}/faults").status_code == 404
    assert emulator.stats()["requests"] == 0  # admin calls are not API requests


def test_preloaded_windows_are_served_from_memory(token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    start, end = DAY_START, DAY_START + timedelta(days=3)
    with WolkvoxEmulator([token], seed=5) as emu, WolkvoxEmulator([token], seed=5) as twin:
        emu.preload("all", start, end)

        def no_generation(*args: object, **kwargs: object) -> None:
            raise AssertionError("a preloaded window was generated again")

        monkeypatch.setattr(emu._data, "rows", no_generation)
        dates = emu.api_dates(start, end)
        assert dates == ("20261127000000", "20261129235959")
        assert report(emu, token, "all", *dates).content == report(twin, token, "all", *dates).content


def test_tokens_never_reach_stats_or_output(token: str, capfd: pytest.CaptureFixture[str]) -> None:
    with WolkvoxEmulator([token], latency=0.2) as emu:
        thread, _ = in_thread(lambda: report(emu, token))
        wait_until(
            lambda: (
                len(emu.stats()["tokens"]) == 1
                and emu.stats()["tokens"][WolkvoxEmulator.fingerprint(token)]["max_in_flight"] == 1
            )
        )
        report(emu, token)  # refused as simultaneous
        thread.join()
        report(emu, token + "x")
        report(emu, None)
        emu.set_faults(script=["reset", "truncated_body", "malformed"])
        for _ in range(3):
            with contextlib.suppress(requests.RequestException):
                report(emu, token)
        dumped = json.dumps(emu.stats())
    fp = WolkvoxEmulator.fingerprint(token)
    assert fp in dumped
    assert re.fullmatch(r"sha256:[0-9a-f]{12}", fp)
    assert token not in dumped
    assert token[4:20] not in dumped
    captured = capfd.readouterr()
    assert token not in captured.out + captured.err
    assert captured.err == ""


# What a non-interactive shell does for `command &`: ignore SIGINT, then exec (the disposition survives).
_AS_BACKGROUND_JOB = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


def _launch(
    command: list[str], env: dict[str, str], *, as_background_job: bool = False
) -> tuple[subprocess.Popen[str], str]:
    if as_background_job:  # as make's `( ... ) &` starts the matrix's suites
        command = [sys.executable, "-c", _AS_BACKGROUND_JOB, *command]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None
    readable, _, _ = select.select([process.stdout], [], [], 30)
    assert readable, "the emulator printed nothing"
    return process, process.stdout.readline()


@pytest.mark.parametrize("how", ["console-script", "python-m", "python-m-as-background-job"])
def test_console_script_serves_until_signalled(token: str, how: str) -> None:
    env = dict(os.environ)
    if how == "console-script":
        script = Path(sys.executable).with_name("wolkvox-emulator")
        command = [str(script), "--port", "0", "--token", token, "--seed", "7", "--daily-quota", "50"]
        stop = signal.SIGTERM
    else:
        command = [sys.executable, "-m", "airflow_provider_wolkvox.testing.emulator", "--fault-rate", "0"]
        env["WOLKVOX_EMULATOR_TOKENS"] = f"someone-else,{token}"  # keeps the token out of ps
        stop = signal.SIGINT
    process, line = _launch(command, env, as_background_job=how.endswith("background-job"))
    try:
        match = re.fullmatch(r"wolkvox-emulator listening on (http://127\.0\.0\.1:(\d+))\n", line)
        assert match, line
        base_url = match.group(1)
        params = {
            "api": "campaign_8",
            "campaign_id": "1",
            "date_ini": "20261127000000",
            "date_end": "20261127005959",
        }
        response = requests.get(
            base_url + REPORTS, params=params, headers={"wolkvox-token": token}, timeout=10
        )
        assert response.status_code == 200
        assert requests.get(base_url + REPORTS, params=params, timeout=10).status_code == 401
        assert requests.get(base_url + "/_emulator/stats", timeout=10).json()["requests"] == 2
        process.send_signal(stop)
        # Generous: stopping joins the server's threads, slow on a loaded machine (the matrix runs
        # three suites at once on two cores).
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
        _, err = process.communicate(timeout=60)
    assert err == ""


def test_main_rejects_bad_settings(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--token", "t", "--timezone", "Mars/Olympus"])
    assert exit_info.value.code == 2
    assert "Mars/Olympus" in capsys.readouterr().err


def test_constructor_checks_its_settings() -> None:
    with pytest.raises(TypeError):
        WolkvoxEmulator("one-token-not-a-list")
    with pytest.raises(ValueError, match="IANA"):
        WolkvoxEmulator(timezone="Bogota")
    with pytest.raises(ValueError, match="empty_answer"):
        WolkvoxEmulator(empty_answer="500")
    with pytest.raises(RuntimeError, match="not running"):
        _ = WolkvoxEmulator().base_url


def test_the_latency_model_is_seeded_and_off_by_default() -> None:
    import random

    from airflow_provider_wolkvox.testing.latency import LatencyModel

    model = LatencyModel.parse("0.5,0.001,0.2")
    assert model == LatencyModel(0.5, 0.001, 0.2)
    first = [model.seconds(rows, random.Random(3)) for rows in (0, 1000, 60_000)]
    assert first == [model.seconds(rows, random.Random(3)) for rows in (0, 1000, 60_000)]
    assert all(
        0.8 * (0.5 + 0.001 * r) <= s <= 1.2 * (0.5 + 0.001 * r)
        for r, s in zip((0, 1000, 60_000), first, strict=True)
    )
    assert LatencyModel(2.0, 0.0).seconds(10, random.Random(0)) == 2.0  # no jitter: exactly the model
    for bad in ("1", "a,b", "1,2,3,4", "-1,0", "0,0,1.5"):
        with pytest.raises(ValueError, match="latency model"):
            LatencyModel.parse(bad)
    with WolkvoxEmulator(["t"]) as emu:
        assert emu._latency_model is None


def test_the_latency_model_holds_the_token_and_the_stats_count_its_seconds(token: str) -> None:
    with WolkvoxEmulator([token], latency_model=(0.05, 0.0005, 0.0), server_limit=0.6) as emu:
        fp = emu.fingerprint(token)
        ok = report(emu, token, date_ini="20261127000000", date_end="20261127005959")
        rows = len(table(ok))
        busy = emu.stats()["tokens"][fp]["server_seconds"]
        assert busy >= 0.05 + 0.0005 * rows  # the server worked at least the model's seconds
        # A whole day is over 0.6 s of modelled work: the server stops at its limit and answers 504.
        assert report(emu, token).status_code == 504
        assert emu.stats()["tokens"][fp]["server_seconds"] >= busy + 0.6
        # The admin knob switches it off (and on) while the emulator runs.
        assert requests.post(emu.base_url + "/_emulator/latency", json={"model": None}, timeout=10).ok
        assert report(emu, token).status_code == 200
        assert requests.post(emu.base_url + "/_emulator/latency", json={"model": [0, 0, 0]}, timeout=10).ok
        assert emu._latency_model is not None
        emu.reset_stats()
        assert emu.stats()["tokens"][fp]["server_seconds"] == 0.0


# -- hostile kinds: what a plain client sees ----------------------------------------------------


def test_redirect_points_to_the_other_origin_with_the_same_path(emulator: Any, token: str) -> None:
    emulator.set_faults(script=["redirect"], redirect_to="http://127.0.0.2:9/")
    answer = requests.get(
        emulator.base_url + REPORTS, params={"api": "campaign_8"}, headers={"wolkvox-token": token},
        allow_redirects=False, timeout=10,
    )  # fmt: skip
    assert (answer.status_code, answer.headers["Location"]) == (
        302,
        f"http://127.0.0.2:9{REPORTS}?api=campaign_8",
    )
    with pytest.raises(ValueError, match="redirect_to"):
        emulator.set_faults(script=["redirect"])


def test_echo_token_quotes_the_token_in_error_msg_and_a_header(emulator: Any, token: str) -> None:
    emulator.set_faults(script=["echo_token"])
    answer = report(emulator, token)
    body = answer.json()
    assert answer.status_code == 400
    assert token in body["error"]
    assert token in body["msg"]
    assert answer.headers["X-Wolkvox-Token"] == token


def test_drip_sends_the_normal_answer_head_included(emulator: Any, token: str) -> None:
    """The pace (a byte per ``drip_interval``) is what the hook's deadline tests meet."""
    normal = report(emulator, token).content
    emulator.set_faults(script=["drip"], drip_interval=0.0)
    host, port = emulator.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        query = "api=campaign_8&campaign_id=1&date_ini=20261127000000&date_end=20261127235959"
        sock.sendall(f"GET {REPORTS}?{query} HTTP/1.1\r\nHost: x\r\nwolkvox-token: {token}\r\n\r\n".encode())
        pieces = []
        while piece := sock.recv(65536):
            pieces.append(piece)
    head, _, body = b"".join(pieces).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert body == normal


def test_gzip_bomb_inflates_to_bomb_bytes(emulator: Any, token: str) -> None:
    import zlib

    emulator.set_faults(script=["gzip_bomb"], bomb_bytes=64 * 2**20)
    query = {
        "api": "campaign_8",
        "campaign_id": "1",
        "date_ini": "20261127000000",
        "date_end": "20261127235959",
    }
    answer = requests.get(
        emulator.base_url + REPORTS, params=query, headers={"wolkvox-token": token}, stream=True, timeout=10
    )
    raw = answer.raw.read(decode_content=False)
    assert answer.headers["Content-Encoding"] == "gzip"
    assert len(raw) < 2**20
    assert len(zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw)) == 64 * 2**20
