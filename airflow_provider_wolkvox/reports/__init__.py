"""Report specs: every Reports Manager report as data (see :mod:`._spec` for the rules).

``REPORTS`` maps the API name to its spec; :func:`report` looks one up. One module per family
holds the specs; :mod:`._spec` the types, parsing and combine rules they share.
"""

from __future__ import annotations

from airflow_provider_wolkvox.exceptions import WolkvoxConfigError
from airflow_provider_wolkvox.reports import (
    act,
    agent,
    campaign,
    cdr,
    chat,
    diagram,
    quality,
    skill,
    speech,
    wizard,
)
from airflow_provider_wolkvox.reports._combine import combine_windows
from airflow_provider_wolkvox.reports._spec import (
    ADDITIVE,
    CENT,
    DATE,
    DECIMAL,
    DETAIL,
    DURATION,
    FIELD_TYPES,
    INTEGER,
    PER_REQUEST,
    PERCENT,
    ROW_NUMBER,
    SHARES,
    SUM,
    TEXT,
    TIMESTAMP,
    Combine,
    Field,
    FieldType,
    MachineCodesRow,
    Param,
    ReportSpec,
    Row,
    Shares,
    Table,
    parse_date,
    parse_decimal,
    parse_duration,
    parse_local_time,
    parse_percent,
    share,
)
from airflow_provider_wolkvox.reports.campaign import (
    CAMPAIGN_1,
    CAMPAIGN_2,
    CAMPAIGN_3,
    CAMPAIGN_4,
    CAMPAIGN_5,
    CAMPAIGN_6,
    CAMPAIGN_7,
    CAMPAIGN_8,
    CAMPAIGN_9,
    CAMPAIGN_10,
)

__all__ = [
    "ADDITIVE",
    "CAMPAIGN_1",
    "CAMPAIGN_2",
    "CAMPAIGN_3",
    "CAMPAIGN_4",
    "CAMPAIGN_5",
    "CAMPAIGN_6",
    "CAMPAIGN_7",
    "CAMPAIGN_8",
    "CAMPAIGN_9",
    "CAMPAIGN_10",
    "CAMPAIGN_REPORTS",
    "CENT",
    "DATE",
    "DECIMAL",
    "DETAIL",
    "DURATION",
    "FAMILIES",
    "FIELD_TYPES",
    "INTEGER",
    "PERCENT",
    "PER_REQUEST",
    "REPORTS",
    "ROW_NUMBER",
    "SHARES",
    "SUM",
    "TEXT",
    "TIMESTAMP",
    "Combine",
    "Field",
    "FieldType",
    "MachineCodesRow",
    "Param",
    "ReportSpec",
    "Row",
    "Shares",
    "Table",
    "combine_windows",
    "parse_date",
    "parse_decimal",
    "parse_duration",
    "parse_local_time",
    "parse_percent",
    "report",
    "share",
]

FAMILIES: dict[str, tuple[ReportSpec, ...]] = {
    module.__name__.rsplit(".", 1)[1]: module.REPORTS
    for module in (campaign, cdr, agent, skill, chat, diagram, act, quality, speech, wizard)
}
"""The specs of each family, in the catalogue's order."""

REPORTS: dict[str, ReportSpec] = {spec.api: spec for specs in FAMILIES.values() for spec in specs}
"""Every report this provider can fetch, by API name."""


def report(api: str) -> ReportSpec:
    """The spec of ``api``; raise :class:`~airflow_provider_wolkvox.exceptions.WolkvoxConfigError` naming
    the known reports otherwise."""
    try:
        return REPORTS[api]
    except (KeyError, TypeError):
        raise WolkvoxConfigError(
            f"unknown report {api!r}: this provider knows {', '.join(REPORTS)}"
        ) from None


CAMPAIGN_REPORTS: dict[str, ReportSpec] = {spec.api: spec for spec in campaign.REPORTS}
"""The campaign family: the reports every layer (emulator, SQL sinks, operators) serves today."""
