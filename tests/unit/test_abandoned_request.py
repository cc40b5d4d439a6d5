"""A request the task gave up on mid-way (a task timeout or a signal) keeps running on the server
and keeps the token busy: the hook sends nothing more, and close() does not return, until the
server's time limit has passed (hooks/wolkvox.py, the BaseException branch of _send_once).

The interruption is what Airflow's task timeout does: a signal handler raising AirflowTaskTimeout
in the task's main thread. It is sent once the emulator holds the request (an event, not a timer),
and the emulator's own log says when each request arrived and ended."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

import pendulum
import pytest
from airflow.exceptions import AirflowTaskTimeout

from airflow_provider_wolkvox.hooks.wolkvox import WolkvoxHook
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.conftest import SERVER_LIMIT, connection_json
from tests.unit.test_hook import in_arrival_order

pytestmark = pytest.mark.airflow_release

HOUR = (pendulum.datetime(2026, 11, 27, 14, tz="UTC"), pendulum.datetime(2026, 11, 27, 15, tz="UTC"))
WORK = 0.8
"""Seconds the emulator works on each request: the abandoned one is still running when the test
asks again right away (under SERVER_LIMIT, so it ends in an answer nobody reads)."""


@pytest.fixture
def busy(token: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[WolkvoxEmulator]:
    """One token, one request at a time (the project's rule), WORK seconds a request."""
    with WolkvoxEmulator([token], seed=7, latency=WORK, server_limit=SERVER_LIMIT) as emu:
        monkeypatch.setenv("AIRFLOW_CONN_WOLKVOX_DEFAULT", connection_json(emu.base_url, token))
        yield emu


def raise_timeout(signum: int, frame: FrameType | None) -> None:
    raise AirflowTaskTimeout("Timeout, PID: test")


INTERRUPTIONS = {
    "task timeout": (signal.SIGUSR1, raise_timeout, AirflowTaskTimeout),
    "SIGINT": (signal.SIGINT, signal.default_int_handler, KeyboardInterrupt),
}
"""How a request is interrupted: Airflow's task timeout, or a signal's own exception (Ctrl-C of
``dag.test()`` or ``airflow tasks test``)."""


def interrupted(emu: WolkvoxEmulator, token: str, hook: WolkvoxHook, how: str = "task timeout") -> None:
    """Run one request in this (the main) thread and end it with the exception a signal handler
    raises (see :data:`INTERRUPTIONS`) as soon as the emulator holds it."""
    signum, handler, raised = INTERRUPTIONS[how]
    fingerprint = emu.fingerprint(token)
    arrived = threading.Event()

    def watch() -> None:
        # Polls the emulator's counters (no sleep standing in for the event: it waits for it).
        while emu.stats()["tokens"][fingerprint]["max_in_flight"] < 1:
            if arrived.wait(0.005):
                return
        signal.pthread_kill(threading.main_thread().ident or 0, signum)

    previous = signal.signal(signum, handler)
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        with pytest.raises(raised):
            hook.get_machine_codes("1", *HOUR)
    finally:
        arrived.set()
        watcher.join(30)
        signal.signal(signum, previous)


@pytest.mark.parametrize("how", list(INTERRUPTIONS))
def test_the_next_request_waits_until_the_server_is_done_with_the_abandoned_one(
    busy: WolkvoxEmulator, token: str, how: str
) -> None:
    hook = WolkvoxHook(backoff_seconds=0.01, max_backoff_seconds=0.05)
    try:
        interrupted(busy, token, hook, how)
        rows = hook.get_machine_codes("1", *HOUR)  # at once, as a retried task would
    finally:
        hook.close()
    assert rows
    stats: dict[str, Any] = busy.stats()
    abandoned, *refused, retry = in_arrival_order(stats["log"])
    assert retry["started"] >= abandoned["ended"]  # never beside the abandoned request
    # The emulator serves in this process: on a loaded machine it starts the abandoned request's
    # clock later than the hook guessed, as a loaded server may. The first request after the wait
    # is then refused, once, and the hook waits out the server's limit from that refusal
    # (tests/unit/test_hook.py). A hook that did not wait would be refused on every try.
    assert [entry["status"] for entry in refused] in ([], [403])
    assert stats["simultaneous_rejections"] == len(refused)
    assert stats["tokens"][busy.fingerprint(token)]["max_in_flight"] == 1 + len(refused)


def test_close_waits_until_the_server_is_done_with_the_abandoned_request(
    busy: WolkvoxEmulator, token: str
) -> None:
    hook = WolkvoxHook()
    interrupted(busy, token, hook)
    hook.close()  # the token goes back to the next task only once the server let go of it
    [abandoned] = busy.stats()["log"]  # logged when the server's work on it ended
    assert abandoned["fault"] is None
