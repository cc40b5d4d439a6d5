"""WolkvoxHook over real HTTP against the emulator on a loopback port."""

from __future__ import annotations

import json
import logging
import socket
from typing import Any
from urllib.parse import quote

import pendulum
import pytest
import requests

from airflow_provider_wolkvox.exceptions import (
    WolkvoxAuthError,
    WolkvoxConfigError,
    WolkvoxError,
    WolkvoxQuotaExceededError,
    WolkvoxRequestError,
    WolkvoxResponseError,
    WolkvoxTimeoutError,
    WolkvoxTransientError,
)
from airflow_provider_wolkvox.hooks.wolkvox import REPORTS_PATH, WolkvoxHook
from airflow_provider_wolkvox.reports import MachineCodesRow
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.airflow_compat import redact
from tests.conftest import SERVER_LIMIT, connection_json

pytestmark = pytest.mark.airflow_release

HOUR = (pendulum.datetime(2026, 11, 27, 14, tz="UTC"), pendulum.datetime(2026, 11, 27, 15, tz="UTC"))


def fast_hook(**kwargs: object) -> WolkvoxHook:
    return WolkvoxHook(backoff_seconds=0.01, max_backoff_seconds=0.05, **kwargs)  # type: ignore[arg-type]


def as_truth(rows: list[MachineCodesRow]) -> dict[str, tuple[int, ...]]:
    return {row.telephone: tuple(row[1:]) for row in rows}


def in_arrival_order(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The emulator's log by arrival: it logs a request when it ends, so a refusal that came while
    an abandoned request still ran is logged before it."""
    return sorted(log, key=lambda entry: entry["started"])


def assert_late_start_refused_once_at_most(
    refused: list[dict[str, object]], stats: dict[str, object]
) -> None:
    """The requests between an abandoned one and the next answered one: none, or one refusal.

    The emulator serves in the test's own process: on a loaded machine it can start the abandoned
    request's clock later than the hook guessed, as a loaded server can. The hook's first request
    after its wait is then refused as simultaneous, and it waits the server's limit out from that
    refusal (test_a_refusal_right_after_an_abandoned_request_is_waited_out_not_retried_at_the_backoff).
    A hook that did not wait at all would meet a refusal on every try."""
    assert [entry["status"] for entry in refused] in ([], [403])
    assert stats["simultaneous_rejections"] == len(refused)


def assert_token_absent(token: str, *texts: object) -> None:
    for text in texts:
        assert token not in str(text)
        assert token[4:-7] not in str(text)  # nor its distinctive middle


@pytest.fixture(autouse=True)
def _debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)


def logged(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> str:
    """Everything logged so far: stdlib records and Airflow's structlog output on stdout/stderr."""
    out = capsys.readouterr()
    return caplog.text + out.out + out.err


class TestRows:
    def test_one_hour_equals_the_ground_truth(self, emulator: WolkvoxEmulator, wolkvox_conn: str) -> None:
        rows = fast_hook().get_machine_codes("1", *HOUR)
        assert rows, "the emulator dials every hour"
        assert as_truth(rows) == emulator.ground_truth("1", *HOUR)
        assert all(isinstance(r.telephone, str) and isinstance(r.busy, int) for r in rows)

    def test_window_is_sent_in_local_time_with_inclusive_end(
        self, emulator: WolkvoxEmulator, wolkvox_conn: str
    ) -> None:
        fast_hook().get_machine_codes("1", *HOUR)
        params = emulator.stats()["log"][-1]["params"]
        assert (params["date_ini"], params["date_end"]) == ("20261127090000", "20261127095959")

    def test_rows_as_the_api_sent_them(self, emulator: WolkvoxEmulator, wolkvox_conn: str) -> None:
        raw = fast_hook().get_report(
            "campaign_8", campaign_id="1", date_ini="20261127090000", date_end="20261127095959"
        )
        assert raw
        assert all(isinstance(v, str) for row in raw for v in row.values())

    def test_one_session_for_all_calls(self, emulator: WolkvoxEmulator, wolkvox_conn: str) -> None:
        hook = fast_hook()
        session = hook.get_conn()
        hook.get_machine_codes("1", *HOUR)
        hook.get_machine_codes("2", *HOUR)
        assert hook.get_conn() is session
        assert hook.calls == 2

    @pytest.mark.parametrize("empty_answer", ["404", "200"])
    def test_empty_window_is_no_rows_and_logged(
        self,
        token: str,
        monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str],
        empty_answer: str,
    ) -> None:
        with WolkvoxEmulator(tokens=[token], empty_answer=empty_answer) as emu:
            monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(emu.base_url, token))
            hook = fast_hook()
            assert hook.get_machine_codes("0", *HOUR) == []  # campaign 0 never dials
        assert hook.calls == 1
        assert "the window is empty" in logged(caplog, capsys)

    def test_code_as_a_string(self, token: str, monkeypatch: pytest.MonkeyPatch) -> None:
        with WolkvoxEmulator(tokens=[token], code_as_string=True) as emu:
            monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(emu.base_url, token))
            assert as_truth(fast_hook().get_machine_codes("1", *HOUR)) == emu.ground_truth("1", *HOUR)

    def test_uri_form_of_the_connection(
        self, emulator: WolkvoxEmulator, token: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        uri = (
            f"wolkvox://:{quote(token, safe='')}@0032?base_url={quote(emulator.base_url, safe='')}"
            "&timezone=America%2FBogota&timeout=5&verify=false"
        )
        monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_URI", uri)
        hook = fast_hook(wolkvox_conn_id="wolkvox_uri")
        assert hook.settings.verify is False
        assert hook.settings.timeout == 5
        assert as_truth(hook.get_machine_codes("1", *HOUR)) == emulator.ground_truth("1", *HOUR)


class TestRetries:
    @pytest.mark.parametrize("fault", ["5xx", "reset", "maintenance", "simultaneous", "truncated_body"])
    def test_transient_answer_is_retried(
        self,
        emulator: WolkvoxEmulator,
        wolkvox_conn: str,
        fault: str,
        caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        emulator.set_faults(script=[fault, fault])
        hook = fast_hook()
        rows = hook.get_machine_codes("1", *HOUR)
        assert as_truth(rows) == emulator.ground_truth("1", *HOUR)
        assert hook.calls == 3
        assert emulator.stats()["faults"][fault] == 2
        assert "attempt 2/5 failed" in logged(caplog, capsys)

    def test_gives_up_after_max_attempts(self, emulator: WolkvoxEmulator, wolkvox_conn: str) -> None:
        emulator.set_faults(script=["5xx"] * 10)
        hook = fast_hook(max_attempts=3)
        with pytest.raises(WolkvoxTransientError, match="gave up after 3 attempts") as err:
            hook.get_machine_codes("1", *HOUR)
        assert err.value.retryable
        assert hook.calls == 3

    def test_gives_up_after_max_retry_seconds(self, emulator: WolkvoxEmulator, wolkvox_conn: str) -> None:
        emulator.set_faults(script=["5xx"] * 50)
        # Every backoff (0.1 s and more) would start the next try past the 0.05 s budget: one try.
        hook = WolkvoxHook(
            max_attempts=50, max_retry_seconds=0.05, backoff_seconds=0.1, max_backoff_seconds=0.1
        )
        with pytest.raises(WolkvoxTransientError, match="gave up after 1 attempts"):
            hook.get_machine_codes("1", *HOUR)
        assert (hook.calls, hook.retries) == (1, 0)

    def test_timeout_is_retried_once_then_succeeds(
        self, emulator: WolkvoxEmulator, token: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(
            "AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(emulator.base_url, token, timeout=0.5)
        )
        emulator.set_faults(script=["timeout"], fault_sleep=2.0)
        hook = fast_hook()
        assert as_truth(hook.get_machine_codes("1", *HOUR)) == emulator.ground_truth("1", *HOUR)
        # The server kept working on the abandoned request; the retry waited until it stopped.
        stats = emulator.stats()
        abandoned, *refused, retry = in_arrival_order(stats["log"])
        assert (abandoned["fault"], retry["status"]) == ("timeout", 200)
        # 0: the hook hung up first; 504: the server reached its limit before a starved hook did.
        assert abandoned["status"] in (0, 504)
        assert retry["started"] >= abandoned["ended"]
        assert_late_start_refused_once_at_most(refused, stats)
        assert (hook.calls, hook.retries) == (2 + len(refused), 1 + len(refused))

    def test_a_refusal_right_after_an_abandoned_request_is_waited_out_not_retried_at_the_backoff(
        self, emulator: WolkvoxEmulator, token: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A server that started the abandoned request's clock later than the hook guessed (a slow
        connection, a loaded server) refuses the next request as simultaneous: the request is
        still running, so the hook waits the server's limit out from that refusal, once."""
        monkeypatch.setenv(
            "AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(emulator.base_url, token, timeout=0.5)
        )
        emulator.set_faults(script=["timeout", "simultaneous"], fault_sleep=5.0)
        hook = fast_hook()
        assert as_truth(hook.get_machine_codes("1", *HOUR)) == emulator.ground_truth("1", *HOUR)
        abandoned, refused, retry = in_arrival_order(emulator.stats()["log"])
        assert (abandoned["fault"], refused["status"], retry["status"]) == ("timeout", 403, 200)
        # Not the 0.01-0.05 s backoff: the hook slept the server's limit (and more) after the refusal.
        assert retry["started"] - refused["ended"] >= SERVER_LIMIT
        assert (hook.calls, hook.retries) == (3, 2)

    def test_only_the_first_refusal_after_an_abandoned_request_is_waited_out(
        self,
        emulator: WolkvoxEmulator,
        token: str,
        monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Once the server's limit has passed since the first refusal, the abandoned request is over:
        a refusal then is another client's request on the token, retried as any transient answer."""
        monkeypatch.setenv(
            "AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(emulator.base_url, token, timeout=0.5)
        )
        emulator.set_faults(script=["timeout", "simultaneous", "simultaneous"], fault_sleep=5.0)
        hook = fast_hook()
        hook.get_machine_codes("1", *HOUR)
        _, first, second, retry = in_arrival_order(emulator.stats()["log"])
        assert (first["status"], second["status"], retry["status"]) == (403, 403, 200)
        assert second["started"] - first["ended"] >= SERVER_LIMIT
        assert hook.wait_for_abandoned("the test") == 0  # nothing of the hook's is left running
        # Once, whether a release logs it through the stdlib (caplog), structlog (stdout) or both.
        out = capsys.readouterr()
        said = "still works on the request this task gave up on"
        assert max(caplog.text.count(said), (out.out + out.err).count(said)) == 1

    def test_a_retry_sooner_than_the_servers_limit_is_refused_as_simultaneous(
        self, token: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The emulator's model bites: a connection that underestimates the server's limit overlaps."""
        with WolkvoxEmulator(tokens=[token], server_limit=30.0) as emu:
            monkeypatch.setenv(
                "AIRFLOW_CONN_WOLKVOX_DEFAULT",
                connection_json(emu.base_url, token, timeout=0.5, server_time_limit=0.01),
            )
            emu.set_faults(script=["timeout"], fault_sleep=30.0)
            hook = fast_hook(max_attempts=2)
            with pytest.raises(WolkvoxTransientError, match="simultaneous"):
                hook.get_machine_codes("1", *HOUR)
            assert emu.stats()["simultaneous_rejections"] == 1

    def test_close_waits_out_a_request_the_hook_abandoned(
        self, emulator: WolkvoxEmulator, token: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A task that fails on timeouts must not hand its pool slot on while the server still works."""
        monkeypatch.setenv(
            "AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(emulator.base_url, token, timeout=0.5)
        )
        emulator.set_faults(script=["timeout"] * 2, fault_sleep=5.0)
        hook = fast_hook(timeout_attempts=2)
        with pytest.raises(WolkvoxTimeoutError):
            hook.get_machine_codes("1", *HOUR)
        hook.close()  # as the task does before its pool slot goes on: waits the abandoned request out
        assert hook.wait_for_abandoned("again") == 0  # nothing left to wait for
        response = requests.get(
            emulator.base_url + REPORTS_PATH,
            params={"api": "campaign_8", "campaign_id": "1", "date_ini": "20261127000000",
                    "date_end": "20261127005959"},
            headers={"wolkvox-token": token},
            timeout=10,
        )  # fmt: skip
        assert response.status_code == 200
        stats = emulator.stats()
        assert_late_start_refused_once_at_most([e for e in stats["log"] if e["status"] == 403], stats)

    def test_window_that_keeps_timing_out_raises_timeout_error(
        self, emulator: WolkvoxEmulator, token: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(
            "AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(emulator.base_url, token, timeout=0.5)
        )
        emulator.set_faults(script=["timeout"] * 5, fault_sleep=2.0)
        hook = fast_hook(timeout_attempts=2)
        with pytest.raises(WolkvoxTimeoutError, match="smaller window"):
            hook.get_machine_codes("1", *HOUR)
        assert hook.calls == 2


class TestErrors:
    @pytest.mark.parametrize("fault", ["html", "malformed"])
    def test_body_that_is_not_the_envelope_is_not_retried(
        self, emulator: WolkvoxEmulator, wolkvox_conn: str, fault: str
    ) -> None:
        emulator.set_faults(script=[fault])
        hook = fast_hook()
        with pytest.raises(WolkvoxResponseError, match="not the API's JSON envelope"):
            hook.get_machine_codes("1", *HOUR)
        assert hook.calls == 1

    def test_invalid_token(self, emulator: WolkvoxEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(
            "AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(emulator.base_url, "not-the-token")
        )
        hook = fast_hook()
        with pytest.raises(WolkvoxAuthError, match=r"token invalid.*wolkvox_default") as err:
            hook.get_machine_codes("1", *HOUR)
        assert not err.value.retryable
        assert hook.calls == 1

    def test_quota_spent(self, token: str, monkeypatch: pytest.MonkeyPatch) -> None:
        with WolkvoxEmulator(tokens=[token], daily_quota=1) as emu:
            monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(emu.base_url, token))
            hook = fast_hook()
            hook.get_machine_codes("1", *HOUR)
            with pytest.raises(WolkvoxQuotaExceededError, match="resets at local midnight"):
                hook.get_machine_codes("1", *HOUR)
        assert hook.calls == 2

    def test_unknown_report(self, emulator: WolkvoxEmulator, wolkvox_conn: str) -> None:
        with pytest.raises(WolkvoxRequestError, match="DOES NOT EXIST"):
            fast_hook().get_report(
                "campaign_99", campaign_id="1", date_ini="20261127000000", date_end="20261127005959"
            )

    def test_missing_parameters(self, emulator: WolkvoxEmulator, wolkvox_conn: str) -> None:
        with pytest.raises(WolkvoxRequestError, match="SOME PARAMETERS ARE REQUIRED"):
            fast_hook().get_report("campaign_8", campaign_id="1")

    def test_more_than_31_days(self, emulator: WolkvoxEmulator, wolkvox_conn: str) -> None:
        hook = fast_hook()
        with pytest.raises(WolkvoxRequestError, match="31 DAYS"):
            hook.get_report(
                "campaign_8", campaign_id="1", date_ini="20261001000000", date_end="20261110000000"
            )
        assert hook.calls == 1

    def test_wrong_address(
        self, emulator: WolkvoxEmulator, token: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(
            "AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(emulator.base_url + "/nothing", token)
        )
        with pytest.raises(WolkvoxConfigError, match="check its server number or base_url"):
            fast_hook().get_machine_codes("1", *HOUR)

    def test_a_host_name_that_does_not_resolve_is_named_and_not_retried(
        self, token: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # .invalid never resolves (RFC 6761): the error names the host and the field to fix, at once.
        monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json("https://wv9999.invalid", token))
        hook = fast_hook()
        with pytest.raises(WolkvoxConfigError) as raised:
            hook.get_machine_codes("1", *HOUR)
        assert "wv9999.invalid" in str(raised.value)
        assert "does not resolve" in str(raised.value)
        assert "base_url" in str(raised.value)
        assert hook.calls == 1

    def test_a_server_number_that_does_not_resolve_names_its_host_and_the_check(
        self, token: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        try:
            socket.getaddrinfo("wv9999.wolkvox.com", 443)
        except socket.gaierror as err:
            if err.errno != socket.EAI_NONAME:
                pytest.skip(f"DNS cannot answer here ({err}), so no name can be said not to exist")
        else:
            pytest.skip("wv9999.wolkvox.com resolves from here")
        monkeypatch.setenv(
            "AIRFLOW_CONN_WOLKVOX_DEFAULT",
            json.dumps({"conn_type": "wolkvox", "host": "9999", "password": token}),
        )
        hook = fast_hook()
        with pytest.raises(WolkvoxConfigError, match=r"wv9999\.wolkvox\.com .*check the server number"):
            hook.get_machine_codes("1", *HOUR)
        assert hook.calls == 1

    @pytest.mark.parametrize(
        "host", ["wv0032.wolkvox.com", "0032.evil.com", "32", "00321", "0032/x", "evil.com#0032"]
    )
    def test_host_other_than_a_server_number_is_refused_before_any_request(
        self, emulator: WolkvoxEmulator, token: str, monkeypatch: pytest.MonkeyPatch, host: str
    ) -> None:
        monkeypatch.setenv(
            "AIRFLOW_CONN_WOLKVOX_DEFAULT",
            json.dumps({"conn_type": "wolkvox", "host": host, "password": token}),
        )
        with pytest.raises(WolkvoxConfigError, match="4-digit server number"):
            fast_hook().get_machine_codes("1", *HOUR)
        assert emulator.stats()["requests"] == 0

    def test_missing_token_is_a_config_error(
        self, emulator: WolkvoxEmulator, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(emulator.base_url, ""))
        with pytest.raises(WolkvoxConfigError, match="no API token"):
            fast_hook().get_machine_codes("1", *HOUR)
        assert emulator.stats()["requests"] == 0

    def test_naive_window_is_refused(self, emulator: WolkvoxEmulator, wolkvox_conn: str) -> None:
        with pytest.raises(WolkvoxError, match="naive"):
            fast_hook().get_machine_codes("1", pendulum.naive(2026, 1, 1), pendulum.naive(2026, 1, 2))


class TestTestConnection:
    def test_ok_reports_quota_left(self, token: str, monkeypatch: pytest.MonkeyPatch) -> None:
        with WolkvoxEmulator(tokens=[token], daily_quota=1000) as emu:
            monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(emu.base_url, token))
            ok, message = fast_hook().test_connection()
        assert ok
        assert "999 calls left today" in message

    def test_bad_token(self, emulator: WolkvoxEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(
            "AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(emulator.base_url, "wrong-token-xyz")
        )
        ok, message = fast_hook().test_connection()
        assert not ok
        assert "token invalid" in message
        assert "wrong-token-xyz" not in message


def test_token_never_leaks(
    emulator: WolkvoxEmulator,
    token: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every failure path at DEBUG: no log line, message, repr or URL carries the token."""
    monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(emulator.base_url, token, timeout=0.5))
    emulator.set_faults(
        script=["5xx", "reset", "timeout", "timeout", "html", "maintenance", "5xx"], fault_sleep=1.0
    )
    hook = fast_hook(max_attempts=2)
    seen: list[object] = [repr(hook.settings), hook.settings]
    for _ in range(5):
        try:
            hook.get_machine_codes("1", *HOUR)
        except WolkvoxError as err:
            seen += [err, repr(err), err.__cause__, err.__context__]
    _ok, message = hook.test_connection()
    seen.append(message)
    urls = [json.dumps(entry["params"]) for entry in emulator.stats()["log"]]
    text = logged(caplog, capsys)
    assert_token_absent(token, text, *seen, *urls)
    assert text.count("failed") >= 3  # the retried failures above were logged


def test_token_is_registered_with_airflows_secret_masker(wolkvox_conn: str, token: str) -> None:
    assert token in str(redact(f"header wolkvox-token: {token}"))  # not yet known to the masker
    WolkvoxHook().settings  # noqa: B018 -- reading the connection registers the token
    assert token not in str(redact(f"header wolkvox-token: {token}"))


def test_gzip_answers_are_decoded(token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Servers in front of PHP often compress JSON; the hook reads the raw body, so it must inflate it."""
    import gzip
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    envelope = {"code": 200, "error": None, "msg": "1 records were found", "data": [
        {"telephone": "+573001234567", "total_machine_recognitions": "3", "no_answer": "1",
         "answer_machine": "1", "busy": "0", "congestion": "0", "failed": "1"}
    ]}  # fmt: skip
    seen: list[str] = []

    class Gzipping(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Accept-Encoding", ""))
            body = gzip.compress(json.dumps(envelope).encode())
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Gzipping)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base_url = f"http://127.0.0.1:{server.server_port}"
        monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(base_url, token))
        rows = fast_hook().get_machine_codes("1", *HOUR)
    finally:
        server.shutdown()
        server.server_close()
    assert "gzip" in seen[0]
    assert rows == [MachineCodesRow("+573001234567", 3, 1, 1, 0, 0, 1)]
