"""The diagram family (diagram_*): IVR navigation, routing points, chatbots and surveys."""

from __future__ import annotations

from airflow_provider_wolkvox.reports._spec import (
    DATE,
    DECIMAL,
    DETAIL,
    DURATION,
    INTEGER,
    PER_REQUEST,
    PERCENT,
    ROW_NUMBER,
    ROW_NUMBER_FIELD,
    ROW_NUMBER_NOTE,
    SHARES,
    SUM,
    TEXT,
    TIMESTAMP,
    Param,
    ReportSpec,
    Shares,
    fld,
)

_DATE = fld("date", TIMESTAMP, "when it happened (API: local time of the connection's zone), UTC")
_RP = fld("rp_id", TEXT, "routing point id")
_CONN = fld("conn_id", TEXT, "id of the call or chat")
_ANI = fld("ani", TEXT, "calling number, exactly as sent")
_CUSTOMER = fld("customer_id", TEXT, "customer id")
_IVR_COUNTS = (
    fld("calls", INTEGER, "calls through the IVR"),
    fld("ivr_minutes", DECIMAL, "minutes in the IVR"),
)

DIAGRAM_1 = ReportSpec(
    api="diagram_1",
    title="IVR call detail",
    family="diagram",
    params=(Param("customer_id", description="the customer"),),
    grain="one row per IVR step of a call",
    schema=(
        ROW_NUMBER_FIELD,
        _RP,
        fld("rp_name", TEXT, "routing point name"),
        fld("cod_opc_menu", TEXT, "option pressed (PULSE: no key)"),
        fld("dn_transfer", TEXT, "where the call was transferred"),
        _DATE,
        fld("result", TEXT, "ok or hung up"),
        _ANI,
        fld("time", DURATION, "seconds in the IVR"),
        _CUSTOMER,
        _CONN,
    ),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    date_field="date",
    key_note=ROW_NUMBER_NOTE + "; a call may pass several menus",
)

DIAGRAM_1_1 = ReportSpec(
    api="diagram_1_1",
    title="IVR calls and minutes per day",
    family="diagram",
    grain="one row per day",
    schema=(fld("day", DATE, "the day of the operation"), *_IVR_COUNTS),
    key=("day",),
    combine=SUM,
    key_note="calls and minutes of a day split across request windows add up",
)

DIAGRAM_1_2 = ReportSpec(
    api="diagram_1_2",
    title="IVR calls and minutes per hour",
    family="diagram",
    grain="one row per day and hour",
    schema=(fld("date", TEXT, "day and hour, as sent (YYYY-MM-DD-HH or YYYYMMDDHH)"), *_IVR_COUNTS),
    key=("date",),
    combine=SUM,
    key_note="the hour's text is kept as sent (two formats are documented); calls and minutes of "
    "an hour split across request windows add up",
)

DIAGRAM_3 = ReportSpec(
    api="diagram_3",
    title="intelligent standby detail",
    family="diagram",
    grain="one row per call that used intelligent standby",
    schema=(
        ROW_NUMBER_FIELD,
        fld("skill_id", TEXT, "skill (service) id"),
        fld("date_inbound_call", TIMESTAMP, "when the call came in, UTC"),
        fld("date_last_outbound_call", TIMESTAMP, "last call back, UTC", nullable=True),
        fld("status", TEXT, "ok, fail or no"),
        fld("attempts", INTEGER, "call-back attempts"),
        _ANI,
    ),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    date_field="date_inbound_call",
    fields_complete=False,
    key_note=ROW_NUMBER_NOTE,
)

DIAGRAM_4 = ReportSpec(
    api="diagram_4",
    title="smart survey details",
    family="diagram",
    grain="one row per survey answered",
    schema=(
        ROW_NUMBER_FIELD,
        fld("agent_id", TEXT, "agent's id"),
        fld("agent_name", TEXT, "agent's name"),
        fld("agent_dni", TEXT, "agent's national id"),
        fld("skill_id", TEXT, "skill (service) id"),
        fld("skill_name", TEXT, "skill (service) name"),
        _DATE,
        _CONN,
        _ANI,
        _CUSTOMER,
    ),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    date_field="date",
    fields_complete=False,
    key_note=ROW_NUMBER_NOTE,
    note="one column per question (q1, q2, ...) follows: kept by schema on read, typed by their values",
)

DIAGRAM_5 = ReportSpec(
    api="diagram_5",
    title="intelligent survey per agent",
    family="diagram",
    grain="one row per agent over the window",
    schema=(fld("agent_id", TEXT, "agent's id"), fld("agent_name", TEXT, "agent's name")),
    key=("agent_id",),
    combine=PER_REQUEST,
    fields_complete=False,
    key_note="survey averages do not add up over windows: rows are kept per request window",
)

DIAGRAM_9 = ReportSpec(
    api="diagram_9",
    title="routing and chatbot interactions",
    family="diagram",
    grain="one row per routing-point or chatbot interaction",
    schema=(
        ROW_NUMBER_FIELD,
        fld("session_id", TEXT, "session id"),
        fld("channel", TEXT, "channel"),
        _RP,
        _DATE,
        fld("customer_name", TEXT, "customer's name"),
        fld("customer_email", TEXT, "customer's email"),
        fld("customer_phone", TEXT, "customer's telephone, exactly as sent"),
        fld("customer_query", TEXT, "what the customer asked"),
        fld("routing_answer", TEXT, "what the bot answered (may be a transfer to a skill)"),
        _CUSTOMER,
    ),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    date_field="date",
    fields_complete=False,
    key_note=ROW_NUMBER_NOTE,
)

DIAGRAM_11 = ReportSpec(
    api="diagram_11",
    title="IVR calls transferred to an agent",
    family="diagram",
    grain="one row per IVR call transferred to a skill",
    schema=(
        ROW_NUMBER_FIELD,
        _CONN,
        fld("time_on_rp", DURATION, "seconds in the IVR"),
        fld("end_date_rp", TIMESTAMP, "end of the IVR part, UTC (the page says start)"),
        _RP,
        _ANI,
        _CUSTOMER,
        fld("time_on_skill", DURATION, "seconds in the skill"),
        fld("skill_id", TEXT, "skill (service) id"),
    ),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    date_field="end_date_rp",
    fields_complete=False,
    key_note=ROW_NUMBER_NOTE,
)

DIAGRAM_13 = ReportSpec(
    api="diagram_13",
    title="menu option hits",
    family="diagram",
    grain="one row per hit of a final menu option",
    schema=(
        ROW_NUMBER_FIELD,
        _RP,
        _CONN,
        _CUSTOMER,
        fld("channel", TEXT, "voice, chat-web, chat-whatsapp, ..."),
        fld("telephone", TEXT, "telephone, exactly as sent"),
        fld("attempt", INTEGER, "attempt"),
        _DATE,
        fld("second_event", TEXT, "second of the interaction when the option was hit, as sent"),
        fld("cod_opc_menu", TEXT, "menu option"),
    ),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    date_field="date",
    key_note=ROW_NUMBER_NOTE,
)

DIAGRAM_14 = ReportSpec(
    api="diagram_14",
    title="menu options grouped by code",
    family="diagram",
    grain="one row per activity code over the window",
    schema=(
        fld("cod_act", TEXT, "activity code set in the flow"),
        fld("description_cod_act", TEXT, "text of the code", attribute=True),
        fld("count", INTEGER, "times the code was set"),
        fld("percent", PERCENT, "count / all counts of the window * 100"),
    ),
    key=("cod_act",),
    combine=SHARES,
    shares=Shares(count="count", percent="percent"),
)

REPORTS = (
    DIAGRAM_1,
    DIAGRAM_1_1,
    DIAGRAM_1_2,
    DIAGRAM_3,
    DIAGRAM_4,
    DIAGRAM_5,
    DIAGRAM_9,
    DIAGRAM_11,
    DIAGRAM_13,
    DIAGRAM_14,
)
