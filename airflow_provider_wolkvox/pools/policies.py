"""Optional cluster policy: keep every Wolkvox task in its connection's one-slot pool.

Wolkvox operators already default ``pool`` to ``wolkvox_<conn_id>`` and ``pool_slots``
to 1, but a DAG author can override either, and a task mapped with
``.partial(...).expand(...)`` never runs its operator's ``__init__`` at parse time,
so it lands in ``default_pool`` unless ``pool`` is passed to ``partial()``. This
policy puts such tasks back where they belong.

Wiring it in
------------
Airflow's ``task_policy`` hook (``airflow/policies.py``: ``task_policy(task) -> None``)
is called by the DAG processor for every task of every DAG it parses, before the
DAG is serialized, so the scheduler sees the pool the policy chose. Add this to
the ``airflow_local_settings.py`` of your deployment (in ``$AIRFLOW_HOME/config/``
or anywhere on ``PYTHONPATH``), then restart the DAG processor::

    from airflow_provider_wolkvox.pools.policies import task_policy as wolkvox_task_policy


    def task_policy(task):
        wolkvox_task_policy(task)
        # ... your own rules ...

A package of your own can register it through pluggy instead: an
``airflow.policy`` entry point naming a module with
``@airflow.policies.hookimpl def task_policy(task): wolkvox_task_policy(task)``.

What it does
------------
For a task with a non-empty string ``wolkvox_conn_id`` (for a mapped task: given to
``partial()``, or the operator's default), it sets ``pool`` to
:func:`~airflow_provider_wolkvox.pools.naming.pool_name` of that id and ``pool_slots`` to 1,
logging at INFO what it changed. Two cases are left alone:

* a connection id that is a Jinja template (contains ``{{``) or is mapped with
  ``expand()``: it is only known when the task runs, so the pool cannot be chosen
  at parse time; the policy logs a WARNING and the task keeps its pool. Pass
  ``pool=`` explicitly on such tasks.
* a task already in another Wolkvox pool (a name starting with ``wolkvox_``): that
  is how tasks of two connections that share one token are pointed at one pool
  (``airflow wolkvox pools sync`` suggests it), so the pool is kept and only
  ``pool_slots`` is forced to 1.

Tasks without ``wolkvox_conn_id`` are never touched. The policy reads no
connection and no database.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping
from typing import Any, cast

from airflow_provider_wolkvox.pools.naming import POOL_PREFIX, POOL_SLOTS, pool_name

__all__ = ["CONN_ID_ATTRIBUTE", "task_policy"]

log = logging.getLogger(__name__)

#: The attribute (and operator argument) that marks a task as a Wolkvox task.
CONN_ID_ATTRIBUTE = "wolkvox_conn_id"

_UNRESOLVED = object()  # a Wolkvox task whose connection id is only known when it runs
_ABSENT = object()  # an operator without a wolkvox_conn_id argument


def task_policy(task: Any) -> None:
    """Put a Wolkvox task in the one-slot pool of its connection; leave any other task alone.

    :param task: the task (an operator or a mapped operator) Airflow's ``task_policy`` hook receives.
    """
    conn_id = _conn_id_of(task)
    if conn_id is None:
        return
    label = f"{getattr(task, 'dag_id', None) or '?'}.{getattr(task, 'task_id', '?')}"
    if conn_id is _UNRESOLVED or not isinstance(conn_id, str) or "{{" in conn_id:
        log.warning(
            "Wolkvox task %s: its %s is templated or mapped, so its pool cannot be chosen when the DAG "
            "is parsed; it stays in pool %r. Pass pool= explicitly to keep one request per token.",
            label,
            CONN_ID_ATTRIBUTE,
            task.pool,
        )
        return

    wanted = pool_name(conn_id)
    changes = []
    current = task.pool
    if current != wanted:
        if isinstance(current, str) and current.startswith(POOL_PREFIX):
            log.debug("Wolkvox task %s: keeping the Wolkvox pool %r it was given", label, current)
        else:
            task.pool = wanted
            changes.append(f"pool {current!r} -> {wanted!r}")
    if task.pool_slots != POOL_SLOTS:
        changes.append(f"pool_slots {task.pool_slots} -> {POOL_SLOTS}")
        task.pool_slots = POOL_SLOTS
    if changes:
        log.info(
            "Wolkvox task %s (connection %s): %s, so its token serves one request at a time",
            label,
            conn_id,
            ", ".join(changes),
        )


def _conn_id_of(task: Any) -> object:
    """The task's Wolkvox connection id, ``_UNRESOLVED`` if not known at parse time, None if not Wolkvox."""
    partial_kwargs = getattr(task, "partial_kwargs", None)
    if isinstance(partial_kwargs, Mapping):  # a mapped operator: its __init__ has not run
        return _mapped_conn_id(task, partial_kwargs)
    conn_id = getattr(task, CONN_ID_ATTRIBUTE, None)
    if isinstance(conn_id, str) and conn_id.strip():
        return conn_id
    return None


def _mapped_conn_id(task: Any, partial_kwargs: Mapping[str, Any]) -> object:
    if CONN_ID_ATTRIBUTE in partial_kwargs:
        conn_id = partial_kwargs[CONN_ID_ATTRIBUTE]
        return conn_id if isinstance(conn_id, str) and conn_id.strip() else _UNRESOLVED
    operator_class = getattr(task, "operator_class", None)
    default = _init_default(operator_class)
    if default is _ABSENT:
        return None  # the operator takes no wolkvox_conn_id: not a Wolkvox task
    expand_value = getattr(getattr(task, "expand_input", None), "value", None)
    if isinstance(expand_value, Mapping):
        if CONN_ID_ATTRIBUTE in expand_value:
            return _UNRESOLVED  # .expand(wolkvox_conn_id=[...])
    else:
        return _UNRESOLVED  # .expand_kwargs(...): each mapped task may bring its own connection id
    return default if isinstance(default, str) and default.strip() else _UNRESOLVED


def _init_default(operator_class: object) -> object:
    """Default of ``wolkvox_conn_id`` in the operator's ``__init__``; ``_ABSENT`` without that argument."""
    if not isinstance(operator_class, type):
        return _ABSENT
    try:
        parameter = inspect.signature(cast(Any, operator_class).__init__).parameters.get(CONN_ID_ATTRIBUTE)
    except (TypeError, ValueError):
        return _ABSENT
    if parameter is None:
        return _ABSENT
    if parameter.default is inspect.Parameter.empty:
        return _UNRESOLVED
    return parameter.default
