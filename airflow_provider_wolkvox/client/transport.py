"""The hook's HTTP session: the token goes to one origin only, and a request ends by its deadline.

requests follows redirects and strips ``Authorization`` when one changes host, but not a custom
header such as ``wolkvox-token``; and its timeouts bound each socket read, not a request, so an
answer dripped a byte at a time holds the token as long as the server likes. Here:

- :class:`OriginToken` adds the token to requests for the connection's origin (scheme, host and
  port) and to no other, and :class:`OneOriginSession` drops it from any redirect that leaves that
  origin (the hook itself follows none);
- :meth:`OneOriginSession.deadline` bounds a whole request, connecting, sending and every byte of
  the answer: past it a watchdog thread shuts the request's socket, which ends any blocking read.
  The request itself stays in the calling thread, where a task's timeout or SIGTERM still reach it.

urllib3 logs header lines it cannot parse as the server sent them; that warning keeps its URL and
loses the server's text here (:class:`WithoutServerText`), so an echoed token cannot ride on it.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase

TOKEN_HEADER = "wolkvox-token"  # noqa: S105 (a header name)
_RECHECK_SECONDS = 0.05
"""How often an expired deadline shuts the request's socket again: a socket still connecting when
the deadline passed exists only once the connection is made."""

Origin = tuple[str, str, int | None]
_HEADER_WARNING = "Failed to parse headers (url=%s): %s"


class WithoutServerText(logging.Filter):
    """Takes the server's text (the unparsed header lines) out of urllib3's header warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == _HEADER_WARNING and isinstance(record.args, tuple) and len(record.args) == 2:
            record.args = (record.args[0], f"{type(record.args[1]).__name__} (the server's text left out)")
            record.exc_info, record.exc_text = None, None
        return True


_URLLIB3_CONNECTION = logging.getLogger("urllib3.connection")
if not any(isinstance(f, WithoutServerText) for f in _URLLIB3_CONNECTION.filters):
    _URLLIB3_CONNECTION.addFilter(WithoutServerText())


def origin(url: str) -> Origin:
    """``(scheme, host, port)`` of ``url``, the port made explicit (``http://h`` is ``h:80``)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # not a port number: an origin nothing equals
        return scheme, "", -1
    return scheme, (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(scheme)


class OriginToken(AuthBase):
    """Puts the token in requests to ``base_url``'s origin; takes it out of any other."""

    def __init__(self, token: str, base_url: str) -> None:
        self._token = token
        self.origin = origin(base_url)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if origin(request.url or "") == self.origin:
            request.headers[TOKEN_HEADER] = self._token
        else:
            request.headers.pop(TOKEN_HEADER, None)
        return request

    def __repr__(self) -> str:
        return f"OriginToken(origin={self.origin!r})"


class OneOriginSession(requests.Session):
    """A session that sends the token to one origin only, and runs requests under a deadline."""

    def __init__(self, token: str, base_url: str) -> None:
        super().__init__()
        self.auth = OriginToken(token, base_url)
        self._adapter = DeadlineAdapter()
        self.mount("http://", self._adapter)
        self.mount("https://", self._adapter)

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:
        """On a redirect: ``Authorization`` and the token go only where they went before."""
        before, after = origin(response.request.url or ""), origin(prepared_request.url or "")
        if before != after:
            prepared_request.headers.pop("Authorization", None)
        if isinstance(self.auth, OriginToken):
            self.auth(prepared_request)
        else:
            prepared_request.headers.pop(TOKEN_HEADER, None)

    def deadline(self, seconds: float) -> Deadline:
        """A :class:`Deadline` of ``seconds`` for the requests this thread sends while it is open."""
        return Deadline(seconds, self._adapter)


class Deadline:
    """Ends this thread's requests through an adapter once ``seconds`` have passed since it opened.

    ``expired`` tells afterwards whether it did: an answer read until the server closed the
    connection looks complete even when the deadline cut it.
    """

    def __init__(self, seconds: float, adapter: DeadlineAdapter) -> None:
        self.seconds = seconds
        self.expired = False
        self.sent: float | None = None
        """``time.monotonic()`` when the first request had been written whole (None: not yet): the
        server cannot have started on it before, and a connection that was slow to open (a TLS
        handshake, a loaded machine) delays it past the moment the request began."""
        self._adapter = adapter
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._connections: list[Any] = []
        self._thread = threading.Thread(target=self._watch, name="wolkvox-deadline", daemon=True)

    def __enter__(self) -> Deadline:
        self._adapter.local.deadline = self
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._adapter.local.deadline = None
        self._done.set()
        self._thread.join()  # wakes at once: it waits on _done, and a shutdown does not block

    def watch(self, connection: Any) -> None:
        """Called with each connection a request of this thread takes from a pool."""
        with self._lock:
            self._connections.append(connection)
        if self.expired:
            _shut(connection)

    def _watch(self) -> None:
        if self._done.wait(self.seconds):
            return
        self.expired = True
        while True:  # until the request returns, which a shut socket makes it do at once
            with self._lock:
                connections = list(self._connections)
            for connection in connections:
                _shut(connection)
            if self._done.wait(_RECHECK_SECONDS):
                return


def _shut(connection: Any) -> None:
    """Shut the connection's socket both ways: a read blocked on it returns, a write fails."""
    sock = getattr(connection, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            # The plain socket's shutdown, also for TLS: it touches only the file descriptor.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class DeadlineAdapter(HTTPAdapter):
    """An HTTPAdapter whose connection pools report each connection they hand out to the calling
    thread's open :class:`Deadline`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.local = threading.local()
        super().__init__(*args, **kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self._watch_pools(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        self._watch_pools(manager)
        return manager

    def _watch_pools(self, manager: Any) -> None:
        if not hasattr(self, "local"):  # unpickled: __setstate__ skips __init__
            self.local = threading.local()
        classes = manager.pool_classes_by_scheme
        if getattr(manager, "_wolkvox_watched", False) or not isinstance(classes, dict):
            return
        manager.pool_classes_by_scheme = {
            scheme: _watched(cls, self.local) for scheme, cls in classes.items()
        }
        manager._wolkvox_watched = True


def _watched(pool_class: type[Any], local: threading.local) -> type[Any]:
    class WatchedConnection(pool_class.ConnectionCls):  # type: ignore[misc,name-defined]
        def getresponse(self, *args: Any, **kwargs: Any) -> Any:
            # urllib3 asks for the answer once the request is written whole.
            deadline = getattr(local, "deadline", None)
            if deadline is not None and deadline.sent is None:
                deadline.sent = time.monotonic()
            return super().getresponse(*args, **kwargs)

    WatchedConnection.__name__ = WatchedConnection.__qualname__ = (
        f"Watched{pool_class.ConnectionCls.__name__}"
    )

    class Watched(pool_class):  # type: ignore[misc]
        ConnectionCls = WatchedConnection

        def _get_conn(self, *args: Any, **kwargs: Any) -> Any:
            connection = super()._get_conn(*args, **kwargs)
            deadline = getattr(local, "deadline", None)
            if deadline is not None:
                deadline.watch(connection)
            return connection

    Watched.__name__ = Watched.__qualname__ = f"Watched{pool_class.__name__}"
    return Watched
