from __future__ import annotations

import logging

import pytest

from airflow_provider_wolkvox.exceptions import WolkvoxRowError
from airflow_provider_wolkvox.reports import CAMPAIGN_8, MachineCodesRow

ROW = {
    "telephone": "03001234567",
    "total_machine_recognitions": "7",
    "no_answer": "1",
    "answer_machine": "2",
    "busy": "0",
    "congestion": "1",
    "failed": "3",
}


def test_counts_become_ints_and_the_telephone_stays_text() -> None:
    assert CAMPAIGN_8.parse_rows([ROW]) == [MachineCodesRow("03001234567", 7, 1, 2, 0, 1, 3)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"busy": "n/a"}, "row 1 field 'busy' is 'n/a', not an integer count"),
        ({"failed": None}, "row 1 field 'failed' is None"),
        ({"telephone": None, "no_answer": "x"}, "field 'no_answer'"),
        # int() would quietly make these 1: a count that is not a whole number is refused.
        ({"busy": 1.5}, "row 1 field 'busy' is 1.5, not an integer count"),
        ({"busy": True}, "row 1 field 'busy' is True, not an integer count"),
        ({"telephone": None}, "row 1 field 'telephone' is None, not text"),
        ({"telephone": False}, "row 1 field 'telephone' is False, not text"),
    ],
)
def test_bad_value_names_row_field_and_value(change: dict[str, object], message: str) -> None:
    with pytest.raises(WolkvoxRowError, match=message.replace("(", r"\(")):
        CAMPAIGN_8.parse_rows([ROW, {**ROW, **change}])


def test_missing_field_is_named() -> None:
    broken = {k: v for k, v in ROW.items() if k != "congestion"}
    with pytest.raises(WolkvoxRowError, match="row 0 has no field 'congestion'"):
        CAMPAIGN_8.parse_rows([broken])


def test_a_row_that_is_not_an_object() -> None:
    with pytest.raises(WolkvoxRowError, match="row 0 is a list"):
        CAMPAIGN_8.parse_rows([["03001234567", "1"]])  # type: ignore[list-item]


def test_new_api_field_is_ignored_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    newer = {**ROW, "campaign_name": "Ventas", "zz_new_field": "1"}
    for _ in range(3):
        assert CAMPAIGN_8.parse_rows([newer, newer]) == [MachineCodesRow("03001234567", 7, 1, 2, 0, 1, 3)] * 2
    warnings = [r.getMessage() for r in caplog.records if "does not know yet" in r.getMessage()]
    assert warnings == [
        "campaign_8: ignoring fields this provider does not know yet: campaign_name, zz_new_field"
    ]
