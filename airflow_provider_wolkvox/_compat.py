"""The Airflow names this provider uses that moved between Airflow 3.0 and 3.3, resolved in one place.

``apache-airflow-providers-common-compat`` (as Airflow's own providers use it) imports each name
from where the running release keeps it. What matters most: a task fails without retries only
when it raises the ``AirflowFailException`` its release's task runner catches, which is
``airflow.exceptions.AirflowFailException`` on 3.0 and 3.1 and the Task SDK's from 3.2 on; and
``airflow.sdk.BaseHook`` only exists from 3.1 on. The version matrix (``make matrix``) runs the
test suite on every supported release to keep it so.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

from airflow.providers.common.compat.sdk import AirflowFailException, BaseHook

__all__ = [
    "STATS_MODULES",
    "AirflowFailException",
    "BaseHook",
    "alias_event_extra",
    "quiet_dag_test_mask_requests",
    "stats",
]

_SUPERVISOR = "airflow.sdk.execution_time.supervisor"

STATS_MODULES = ("airflow.sdk.observability.stats", "airflow.observability.stats", "airflow.stats")
"""Where Airflow's Stats facade lives, newest release first (it moved between 3.0 and 3.3)."""


def stats() -> Any:
    """Airflow's Stats facade of the running release."""
    for module in STATS_MODULES:
        try:
            return importlib.import_module(module).Stats
        except ImportError:
            continue
    raise ImportError(f"no Airflow Stats in {', '.join(STATS_MODULES)}")  # pragma: no cover


def dag_test_activates_outlets() -> bool:
    """Whether an Asset a task declares as an outlet is active when the task runs under
    ``dag.test()`` as well as in a deployment: from 3.1 on ``dag.test()`` writes the DAG (and
    activates its Assets) first, as the DAG processor does; 3.0's does not, and its task runner
    refuses the outlet as inactive (``AirflowInactiveAssetInInletOrOutletException``)."""
    from airflow import __version__

    return tuple(int(part) for part in __version__.split(".")[:2]) >= (3, 1)


def alias_event_extra(extra: dict[str, Any]) -> dict[str, Any]:
    """``extra`` as an event added through an AssetAlias can carry it on the running release.

    Airflow 3.0's API server groups alias events by ``frozenset(extra.items())``, so a dict or list
    value (``report_params``, ``reloaded_windows``) made it fail the task's state update after a
    committed load ("unhashable type"); 3.1 groups them by JSON. On 3.0 such values travel as
    their JSON text.
    """
    from airflow import __version__

    if tuple(int(part) for part in __version__.split(".")[:2]) >= (3, 1):
        return extra
    return {k: json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v for k, v in extra.items()}


def quiet_dag_test_mask_requests() -> None:
    """Make ``dag.test()`` keep secrets out of its debug log, as a deployment's supervisor does.

    When a task reads a connection, Airflow registers its password with the secret masker by a
    ``MaskSecret`` request to its supervisor. In ``dag.test()`` (every release, 3.0 to 3.3) the
    supervisor runs in-process, and ``InProcessSupervisorComms.send`` logs each request at DEBUG
    with its body: ``Sending request msg=MaskSecret(value='<the password>')``, printed unmasked. A
    deployment's supervisor logs those requests "(body omitted)"; this makes ``dag.test()`` do the
    same, for every connection. Nothing happens outside ``dag.test()`` (its supervisor module not
    imported), and nothing twice.
    """
    supervisor = sys.modules.get(_SUPERVISOR)
    comms = getattr(supervisor, "InProcessSupervisorComms", None)
    send = getattr(comms, "send", None)
    if comms is None or send is None or getattr(send, "omits_mask_secret_bodies", False):
        return
    from airflow.sdk.execution_time.comms import MaskSecret

    def send_omitting_secrets(self: Any, msg: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(msg, MaskSecret):
            return send(self, msg, *args, **kwargs)
        log = self.log
        self.log = _BodyOmitted(log)
        try:
            return send(self, msg, *args, **kwargs)
        finally:
            self.log = log

    send_omitting_secrets.omits_mask_secret_bodies = True  # type: ignore[attr-defined]
    comms.send = send_omitting_secrets


class _BodyOmitted:
    """A logger that logs a ``MaskSecret`` request by its type only."""

    def __init__(self, log: Any) -> None:
        self._log = log

    def debug(self, event: str, *args: Any, **kwargs: Any) -> Any:
        if "msg" in kwargs:
            kwargs["msg"] = f"{type(kwargs['msg']).__name__} (body omitted)"
        return self._log.debug(event, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._log, name)
