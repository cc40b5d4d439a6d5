"""What every Wolkvox window operator shares: templated window, pool default, fetch, errors."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_wolkvox.client.connection import DEFAULT_CONN_ID
from airflow_provider_wolkvox.client.windows import (
    API_MAX_WINDOW,
    ONE_SECOND,
    describe,
    next_local_midnight,
    validate_window,
)
from airflow_provider_wolkvox.exceptions import (
    WolkvoxConfigError,
    WolkvoxError,
    WolkvoxQuotaExceededError,
    WolkvoxTaskStopped,
)
from airflow_provider_wolkvox.observability.figures import TaskFigures
from airflow_provider_wolkvox.pools.naming import POOL_SLOTS, pool_name
from airflow_provider_wolkvox.reports import CAMPAIGN_8, ReportSpec, report

if TYPE_CHECKING:
    from airflow.sdk import Context
    from pendulum import DateTime

    from airflow_provider_wolkvox.client.reload import IntervalBefore
    from airflow_provider_wolkvox.fetching.density import DensityHistory
    from airflow_provider_wolkvox.fetching.density_store import DensityStore
    from airflow_provider_wolkvox.fetching.interval import FetchedInterval, FetchSummary
    from airflow_provider_wolkvox.hooks.wolkvox import WolkvoxHook
    from airflow_provider_wolkvox.staging.store import Staging


QUOTA_RESET_MARGIN = timedelta(minutes=1)
"""Wait this long past local midnight before resuming, so the reset has surely happened."""


class WolkvoxWindowOperator(BaseOperator):
    """Fetch report ``api`` with its parameters for the window ``[window_start, window_end)``.

    Subclasses decide where the rows go (:meth:`deliver`). Unless ``pool`` is
    given (here or in ``default_args``) the task runs in the one-slot pool
    ``wolkvox_<wolkvox_conn_id>``, so one token serves one request at a time.

    :param api: the report (see ``reports.REPORTS``); not templated, since it decides the rows'
        shape and the table's schema.
    :param report_params: the report's own request parameters, e.g. ``{"skill_id": "all"}``
        (``docs/reports.md`` lists each report's). Templated. A parameter the report does not take,
        or a required one missing, is a :class:`WolkvoxConfigError` naming the valid ones, raised
        when the DAG is parsed.
    :param campaign_id: Wolkvox campaign id, or ``all``, for campaign reports (the same as
        ``report_params={"campaign_id": ...}``). Templated.
    :param wolkvox_conn_id: Airflow connection of type ``wolkvox``.
    :param window_start: aware start, datetime or ISO-8601. Templated; defaults to the data interval.
    :param window_end: aware end (exclusive). Templated; defaults to the data interval.
    :param max_request_window: longest single API request (never more than the API's 31 days).
    :param wait_for_quota: when the token's daily quota is spent (403 TOKEN LIMIT EXCEEDED),
        defer until just after the next local midnight of the connection's time zone and then
        run the same interval again, holding no worker or pool slot meanwhile. Otherwise
        fail, saying when the quota resets.
    :param learn_density: plan the request windows from the density earlier runs of the same
        connection, report and parameters saw, and store what this run saw for the next one
        (SQL operators: in the warehouse's ``wolkvox_density`` table; XCom operators: in an Airflow
        Variable; see ``docs/backfills.md``). False: every run starts blind and stores nothing.
    """

    template_fields: Sequence[str] = ("campaign_id", "report_params", "window_start", "window_end")
    ui_color = "#e8f4fd"

    def __init__(
        self,
        *,
        campaign_id: str | None = None,
        report_params: Mapping[str, Any] | None = None,
        api: str = CAMPAIGN_8.api,
        wolkvox_conn_id: str = DEFAULT_CONN_ID,
        window_start: Any = "{{ data_interval_start }}",
        window_end: Any = "{{ data_interval_end }}",
        max_request_window: timedelta = API_MAX_WINDOW,
        wait_for_quota: bool = False,
        learn_density: bool = True,
        pool: str | None = None,
        pool_slots: int = POOL_SLOTS,
        **kwargs: Any,
    ) -> None:
        if not (ONE_SECOND <= max_request_window <= API_MAX_WINDOW):
            raise WolkvoxConfigError(
                f"max_request_window must be between 1 second and 31 days (the API's limit), "
                f"got {max_request_window}"
            )
        self.spec: ReportSpec = report(api)
        if isinstance(report_params, Mapping):
            # Names are checked now, at parse time; values may still be templates.
            self.spec.request_params(_given(report_params, campaign_id))
        elif report_params is None:
            self.spec.request_params(_given({}, campaign_id))
        super().__init__(pool=pool or pool_name(wolkvox_conn_id), pool_slots=pool_slots, **kwargs)
        self.api = api
        self.campaign_id = campaign_id
        self.report_params = report_params
        self.wolkvox_conn_id = wolkvox_conn_id
        self.window_start = window_start
        self.window_end = window_end
        self.max_request_window = max_request_window
        self.wait_for_quota = wait_for_quota
        self.learn_density = learn_density
        self.figures: TaskFigures | None = None
        """What the last successful run did (metrics, asset events and lineage read it)."""
        self._staging: Staging | None = None
        """The staging of the run in progress (:meth:`on_kill` cancels it)."""

    @classmethod
    def partial(cls, **kwargs: Any) -> Any:
        """Like ``BaseOperator.partial``, with the same per-connection pool default.

        Mapped tasks are built without running ``__init__`` at parse time, so the
        default pool has to be set here, or ``expand()`` would land in ``default_pool``.
        """
        if "pool" not in kwargs and "pool" not in _inherited_default_args(kwargs):
            kwargs["pool"] = pool_name(kwargs.get("wolkvox_conn_id", DEFAULT_CONN_ID))
        kwargs.setdefault("pool_slots", POOL_SLOTS)
        return super().partial(**kwargs)

    def execute(self, context: Context) -> Any:
        from airflow_provider_wolkvox._compat import AirflowFailException

        try:
            result = self._run()
        except WolkvoxQuotaExceededError as err:
            self._wait_for_quota_or_fail(err)
            raise  # unreachable: the method above defers or raises
        except WolkvoxError as err:
            if err.retryable:
                raise
            raise AirflowFailException(f"{type(err).__name__}: {err}") from None
        if self.figures is not None:
            self.record(self.figures, context)
        return result

    def record(self, figures: TaskFigures, context: Context) -> None:
        """Tell the deployment what the task did: metrics here; SQL loads add asset events."""
        from airflow_provider_wolkvox.observability import metrics

        metrics.task_figures(figures)

    def on_kill(self) -> None:
        """Airflow calls this from its SIGTERM handler (in the task's main thread), and after an
        ``execution_timeout``: a fetch or load in progress stops now. The staging is cancelled (its
        writer stops within seconds, and its file is removed on the way out) and, on SIGTERM,
        :class:`~airflow_provider_wolkvox.exceptions.WolkvoxTaskStopped` is raised where the task
        was, so the task ends as after Ctrl-C: a load in progress rolls back. After a timeout the
        run has already stopped, and nothing is left to do."""
        staging = self._staging
        if staging is None:
            return
        staging.cancel()
        if threading.current_thread() is threading.main_thread():
            raise WolkvoxTaskStopped(
                f"{self.task_id}: told to stop (SIGTERM); the fetch stopped and nothing was loaded"
            )

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """The report read and the table written, for the OpenLineage provider when it is installed
        (see :mod:`~airflow_provider_wolkvox.observability.lineage`)."""
        from airflow_provider_wolkvox.observability.lineage import operator_lineage

        if self.figures is None:
            return None  # no successful run yet
        return operator_lineage(self.figures, self.spec, self.warehouse_hook())

    def resume_after_quota(self, context: Context, event: Any = None) -> Any:
        """Back from a quota deferral: run the same interval again from the start."""
        self.log.info("quota reset: fetching the interval again")
        return self.execute(context)

    def _wait_for_quota_or_fail(self, err: WolkvoxQuotaExceededError) -> None:
        from airflow.providers.standard.triggers.temporal import DateTimeTrigger

        from airflow_provider_wolkvox._compat import AirflowFailException
        from airflow_provider_wolkvox.hooks.wolkvox import WolkvoxHook

        tz = WolkvoxHook(self.wolkvox_conn_id).timezone
        resume_at = next_local_midnight(tz) + QUOTA_RESET_MARGIN
        when = f"{resume_at.in_timezone(tz).strftime('%Y-%m-%d %H:%M %Z')} ({resume_at.diff_for_humans()})"
        if not self.wait_for_quota:
            raise AirflowFailException(
                f"{type(err).__name__}: {err}. The quota resets at local midnight, {when}; "
                "pass wait_for_quota=True to wait for it instead of failing"
            ) from None
        self.log.warning("daily API quota spent; deferring until %s, then fetching this interval again", when)
        self.defer(trigger=DateTimeTrigger(moment=resume_at), method_name="resume_after_quota")

    def _run(self) -> Any:
        from airflow_provider_wolkvox.hooks.wolkvox import WolkvoxHook
        from airflow_provider_wolkvox.observability import metrics

        self.figures = None
        start, end = validate_window(self.window_start, self.window_end, self._zero_length_hint())
        params = self.request_params()
        earlier = self.previous_windows(start, end)
        hook = WolkvoxHook(self.wolkvox_conn_id)
        progress = RunProgress(params, start, end)
        try:
            # Everything knowable without the API first, so that no failure known beforehand costs quota:
            _ = hook.settings  # the connection: a wrong id or field is named as such
            self.check_before_fetch()
            store = self.density_store(params) if self.learn_density else None
            history = self._read_history(store, hook) if store else None
            reloaded = [
                self._fetch_and_deliver(hook, params, *window, history, progress=progress)
                for window in earlier
            ]
            result, figures = self._fetch_and_deliver(hook, params, start, end, history, progress=progress)
            self.figures = replace(figures, reloaded=tuple(f for _, f in reloaded))
            if store is not None and history is not None:
                self._write_history(store, history.updated(figures.summary.observations))
            return self.with_reloaded(result, [r for r, _ in reloaded])
        except Exception as err:
            unrecorded = hook.calls - progress.delivered_calls
            if unrecorded > 0:
                self.record_failed_try(progress, unrecorded, err)
            raise
        finally:
            self._staging = None
            hook.close()
            metrics.calls_sent(self.wolkvox_conn_id, self.spec.api, hook.calls)

    def _fetch_and_deliver(
        self,
        hook: WolkvoxHook,
        params: dict[str, str],
        start: DateTime,
        end: DateTime,
        history: DensityHistory | None,
        *,
        progress: RunProgress,
    ) -> tuple[Any, TaskFigures]:
        """Fetch ``[start, end)`` into a staging of its own and deliver it: the result and figures.
        ``progress`` follows it, for the ledger row of a try that fails."""
        from airflow_provider_wolkvox.fetching.interval import (
            FetchedInterval,
            describe_params,
            fetch_interval,
        )

        progress.start, progress.end, progress.summary = start, end, None
        with self.open_staging() as staging:
            self._staging = staging
            summary = fetch_interval(
                hook,
                params,
                start,
                end,
                staging,
                max_request_window=self.max_request_window,
                logger=self.log,
                history=history,
            )
            self.log.info(
                "%s %s %s: %s rows from %d request(s), %s %s, %d API call(s)",
                self.spec.api,
                describe_params(params),
                describe(start, end, hook.timezone),
                f"{summary.rows:,}",
                summary.requests,
                f"{len(staging):,}",
                "telephones" if self.spec.key == ("telephone",) else "rows after combining",
                summary.api_calls,
            )
            progress.summary = summary
            fetched = FetchedInterval(params, start, end, hook.timezone, staging, summary)
            started = time.monotonic()
            result = self.deliver(fetched)
            progress.delivered_calls += summary.api_calls
            return result, TaskFigures(
                report=self.spec.api,
                wolkvox_conn_id=self.wolkvox_conn_id,
                server=hook.server_host,
                params=params,
                start=start,
                end=end,
                summary=summary,
                rows_delivered=self.delivered_rows(fetched, result),
                deliver_seconds=time.monotonic() - started,
                stored=staging.stored_spec,
                **self.destination(),
            )

    def record_failed_try(self, progress: RunProgress, calls: int, error: Exception) -> None:
        """The try fails with ``error`` after ``calls`` API calls no delivered window counts, while
        fetching (``progress.summary`` None) or delivering ``progress``' window: the SQL operators
        record them in the ledger; here the metric ``wolkvox.calls.sent`` counts them, as it
        counts every call."""

    def previous_windows(self, start: DateTime, end: DateTime) -> list[tuple[DateTime, DateTime]]:
        """Earlier windows a run of ``[start, end)`` replaces too, oldest first (SQL operators'
        ``reload_previous``); none here."""
        return []

    def timetable_intervals(self, start: DateTime, end: DateTime) -> IntervalBefore | None:
        """The DAG's timetable as "the data interval that ends at a moment", when ``[start, end)``
        is one of its intervals (else None: explicit windows, no DAG, a timetable without them)."""
        timetable = getattr(self.get_dag(), "timetable", None)
        infer = getattr(timetable, "infer_manual_data_interval", None)
        if infer is None:
            return None

        def before(moment: DateTime) -> tuple[DateTime, DateTime]:
            interval = infer(run_after=moment)
            return interval.start, interval.end

        try:
            return before if before(end) == (start, end) else None
        except Exception:  # a timetable that cannot say: the caller does without it
            return None

    def with_reloaded(self, result: Any, reloaded: list[Any]) -> Any:
        """The XCom value of a run: ``result`` of its own interval, told what was reloaded."""
        return result

    def _zero_length_hint(self) -> str:
        from airflow_provider_wolkvox.operators.schedule_hint import zero_length_hint

        return zero_length_hint(getattr(self.get_dag(), "timetable", None))

    def check_before_fetch(self) -> None:
        """Check what can fail the task without the API, before its first call (the SQL operators:
        the warehouse); raise a :class:`~airflow_provider_wolkvox.exceptions.WolkvoxError`."""

    def open_staging(self) -> Staging:
        """Where the interval's request windows are combined while fetching: a local file here;
        a warehouse sink may stage them in the warehouse instead."""
        from airflow_provider_wolkvox.staging.store import Staging

        return Staging(spec=self.spec)

    def request_params(self) -> dict[str, str]:
        """The rendered parameters, checked against the report's (:class:`WolkvoxConfigError`)."""
        given = self.report_params
        if given is not None and not isinstance(given, Mapping):
            raise WolkvoxConfigError(
                f"report_params rendered to {type(given).__name__}, not a mapping of parameter names "
                f"to values; {self.spec.params_help}"
            )
        campaign_id = self.campaign_id
        if campaign_id is not None and (not str(campaign_id).strip() or str(campaign_id).strip() == "None"):
            raise WolkvoxConfigError("campaign_id is empty: give a Wolkvox campaign id, or 'all'")
        return self.spec.request_params(_given(given or {}, campaign_id))

    def density_store(self, params: Mapping[str, str]) -> DensityStore:
        """Where this task's density history lives: an Airflow Variable (SQL operators: the warehouse)."""
        from airflow_provider_wolkvox.fetching.density_store import VariableDensityStore, density_scope

        return VariableDensityStore(self.wolkvox_conn_id, self.spec.api, density_scope(params))

    def _read_history(self, store: DensityStore, hook: WolkvoxHook) -> DensityHistory:
        """The stored history, or an empty one (with a warning when it could not be read)."""
        from airflow_provider_wolkvox.fetching.density import DensityHistory
        from airflow_provider_wolkvox.fetching.density_store import loads

        try:
            history = loads(store.read(), hook.timezone)
        except Exception as err:  # only the plan depends on it: never fail a run for it
            self.log.warning(
                "density history in %s could not be read (%s: %s); planning this run without it, "
                "and the run's own history replaces it",
                store.describe(),
                type(err).__name__,
                err,
            )
            return DensityHistory.empty(hook.timezone)
        hours = sum(history.seconds) / 3600
        if history.known:
            self.log.info("planning request windows from %s (%.0f hours seen)", store.describe(), hours)
        return history

    def _write_history(self, store: DensityStore, history: DensityHistory) -> None:
        from airflow_provider_wolkvox.fetching.density_store import dumps

        try:
            store.write(dumps(history))
        except Exception as err:  # the rows are delivered; a stale history costs calls, never rows
            self.log.warning(
                "density history could not be written to %s (%s: %s); the next run plans from the "
                "history before this one",
                store.describe(),
                type(err).__name__,
                err,
            )

    def deliver(self, fetched: FetchedInterval) -> Any:
        """Put the interval's combined rows where they belong; the return value goes to XCom."""
        raise NotImplementedError

    def delivered_rows(self, fetched: FetchedInterval, result: Any) -> int:
        """How many rows :meth:`deliver` delivered (its ``result`` in hand)."""
        return len(fetched.staging)

    def destination(self) -> dict[str, Any]:
        """Where :meth:`deliver` put the rows, as :class:`TaskFigures` fields (none for XCom)."""
        return {}

    def warehouse_hook(self) -> Any:
        """The SQL hook of the warehouse :meth:`deliver` loads into (None for XCom): lineage names the
        table the way that hook's OpenLineage database info does."""
        return None


@dataclass
class RunProgress:
    """Where a run is: the window it fetches or delivers, its fetch's summary once fetched (None
    before), and the API calls of the windows already delivered (each counted by its ledger row)."""

    params: dict[str, str]
    start: DateTime
    end: DateTime
    summary: FetchSummary | None = None
    delivered_calls: int = 0


def _given(report_params: Mapping[str, Any], campaign_id: Any) -> dict[str, Any]:
    """``report_params`` with ``campaign_id`` in it when given apart (it must not say otherwise)."""
    given = {name: value if isinstance(value, str) else str(value) for name, value in report_params.items()}
    if campaign_id is not None:
        campaign_id = str(campaign_id)
        if given.get("campaign_id", campaign_id) != campaign_id:
            raise WolkvoxConfigError(
                f"campaign_id={campaign_id!r} and report_params campaign_id={given['campaign_id']!r} "
                "disagree: give it once"
            )
        given["campaign_id"] = campaign_id
    return given


def _inherited_default_args(kwargs: dict[str, Any]) -> dict[str, Any]:
    """default_args a task would inherit from its DAG, task group and own ``default_args``."""
    from airflow.sdk.bases.operator import get_merged_defaults
    from airflow.sdk.definitions._internal.contextmanager import DagContext, TaskGroupContext

    dag = kwargs.get("dag") or DagContext.get_current()
    task_group = kwargs.get("task_group") or (TaskGroupContext.get_current(dag) if dag else None)
    merged, _ = get_merged_defaults(dag, task_group, None, kwargs.get("default_args"))
    return dict(merged)
