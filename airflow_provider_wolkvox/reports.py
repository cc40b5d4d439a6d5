"""Report specs: what a report's rows look like, and how to type them.

A report is data, not a class: adding another report means adding a spec here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, NamedTuple

from airflow_provider_wolkvox._gc import paused as gc_paused
from airflow_provider_wolkvox.exceptions import WolkvoxRowError

log = logging.getLogger(__name__)

_warned_unknown: set[tuple[str, str]] = set()
"""(api, field) pairs already logged as ignored: once per process, not once per answer."""


class MachineCodesRow(NamedTuple):
    """One campaign_8 row: machine-code counts of one telephone over one window."""

    telephone: str
    total_machine_recognitions: int
    no_answer: int
    answer_machine: int
    busy: int
    congestion: int
    failed: int


@dataclass(frozen=True)
class ReportSpec:
    """How to request and type one Reports Manager report.

    Rows are keyed by ``key_field`` (text, kept exactly as sent) and carry
    ``count_fields`` (integers). Counts over disjoint windows add up, so rows
    of sub-windows combine by summing per key.
    """

    api: str
    key_field: str
    count_fields: tuple[str, ...]
    default_table: str

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.key_field, *self.count_fields)

    def parse_rows(self, raw_rows: Iterable[Mapping[str, Any]]) -> list[MachineCodesRow]:
        """Type the API's all-string rows; raise :class:`WolkvoxRowError` naming the bad field."""
        fields = self.fields
        expected = set(fields)
        # The same values as MachineCodesRow(str(raw[key]), int(raw[count]), ...), about twice as fast:
        # one C-level lookup of every field, and tuple.__new__ instead of the namedtuple's __new__.
        values_of = itemgetter(*fields)
        new_row = tuple.__new__
        parsed: list[MachineCodesRow] = []
        append = parsed.append
        checked = False
        try:
            with gc_paused():
                for raw in raw_rows:
                    t, a, b, c, d, e, f = values_of(raw)
                    append(new_row(MachineCodesRow, (str(t), int(a), int(b), int(c), int(d), int(e), int(f))))
                    if not checked:
                        checked = True
                        self._log_unknown_fields(raw, expected)
        except (KeyError, ValueError, TypeError) as err:
            raise self._row_error(raw, len(parsed)) from err  # the loop variable names the culprit
        return parsed

    def _log_unknown_fields(self, raw: Mapping[str, Any], expected: set[str]) -> None:
        new = sorted(f for f in set(raw) - expected if (self.api, f) not in _warned_unknown)
        if new:
            _warned_unknown.update((self.api, f) for f in new)
            log.warning("%s: ignoring fields this provider does not know yet: %s", self.api, ", ".join(new))

    def _row_error(self, raw: Any, index: int) -> WolkvoxRowError:
        if not isinstance(raw, Mapping):
            return WolkvoxRowError(
                f"{self.api}: row {index} is a {type(raw).__name__}, not an object; "
                "the API changed its answer format"
            )
        for name in self.fields:
            if name not in raw:
                return WolkvoxRowError(f"{self.api}: row {index} has no field {name!r}")
        for name in self.count_fields:
            value = raw[name]
            try:
                int(value)
            except (TypeError, ValueError):
                return WolkvoxRowError(
                    f"{self.api}: row {index} field {name!r} is {value!r}, not an integer count"
                )
        return WolkvoxRowError(f"{self.api}: row {index} does not parse")


CAMPAIGN_8 = ReportSpec(
    api="campaign_8",
    key_field="telephone",
    count_fields=MachineCodesRow._fields[1:],
    default_table="wolkvox_machine_codes",
)

REPORTS: dict[str, ReportSpec] = {spec.api: spec for spec in (CAMPAIGN_8,)}
