"""The speech-analytics family (speech_*): results per call, and per text analysed on demand."""

from __future__ import annotations

from airflow_provider_wolkvox.reports._spec import (
    DETAIL,
    DURATION,
    INTEGER,
    TEXT,
    TIMESTAMP,
    ReportSpec,
    fld,
)

SPEECH_1 = ReportSpec(
    api="speech_1",
    title="CDR speech",
    family="speech",
    grain="one row per call analysed",
    schema=(
        fld("agent_id", TEXT, "agent's id"),
        fld("agent_name", TEXT, "agent's name"),
        fld("agent_dni", TEXT, "agent's national id"),
        fld("conn_id", TEXT, "id of the call"),
        fld("time", DURATION, "seconds of the call"),
        fld("date", TIMESTAMP, "when the call happened (API: local time of the connection's zone), UTC"),
        fld("time_silence", DURATION, "seconds of silence (0 for non-voice)"),
        fld("customer_phone", TEXT, "customer's telephone, exactly as sent"),
        fld("customer_id", TEXT, "customer id"),
        fld("cod_act", TEXT, "disposition code"),
        fld("description_cod_act", TEXT, "text of the disposition code"),
        fld("greeting", TEXT, "whether the agent greeted (yes/no)"),
        fld("slow_to_greet", TEXT, "whether the agent was slow to greet (yes/no)"),
        fld("greeting_agent_name", TEXT, "whether the agent said their name"),
    ),
    key=("conn_id",),
    combine=DETAIL,
    date_field="date",
    fields_complete=False,
    key_note="one row per call, and a call's id names one call; a repeated id fails the load",
    note="category columns (category01, ...) follow: kept by schema on read, typed by their values",
)

SPEECH_5 = ReportSpec(
    api="speech_5",
    title="speech on demand",
    family="speech",
    grain="one row per text analysed",
    schema=(
        fld("id_agent", TEXT, "agent's id"),
        fld("id_text", TEXT, "id of the text"),
        fld("text", TEXT, "the text", source="Text"),
        fld("summary", TEXT, "summary", source="Summary"),
        fld("feeling", TEXT, "sentiment", source="Feeling"),
        fld("date", TIMESTAMP, "when it was analysed, UTC", source="Date"),
        fld("num_characters", INTEGER, "characters of the text"),
    ),
    key=("id_text",),
    combine=DETAIL,
    date_field="date",
    key_note="every analysed text has its own id",
    note="the page says the token goes 'in authorization as API KEY'; this provider sends the "
    "usual wolkvox-token header",
)

REPORTS = (SPEECH_1, SPEECH_5)
