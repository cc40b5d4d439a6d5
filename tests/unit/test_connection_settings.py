"""A Wolkvox connection's settings: every extra validated, with a message saying what to fix, before
any request; test_connection's failure paths; the connection form Airflow 3.0/3.1 build from the hook."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from airflow_provider_wolkvox.client.connection import WolkvoxSettings
from airflow_provider_wolkvox.exceptions import WolkvoxConfigError
from airflow_provider_wolkvox.hooks.wolkvox import WolkvoxHook
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.conftest import connection_json

pytestmark = pytest.mark.airflow_release


@dataclass
class Conn:
    """What the settings read from an Airflow Connection."""

    host: str | None = "0032"
    password: str | None = "tok-settings-SECRET"
    extra: dict[str, Any] = field(default_factory=dict)
    conn_id: str = "wk"

    @property
    def extra_dejson(self) -> dict[str, Any]:
        return self.extra


def settings(**kwargs: Any) -> WolkvoxSettings:
    return WolkvoxSettings.from_connection(Conn(**kwargs))


def test_a_server_number_alone_makes_the_vendors_address_with_the_documented_defaults() -> None:
    got = settings()
    assert (got.base_url, got.server, got.timezone, got.timeout, got.verify, got.server_time_limit) == (
        "https://wv0032.wolkvox.com",
        "0032",
        "America/Bogota",
        90.0,
        True,
        60.0,
    )
    assert "tok-settings-SECRET" not in repr(got)


@pytest.mark.parametrize("host", [None, "", "   "])
def test_no_server_number_and_no_base_url_says_where_to_put_it(host: str | None) -> None:
    with pytest.raises(WolkvoxConfigError, match=r"'wk' has no server number: set its host to the 4 digits"):
        settings(host=host)


def test_a_base_url_replaces_the_servers_address_without_its_trailing_slash() -> None:
    assert (
        settings(host=None, extra={"base_url": " http://127.0.0.1:8080/ "}).base_url
        == "http://127.0.0.1:8080"
    )
    assert settings(extra={"base_url": "https://proxy.example.com/wolkvox"}).base_url == (
        "https://proxy.example.com/wolkvox"
    )


@pytest.mark.parametrize(
    ("base_url", "problem"),
    [
        ("ftp://wv0032.wolkvox.com", "must start with http:// or https://"),
        ("wv0032.wolkvox.com", "must start with http:// or https://"),
        ("https://", "has no host name"),
        ("https://user:tok@wv0032.wolkvox.com", "must not carry credentials"),
        ("https://wv0032.wolkvox.com/?token=x", "must not have a query string or fragment"),
        ("https://wv0032.wolkvox.com/#x", "must not have a query string or fragment"),
    ],
)
def test_an_unusable_base_url_is_refused_saying_why(base_url: str, problem: str) -> None:
    with pytest.raises(WolkvoxConfigError, match=f"base_url .* is not usable: it {problem}"):
        settings(extra={"base_url": base_url})


@pytest.mark.parametrize("name", ["timeout", "server_time_limit"])
@pytest.mark.parametrize("value", ["abc", 0, -1, "-0.5", "inf", "nan", [5], {"s": 1}])
def test_seconds_must_be_a_positive_finite_number(name: str, value: Any) -> None:
    with pytest.raises(WolkvoxConfigError, match=f"'wk': {name} must be a positive number of seconds"):
        settings(extra={name: value})


def test_seconds_take_numbers_and_numeric_text_and_empty_is_the_default() -> None:
    assert settings(extra={"timeout": "2.5", "server_time_limit": 7}).timeout == 2.5
    assert settings(extra={"timeout": "2.5", "server_time_limit": 7}).server_time_limit == 7.0
    assert settings(extra={"timeout": "", "server_time_limit": None}).timeout == 90.0


@pytest.mark.parametrize(
    ("value", "verify"),
    [
        (None, True),
        (True, True),
        (False, False),
        ("true", True),
        (" Yes ", True),
        ("1", True),
        ("on", True),
        ("FALSE", False),
        ("no", False),
        ("0", False),
        ("off", False),
        ("/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/certs/ca-certificates.crt"),
    ],
)
def test_verify_is_a_boolean_or_a_ca_bundle_path(value: Any, verify: bool | str) -> None:
    assert settings(extra={"verify": value}).verify == verify


@pytest.mark.parametrize("value", ["maybe", "ca.pem", "2"])
def test_any_other_verify_is_refused(value: str) -> None:
    with pytest.raises(WolkvoxConfigError, match="verify must be true, false or the path of a CA bundle"):
        settings(extra={"verify": value})


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(WolkvoxConfigError, match="time zone 'Bogota' is not an IANA name"):
        settings(extra={"timezone": "Bogota"})


def test_a_bad_extra_sends_no_request(
    emulator: WolkvoxEmulator, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(emulator.base_url, token, timeout="soon")
    )
    ok, message = WolkvoxHook().test_connection()
    assert not ok
    assert "timeout must be a positive number of seconds" in message
    assert emulator.stats()["requests"] == 0


@pytest.fixture
def odd_token_info(token: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A server whose token_info answer is a 200 envelope with a row that is not an object."""

    class Odd(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"code": 200, "error": null, "msg": "1 records were found", "data": ["x"]}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Odd)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.server_port}"
    monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(base_url, token))
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(30)


def test_connection_failing_outside_the_typed_errors_says_so_briefly_without_the_token(
    odd_token_info: str, token: str
) -> None:
    """Whatever goes wrong, the connection form gets (False, a short token-free line), never a
    traceback: here a token_info row that is not an object."""
    ok, message = WolkvoxHook(max_attempts=1).test_connection()
    assert not ok
    assert odd_token_info in message or "token_info" in message
    assert token not in message
    assert "Traceback" not in message
    assert len(message) < 300


def test_connection_over_an_unreachable_address_fails_with_the_reason(
    token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with WolkvoxEmulator([token]) as gone:
        base_url = gone.base_url  # a free port, closed again below
    monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(base_url, token))
    ok, message = WolkvoxHook(
        max_attempts=2, backoff_seconds=0.01, max_backoff_seconds=0.01
    ).test_connection()
    assert not ok
    assert message.startswith("token_info: gave up after 2 attempts")
    assert "ConnectionError" in message
    assert token not in message


# -- the connection form of Airflow 3.0/3.1 (built from provider info; 3.2+ read it directly) ------------


class MultiDict(dict[str, str]):
    """Submitted form data as WTForms reads it (one value per field)."""

    def getlist(self, key: str) -> list[str]:
        return [self[key]] if key in self else []


def test_the_form_has_one_optional_field_per_extra_with_the_connections_own_defaults() -> None:
    import wtforms

    widgets = WolkvoxHook.get_connection_form_widgets()
    form_class = type("WolkvoxForm", (wtforms.Form,), dict(widgets))
    empty = form_class(MultiDict())
    assert empty.validate()  # every extra may be left out
    assert form_class(MultiDict({"timeout": "", "base_url": "", "timezone": ""})).validate()  # or cleared
    labels = {name: getattr(empty, name).label.text for name in widgets}
    assert labels == {
        "timezone": "Time zone",
        "base_url": "Base URL override",
        "timeout": "Timeout (seconds)",
        "verify": "Verify TLS certificates",
    }
    defaults = {name: getattr(form_class(), name).data for name in widgets}
    assert defaults == {"timezone": "America/Bogota", "base_url": None, "timeout": 90, "verify": True}
    # The form's defaults are the settings a connection without those extras gets.
    plain = settings()
    assert (plain.timezone, plain.timeout, plain.verify) == (
        defaults["timezone"],
        defaults["timeout"],
        defaults["verify"],
    )
    # What a user types comes out as the extras the settings read.
    typed = form_class(MultiDict({"timezone": "Europe/Madrid", "timeout": "30", "base_url": "http://h:1"}))
    assert typed.validate()
    extra = {name: getattr(typed, name).data for name in widgets}
    got = settings(extra=json.loads(json.dumps(extra)))
    assert (got.timezone, got.timeout, got.base_url, got.verify) == (
        "Europe/Madrid",
        30.0,
        "http://h:1",
        False,
    )


def test_the_form_relabels_and_hides_the_standard_fields() -> None:
    assert WolkvoxHook.get_ui_field_behaviour() == {
        "hidden_fields": ["schema", "port", "login"],
        "relabeling": {"host": "Server number", "password": "API token"},
        "placeholders": {
            "host": "0032 (the NNNN of wvNNNN.wolkvox.com)",
            "password": "the operation's wolkvox-token",
            "extra": '{"timezone": "America/Bogota"}',
        },
    }
