"""Naming a load's table by its server and database, from real SQL hooks and their connections."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airflow_provider_wolkvox.observability.warehouse import warehouse_table

pytestmark = pytest.mark.airflow_release


def db_hook(conn_id: str):  # type: ignore[no-untyped-def]
    from airflow_provider_wolkvox._compat import BaseHook

    return BaseHook.get_connection(conn_id).get_hook()


def test_sqlite_is_named_by_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "w.db"
    monkeypatch.setenv("AIRFLOW_CONN_W_SQLITE", json.dumps({"conn_type": "sqlite", "host": str(path)}))
    table = warehouse_table(db_hook("w_sqlite"), "wolkvox_campaign_6")
    assert table.uri == f"sqlite://localhost/{str(path).strip('/')}/main/wolkvox_campaign_6"
    assert (table.namespace, table.name) == ("sqlite://localhost", f"{path}.main.wolkvox_campaign_6")


def test_postgres_is_named_like_the_postgres_providers_asset_and_carries_no_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    postgres_assets = pytest.importorskip("airflow.providers.postgres.assets.postgres")
    if not hasattr(postgres_assets, "convert_asset_to_openlineage"):
        pytest.skip("this PostgreSQL provider has no OpenLineage naming of its assets to compare with")
    convert_asset_to_openlineage = postgres_assets.convert_asset_to_openlineage
    from airflow.sdk import Asset

    monkeypatch.setenv("AIRFLOW_CONN_W_PG", "postgres://etl:s3cret-pw@DB.Example.com/analytics")
    monkeypatch.setenv("AIRFLOW_CONN_W_PG_NODB", "postgres://etl:s3cret-pw@db.example.com:6543")
    table = warehouse_table(db_hook("w_pg"), "reports.wolkvox_machine_codes")
    assert table.uri == "postgres://db.example.com:5432/analytics/reports/wolkvox_machine_codes"
    asset = Asset(uri=table.uri)  # Airflow's PostgreSQL URI rules accept it unchanged
    assert asset.uri == table.uri
    dataset = convert_asset_to_openlineage(asset, None)
    assert (dataset.namespace, dataset.name) == (table.namespace, table.name)
    # No database in the connection: PostgreSQL's default, the user's own.
    nodb = warehouse_table(db_hook("w_pg_nodb"), "public.t")
    assert nodb.uri == "postgres://db.example.com:6543/etl/public/t"
    assert "s3cret" not in table.uri + nodb.uri


@pytest.mark.parametrize(
    ("table", "database", "name"),
    [
        ("wolkvox_campaign_8", "test", "wolkvox_campaign_8"),
        ("reports.wolkvox_campaign_8", "reports", "wolkvox_campaign_8"),
    ],
)
def test_mysql_qualifier_is_the_database_as_the_mysql_providers_asset_has_it(
    monkeypatch: pytest.MonkeyPatch, table: str, database: str, name: str
) -> None:
    """MySQL has no schemas: ``reports.t`` is table ``t`` of database ``reports``, whatever the
    connection's database; the MySQL provider accepts only ``mysql://host:port/database/table``."""
    mysql_assets = pytest.importorskip("airflow.providers.mysql.assets.mysql")
    from airflow.sdk import Asset

    monkeypatch.setenv("AIRFLOW_CONN_W_MY", "mysql://etl:s3cret-pw@DB.Example.com/test")
    located = warehouse_table(db_hook("w_my"), table)
    assert located.uri == f"mysql://db.example.com:3306/{database}/{name}"
    asset = Asset(uri=located.uri)  # the MySQL provider's URI rules accept it unchanged
    assert asset.uri == located.uri
    assert (located.namespace, located.name) == ("mysql://db.example.com:3306", f"{database}.{name}")
    convert = getattr(mysql_assets, "convert_asset_to_openlineage", None)  # newer MySQL providers only
    if convert is not None:
        dataset = convert(asset, None)
        assert (dataset.namespace, dataset.name) == (located.namespace, located.name)
    assert "s3cret" not in located.uri


def test_mysql_lineage_output_is_the_tables_own_database(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lineage output of a load into ``reports.t`` on MySQL names database ``reports``, as the
    MySQL provider's OpenLineage naming does, not the connection's database."""
    pytest.importorskip("airflow.providers.openlineage.sqlparser")
    from types import SimpleNamespace

    from airflow_provider_wolkvox.observability.lineage import output_naming
    from airflow_provider_wolkvox.transfers.machine_codes_to_sql import MachineCodesToSqlOperator

    monkeypatch.setenv("AIRFLOW_CONN_W_MY", "mysql://etl:s3cret-pw@DB.Example.com/test")
    operator = MachineCodesToSqlOperator(
        task_id="t", campaign_id="1", sql_conn_id="w_my", table="reports.wolkvox_campaign_8"
    )
    figures = SimpleNamespace(warehouse=warehouse_table(db_hook("w_my"), operator.table))
    assert output_naming(figures, operator._db_hook()) == (  # type: ignore[arg-type]
        "mysql://db.example.com:3306",
        "reports.wolkvox_campaign_8",
    )
