"""decoding.read_rows: the msgspec fast path gives exactly the slow path's rows, or steps aside."""

from __future__ import annotations

import json
import logging
from typing import Any

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_provider_wolkvox.client import decoding
from airflow_provider_wolkvox.client.decoding import _fast_rows, has_fast_path, read_rows
from airflow_provider_wolkvox.client.envelope import TransientAnswer, read_answer
from airflow_provider_wolkvox.exceptions import WolkvoxError, WolkvoxResponseError, WolkvoxRowError
from airflow_provider_wolkvox.hooks.wolkvox import WolkvoxHook
from airflow_provider_wolkvox.reports import CAMPAIGN_8, CAMPAIGN_10, REPORTS, MachineCodesRow, ReportSpec
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from airflow_provider_wolkvox.testing.emulator_data import DialData, render_rows, utc_spans

from .test_reports import ROW

TYPED = MachineCodesRow("03001234567", 7, 1, 2, 0, 1, 3)


def answer(data: Any, **envelope: Any) -> bytes:
    return json.dumps(
        {"code": 200, "error": None, "msg": "1 records were found", "data": data, **envelope}
    ).encode()


TYPED_ERRORS = (WolkvoxError, TransientAnswer)
"""What reading an answer may raise: a typed error, or a transient answer the hook retries. Any
other exception escapes these helpers and fails the test (two paths crashing alike is no agreement)."""


def slow(spec: ReportSpec, status: int, body: bytes) -> Any:
    """What the hook did before the fast path: the rows, or the typed error (type and text)."""
    try:
        return spec.parse_rows(read_answer(status, body, api=spec.api, conn_id="wolkvox_default"), "UTC")
    except TYPED_ERRORS as err:
        return type(err), str(err)


def by_hand(rows: Any) -> Any:
    """The documented rule for text no warehouse can store, written again: each NUL and each
    unpaired surrogate of a text value becomes U+FFFD (errors pass through)."""
    if not isinstance(rows, list):
        return rows

    def clean(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return "".join("\ufffd" if c == "\x00" or 0xD800 <= ord(c) <= 0xDFFF else c for c in value)

    return [tuple.__new__(type(row), [clean(v) for v in row]) for row in rows]


def outcome(spec: ReportSpec, status: int, body: bytes) -> Any:
    try:
        return read_rows(spec, status, body, conn_id="wolkvox_default", tz="UTC")
    except TYPED_ERRORS as err:
        return type(err), str(err)


UNCLEAR = object()
"""The reference below does not say: the answer may read as rows or as a typed error."""


def reference(spec: ReportSpec, status: int, body: bytes) -> Any:
    """The rows of an answer to campaign_8 or campaign_10, read by hand from FACTS.md (written for
    this test, sharing nothing with decoding or the specs): a 200 answer whose code is 200 or "200"
    and whose data is a list of objects, each with the report's fields (extra ones ignored), text as
    a string and counts as int() reads a string or a JSON integer. ``Exception`` where the answer is
    plainly not that (the reading must raise a typed error), UNCLEAR for anything in between.
    A 404 "Validate dates entered" is an empty window."""
    try:
        envelope = json.loads(body)
    except (ValueError, RecursionError):
        return Exception
    if status != 200:
        message = envelope.get("msg") if isinstance(envelope, dict) else None
        if status == 404 and isinstance(message, str) and message.strip().upper() == "VALIDATE DATES ENTERED":
            return []
        return Exception if status >= 500 or status == 429 else UNCLEAR
    if not isinstance(envelope, dict) or envelope.get("code") not in (200, "200"):
        return UNCLEAR
    data = envelope.get("data")
    if not isinstance(data, list):
        return UNCLEAR
    key, *counts = spec.fields
    rows = []
    for item in data:
        if not isinstance(item, dict):
            return Exception
        if not set(spec.fields) <= set(item):
            return Exception
        if not isinstance(item[key], str):
            return UNCLEAR
        values: list[Any] = [item[key]]
        for name in counts:
            value = item[name]
            if isinstance(value, bool) or not isinstance(value, (int, str)):
                return Exception
            try:
                values.append(int(value))
            except ValueError:
                return Exception
        rows.append(spec.row_type(*values) if spec.row_type else tuple(values))
    return rows


def judged(spec: ReportSpec, status: int, body: bytes, got: Any) -> None:
    """``got`` (rows, or a typed error's type and text) is what :func:`reference` says, where it says."""
    expected = reference(spec, status, body)
    if expected is Exception:
        assert isinstance(got, tuple), got
        assert issubclass(got[0], TYPED_ERRORS), got
    elif expected is not UNCLEAR:
        expected = by_hand(expected)
        assert got == expected
        assert value_types(got) == value_types(expected)


def value_types(rows: list[tuple[Any, ...]]) -> list[tuple[type, ...]]:
    return [(type(row), *map(type, row)) for row in rows]


def test_only_text_and_integer_reports_under_the_apis_names_have_a_fast_path() -> None:
    assert sorted(api for api, spec in REPORTS.items() if has_fast_path(spec)) == [
        "campaign_10",
        "campaign_6",  # its campaign_id is stored under the API's name since issue 23
        "campaign_8",
        "chat_13",
    ]


def test_a_real_campaign_8_answer_gives_the_slow_paths_rows() -> None:
    rows = DialData(seed=1, telephones=100_000_000, dials_per_hour=200_000).rows(
        "1", utc_spans(1793509200, 1793509200 + 60)
    )
    body = f'{{"code":200,"error":null,"msg":"x","data":{render_rows(rows)}}}'.encode()
    fast = _fast_rows(CAMPAIGN_8, body)
    assert fast is not None
    assert len(fast) == len(rows) > 100
    assert fast == [(phone, *counts) for phone, counts in rows]  # the emulator's own rows, typed
    assert fast == slow(CAMPAIGN_8, 200, body)
    assert {type(row) for row in fast} == {MachineCodesRow}
    assert value_types(fast) == value_types(slow(CAMPAIGN_8, 200, body))


def test_campaign_10_rows_are_plain_tuples() -> None:
    body = answer(
        [{"machinecode": "ANSWER-MACHINE", "cantidad": "12"}, {"machinecode": "BUSY", "cantidad": "0"}]
    )
    assert _fast_rows(CAMPAIGN_10, body) == [("ANSWER-MACHINE", 12), ("BUSY", 0)]
    assert {type(row) for row in _fast_rows(CAMPAIGN_10, body) or []} == {tuple}
    assert value_types(_fast_rows(CAMPAIGN_10, body) or []) == value_types(slow(CAMPAIGN_10, 200, body))


@pytest.mark.parametrize("code", [200, "200"])
def test_code_as_a_number_or_a_string(code: object) -> None:
    assert _fast_rows(CAMPAIGN_8, answer([ROW], code=code)) == [TYPED]


def test_an_empty_list_is_no_rows() -> None:
    assert _fast_rows(CAMPAIGN_8, answer([])) == []


@pytest.mark.parametrize(
    "body",
    [
        answer({"0": ROW, "1": ROW}),  # rows keyed by position
        answer(ROW),  # one row as an object
        answer(None),
        json.dumps({"code": 200, "msg": "no data field"}).encode(),
        answer([ROW], code=" 200"),
        answer([ROW], code=None),
        answer([ROW], code=500),
        answer([ROW], code="403", msg="SIMULTANEOUS REQUESTS"),
        answer([ROW], total_rows=1),  # a key the envelope does not have today
        answer([ROW, {**ROW, "campaign_name": "Ventas"}]),
        answer([{**ROW, "busy": "1.0"}]),  # int() refuses it, msgspec alone would read 1
        answer([{**ROW, "busy": "1e3"}]),
        answer([{**ROW, "busy": " 7 "}]),  # int() takes it, msgspec does not
        answer([{**ROW, "busy": str(2**63)}]),  # past a 64-bit integer: the warehouse cannot store it
        answer([{**ROW, "busy": 1.0}]),
        answer([{**ROW, "busy": True}]),
        answer([{**ROW, "telephone": 3001234567}]),
        answer([{**ROW, "telephone": None}]),
        answer([ROW, ["03001234567", "1"]]),
        b'{"code":200,"error":null,"msg":"\xd3k","data":[]}',  # Latin-1: json.loads refuses the body
        b'{"code":200,"error":null,"msg":"x","data":[],"n":' + b"9" * 5000 + b"}",  # past int()'s 4300 digits
        b'{"code":200,"error":null,"msg":"x","data":[{"telephone":"1","busy":"1\\u002e0"}]}',
        b'{"code":200,"data":[]} trailing',
        b"<html>Bad gateway</html>",
    ],
)
def test_anything_else_takes_the_slow_path(body: bytes) -> None:
    assert _fast_rows(CAMPAIGN_8, body) is None
    got = outcome(CAMPAIGN_8, 200, body)
    assert got == slow(CAMPAIGN_8, 200, body)
    judged(CAMPAIGN_8, 200, body, got)


def test_other_statuses_take_the_slow_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decoding, "_fast_rows", lambda *_: pytest.fail("fast path tried"))
    with pytest.raises(TransientAnswer):
        read_rows(CAMPAIGN_8, 502, answer([ROW]), conn_id="c", tz="UTC")


def test_a_bad_count_names_row_field_and_value() -> None:
    body = answer([ROW, {**ROW, "busy": "n/a"}])
    with pytest.raises(WolkvoxRowError, match="row 1 field 'busy' is 'n/a', not an integer count"):
        read_rows(CAMPAIGN_8, 200, body, conn_id="c", tz="UTC")


def test_a_body_that_is_not_the_envelope() -> None:
    with pytest.raises(WolkvoxResponseError, match="not the API's JSON envelope"):
        read_rows(CAMPAIGN_8, 200, b"<html>oops</html>", conn_id="c", tz="UTC")


def test_a_new_api_field_is_ignored_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    newer = {**ROW, "zz_fast_path_field": "1"}
    for _ in range(3):
        assert read_rows(CAMPAIGN_8, 200, answer([newer, newer]), conn_id="c", tz="UTC") == [TYPED] * 2
    warnings = [r.getMessage() for r in caplog.records if "does not know yet" in r.getMessage()]
    assert warnings == ["campaign_8: ignoring fields this provider does not know yet: zz_fast_path_field"]


# --- property: for any answer, the fast path steps aside or returns exactly the slow path's rows ---

ODD_NUMBERS = [
    "1.0", "1e3", "1E3", "10e-1", "-0.0", " 7 ", " 7", "+7", "-0", "1_000", "", "0x1f", "007", "00", "٣",
    "nan", "inf", "Infinity", "null", "true", "7\x00", "9" * 4301,
]  # fmt: skip
GOOD_COUNT = st.one_of(
    st.integers(0, 10**6).map(str),
    st.sampled_from(["0", "-3", "9" * 4300, "18446744073709551616"]),
    st.integers(-(10**30), 10**30).map(str),
)
ODD_COUNT = st.one_of(
    st.sampled_from(ODD_NUMBERS),
    st.text(alphabet="0123456789+-._eE x", max_size=6),
    st.integers(-(10**25), 10**25),
    st.floats(),
    st.booleans(),
    st.none(),
    st.sampled_from([[], {}, ["1"]]),
)
GOOD_TEXT = st.one_of(
    st.from_regex(r"\+?[0-9]{7,13}", fullmatch=True),
    st.text(st.characters(exclude_categories=()), max_size=8),  # surrogates, control characters, accents
)
ODD_TEXT = st.one_of(
    st.integers(-(10**20), 10**20), st.floats(), st.booleans(), st.none(), st.sampled_from([["1"], {}])
)


@st.composite
def answers(draw: st.DrawFn) -> tuple[ReportSpec, int, bytes]:
    """An answer to campaign_8 or campaign_10: as the API sends it, or with a few (or many) oddities."""
    spec = draw(st.sampled_from([CAMPAIGN_8, CAMPAIGN_10]))
    key, *counts = spec.fields
    odd_percent = draw(st.sampled_from([0, 0, 1, 3, 10, 50]))

    def odd() -> bool:
        return draw(st.integers(0, 99)) < odd_percent

    def row() -> Any:
        value = {key: draw(ODD_TEXT if odd() else GOOD_TEXT)}
        value.update((name, draw(ODD_COUNT if odd() else GOOD_COUNT)) for name in counts)
        if odd():
            value.pop(draw(st.sampled_from(spec.fields)))
        if odd():
            value[draw(st.sampled_from(["extra", key, counts[0]]))] = draw(st.one_of(GOOD_COUNT, ODD_COUNT))
        return value if not odd() else draw(st.sampled_from([["1"], "row", None, 7]))

    rows = [row() for _ in range(draw(st.integers(0, 5)))]
    envelope: dict[str, Any] = {
        "code": draw(st.sampled_from([200, "200"])),
        "error": None,
        "msg": f"{len(rows)} records were found",
        "data": rows,
    }
    if odd():
        envelope["code"] = draw(st.sampled_from([200.0, " 200", "200.0", None, 500, "404", True, {}]))
    if odd():
        envelope["error"] = draw(st.sampled_from(["", "SIMULTANEOUS REQUESTS", 0, []]))
    if odd():
        envelope["msg"] = draw(st.sampled_from(["VALIDATE DATES ENTERED", None, 7, {}]))
    if odd():
        envelope["data"] = draw(
            st.sampled_from([{str(i): r for i, r in enumerate(rows)}, rows[0] if rows else {}, None, "none"])
        )
    if odd():
        envelope["total"] = len(rows)
    for name in list(envelope):
        if odd():
            del envelope[name]
    order = draw(st.permutations(list(envelope)))
    text = json.dumps(
        {k: envelope[k] for k in order},
        ensure_ascii=draw(st.booleans()),
        indent=draw(st.sampled_from([None, 1])),
    )
    body = text.encode("utf-8", "surrogatepass")  # lone surrogates as bytes: json.loads reads them
    status = 200 if not odd() else draw(st.sampled_from([404, 429, 500, 504]))
    return spec, status, body


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers())
def test_the_fast_path_steps_aside_or_agrees(case: tuple[ReportSpec, int, bytes]) -> None:
    spec, status, body = case
    expected = slow(spec, status, body)
    fast = _fast_rows(spec, body) if status == 200 else None
    if fast is not None:
        assert isinstance(expected, list), f"the slow path raises {expected}"
        assert fast == expected
        assert value_types(fast) == value_types(expected)
    assert outcome(spec, status, body) == by_hand(expected)
    judged(spec, status, body, by_hand(expected))


# --- the hook ---

HOUR = (pendulum.datetime(2026, 11, 27, 14, tz="UTC"), pendulum.datetime(2026, 11, 27, 15, tz="UTC"))


def test_the_hook_types_rows_without_json_loads(
    emulator: WolkvoxEmulator, wolkvox_conn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:
        patched.setattr(decoding, "_fast_rows", lambda *_: None)
        expected = WolkvoxHook().get_machine_codes("1", *HOUR)
    assert expected
    monkeypatch.setattr(decoding, "read_answer", lambda *_, **__: pytest.fail("slow path taken"))
    rows = WolkvoxHook().get_machine_codes("1", *HOUR)
    assert rows == expected
    truth = emulator.ground_truth("1", *HOUR)  # the emulator's own answer, not the slow path's
    assert sorted(rows) == sorted((phone, *counts) for phone, counts in truth.items())
    assert value_types(rows) == value_types(expected)
