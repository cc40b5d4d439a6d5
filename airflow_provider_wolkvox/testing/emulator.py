"""Local emulator of the Wolkvox Reports Manager API: no Wolkvox account needed.

Serves every report of the catalogue (cdr, agent, skill, campaign, chat, diagram, act,
quality, speech and wizard families: :data:`REPORT_APIS`), all made of one synthetic
operation so their figures agree, and ``token_info`` over real HTTP with the vendor's envelope,
error answers and limits (31 days per request, 60,000 rows per answer, a daily
quota and simultaneous requests per token), deterministic synthetic data whose
exact answer for any window is :meth:`WolkvoxEmulator.ground_truth`, scriptable
faults, and server-side statistics that show how a client used its token::

    with WolkvoxEmulator(tokens=["secret"], seed=7) as emu:
        requests.get(f"{emu.base_url}/api/v2/reports_manager.php",
                     params={"api": "campaign_8", "campaign_id": "1",
                             "date_ini": "20261127000000", "date_end": "20261127235959"},
                     headers={"wolkvox-token": "secret"})

Campaign ids are digit strings; ``all`` is campaigns ``1`` and ``2`` summed per
telephone, and campaign ``0`` never dials (its windows are empty). Dates are
wall-clock time in the emulator's time zone, ``date_end`` inclusive.

Admin endpoints (no token), for tests in another process: ``POST /_emulator/faults``
``{rate, kinds, seed, script, fault_sleep, redirect_to, drip_interval, bomb_bytes}``,
``GET /_emulator/stats``,
``POST /_emulator/reset``, ``POST /_emulator/clock {"now": ISO | null}``,
``POST /_emulator/late {api, delay_seconds | null}`` (:meth:`WolkvoxEmulator.set_late`),
``POST /_emulator/preload {campaign_id, start, end}`` and
``GET /_emulator/ground_truth?start=ISO&end=ISO[&api=NAME][&its own parameters]``
(campaign_8: ``{telephone: [total, no_answer, answer_machine, busy, congestion, failed]}``;
any other report: its rows as the API sends them) and ``POST /_emulator/fields
{api, extra, dropped, suffixed}`` (:meth:`WolkvoxEmulator.set_fields`).

The emulator never logs a request, and identifies tokens only by
:meth:`WolkvoxEmulator.fingerprint`. Standard library only.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import json
import math
import os
import random
import select
import signal
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType, TracebackType
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from airflow_provider_wolkvox.testing.emulator_channels import Channels
from airflow_provider_wolkvox.testing.emulator_data import (
    DialData,
    Span,
    WeekShape,
    local_spans,
    render_rows,
    telephone,
    utc_spans,
)
from airflow_provider_wolkvox.testing.emulator_families import REPORTS, Context
from airflow_provider_wolkvox.testing.emulator_families.base import BadParameter
from airflow_provider_wolkvox.testing.emulator_hostile import (
    DEFAULT_BOMB_BYTES,
    DEFAULT_DRIP_INTERVAL,
    HOSTILE_KINDS,
    drip,
    echo_message,
    gzip_bomb,
)
from airflow_provider_wolkvox.testing.emulator_operation import Operation, Window
from airflow_provider_wolkvox.testing.emulator_reports import ReportData
from airflow_provider_wolkvox.testing.latency import LatencyModel

__all__ = ["FAULT_KINDS", "HOSTILE_KINDS", "WolkvoxEmulator", "main"]

REPORTS_PATH = "/api/v2/reports_manager.php"
INFO_PATH = "/api/v2/information.php"
TOKEN_HEADER = "wolkvox-token"  # noqa: S105 (a header name, not a secret)

MSG_NO_TOKEN = "PLEASE ENTER THE WOLKVOX-TOKEN"  # noqa: S105 (an error message)
MSG_BAD_TOKEN = "PLEASE VALIDATE TOKEN"  # noqa: S105 (an error message)
MSG_NO_API = "THE API YOU WANT TO CONSULT DOES NOT EXIST"
MSG_PARAMS = "SOME PARAMETERS ARE REQUIRED"
MSG_RANGE = "THE DATE RANGE EXCEEDS 31 DAYS"
MSG_QUOTA = "TOKEN LIMIT EXCEEDED"
MSG_SIMULTANEOUS = "EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN (2)"
MSG_EMPTY = "Validate dates entered"

FAULT_KINDS = (
    "5xx",
    "timeout",
    "reset",
    "html",
    "malformed",
    "maintenance",
    "simultaneous",
    "truncated_body",
)
"""Fault kinds :meth:`WolkvoxEmulator.set_faults` accepts."""

UNLIMITED = 999_999_999
"""``token_limit`` reported by token_info when the emulator has no daily quota."""

_JSON = "application/json; charset=utf-8"
_HTML = "text/html; charset=UTF-8"
_PARAMS = ("campaign_id", "date_ini", "date_end")
REPORT_APIS = tuple(REPORTS)
"""The reports the emulator serves: every catalogued one, plus campaign_2 and campaign_9."""
_MAX_RANGE = timedelta(days=31)
_ONE_SECOND = timedelta(seconds=1)
_LOG_SIZE = 100_000
_MAX_BODY = 1 << 20


@dataclass(frozen=True)
class _Answer:
    status: int  # 0 when no HTTP answer is sent
    body: bytes
    content_type: str = _JSON
    rows: int = 0
    action: Literal["send", "reset", "truncate", "drop", "drip"] = "send"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class _TokenState:
    in_flight: int = 0
    max_in_flight: int = 0
    requests: int = 0
    day: date | None = None
    calls: int = 0
    server_seconds: float = 0.0


class WolkvoxEmulator:
    """A Wolkvox Reports Manager API on a local port; see the module docstring.

    ``daily_quota`` counts calls per token per local day (every answer except 401 and
    the quota refusal itself, faults included). ``max_concurrent`` requests of one
    token may be in flight; one more is refused with the simultaneous-requests 403.
    ``latency`` delays each report answer, so overlapping requests are observable.
    Like a real server, the emulator does not notice a client that gives up: it goes on
    working on the request, and the token stays busy, until the work is done or
    ``server_limit`` seconds (the vendor's 60 s) have passed; then it answers 504.
    ``empty_answer`` chooses how a valid window without rows is answered: ``"404"``
    (``Validate dates entered``) or ``"200"`` (``0 records were found``, ``data []``).
    ``missing_reports`` are reports this server does not have: like a live server (seen for
    ``chat_7``), it answers them as an empty window, 404 ``Validate dates entered``.
    ``latency_model`` ``(base_s, per_row_s, jitter)`` makes each report answer of ``rows`` rows
    take ``base_s + per_row_s * rows`` seconds of work, times ``1 +- jitter`` drawn from ``seed``
    (:mod:`~airflow_provider_wolkvox.testing.latency`); past ``server_limit``, a 504. Stats count
    each token's ``server_seconds``: how long its requests held it, from arrival to answer.
    ``tls`` ``(certfile, keyfile)`` serves HTTPS with that certificate (``base_url`` https://).
    ``week_shape``, 168 shares by local hour of the week (Monday 00:00 first), makes the
    operation dial ``dials_per_hour`` times that share in each hour: business hours, a lunch
    dip, empty nights (:class:`~airflow_provider_wolkvox.testing.emulator_data.WeekShape`).
    """

    def __init__(
        self,
        tokens: Sequence[str] = ("emulator-token",),
        *,
        seed: int = 0,
        timezone: str = "America/Bogota",
        host: str = "127.0.0.1",
        port: int = 0,
        telephones: int = 5_000,
        dials_per_hour: int = 300,
        daily_quota: int | None = None,
        max_concurrent: int = 1,
        latency: float = 0.0,
        code_as_string: bool = False,
        empty_answer: str = "404",
        row_cap: int = 60_000,
        server_limit: float = 60.0,
        missing_reports: Sequence[str] = (),
        calls_per_hour: int = 60,
        chats_per_hour: int = 20,
        extra_fields: Mapping[str, Mapping[str, str]] | None = None,
        dropped_fields: Mapping[str, Sequence[str]] | None = None,
        latency_model: tuple[float, float, float] | None = None,
        tls: tuple[str, str] | None = None,
        week_shape: Sequence[float] | None = None,
    ) -> None:
        if isinstance(tokens, str):
            raise TypeError("tokens must be a sequence of tokens, not a single string")
        if not all(isinstance(t, str) and t for t in tokens):
            raise ValueError("every token must be a non-empty string")
        try:
            self._zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"time zone {timezone!r} is not an IANA name such as America/Bogota") from None
        if daily_quota is not None and daily_quota < 0:
            raise ValueError(f"daily_quota must be None or >= 0, got {daily_quota}")
        if max_concurrent < 1 or latency < 0 or row_cap < 1 or not server_limit > 0:
            raise ValueError("max_concurrent and row_cap must be >= 1, latency >= 0 and server_limit > 0")
        if str(empty_answer) not in ("404", "200"):
            raise ValueError(f"empty_answer must be '404' or '200', got {empty_answer!r}")
        self.seed, self.timezone, self.host, self.port = seed, timezone, host, port
        self.daily_quota, self.max_concurrent, self.latency = daily_quota, max_concurrent, latency
        self.code_as_string, self.empty_answer, self.row_cap = code_as_string, str(empty_answer), row_cap
        self.server_limit = server_limit
        self.missing_reports = frozenset(missing_reports)
        self.tls = tls
        self._stopping = threading.Event()
        self._static_faults = {
            "5xx": _Answer(503, _html_page("503 Service Unavailable"), _HTML),
            "reset": _Answer(0, b"", action="reset"),
            "html": _Answer(200, _html_page("wolkvox"), _HTML),
            "maintenance": _Answer(403, b"", _HTML),
            "simultaneous": self._error(403, MSG_SIMULTANEOUS),
        }
        week = WeekShape(week_shape, self._zone) if week_shape is not None else None
        self._data = DialData(seed=seed, telephones=telephones, dials_per_hour=dials_per_hour, week=week)
        self._operation = Operation(self._data, self._zone, calls_per_hour)
        self._reports = ReportData(self._data, self._zone, self._operation)
        if chats_per_hour < 0:
            raise ValueError(f"chats_per_hour must be >= 0, got {chats_per_hour}")
        self._channels = Channels(self._operation, chats_per_hour)
        self._field_changes: dict[str, tuple[dict[str, str], frozenset[str], dict[str, str]]] = {}
        self._late: dict[str, timedelta] = {}
        self._tokens = frozenset(tokens)
        self._states = {self.fingerprint(t): _TokenState() for t in self._tokens}
        self._lock = threading.Lock()
        self._clock: datetime | None = None
        self._preloaded: dict[tuple[str, ...], _Answer] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._base_url: str | None = None
        self.set_faults()
        self.set_latency_model(latency_model, seed)
        self.reset_stats()
        for api in sorted({*(extra_fields or {}), *(dropped_fields or {})}):
            self.set_fields(
                api, extra=(extra_fields or {}).get(api), dropped=(dropped_fields or {}).get(api, ())
            )

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT`` of the running emulator."""
        if self._base_url is None:
            raise RuntimeError("the emulator is not running: call start() or use it as a context manager")
        return self._base_url

    def start(self) -> str:
        """Start serving in a daemon thread (idempotent) and return :attr:`base_url`."""
        if self._server is None:
            self._stopping.clear()
            server = _Server((self.host, self.port), self)
            if self.tls is not None:
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(*self.tls)
                # The handshake happens in the request's thread, not the one accepting connections.
                server.socket = context.wrap_socket(
                    server.socket, server_side=True, do_handshake_on_connect=False
                )
            self._thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="wolkvox-emulator",
                daemon=True,
            )
            self._thread.start()
            self._server = server
            host, port = server.socket.getsockname()[:2]
            scheme = "https" if self.tls else "http"
            self._base_url = f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"
        return self.base_url

    def stop(self) -> None:
        """Stop serving and close every open connection (idempotent)."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()  # ends the work of requests still being served
        server.shutdown()
        server.server_close()
        server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._base_url = None

    def __enter__(self) -> WolkvoxEmulator:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- controls ----------------------------------------------------------------------------

    @staticmethod
    def fingerprint(token: str) -> str:
        """How stats name a token: ``sha256:`` and 12 hex digits, never the token itself."""
        return "sha256:" + hashlib.sha256(token.encode()).hexdigest()[:12]

    def set_faults(
        self,
        rate: float = 0.0,
        kinds: Sequence[str] = (),
        seed: int = 0,
        script: Sequence[str] = (),
        *,
        fault_sleep: float = 3.0,
        redirect_to: str | None = None,
        drip_interval: float = DEFAULT_DRIP_INTERVAL,
        bomb_bytes: int = DEFAULT_BOMB_BYTES,
    ) -> None:
        """Inject faults into the following report and token_info requests (after auth).

        The kinds in ``script`` hit the next requests in order (``"none"`` lets one
        through); after that each request has a fault with probability ``rate``, of a
        kind drawn from ``kinds``, both
        deterministic from ``seed``. A ``timeout`` makes the request take ``fault_sleep``
        seconds of work, then answers normally; past ``server_limit`` the server stops the
        work at its limit and answers 504. The work goes on, and keeps the token busy,
        whether or not the client is still waiting.

        Hostile kinds (:data:`HOSTILE_KINDS`): ``redirect`` answers 302 to ``redirect_to`` (an
        origin such as ``http://127.0.0.2:8080``) plus the request's path and query; ``echo_token``
        answers 400 quoting the token sent in ``error``, ``msg`` and an ``X-Wolkvox-Token`` header;
        ``drip`` sends the normal answer one byte every ``drip_interval`` seconds; ``gzip_bomb``
        answers 200 with a gzip body that inflates to ``bomb_bytes`` bytes.
        """
        kinds, script = _kinds(kinds), _kinds(script)
        if "redirect" in (*kinds, *script) and not redirect_to:
            raise ValueError("the redirect fault needs redirect_to, the origin it points to")
        if drip_interval < 0 or bomb_bytes < 1:
            raise ValueError("drip_interval must be >= 0 and bomb_bytes >= 1")
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, got {rate}")
        if rate and not kinds:
            raise ValueError("a fault rate needs fault kinds")
        if fault_sleep < 0:
            raise ValueError(f"fault_sleep must be >= 0, got {fault_sleep}")
        with self._lock:
            self._fault_rate, self._fault_kinds, self._fault_sleep = rate, kinds, fault_sleep
            self._redirect_to = (redirect_to or "").rstrip("/")
            self._drip_interval, self._bomb_bytes = drip_interval, bomb_bytes
            self._fault_rng = random.Random(seed)  # noqa: S311 (reproducible, not secret)
            self._fault_script = deque(script)

    def set_clock(self, now: datetime | None) -> None:
        """Freeze "now" (an aware datetime) for the daily quota and late rows; ``None`` uses real time."""
        if now is not None:
            _require_aware(now, "now")
        with self._lock:
            self._clock = now

    def set_late(self, api: str, delay: timedelta | None) -> None:
        """From now on, answer a row of detail report ``api`` only once "now" (:meth:`set_clock`,
        else real time) is ``delay`` or more past the row's own date: a server that writes its
        records with a lag, so a window asked for right after it ends lacks its last ``delay`` of
        rows, and the same window asked again later has them. ``ground_truth_rows`` stays the final
        answer (every row). ``None`` (or zero) turns it off for ``api``."""
        if api not in REPORTS:
            raise ValueError(f"unknown report {api!r}")
        if REPORTS[api].date_field is None:
            raise ValueError(f"{api} is an aggregate: only detail reports (rows with their own date) lag")
        if delay is not None and (not isinstance(delay, timedelta) or delay < timedelta(0)):
            raise ValueError(f"delay must be a timedelta >= 0 or None, got {delay!r}")
        with self._lock:
            if delay:
                self._late[api] = delay
            else:
                self._late.pop(api, None)
            self._preloaded = {k: v for k, v in self._preloaded.items() if k[0] != api}

    def set_fields(
        self,
        api: str,
        *,
        extra: Mapping[str, str] | None = None,
        dropped: Sequence[str] = (),
        suffixed: Mapping[str, str] | None = None,
    ) -> None:
        """From now on, send ``extra`` fields (name -> value, in every row) in ``api``'s rows,
        stop sending the ``dropped`` ones, and end the value of each field of ``suffixed`` (name ->
        text) with that text: how a live server's answers change under a client, or how a hostile
        one writes them (any name and text, NUL and unpaired surrogates included, as JSON escapes).
        Replaces earlier changes of ``api``; ``set_fields(api)`` restores its usual fields."""
        if api not in REPORTS:
            raise ValueError(f"unknown report {api!r}")
        extra, suffixed = dict(extra or {}), dict(suffixed or {})
        if isinstance(dropped, str) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in (*extra.items(), *suffixed.items())
        ):
            raise TypeError(
                "extra and suffixed must map field names to string values, dropped must be a list of names"
            )
        with self._lock:
            if extra or dropped or suffixed:
                self._field_changes[api] = (extra, frozenset(dropped), suffixed)
            else:
                self._field_changes.pop(api, None)
            self._preloaded = {k: v for k, v in self._preloaded.items() if k[0] != api}

    def reset_stats(self) -> None:
        """Forget request statistics (quota usage is server state and stays)."""
        with self._lock:
            self._requests = 0
            self._by_status: Counter[str] = Counter()
            self._fault_counts: Counter[str] = Counter()
            self._simultaneous = 0
            self._log: deque[dict[str, Any]] = deque(maxlen=_LOG_SIZE)
            for state in self._states.values():
                state.requests = state.max_in_flight = 0
                state.server_seconds = 0.0

    def stats(self) -> dict[str, Any]:
        """A JSON-serialisable snapshot of what the server saw; tokens appear as fingerprints.

        ``max_in_flight`` is the most requests of one token the server held at once,
        counted at request entry (refused ones included). ``status`` 0 means no HTTP
        answer was sent (reset, or a timeout fault whose client hung up).
        """
        with self._lock:
            today = self._today()
            return {
                "requests": self._requests,
                "by_status": dict(self._by_status),
                "faults": dict(self._fault_counts),
                "simultaneous_rejections": self._simultaneous,
                "tokens": {
                    fp: {
                        "requests": s.requests,
                        "max_in_flight": s.max_in_flight,
                        "calls_today": s.calls if s.day == today else 0,
                        "server_seconds": s.server_seconds,
                    }
                    for fp, s in self._states.items()
                },
                "log": [{**entry, "params": dict(entry["params"])} for entry in self._log],
            }

    # -- data --------------------------------------------------------------------------------

    def ground_truth(self, campaign_id: str, start: datetime, end: datetime, api: str = "campaign_8") -> Any:
        """Exact, uncapped answer of report ``api`` for the half-open aware window ``[start, end)``.

        campaign_8 (the default): ``{telephone: (total_machine_recognitions, no_answer,
        answer_machine, busy, congestion, failed)}``. Any other report: its rows as one
        unlimited API call would send them (a list of dicts of strings, dates in the
        emulator's time zone).
        """
        if api == "campaign_8":
            return dict(self._data.rows(campaign_id, self._utc_spans(start, end)))
        return self.ground_truth_rows(api, {"campaign_id": campaign_id}, start, end)

    def dials(self, campaign_id: str, start: datetime, end: datetime) -> list[tuple[int, str]]:
        """Every dial of ``campaign_id`` in the aware window ``[start, end)``, in time order:
        ``(epoch second, telephone)``. campaign_8's answer for a window is these, counted per
        telephone: a test can tell from them how few windows below the cap an interval needs."""
        found = self._data.events(campaign_id, self._utc_spans(start, end))
        pool = self._data.telephones
        return sorted((moment, telephone(index, pool)) for *_, moment, index in found)

    def ground_truth_rows(
        self, api: str, params: Mapping[str, str], start: datetime, end: datetime
    ) -> list[dict[str, str]]:
        """The rows report ``api`` has for ``params`` (its own parameters, e.g. ``{"skill_id":
        "all"}``) over the half-open aware window ``[start, end)``, exactly as one uncapped
        API call would send them: dicts of strings, dates in the emulator's zone, with the
        field changes of :meth:`set_fields`. Bad parameters raise ValueError."""
        if api not in REPORTS:
            raise ValueError(f"the emulator serves {', '.join(REPORT_APIS)}, not {api!r}")
        problem = self._check_params(api, params)
        if problem:
            raise ValueError(f"{api} needs {problem}")
        try:
            return self._rows(api, params, self._utc_spans(start, end))
        except BadParameter as err:
            raise ValueError(f"{api}: {err}") from None

    def _utc_spans(self, start: datetime, end: datetime) -> list[Span]:
        _require_aware(start, "start")
        _require_aware(end, "end")
        return utc_spans(math.ceil(start.timestamp()), math.ceil(end.timestamp()))

    def _check_params(self, api: str, params: Mapping[str, str]) -> str | None:
        """What is wrong with ``api``'s own parameters, or None."""
        report = REPORTS[api]
        for name in report.required:
            value = params.get(name)
            if not isinstance(value, str) or not value.strip():
                return f"parameter {name}"
            if name in report.accepts_all and not (value == "all" or (value.isdigit() and value.isascii())):
                return f"{name} as digits or 'all'"
        return None

    def _rows(
        self,
        api: str,
        params: Mapping[str, str],
        spans: list[Span],
        limit: int | None = None,
        served: bool = False,
    ) -> list[dict[str, str]]:
        """``api``'s rows over ``spans``; ``served``: as answered now (late rows held back)."""
        context = Context(self._operation, self._reports, self._channels, Window(spans), spans, params)
        rows = REPORTS[api].rows(context)
        rows = (self._written(api, rows) if served else rows)[:limit]
        with self._lock:
            change = self._field_changes.get(api)
        if change:
            extra, dropped, suffixed = change
            rows = [
                {
                    **{
                        k: v + suffixed[k] if k in suffixed else v for k, v in row.items() if k not in dropped
                    },
                    **extra,
                }
                for row in rows
            ]
        return rows

    def _written(self, api: str, rows: list[dict[str, str]]) -> list[dict[str, str]]:
        """``rows`` less those the server has not written yet (:meth:`set_late`)."""
        with self._lock:
            delay, now = self._late.get(api), self._clock or datetime.now(dt_timezone.utc)
        if delay is None:
            return rows
        newest = _format_api_date((now - delay).astimezone(self._zone))
        field = REPORTS[api].date_field or ""
        # Local ``YYYY-mm-dd HH:MM:SS`` texts sort as their moments do (a DST fold aside).
        return [row for row in rows if _api_stamp(row.get(field, "")) <= newest]

    def api_dates(self, start: datetime, end: datetime) -> tuple[str, str]:
        """``date_ini`` and inclusive ``date_end`` of ``[start, end)`` in the emulator's zone."""
        _require_aware(start, "start")
        _require_aware(end, "end")
        last = end.astimezone(dt_timezone.utc) - _ONE_SECOND
        return _format_api_date(start.astimezone(self._zone)), _format_api_date(last.astimezone(self._zone))

    def preload(self, campaign_id: str, start: datetime, end: datetime, api: str = "campaign_8") -> None:
        """Render the answer for ``[start, end)`` now, so requests for it are served from memory."""
        date_ini, date_end = self.api_dates(start, end)
        query = {"api": api, "campaign_id": campaign_id, "date_ini": date_ini, "date_end": date_end}
        answer = self._render_report(query)
        with self._lock:
            self._preloaded[_preload_key(query)] = answer

    # -- request handling (called by _Handler) -----------------------------------------------

    def _route(self, handler: _Handler, method: str, body: bytes) -> None:
        url = urlsplit(handler.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        if method == "GET" and url.path in (REPORTS_PATH, INFO_PATH):
            self._serve_api(handler, "report" if url.path == REPORTS_PATH else "info", query)
        elif url.path.startswith("/_emulator/"):
            handler.deliver(self._admin(method, url.path, query, body))
        else:
            handler.deliver(_not_found())

    def _serve_api(self, handler: _Handler, endpoint: str, query: dict[str, str]) -> None:
        entry: dict[str, Any] = {
            "token": None,
            "api": query.get("api"),
            "params": {
                **{k: query.get(k) for k in _PARAMS},
                **{k: v for k, v in query.items() if k != "api"},
            },
            "status": 0,
            "rows": 0,
            "started": time.time(),
            "ended": 0.0,
            "fault": None,
        }
        token = handler.headers.get(TOKEN_HEADER)
        if not token:
            answer = self._error(401, MSG_NO_TOKEN)
        else:
            entry["token"] = self.fingerprint(token)
            if token in self._tokens:
                answer = self._serve_token(handler, endpoint, query, self._states[entry["token"]], entry)
            else:
                answer = self._error(403, MSG_BAD_TOKEN)
        entry["status"], entry["rows"], entry["ended"] = answer.status, answer.rows, time.time()
        with self._lock:
            self._requests += 1
            self._by_status[str(answer.status)] += 1
            if entry["fault"]:
                self._fault_counts[entry["fault"]] += 1
            self._log.append(entry)
        handler.deliver(answer)

    def _serve_token(
        self,
        handler: _Handler,
        endpoint: str,
        query: dict[str, str],
        state: _TokenState,
        entry: dict[str, Any],
    ) -> _Answer:
        arrived = time.monotonic()
        with self._lock:
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
            state.requests += 1
            refusal = self._admit(state)
            fault = None if refusal else self._draw_fault()
            fault_sleep = self._fault_sleep
        try:
            if refusal is not None:
                return refusal
            entry["fault"] = fault
            if fault is None:
                return self._answer(endpoint, query, state)
            normal = functools.partial(self._answer, endpoint, query, state)
            return self._fault_answer(fault, fault_sleep, handler, normal)
        except Exception:
            sys.stderr.write(f"wolkvox-emulator: internal error\n{traceback.format_exc()}")
            return self._error(500, "INTERNAL EMULATOR ERROR")
        finally:
            # Released before the answer is written: a client that sends its next request as
            # soon as it has this answer must never find this one still in flight.
            with self._lock:
                state.in_flight -= 1
                state.server_seconds += time.monotonic() - arrived

    def _admit(self, state: _TokenState) -> _Answer | None:
        """Quota and concurrency checks; counts the call. Caller holds the lock."""
        today = self._today()
        if state.day != today:
            state.day, state.calls = today, 0
        if self.daily_quota is not None and state.calls >= self.daily_quota:
            return self._error(403, MSG_QUOTA)
        state.calls += 1
        if state.in_flight > self.max_concurrent:
            self._simultaneous += 1
            return self._error(403, MSG_SIMULTANEOUS)
        return None

    def _draw_fault(self) -> str | None:
        """Next fault kind, or None. Caller holds the lock."""
        if self._fault_script:
            kind = self._fault_script.popleft()
            return None if kind == "none" else kind
        if self._fault_rate and self._fault_rng.random() < self._fault_rate:
            return self._fault_rng.choice(self._fault_kinds)
        return None

    def _fault_answer(
        self, kind: str, fault_sleep: float, handler: _Handler, normal: Callable[[], _Answer]
    ) -> _Answer:
        if kind in self._static_faults or kind in HOSTILE_KINDS:
            return self._static_faults.get(kind) or self._hostile_answer(kind, handler, normal)
        if kind == "timeout":
            over_limit = fault_sleep >= self.server_limit
            self._work(min(fault_sleep, self.server_limit))
            if handler.client_gone():
                return _Answer(0, b"", action="drop")
            if over_limit:
                return _Answer(504, _html_page("504 Gateway Time-out"), _HTML)
        answer = normal()
        if kind == "malformed":  # a proper prefix of a JSON object is never valid JSON
            return _Answer(200, answer.body[: max(1, len(answer.body) // 2)])
        if kind == "truncated_body":
            return _Answer(answer.status, answer.body, answer.content_type, action="truncate")
        return answer  # a timeout whose client waited

    def _hostile_answer(self, kind: str, handler: _Handler, normal: Callable[[], _Answer]) -> _Answer:
        with self._lock:
            redirect_to, bomb_bytes = self._redirect_to, self._bomb_bytes
        if kind == "redirect":
            page = _html_page("302 Found")
            return _Answer(302, page, _HTML, headers=(("Location", redirect_to + handler.path),))
        if kind == "echo_token":
            token = handler.headers.get(TOKEN_HEADER, "")
            message = echo_message(token)
            body = self._envelope(400, message, f"{message}; please check it", "null")
            return _Answer(400, body, headers=(("X-Wolkvox-Token", token),))
        if kind == "gzip_bomb":
            return _Answer(200, gzip_bomb(bomb_bytes), headers=(("Content-Encoding", "gzip"),))
        answer = normal()  # drip
        return _Answer(answer.status, answer.body, answer.content_type, answer.rows, action="drip")

    def _answer(self, endpoint: str, query: dict[str, str], state: _TokenState) -> _Answer:
        if endpoint == "info":
            return self._token_info(query, state)
        if self.latency:
            self._work(self.latency)
        api = query.get("api")
        if api in self.missing_reports:  # before the check below: it need not be one we serve
            return self._error(404, MSG_EMPTY)
        if api not in REPORTS:
            return self._error(400, MSG_NO_API)
        answer = self._preloaded.get(_preload_key(query)) or self._render_report(query)
        return self._modelled_work(answer) if self._latency_model else answer

    def set_latency_model(self, model: tuple[float, float, float] | None, seed: int = 0) -> None:
        """Server seconds per report answer as ``(base_s, per_row_s, jitter)``; None: off."""
        latency_model = None if model is None else LatencyModel(*model)
        with self._lock:
            self._latency_model, self._latency_rng = latency_model, random.Random(seed)  # noqa: S311

    def _modelled_work(self, answer: _Answer) -> _Answer:
        """Spend the model's seconds for ``answer`` (drawn in arrival order), up to ``server_limit``."""
        with self._lock:
            model, rng = self._latency_model, self._latency_rng
            seconds = model.seconds(answer.rows, rng) if model else 0.0
        self._work(min(seconds, self.server_limit))
        if seconds >= self.server_limit:
            return _Answer(504, _html_page("504 Gateway Time-out"), _HTML)
        return answer

    def _work(self, seconds: float) -> None:
        """Time a request spends on the server, client or not; cut short only by :meth:`stop`."""
        self._stopping.wait(seconds)

    def _render_report(self, query: Mapping[str, str]) -> _Answer:
        api = query["api"]
        first, last = _parse_api_date(query.get("date_ini", "")), _parse_api_date(query.get("date_end", ""))
        if self._check_params(api, query) or first is None or last is None or last < first:
            return self._error(400, MSG_PARAMS)
        if last - first >= _MAX_RANGE:
            return self._error(400, MSG_RANGE)
        spans = local_spans(self._zone, first, last)
        # Over row_cap rows are cut silently, like the real API.
        with self._lock:
            plain = api not in self._field_changes and api not in self._late
        if api == "campaign_8" and plain:  # the fast path: benchmarks serve 600k rows of it
            machine_codes = self._data.rows(query["campaign_id"], spans, limit=self.row_cap)
            count, data = len(machine_codes), render_rows(machine_codes)
        else:
            try:
                rows = self._rows(api, query, spans, limit=self.row_cap, served=True)
            except BadParameter:
                return self._error(400, MSG_PARAMS)
            count, data = len(rows), json.dumps(rows, separators=(",", ":"))
        if not count:
            if self.empty_answer == "404":
                return self._error(404, MSG_EMPTY)
            return _Answer(200, self._envelope(200, None, "0 records were found", "[]"))
        body = self._envelope(200, None, f"{count} records were found", data)
        return _Answer(200, body, rows=count)

    def _token_info(self, query: dict[str, str], state: _TokenState) -> _Answer:
        if query.get("api") != "token_info":
            return self._error(400, MSG_NO_API)
        with self._lock:
            now = (self._clock or datetime.now(dt_timezone.utc)).astimezone(self._zone)
            used = state.calls if state.day == now.date() else 0
            everyone = sum(s.calls for s in self._states.values() if s.day == now.date())
        limit = UNLIMITED if self.daily_quota is None else self.daily_quota
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), self._zone)
        hours = math.ceil((midnight.timestamp() - now.timestamp()) / 3600)
        data = {
            "description": "wolkvox emulator token",
            "token_limit": str(limit),
            "token_use_today": str(used),
            "all_token_today": str(everyone),
            "available_consumption_options": str(max(0, limit - used)),
            "hours_to_restart_count": str(hours),
        }
        return _Answer(
            200,
            self._envelope(200, None, "1 records were found", json.dumps([data], separators=(",", ":"))),
            rows=1,
        )

    def _error(self, status: int, message: str) -> _Answer:
        return _Answer(status, self._envelope(status, message, message, "null"))

    def _envelope(self, status: int, error: str | None, msg: str, data_json: str) -> bytes:
        code: int | str = str(status) if self.code_as_string else status
        head = json.dumps({"code": code, "error": error, "msg": msg}, separators=(",", ":"))
        return f'{head[:-1]},"data":{data_json}}}'.encode()

    def _today(self) -> date:
        return (self._clock or datetime.now(dt_timezone.utc)).astimezone(self._zone).date()

    def _admin(self, method: str, path: str, query: dict[str, str], body: bytes) -> _Answer:
        result: Any = {"ok": True}
        try:
            if (method, path) == ("POST", "/_emulator/faults"):
                spec = _json_object(body)
                self.set_faults(
                    rate=float(spec.get("rate", 0.0)),
                    kinds=spec.get("kinds") or (),
                    seed=int(spec.get("seed", 0)),
                    script=spec.get("script") or (),
                    fault_sleep=float(spec.get("fault_sleep", 3.0)),
                    redirect_to=spec.get("redirect_to"),
                    drip_interval=float(spec.get("drip_interval", DEFAULT_DRIP_INTERVAL)),
                    bomb_bytes=int(spec.get("bomb_bytes", DEFAULT_BOMB_BYTES)),
                )
            elif (method, path) == ("POST", "/_emulator/latency"):
                spec = _json_object(body)
                model = spec.get("model")
                self.set_latency_model(None if model is None else tuple(model), int(spec.get("seed", 0)))
            elif (method, path) == ("GET", "/_emulator/stats"):
                result = self.stats()
            elif (method, path) == ("POST", "/_emulator/reset"):
                self.reset_stats()
            elif method == "POST" and path in ("/_emulator/clock", "/_emulator/late"):
                self._set_time(path, _json_object(body))
            elif (method, path) == ("POST", "/_emulator/preload"):
                spec = _json_object(body)
                start, end = _parse_iso(spec.get("start"), "start"), _parse_iso(spec.get("end"), "end")
                self.preload(str(spec["campaign_id"]), start, end, str(spec.get("api", "campaign_8")))
            elif (method, path) == ("POST", "/_emulator/fields"):
                spec = _json_object(body)
                self.set_fields(
                    str(spec["api"]),
                    extra=spec.get("extra"),
                    dropped=spec.get("dropped") or (),
                    suffixed=spec.get("suffixed"),
                )
            elif (method, path) == ("GET", "/_emulator/ground_truth"):
                start, end = _parse_iso(query.get("start"), "start"), _parse_iso(query.get("end"), "end")
                api = query.get("api", "campaign_8")
                if api == "campaign_8" and "rows" not in query:
                    truth = self.ground_truth(query["campaign_id"], start, end)
                    result = {phone: list(counts) for phone, counts in truth.items()}
                else:
                    params = {k: v for k, v in query.items() if k not in ("api", "start", "end", "rows")}
                    result = self.ground_truth_rows(api, params, start, end)
            else:
                return _not_found()
        except (ValueError, TypeError, KeyError) as err:
            return _Answer(400, json.dumps({"error": f"{type(err).__name__}: {err}"}).encode())
        return _Answer(200, json.dumps(result).encode())

    def _set_time(self, path: str, spec: dict[str, Any]) -> None:
        """``POST /_emulator/clock {now}`` and ``POST /_emulator/late {api, delay_seconds}``."""
        if path.endswith("/clock"):
            now = spec.get("now")
            self.set_clock(None if now is None else _parse_iso(now, "now"))
        else:
            seconds = spec.get("delay_seconds")
            self.set_late(str(spec["api"]), None if seconds is None else timedelta(seconds=float(seconds)))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: WolkvoxEmulator) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.emulator = emulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # HTTPServer's would do a reverse DNS lookup
        host, port = self.socket.getsockname()[:2]
        self.server_name, self.server_port = str(host), int(port)

    def track(self, connection: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            sys.stderr.write(f"wolkvox-emulator: error while serving a request\n{traceback.format_exc()}")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "wolkvox-emulator"
    sys_version = ""
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: the emulator logs nothing per request."""

    def handle(self) -> None:
        if isinstance(self.connection, ssl.SSLSocket):
            try:
                self.connection.do_handshake()
            except OSError:  # ssl.SSLError included: a client that refused the certificate
                self.close_connection = True
                return
        super().handle()

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        if self.headers.get("Transfer-Encoding"):
            self.send_error(411, "Send a Content-Length")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= _MAX_BODY:
            self.send_error(413 if length > 0 else 400, "Bad Content-Length")
            return
        self.server.emulator._route(self, method, self.rfile.read(length) if length else b"")

    def client_gone(self) -> bool:
        """Whether the client has closed the connection (checked now, without waiting)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            # socket.socket's recv: a TLS socket refuses flags; what it peeks at is the raw stream.
            return bool(readable) and not socket.socket.recv(self.connection, 1, socket.MSG_PEEK)
        except OSError:
            return True

    def deliver(self, answer: _Answer) -> None:
        if answer.action == "drip":
            self._drip(answer)
            return
        if answer.action not in ("send", "truncate"):
            self.close_connection = True
            if answer.action == "reset":  # RST instead of FIN: the client sees "connection reset"
                linger = struct.pack("HH" if sys.platform == "win32" else "ii", 1, 0)
                with contextlib.suppress(OSError):
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                self.rfile.close()
                self.connection.close()
            return
        body = answer.body if answer.action == "send" else answer.body[: len(answer.body) // 2]
        try:
            self.send_response(answer.status or 500)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            for name, value in answer.headers:
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client hung up
            self.close_connection = True
        if answer.action == "truncate":
            self.close_connection = True

    def _drip(self, answer: _Answer) -> None:
        """The whole answer, status line and headers included, one byte at a time (slowloris)."""
        reason = self.responses.get(answer.status, ("",))[0]
        head = [f"HTTP/1.1 {answer.status} {reason}", f"Content-Type: {answer.content_type}"]
        head += [f"Content-Length: {len(answer.body)}", "Connection: close", "", ""]
        self.close_connection = True
        emulator = self.server.emulator
        with contextlib.suppress(OSError):  # the client hung up
            drip(self.wfile.write, "\r\n".join(head).encode() + answer.body, emulator._drip_interval,
                 emulator._stopping)  # fmt: skip


def _preload_key(query: Mapping[str, str]) -> tuple[str, ...]:
    api = query.get("api", "")
    own = (*REPORTS[api].required, *REPORTS[api].optional) if api in REPORTS else ()
    return (api, *(query.get(name, "") for name in (*own, "date_ini", "date_end")))


def _not_found() -> _Answer:
    return _Answer(404, _html_page("404 Not Found"), _HTML)


def _html_page(title: str) -> bytes:
    page = f"<!DOCTYPE html>\n<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>\n"
    return page.encode()


def _kinds(kinds: Sequence[str] | str) -> tuple[str, ...]:
    items = (
        tuple(k.strip() for k in kinds.split(",") if k.strip()) if isinstance(kinds, str) else tuple(kinds)
    )
    known = (*FAULT_KINDS, *HOSTILE_KINDS)
    unknown = [k for k in items if k not in (*known, "none")]  # "none": a script step with no fault
    if unknown:
        raise ValueError(f"unknown fault kinds {unknown}; known: {', '.join(known)}")
    return items


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got {value!r}")


def _parse_iso(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be an ISO-8601 date-time with an offset")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:  # a "+" that a query string turned into a space
        moment = datetime.fromisoformat(value.replace(" ", "+"))
    _require_aware(moment, name)
    return moment


def _json_object(body: bytes) -> dict[str, Any]:
    spec = json.loads(body or b"{}")
    if not isinstance(spec, dict):
        raise TypeError("the body must be a JSON object")
    return spec


def _parse_api_date(text: str) -> datetime | None:
    if len(text) != 14 or not (text.isdigit() and text.isascii()):
        return None
    try:
        return datetime(
            int(text[:4]), int(text[4:6]), int(text[6:8]), int(text[8:10]), int(text[10:12]), int(text[12:])
        )
    except ValueError:
        return None


def _api_stamp(text: str) -> str:
    """A row's local date as :func:`_format_api_date` writes one (``YYYYmmddHHMMSS``)."""
    return "".join(ch for ch in text if ch.isdigit())


def _format_api_date(moment: datetime) -> str:
    day = f"{moment.year:04d}{moment.month:02d}{moment.day:02d}"
    return f"{day}{moment.hour:02d}{moment.minute:02d}{moment.second:02d}"


class _Stop(Exception):
    pass


# Both handlers are set explicitly: a process started as a background job of a non-interactive
# shell (`make`'s `( ... ) &`) inherits SIGINT ignored, and Python then never raises
# KeyboardInterrupt, so Ctrl-C or `kill -INT` would leave the emulator running.
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    for stop in _STOP_SIGNALS:
        signal.signal(stop, signal.SIG_IGN)  # one is enough
    raise _Stop


def _field_options(
    extra_fields: Sequence[str], drop_fields: Sequence[str]
) -> tuple[dict[str, dict[str, str]], dict[str, list[str]]]:
    """``API:FIELD=VALUE`` and ``API:FIELD`` options as set_fields' arguments, per report."""
    extra: dict[str, dict[str, str]] = {}
    dropped: dict[str, list[str]] = {}
    for item in extra_fields:
        api, field = item.split(":", 1)
        name, value = field.split("=", 1)
        extra.setdefault(api, {})[name] = value
    for item in drop_fields:
        api, name = item.split(":", 1)
        dropped.setdefault(api, []).append(name)
    return extra, dropped


def main(argv: Sequence[str] | None = None) -> int:  # noqa: PLR0915 (one statement per flag)
    """``wolkvox-emulator``: serve until SIGTERM or SIGINT, then exit 0."""
    parser = argparse.ArgumentParser(
        prog="wolkvox-emulator", description="Local Wolkvox Reports Manager API."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument(
        "--token",
        action="append",
        default=[],
        help="a valid token (repeatable); or set WOLKVOX_EMULATOR_TOKENS=tok1,tok2 to keep them out of ps",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timezone", default="America/Bogota")
    parser.add_argument("--telephones", type=int, default=5_000)
    parser.add_argument("--dials-per-hour", type=int, default=300)
    parser.add_argument("--daily-quota", type=int, default=None)
    parser.add_argument("--max-concurrent", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument(
        "--latency-model",
        type=LatencyModel.parse,
        default=None,
        help="BASE_S,PER_ROW_S[,JITTER]: seconds of server work per report answer (off by default)",
    )
    parser.add_argument("--row-cap", type=int, default=60_000)
    parser.add_argument(
        "--server-limit", type=float, default=60.0, help="seconds of work per request before a 504 (60)"
    )
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument(
        "--fault-kinds", default="", help=f"comma-separated: {','.join((*FAULT_KINDS, *HOSTILE_KINDS))}"
    )
    parser.add_argument("--fault-seed", type=int, default=0)
    parser.add_argument("--fault-sleep", type=float, default=3.0)
    parser.add_argument("--code-as-string", action="store_true")
    parser.add_argument(
        "--missing-report", action="append", default=[], help="a report this server answers as empty"
    )
    parser.add_argument("--empty-answer", choices=("404", "200"), default="404")
    parser.add_argument("--calls-per-hour", type=int, default=60, help="inbound calls per opening hour (60)")
    parser.add_argument("--chats-per-hour", type=int, default=20, help="chats per opening hour (20)")
    parser.add_argument(
        "--extra-field",
        action="append",
        default=[],
        metavar="API:FIELD=VALUE",
        help="send one more field in every row of a report (repeatable)",
    )
    parser.add_argument(
        "--drop-field",
        action="append",
        default=[],
        metavar="API:FIELD",
        help="stop sending a field (repeatable)",
    )
    args = parser.parse_args(argv)
    try:
        extra, dropped = _field_options(args.extra_field, args.drop_field)
    except ValueError:
        parser.error("write --extra-field API:FIELD=VALUE and --drop-field API:FIELD")
    tokens = args.token or [t for t in os.environ.get("WOLKVOX_EMULATOR_TOKENS", "").split(",") if t]
    if not tokens:
        parser.error("give at least one --token (or WOLKVOX_EMULATOR_TOKENS)")
    try:
        emulator = WolkvoxEmulator(
            tokens,
            seed=args.seed,
            timezone=args.timezone,
            host=args.host,
            port=args.port,
            telephones=args.telephones,
            dials_per_hour=args.dials_per_hour,
            daily_quota=args.daily_quota,
            max_concurrent=args.max_concurrent,
            latency=args.latency,
            code_as_string=args.code_as_string,
            empty_answer=args.empty_answer,
            row_cap=args.row_cap,
            server_limit=args.server_limit,
            missing_reports=args.missing_report,
            calls_per_hour=args.calls_per_hour,
            chats_per_hour=args.chats_per_hour,
            extra_fields=extra,
            dropped_fields=dropped,
            latency_model=None
            if args.latency_model is None
            else (args.latency_model.base_s, args.latency_model.per_row_s, args.latency_model.jitter),
        )
        emulator.set_faults(args.fault_rate, args.fault_kinds, args.fault_seed, fault_sleep=args.fault_sleep)
    except (ValueError, TypeError) as err:
        parser.error(str(err))
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = {stop: signal.signal(stop, _raise_stop) for stop in _STOP_SIGNALS} if in_main_thread else {}
    try:
        print(f"wolkvox-emulator listening on {emulator.start()}", flush=True)
        while True:
            time.sleep(3600)
    except _Stop:
        pass
    finally:
        emulator.stop()
        for stop, handler in previous.items():
            signal.signal(stop, handler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
