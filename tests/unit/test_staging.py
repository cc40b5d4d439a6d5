"""Staging: request windows summed per telephone in SQLite, or kept in memory when one is all."""

from __future__ import annotations

import json
import sqlite3

from airflow_provider_wolkvox.client.decoding import PlainRows, read_rows
from airflow_provider_wolkvox.reports import CAMPAIGN_8, MachineCodesRow
from airflow_provider_wolkvox.staging.store import Staging


def decoded(*rows: tuple[str, int]) -> list[MachineCodesRow]:
    """An API answer of ``(telephone, busy)`` rows, read the way the hook reads it."""
    data = [
        {"telephone": t, "total_machine_recognitions": str(n), "no_answer": "0", "answer_machine": "0",
         "busy": str(n), "congestion": "0", "failed": "0"}
        for t, n in rows
    ]  # fmt: skip
    body = json.dumps({"code": 200, "error": None, "msg": "x", "data": data}).encode()
    return read_rows(CAMPAIGN_8, 200, body, conn_id="c", tz="UTC")  # type: ignore[return-value]


def in_file(staging: Staging) -> int:
    with sqlite3.connect(staging.path) as db:
        return int(db.execute("SELECT count(*) FROM staged").fetchone()[0])


def test_a_sorted_decoded_window_stays_in_memory_and_comes_back_as_it_was() -> None:
    window = decoded(("+573001", 1), ("+573002", 2), ("03001", 3))
    assert isinstance(window, PlainRows)
    with Staging() as staging:
        staging.add(window)
        assert in_file(staging) == 0
        assert list(staging.rows()) == window
        assert len(staging) == 3


def test_an_unsorted_or_repeated_window_goes_through_the_file() -> None:
    with Staging() as staging:
        staging.add(decoded(("+573002", 2), ("+573001", 1), ("+573002", 5)))
        assert in_file(staging) == 2
        assert [(r.telephone, r.busy) for r in staging.rows()] == [("+573001", 1), ("+573002", 7)]


def test_a_second_window_sums_with_the_first_per_telephone() -> None:
    with Staging() as staging:
        staging.add(decoded(("+573001", 1), ("+573002", 2)))
        staging.add(decoded(("+573002", 3), ("+573003", 4)))
        assert [(r.telephone, r.busy, r.total_machine_recognitions) for r in staging.rows()] == [
            ("+573001", 1, 1),
            ("+573002", 5, 5),
            ("+573003", 4, 4),
        ]


def test_a_window_announced_with_more_is_written_at_once_and_the_last_is_merged_from_memory() -> None:
    with Staging() as staging:
        staging.add(decoded(("+573001", 1), ("+573003", 2)), more=True)
        assert in_file(staging) == 2
        staging.add(decoded(("+573000", 5), ("+573003", 3), ("+573004", 4)))
        assert in_file(staging) == 2, "the last window is not written"
        assert [(r.telephone, r.busy, r.failed) for r in staging.rows()] == [
            ("+573000", 5, 0),
            ("+573001", 1, 0),
            ("+573003", 5, 0),
            ("+573004", 4, 0),
        ]
        assert all(type(r) is MachineCodesRow for r in staging.rows())
        assert (len(staging), staging.rows_added) == (4, 5)


def test_a_window_after_the_one_kept_in_memory_writes_it_first() -> None:
    with Staging() as staging:
        for window in (
            decoded(("+573001", 1), ("+573002", 2)),
            decoded(("+573002", 3), ("+573003", 4)),
            decoded(("+573001", 10), ("+573003", 20)),
        ):
            staging.add(window)
        assert in_file(staging) == 3, "the first two windows, summed; the third is in memory"
        summed = [(r.telephone, r.busy) for r in staging.rows()]
        assert summed == [("+573001", 11), ("+573002", 5), ("+573003", 24)]
        assert len(staging) == 3


def test_rows_of_another_kind_are_checked_value_by_value() -> None:
    plain = [MachineCodesRow("+573001", 1, 0, 0, True, 0, 0)]  # a bool count: stored as 1
    with Staging() as staging:
        staging.add(plain)
        assert in_file(staging) == 1
        assert [type(v) for v in next(staging.rows())] == [str] + [int] * 6
