"""Expected values written apart from the code under test, for tests that check typed rows.

The report specs (``airflow_provider_wolkvox.reports``) type the API's all-string fields and the
SQL sinks choose column types; a test that took its expected values from them would pass whatever
they did. Here instead, written for the tests alone:

- :data:`KINDS`: the type of every API field that is not text, by the API's field name, as the
  vendor's catalogue describes it (``shared/api/CATALOG.md``), and :data:`OWN_KINDS` the few
  reports where a name means something else;
- :func:`read`: a plain reader of the API's strings (``"0:02:03"`` -> 123, a local date-time in the
  operation's zone -> UTC), written from FACTS.md, not from the specs' parsers;
- :func:`comparable`: any value a database or XCom gives back, as one comparable form;
- :data:`COLUMN_TYPES`: the column type each warehouse flavor gets for each kind of value.

A spec whose types drift from the catalogue, a parser that misreads a value, or a flavor whose
types change then fails a test, instead of agreeing with itself.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

_NAMES = {
    "integer": """abandon_0seg_10seg abandon_11seg_20seg abandon_calls ad_agents ad_chatbot agent_chars
        answer_0seg_10seg answer_11seg_20seg answer_21seg_30seg answer_31seg_40seg answer_calls
        answer_machine attempt attempts busy calls cantidad congestion count customer_chars
        evaluations failed inbound inbound_calls interaction interactions internal no no_answer
        num_characters outbound post_agents post_chatbot records times_chatted total_agents
        total_amd total_chatbot total_machine_recognitions transfer_calls yes""",
    "percent": """accuracy percent percentage precision_opportunity_critical_error
        precision_opportunity_error precision_unit_critical_error service_level_10seg""",
    "timestamp": """Date date date_creation date_end date_inbound_call date_ini
        date_last_outbound_call end_date end_date_rp last_update login logout start_date""",
    "decimal": "cost ivr_minutes minutes time_min",
    "duration": """ASA chat_duration close_time inbound_time login_time outbound_time ready_time time
        time_on_agent time_on_chatbot time_on_rp time_on_skill time_seg time_silence""",
    "date": "day",
}
KINDS: dict[str, str] = {name: kind for kind, names in _NAMES.items() for name in names.split()}
"""The kind of each API field that is not text, by the API's name (every other field is text)."""

OWN_KINDS: dict[tuple[str, str], str] = {
    ("agent_7", "date"): "date",  # a day of the operation, not a moment
    ("agent_8_1", "date"): "date",
    ("diagram_1_2", "date"): "text",  # a label of the grouping ("2026-11"), kept as sent
    ("campaign_5", "time"): "text",  # the time of day beside its own date field
}

ROW_NUMBER = "answer_row"
"""The synthetic key of rows the vendor gives no id: their 1-based place in the answer."""

_EMPTY_TIMES = {"", "0000-00-00 00:00:00", "0000-00-00"}
_HMS = re.compile(r"(\d+):([0-5]\d):([0-5]\d)")


def kind_of(api: str, api_name: str) -> str:
    """The kind of field ``api_name`` of report ``api``: text unless the tables above say otherwise."""
    if api_name == ROW_NUMBER:
        return "integer"
    return OWN_KINDS.get((api, api_name)) or KINDS.get(api_name, "text")


def read(kind: str, value: Any, tz: str) -> Any:
    """One of the API's values, as the warehouse should hold it: None for an empty non-text value."""
    if value is None:
        return None
    if kind == "text":
        return value
    text = str(value).strip()
    if text in _EMPTY_TIMES:
        return None
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", text):
            raise AssertionError(f"not a count: {value!r}")
        return int(text)
    if kind in ("decimal", "percent"):
        return Decimal(text.removesuffix("%").strip().replace(",", "."))
    if kind == "duration":
        hms = _HMS.fullmatch(text)
        return int(hms[1]) * 3600 + int(hms[2]) * 60 + int(hms[3]) if hms else int(text)
    if kind == "timestamp":
        # skill_3/skill_7 document "date (year-month-day-time)" and the emulator sends the day alone:
        # its local midnight.
        shape = "%Y-%m-%d" if len(text) == 10 else "%Y-%m-%d %H:%M:%S"
        local = datetime.strptime(text, shape).replace(tzinfo=ZoneInfo(tz))
        return local.astimezone(timezone.utc)
    if kind == "date":
        return date.fromisoformat(text)
    raise AssertionError(f"unknown kind {kind}")


def comparable(kind: str, value: Any) -> Any:
    """A value of ``kind`` in one form whatever gave it: a database (SQLite text, naive MariaDB
    DATETIME holding UTC), XCom (ISO text, floats) or :func:`read`."""
    if value is None:
        return None
    if kind == "timestamp":
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)  # zone-less columns hold UTC
        return moment.astimezone(timezone.utc).isoformat()  # read back by fromisoformat: idempotent
    if kind in ("decimal", "percent"):
        return Decimal(str(value)).normalize()
    if kind == "date":
        return value.isoformat() if isinstance(value, date) else str(value)[:10]
    if kind in ("integer", "duration"):
        if isinstance(value, bool) or int(value) != value:
            raise AssertionError(f"not a whole number: {value!r}")
        return int(value)
    return value


COLUMN_TYPES: dict[str, dict[str, str]] = {
    # kind -> column type; "key" is text in a primary key, "text" free text.
    "postgresql": {"key": "text", "text": "text", "timestamp": "timestamptz", "integer": "integer",
                   "percent": "numeric", "decimal": "numeric", "date": "date"},
    "sqlite": {"key": "TEXT", "text": "TEXT", "timestamp": "TEXT", "integer": "INTEGER",
               "percent": "NUMERIC", "decimal": "NUMERIC", "date": "TEXT"},
    "mysql": {"key": "VARCHAR(191)", "text": "MEDIUMTEXT", "timestamp": "DATETIME", "integer": "INTEGER",
              "percent": "DECIMAL(9,2)", "decimal": "DECIMAL(20,6)", "date": "DATE"},
    "mssql": {"key": "NVARCHAR(128)", "text": "NVARCHAR(MAX)", "timestamp": "DATETIME2(0)",
              "integer": "INT", "percent": "DECIMAL(9,2)", "decimal": "DECIMAL(20,6)", "date": "DATE"},
    "snowflake": {"key": "VARCHAR", "text": "VARCHAR", "timestamp": "TIMESTAMP_NTZ(0)",
                  "integer": "NUMBER(10,0)", "percent": "NUMBER(9,2)", "decimal": "NUMBER(20,6)",
                  "date": "DATE"},
    "bigquery": {"key": "STRING", "text": "STRING", "timestamp": "TIMESTAMP", "integer": "INT64",
                 "percent": "NUMERIC", "decimal": "NUMERIC", "date": "DATE"},
    "redshift": {"key": "VARCHAR(1024)", "text": "VARCHAR(65535)", "timestamp": "TIMESTAMPTZ",
                 "integer": "INTEGER", "percent": "DECIMAL(9,2)", "decimal": "DECIMAL(20,6)",
                 "date": "DATE"},
    "oracle": {"key": "VARCHAR2(255 CHAR)", "text": "CLOB", "timestamp": "TIMESTAMP(0)",
               "integer": "NUMBER(10)", "percent": "NUMBER(9,2)", "decimal": "NUMBER", "date": "DATE"},
}  # fmt: skip
"""What each flavor stores each kind in: times hold UTC without a session zone, keys are bounded
text where the database cannot key unbounded text, money is wider than a percentage."""


def column_kind(api: str, api_name: str, in_key: bool) -> str:
    """The :data:`COLUMN_TYPES` entry of a report's field: durations are whole seconds (integer)."""
    kind = kind_of(api, api_name)
    if kind == "text":
        return "key" if in_key else "text"
    return "integer" if kind == "duration" else kind


WINDOW_KINDS = {"window_start": "timestamp", "window_end": "timestamp", "loaded_at": "timestamp",
                "request_start": "timestamp", "request_end": "timestamp"}  # fmt: skip
"""The columns every table has besides the report's fields and parameters (parameters: key text)."""
