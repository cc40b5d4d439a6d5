"""Bad answers, tried wholesale: every (status, body) ends in typed rows or a typed error.

Hypothesis drives the hook's answer reading (decoding.read_rows, envelope.read_answer) with
arbitrary bytes, statuses and envelopes: truncated JSON, wrong types, huge and deep values,
nulls, HTML. The rows that come out are loaded into SQLite, which either stores exactly them or
refuses with a typed error leaving the table as it was. A few cases go through the hook's real
HTTP path against a loopback server, compression bombs included (with a small answer limit, so
memory stays bounded; the default is the API's 256 MB).
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import threading
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pendulum
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from airflow_provider_wolkvox.client.decoding import read_rows
from airflow_provider_wolkvox.client.envelope import TransientAnswer, read_answer
from airflow_provider_wolkvox.exceptions import WolkvoxError
from airflow_provider_wolkvox.hooks.wolkvox import WolkvoxHook
from airflow_provider_wolkvox.reports import report
from airflow_provider_wolkvox.sql import load_window
from tests.conftest import connection_json
from tests.fuzz import sqlite_warehouse
from tests.unit.expected import comparable, kind_of

SPECS = [report(api) for api in ("campaign_8", "campaign_1", "campaign_3", "campaign_5", "campaign_10")]
START = pendulum.datetime(2026, 11, 27, 6, tz="UTC")
END = START.add(hours=1)
STATUSES = st.sampled_from([200, 200, 200, 400, 401, 403, 404, 429, 500, 502, 503, 504]) | st.integers(
    100, 599
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["7", "-3", "1e3", "1.0", " 7", "+7", "007", "9" * 40, "", "null", "NaN"])
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def rows_for(draw: st.DrawFn, fields: tuple[str, ...]) -> dict[str, Any]:
    """A row with the report's fields (some missing, some extra), each a string or anything."""
    row = {}
    for name in fields:
        if draw(st.integers(0, 9)) == 0:
            continue
        row[name] = draw(
            st.sampled_from(["12", "0", "+573001234567", "2026-11-27 10:00:00", "33.3"]) | json_values
        )
    if draw(st.booleans()):
        row.update(draw(st.dictionaries(st.text(max_size=8), json_values, max_size=2)))
    return row


@st.composite
def envelopes(draw: st.DrawFn) -> bytes:
    """The API's envelope with any of its parts wrong, then maybe cut short or mangled."""
    spec = draw(st.sampled_from(SPECS))
    names = tuple(f.api_name for f in spec.schema)
    data = draw(
        st.lists(rows_for(names), max_size=5)
        | st.dictionaries(st.text(max_size=4), rows_for(names), max_size=3)
        | json_values
    )
    envelope: dict[str, Any] = {
        "code": draw(st.sampled_from([200, "200", 404, "404", 403, 500, None, "x", 2**70]) | json_scalars),
        "error": draw(
            st.sampled_from([None, "PLEASE VALIDATE TOKEN", "TOKEN LIMIT EXCEEDED"]) | json_scalars
        ),
        "msg": draw(
            st.sampled_from(
                [
                    "1 records were found",
                    "Validate dates entered",
                    "EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS",
                ]
            )
            | json_scalars
        ),
        "data": data,
    }
    for key in draw(st.lists(st.sampled_from(["code", "error", "msg", "data"]), max_size=2)):
        envelope.pop(key, None)
    if draw(st.booleans()):
        envelope[draw(st.text(max_size=6))] = draw(json_values)
    body = json.dumps(envelope, allow_nan=True).encode()
    how = draw(st.sampled_from(["as is", "as is", "cut", "bytes", "deep", "html", "huge int", "bad utf8"]))
    if how == "cut":
        body = body[: draw(st.integers(0, max(0, len(body) - 1)))]
    elif how == "bytes":
        body = draw(st.binary(max_size=200))
    elif how == "deep":
        depth = draw(st.integers(1, 5_000))
        body = b'{"code": 200, "data": ' + b"[" * depth + b"]" * depth + b"}"
    elif how == "html":
        body = b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"
    elif how == "huge int":
        body = body.replace(b'"12"', b"1" + b"0" * draw(st.integers(18, 6000)), 1)
    elif how == "bad utf8":
        body = body.replace(b'"', b'"\xff\xfe', 1)
    return body


def typed(spec: Any, row: Any) -> bool:
    """Whether ``row`` is one of ``spec``'s typed rows: one value per field, of the type the test's
    own table of the catalogue says (tests/unit/expected.py), never None (these reports have no
    nullable field). Written here, not the package's validator, which the loads themselves use."""
    if not isinstance(row, tuple) or len(row) != len(spec.fields):
        return False
    for f, value in zip(spec.schema, row, strict=True):
        kind = kind_of(spec.api, f.api_name)
        if kind == "text":
            ok = type(value) is str
        elif kind in ("integer", "duration"):
            ok = type(value) is int
        elif kind in ("decimal", "percent"):
            ok = isinstance(value, Decimal) and value.is_finite()
        else:
            ok = isinstance(value, datetime) and value.utcoffset() == timedelta(0)
        if not ok:
            return False
    return True


def read(spec: Any, status: int, body: bytes) -> list[Any] | BaseException:
    """Rows, or the exception the reading raised (which must be a typed one)."""
    try:
        return read_rows(spec, status, body, conn_id="wolkvox_default", tz="America/Bogota")
    except (WolkvoxError, TransientAnswer) as err:
        return err


def plain(spec: Any, value: str = "7") -> bytes:
    """A well-formed answer of two rows: random answers seldom give every field of a report right."""
    row = {f.api_name: value for f in spec.schema}
    row |= {name: "2026-11-27 10:15:00" for name in ("date",) if name in row}
    row |= {name: "34.64 %" for name in ("percent",) if name in row}
    rows = [row, {**row, **{k: "8" for k in row if k in ("conn_id", "cod_act", "result", "machinecode")}}]
    return json.dumps({"code": 200, "error": None, "msg": "2 records were found", "data": rows}).encode()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=st.sampled_from(SPECS), status=STATUSES, body=envelopes() | st.binary(max_size=300))
@example(spec=SPECS[1], status=200, body=plain(SPECS[1]))  # a percentage
@example(spec=SPECS[2], status=200, body=plain(SPECS[2]))  # a local date-time
@example(spec=SPECS[3], status=200, body=plain(SPECS[3]))
def test_any_answer_reads_as_typed_rows_or_a_typed_error(spec: Any, status: int, body: bytes) -> None:
    outcome = read(spec, status, body)
    if body == plain(spec):
        assert not isinstance(outcome, BaseException)
        assert len(outcome) == 2  # the explicit examples read whole
    if isinstance(outcome, BaseException):
        assert str(outcome), "an error must say what was wrong"
        return
    assert all(typed(spec, row) for row in outcome), outcome[:3]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(status=STATUSES, body=envelopes() | st.binary(max_size=300))
def test_any_answer_to_token_info_reads_as_dicts_or_a_typed_error(status: int, body: bytes) -> None:
    try:
        rows = read_answer(status, body, api="token_info", conn_id="wolkvox_default")
    except (WolkvoxError, TransientAnswer) as err:
        error: BaseException | None = err
    else:
        error = None
        assert isinstance(rows, list)
    assert error is None or str(error), "an error must say what was wrong"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    with sqlite_warehouse(tmp_path_factory.mktemp("fuzz"), "wolkvox_fuzz_sqlite") as made:
        yield made


def dump(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=st.sampled_from(SPECS), body=envelopes())
@example(spec=SPECS[1], body=plain(SPECS[1]))
@example(spec=SPECS[2], body=plain(SPECS[2]))
def test_what_reads_loads_whole_or_not_at_all(warehouse: Any, spec: Any, body: bytes) -> None:
    hook, path = warehouse
    outcome = read(spec, 200, body)
    rows = [] if isinstance(outcome, BaseException) else outcome
    table = f"fuzz_{spec.api}"
    load_window(hook, table=table, campaign_id="1", window_start=START, window_end=END, rows=[], spec=spec,
                allow_empty=True, ledger_table=None)  # fmt: skip
    before = dump(path)
    try:
        loaded = load_window(hook, table=table, campaign_id="1", window_start=START, window_end=END,
                             rows=rows, spec=spec, ledger_table=None)  # fmt: skip
    except WolkvoxError:
        assert dump(path) == before  # never a partial load
        return
    except sqlite3.IntegrityError:
        # Two rows with the same key (a detail report's answer may repeat one): refused whole.
        assert dump(path) == before
        return
    assert loaded == len(rows)
    # Stored exactly: the table's rows are the rows read, value for value.
    kinds = [kind_of(spec.api, f.api_name) for f in spec.schema]
    names = ", ".join(f'"{f.name}"' for f in spec.schema)
    with sqlite3.connect(path) as conn:
        stored = conn.execute(f"SELECT {names} FROM {table}").fetchall()
    assert sorted(map(repr, (comparables(kinds, r) for r in stored))) == sorted(
        map(repr, (comparables(kinds, r) for r in rows))
    )


def comparables(kinds: list[str], row: Any) -> tuple[Any, ...]:
    return tuple(comparable(kind, value) for kind, value in zip(kinds, row, strict=True))


# -- through the hook's real HTTP path ---------------------------------------------------------


class _Answers(BaseHTTPRequestHandler):
    """Serves whatever (status, headers, body) the test put in ``server.answer``."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        status, headers, body = self.server.answer  # type: ignore[attr-defined]
        self.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(name, value)
        self.send_header("Connection", "close")  # a body shorter than its length ends here
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def loopback() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(30)


def bomb(size: int) -> bytes:
    return gzip.compress(b"\0" * size, compresslevel=9)


HTTP_CASES = [
    pytest.param(
        200,
        {"Content-Encoding": "gzip"},
        bomb(8 * 1024 * 1024),
        "larger than 1,048,576 bytes",
        id="gzip-bomb",
    ),
    pytest.param(
        200,
        {"Content-Encoding": "deflate"},
        zlib.compress(b" " * 4 * 1024 * 1024),
        "larger than",
        id="deflate-bomb",
    ),
    pytest.param(
        200, {"Content-Encoding": "gzip"}, b"not gzip at all", "gave up after 2 attempts", id="bad-gzip"
    ),
    pytest.param(
        200,
        {"Content-Length": "99999"},
        b'{"code": 200, "data": [',
        "gave up after 2 attempts",
        id="short-body",
    ),
    pytest.param(200, {"Content-Type": "text/html"}, b"<html>maintenance</html>", "HTML page", id="html"),
    pytest.param(
        200,
        {},
        b'{"code": 200, "data": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",
        "not the API's JSON envelope",
        id="deep",
    ),
    pytest.param(
        200,
        {},
        b'{"code": 200, "data": [{"telephone": "1", "total_machine_recognitions": ' + b"9" * 5000 + b"}]}",
        "not the API's JSON envelope",
        id="huge-number",
    ),
    pytest.param(200, {}, b'{"code": 200, "data": [{"telephone": null}]}', "campaign_8", id="null-field"),
    pytest.param(200, {}, b'{"code": "200", "data": 7}', "'data' is a int", id="data-int"),
    pytest.param(503, {}, b"", "gave up after 2 attempts", id="503-empty"),
]


@pytest.mark.parametrize(("status", "headers", "body", "match"), HTTP_CASES)
def test_bad_answers_over_http_end_in_a_typed_error(
    loopback: ThreadingHTTPServer, token: str, monkeypatch: pytest.MonkeyPatch,
    status: int, headers: dict[str, str], body: bytes, match: str,
) -> None:  # fmt: skip
    loopback.answer = (status, headers, body)  # type: ignore[attr-defined]
    base_url = f"http://127.0.0.1:{loopback.server_port}"
    monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(base_url, token))
    hook = WolkvoxHook(
        max_attempts=2, backoff_seconds=0.01, max_backoff_seconds=0.01, max_answer_bytes=1 << 20
    )
    try:
        with pytest.raises(WolkvoxError, match=match) as err:
            hook.get_machine_codes("1", START, END)
    finally:
        hook.close()
    assert token not in str(err.value)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(status=STATUSES, body=envelopes(), gzipped=st.booleans())
def test_any_answer_over_http_reads_as_typed_rows_or_a_typed_error(
    loopback: ThreadingHTTPServer, token: str, status: int, body: bytes, gzipped: bool
) -> None:
    import os

    headers = {"Content-Encoding": "gzip"} if gzipped else {}
    loopback.answer = (status, headers, gzip.compress(body) if gzipped else body)  # type: ignore[attr-defined]
    base_url = f"http://127.0.0.1:{loopback.server_port}"
    os.environ["AIRFLOW_CONN_WOLKVOX_DEFAULT"] = connection_json(base_url, token)
    hook = WolkvoxHook(
        max_attempts=2, backoff_seconds=0.01, max_backoff_seconds=0.01, max_answer_bytes=1 << 20
    )
    try:
        rows = hook.get_machine_codes("1", START, END)
        message = ""
    except WolkvoxError as err:
        rows, message = [], str(err) or "(no message)"
    finally:
        hook.close()
        del os.environ["AIRFLOW_CONN_WOLKVOX_DEFAULT"]
    assert token not in message
    assert all(typed(SPECS[0], row) for row in rows)
