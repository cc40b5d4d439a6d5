"""What a family module needs: the registry entry, the request context, small formatters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from airflow_provider_wolkvox.testing.emulator_channels import Channels
    from airflow_provider_wolkvox.testing.emulator_data import Span
    from airflow_provider_wolkvox.testing.emulator_operation import Operation, Window
    from airflow_provider_wolkvox.testing.emulator_reports import ReportData

Raw = dict[str, str]
"""One row as the API sends it: every value a string."""


@dataclass(frozen=True)
class Context:
    """One request: the operation, the window's instants and the report's own parameters."""

    op: Operation
    campaigns: ReportData
    channels: Channels
    window: Window
    spans: list[Span]
    params: Mapping[str, str]

    def stamp(self, moment: int) -> str:
        """A date-time as the API writes it: local ``YYYY-mm-dd HH:MM:SS``."""
        return self.campaigns.local(moment)

    def day(self, moment: int) -> str:
        return self.stamp(moment)[:10]

    def hour(self, moment: int) -> int:
        return int(self.stamp(moment)[11:13])


class Report(NamedTuple):
    api: str
    required: tuple[str, ...]
    """Parameters beyond date_ini/date_end: missing or empty -> 400 SOME PARAMETERS ARE REQUIRED."""
    accepts_all: tuple[str, ...]
    """Of ``required``, those that take digits or ``all`` (anything else -> 400)."""
    rows: Callable[[Context], list[Raw]]
    date_field: str | None
    """Detail rows: the field with each row's own date, by which it belongs to a window.
    None: aggregates over exactly the requested window."""
    optional: tuple[str, ...] = ()
    """Filters that may be left out (or empty): then every agent, customer..."""


def minutes(seconds: int) -> str:
    """Seconds as minutes with 2 decimals, rounded half up."""
    return str((Decimal(seconds) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def average(total: int, count: int) -> str:
    """An average of whole seconds (0 when nothing was counted), rounded half up."""
    return str((total * 2 + count) // (count * 2)) if count else "0"


def describe(code: str) -> str:
    """``"01 VENTA"`` -> ``"Venta"``: the activity code's text."""
    return code.split(" ", 1)[-1].capitalize() if code else ""


class BadParameter(ValueError):
    """A parameter value the report does not take: the API answers 400 SOME PARAMETERS ARE REQUIRED."""
