"""The campaign family: campaign_1 .. campaign_10, each requested for one campaign or ``all``."""

from __future__ import annotations

from airflow_provider_wolkvox.reports._spec import (
    DETAIL,
    INTEGER,
    PERCENT,
    SHARES,
    SUM,
    TEXT,
    TIMESTAMP,
    MachineCodesRow,
    Param,
    ReportSpec,
    fld,
)

CAMPAIGN_ID = Param("campaign_id", accepts_all=True, description="the campaign's id, or all")
"""``all`` is confirmed for campaign_10 and the family (FACTS.md), and used for campaign_7 by
public client code."""

_ROW_CAMPAIGN = (
    "campaign the row belongs to, as the API sent it (differs from requested_campaign_id when that is 'all')"
)
_RECORDS = fld("records", INTEGER, "records with this value in the window")
_PERCENT = fld("percent", PERCENT, "records / all records of the window * 100, rounded to 2 decimals")
_DATE = fld("date", TIMESTAMP, "when it happened (API: local time of the connection's zone), UTC")

CAMPAIGN_1 = ReportSpec(
    api="campaign_1",
    title="final machine result",
    schema=(fld("result", TEXT, "final machine result of the dial"), _RECORDS, _PERCENT),
    key=("result",),
    combine=SHARES,
    grain="one row per final machine result over the window",
    family="campaign",
    params=(CAMPAIGN_ID,),
)

CAMPAIGN_2 = ReportSpec(
    api="campaign_2",
    title="results by activity code",
    schema=(fld("cod_act", TEXT, "activity code the agent typed"), _RECORDS, _PERCENT),
    key=("cod_act",),
    combine=SHARES,
    grain="one row per activity code over the window",
    note="not in the vendor pages found (FACTS.md lists it from public client code)",
    family="campaign",
    params=(CAMPAIGN_ID,),
)

_CUSTOMER = (
    fld("customer_name", TEXT, "customer's first name"),
    fld("customer_last_name", TEXT, "customer's last name"),
)

CAMPAIGN_3 = ReportSpec(
    api="campaign_3",
    title="phone by phone",
    schema=(
        fld("campaign_id", TEXT, _ROW_CAMPAIGN),
        *_CUSTOMER,
        fld("id_type", TEXT, "type of the customer's id document"),
        fld("customer_id", TEXT, "customer id"),
        _DATE,
        fld("telephone", TEXT, "telephone dialed, exactly as sent"),
        fld("result", TEXT, "result of the dial"),
        *(fld(f"opt{n}", TEXT, f"custom field {n} of the record") for n in range(1, 13)),
        fld("conn_id", TEXT, "id of the call"),
    ),
    key=("conn_id",),
    combine=DETAIL,
    key_note="one row per dial, and a call's id names exactly one dial",
    grain="one row per dial",
    date_field="date",
    family="campaign",
    params=(CAMPAIGN_ID,),
)

CAMPAIGN_4 = ReportSpec(
    api="campaign_4",
    title="attempt by attempt",
    schema=(fld("result", TEXT, "result of the attempt"), _RECORDS, _PERCENT),
    key=("result",),
    combine=SHARES,
    grain="one row per attempt result over the window",
    family="campaign",
    params=(CAMPAIGN_ID,),
)

CAMPAIGN_5 = ReportSpec(
    api="campaign_5",
    title="preview call detail",
    schema=(
        fld("type_of_row", TEXT, "kind of row"),
        fld("campaign_id", TEXT, _ROW_CAMPAIGN),
        *_CUSTOMER,
        fld("result", TEXT, "result of the call"),
        fld("last_code_act", TEXT, "last activity code of the record"),
        fld("comments_customer_reg", TEXT, "comments on the customer record"),
        fld("customer_id", TEXT, "customer id"),
        fld("agent_id", TEXT, "agent who made the call"),
        fld("conn_id", TEXT, "id of the call"),
        fld("telephone", TEXT, "telephone dialed, exactly as sent"),
        fld("hang_up", TEXT, "who hung up"),
        fld("type_interaction", TEXT, "kind of interaction"),
        fld("call_result", TEXT, "result of the call"),
        _DATE,
        fld("time", TEXT, "the API's time field, kept as text (its meaning is unconfirmed)"),
        fld("cod_act", TEXT, "activity code"),
        fld("comments", TEXT, "agent's comments"),
    ),
    key=("conn_id", "type_of_row"),
    combine=DETAIL,
    key_note="one row per call and kind of row; type_of_row is in the key in case a call has rows of "
    "several kinds",
    grain="one row per preview record or call",
    date_field="date",
    family="campaign",
    params=(CAMPAIGN_ID,),
)

CAMPAIGN_6 = ReportSpec(
    api="campaign_6",
    title="AMD accumulated",
    schema=(
        fld("campaign_id", TEXT, _ROW_CAMPAIGN),
        fld("total_amd", INTEGER, "answering machines detected in the window"),
    ),
    key=("campaign_id",),
    combine=SUM,
    grain="one row per campaign over the window",
    family="campaign",
    params=(CAMPAIGN_ID,),
)

CAMPAIGN_7 = ReportSpec(
    api="campaign_7",
    title="AMD detail",
    schema=(
        fld("customer_id", TEXT, "customer id"),
        fld("campaign_id", TEXT, _ROW_CAMPAIGN),
        fld("file_name", TEXT, "recording of the detection"),
        fld("telephone", TEXT, "telephone dialed, exactly as sent"),
        fld("result", TEXT, "detection result"),
        _DATE,
    ),
    key=("file_name",),
    combine=DETAIL,
    key_note="every detection has its own recording file",
    grain="one row per answering-machine detection",
    date_field="date",
    family="campaign",
    params=(CAMPAIGN_ID,),
)

CAMPAIGN_8 = ReportSpec(
    api="campaign_8",
    title="machine codes grouped by telephone",
    schema=(
        fld("telephone", TEXT, "registry telephone number, exactly as the API sent it (leading zeros, '+')"),
        fld("total_machine_recognitions", INTEGER, "machine-code recognitions of the number in the window"),
        fld("no_answer", INTEGER, "machine code result: no answer"),
        fld("answer_machine", INTEGER, "machine code result: answering machine"),
        fld("busy", INTEGER, "machine code result: busy"),
        fld("congestion", INTEGER, "machine code result: congestion"),
        fld("failed", INTEGER, "machine code result: failed"),
    ),
    key=("telephone",),
    combine=SUM,
    default_table="wolkvox_machine_codes",
    row_type=MachineCodesRow,
    grain="one row per telephone over the window",
    family="campaign",
    params=(CAMPAIGN_ID,),
)

CAMPAIGN_9 = ReportSpec(
    api="campaign_9",
    title="WhatsApp record status",
    schema=(
        fld("campaign_id", TEXT, _ROW_CAMPAIGN, source="campaing_id"),
        fld("telephone", TEXT, "telephone messaged, exactly as sent"),
        fld("status", TEXT, "message status"),
        fld("errors", TEXT, "error text, empty when none"),
        fld("date", TIMESTAMP, "when the message was sent, UTC"),
        fld(
            "last_update",
            TIMESTAMP,
            "last status change, UTC; NULL when the API sends no date",
            nullable=True,
        ),
    ),
    key=("campaign_id", "telephone", "date"),
    combine=DETAIL,
    key_note="the report has no message id, so a message is its campaign, number and send time. Two "
    "messages to one number in the same second would share a key: the load then fails with a "
    "WolkvoxRowError naming the report and the key, rather than drop one of them",
    grain="one row per WhatsApp message",
    date_field="date",
    note="not in the vendor pages found (FACTS.md lists it from public client code); the API spells "
    "its campaign field campaing_id (sic): it is stored as campaign_id, the name it has in the "
    "family's other reports, so one query reads the row's campaign in any of them",
    family="campaign",
    params=(CAMPAIGN_ID,),
)


CAMPAIGN_10 = ReportSpec(
    api="campaign_10",
    title="Turbo Dial by machine code",
    schema=(
        fld("machinecode", TEXT, "machine code"),
        fld("cantidad", INTEGER, "dials with this machine code in the window"),
    ),
    key=("machinecode",),
    combine=SUM,
    grain="one row per machine code over the window",
    note="the vendor's field list is cut off after cantidad ('pos...'): a further field is kept by "
    "schema on read, typed by its values",
    family="campaign",
    params=(CAMPAIGN_ID,),
)

REPORTS = (
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
