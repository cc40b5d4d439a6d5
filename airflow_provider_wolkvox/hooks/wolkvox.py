"""WolkvoxHook: an Airflow connection in, typed report rows out."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential,
    wait_random,
)

from airflow_provider_wolkvox import __version__
from airflow_provider_wolkvox._compat import BaseHook, quiet_dag_test_mask_requests
from airflow_provider_wolkvox.client.connection import DEFAULT_CONN_ID, WolkvoxSettings, unknown_connection
from airflow_provider_wolkvox.client.decoding import read_rows, read_table
from airflow_provider_wolkvox.client.envelope import TransientAnswer, read_answer
from airflow_provider_wolkvox.client.quota import TokenInfo, send_gauges
from airflow_provider_wolkvox.client.scrub import Scrubber
from airflow_provider_wolkvox.client.transport import Deadline, OneOriginSession
from airflow_provider_wolkvox.client.windows import api_dates, describe, validate_window
from airflow_provider_wolkvox.exceptions import (
    WolkvoxConfigError,
    WolkvoxError,
    WolkvoxResponseError,
    WolkvoxTimeoutError,
    WolkvoxTransientError,
)
from airflow_provider_wolkvox.reports import CAMPAIGN_8, MachineCodesRow, ReportSpec, Row, Table

if TYPE_CHECKING:
    from pendulum import DateTime

REPORTS_PATH = "/api/v2/reports_manager.php"
INFORMATION_PATH = "/api/v2/information.php"

_T = TypeVar("_T")

API_MAX_ANSWER_BYTES = 256 * 1024 * 1024
"""The API's limit on one result (256 MB): a longer (decompressed) answer is refused unread."""
_READ_CHUNK = 16 * 1024 * 1024

ABANDONED_GRACE = 1.0
"""Seconds added to the server's time limit before a request may follow one the hook gave up on:
the server starts its clock when the request reaches it, a little after it was written whole."""


class WolkvoxHook(BaseHook):
    """Calls the Wolkvox Reports Manager API with the server and token of an Airflow connection.

    Transient answers (connection errors, timeouts, 5xx, 429, 403 "simultaneous
    requests", 403 during maintenance) are retried with exponential backoff and
    jitter, bounded by ``max_attempts`` and ``max_retry_seconds``. Everything
    else raises a :class:`~airflow_provider_wolkvox.exceptions.WolkvoxError`.
    Each request has one deadline, the connection's ``timeout``, for connecting, sending and
    reading the whole answer, however slowly its bytes come; it follows no redirect (a redirect
    raises :class:`~airflow_provider_wolkvox.exceptions.WolkvoxConfigError` naming where it
    points), and the token goes only to the connection's address. Answers are scrubbed of the
    connection's secrets (:mod:`~airflow_provider_wolkvox.client.scrub`) before anything reads them.
    A request that times out ``timeout_attempts`` times raises
    :class:`~airflow_provider_wolkvox.exceptions.WolkvoxTimeoutError` early, so
    callers can ask for a smaller window instead of waiting out every retry.

    A request the hook gave up on (its answer did not come within the connection's
    ``timeout``) may still be running on the server, keeping the token busy until the
    server's own limit (``server_time_limit``, 60 s). The hook sends nothing more, and
    :meth:`close` does not return, until that limit plus :data:`ABANDONED_GRACE` has passed
    since the abandoned request was sent: a second request meanwhile would be refused as
    "simultaneous", or run beside the first. A server may start its clock later than that guess
    (a slow connection, a loaded server): if it refuses the first request after the wait as
    "simultaneous", the abandoned request is still running, and the next try waits the server's
    limit out from that refusal instead of retrying at the backoff.

    :param wolkvox_conn_id: Airflow connection of type ``wolkvox``.
    :param max_attempts: tries per request, the first included.
    :param max_retry_seconds: no retry starts after this many seconds since the first try.
    :param backoff_seconds: first backoff; it doubles per retry, plus up to as much jitter.
    :param max_backoff_seconds: longest single backoff.
    :param timeout_attempts: timeouts of one request before giving up on that window.
    :param max_answer_bytes: longest answer read, after decompression (the API's 256 MB); a longer
        one, such as a compression bomb, raises
        :class:`~airflow_provider_wolkvox.exceptions.WolkvoxResponseError` without being held whole.
    """

    conn_name_attr = "wolkvox_conn_id"
    default_conn_name = DEFAULT_CONN_ID
    conn_type = "wolkvox"
    hook_name = "Wolkvox"

    def __init__(
        self,
        wolkvox_conn_id: str = DEFAULT_CONN_ID,
        *,
        max_attempts: int = 5,
        max_retry_seconds: float = 300.0,
        backoff_seconds: float = 1.0,
        max_backoff_seconds: float = 60.0,
        timeout_attempts: int = 2,
        max_answer_bytes: int = API_MAX_ANSWER_BYTES,
    ) -> None:
        super().__init__()
        if max_attempts < 1 or timeout_attempts < 1:
            raise ValueError("max_attempts and timeout_attempts must be at least 1")
        self.wolkvox_conn_id = wolkvox_conn_id
        self.max_attempts = max_attempts
        self.max_retry_seconds = max_retry_seconds
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.timeout_attempts = timeout_attempts
        self.max_answer_bytes = max_answer_bytes
        self.calls = 0
        """HTTP requests sent by this hook, retries included (each one spends quota)."""
        self.seconds = 0.0
        """Seconds this hook spent waiting on the API: sending, waiting and reading answers."""
        self.retries = 0
        """Requests this hook sent again after a transient answer or a timeout (part of ``calls``)."""
        self._busy_until: float | None = None
        """``time.monotonic()`` before which a request the hook abandoned may still be running."""
        self._busy_guessed = False
        """Whether a request was abandoned since the last one sent: the wait for it is a guess from
        when it was sent (the server's clock may have started later), see :meth:`_still_running`."""

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Extra fields of the connection form on Airflow 3.0/3.1 (3.2+ read provider info)."""
        from airflow_provider_wolkvox.client.connection_form import form_widgets

        return form_widgets()

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Standard fields of the connection form on Airflow 3.0/3.1 (3.2+ read provider info)."""
        from airflow_provider_wolkvox.client.connection_form import ui_field_behaviour

        return ui_field_behaviour()

    @cached_property
    def settings(self) -> WolkvoxSettings:
        """The connection, validated. Airflow registers its password (the token) with its secret
        masker as it reads it, on every supported release: the hook need not (tests/unit)."""
        quiet_dag_test_mask_requests()
        try:
            connection = self.get_connection(self.wolkvox_conn_id)
        except Exception as err:
            if not any(cls.__name__ == "AirflowNotFoundException" for cls in type(err).__mro__):
                raise
            raise WolkvoxConfigError(unknown_connection(self.wolkvox_conn_id)) from None
        return WolkvoxSettings.from_connection(connection)

    @property
    def server_host(self) -> str:
        """The API's host, ``wv0032.wolkvox.com``: names the server in lineage, never the token."""
        if self.settings.server:
            return f"wv{self.settings.server}.wolkvox.com"
        url = urlsplit(self.settings.base_url)  # host and port only: a URL may carry credentials
        return f"{url.hostname}:{url.port}" if url.port else str(url.hostname)

    @property
    def timezone(self) -> str:
        """IANA time zone in which the API reads and writes dates."""
        return self.settings.timezone

    def get_conn(self) -> requests.Session:
        """The hook's one HTTP session: it adds the token to requests for the connection's address
        (scheme, host and port), and to no other, redirects included."""
        return self._session

    @cached_property
    def _session(self) -> OneOriginSession:
        settings = self.settings
        session = OneOriginSession(settings.token, settings.base_url)
        session.headers.update(
            {"Accept": "application/json", "User-Agent": f"airflow-provider-wolkvox/{__version__}"}
        )
        if settings.server:
            session.headers["wolkvox_server"] = settings.server  # some clients send it; harmless
        session.verify = settings.verify
        if settings.verify is False:
            self.log.warning(
                "connection %r has verify=false: the API's TLS certificate is not checked, so whoever "
                "sits on the network path can read the token",
                self.wolkvox_conn_id,
            )
        return session

    @cached_property
    def _scrubber(self) -> Scrubber:
        return Scrubber(self.settings.secrets)

    def close(self) -> None:
        """Wait out any request the hook abandoned (see the class), then close the HTTP session."""
        self.wait_for_abandoned("releasing the token")
        if "_session" in self.__dict__:
            self._session.close()
            del self.__dict__["_session"]

    def get_report(self, api: str, **params: str) -> list[dict[str, Any]]:
        """One GET of ``reports_manager.php?api=<api>&<params>``: the rows as the API sent them.

        An empty window (200 with no rows, or 404 "Validate dates entered") gives ``[]``.
        """
        return self._call(REPORTS_PATH, {"api": api, **params}, label=api, read=self._reader(api))

    def get_rows(
        self,
        spec: ReportSpec,
        params: str | Mapping[str, str],
        start: DateTime | datetime,
        end: DateTime | datetime,
    ) -> list[Row]:
        """Typed rows of report ``spec`` for one request window ``[start, end)`` (aware datetimes).

        ``params`` are the report's own request parameters (``spec.request_params``), or the
        campaign id of a campaign report. The window is sent in the connection's time zone with
        ``date_end = end - 1 s``; the rows' local dates are read in that zone too.
        """
        # Decoded and typed in one step (decoding.read_rows: a msgspec fast path for plain answers).
        read = partial(read_rows, spec, conn_id=self.wolkvox_conn_id, tz=self.timezone)
        return self._report(spec, params, start, end, read)

    def get_table(
        self,
        spec: ReportSpec,
        params: str | Mapping[str, str],
        start: DateTime | datetime,
        end: DateTime | datetime,
    ) -> Table:
        """Like :meth:`get_rows`, keeping the fields the spec does not list (schema on read): each
        row is the spec's fields, then one text value (or None) per ``Table.extras``."""
        read = partial(read_table, spec, conn_id=self.wolkvox_conn_id, tz=self.timezone)
        return self._report(spec, params, start, end, read)

    def _report(
        self,
        spec: ReportSpec,
        params: str | Mapping[str, str],
        start: DateTime | datetime,
        end: DateTime | datetime,
        read: Callable[[int, bytes], _T],
    ) -> _T:
        start_dt, end_dt = validate_window(start, end)
        date_ini, date_end = api_dates(start_dt, end_dt, self.timezone)
        given = {"campaign_id": str(params)} if isinstance(params, str) else dict(params)
        query = {**given, "date_ini": date_ini, "date_end": date_end}
        answer = self._call(REPORTS_PATH, {"api": spec.api, **query}, label=spec.api, read=read)
        if not (answer.rows if isinstance(answer, Table) else answer):
            self.log.info("%s %s: the window is empty", spec.api, describe(start_dt, end_dt, self.timezone))
        return answer

    def get_machine_codes(
        self, campaign_id: str, start: DateTime | datetime, end: DateTime | datetime
    ) -> list[MachineCodesRow]:
        """campaign_8 rows of one request window ``[start, end)`` (aware datetimes).

        The window is sent in the connection's time zone with ``date_end = end - 1 s``.
        Counts are parsed to ``int``; the telephone stays text.
        """
        return cast("list[MachineCodesRow]", self.get_rows(CAMPAIGN_8, campaign_id, start, end))

    def get_token_info(self) -> TokenInfo:
        """The token's quota for today. The call itself spends one unit of that quota."""
        rows = self._call(
            INFORMATION_PATH, {"api": "token_info"}, label="token_info", read=self._reader("token_info")
        )
        if not rows:
            raise WolkvoxResponseError("token_info: the answer has no data")
        info = TokenInfo.from_row(rows[0])
        send_gauges(self.wolkvox_conn_id, info)
        return info

    def test_connection(self) -> tuple[bool, str]:
        """Check the address and token with one ``token_info`` call (it spends one unit of quota)."""
        try:
            info = self.get_token_info()
        except WolkvoxError as err:
            return False, str(err)
        except Exception as err:  # the UI shows this text: keep it short and token-free
            return False, f"{type(err).__name__} while connecting to {self.settings.base_url}"
        left = info.available_consumption_options
        quota = f"; {left:,} calls left today" if left is not None else ""
        return True, f"Connected to {self.settings.base_url}{quota}"

    def wait_for_abandoned(self, before: str) -> float:
        """Sleep until no request this hook abandoned can still be running on the server; return
        the seconds slept. ``before`` says what waits, for the log."""
        if self._busy_until is None:
            return 0.0
        remaining = self._busy_until - time.monotonic()
        self._busy_until = None
        if remaining <= 0:
            return 0.0
        self.log.info(
            "waiting %.1f s before %s: the server may still be working on a request this task gave up "
            "on, and keeps the token busy until its %g s limit",
            remaining,
            before,
            self.settings.server_time_limit,
        )
        time.sleep(remaining)
        return remaining

    def _reader(self, label: str) -> Callable[[int, bytes], list[dict[str, Any]]]:
        """Reads an answer into the API's rows as sent (:func:`read_answer`)."""
        return partial(read_answer, api=label, conn_id=self.wolkvox_conn_id)

    def _call(self, path: str, params: dict[str, str], *, label: str, read: Callable[[int, bytes], _T]) -> _T:
        """GET ``path`` with retries; ``read(status, body)`` turns each answer into the result or raises
        (:class:`TransientAnswer` to retry)."""
        url = self.settings.base_url + path
        timeouts = 0
        for attempt in self._retrying(label):
            with attempt:
                if attempt.retry_state.attempt_number > 1:
                    self.retries += 1
                try:
                    return self._send_once(url, params, label, read)
                except TransientAnswer as answer:
                    if answer.timeout:
                        timeouts += 1
                        if timeouts >= self.timeout_attempts:
                            raise WolkvoxTimeoutError(
                                f"{label}: {timeouts} requests for the same window timed out "
                                f"({answer}); ask for a smaller window"
                            ) from None
                    raise
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    def _send_once(
        self, url: str, params: dict[str, str], label: str, read: Callable[[int, bytes], _T]
    ) -> _T:
        after_abandoned, self._busy_guessed = self._busy_guessed, False
        self.wait_for_abandoned("the next request")
        self.calls += 1
        timeout = self.settings.timeout
        started = time.monotonic()
        deadline = self._session.deadline(timeout)
        try:
            with deadline:
                status, body = self._exchange(url, params, label)
            if deadline.expired:  # read to an end the deadline made: the answer may be cut short
                raise TimeoutError
        except WolkvoxError:
            raise  # an answer came and was refused (too large, a redirect): nothing left running
        except Exception as err:
            raise self._failure(err, deadline, started) from None
        except BaseException:
            # Interrupted mid-request (task timeout, signal): the server goes on.
            self._abandoned(deadline.sent or started)
            raise
        finally:
            self.seconds += time.monotonic() - started
        seconds = time.monotonic() - started
        self.log.debug("%s: HTTP %s, %s bytes in %.2f s", label, status, len(body), seconds)
        try:
            return read(status, body)
        except TransientAnswer as answer:
            if answer.busy and after_abandoned:
                self._still_running(label)
            raise

    def _still_running(self, label: str) -> None:
        """The first request after the wait for an abandoned one was refused as simultaneous: the
        server is still running the abandoned request, having started its clock later than the
        hook guessed (a slow connection, a loaded server). It is running now, so it ends within the
        server's limit from now: the next try waits that out, instead of spending the retries (and
        their quota) at the backoff on a token the hook itself keeps busy."""
        limit = self.settings.server_time_limit
        self._busy_until = time.monotonic() + limit + ABANDONED_GRACE
        self.log.warning(
            "%s: the server still works on the request this task gave up on (it started it later than "
            "expected); the next try waits for its %g s limit",
            label,
            limit,
        )

    def _exchange(self, url: str, params: dict[str, str], label: str) -> tuple[int, bytes]:
        """One GET: the status and the whole body, scrubbed of the connection's secrets."""
        settings = self.settings
        response = self._session.get(
            url,
            params=params,
            timeout=(min(10.0, settings.timeout), settings.timeout),
            stream=True,
            allow_redirects=False,
            # Given per request, so that it wins over REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE, which
            # requests puts before a session's own verify (true still takes the bundle they name).
            verify=settings.verify,
        )
        try:
            self._refuse_redirect(response, label)
            return response.status_code, self._scrubber.body(self._read_body(response, label))
        finally:
            response.close()

    def _failure(self, err: Exception, deadline: Deadline, started: float) -> Exception:
        """What a request that raised ``err`` raises instead; marks it abandoned if it may run on."""
        timeout = self.settings.timeout
        if deadline.expired or isinstance(err, (requests.Timeout, urllib3.exceptions.TimeoutError)):
            if deadline.expired or not isinstance(
                err, (requests.ConnectTimeout, urllib3.exceptions.ConnectTimeoutError)
            ):
                self._abandoned(deadline.sent or started)
                return TransientAnswer(f"no complete answer within {timeout:g} s", timeout=True)
            # No connection, so no request reached the server: nothing of ours runs there.
            return TransientAnswer(f"no connection within {min(10.0, timeout):g} s")
        if _certificate_refused(err):
            return WolkvoxConfigError(
                f"the TLS certificate of {self.settings.base_url} was not accepted: if it is signed by a "
                f"private CA (a proxy's), set connection {self.wolkvox_conn_id!r}'s verify extra to "
                "the path of that CA's bundle; otherwise check its host and base_url"
            )
        if _name_not_found(err):
            return WolkvoxConfigError(self._unknown_host())
        if isinstance(err, (requests.RequestException, urllib3.exceptions.HTTPError)):
            return TransientAnswer(
                f"{type(err).__name__} connecting to {self.server_host} (connection failed or was cut)"
            )
        self._abandoned(deadline.sent or started)
        return err

    def _unknown_host(self) -> str:
        """The error of a host name that does not resolve: the host tried and the field that made it."""
        settings = self.settings
        if settings.base_url != f"https://wv{settings.server}.wolkvox.com":
            fix = f"check its base_url extra ({settings.base_url})"
        else:
            fix = (
                f"check the server number (its host field, {settings.server!r}): the 4 digits of the "
                "wvNNNN.wolkvox.com address you use to reach Wolkvox"
            )
        return (
            f"the host {self.server_host} of connection {self.wolkvox_conn_id!r} does not resolve (no such "
            f"name in DNS): {fix}. Not retried: a retry cannot make the name exist"
        )

    def _refuse_redirect(self, response: requests.Response, label: str) -> None:
        """A redirect is an error naming where it points: the token goes to one origin only."""
        location = response.headers.get("Location")
        if not (300 <= response.status_code < 400 and location):
            return
        target = urlsplit(urljoin(response.url, location))
        try:
            port = f":{target.port}" if target.port else ""
        except ValueError:
            port = ""
        where = f"{target.scheme}://{target.hostname or '?'}{port}"
        raise WolkvoxConfigError(
            self._scrubber.text(
                f"{label}: {self.settings.base_url} answered HTTP {response.status_code}, a redirect to "
                f"{where}. "
                "The hook follows no redirect, so the token goes to the connection's address only: check "
                f"the host and base_url of connection {self.wolkvox_conn_id!r} (point it at the "
                "address the redirect names if you trust it, e.g. https:// instead of http://)"
            )
        )

    def _read_body(self, response: requests.Response, label: str) -> bytes:
        """The whole (decompressed) body, in large reads: Response.content reads 10 KiB at a time,
        which costs more CPU than the socket itself on answers of tens of megabytes. Stops past
        ``max_answer_bytes``, so a compression bomb never fills the memory."""
        limit = self.max_answer_bytes
        chunks, size = [], 0
        while chunk := response.raw.read(min(_READ_CHUNK, limit + 1 - size), decode_content=True):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise WolkvoxResponseError(
                    f"{label}: the answer is larger than {limit:,} bytes once decompressed, more than the "
                    "API sends (256 MB at most); it was not read further"
                )
        return b"".join(chunks)

    def _abandoned(self, sent: float) -> None:
        until = sent + self.settings.server_time_limit + ABANDONED_GRACE
        self._busy_until = max(until, self._busy_until or until)
        self._busy_guessed = True

    def _retrying(self, label: str) -> Retrying:
        def give_up(state: RetryCallState) -> None:
            assert state.outcome is not None
            err = state.outcome.exception()
            raise WolkvoxTransientError(
                f"{label}: gave up after {state.attempt_number} attempts in "
                f"{state.seconds_since_start or 0:.0f} s; last answer: {err}. The API or the network is "
                "having trouble; the task's own retries will try again later"
            ) from None

        def before_sleep(state: RetryCallState) -> None:
            assert state.outcome is not None
            assert state.next_action is not None
            self.log.warning(
                "%s: attempt %d/%d failed (%s); retrying in %.1f s",
                label,
                state.attempt_number,
                self.max_attempts,
                state.outcome.exception(),
                state.next_action.sleep,
            )

        return Retrying(
            retry=retry_if_exception_type(TransientAnswer),
            stop=stop_after_attempt(self.max_attempts) | stop_before_delay(self.max_retry_seconds),
            # Exponential backoff plus up to one more first backoff of jitter (spelled this way to work
            # on every tenacity release: wait_exponential_jitter renamed its first argument).
            wait=wait_exponential(multiplier=self.backoff_seconds, max=self.max_backoff_seconds)
            + wait_random(0, self.backoff_seconds),
            before_sleep=before_sleep,
            retry_error_callback=give_up,
        )


def _name_not_found(err: BaseException) -> bool:
    """Whether ``err`` comes from a host name DNS says does not exist (not from a resolver that
    could not answer now, ``EAI_AGAIN``, which a retry may get past)."""
    return any(isinstance(item, socket.gaierror) and item.errno in _NO_SUCH_NAME for item in _causes(err))


_NO_SUCH_NAME = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}


def _causes(err: BaseException) -> list[BaseException]:
    """``err`` and every exception it wraps (causes, contexts, urllib3's reasons, arguments)."""
    seen: dict[int, BaseException] = {}
    pending: list[object] = [err]
    while pending:
        item = pending.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen[id(item)] = item
        pending += [item.__cause__, item.__context__, getattr(item, "reason", None), *item.args]
    return list(seen.values())


def _certificate_refused(err: BaseException) -> bool:
    """Whether ``err`` comes from a TLS certificate that failed verification (not a network fault)."""
    return any(isinstance(item, ssl.SSLCertVerificationError) for item in _causes(err))
