"""Pool naming (pure) and the optional cluster policy, on real operator objects."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_wolkvox.pools.missing import missing_pool_advice
from airflow_provider_wolkvox.pools.naming import (
    MAX_POOL_NAME_LENGTH,
    POOL_PREFIX,
    POOL_SLOTS,
    is_valid_pool_name,
    pool_description,
    pool_name,
)
from tests.airflow_compat import (
    dag_bag,
    dag_serialization,
    pool_name_for_stats,
    stat_name_handler,
    use_policy_plugin_manager,
)

pytestmark = pytest.mark.airflow_release

# Any id Airflow accepts for a connection (airflow.models.connection.RE_SANITIZE_CONN_ID, 250 chars at most).
conn_ids = st.from_regex(r"[\w#!()\-.:/\\]{1,250}", fullmatch=True)


def assert_valid_for_airflow(name: str) -> None:
    """Check ``name`` against every rule the running Airflow applies to a pool name."""
    from airflow.models.pool import Pool

    normalize_pool_name_for_stats, stat_name_default_handler = pool_name_for_stats(), stat_name_handler()

    assert name
    # The slot_pool.pool column; the REST API's PoolBody has the same max_length=256 (importing it
    # costs seconds of FastAPI setup, so it is not imported here).
    assert len(name) <= Pool.__table__.c.pool.type.length
    assert normalize_pool_name_for_stats(name) == name  # no rewrite in the scheduler's metrics
    for metric in ("open_slots", "deferred_slots", "scheduled_slots", "running_slots", "queued_slots"):
        stat_name_default_handler(f"airflow.pool.{metric}.{name}")
    assert "/" not in name  # it is a path segment of /api/v2/pools/{pool_name}
    assert is_valid_pool_name(name)


class TestPoolName:
    def test_ordinary_ids_keep_their_name(self) -> None:
        assert pool_name("wolkvox_default") == "wolkvox_wolkvox_default"
        assert pool_name("wv-0032.prod") == "wolkvox_wv-0032.prod"
        assert POOL_SLOTS == 1

    def test_unsafe_characters_are_replaced_and_hashed(self) -> None:
        # Pinned: the name must not change between releases, processes or Python versions.
        assert pool_name("ops:bogota/0032") == "wolkvox_ops_bogota_0032-aec77ae6"
        assert pool_name("a:b") != pool_name("a/b") != pool_name("a_b")
        assert pool_name("a_b") == "wolkvox_a_b"
        assert re.fullmatch(r"wolkvox_operaci_n-[0-9a-f]{8}", pool_name("operación"))

    def test_long_ids_are_shortened_with_a_hash(self) -> None:
        long_a, long_b = "x" * 249 + "a", "x" * 249 + "b"
        assert len(pool_name(long_a)) == MAX_POOL_NAME_LENGTH
        assert pool_name(long_a) != pool_name(long_b)
        assert pool_name("x" * (MAX_POOL_NAME_LENGTH - len(POOL_PREFIX))) == POOL_PREFIX + "x" * 192

    @pytest.mark.parametrize("bad", ["", "   "])
    def test_empty_id_is_rejected(self, bad: str) -> None:
        with pytest.raises(ValueError, match="must not be empty"):
            pool_name(bad)

    def test_non_string_is_rejected(self) -> None:
        with pytest.raises(TypeError, match="must be a string"):
            pool_name(None)  # type: ignore[arg-type]

    def test_pure_and_deterministic_across_processes(self) -> None:
        ids = ["wolkvox_default", "ops:bogota/0032", "operación", "z" * 240]
        code = (
            "import json, sys; from airflow_provider_wolkvox.pools.naming import pool_name; "
            "print(json.dumps([pool_name(i) for i in json.loads(sys.argv[1])]))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, json.dumps(ids)],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"},
        ).stdout
        assert json.loads(out) == [pool_name(i) for i in ids]

    def test_importing_pools_touches_nothing_of_airflow(self) -> None:
        code = (
            "import sys; import airflow_provider_wolkvox.pools.naming, airflow_provider_wolkvox.cli; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('airflow', 'sqlalchemy')))"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "[]"

    @given(conn_ids)
    @settings(max_examples=300, deadline=None)
    def test_every_airflow_conn_id_gives_a_valid_pool_name(self, conn_id: str) -> None:
        name = pool_name(conn_id)
        assert name == pool_name(conn_id)
        assert name.startswith(POOL_PREFIX)
        assert_valid_for_airflow(name)

    def test_description_names_the_connection_and_not_more(self) -> None:
        text = pool_description("wolkvox_default")
        assert "'wolkvox_default'" in text
        assert "airflow wolkvox pools sync" in text
        assert len(text) < 200


# --- the cluster policy --------------------------------------------------------------------------


def _stand_in_class() -> type[Any]:
    from airflow.sdk import BaseOperator

    class StandInWolkvoxOperator(BaseOperator):
        """Shaped like the real Wolkvox operators: a templated wolkvox_conn_id, pool defaulted from it."""

        template_fields = ("wolkvox_conn_id",)

        def __init__(self, *, wolkvox_conn_id: str = "wolkvox_default", day: int = 0, **kwargs: Any) -> None:
            kwargs.setdefault("pool", pool_name(wolkvox_conn_id) if "{{" not in wolkvox_conn_id else None)
            super().__init__(**kwargs)
            self.wolkvox_conn_id = wolkvox_conn_id
            self.day = day

        def execute(self, context: Any) -> None:
            return None

    return StandInWolkvoxOperator


@pytest.fixture
def stand_in() -> type[Any]:
    return _stand_in_class()


@pytest.fixture
def dag() -> Any:
    from airflow.sdk import DAG

    with DAG("wolkvox_policy_test", schedule=None) as the_dag:
        yield the_dag


@pytest.fixture
def policy_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="airflow_provider_wolkvox.pools.policies")
    return caplog


def _policy_records(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "airflow_provider_wolkvox.pools.policies" and r.levelno == level
    ]


class TestTaskPolicy:
    def test_forces_pool_and_slots(self, dag: Any, stand_in: type[Any], policy_log: Any) -> None:
        from airflow_provider_wolkvox.pools.policies import task_policy

        task = stand_in(task_id="t", wolkvox_conn_id="wv_bogota", pool="default_pool", pool_slots=3)
        task_policy(task)
        assert (task.pool, task.pool_slots) == ("wolkvox_wv_bogota", 1)
        [message] = _policy_records(policy_log, logging.INFO)
        assert "wolkvox_policy_test.t" in message
        assert "'default_pool' -> 'wolkvox_wv_bogota'" in message
        assert "pool_slots 3 -> 1" in message

    def test_already_right_is_silent(self, dag: Any, stand_in: type[Any], policy_log: Any) -> None:
        from airflow_provider_wolkvox.pools.policies import task_policy

        task = stand_in(task_id="t", wolkvox_conn_id="wv_bogota")
        assert task.pool == "wolkvox_wv_bogota"
        task_policy(task)
        assert (task.pool, task.pool_slots) == ("wolkvox_wv_bogota", 1)
        assert _policy_records(policy_log, logging.INFO) == []
        assert _policy_records(policy_log, logging.WARNING) == []

    def test_templated_conn_id_is_left_alone_with_a_warning(
        self, dag: Any, stand_in: type[Any], policy_log: Any
    ) -> None:
        from airflow_provider_wolkvox.pools.policies import task_policy

        task = stand_in(task_id="t", wolkvox_conn_id="{{ var.value.wv_conn }}", pool_slots=2)
        task_policy(task)
        assert (task.pool, task.pool_slots) == ("default_pool", 2)
        [warning] = _policy_records(policy_log, logging.WARNING)
        assert "templated or mapped" in warning
        assert "pool=" in warning

    def test_a_shared_wolkvox_pool_is_kept(self, dag: Any, stand_in: type[Any], policy_log: Any) -> None:
        from airflow_provider_wolkvox.pools.policies import task_policy

        # Two connections with one token: sync advises pointing both at one pool.
        task = stand_in(task_id="t", wolkvox_conn_id="wv_b", pool=pool_name("wv_a"), pool_slots=2)
        task_policy(task)
        assert (task.pool, task.pool_slots) == ("wolkvox_wv_a", 1)
        [message] = _policy_records(policy_log, logging.INFO)
        assert "pool_slots 2 -> 1" in message

    def test_tasks_without_a_wolkvox_conn_id_are_untouched(self, dag: Any, policy_log: Any) -> None:
        from airflow.providers.standard.operators.empty import EmptyOperator
        from airflow.sdk import BaseOperator

        from airflow_provider_wolkvox.pools.policies import task_policy

        class Other(BaseOperator):
            def __init__(self, *, wolkvox_conn_id: str = "", **kwargs: Any) -> None:
                super().__init__(**kwargs)
                self.wolkvox_conn_id = wolkvox_conn_id  # present but empty: not a Wolkvox task

        plain = EmptyOperator(task_id="plain", pool="etl", pool_slots=4)
        empty = Other(task_id="empty", pool="etl", pool_slots=4)
        mapped_plain = EmptyOperator.partial(task_id="mapped_plain", pool="etl").expand(doc_md=["a", "b"])
        for task in (plain, empty, mapped_plain):
            task_policy(task)
        assert (plain.pool, plain.pool_slots) == ("etl", 4)
        assert (empty.pool, empty.pool_slots) == ("etl", 4)
        assert (mapped_plain.pool, mapped_plain.pool_slots) == ("etl", 1)
        assert policy_log.records == []

    def test_mapped_tasks(self, dag: Any, stand_in: type[Any], policy_log: Any) -> None:
        from airflow_provider_wolkvox.pools.policies import task_policy

        # partial() never runs __init__, so a mapped Wolkvox task starts in default_pool.
        by_partial = stand_in.partial(task_id="by_partial", wolkvox_conn_id="wv_c").expand(day=[1, 2])
        by_default = stand_in.partial(task_id="by_default").expand(day=[1, 2])
        by_expand = stand_in.partial(task_id="by_expand").expand(wolkvox_conn_id=["wv_a", "wv_b"])
        by_kwargs = stand_in.partial(task_id="by_kwargs").expand_kwargs([{"day": 1}])
        assert by_partial.pool == "default_pool"
        for task in (by_partial, by_default, by_expand, by_kwargs):
            task_policy(task)
        assert (by_partial.pool, by_partial.pool_slots) == ("wolkvox_wv_c", 1)
        assert by_default.pool == "wolkvox_wolkvox_default"
        assert by_expand.pool == by_kwargs.pool == "default_pool"
        assert len(_policy_records(policy_log, logging.WARNING)) == 2

    def test_wired_through_airflow_local_settings_and_a_dagbag(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The documented wiring, through Airflow's own policy plugin manager, DagBag and serializer."""
        import pluggy
        from airflow import policies

        from airflow_provider_wolkvox.pools.policies import task_policy as wolkvox_task_policy

        local_settings = types.ModuleType("airflow_local_settings")

        def task_policy(task: Any) -> None:  # what a user writes in airflow_local_settings.py
            wolkvox_task_policy(task)

        local_settings.task_policy = task_policy  # type: ignore[attr-defined]
        manager = pluggy.PluginManager("airflow.policy")
        manager.add_hookspecs(policies)
        manager.register(policies.DefaultPolicy)
        assert policies.make_plugin_from_local_settings(manager, local_settings, {"task_policy"}) == {
            "task_policy"
        }
        use_policy_plugin_manager(monkeypatch, manager)

        (tmp_path / "wolkvox_dag.py").write_text(
            textwrap.dedent(
                """
                from airflow.sdk import DAG, BaseOperator

                class Op(BaseOperator):
                    def __init__(self, *, wolkvox_conn_id="wolkvox_default", day=0, **kwargs):
                        super().__init__(**kwargs)
                        self.wolkvox_conn_id = wolkvox_conn_id

                    def execute(self, context):
                        pass

                with DAG("wolkvox_policy_dagbag", schedule=None):
                    Op(task_id="single", wolkvox_conn_id="wv_x", pool_slots=2)
                    Op.partial(task_id="mapped").expand(day=[1, 2])
                    Op(task_id="other_pool", wolkvox_conn_id="wv_x", pool="etl")
                """
            )
        )
        bag = dag_bag(dag_folder=tmp_path)
        assert bag.import_errors == {}
        serialization = dag_serialization()
        dag = serialization.from_dict(serialization.to_dict(bag.dags["wolkvox_policy_dagbag"]))
        pools = {t.task_id: (t.pool, t.pool_slots) for t in dag.tasks}
        assert pools == {
            "single": ("wolkvox_wv_x", 1),
            "mapped": ("wolkvox_wolkvox_default", 1),
            "other_pool": ("wolkvox_wv_x", 1),
        }


@given(st.text(min_size=1, max_size=300).filter(str.strip))
def test_missing_pool_advice_fits_a_task_note_and_names_every_fix(conn_id: str) -> None:
    """The note Airflow stores holds 1000 characters; the advice names each way to create the pool."""
    pool = pool_name(conn_id)
    advice = missing_pool_advice(pool)
    assert len(advice) <= 1000
    assert f"'{pool}' does not exist" in advice
    for fix in (
        "airflow wolkvox pools sync",
        "airflow-wolkvox pools sync",
        "python -m airflow_provider_wolkvox pools sync",
        "airflow pools import",
        "/api/v2/pools",
    ):
        assert fix in advice
