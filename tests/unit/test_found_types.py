"""The type rule of fields found on read (reports/found.py): properties, then the rule by example.

Expected values are literals or this test's own reading of the rule (a regular expression per
form, written here), never the module's.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_wolkvox.reports.found import (
    INT,
    NUM,
    TEXT,
    TIME,
    column_kind,
    found_kind,
    join,
    typed_value,
    value_kind,
)
from tests.fuzz import examples

RANK = {None: 0, INT: 1, NUM: 2, TIME: 1, TEXT: 3}
"""How wide each kind is (TIME beside INT: the two only meet at text)."""

values = st.one_of(
    st.none(),
    st.just(""),
    st.integers(-(2**40), 2**40).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**9), max_value=10**9).map(
        str
    ),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=0, max_value=100).map(
        lambda d: f"{d}%"
    ),
    st.tuples(st.integers(0, 200), st.integers(0, 59), st.integers(0, 59)).map(
        lambda t: f"{t[0]:02d}:{t[1]:02d}:{t[2]:02d}"
    ),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1)).map(
        lambda d: d.strftime("%Y-%m-%d %H:%M:%S")
    ),
    st.text(max_size=12),
    st.from_regex(r"0[0-9]{1,6}", fullmatch=True),
)


@settings(max_examples=examples(400), deadline=None)
@given(st.lists(values, max_size=12), st.lists(values, max_size=12))
def test_the_kind_of_a_column_is_the_join_of_its_parts_in_any_order(
    first: list[str], second: list[str]
) -> None:
    whole = column_kind([*first, *second])
    assert whole == join(column_kind(first), column_kind(second))
    assert whole == column_kind([*second, *first][::-1])
    assert RANK[whole] >= max(RANK[column_kind(first)], RANK[column_kind(second)])  # never narrower


@settings(max_examples=examples(400), deadline=None)
@given(st.sampled_from([None, INT, NUM, TIME, TEXT]), st.sampled_from([None, INT, NUM, TIME, TEXT]))
def test_join_is_a_least_upper_bound(a: str | None, b: str | None) -> None:
    joined = join(a, b)  # type: ignore[arg-type]
    assert joined == join(b, a)  # type: ignore[arg-type]
    assert join(joined, a) == joined  # type: ignore[arg-type]
    assert RANK[joined] >= max(RANK[a], RANK[b])
    assert (joined == TEXT) == (a == TEXT or b == TEXT or {a, b} in ({INT, TIME}, {NUM, TIME}))


@settings(max_examples=examples(400), deadline=None)
@given(st.lists(values, min_size=1, max_size=12))
def test_every_value_converts_to_its_columns_kind_and_keeps_its_number(column: list[str | None]) -> None:
    """No value is refused or dropped: it converts, and reads back as the number it wrote."""
    kind = column_kind(column) or TEXT
    for text in column:
        value = typed_value(kind, text, "America/Bogota")
        if kind == TEXT or text is None:
            assert value == text
        elif text == "":
            assert value is None
        elif kind in (INT, NUM):
            assert value == expected_number(text)
            if kind == INT:
                assert isinstance(value, int)
                assert abs(value) <= 2**31 - 1
            else:
                _, digits, exponent = Decimal(value).as_tuple()
                assert -int(exponent) <= 6
                assert len(digits) + int(exponent) <= 14
        else:
            assert value.tzinfo is not None


def expected_number(text: str) -> Decimal:
    """This test's own reading: hh:mm:ss in seconds, a percentage without its sign, else the number."""
    hms = re.fullmatch(r"(\d+):(\d\d):(\d\d)", text)
    if hms:
        hours, minutes, seconds = map(int, hms.groups())
        return Decimal(hours * 3600 + minutes * 60 + seconds)
    return Decimal(text.removesuffix("%").strip())


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("241", INT),
        ("0", INT),
        ("-7", INT),
        ("2147483647", INT),
        ("2147483648", NUM),
        ("0012", TEXT),
        ("1234.50", NUM),
        ("83.82%", NUM),
        ("83.82 %", NUM),
        ("04:38:08", INT),
        ("4:38:08", INT),
        ("04:61:08", TEXT),
        ("2026-11-27 10:15:00", TIME),
        ("2026-02-30 10:15:00", TEXT),
        ("1,5", TEXT),
        ("1e5", TEXT),
        ("NaN", TEXT),
        ("١٢", TEXT),
        ("", None),
        (None, None),
    ],
)
def test_the_rule_by_example(text: str | None, kind: str | None) -> None:
    assert value_kind(text) == kind


def test_values_by_example() -> None:
    assert typed_value(NUM, "83.82%", "UTC") == Decimal("83.82")
    assert typed_value(INT, "04:38:08", "UTC") == 16688
    assert typed_value(NUM, "241", "UTC") == Decimal(241)
    assert typed_value(TIME, "2026-11-27 10:15:00", "America/Bogota") == datetime(
        2026, 11, 27, 15, 15, tzinfo=timezone.utc
    )
    assert typed_value(TEXT, "83.82%", "UTC") == "83.82%"
    assert column_kind(["241", "83.82%"]) == NUM
    assert column_kind(["241", "2026-11-27 10:15:00"]) == TEXT
    assert column_kind(["", None]) is None


def test_identifiers_stay_text() -> None:
    assert found_kind("skill_id", ["101", "102"]) == TEXT
    assert found_kind("agent_dni", ["52000000"]) == TEXT
    assert found_kind("inbound_calls", ["59", "12"]) == INT
    assert found_kind("valid", ["1"]) == INT
