"""The hook against a hostile or merely odd server (the emulator's hostile kinds), over real HTTP(S)
on loopback: one deadline per request, the token to one origin only and scrubbed from what the
server sends back, TLS as the connection says, and a gzip bomb read within the 256 MB cap."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from airflow_provider_wolkvox.client.connection import WolkvoxSettings
from airflow_provider_wolkvox.exceptions import (
    WolkvoxConfigError,
    WolkvoxRequestError,
    WolkvoxTimeoutError,
)
from airflow_provider_wolkvox.hooks.wolkvox import API_MAX_ANSWER_BYTES, REPORTS_PATH, WolkvoxHook
from airflow_provider_wolkvox.reports import CAMPAIGN_8
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests import cli_in_process
from tests.conftest import SERVER_LIMIT, connection_json
from tests.tls import ServerFiles, make_ca, make_server_files
from tests.unit.test_hook import HOUR, as_truth, fast_hook, logged

pytestmark = pytest.mark.airflow_release

CONN = "AIRFLOW_CONN_WOLKVOX_DEFAULT"
QUERY = {"api": "campaign_8", "campaign_id": "1", "date_ini": "20261127090000", "date_end": "20261127095959"}


@pytest.fixture(autouse=True)
def _debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> ServerFiles:
    return make_server_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def other_ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA that signed nothing the tests serve: what a container image's CA variables name."""
    return make_ca(tmp_path_factory.mktemp("other-ca"), "unrelated-ca")[0]


def emulator(token: str, *, host: str = "127.0.0.1", tls: ServerFiles | None = None) -> WolkvoxEmulator:
    files = None if tls is None else (str(tls.cert), str(tls.key))
    return WolkvoxEmulator([token], seed=7, server_limit=SERVER_LIMIT, host=host, tls=files)


@pytest.fixture
def stop_after() -> Iterator[Callable[[WolkvoxEmulator, float], None]]:
    """Stop an emulator after some seconds whatever the client does: the test's own deadline, so a
    client that never gives up fails the test in bounded time instead of hanging it."""
    timers: list[threading.Timer] = []

    def arm(emu: WolkvoxEmulator, seconds: float) -> None:
        timer = threading.Timer(seconds, emu.stop)
        timer.start()
        timers.append(timer)

    yield arm
    for timer in timers:
        timer.cancel()


# -- one deadline per request ------------------------------------------------------------------


def test_a_dripping_answer_ends_at_the_connections_timeout(
    token: str,
    monkeypatch: pytest.MonkeyPatch,
    stop_after: Callable[[WolkvoxEmulator, float], None],
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Status line, headers and body a byte every 50 ms: each read gets a byte well within the 1 s
    timeout, so only a deadline over the whole request ends it."""
    with emulator(token) as emu:
        monkeypatch.setenv(CONN, connection_json(emu.base_url, token, timeout=1))
        emu.set_faults(script=["drip", "drip"], drip_interval=0.05)
        stop_after(emu, 60.0)  # the drips would last ~20 min; a client without a deadline fails here
        hook = fast_hook()
        started = time.monotonic()
        with pytest.raises(WolkvoxTimeoutError, match="2 requests for the same window timed out"):
            hook.get_machine_codes("1", *HOUR)
        elapsed = time.monotonic() - started
        assert emu.stats()["faults"] == {"drip": 2}
    # Two 1 s deadlines and a wait for the abandoned request (server limit + grace): seconds, not
    # the hour the drips would take. A bound for a loaded machine, not a speed check.
    assert elapsed < 30, elapsed
    assert hook.calls == 2
    # Cut inside the headers, urllib3 warns of the lines it could not parse, without quoting them.
    assert "unparsed data" not in logged(caplog, capsys)


def test_urllib3s_header_warning_loses_the_servers_text(token: str, caplog: pytest.LogCaptureFixture) -> None:
    from urllib3.exceptions import HeaderParsingError

    import airflow_provider_wolkvox.client.transport  # noqa: F401 -- installs the filter

    error = HeaderParsingError(defects=[], unparsed_data=f"X-Echo: {token}")
    logging.getLogger("urllib3.connection").warning(
        "Failed to parse headers (url=%s): %s", "http://h/p", error, exc_info=(type(error), error, None)
    )
    assert caplog.records[-1].getMessage() == (
        "Failed to parse headers (url=http://h/p): HeaderParsingError (the server's text left out)"
    )
    assert token not in caplog.text


def test_after_a_dripping_answer_the_retry_reads_the_window(
    token: str,
    monkeypatch: pytest.MonkeyPatch,
    stop_after: Callable[[WolkvoxEmulator, float], None],
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with emulator(token) as emu:
        monkeypatch.setenv(CONN, connection_json(emu.base_url, token, timeout=0.5))
        emu.set_faults(script=["drip"], drip_interval=0.05)
        stop_after(emu, 60.0)
        hook = fast_hook()
        rows = hook.get_machine_codes("1", *HOUR)
        assert as_truth(rows) == emu.ground_truth("1", *HOUR)
    assert (hook.calls, hook.retries) == (2, 1)
    # The abandoned request is waited out as before: the hook says so before its retry. (Not the
    # gap between the two arrivals at the emulator: a retry that did not wait would leave a gap as
    # long as the deadline, and the emulator, in this process, starts its clock late under load.)
    waited = "before the next request: the server may still be working on a request this task gave up on"
    assert waited in logged(caplog, capsys)


def test_a_task_timeout_still_ends_a_dripping_request(token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A deadline longer than the task's: the task's timeout (an exception raised by a signal in the
    thread that sends, as Airflow's execution_timeout and SIGTERM do) ends the request."""
    import signal

    class TaskTimeout(BaseException):
        pass

    def on_alarm(signum: int, frame: Any) -> None:
        raise TaskTimeout

    with emulator(token) as emu:
        monkeypatch.setenv(CONN, connection_json(emu.base_url, token, timeout=600))
        emu.set_faults(script=["drip"], drip_interval=0.05)
        hook = fast_hook()
        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, 1.0)
        started = time.monotonic()
        try:
            with pytest.raises(TaskTimeout):
                hook.get_machine_codes("1", *HOUR)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        assert time.monotonic() - started < 30
        assert hook.wait_for_abandoned("the test") > 0  # the request counts as abandoned
        assert not [t for t in threading.enumerate() if t.name == "wolkvox-deadline"]


# -- the token goes to one origin only -------------------------------------------------------

REDIRECTS = {
    # name: (scheme of the connection's server, host and scheme of the other origin)
    "http to another host": ("http", "127.0.0.2", "http"),
    "https to http": ("https", "127.0.0.1", "http"),
    "https to another host": ("https", "127.0.0.2", "https"),
}


def _origins(token: str, tls: ServerFiles, case: str) -> tuple[WolkvoxEmulator, WolkvoxEmulator]:
    scheme, other_host, other_scheme = REDIRECTS[case]
    server = emulator(token, tls=tls if scheme == "https" else None)
    # The other origin knows another token; its log shows any token that reaches it (fingerprinted).
    other = emulator("someone-elses-token", host=other_host, tls=tls if other_scheme == "https" else None)
    return server, other


def _token_reached(emu: WolkvoxEmulator, token: str) -> list[dict[str, Any]]:
    return [entry for entry in emu.stats()["log"] if entry["token"] == emu.fingerprint(token)]


HOOK_CALLS: dict[str, Callable[[WolkvoxHook], object]] = {
    "report": lambda hook: hook.get_machine_codes("1", *HOUR),
    "raw report": lambda hook: hook.get_report(
        "campaign_8", **{k: v for k, v in QUERY.items() if k != "api"}
    ),
    "token_info": lambda hook: hook.get_token_info(),
}


@pytest.mark.parametrize("case", sorted(REDIRECTS))
@pytest.mark.parametrize("call", [*sorted(HOOK_CALLS), "test_connection"])
def test_a_redirect_is_an_error_naming_where_it_points_and_the_token_stays(
    token: str, tls: ServerFiles, monkeypatch: pytest.MonkeyPatch, case: str, call: str
) -> None:
    server, other = _origins(token, tls, case)
    with server, other:
        monkeypatch.setenv(CONN, connection_json(server.base_url, token, verify=str(tls.ca)))
        server.set_faults(script=["redirect"], redirect_to=other.base_url)
        hook = fast_hook()
        if call == "test_connection":
            ok, message = hook.test_connection()
            assert not ok
        else:
            with pytest.raises(WolkvoxConfigError) as raised:
                HOOK_CALLS[call](hook)
            message = str(raised.value)
        assert f"a redirect to {other.base_url}" in message
        assert "base_url" in message
        assert token not in message
        assert other.stats()["requests"] == 0  # not followed
        assert hook.calls == 1  # and not retried


@pytest.mark.parametrize("case", sorted(REDIRECTS))
def test_the_session_drops_the_token_on_a_redirect_to_another_origin(
    token: str, tls: ServerFiles, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    """``get_conn()`` is public: code that follows redirects with it still sends the token to the
    connection's origin only, and never to another URL it is given."""
    server, other = _origins(token, tls, case)
    with server, other:
        monkeypatch.setenv(CONN, connection_json(server.base_url, token, verify=str(tls.ca)))
        server.set_faults(script=["redirect"], redirect_to=other.base_url)
        session = fast_hook().get_conn()
        answer = session.get(server.base_url + REPORTS_PATH, params=QUERY, verify=str(tls.ca), timeout=10)
        assert answer.history[0].status_code == 302
        assert answer.status_code == 401  # the other origin got the request without a token
        session.get(other.base_url + REPORTS_PATH, params=QUERY, verify=str(tls.ca), timeout=10)
        assert other.stats()["requests"] == 2
        assert not _token_reached(other, token)
        assert len(_token_reached(server, token)) == 1


# -- server text is scrubbed of the connection's secrets -----------------------------------------


@pytest.mark.parametrize("call", sorted(HOOK_CALLS))
def test_a_token_the_server_echoes_reaches_no_error_or_log(
    token: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    call: str,
) -> None:
    with emulator(token) as emu:
        monkeypatch.setenv(CONN, connection_json(emu.base_url, token))
        emu.set_faults(script=["echo_token"])
        with pytest.raises(WolkvoxRequestError) as raised:
            HOOK_CALLS[call](fast_hook())
        assert emu.stats()["faults"] == {"echo_token": 1}
    message = str(raised.value)
    assert "(wolkvox-token *** was received)" in message  # the server's text, scrubbed
    assert token not in message + repr(raised.value) + logged(caplog, capsys)


def test_test_connection_shows_the_servers_text_scrubbed(token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with emulator(token) as emu:
        monkeypatch.setenv(CONN, connection_json(emu.base_url, token))
        emu.set_faults(script=["echo_token"])
        ok, message = fast_hook().test_connection()
    assert not ok
    assert "(wolkvox-token *** was received)" in message
    assert token not in message


def test_a_token_the_server_echoes_in_rows_is_not_kept(token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even in a field of a row (which would go on to XCom or the warehouse)."""
    with emulator(token) as emu:
        monkeypatch.setenv(CONN, connection_json(emu.base_url, token))
        emu.set_fields("campaign_8", extra={"note": f"sent by {token}"})
        table = fast_hook().get_table(CAMPAIGN_8, "1", *HOUR)
    assert table.extras == ("note",)
    assert {row[-1] for row in table.rows} == {"sent by ***"}


def test_secrets_of_the_connection_are_the_token_and_secret_extras() -> None:
    from airflow_provider_wolkvox.client.scrub import Scrubber

    class Conn:
        conn_id, host, password = "c", "0032", "tok-abcdef"
        extra_dejson: ClassVar = {"timezone": "UTC", "proxy_password": "pw/with-slash", "note": "not secret"}

    settings = WolkvoxSettings.from_connection(Conn())
    assert settings.secrets == ("tok-abcdef", "pw/with-slash")
    scrubber = Scrubber(settings.secrets)
    # As sent, and as PHP's json_encode writes a slash.
    body = b'{"error": "tok-abcdef and pw\\/with-slash and pw/with-slash", "msg": "not secret"}'
    assert scrubber.body(body) == b'{"error": "*** and *** and ***", "msg": "not secret"}'
    assert scrubber.text("token tok-abcdef") == "token ***"
    assert Scrubber(["1234"]).text("1234 records") == "1234 records"  # too short to hide, as Airflow's


def test_the_cli_connection_test_shows_no_echoed_token(token: str) -> None:
    """``airflow connections test`` prints test_connection's message: scrubbed. Airflow's own
    command through its own parser in this process (tests/cli_in_process.py): stdout, stderr, file
    descriptors 1 and 2 and every log record searched for the token. That a fresh process shows no
    token (Airflow's logging set up from scratch, no logger bound earlier) is the real ``plan``
    process of ``test_the_plan_quota_check_shows_no_echoed_token``, through the same hook."""
    with emulator(token) as emu:
        emu.set_faults(script=["echo_token"])
        env = {CONN: connection_json(emu.base_url, token), "AIRFLOW__CORE__TEST_CONNECTION": "Enabled"}
        environment = dict(os.environ)
        done = cli_in_process.airflow("connections", "test", "wolkvox_default", env=env)
        assert emu.stats()["faults"] == {"echo_token": 1}, done.output
    # Left as it was for the tests after it (the command sets _AIRFLOW_PROCESS_CONTEXT from 3.1 on).
    assert dict(os.environ) == environment
    assert "(wolkvox-token *** was received)" in done.output, done.output[-3000:]
    assert token not in done.output


def test_the_plan_quota_check_shows_no_echoed_token(airflow_db: Path, token: str) -> None:
    """The one real ``plan`` process of the suite (``airflow wolkvox`` from 3.2, ``python -m
    airflow_provider_wolkvox`` before): a fresh process, whose Airflow sets up its logging from
    scratch and logs its start-up, shows no token anywhere and ends in an ``error:`` line with a
    non-zero exit code. test_plan.py's CLI tests run ``plan`` in this process."""
    from tests.airflow_compat import provider_cli_loaded

    if provider_cli_loaded():
        command = [str(Path(sys.executable).parent / "airflow"), "wolkvox"]
    else:
        command = [sys.executable, "-m", "airflow_provider_wolkvox"]
    with emulator(token) as emu:
        emu.set_faults(script=["echo_token"])
        done = subprocess.run(
            [*command, "plan", "--from", "2026-10-01", "--to", "2026-10-02", "--check-quota"],
            env={**os.environ, CONN: connection_json(emu.base_url, token)},
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert emu.stats()["faults"] == {"echo_token": 1}, done.stdout + done.stderr
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "error: " in output
    assert "(wolkvox-token *** was received)" in output, output[-3000:]
    assert token not in output


def test_the_views_quota_message_shows_no_echoed_token(token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow_provider_wolkvox.ui.app import _read_quota

    with emulator(token) as emu:
        monkeypatch.setenv(CONN, connection_json(emu.base_url, token))
        emu.set_faults(script=["echo_token"])
        message = _read_quota("wolkvox_default")
    assert "(wolkvox-token *** was received)" in message
    assert token not in message


# -- TLS as the connection says ------------------------------------------------------------------


@pytest.fixture(params=["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def ca_variable(request: pytest.FixtureRequest, other_ca: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """One of the CA variables requests reads, naming a CA that signed nothing served here."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(request.param, str(other_ca))
    return str(request.param)


def test_verify_with_a_ca_bundle_wins_over_the_environment(
    token: str, tls: ServerFiles, ca_variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with emulator(token, tls=tls) as emu:
        monkeypatch.setenv(CONN, connection_json(emu.base_url, token, verify=str(tls.ca)))
        rows = fast_hook().get_machine_codes("1", *HOUR)
        assert as_truth(rows) == emu.ground_truth("1", *HOUR)


def test_verify_false_wins_over_the_environment_and_warns_once(
    token: str,
    tls: ServerFiles,
    ca_variable: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with emulator(token, tls=tls) as emu:
        monkeypatch.setenv(CONN, connection_json(emu.base_url, token, verify=False))
        hook = fast_hook()
        hook.get_machine_codes("1", *HOUR)
        hook.get_machine_codes("2", *HOUR)
        assert emu.stats()["by_status"] == {"200": 2}
    # Once wherever the release writes the hook's log (stdlib records, or structlog's output).
    out = capsys.readouterr()
    assert max(text.count("has verify=false") for text in (caplog.text, out.out + out.err)) == 1


@pytest.mark.parametrize("with_variable", [True, False])
def test_default_verify_refuses_a_certificate_no_trusted_ca_signed(
    token: str,
    tls: ServerFiles,
    other_ca: Path,
    monkeypatch: pytest.MonkeyPatch,
    with_variable: bool,
) -> None:
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    if with_variable:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other_ca))
    with emulator(token, tls=tls) as emu:
        monkeypatch.setenv(CONN, connection_json(emu.base_url, token))
        hook = fast_hook()
        with pytest.raises(
            WolkvoxConfigError, match=r"TLS certificate of https://127\.0\.0\.1:\d+ was not accepted"
        ):
            hook.get_machine_codes("1", *HOUR)
        assert emu.stats()["requests"] == 0  # the token was never sent
    assert hook.calls == 1  # not retried: a certificate does not heal


def test_default_verify_takes_the_environments_ca_bundle(
    token: str, tls: ServerFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``verify: true`` (the default) trusts what the environment names, as requests does."""
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls.ca))
    with emulator(token, tls=tls) as emu:
        monkeypatch.setenv(CONN, connection_json(emu.base_url, token))
        assert as_truth(fast_hook().get_machine_codes("1", *HOUR)) == emu.ground_truth("1", *HOUR)


# -- a gzip bomb is read within the 256 MB cap ---------------------------------------------------

BOMB_READER = textwrap.dedent(
    """
    import json, resource, sys
    from airflow_provider_wolkvox.exceptions import WolkvoxResponseError
    from airflow_provider_wolkvox.hooks.wolkvox import WolkvoxHook

    hook = WolkvoxHook(max_attempts=1)
    hook.get_conn()  # imports and connection read before the baseline
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        hook.get_report(**json.loads(sys.argv[1]))
        outcome = "read whole"
    except WolkvoxResponseError as err:
        outcome = str(err)
    print(json.dumps({"before_kib": before, "outcome": outcome}))
    """
)


def test_a_gzip_bomb_is_refused_with_bounded_memory(token: str) -> None:
    """2 MB of gzip that inflates to 2 GiB, read by a fresh interpreter whose peak RSS (the kernel's
    count, from wait4) must stay within the cap plus 128 MiB over what it held before the request."""
    with emulator(token) as emu:
        emu.set_faults(script=["gzip_bomb"], bomb_bytes=2 * 1024**3)
        env = {**os.environ, CONN: connection_json(emu.base_url, token, timeout=120)}
        child = subprocess.Popen(
            [sys.executable, "-c", BOMB_READER, json.dumps(QUERY)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        timer = threading.Timer(300, child.kill)  # bounded in time whatever the child does
        timer.start()
        try:
            out, err = child.stdout.read(), child.stderr.read()  # type: ignore[union-attr]
            _, status, usage = os.wait4(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
        finally:
            timer.cancel()
            child.stdout.close()  # type: ignore[union-attr]
            child.stderr.close()  # type: ignore[union-attr]
        assert emu.stats()["faults"] == {"gzip_bomb": 1}
    assert child.returncode == 0, err[-3000:]
    result = json.loads(out.strip().splitlines()[-1])
    assert "larger than 268,435,456 bytes once decompressed" in result["outcome"]
    grown = (usage.ru_maxrss - result["before_kib"]) * 1024
    print(f"peak RSS {usage.ru_maxrss / 1024:.0f} MiB, grown {grown / 2**20:.0f} MiB while reading")
    assert grown < API_MAX_ANSWER_BYTES + 128 * 2**20, f"grew {grown / 2**20:.0f} MiB"
