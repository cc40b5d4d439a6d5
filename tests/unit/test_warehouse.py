"""Naming a load's table by its server and database, from real SQL hooks and their connections."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airflow_provider_wolkvox.warehouse import warehouse_table


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
