"""The combine rules in memory: what the rows of several request windows make together.

The reference for the staging layer (which does the same on disk for long intervals) and the
place the rules are tested as pure data: sums per key, shares recomputed from the sums,
detail rows concatenated with repeated keys refused, and non-additive aggregates never combined.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow_provider_wolkvox.exceptions import WolkvoxRowError
from airflow_provider_wolkvox.reports._spec import DETAIL, SHARES, SUM, ReportSpec, Row, share


def combine_windows(spec: ReportSpec, windows: Sequence[Sequence[Row]]) -> list[Row]:
    """The rows one unlimited request over the windows together would give, in first-seen key order.

    Raises :class:`ValueError` for reports kept per request window (``per_request``, and detail
    rows numbered by ``answer_row``): their windows are stored side by side, never combined.
    Raises :class:`WolkvoxRowError` naming the key when a detail report repeats one.
    """
    if spec.keyed_by_request_window:
        raise ValueError(
            f"{spec.api}: rows are kept per request window ({spec.combine}), never combined into one"
        )
    at = [spec.fields.index(name) for name in spec.key]
    if spec.combine == DETAIL:
        return _concatenated(spec, windows, at)
    assert spec.combine in (SUM, SHARES)
    merged = _summed(spec, windows, at)
    if spec.shares is not None:
        count = spec.fields.index(spec.shares.count)
        percent = spec.fields.index(spec.shares.percent)
        total = sum(values[count] for values in merged)
        for values in merged:
            values[percent] = share(values[count], total)
    if spec.row_type is not None:
        return [spec.row_type(*values) for values in merged]
    return [tuple(values) for values in merged]


def _concatenated(spec: ReportSpec, windows: Sequence[Sequence[Row]], at: list[int]) -> list[Row]:
    seen: set[tuple[Any, ...]] = set()
    out: list[Row] = []
    for row in (row for window in windows for row in window):
        key = tuple(row[i] for i in at)
        if key in seen:
            named = ", ".join(f"{n}={v!r}" for n, v in zip(spec.key, key, strict=True))
            raise WolkvoxRowError(f"{spec.api}: two rows with the same key ({named})")
        seen.add(key)
        out.append(tuple(row))
    return out


def _summed(spec: ReportSpec, windows: Sequence[Sequence[Row]], at: list[int]) -> list[list[Any]]:
    """Rows per key: additive fields summed, attributes kept from the first window that has them."""
    width = len(spec.fields)
    summed = [spec.fields.index(name) for name in spec.additive_fields]
    attributes = [spec.fields.index(name) for name in spec.attribute_fields]
    merged: dict[tuple[Any, ...], list[Any]] = {}
    for row in (row for window in windows for row in window):
        if len(row) != width:
            raise ValueError(f"{spec.api}: a summed row has {len(row)} values, the spec {width}")
        key = tuple(row[i] for i in at)
        current = merged.get(key)
        if current is None:
            merged[key] = list(row)
            continue
        for i in summed:
            current[i] += row[i]
        for i in attributes:
            if current[i] is None:
                current[i] = row[i]
    return list(merged.values())
