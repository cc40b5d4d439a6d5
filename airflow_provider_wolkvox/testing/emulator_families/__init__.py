"""Every report the emulator serves, as data: ``api -> Report(required, accepts_all, rows)``.

One module per family turns the emulated operation (:mod:`..emulator_operation`,
:mod:`..emulator_channels` and the campaign dial events) into the rows of its
reports, with the API's field names, every value a string. The request handling in
:mod:`..emulator` is generic: it checks a report's required parameters, then calls
its ``rows`` with a :class:`Context` for the request window.
"""

from __future__ import annotations

from airflow_provider_wolkvox.testing.emulator_families import (
    act,
    agent,
    campaign,
    cdr,
    chat,
    diagram,
    quality,
    skill,
    speech,
)
from airflow_provider_wolkvox.testing.emulator_families.base import Context, Raw, Report

REPORTS: dict[str, Report] = {
    report.api: report
    for family in (cdr, agent, skill, campaign, chat, diagram, act, quality, speech)
    for report in family.REPORTS
}
"""Every report the emulator serves, by ``api``."""

__all__ = ["REPORTS", "Context", "Raw", "Report"]
