"""Reading the API's answers: the JSON envelope and its documented errors. No HTTP here.

``read_answer`` turns (status, body) into rows, a typed error, or a
:class:`TransientAnswer` that the hook retries. Bodies are never echoed whole:
at most a short, known message makes it into an error.
"""

from __future__ import annotations

import json
from typing import Any

from airflow_provider_wolkvox._gc import paused as gc_paused
from airflow_provider_wolkvox.exceptions import (
    WolkvoxAuthError,
    WolkvoxConfigError,
    WolkvoxQuotaExceededError,
    WolkvoxRequestError,
    WolkvoxResponseError,
)

EMPTY_WINDOW_MESSAGE = "VALIDATE DATES ENTERED"
_MESSAGE_MAX = 120


class TransientAnswer(Exception):
    """An answer worth retrying unchanged. ``timeout`` marks the server's own time limit; ``busy``
    the refusal of a request beside another of the same token (403 "simultaneous")."""

    def __init__(self, reason: str, *, timeout: bool = False, busy: bool = False) -> None:
        super().__init__(reason)
        self.timeout = timeout
        self.busy = busy


def read_answer(status: int, body: bytes, *, api: str, conn_id: str) -> list[dict[str, Any]]:
    """Rows of a successful answer (``[]`` for an empty window), or raise the matching error."""
    envelope = _decode(body)
    message = _message(envelope)
    code = _code(envelope, status)
    if code == 200 and status == 200:
        if envelope is None:
            raise WolkvoxResponseError(_not_envelope(api, body))
        return _rows(envelope, api)
    if status >= 500 or code >= 500 or 429 in (status, code):
        raise TransientAnswer(f"HTTP {status}", timeout=504 in (status, code))
    upper = message.upper()
    if code == 401 or status == 401:
        raise WolkvoxAuthError(
            f"the API says the wolkvox-token header is missing (HTTP 401): check that connection "
            f"{conn_id!r} has the token in its password field"
        )
    if code == 403 or status == 403:
        if "SIMULTANEOUS" in upper:
            raise TransientAnswer("HTTP 403 simultaneous requests per token", busy=True)
        if "TOKEN LIMIT" in upper:
            raise WolkvoxQuotaExceededError(
                f"the daily call quota of connection {conn_id!r}'s token is spent (403 TOKEN LIMIT "
                "EXCEEDED): it resets at local midnight of the operation; retrying today will not help"
            )
        if "VALIDATE TOKEN" in upper:
            raise WolkvoxAuthError(
                f"token invalid (403 PLEASE VALIDATE TOKEN): check the password of connection {conn_id!r}"
            )
        raise TransientAnswer("HTTP 403 without a known message (Wolkvox maintenance)")
    if EMPTY_WINDOW_MESSAGE in upper:
        return []
    if code == 400 or status == 400:
        raise WolkvoxRequestError(f"the API refused {api} (HTTP 400): {message or 'no message'}")
    if status == 404:
        raise WolkvoxConfigError(
            f"no Reports Manager API answered at connection {conn_id!r}'s address (HTTP 404): "
            "check its server number or base_url"
        )
    raise WolkvoxResponseError(f"{api}: unexpected answer, HTTP {status}, code {code}: {message}")


def _decode(body: bytes) -> dict[str, Any] | None:
    try:
        with gc_paused():  # tens of thousands of row objects at once
            value = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python's stack (a bomb)
        return None
    return value if isinstance(value, dict) else None


def _message(envelope: dict[str, Any] | None) -> str:
    if envelope is None:
        return ""
    parts = [envelope.get(key) for key in ("error", "msg")]
    text = " / ".join(str(p) for p in parts if isinstance(p, (str, int)) and str(p).strip())
    return text[:_MESSAGE_MAX]


def _code(envelope: dict[str, Any] | None, status: int) -> int:
    """The envelope's ``code`` (an int or a string such as ``"200"``), else the HTTP status."""
    raw = envelope.get("code") if envelope else None
    try:
        return int(raw) if raw is not None else status
    except (TypeError, ValueError, OverflowError):  # OverflowError: a code of Infinity
        return status


def _rows(envelope: dict[str, Any], api: str) -> list[dict[str, Any]]:
    if "data" not in envelope:
        raise WolkvoxResponseError(f"{api}: the answer has no 'data' field; the API changed its format")
    data = envelope["data"]
    if data is None:
        return []
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        # Seen on live servers: one row as an object, or rows keyed by position.
        values = list(data.values())
        if values and all(isinstance(v, dict) for v in values):
            return values
        return [data]
    raise WolkvoxResponseError(f"{api}: 'data' is a {type(data).__name__}, expected a list of rows")


def _not_envelope(api: str, body: bytes) -> str:
    stripped = body.lstrip()[:64].lower()
    if stripped.startswith((b"<!doctype", b"<html", b"<")):
        kind = "an HTML page"
    elif stripped.startswith((b"{", b"[")):
        kind = "JSON that is cut short or of another shape"
    else:
        kind = "not JSON"
    return f"{api}: the answer ({len(body):,} bytes) is {kind}, not the API's JSON envelope; retry later"
