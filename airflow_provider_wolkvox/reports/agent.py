"""The agent family (agent_*): state times, sessions, events, transfers and conferences.

Most agent aggregates come with field lists the vendor's pages cut off, and the cut-off part holds
averages (AHT, occupancy) and first/last login times: they are kept per request window.
"""

from __future__ import annotations

from airflow_provider_wolkvox.reports._spec import (
    DATE,
    DETAIL,
    DURATION,
    INTEGER,
    PER_REQUEST,
    ROW_NUMBER,
    ROW_NUMBER_FIELD,
    ROW_NUMBER_NOTE,
    SUM,
    TEXT,
    TIMESTAMP,
    Field,
    Param,
    ReportSpec,
    fld,
)

AGENT_DNI = Param(
    "agent_dni",
    required=False,
    description="the agent's national id; public client code leaves it out and gets every agent",
)
_ID = fld("agent_id", TEXT, "agent's id (extension)")
_DNI = fld("agent_dni", TEXT, "agent's national id")
_NAME = fld("agent_name", TEXT, "agent's name")
_HOUR = fld("hour", TEXT, "hour of the day, 0-23 as sent (military time)")
_CALLS: tuple[Field, ...] = (
    fld("calls", INTEGER, "inbound, outbound and internal calls"),
    fld("inbound", INTEGER, "inbound calls"),
    fld("outbound", INTEGER, "outbound calls"),
    fld("internal", INTEGER, "internal calls"),
    fld("ready_time", DURATION, "seconds ready"),
    fld("inbound_time", DURATION, "seconds on inbound calls"),
)
_OUTBOUND_TIME = fld("outbound_time", DURATION, "seconds on outbound calls")
_PER_REQUEST_NOTE = (
    "the field list is cut off in the vendor's pages and its description promises averages (AHT, "
    "occupancy) or login times, which do not add up: rows are kept per request window"
)
_EVENT: tuple[Field, ...] = (
    fld("time", DURATION, "seconds in the state"),
    fld("date_ini", TIMESTAMP, "start of the state, UTC"),
    fld("date_end", TIMESTAMP, "end of the state, UTC"),
    fld("conn_id", TEXT, "id of the interaction"),
    fld("type_interaction", TEXT, "kind of interaction"),
)

AGENT_1 = ReportSpec(
    api="agent_1",
    title="agent time by state",
    family="agent",
    grain="one row per agent over the window",
    schema=(_ID, _DNI, _NAME, *_CALLS, _OUTBOUND_TIME),
    key=("agent_id",),
    combine=PER_REQUEST,
    fields_complete=False,
    key_note=_PER_REQUEST_NOTE,
)

AGENT_2 = ReportSpec(
    api="agent_2",
    title="events of one agent",
    family="agent",
    params=(Param("agent_id", description="the agent's code"),),
    grain="one row per state or event of the agent",
    schema=(
        ROW_NUMBER_FIELD,
        _ID,
        fld("agent_status", TEXT, "state (auxiliary state)"),
        *_EVENT,
        fld("destiny", TEXT, "destination class"),
        fld("telephone", TEXT, "telephone or mail, depending on the channel"),
    ),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    date_field="date_ini",
    fields_complete=False,
    key_note=ROW_NUMBER_NOTE,
)

AGENT_3 = ReportSpec(
    api="agent_3",
    title="auxiliary time per agent",
    family="agent",
    grain="one row per agent and auxiliary state over the window",
    schema=(
        _ID,
        fld("agent_dni", TEXT, "agent's national id", attribute=True),
        fld("agent_name", TEXT, "agent's name", attribute=True),
        fld("aux_state", TEXT, "auxiliary state"),
        fld("time", DURATION, "seconds in the state"),
    ),
    key=("agent_id", "aux_state"),
    combine=SUM,
)

AGENT_4 = ReportSpec(
    api="agent_4",
    title="agent states per campaign",
    family="agent",
    grain="one row per agent over the window",
    schema=(_ID, _NAME, *_CALLS, _OUTBOUND_TIME),
    key=("agent_id",),
    combine=PER_REQUEST,
    fields_complete=False,
    key_note=_PER_REQUEST_NOTE,
    note="titled 'per campaign', but no campaign parameter is documented",
)

AGENT_5 = ReportSpec(
    api="agent_5",
    title="states per hour and agent",
    family="agent",
    grain="one row per agent and hour of the day over the window",
    schema=(_NAME, _ID, _HOUR, *_CALLS),
    key=("agent_id", "hour"),
    combine=PER_REQUEST,
    fields_complete=False,
    key_note=_PER_REQUEST_NOTE + "; the hour is of the day, so a window of several days folds them together",
    note="api name inferred: the URL line of the stored page is empty",
)

AGENT_6 = ReportSpec(
    api="agent_6",
    title="states per hour",
    family="agent",
    grain="one row per hour of the day over the window",
    schema=(_HOUR, *_CALLS),
    key=("hour",),
    combine=PER_REQUEST,
    fields_complete=False,
    key_note=_PER_REQUEST_NOTE,
    note="the UI article shows the time columns as hh:mm:ss: the duration type reads both",
)

AGENT_7 = ReportSpec(
    api="agent_7",
    title="login and logout time",
    family="agent",
    params=(AGENT_DNI,),
    grain="one row per session (login to logout)",
    schema=(
        _NAME,
        _ID,
        _DNI,
        fld("date", DATE, "day of the session"),
        fld("login", TIMESTAMP, "login, UTC"),
        fld("logout", TIMESTAMP, "logout, UTC; NULL while still logged in", nullable=True),
        fld("login_time", DURATION, "seconds connected"),
    ),
    key=("agent_id", "login"),
    combine=DETAIL,
    date_field="login",
    key_note="an agent logs in once at a time",
)

AGENT_8_1 = ReportSpec(
    api="agent_8_1",
    title="agent states for 30 minutes",
    family="agent",
    grain="one row per agent, day and 30-minute slot",
    schema=(
        _NAME,
        _ID,
        _DNI,
        fld("date", DATE, "day of the slot"),
        fld("hour", TEXT, "30-minute slot, as sent"),
        fld("calls", INTEGER, "inbound, outbound and internal calls"),
        fld("inbound", INTEGER, "inbound calls"),
    ),
    key=("agent_id", "date", "hour"),
    combine=PER_REQUEST,
    fields_complete=False,
    key_note=_PER_REQUEST_NOTE,
)

AGENT_12 = ReportSpec(
    api="agent_12",
    title="conferences and agent transfers",
    family="agent",
    grain="one row per agent over the window",
    schema=(_NAME, _ID, fld("transfer_calls", INTEGER, "calls turned into transfers or conferences")),
    key=("agent_id",),
    combine=PER_REQUEST,
    fields_complete=False,
    key_note="the field list is cut off in the vendor's pages, so its other fields cannot be "
    "proven additive: rows are kept per request window",
)

AGENT_13 = ReportSpec(
    api="agent_13",
    title="transfers and conferences, call by call",
    family="agent",
    grain="one row per transfer or conference",
    schema=(
        ROW_NUMBER_FIELD,
        _NAME,
        _ID,
        fld("conn_id", TEXT, "id of the call"),
        fld("date", TIMESTAMP, "when it happened (API: local time of the connection's zone), UTC"),
    ),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    date_field="date",
    fields_complete=False,
    key_note=ROW_NUMBER_NOTE + "; a call may be transferred several times",
)

AGENT_13_1 = ReportSpec(
    api="agent_13_1",
    title="specific details of transfers and conferences",
    family="agent",
    grain="one row per transfer or conference",
    schema=(ROW_NUMBER_FIELD,),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    fields_complete=False,
    key_note=ROW_NUMBER_NOTE,
    note="the vendor's field list is cut off after the envelope: every field is kept by "
    "schema on read, typed by its values, and rows belong to the request window they were asked for",
)

AGENT_14 = ReportSpec(
    api="agent_14",
    title="events of all agents",
    family="agent",
    grain="one row per state or event of an agent",
    schema=(
        ROW_NUMBER_FIELD,
        _ID,
        fld("agent_status", TEXT, "state (auxiliary state)"),
        *_EVENT,
        fld("destinity", TEXT, "destination class (sic; agent_2 writes destiny)"),
        fld("telephone", TEXT, "telephone or mail, depending on the channel"),
    ),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    date_field="date_ini",
    fields_complete=False,
    key_note=ROW_NUMBER_NOTE,
)

REPORTS = (
    AGENT_1,
    AGENT_2,
    AGENT_3,
    AGENT_4,
    AGENT_5,
    AGENT_6,
    AGENT_7,
    AGENT_8_1,
    AGENT_12,
    AGENT_13,
    AGENT_13_1,
    AGENT_14,
)
