"""The Wolkvox view in-process: Airflow's own API app (its auth manager, the plugin's mount at
``/wolkvox``) under FastAPI's TestClient, after two real loads recorded by ``dag.test()``.

Who sees what is decided by the auth manager: ``tests.per_connection_auth`` is Airflow's
SimpleAuthManager (viewer: no connection; admin: all) plus a ``reader_wv_view_a`` user who
may read that one connection. Airflow's own ``/api/v2/connections`` routes are asked the
same questions, so the view is held to what Airflow itself answers. Bad input must be a 4xx
with a message, and no call is spent on it.

The deployment version (``airflow api-server``, SimpleAuthManager users) is
tests/browser/test_wolkvox_view_access.py.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import pendulum
import pytest

from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.airflow_compat import airflow_version, dag_bag
from tests.conftest import SERVER_LIMIT, connection_json

pytestmark = pytest.mark.airflow_release

A, B, ENV, SEC = "wv_view_a", "wv_view_b", "wv_view_env", "wv_view_sec"
SEC_HOST = "/path/to/wh.sqlite"
READER = f"reader_{A}"
USERS = {"viewer": "viewer", "admin": "admin", READER: "viewer"}
MONTH = "2026-11"  # the loads' month (tests/unit/dags/wolkvox_test_view.py)
BAD_MONTHS = ["2026-13", "0000-00", "9999-12", "2026-1", "abcd-ef", "２０２６-11", "1969-12", "3000-01"]

needs_the_view = pytest.mark.skipif(
    airflow_version() < (3, 1), reason="the Wolkvox view is an API server plugin of Airflow 3.1 on"
)


@dataclass
class View:
    client: Any
    emulator: WolkvoxEmulator
    tokens: dict[str, str]  # conn id -> token
    headers: dict[str, dict[str, str]]  # user -> Authorization header

    def get(self, user: str, path: str = "/wolkvox/", **params: str) -> Any:
        return self.client.get(path, params=params, headers=self.headers[user])

    def quota(self, user: str, conn_id: str, **params: str) -> Any:
        path, query = quota_button(self.get("admin").text, A, conn_id, "/wolkvox/")
        return self.client.post(path, params={**query, **params}, headers=self.headers[user])

    def calls(self) -> int:
        return int(self.emulator.stats()["requests"])

    def calls_of(self, conn_id: str) -> int:
        fp = WolkvoxEmulator.fingerprint(self.tokens[conn_id])
        return int(self.emulator.stats()["tokens"][fp]["requests"])


def quota_button(page: str, shown: str, conn_id: str, page_path: str) -> tuple[str, dict[str, str]]:
    """The path and query the quota button of ``conn_id`` posts to, as ``page`` builds it: that of
    the connection ``shown`` there, for one the page does not show (whatever the route's form)."""
    action = re.search(rf'data-conn-id="{shown}">.*?<form method="post" action="([^"]*)"', page)
    assert action, page
    url = urlsplit(urljoin(page_path, html.unescape(action.group(1))))  # relative to the page
    path = "/".join(conn_id if part == shown else part for part in url.path.split("/"))
    return path, {name: conn_id if value == shown else value for name, value in parse_qsl(url.query)}


def zone_far_from_midnight() -> str:
    """A zone whose local midnight is hours away, so "calls today" cannot change day mid-test."""
    hour = pendulum.now("UTC").hour
    return "Asia/Tokyo" if 3 <= hour < 7 else "America/Bogota"


def conn_ids(page: str) -> set[str]:
    return set(re.findall(r'data-conn-id="([^"]*)"', page))


def calendars(page: str) -> set[str]:
    return set(re.findall(r'<section class="calendar" data-key="([^"]*)"', page))


@pytest.fixture(scope="module")
def view(airflow_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[View]:
    if airflow_version() < (3, 1):
        pytest.skip("the Wolkvox view is an API server plugin of Airflow 3.1 on")
    from airflow.api_fastapi.app import create_app, get_auth_manager, purge_cached_app
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from fastapi.testclient import TestClient

    folder = tmp_path_factory.mktemp("wolkvox-view")
    tokens = {conn_id: f"tok-{conn_id}-{folder.name}-SECRET" for conn_id in (A, B, ENV)}
    zone = zone_far_from_midnight()
    with (
        WolkvoxEmulator(list(tokens.values()), seed=7, server_limit=SERVER_LIMIT) as emulator,
        pytest.MonkeyPatch.context() as patch,
        stored_connections(
            {
                A: wolkvox(emulator, tokens[A], zone),
                B: wolkvox(emulator, tokens[B], zone),
                SEC: {"conn_type": "sqlite", "host": SEC_HOST},
            }
        ),
    ):
        patch.setenv(
            "AIRFLOW_CONN_WV_VIEW_SQLITE", json.dumps({"conn_type": "sqlite", "host": str(folder / "w.db")})
        )
        patch.setenv(
            "AIRFLOW_CONN_WV_VIEW_ENV", connection_json(emulator.base_url, tokens[ENV], timezone=zone)
        )
        load_two_windows(airflow_db)
        patch.setenv("AIRFLOW__CORE__AUTH_MANAGER", "tests.per_connection_auth.PerConnectionAuthManager")
        patch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "False")
        patch.setenv(
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", ",".join(f"{u}:{r}" for u, r in USERS.items())
        )
        patch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", str(folder / "passwords.json"))
        patch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "wolkvox-view-unit-test-" + "x" * 48)
        purge_cached_app()
        try:
            app = create_app(apps="core")
            manager = get_auth_manager()
            jwts = {
                user: manager.generate_jwt(SimpleAuthManagerUser(username=user, role=role))
                for user, role in USERS.items()
            }
            headers = {user: {"Authorization": f"Bearer {jwt}"} for user, jwt in jwts.items()}
            with TestClient(app, raise_server_exceptions=False) as client:
                yield View(client, emulator, tokens, headers)
        finally:
            purge_cached_app()


def wolkvox(emulator: WolkvoxEmulator, token: str, zone: str) -> dict[str, Any]:
    return dict(json.loads(connection_json(emulator.base_url, token, timezone=zone)))


@contextlib.contextmanager
def stored_connections(connections: Mapping[str, dict[str, Any]]) -> Iterator[None]:
    """Connections in the metadata database (as `airflow connections import` writes them), removed after."""
    from airflow.models.connection import Connection
    from airflow.utils.session import create_session
    from sqlalchemy import delete

    with create_session() as session:
        session.execute(delete(Connection).where(Connection.conn_id.in_(list(connections))))
        for conn_id, fields in connections.items():
            extra = fields.get("extra")
            session.add(
                Connection(
                    conn_id=conn_id,
                    conn_type=fields["conn_type"],
                    host=fields.get("host"),
                    password=fields.get("password"),
                    extra=json.dumps(extra) if extra is not None else None,
                )
            )
    try:
        yield
    finally:
        with create_session() as session:
            session.execute(delete(Connection).where(Connection.conn_id.in_(list(connections))))


def load_two_windows(dags_folder: Path) -> None:
    """One hour of campaign 1 through each of the two stored connections: real loads, real events."""
    dag = dag_bag(dag_folder=str(dags_folder / "wolkvox_test_view.py")).dags["wolkvox_test_view"]
    run = dag.test(logical_date=pendulum.datetime(2026, 11, 28, tz="UTC"))
    assert run.state == "success", {ti.task_id: ti.state for ti in run.get_task_instances()}


@needs_the_view
def test_a_viewer_sees_no_connection(view: View) -> None:
    # Airflow's own rule for this user: no connection may be read.
    assert view.get("viewer", "/api/v2/connections").status_code == 403
    page = view.get("viewer", month=MONTH)
    assert page.status_code == 200
    assert conn_ids(page.text) == set()
    assert calendars(page.text) == set()
    for conn_id in (A, B, ENV, SEC):
        assert conn_id not in page.text
    assert 'id="no-connections"' in page.text


@needs_the_view
def test_a_user_sees_only_the_connections_they_may_read(view: View) -> None:
    assert view.get(READER, f"/api/v2/connections/{A}").status_code == 200
    assert view.get(READER, f"/api/v2/connections/{B}").status_code == 403
    page = view.get(READER, month=MONTH)
    assert page.status_code == 200
    assert conn_ids(page.text) == {A}
    assert calendars(page.text) == {f"{A}/campaign_8/1"}
    assert B not in page.text


@needs_the_view
def test_an_admin_sees_every_wolkvox_connection_and_nothing_of_other_types(view: View) -> None:
    page = view.get("admin", month=MONTH)
    assert page.status_code == 200
    assert {A, B} <= conn_ids(page.text)
    assert {f"{A}/campaign_8/1", f"{B}/campaign_8/1"} <= calendars(page.text)
    assert SEC not in page.text
    assert SEC_HOST not in page.text
    for conn_id in (A, B):
        row = re.search(rf'data-conn-id="{conn_id}">.*?class="calls-today">([\d,]+)<', page.text)
        assert row, page.text
        # Every call the emulator answered for this token was made today by the one load.
        assert int(row.group(1).replace(",", "")) == view.calls_of(conn_id) >= 1
    # A month's calendar: the one loaded hour of November, the other 719 missing.
    counts = re.search(rf'data-key="{A}/campaign_8/1">.*?class="muted counts">\(([^)]*)\)', page.text)
    assert counts, page.text
    assert counts.group(1) == "1 loaded, 0 empty, 719 missing hours"


@needs_the_view
def test_the_quota_is_read_only_with_access_to_that_connection(view: View) -> None:
    before = view.calls()
    assert view.quota("viewer", A).status_code == 403
    assert view.quota(READER, B).status_code == 403
    assert view.quota(READER, ENV).status_code == 403
    assert view.calls() == before  # nothing was asked of the API

    used = view.calls_of(A)
    answer = view.quota(READER, A, month=MONTH)
    assert answer.status_code == 200
    assert view.calls_of(A) == used + 1
    notice = re.search(r'id="quota-result">([^<]*)<', answer.text)
    assert notice, answer.text
    match = re.fullmatch(rf"{A}: ([\d,]+) calls left today \(used ([\d,]+) of ([\d,]+); .*", notice.group(1))
    assert match, notice.group(1)
    left, used_today, limit = (int(group.replace(",", "")) for group in match.groups())
    assert used_today == used + 1
    assert left == limit - used_today
    assert conn_ids(answer.text) == {A}  # the page around the answer follows the same rule
    assert all(token not in answer.text for token in view.tokens.values())


@needs_the_view
def test_the_quota_of_a_connection_from_the_environment(view: View) -> None:
    used = view.calls_of(ENV)
    answer = view.quota("admin", ENV)
    assert answer.status_code == 200
    assert re.search(rf'id="quota-result">{ENV}: [\d,]+ calls left today', answer.text), answer.text
    assert view.calls_of(ENV) == used + 1
    assert view.tokens[ENV] not in answer.text


@needs_the_view
@pytest.mark.parametrize("month", BAD_MONTHS)
def test_a_month_that_does_not_exist_is_a_400_with_what_is_accepted(view: View, month: str) -> None:
    before = view.calls()
    for answer in (view.get("admin", month=month), view.quota("admin", A, month=month)):
        assert answer.status_code == 400, answer.text
        assert "month must be YYYY-MM, from 1970-01 to 2999-12" in answer.text
    assert view.calls() == before


@needs_the_view
@pytest.mark.parametrize("conn_id", ["no_such_connection", SEC])
def test_a_connection_that_is_not_a_wolkvox_one_is_a_404_showing_nothing_of_it(
    view: View, conn_id: str
) -> None:
    before = view.calls()
    answer = view.quota("admin", conn_id)
    assert answer.status_code == 404
    assert f"There is no Wolkvox connection &#x27;{conn_id}&#x27;." in answer.text
    assert SEC_HOST not in answer.text
    assert "sqlite" not in answer.text
    assert view.calls() == before


@needs_the_view
def test_a_connection_id_too_long_for_airflow_is_a_4xx(view: View) -> None:
    assert view.quota("admin", "x" * 251).status_code == 422


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-11", (2026, 11)), ("1970-01", (1970, 1)), ("2999-12", (2999, 12)), ("2026-02", (2026, 2))],
)
def test_parse_month(text: str, expected: tuple[int, int]) -> None:
    from airflow_provider_wolkvox.ui.recorded import parse_month

    assert parse_month(text) == expected


@pytest.mark.parametrize("text", BAD_MONTHS)
def test_parse_month_refuses(text: str) -> None:
    from airflow_provider_wolkvox.ui.recorded import parse_month

    with pytest.raises(ValueError, match="month must be YYYY-MM"):
        parse_month(text)
