"""The Airflow names this provider uses that moved between Airflow 3.0 and 3.3, resolved in one place.

``apache-airflow-providers-common-compat`` (as Airflow's own providers use it) imports each name
from where the running release keeps it. What matters most: a task fails without retries only
when it raises the ``AirflowFailException`` its release's task runner catches, which is
``airflow.exceptions.AirflowFailException`` on 3.0 and 3.1 and the Task SDK's from 3.2 on; and
``airflow.sdk.BaseHook`` only exists from 3.1 on. The version matrix (``make matrix``) runs the
test suite on every supported release to keep it so.
"""

from __future__ import annotations

from airflow.providers.common.compat.sdk import AirflowFailException, BaseHook, mask_secret

__all__ = ["AirflowFailException", "BaseHook", "mask_secret"]
