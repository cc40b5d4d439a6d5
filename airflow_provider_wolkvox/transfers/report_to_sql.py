"""WolkvoxReportToSqlOperator: any report for one data interval into any common-sql warehouse."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow.sdk import Asset, AssetAlias

from airflow_provider_wolkvox._compat import BaseHook, alias_event_extra, dag_test_activates_outlets
from airflow_provider_wolkvox.client.reload import ReloadPrevious, check_reload_previous, previous_windows
from airflow_provider_wolkvox.exceptions import WolkvoxConfigError
from airflow_provider_wolkvox.operators.base import WolkvoxWindowOperator
from airflow_provider_wolkvox.reports import report
from airflow_provider_wolkvox.reports.stored import NEW_COLUMNS_MAX
from airflow_provider_wolkvox.sql.density import DENSITY_TABLE
from airflow_provider_wolkvox.sql.ledger import LEDGER_TABLE

if TYPE_CHECKING:
    from airflow.providers.common.sql.hooks.sql import DbApiHook
    from airflow.sdk import Context
    from pendulum import DateTime

    from airflow_provider_wolkvox.fetching.density_store import DensityStore
    from airflow_provider_wolkvox.fetching.interval import FetchedInterval
    from airflow_provider_wolkvox.observability.figures import TaskFigures
    from airflow_provider_wolkvox.observability.warehouse import WarehouseTable
    from airflow_provider_wolkvox.operators.base import RunProgress
    from airflow_provider_wolkvox.staging.store import Staging


def report_alias(sql_conn_id: str, table: str) -> AssetAlias:
    """The alias every load into ``table`` of ``sql_conn_id`` resolves to its warehouse table's Asset.

    The warehouse (``postgres://host:5432/database/schema/table``) is only known once
    the task reads the connection, so at parse time a DAG names the alias: schedule
    downstream DAGs on it, or on the warehouse table's Asset itself.
    """
    return AssetAlias(name=f"wolkvox:{sql_conn_id}/{table}", group="wolkvox")


def report_asset(sql_conn_id: str, table: str) -> Asset:
    """The connection-named Asset ``x-wolkvox://<sql_conn_id>/<table>``: deprecated, kept for one release.

    It names a connection id, not the database, so it joins nothing outside this
    provider; loads still update it (with the same figures) until 0.3.0. Schedule on
    :func:`report_alias` or the warehouse table's Asset instead.
    """
    return Asset(uri=f"x-wolkvox://{sql_conn_id}/{table}", group="wolkvox")


def report_asset_alias(sql_conn_id: str, table: str) -> AssetAlias:
    """The alias through which loads update the deprecated :func:`report_asset` on Airflow 3.0
    (until 0.3.0).

    Not the Asset itself as an outlet there: Airflow refuses to run a task whose Asset outlets are
    not yet active (written by the DAG processor), and Airflow 3.0's ``dag.test()`` runs a DAG
    file never written, so ``python dag.py`` failed there with
    ``AirflowInactiveAssetInInletOrOutletException``. Aliases are not checked; DAGs scheduled on
    the Asset get its events all the same.
    """
    return AssetAlias(name=f"wolkvox-deprecated:{sql_conn_id}/{table}", group="wolkvox")


def deprecated_outlet(sql_conn_id: str, table: str) -> Asset | AssetAlias:
    """How a load declares the deprecated :func:`report_asset`: the Asset itself from Airflow 3.1 on,
    where it is active before the task runs (the DAG is written first, by the DAG processor or by
    ``dag.test()``); :func:`report_asset_alias` on 3.0.

    Through an alias, Airflow 3.3 logs ``AssetModel ... not found; cannot create asset event`` and
    ``Emitting event for inactive AssetModel ...`` for an Asset no DAG declares (``docs/
    observability.md``, "The warnings"); declared, it is active and its events log nothing.
    """
    if dag_test_activates_outlets():
        return report_asset(sql_conn_id, table)
    return report_asset_alias(sql_conn_id, table)


class WolkvoxReportToSqlOperator(WolkvoxWindowOperator):
    """Load the interval's rows of report ``api`` into ``table``, replacing that interval exactly.

    Every request window is fetched first, into a temporary staging file where
    rows combine the way the report says (summed, shares recomputed, detail rows
    concatenated, or kept per request window); then one database transaction deletes the rows of
    (the report's parameters, window_start, window_end) and inserts the new ones. Re-runs and
    backfills never duplicate rows, and a failure anywhere leaves the table as it
    was. PostgreSQL loads through COPY, SQLite in one transaction, any other
    common-sql warehouse through its DB-API driver. The table's schema is the
    report's (``docs/reports.md``, or ``sql.schema_doc(spec)``).

    An empty answer never silently deletes loaded rows: when the API answers no rows for a
    window that already has rows, the task fails with
    :class:`~airflow_provider_wolkvox.exceptions.WolkvoxEmptyAnswerError` and the table is left
    as it was (the live API answers a report its server does not have, or a wrong server, the
    same way as an empty window). Every load that commits also adds one row to the ledger table
    ``ledger_table``, in the same transaction (``docs/warehouse.md``).

    Takes every argument of :class:`~airflow_provider_wolkvox.operators.base.WolkvoxWindowOperator`.

    :param api: the report (any of ``reports.REPORTS``).
    :param sql_conn_id: connection of any warehouse whose hook is a common-sql ``DbApiHook``.
    :param table: target table, ``name`` or ``schema.name``; default the report's own
        (``wolkvox_<api>``; campaign_8: ``wolkvox_machine_codes``).
    :param create_table: create the table (and the ledger table) when missing.
    :param allow_empty: let an empty answer clear a window that has rows (the ledger row says so).
    :param ledger_table: the load ledger, ``name`` or ``schema.name``; an unqualified name lives in
        ``table``'s schema. None writes no ledger.
    :param density_table: where the request-window density history of ``learn_density`` lives,
        ``name`` or ``schema.name`` (unqualified: in ``table``'s schema); one row per connection,
        report and parameters, replaced after each load commits (``docs/backfills.md``).
    :param stage_in_warehouse: PostgreSQL, summed reports: stage each request window in a temporary
        table of the warehouse while the next one is fetched, then replace the window with one
        ``INSERT ... SELECT`` (``docs/warehouse.md``). Off by default: that final statement costs the
        server more than the default path's binary COPY (``docs/performance.md``).
    :param max_new_columns: most columns one load adds to ``table`` for fields the API sends
        beyond the report's spec (schema on read; default 100). More fail the task before any
        ``ALTER TABLE``, leaving the table as it was (``docs/warehouse.md``).
    :param reload_previous: catch rows the server writes late: each run also fetches and replaces
        the windows just before its own, oldest first, each in its own transaction and with its
        own ledger row: the DAG's earlier data intervals (an explicit window: moved back by its own
        length), this many (an int), or as many as reach back over a ``timedelta``. At most 168. Each costs
        the API calls of one more interval (``airflow wolkvox plan --reload-previous``). None
        (default): only the run's own interval (``docs/backfills.md``, "Late rows").
    """

    def __init__(
        self,
        *,
        api: str,
        sql_conn_id: str,
        table: str | None = None,
        create_table: bool = True,
        allow_empty: bool = False,
        ledger_table: str | None = LEDGER_TABLE,
        density_table: str = DENSITY_TABLE,
        stage_in_warehouse: bool = False,
        max_new_columns: int = NEW_COLUMNS_MAX,
        reload_previous: ReloadPrevious = None,
        **kwargs: Any,
    ) -> None:
        reload_previous = check_reload_previous(reload_previous)
        table = table or report(api).default_table
        kwargs.setdefault(
            "outlets", [report_alias(sql_conn_id, table), deprecated_outlet(sql_conn_id, table)]
        )
        super().__init__(api=api, **kwargs)
        self.sql_conn_id = sql_conn_id
        self.table = table
        self.create_table = create_table
        self.allow_empty = allow_empty
        self.ledger_table = ledger_table
        self.density_table = density_table
        self.stage_in_warehouse = stage_in_warehouse
        self.max_new_columns = max_new_columns
        self.reload_previous = reload_previous
        self.warehouse: WarehouseTable | None = None
        """The table the last load wrote, named by its server and database (set at run time)."""

    def open_staging(self) -> Staging:
        """With ``stage_in_warehouse``, into PostgreSQL, a summed report's request windows are
        staged in the warehouse while the next one is fetched
        (:mod:`~airflow_provider_wolkvox.sql.overlap`)."""
        if not self.stage_in_warehouse:
            return super().open_staging()
        from airflow_provider_wolkvox.sql.overlap import overlap_staging

        return overlap_staging(self._db_hook(), self.spec)

    def deliver(self, fetched: FetchedInterval) -> dict[str, Any]:
        from airflow_provider_wolkvox.observability.warehouse import warehouse_table
        from airflow_provider_wolkvox.reports.stored import window_values
        from airflow_provider_wolkvox.sql import load_window
        from airflow_provider_wolkvox.sql.job import LedgerEntry

        ledger = LedgerEntry.of_fetch(self.wolkvox_conn_id, fetched.summary, _task_instance())
        db_hook = self._db_hook()
        self.warehouse = warehouse_table(db_hook, self.table)
        loaded = load_window(
            db_hook,
            table=self.table,
            report_params=fetched.params,
            window_start=fetched.start,
            window_end=fetched.end,
            rows=fetched.staging.rows(),
            create_table=self.create_table,
            spec=fetched.staging.stored_spec,
            allow_empty=self.allow_empty,
            ledger_table=self.ledger_table,
            ledger=ledger,
            max_new_columns=self.max_new_columns,
            found_types=fetched.staging.found_types(fetched.timezone),
        )
        self.log.info("loaded %s rows into %s (%s)", f"{loaded:,}", self.table, self.sql_conn_id)
        return {
            **window_values(self.spec, fetched.params),
            "window_start": fetched.start.isoformat(),
            "window_end": fetched.end.isoformat(),
            "table": self.table,
            "rows": loaded,
            "rows_received": fetched.summary.rows,
            "requests": fetched.summary.requests,
            "api_calls": fetched.summary.api_calls,
            "capped_calls": fetched.summary.capped_calls,
            "retried_calls": fetched.summary.retried_calls,
            "warehouse": self.warehouse.uri,
        }

    def delivered_rows(self, fetched: FetchedInterval, result: Any) -> int:
        return int(result["rows"])

    def previous_windows(self, start: DateTime, end: DateTime) -> list[tuple[DateTime, DateTime]]:
        """The earlier windows ``reload_previous`` re-reads: the DAG's earlier data intervals when
        ``[start, end)`` is one of its timetable's (see ``client/reload.py``)."""
        if not self.reload_previous:
            return []
        return previous_windows(start, end, self.reload_previous, self.timetable_intervals(start, end))

    def with_reloaded(self, result: Any, reloaded: list[Any]) -> Any:
        """With ``reload_previous``, the XCom value lists the earlier windows replaced too."""
        if not reloaded:
            return result
        keys = ("window_start", "window_end", "rows", "rows_received", "api_calls")
        return {**result, "reloaded": [{key: part[key] for key in keys} for part in reloaded]}

    def destination(self) -> dict[str, Any]:
        return {"warehouse": self.warehouse, "sql_conn_id": self.sql_conn_id}

    def warehouse_hook(self) -> DbApiHook:
        return self._db_hook()

    def record(self, figures: TaskFigures, context: Context) -> None:
        """Metrics, and the load's figures on its asset events.

        Every Asset outlet (the deprecated connection-named Asset from Airflow 3.1 on, and any the
        DAG added) gets the figures as its event's ``extra``; the deprecated alias (Airflow 3.0)
        resolves to the connection-named Asset, every other alias to the warehouse table's Asset,
        whose events carry them too.
        """
        super().record(figures, context)
        assert figures.warehouse is not None
        extra = figures.asset_extra()
        through_alias = alias_event_extra(extra)
        events = context["outlet_events"]
        deprecated = report_asset_alias(self.sql_conn_id, self.table)
        for outlet in self.outlets:
            if isinstance(outlet, AssetAlias) and outlet.name == deprecated.name:
                events[outlet].add(report_asset(self.sql_conn_id, self.table), extra=through_alias)
            elif isinstance(outlet, AssetAlias):
                try:
                    table = Asset(uri=figures.warehouse.uri, group="wolkvox")
                except ValueError as err:  # a URI Airflow refuses must not fail a committed load
                    self.log.warning("no asset event for %s: %s", figures.warehouse.uri, err)
                    continue
                events[outlet].add(table, extra=through_alias)
            elif isinstance(outlet, Asset):
                events[outlet].extra.update(extra)

    def record_failed_try(self, progress: RunProgress, calls: int, error: Exception) -> None:
        """A ledger row of its own for the failed try's calls (:mod:`~airflow_provider_wolkvox.sql.failed`):
        the load's rolled back with it, and its calls spent quota all the same."""
        from airflow_provider_wolkvox.sql.failed import record_failed_try
        from airflow_provider_wolkvox.sql.job import LedgerEntry

        if self.ledger_table is None:
            return
        ti = _task_instance()
        if progress.summary is not None:  # fetched, then the load failed: the fetch's figures
            entry = LedgerEntry.of_fetch(self.wolkvox_conn_id, progress.summary, ti)
            ledger = dataclasses.replace(entry, api_calls=calls, chars_replaced=None)
        else:  # failed while fetching: only the calls are known
            ledger = LedgerEntry(
                wolkvox_conn_id=self.wolkvox_conn_id,
                api_calls=calls,
                dag_id=getattr(ti, "dag_id", None),
                run_id=getattr(ti, "run_id", None),
                task_id=getattr(ti, "task_id", None),
                try_number=getattr(ti, "try_number", None),
            )
        try:
            db_hook = self._db_hook()
        except Exception:  # the connection itself is what failed: nothing to write to
            self.log.warning(
                "the failed try's %d API call(s) are not in the ledger: no warehouse hook", calls
            )
            return
        record_failed_try(
            db_hook,
            table=self.table,
            spec=self.spec,
            report_params=progress.params,
            window_start=progress.start,
            window_end=progress.end,
            ledger_table=self.ledger_table,
            ledger=ledger,
            create_table=self.create_table,
            error=error,
        )

    def check_before_fetch(self) -> None:
        """Before any API call: the table names are valid, the warehouse answers, and it lets the
        load read and write what it will (:mod:`~airflow_provider_wolkvox.sql.writable`)."""
        from airflow_provider_wolkvox.sql.ledger import ledger_table_for
        from airflow_provider_wolkvox.sql.reachable import check_reachable
        from airflow_provider_wolkvox.sql.writable import DENSITY, Needed, check_writable

        for other in (self.ledger_table, self.density_table):  # each checked with the table itself
            ledger_table_for(self.table, other or self.table)
        db_hook = self._db_hook()
        check_reachable(db_hook, self.sql_conn_id)
        create = self.create_table
        needed = [
            Needed(self.table, "data", "window_start", select=True, delete=True, insert=True, create=create)
        ]
        if self.ledger_table is not None:
            ledger = ledger_table_for(self.table, self.ledger_table)
            needed.append(Needed(ledger, "ledger", "load_id", insert=True, create=create))
        if self.learn_density:  # read before the fetch; a missing one is written after the load
            density = ledger_table_for(self.table, self.density_table)
            needed.append(Needed(density, DENSITY, "wolkvox_conn_id", select=True, optional=True))
        check_writable(db_hook, self.sql_conn_id, needed)

    def density_store(self, params: Mapping[str, str]) -> DensityStore:
        """The warehouse's density table (``density_table``), beside the ledger."""
        from airflow_provider_wolkvox.fetching.density_store import density_scope
        from airflow_provider_wolkvox.sql.density import SqlDensityStore
        from airflow_provider_wolkvox.sql.ledger import ledger_table_for

        key = (self.wolkvox_conn_id, self.spec.api, density_scope(params))
        table = ledger_table_for(self.table, self.density_table)
        return SqlDensityStore(self._db_hook(), table, key, create_table=self.create_table)

    def _db_hook(self) -> DbApiHook:
        from airflow.providers.common.sql.hooks.sql import DbApiHook

        db_hook = BaseHook.get_connection(self.sql_conn_id).get_hook()  # type: ignore[no-untyped-call]
        if not isinstance(db_hook, DbApiHook):
            raise WolkvoxConfigError(
                f"connection {self.sql_conn_id!r} gives a {type(db_hook).__name__}, not a common-sql "
                "DbApiHook: point sql_conn_id at a SQL warehouse connection (postgres, sqlite, ...)"
            )
        return db_hook


def _task_instance() -> Any:
    """The running task instance (for the ledger's dag/run/task/try), or None outside a task."""
    from airflow.sdk import get_current_context

    try:
        return get_current_context()["ti"]
    except Exception:  # not inside a running task (a direct deliver() call)
        return None
