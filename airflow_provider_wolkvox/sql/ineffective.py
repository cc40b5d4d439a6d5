"""The numbers not worth dialing: campaign_8's stated benefit, as a table the dialer team exports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from airflow_provider_wolkvox.exceptions import WolkvoxConfigError
from airflow_provider_wolkvox.sql.flavors import (
    GENERIC,
    Flavor,
    bind_placeholder,
    double_quote,
    hook_flavor,
    marks,
)
from airflow_provider_wolkvox.sql.generic import create_if_missing
from airflow_provider_wolkvox.sql.schema import create_head, exists_look, table_parts
from airflow_provider_wolkvox.sql.transaction import transaction

if TYPE_CHECKING:
    from airflow.providers.common.sql.hooks.sql import DbApiHook

MACHINE_RESULTS = "no_answer + answer_machine + busy + congestion + failed"
_SHARE_TYPE = {
    "postgresql": "double precision",
    "redshift": "double precision",
    "sqlite": "REAL",
    "mysql": "DOUBLE",
    "bigquery": "FLOAT64",
}
"""A binary floating point of double precision in each flavor ("FLOAT" elsewhere)."""


@dataclass(frozen=True)
class IneffectiveSql:
    """The statements of one rebuild, in one flavor."""

    table: str
    create: str
    exists: str
    """The flavor's catalog look before ``create`` ("" when ``create`` says "if missing" itself)."""
    delete: str
    insert: str
    count: str


def ineffective_statements(
    flavor: Flavor, *, source_table: str, target_table: str, placeholder: str
) -> IneffectiveSql:
    """The rebuild's SQL: the table created the flavor's way (T-SQL and Oracle have no
    ``CREATE TABLE IF NOT EXISTS``), then delete and insert-select."""
    quote = double_quote if flavor is GENERIC else flavor.quote
    source = ".".join(quote(p) for p in table_parts(source_table))
    parts = table_parts(target_table)
    target = ".".join(quote(p) for p in parts)
    share_type = _SHARE_TYPE.get(flavor.name, "FLOAT")
    # In the order the parameters come: since, built_at, since, min_dials, min_machine_share.
    at_since, at_built, at_start, at_dials, at_share = marks(placeholder, 5)
    create = (
        f"{create_head(flavor, target)} (telephone {flavor.text_type} NOT NULL, "
        f"dials {flavor.int_type} NOT NULL, machine_results {flavor.int_type} NOT NULL, "
        f"machine_share {share_type} NOT NULL, since {flavor.time_type} NOT NULL, "
        f"built_at {flavor.time_type} NOT NULL, {flavor.key_clause.format('telephone')})"
        f"{flavor.table_options}"
    )
    insert = (
        f"INSERT INTO {target} (telephone, dials, machine_results, machine_share, since, built_at) "
        f"SELECT telephone, SUM(total_machine_recognitions), SUM({MACHINE_RESULTS}), "
        f"1.0 * SUM({MACHINE_RESULTS}) / SUM(total_machine_recognitions), {at_since}, {at_built} "
        f"FROM {source} WHERE window_start >= {at_start} GROUP BY telephone "
        f"HAVING SUM(total_machine_recognitions) >= {at_dials} "
        f"AND SUM({MACHINE_RESULTS}) >= {at_share} * SUM(total_machine_recognitions)"
    )
    return IneffectiveSql(
        target,
        create,
        exists_look(flavor, parts),
        f"DELETE FROM {target}",
        insert,
        f"SELECT COUNT(*) FROM {target}",
    )


def build_ineffective_numbers(
    db_hook: DbApiHook,
    *,
    since: datetime,
    min_dials: int,
    min_machine_share: float,
    source_table: str = "wolkvox_machine_codes",
    target_table: str = "wolkvox_ineffective_numbers",
) -> int:
    """Replace ``target_table`` with the telephones dialed at least ``min_dials`` times since
    ``since`` whose share of machine results (no answer, answering machine, busy, congestion,
    failed) is at least ``min_machine_share`` (0 to 1). Returns the number of telephones listed.

    One transaction: readers see the old list or the new one, never half of it.
    """
    if since.tzinfo is None:
        raise WolkvoxConfigError(f"since={since.isoformat()} is naive: give it a time zone")
    if min_dials < 1 or not 0 <= min_machine_share <= 1:
        raise WolkvoxConfigError("min_dials must be >= 1 and min_machine_share between 0 and 1")
    flavor = hook_flavor(db_hook)
    if flavor.replace == "staging_merge":
        # Its DELETE and INSERT would be two jobs with no transaction between (readers could see
        # an empty list), and its DB-API cursor binds no positional parameters: not offered.
        raise WolkvoxConfigError(
            f"build_ineffective_numbers does not support {flavor.title}: it replaces the list in one "
            "transaction, which a DB-API connection there does not have"
        )
    sql = ineffective_statements(
        flavor,
        source_table=source_table,
        target_table=target_table,
        placeholder=bind_placeholder(db_hook, flavor),
    )
    since_value = flavor.time_value(since)
    built_at = flavor.time_value(datetime.now(timezone.utc).replace(microsecond=0))
    conn = db_hook.get_conn()
    try:
        with transaction(db_hook, conn):
            cursor = conn.cursor()
            create_if_missing(cursor, sql)
            cursor.execute(sql.delete)
            cursor.execute(
                sql.insert, (since_value, built_at, since_value, min_dials, float(min_machine_share))
            )
            cursor.execute(sql.count)
            return int(cursor.fetchone()[0])
    finally:
        conn.close()
