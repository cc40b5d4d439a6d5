"""The chat and interactions family (chat_*): chats, messages, omnichannel interactions, WhatsApp."""

from __future__ import annotations

from airflow_provider_wolkvox.reports._spec import (
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
    Param,
    ReportSpec,
    fld,
)

AGENT_DNI = Param(
    "agent_dni",
    required=False,
    description="the agent's national id; public client code leaves it out and gets every agent",
)
_DATE = fld("date", TIMESTAMP, "when it happened (API: local time of the connection's zone), UTC")
_CONN = fld("conn_id", TEXT, "id of the chat or interaction")
_CHANNEL = fld("channel", TEXT, "channel (web, whatsapp, facebook, instagram, ...)")
_AGENT_ID = fld("agent_id", TEXT, "agent's id")
_AGENT_NAME = fld("agent_name", TEXT, "agent's name")
_CUSTOMER_ID = fld("customer_id", TEXT, "customer id")
_CUSTOMER_NAME = fld("customer_name", TEXT, "customer's name")
_CUSTOMER_PHONE = fld("customer_phone", TEXT, "customer's telephone, exactly as sent")
_COD_ACT = fld("cod_act", TEXT, "disposition code")
_COD_DESC = fld("description_cod_act", TEXT, "text of the disposition code")

CHAT_1 = ReportSpec(
    api="chat_1",
    title="chats",
    family="chat",
    params=(AGENT_DNI,),
    grain="one row per chat attended by an agent",
    schema=(
        _CONN,
        _CHANNEL,
        _DATE,
        _CUSTOMER_NAME,
        fld("customer_email", TEXT, "customer's email"),
        _CUSTOMER_PHONE,
        fld("customer_chars", INTEGER, "characters the customer wrote"),
        _AGENT_ID,
        _AGENT_NAME,
        fld("agent_chars", INTEGER, "characters the agent wrote"),
        fld("time_on_agent", DURATION, "seconds with the agent"),
        fld("chat_duration", DURATION, "seconds the chat lasted"),
        _COD_ACT,
        _COD_DESC,
        fld("comments", TEXT, "agent's comments"),
        _CUSTOMER_ID,
        fld("skill_id", TEXT, "skill (service) id"),
        fld("asa", DURATION, "seconds until the agent answered", source="ASA"),
    ),
    key=("conn_id",),
    combine=DETAIL,
    date_field="date",
    fields_complete=False,
    key_note="one row per chat, and a chat's id names one chat; a repeated id fails the load",
)

CHAT_2 = ReportSpec(
    api="chat_2",
    title="conversations, message by message",
    family="chat",
    grain="one row per message",
    schema=(
        ROW_NUMBER_FIELD,
        _CONN,
        _AGENT_NAME,
        _CUSTOMER_NAME,
        _CHANNEL,
        fld("from_party", TEXT, "AGENT or CUSTOMER", source="from"),
        fld("from_name", TEXT, "name of the writer"),
        fld("to_name", TEXT, "name of the reader (may be 'chat bot')"),
        _DATE,
        fld("message", TEXT, "the message"),
        _CUSTOMER_ID,
        fld("feeling", TEXT, "sentiment of the message"),
    ),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    date_field="date",
    key_note=ROW_NUMBER_NOTE,
)

CHAT_4 = ReportSpec(
    api="chat_4",
    title="detail of interactions",
    family="chat",
    grain="one row per omnichannel interaction (email, social networks)",
    schema=(
        ROW_NUMBER_FIELD,
        fld("channel", TEXT, "Email, facebook_page, instagram or twitter"),
        _AGENT_NAME,
        fld("skill_id", TEXT, "skill (service) id"),
        fld("case_id", TEXT, "case id"),
        fld("subject", TEXT, "subject"),
        fld("mail_from", TEXT, "sender", source="from"),
        fld("mail_to", TEXT, "recipient", source="to"),
        fld("body", TEXT, "what the customer wrote"),
        fld("answer", TEXT, "what the agent answered"),
        fld("date_creation", TIMESTAMP, "when the interaction was created, UTC"),
    ),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    date_field="date_creation",
    fields_complete=False,
    key_note=ROW_NUMBER_NOTE + "; a case may have several interactions",
)

CHAT_5 = ReportSpec(
    api="chat_5",
    title="closed interactions by agent",
    family="chat",
    grain="one row per agent over the window",
    schema=(
        _AGENT_NAME,
        fld("interactions", INTEGER, "interactions the agent closed"),
        fld("close_time", DURATION, "handling time, seconds (total or average: undocumented)"),
    ),
    key=("agent_name",),
    combine=PER_REQUEST,
    key_note="whether close_time is a total or an average is not documented, so it is not summed: "
    "rows are kept per request window",
)

CHAT_8 = ReportSpec(
    api="chat_8",
    title="chats transferred to an agent",
    family="chat",
    grain="one row per chat a bot started",
    schema=(
        ROW_NUMBER_FIELD,
        _CONN,
        fld("session_id", TEXT, "chat session id"),
        fld("times_chatted", INTEGER, "times the customer chatted"),
        fld("start_date", TIMESTAMP, "start of the chat, UTC"),
        fld("end_date", TIMESTAMP, "end of the chat, UTC"),
        fld("time_on_chatbot", DURATION, "seconds with the bot"),
        fld("rp_id", TEXT, "routing point id"),
        _CHANNEL,
        fld("go_to_agent", TEXT, "whether it passed to an agent (yes/no)"),
        _CUSTOMER_PHONE,
        _CUSTOMER_NAME,
        _AGENT_ID,
    ),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    date_field="start_date",
    fields_complete=False,
    key_note=ROW_NUMBER_NOTE,
)

CHAT_10 = ReportSpec(
    api="chat_10",
    title="official WhatsApp usage",
    family="chat",
    params=(Param("destination", description="the destination country"),),
    grain="one row per WhatsApp conversation",
    schema=(
        ROW_NUMBER_FIELD,
        _CONN,
        fld("session_id", TEXT, "session id"),
        _DATE,
        _CUSTOMER_PHONE,
        fld("template", TEXT, "whether a template was used (yes/no)"),
        fld("destiny", TEXT, "destination"),
    ),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    date_field="date",
    key_note=ROW_NUMBER_NOTE,
    note="the report does not expose the cost of use",
)

CHAT_11 = ReportSpec(
    api="chat_11",
    title="transfers of chats",
    family="chat",
    grain="one row per transfer between agents",
    schema=(
        ROW_NUMBER_FIELD,
        _CONN,
        *(
            fld(f"{side}_agent_{part}", TEXT, f"{what} agent's {label}")
            for side, what in (("transfer", "transferring"), ("receiver", "receiving"))
            for part, label in (("id", "id"), ("name", "name"), ("dni", "national id"))
        ),
        _CHANNEL,
        _DATE,
    ),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    date_field="date",
    key_note=ROW_NUMBER_NOTE + "; a chat may be transferred several times",
)

CHAT_12 = ReportSpec(
    api="chat_12",
    title="interactions sent by agents",
    family="chat",
    grain="one row per email an agent wrote",
    schema=(
        ROW_NUMBER_FIELD,
        _CONN,
        _AGENT_ID,
        _AGENT_NAME,
        fld("channel", TEXT, "email"),
        fld("mail_from", TEXT, "sender", source="from"),
        fld("mail_to", TEXT, "recipient", source="to"),
        fld("subject", TEXT, "subject"),
        fld("body", TEXT, "body"),
        _DATE,
        _COD_ACT,
        _COD_DESC,
    ),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    date_field="date",
    key_note=ROW_NUMBER_NOTE,
)

CHAT_13 = ReportSpec(
    api="chat_13",
    title="closed chats by channel",
    family="chat",
    grain="one row per channel over the window",
    schema=(_CHANNEL, fld("interaction", INTEGER, "chats closed in the channel")),
    key=("channel",),
    combine=SUM,
)

CHAT_14 = ReportSpec(
    api="chat_14",
    title="WhatsApp click detail",
    family="chat",
    grain="one row per WhatsApp chat started from an ad or a post",
    schema=(
        ROW_NUMBER_FIELD,
        fld("source_url", TEXT, "URL of the ad or post"),
        fld("source_type", TEXT, "ad or post"),
        fld("source_id", TEXT, "id of the ad or post"),
        fld("chat_id", TEXT, "chat id"),
        fld("rp_id", TEXT, "routing point id"),
        _AGENT_ID,
        fld("media_type", TEXT, "image or video"),
        fld("media_url", TEXT, "URL of the media"),
        _DATE,
        _COD_ACT,
    ),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    date_field="date",
    fields_complete=False,
    key_note=ROW_NUMBER_NOTE,
)

CHAT_15 = ReportSpec(
    api="chat_15",
    title="WhatsApp click summary (or chat agent productivity)",
    family="chat",
    grain="totals over the window (click summary); or one row per agent (productivity)",
    schema=(
        ROW_NUMBER_FIELD,
        *(
            fld(f"{source}_{by}", INTEGER, f"{what} chats handled by {who}")
            for source, what in (("ad", "ad"), ("post", "post"), ("total", "all click"))
            for by, who in (("chatbot", "the bot"), ("agents", "agents"))
        ),
    ),
    key=(ROW_NUMBER,),
    combine=PER_REQUEST,
    fields_complete=False,
    key_note="two vendor pages give chat_15 two meanings, so nothing is summed and rows are "
    "numbered and kept per request window",
    note="the vendor documents chat_15 twice: '15. WhatsApp Click Summary' (the fields here) and "
    "'16. Agent productivity' (fields cut off). The spec types the click summary's counts when "
    "they come; an answer of the other kind loads with these columns NULL and its own fields "
    "kept by schema on read, typed by their values. Public client code asks api=chat_16 for agent "
    "productivity, "
    "so the '16.' page may show a wrong api value",
)

REPORTS = (
    CHAT_1,
    CHAT_2,
    CHAT_4,
    CHAT_5,
    CHAT_8,
    CHAT_10,
    CHAT_11,
    CHAT_12,
    CHAT_13,
    CHAT_14,
    CHAT_15,
)
