"""A Wolkvox connection's settings, validated before any request is made."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from airflow_provider_wolkvox.client.windows import check_timezone
from airflow_provider_wolkvox.exceptions import WolkvoxConfigError

DEFAULT_CONN_ID = "wolkvox_default"
DEFAULT_TIMEZONE = "America/Bogota"
DEFAULT_TIMEOUT = 90.0
DEFAULT_SERVER_TIME_LIMIT = 60.0
"""The vendor's limit on one request's execution on the server, in seconds."""
_SERVER = re.compile(r"\d{4}")
_SECRET_WORDS = (
    "access_key", "access_token", "api_key", "apikey", "auth", "bearer", "connection_string", "dsn",
    "passphrase", "passwd", "password", "private_key", "proxy", "secret", "service_account",
    "service_key", "token", "keyfile_dict", "webhook_url",
)  # fmt: skip
"""Words that make an extra secret: Airflow's masker hides extras whose names contain these."""
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


class ConnectionLike(Protocol):
    """What is read from an Airflow ``Connection``."""

    conn_id: str
    host: str | None
    password: str | None

    @property
    def extra_dejson(self) -> dict[str, Any]: ...


def unknown_connection(conn_id: str) -> str:
    """What to do about a ``wolkvox_conn_id`` that names no connection."""
    return (
        f"connection {conn_id!r} is not defined (wolkvox_conn_id={conn_id!r}): add it, e.g. "
        f"`airflow connections add {conn_id} --conn-type wolkvox --conn-host 0032 --conn-password "
        "<token>`, then create its pool with `airflow wolkvox pools sync`; or set wolkvox_conn_id to the "
        "id of an existing Wolkvox connection"
    )


@dataclass(frozen=True)
class WolkvoxSettings:
    """Everything needed to call the API for one connection. ``repr`` never shows the token."""

    conn_id: str
    base_url: str
    server: str | None
    token: str = field(repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)
    """Every secret of the connection: the token (its password) and the text of secret extras."""
    timezone: str = DEFAULT_TIMEZONE
    timeout: float = DEFAULT_TIMEOUT
    verify: bool | str = True
    server_time_limit: float = DEFAULT_SERVER_TIME_LIMIT
    """How long the server may keep working on a request the client gave up on (and keep the
    token busy): no request follows an abandoned one before this much time after its sending."""

    @classmethod
    def from_connection(cls, conn: ConnectionLike) -> WolkvoxSettings:
        """Validate a connection: server number, token, and the extras."""
        conn_id = conn.conn_id
        extra = conn.extra_dejson
        server = _server(conn_id, conn.host)
        base_url = _base_url(conn_id, extra.get("base_url"))
        if base_url is None:
            if server is None:
                raise WolkvoxConfigError(
                    f"connection {conn_id!r} has no server number: set its host to the 4 digits "
                    "of your wvNNNN.wolkvox.com address, e.g. 0032"
                )
            base_url = f"https://wv{server}.wolkvox.com"
        if not conn.password:
            raise WolkvoxConfigError(
                f"connection {conn_id!r} has no API token: put the wolkvox-token in its password field"
            )
        return cls(
            conn_id=conn_id,
            base_url=base_url,
            server=server,
            token=conn.password,
            secrets=(conn.password, *_secret_extras(extra)),
            timezone=check_timezone(str(extra.get("timezone") or DEFAULT_TIMEZONE)),
            timeout=_seconds(conn_id, "timeout", extra.get("timeout"), DEFAULT_TIMEOUT),
            verify=_verify(conn_id, extra.get("verify")),
            server_time_limit=_seconds(
                conn_id, "server_time_limit", extra.get("server_time_limit"), DEFAULT_SERVER_TIME_LIMIT
            ),
        )


def _secret_extras(extra: dict[str, Any]) -> list[str]:
    """The values of extras whose names say they are secret (``proxy_password``, ``api_key``...)."""
    return [
        str(value)
        for key, value in extra.items()
        if isinstance(value, (str, int)) and any(word in str(key).lower() for word in _SECRET_WORDS)
    ]


def _server(conn_id: str, host: str | None) -> str | None:
    if host is None or not host.strip():
        return None
    host = host.strip()
    if not _SERVER.fullmatch(host):
        raise WolkvoxConfigError(
            f"connection {conn_id!r}: host must be the 4-digit server number (0032 for "
            f"wv0032.wolkvox.com), got {host!r}; use the base_url extra for any other address"
        )
    return host


def _base_url(conn_id: str, value: Any) -> str | None:
    if value in (None, ""):
        return None
    parts = urlsplit(str(value).strip())
    problem = None
    if parts.scheme not in ("http", "https"):
        problem = "it must start with http:// or https://"
    elif not parts.hostname:
        problem = "it has no host name"
    elif parts.username or parts.password:
        problem = "it must not carry credentials (the token belongs in the password field)"
    elif parts.query or parts.fragment:
        problem = "it must not have a query string or fragment"
    if problem:
        raise WolkvoxConfigError(f"connection {conn_id!r}: base_url {value!r} is not usable: {problem}")
    return str(value).strip().rstrip("/")


def _seconds(conn_id: str, name: str, value: Any, default: float) -> float:
    if value in (None, ""):
        return default
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise WolkvoxConfigError(f"connection {conn_id!r}: {name} must be a positive number of seconds")
    return seconds


def _verify(conn_id: str, value: Any) -> bool | str:
    if value is None or isinstance(value, bool):
        return True if value is None else value
    text = str(value).strip()
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    if text.startswith("/"):
        return text  # a CA bundle path, as requests accepts it
    raise WolkvoxConfigError(
        f"connection {conn_id!r}: verify must be true, false or the path of a CA bundle, got {text!r}"
    )
