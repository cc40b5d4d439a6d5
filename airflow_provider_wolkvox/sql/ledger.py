"""The load ledger: one row per window load, written in the load's own transaction.

A table of loaded rows cannot tell "loaded, and empty" from "never loaded", nor say what a
load cost. The ledger can: each load that commits adds one row (connection, report,
campaign or parameters, window, rows received, replaced and loaded, API calls kept, discarded at the
row cap and retried, the request windows, the Airflow task try), and a load that rolls
back adds none. Before the row is written the empty-answer guard runs: a load that would
replace a window's rows with none fails unless it was allowed to (``allow_empty``).

Each loader calls :func:`record_load` inside its transaction, after its inserts. A task try that
spent API calls and then failed (in the fetch, or in a load that rolled back) adds a row of its
own, marked ``failed``, in a short transaction of its own
(:func:`~airflow_provider_wolkvox.sql.failed.record_failed_try`): the ledger's ``api_calls``
then add up to every call the task sent.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow_provider_wolkvox._moved import moved_names
from airflow_provider_wolkvox.exceptions import WolkvoxEmptyAnswerError
from airflow_provider_wolkvox.sql.flavors import Flavor, Quote, marks, utc_iso
from airflow_provider_wolkvox.sql.job import LedgerEntry
from airflow_provider_wolkvox.sql.schema import create_head, exists_look, table_parts

if TYPE_CHECKING:
    from airflow_provider_wolkvox.sql.job import LoadJob

log = logging.getLogger(__name__)

__getattr__ = moved_names(__name__, {"schema_doc": f"{__name__}.ledger_doc"})

LEDGER_TABLE = "wolkvox_loads"
"""Default ledger table; an unqualified name lives in the data table's schema."""

_TEXT, _LONG_TEXT, _TIME, _INT = "text", "long text", "time", "int"
LEDGER_COLUMNS: tuple[tuple[str, str, bool, str], ...] = (
    ("load_id", _TEXT, False, "one load (random hex id)"),
    ("wolkvox_conn_id", _TEXT, True, "Wolkvox connection the rows came from"),
    ("report_api", _TEXT, False, "report, e.g. `campaign_8`"),
    (
        "campaign_id",
        _TEXT,
        False,
        "campaign requested (an id, or `all`); for a report without campaign_id, its parameters as "
        "`name=value` pairs joined by `&` (`skill_id=all`), `-` for none",
    ),
    ("window_start", _TIME, False, "start of the loaded window (inclusive), UTC"),
    ("window_end", _TIME, False, "end of the loaded window (exclusive), UTC"),
    ("target_table", _TEXT, False, "table the rows went to, as given"),
    ("rows_received", _INT, True, "rows the API answered across the kept request windows"),
    ("rows_loaded", _INT, False, "rows written for the window (after combining per key)"),
    ("rows_replaced", _INT, False, "rows of the window the load deleted first"),
    ("requests", _INT, True, "request windows whose answers were kept"),
    ("api_calls", _INT, True, "HTTP requests sent, every kind included (each spends quota)"),
    ("capped_calls", _INT, True, "answers discarded at the 60,000-row cap (asked again smaller)"),
    ("retried_calls", _INT, True, "requests sent again after a transient answer or a timeout"),
    (
        "request_windows",
        _LONG_TEXT,
        True,
        "the kept request windows, JSON `[[start, end], ...]` UTC "
        "(past 4,000 characters: `{count, first, last}`)",
    ),
    ("dag_id", _TEXT, True, "Airflow DAG of the task that loaded"),
    ("run_id", _TEXT, True, "Airflow DAG run"),
    ("task_id", _TEXT, True, "Airflow task"),
    ("try_number", _INT, True, "the task's try that loaded"),
    (
        "loaded_at",
        _TIME,
        False,
        "when the load committed its rows (a failed try: when its failure was recorded), UTC, whole seconds",
    ),
    (
        "chars_replaced",
        _INT,
        True,
        "characters of the answers' text no warehouse can store (NUL, unpaired UTF-16 surrogates) "
        "that were stored as U+FFFD; NULL when none (a ledger made before this column existed gets "
        "it from the first load that replaces one)",
    ),
    (
        "failed",
        _LONG_TEXT,
        True,
        "NULL for a load that committed; for a task try that spent API calls and then failed (its "
        "load rolled back, `rows_loaded` and `rows_replaced` 0): the error's type and first line. "
        "A ledger made before this column existed gets it from the first failed try",
    ),
)
"""(name, kind, nullable, meaning) of every ledger column, in order."""
REPLACED = "chars_replaced"
"""Written only by a load that replaced characters, so that a ledger made before it existed takes
every other load unchanged (:func:`add_replaced_column`)."""
FAILED = "failed"
"""Written only by a failed try's row, so that a ledger made before it existed takes every load
that commits unchanged."""
WRITTEN_COLUMNS = tuple(column for column in LEDGER_COLUMNS if column[0] not in (REPLACED, FAILED))
"""The columns every ledger row writes."""
FAILED_MAX = 1000
"""Longest ``failed`` text (the error's first line is cut there)."""


@dataclass(frozen=True)
class LedgerSql:
    """The ledger's statements for one table in one flavor."""

    table: str
    create: str
    exists: str
    """The flavor's catalog look before ``create`` ("" when ``create`` says "if missing" itself)."""
    insert: str
    """Every column but ``chars_replaced``."""
    insert_replaced: str = ""
    """Every written column and ``chars_replaced``: the insert of a load that replaced characters."""
    add_replaced: str = ""
    """Adds ``chars_replaced`` to a ledger made before it existed."""
    insert_failed: str = ""
    """Every written column and ``failed``: the row of a try that failed after spending calls."""
    add_failed: str = ""
    """Adds ``failed`` to a ledger made before it existed."""


def ledger_table_for(table: str, ledger_table: str) -> str:
    """``ledger_table``, in ``table``'s schema when it names none; both names are checked."""
    data_parts, parts = table_parts(table), table_parts(ledger_table)
    if len(parts) == 1 and len(data_parts) == 2:
        return f"{data_parts[0]}.{parts[0]}"
    return ledger_table


def _column_type(flavor: Flavor, kind: str) -> str:
    if kind == _TIME:
        return flavor.time_type
    if kind == _INT:
        return flavor.int_type
    if kind == _LONG_TEXT:
        return flavor.free_text_type  # a month of hourly request windows outgrows a VARCHAR(255)
    return flavor.text_type


def ledger_statements(
    flavor: Flavor, table: str, placeholder: str = "?", quote: Quote | None = None
) -> LedgerSql:
    """CREATE and INSERT of ledger ``table`` (``name`` or ``schema.name``) in ``flavor``."""
    q: Quote = quote or flavor.quote
    parts = table_parts(table)
    qualified = ".".join(q(part) for part in parts)
    lines = [
        f"    {q(name)} {_column_type(flavor, kind)}{'' if nullable else ' NOT NULL'}"
        for name, kind, nullable, _ in LEDGER_COLUMNS
    ]
    lines.append(f"    {flavor.key_clause.format(q('load_id'))}")
    create = f"{create_head(flavor, qualified)} (\n" + ",\n".join(lines) + f"\n){flavor.table_options}"
    by_name = {column[0]: column for column in LEDGER_COLUMNS}
    inserts = [
        f"INSERT INTO {qualified} ({', '.join(q(name) for name, *_ in written)}) "
        f"VALUES ({', '.join(marks(placeholder, len(written)))})"
        for written in (
            WRITTEN_COLUMNS,
            (*WRITTEN_COLUMNS, by_name[REPLACED]),
            (*WRITTEN_COLUMNS, by_name[FAILED]),
        )
    ]
    add = flavor.add_column.format(table=qualified, column=f"{q(REPLACED)} {flavor.int_type}")
    add_failed = flavor.add_column.format(table=qualified, column=f"{q(FAILED)} {flavor.free_text_type}")
    return LedgerSql(
        qualified, create, exists_look(flavor, parts), inserts[0], inserts[1], add, inserts[2], add_failed
    )


def add_replaced_column(cursor: Any, job: LoadJob, sql: LedgerSql | None) -> None:
    """For a load that replaced characters, add ``chars_replaced`` to a ledger made before the
    column existed (in the load's transaction where DDL is transactional, else before it).
    Nothing is read or run for any other load."""
    if sql is None or not (job.ledger and job.ledger.chars_replaced):
        return
    add_column_if_missing(cursor, sql, REPLACED)


def add_column_if_missing(cursor: Any, sql: LedgerSql, column: str) -> None:
    """Add ``column`` (``chars_replaced`` or ``failed``) to a ledger made before it existed."""
    cursor.execute(f"SELECT * FROM {sql.table} WHERE 1 = 0")
    present = {str(found[0]).lower() for found in cursor.description or ()}
    cursor.fetchall()
    if column not in present:
        cursor.execute(sql.add_replaced if column == REPLACED else sql.add_failed)
        log.info("added the column %s to the ledger %s", column, sql.table)


def ledger_types(flavor: Flavor, *, replaced: bool = False) -> tuple[str, ...]:
    """The column type of every ledger value, in order: what a typed query parameter is declared as
    (BigQuery binds a NULL only with a type). ``replaced``: of a load that replaced characters."""
    written = WRITTEN_COLUMNS + tuple(
        column for column in LEDGER_COLUMNS if column[0] == REPLACED and replaced
    )
    return tuple(_column_type(flavor, kind) for _, kind, _, _ in written)


def create_ledger_sql(dialect_name: str, table: str = LEDGER_TABLE) -> str:
    """``CREATE TABLE IF NOT EXISTS`` of the ledger in a common-sql dialect's flavor, for users who
    create tables themselves (``create_table=False``)."""
    from airflow_provider_wolkvox.sql.flavors import flavor_for

    return ledger_statements(flavor_for(dialect_name), table).create


def record_load(
    execute: Callable[[str, Sequence[Any]], Any],
    job: LoadJob,
    flavor: Flavor,
    sql: LedgerSql | None,
    *,
    replaced: int,
    loaded: int,
) -> None:
    """Inside the load's transaction, after its inserts: run the empty-answer guard, then add the
    ledger row (``sql`` None: no ledger). ``replaced`` is how many rows of the window the load
    deleted, ``loaded`` how many it inserted.

    :raises WolkvoxEmptyAnswerError: no rows would replace ``replaced`` > 0 loaded ones and
        ``job.allow_empty`` is false; the caller's transaction rolls back.
    """
    if loaded == 0 and replaced > 0:
        if not job.allow_empty:
            raise WolkvoxEmptyAnswerError(_guard_message(job, replaced))
        log.warning(
            "%s: the API answered no rows; %s loaded rows of the window were deleted (allow_empty=True)",
            job.describe(),
            f"{replaced:,}",
        )
    if sql is None:
        return
    values = row_values(job, flavor, replaced=replaced, loaded=loaded)
    if job.ledger and job.ledger.chars_replaced:
        execute(sql.insert_replaced, (*values, job.ledger.chars_replaced))
    else:
        execute(sql.insert, values)


def failed_values(job: LoadJob, flavor: Flavor, error: BaseException) -> tuple[Any, ...]:
    """The values of :attr:`LedgerSql.insert_failed` for a try that failed with ``error`` after
    spending ``job.ledger.api_calls``: nothing loaded, nothing replaced."""
    first_line = (str(error).strip().splitlines() or [""])[0]
    text = f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__
    return (*row_values(job, flavor, replaced=0, loaded=0), text[:FAILED_MAX])


def row_values(job: LoadJob, flavor: Flavor, *, replaced: int, loaded: int) -> tuple[Any, ...]:
    """The values of :attr:`LedgerSql.insert`, in :data:`WRITTEN_COLUMNS` order."""
    entry = job.ledger or _NO_ENTRY
    windows = entry.request_windows
    return (
        uuid.uuid4().hex,
        entry.wolkvox_conn_id,
        job.spec.api,
        job.campaign_id,
        flavor.time_value(job.window_start),
        flavor.time_value(job.window_end),
        job.table,
        entry.rows_received,
        loaded,
        replaced,
        entry.requests,
        entry.api_calls,
        entry.capped_calls,
        entry.retried_calls,
        None if windows is None else _windows_json(windows),
        entry.dag_id,
        entry.run_id,
        entry.task_id,
        entry.try_number,
        flavor.time_value(job.loaded_at),
    )


_NO_ENTRY = LedgerEntry()
WINDOWS_TEXT_MAX = 4000
"""Longest ``request_windows`` text: what the narrowest free-text column (VARCHAR(4000)) holds."""


def _windows_json(windows: Sequence[tuple[datetime, datetime]]) -> str:
    """``[[start, end], ...]`` in UTC; past :data:`WINDOWS_TEXT_MAX` characters, a summary instead:
    ``{"count": N, "first": [start, end], "last": [start, end]}``."""
    pairs = [[utc_iso(start), utc_iso(end)] for start, end in windows]
    text = json.dumps(pairs)
    if len(text) <= WINDOWS_TEXT_MAX:
        return text
    return json.dumps({"count": len(pairs), "first": pairs[0], "last": pairs[-1]})


def _guard_message(job: LoadJob, replaced: int) -> str:
    entry = job.ledger
    conn = f"connection {entry.wolkvox_conn_id!r}" if entry and entry.wolkvox_conn_id else "the connection"
    api = job.spec.api
    return (
        f"{api} {job.describe()}: the API answered no rows, and {replaced:,} rows are already loaded "
        f"for this window in {job.table}; they were left as they were. An empty answer also comes "
        f"from a server that does not have {api}, a wrong server number or base_url, or a token of "
        f"another operation: check {conn}'s server and token, and that {api} exists on that server. "
        "If the window really is empty now, pass allow_empty=True to clear it"
    )


def ledger_doc() -> str:
    """The ledger's columns as a Markdown table, for the docs."""
    from airflow_provider_wolkvox.sql.flavors import GENERIC, POSTGRES, SQLITE

    lines = [
        "| column | PostgreSQL | SQLite | other databases | meaning |",
        "|---|---|---|---|---|",
    ]
    for name, kind, nullable, meaning in LEDGER_COLUMNS:
        types = " | ".join(f"`{_column_type(f, kind)}`" for f in (POSTGRES, SQLITE, GENERIC))
        lines.append(f"| `{name}` | {types} | {meaning}{'' if nullable else ' (not null)'} |")
    return "\n".join(lines)
