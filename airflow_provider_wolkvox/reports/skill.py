"""The skill family (skill_*): inbound calls, abandonment and service level per skill.

Service levels, ASA and abandonment rates do not add up over windows, and every aggregate list of
this family is cut off in the vendor's pages right where they begin: the aggregates are kept per
request window. The two detail reports (abandoned and answered calls) are rows per call.
"""

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
    Field,
    Param,
    ReportSpec,
    fld,
)

SKILL_OR_ALL = Param("skill_id", accepts_all=True, description="the skill (service), or all")
_ID = fld("skill_id", TEXT, "skill (service) id")
_NAME = fld("skill_name", TEXT, "skill (service) name")
_COUNTS: tuple[Field, ...] = (
    fld("inbound_calls", INTEGER, "inbound calls"),
    fld("answer_calls", INTEGER, "answered calls"),
    fld("abandon_calls", INTEGER, "abandoned calls"),
)
_SL10 = fld("service_level_10seg", PERCENT, "calls answered within 10 s, % of inbound calls")
_NOTE = (
    "service levels and ASA do not add up over windows, and the field list is cut off in the "
    "vendor's pages: rows are kept per request window"
)


def _aggregate(
    api: str, title: str, grain: str, schema: tuple[Field, ...], key: tuple[str, ...]
) -> ReportSpec:
    return ReportSpec(
        api=api,
        title=title,
        family="skill",
        params=(SKILL_OR_ALL,),
        grain=grain,
        schema=schema,
        key=key,
        combine=PER_REQUEST,
        fields_complete=False,
        key_note=_NOTE,
    )


SKILL_1 = ReportSpec(
    api="skill_1",
    title="calls and service level by skill",
    family="skill",
    params=(SKILL_OR_ALL,),
    grain="one row per skill over the window",
    schema=(ROW_NUMBER_FIELD,),
    key=(ROW_NUMBER,),
    combine=PER_REQUEST,
    fields_complete=False,
    key_note=_NOTE + "; no field is documented, so rows are numbered",
    note="the response table is missing from the stored page: every field is kept by schema on read, "
    "typed by its values",
)

SKILL_2 = ReportSpec(
    api="skill_2",
    title="detail of abandoned calls",
    family="skill",
    params=(SKILL_OR_ALL,),
    grain="one row per abandoned inbound call",
    schema=(
        _NAME,
        _ID,
        fld("conn_id", TEXT, "id of the call"),
        fld("date", TIMESTAMP, "when the call came in (API: local time of the connection's zone), UTC"),
        fld("result", TEXT, "abandoned or answered"),
        fld("ani", TEXT, "calling number, exactly as sent"),
    ),
    key=("conn_id",),
    combine=DETAIL,
    date_field="date",
    fields_complete=False,
    key_note="one row per call, and a call's id names one call; a repeated id fails the load",
)

SKILL_3 = _aggregate(
    "skill_3",
    "calls and service level per day",
    "one row per skill and day",
    (
        _NAME,
        fld("date", TIMESTAMP, "the day (API: local time of the connection's zone), UTC"),
        *_COUNTS,
    ),
    ("skill_name", "date"),
)

SKILL_4 = _aggregate(
    "skill_4",
    "calls and service level per hour",
    "one row per hour of the day over the window",
    (_ID, fld("hour", TEXT, "hour of the day, 00-23 as sent"), *_COUNTS),
    ("skill_id", "hour"),
)

SKILL_4_1 = _aggregate(
    "skill_4_1",
    "calls and service level per 30 minutes",
    "one row per 30-minute slot of the day over the window",
    (_ID, fld("hour", TEXT, "30-minute slot of the day, HH:MM as sent"), *_COUNTS),
    ("skill_id", "hour"),
)

SKILL_6 = _aggregate(
    "skill_6",
    "calls and service level by DNIS",
    "one row per dialled number over the window",
    (fld("dnis", TEXT, "number dialled by the customer"), *_COUNTS, _SL10),
    ("dnis",),
)

SKILL_7 = _aggregate(
    "skill_7",
    "calls and service level per hour and day, all skills",
    "one row per skill, day and hour",
    (
        fld("date", TIMESTAMP, "the day (API: local time of the connection's zone), UTC"),
        _ID,
        _NAME,
        fld("hour", TEXT, "hour of the day, as sent"),
        fld("inbound_calls", INTEGER, "inbound calls"),
        fld("answer_calls", INTEGER, "answered calls"),
    ),
    ("skill_id", "date", "hour"),
)

_BANDS = ("0seg_10seg", "11seg_20seg", "21seg_30seg", "31seg_40seg")


def _wait(band: str) -> str:
    """``11seg_20seg`` -> ``11-20 s of wait``."""
    return band.replace("seg_", "-").replace("seg", " s of wait")


SKILL_8 = _aggregate(
    "skill_8",
    "calls answered by wait interval",
    "one row per skill over the window",
    (
        _ID,
        _NAME,
        fld("answer_calls", INTEGER, "answered calls"),
        *(fld(f"answer_{band}", INTEGER, f"calls answered after {_wait(band)}") for band in _BANDS),
    ),
    ("skill_id",),
)

SKILL_9 = _aggregate(
    "skill_9",
    "abandoned calls by wait interval",
    "one row per skill over the window",
    (
        _ID,
        _NAME,
        fld("abandon_calls", INTEGER, "abandoned calls"),
        *(fld(f"abandon_{band}", INTEGER, f"calls abandoned after {_wait(band)}") for band in _BANDS[:2]),
    ),
    ("skill_id",),
)

SKILL_10 = ReportSpec(
    api="skill_10",
    title="detail of answered calls",
    family="skill",
    params=(Param("skill_id", description="the skill (service); all is not documented"),),
    grain="one row per answered customer call",
    schema=(ROW_NUMBER_FIELD,),
    key=(ROW_NUMBER,),
    combine=DETAIL,
    fields_complete=False,
    key_note=ROW_NUMBER_NOTE,
    note="Spanish page only, without field names: every field is kept by schema on read, typed by "
    "its values, "
    "and rows belong to the request window they were asked for",
)

SKILL_11 = _aggregate(
    "skill_11",
    "calls and service level per interaction type",
    "one row per interaction type (channel) over the window",
    (fld("type_interaction", TEXT, "channel, e.g. chat-whatsapp, inbound"), *_COUNTS, _SL10),
    ("type_interaction",),
)

REPORTS = (
    SKILL_1,
    SKILL_2,
    SKILL_3,
    SKILL_4,
    SKILL_4_1,
    SKILL_6,
    SKILL_7,
    SKILL_8,
    SKILL_9,
    SKILL_10,
    SKILL_11,
)
