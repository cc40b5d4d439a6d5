"""The quality family (quality_*): evaluations of agents, per attribute and per analyst."""

from __future__ import annotations

from airflow_provider_wolkvox.reports._spec import (
    DETAIL,
    INTEGER,
    PER_REQUEST,
    PERCENT,
    ROW_NUMBER,
    ROW_NUMBER_FIELD,
    ROW_NUMBER_NOTE,
    TEXT,
    TIMESTAMP,
    ReportSpec,
    fld,
)

_DATE = fld("date", TIMESTAMP, "when the evaluation was made (API: local time of the connection's zone), UTC")
_WHO = (
    fld("conn_id", TEXT, "id of the call evaluated"),
    fld("agent_id", TEXT, "agent's id"),
    fld("agent_name", TEXT, "agent's name"),
)

QUALITY_2 = ReportSpec(
    api="quality_2",
    title="evaluation results by agent",
    family="quality",
    grain="one row per evaluation",
    schema=(
        ROW_NUMBER_FIELD,
        *_WHO,
        fld("comments", TEXT, "analyst's comments"),
        fld("precision_unit_critical_error", PERCENT, "precision on critical errors"),
        fld("precision_opportunity_error", PERCENT, "precision on non-critical errors"),
        fld("accuracy", PERCENT, "accuracy"),
        _DATE,
    ),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    date_field="date",
    fields_complete=False,
    key_note=ROW_NUMBER_NOTE + "; a call may be evaluated more than once",
)

QUALITY_3 = ReportSpec(
    api="quality_3",
    title="evaluation details by attribute",
    family="quality",
    grain="one row per attribute of an evaluation",
    schema=(
        ROW_NUMBER_FIELD,
        *_WHO,
        fld("attribute", TEXT, "attribute evaluated"),
        fld("type_error", TEXT, "critical or non-critical"),
        fld("yes_no", TEXT, "whether the attribute was met", source="yes/no"),
        _DATE,
        fld("survey", TEXT, "evaluation template"),
    ),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    date_field="date",
    fields_complete=False,
    key_note=ROW_NUMBER_NOTE,
)

QUALITY_4 = ReportSpec(
    api="quality_4",
    title="attribute compliance",
    family="quality",
    grain="one row per attribute over the window",
    schema=(
        fld("attribute", TEXT, "attribute evaluated"),
        fld("yes", INTEGER, "evaluations that met it"),
        fld("no", INTEGER, "evaluations that did not"),
        fld("percent", PERCENT, "compliance, %"),
        fld("survey", TEXT, "evaluation template"),
        fld("category", TEXT, "category of the attribute"),
    ),
    key=("survey", "category", "attribute"),
    combine=PER_REQUEST,
    key_note="how percent follows from yes and no is not documented, so it is not recomputed: rows "
    "are kept per request window",
)

QUALITY_5 = ReportSpec(
    api="quality_5",
    title="results by quality analyst",
    family="quality",
    grain="one row per quality analyst over the window",
    schema=(
        fld("quality_analyst", TEXT, "analyst"),
        fld("evaluations", INTEGER, "evaluations made"),
        fld("precision_unit_critical_error", PERCENT, "average precision on critical errors"),
        fld("precision_opportunity_critical_error", PERCENT, "average precision on non-critical errors"),
        fld("accuracy", PERCENT, "average accuracy"),
    ),
    key=("quality_analyst",),
    combine=PER_REQUEST,
    key_note="averages do not add up over windows: rows are kept per request window",
)

REPORTS = (QUALITY_2, QUALITY_3, QUALITY_4, QUALITY_5)
