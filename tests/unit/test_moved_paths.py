"""The import paths of 0.1.0 keep working until 0.3.0: each gives the very module or object of its
new path, with a DeprecationWarning naming that path.

The table of paths is written out here, not read from the provider's own.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

P = "airflow_provider_wolkvox"

MODULES = dict(
    line.split(" -> ")
    for line in """
connection -> client.connection
connection_form -> client.connection_form
envelope -> client.envelope
decoding -> client.decoding
windows -> client.windows
transport -> client.transport
scrub -> client.scrub
lookup -> hooks.lookup
fetch -> fetching.interval
sizing -> fetching.sizing
history -> fetching.density
history_store -> fetching.density_store
staging_writer -> staging.writer
staging_files -> staging.files
stored -> reports.stored
figures -> observability.figures
metrics -> observability.metrics
lineage -> observability.lineage
warehouse -> observability.warehouse
missing_pools -> pools.missing
policies -> pools.policies
plan -> cli.plan
""".strip().splitlines()
)
"""Old module -> new module (both under the package)."""

NAMES = {
    "staging.Staging": "staging.store.Staging",
    "staging.StagingCancelled": "staging.store.StagingCancelled",
    "staging.CANCEL_CHECK_STEPS": "staging.store.CANCEL_CHECK_STEPS",
    "pools.pool_name": "pools.naming.pool_name",
    "pools.pool_description": "pools.naming.pool_description",
    "pools.is_valid_pool_name": "pools.naming.is_valid_pool_name",
    "pools.POOL_PREFIX": "pools.naming.POOL_PREFIX",
    "pools.POOL_SLOTS": "pools.naming.POOL_SLOTS",
    "pools.MAX_POOL_NAME_LENGTH": "pools.naming.MAX_POOL_NAME_LENGTH",
    "observability.metrics.quota": "client.quota.send_gauges",
    "observability.metrics.QUOTA_LEFT": "client.quota.QUOTA_LEFT",
    "observability.metrics.QUOTA_USED": "client.quota.QUOTA_USED",
    "observability.metrics.QUOTA_LIMIT": "client.quota.QUOTA_LIMIT",
    "fetching.interval.params_label": "fetching.interval.describe_params",
    "fetching.density_store.VariableStore": "fetching.density_store.VariableDensityStore",
    "fetching.density_store.HistoryStore": "fetching.density_store.DensityStore",
    "fetching.density_store.history_scope": "fetching.density_store.density_scope",
    "sql.density.SqlHistoryStore": "sql.density.SqlDensityStore",
    "sql.density.schema_doc": "sql.density.density_doc",
    "sql.ledger.schema_doc": "sql.ledger.ledger_doc",
    "sql.job.params_label": "sql.job.ledger_params",
    "sql.job.window_values": "reports.stored.window_values",
}
"""Old name -> new name (``module.path.name``, both under the package)."""

KEPT = {
    "hooks.wolkvox.TokenInfo": "client.quota.TokenInfo",
    "sql.ledger.LedgerEntry": "sql.job.LedgerEntry",
    "sql.schema.param_columns": "reports.stored.param_columns",
    "sql.schema.columns": "reports.stored.columns",
    "observability.metrics.stats": "_compat.stats",
    "cli.pools_sync": "cli.pools.pools_sync",
    "cli.pools_list": "cli.pools.pools_list",
}
"""Names that moved but stay importable where they were, without a warning: the old module uses them."""


def _object(path: str) -> object:
    module, _, name = f"{P}.{path}".rpartition(".")
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize(("old", "new"), MODULES.items())
def test_an_old_module_path_is_the_new_module_with_a_warning(old: str, new: str) -> None:
    sys.modules.pop(f"{P}.{old}", None)  # imported before: import it afresh, as a new process would
    with pytest.warns(
        DeprecationWarning, match=rf"^{P}\.{old} moved to {P}\.{new}; the old path goes in 0\.3\.0$"
    ):
        module = importlib.import_module(f"{P}.{old}")
    assert module is importlib.import_module(f"{P}.{new}")


@pytest.mark.parametrize(("old", "new"), NAMES.items())
def test_an_old_name_is_the_new_object_with_a_warning(old: str, new: str) -> None:
    module, _, name = f"{P}.{old}".rpartition(".")
    with pytest.warns(
        DeprecationWarning, match=rf"^{P}\.{old} moved to {P}\.{new}; the old path goes in 0\.3\.0$"
    ):
        found = getattr(importlib.import_module(module), name)
    assert found is _object(new)


@pytest.mark.parametrize(("old", "new"), KEPT.items())
def test_a_name_kept_where_it_was_is_the_new_object(old: str, new: str) -> None:
    assert _object(old) is _object(new)


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    from airflow_provider_wolkvox import pools

    with pytest.raises(AttributeError, match="has no attribute 'pool_naem'"):
        pools.pool_naem  # noqa: B018


def test_the_new_paths_import_without_a_warning() -> None:
    imports = "; ".join(f"import {P}.{new}" for new in sorted(set(MODULES.values())))
    moved_is_an_error = f"import warnings; warnings.filterwarnings('error', '{P}', DeprecationWarning)"
    code = f"{moved_is_an_error}; {imports}"
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]


def test_the_documented_policy_in_airflow_local_settings_keeps_working(tmp_path: Path) -> None:
    """``airflow_local_settings.py`` as 0.1.0's docs had users write it: the policy is the new one,
    and the warning points at the user's line."""
    (tmp_path / "airflow_local_settings.py").write_text(
        textwrap.dedent(
            """
            from airflow_provider_wolkvox.policies import task_policy as wolkvox_task_policy


            def task_policy(task):
                wolkvox_task_policy(task)
            """
        )
    )
    code = (
        "import airflow_local_settings as s; "
        f"from {P}.pools.policies import task_policy; "
        "assert s.wolkvox_task_policy is task_policy"
    )
    done = subprocess.run(
        [sys.executable, "-W", "always::DeprecationWarning", "-c", code],
        check=False,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (
        f"airflow_local_settings.py:2: DeprecationWarning: {P}.policies moved to {P}.pools.policies; "
        "the old path goes in 0.3.0"
    ) in done.stderr
