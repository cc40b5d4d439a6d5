"""The activity-code family (act_*): calls by disposition code."""

from __future__ import annotations

from airflow_provider_wolkvox.reports._spec import (
    DETAIL,
    INTEGER,
    PER_REQUEST,
    ROW_NUMBER,
    ROW_NUMBER_FIELD,
    ROW_NUMBER_NOTE,
    TEXT,
    TIMESTAMP,
    Param,
    ReportSpec,
    fld,
)

ACT_3 = ReportSpec(
    api="act_3",
    title="type code detail",
    family="act",
    params=(Param("cod_act", description="the disposition code (in the page's URL only)"),),
    grain="one row per call with a disposition code",
    schema=(
        ROW_NUMBER_FIELD,
        fld("conn_id", TEXT, "id of the call"),
        fld("agent_id", TEXT, "agent's id"),
        fld("agent_name", TEXT, "agent's name"),
        fld("agent_dni", TEXT, "agent's national id"),
        fld("skill_id", TEXT, "skill (service) id"),
        fld("date", TIMESTAMP, "when it happened (API: local time of the connection's zone), UTC"),
        fld("cod_act", TEXT, "disposition code"),
    ),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    date_field="date",
    fields_complete=False,
    key_note=ROW_NUMBER_NOTE + "; a call may carry two codes",
    note="cod_act is in the page's URL but not in its request table: this provider requires it",
)

ACT_5 = ReportSpec(
    api="act_5",
    title="disposition codes grouped by code",
    family="act",
    params=(Param("cod_act", description="the code group: cod_act1 or cod_act2"),),
    grain="one row per disposition code over the window",
    schema=(
        fld("count", INTEGER, "times the code was used"),
        fld("cod_act", TEXT, "disposition code (may be TIMEOUTACW)"),
    ),
    key=("cod_act",),
    combine=PER_REQUEST,
    fields_complete=False,
    key_note="the field list is cut off (a percentage likely follows, as in diagram_14), so it "
    "cannot be proven additive: rows are kept per request window",
)

REPORTS = (ACT_3, ACT_5)
