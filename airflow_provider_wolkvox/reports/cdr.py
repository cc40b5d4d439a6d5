"""The call-detail family (cdr_*): calls, SMS/WhatsApp and mail sent, call durations, Law 2300."""

from __future__ import annotations

from airflow_provider_wolkvox.reports._spec import (
    DECIMAL,
    DETAIL,
    DURATION,
    INTEGER,
    PERCENT,
    ROW_NUMBER,
    ROW_NUMBER_FIELD,
    ROW_NUMBER_NOTE,
    SHARES,
    SUM,
    TEXT,
    TIMESTAMP,
    ReportSpec,
    Shares,
    fld,
)

_DATE = fld("date", TIMESTAMP, "when it happened (API: local time of the connection's zone), UTC")
_COST = fld("cost", DECIMAL, "telephone cost")

CDR_1 = ReportSpec(
    api="cdr_1",
    title="call detail",
    family="cdr",
    grain="one row per call",
    schema=(
        ROW_NUMBER_FIELD,
        fld("agent_name", TEXT, "agent's name"),
        _DATE,
        fld("destiny", TEXT, "destination class of the call"),
        fld("telephone", TEXT, "number dialled or calling, exactly as sent"),
        _COST,
        fld("time_seg", DURATION, "duration of the call, seconds"),
        fld("time_min", DECIMAL, "duration of the call, minutes"),
        fld("cod_act", TEXT, "disposition code 1 (TIMEOUTACW when the agent ran out of coding time)"),
        fld("cod_act_2", TEXT, "disposition code 2"),
        fld("description_cod_act", TEXT, "text of disposition code 1"),
        fld("description_cod_act_2", TEXT, "text of disposition code 2"),
        fld("type_interaction", TEXT, "inbound, outbound or internal"),
    ),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    date_field="date",
    fields_complete=False,
    key_note=ROW_NUMBER_NOTE + "; the call id the vendor promises lies past the cut-off field list",
)

CDR_2 = ReportSpec(
    api="cdr_2",
    title="calls and telephone usage per agent",
    family="cdr",
    grain="one row per agent over the window",
    schema=(
        fld("calls", INTEGER, "inbound, outbound and internal calls of the agent"),
        fld("agent_name", TEXT, "agent's name"),
        _COST,
    ),
    key=("agent_name",),
    combine=SUM,
    key_note="the report names agents only by name",
)

CDR_3 = ReportSpec(
    api="cdr_3",
    title="SMS and WhatsApp detail",
    family="cdr",
    grain="one row per message sent",
    schema=(
        ROW_NUMBER_FIELD,
        fld("agent_id", TEXT, "agent who sent it"),
        fld("agent_name", TEXT, "agent's name"),
        _DATE,
        fld("destiny", TEXT, "destination class"),
        fld("telephone", TEXT, "recipient, exactly as sent"),
        fld("message", TEXT, "text sent"),
        fld("channel", TEXT, "SMS, or WhatsApp with its connector"),
        fld("customer_id", TEXT, "customer id"),
        fld("conn_id", TEXT, "id of the interaction"),
    ),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    date_field="date",
    key_note=ROW_NUMBER_NOTE + "; conn_id is not documented as unique per message",
)

CDR_4 = ReportSpec(
    api="cdr_4",
    title="duration of calls classified by time",
    family="cdr",
    grain="one row per duration band over the window",
    schema=(
        fld("interval_band", TEXT, "duration band, e.g. '0-5 sec'", source="INTERVAL"),
        fld("calls", INTEGER, "calls in the band"),
        fld("minutes", DECIMAL, "minutes of the calls in the band"),
        _COST,
        fld("percentage", PERCENT, "calls / all calls of the window * 100"),
    ),
    key=("interval_band",),
    combine=SHARES,
    shares=Shares(count="calls", percent="percentage"),
    key_note="the API's INTERVAL is an SQL word; its band boundaries differ between the API page "
    "(61-121 sec) and the UI article (61-120 sec)",
)

CDR_9 = ReportSpec(
    api="cdr_9",
    title="mailing details",
    family="cdr",
    grain="one row per email sent",
    schema=(
        ROW_NUMBER_FIELD,
        fld("channel", TEXT, "routing point (email-route-...) or campaign (campaign-...)"),
        _DATE,
        fld("mail_from", TEXT, "sender", source="from"),
        fld("mail_to", TEXT, "recipient", source="to"),
        fld("subject", TEXT, "subject"),
        fld("body", TEXT, "body"),
    ),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    date_field="date",
    key_note=ROW_NUMBER_NOTE,
    note="the page lists code, error and msg among the fields: they are the answer's envelope",
)

CDR_10 = ReportSpec(
    api="cdr_10",
    title="customers released by Law 2300",
    family="cdr",
    grain="one row per customer released (assumed)",
    schema=(
        ROW_NUMBER_FIELD,
        fld("protected_nit", TEXT, "tax id of the company"),
        fld("agent_id", TEXT, "agent (extension)"),
        fld("agent_name", TEXT, "agent's name"),
    ),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    fields_complete=False,
    key_note=ROW_NUMBER_NOTE,
    note="page titled '11.'; its field list is cut off before any date, so rows belong to the "
    "request window they were asked for",
)

REPORTS = (CDR_1, CDR_2, CDR_3, CDR_4, CDR_9, CDR_10)
