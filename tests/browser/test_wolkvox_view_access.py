"""The Wolkvox view follows Airflow's permissions, under a real ``airflow api-server`` with users.

SimpleAuthManager with logins (not "all admins"): a viewer, an admin, and a
``reader_wolkvox_default`` (role viewer) whom the auth manager lets read that one
connection (``tests.per_connection_auth``: SimpleAuthManager plus that rule). Each logs in
with ``POST /auth/token`` and talks HTTP to the view as the UI's iframe does, after real
loads (``dag.test()``, emulator -> SQLite) recorded in the deployment's metadata DB, with a
second Wolkvox connection and a SQLite connection stored there. No browser is needed: the
page is server-rendered and has no script (test_wolkvox_view.py drives it in Chromium).
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
from pathlib import Path
from typing import Any

import requests

from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.browser import test_connection_form as ui
from tests.browser.test_wolkvox_view import NOVEMBER, load_known_windows, zone_far_from_midnight
from tests.conftest import connection_json
from tests.unit.test_view_app import calendars, conn_ids, quota_button

REPO = Path(__file__).resolve().parents[2]
DEFAULT, STORED, SEC = "wolkvox_default", "wv_stored", "sec_sqlite"
SEC_HOST = "/path/to/wh.sqlite"
READER = f"reader_{DEFAULT}"
USERS = {"viewer": "viewer", "admin": "admin", READER: "viewer"}
BAD_MONTHS = ("2026-13", "0000-00", "9999-12", "November")


class User:
    """One logged-in user of the deployment."""

    def __init__(self, base_url: str, name: str, password: str) -> None:
        self.base_url = base_url
        answer = requests.post(
            f"{base_url}/auth/token", json={"username": name, "password": password}, timeout=30
        )
        assert answer.status_code == 201, answer.text
        self.headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def get(self, path: str, **params: str) -> requests.Response:
        return requests.get(f"{self.base_url}{path}", params=params, headers=self.headers, timeout=60)

    def page(self, **params: str) -> requests.Response:
        return self.get("/wolkvox/", **params)

    def quota(self, button: tuple[str, dict[str, str]], **params: str) -> requests.Response:
        path, query = button
        return requests.post(
            f"{self.base_url}{path}", params={**query, **params}, headers=self.headers, timeout=60
        )


def store_connections(env: dict[str, str], folder: Path, connections: dict[str, Any]) -> None:
    """Put ``connections`` in the metadata DB with ``airflow connections import``."""
    path = folder / "connections.json"
    path.write_text(json.dumps(connections))
    done = subprocess.run(
        [ui.AIRFLOW, "connections", "import", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    path.unlink()
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_the_view_shows_each_user_only_the_connections_they_may_read(
    tmp_path: Path, emulator: WolkvoxEmulator, token: str
) -> None:
    home, port = tmp_path / "airflow-home", ui._free_port()
    env = ui._airflow_env(home, port)
    passwords = {user: secrets.token_hex(12) for user in USERS}
    (home / "passwords.json").write_text(json.dumps(passwords))
    env.update(
        {
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": ",".join(f"{u}:{r}" for u, r in USERS.items()),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            "AIRFLOW__CORE__AUTH_MANAGER": "tests.per_connection_auth.PerConnectionAuthManager",
            "PYTHONPATH": str(REPO),
        }
    )
    zone = zone_far_from_midnight()
    env["AIRFLOW_CONN_WOLKVOX_DEFAULT"] = connection_json(emulator.base_url, token, timezone=zone)
    env["AIRFLOW_CONN_WOLKVOX_SQLITE"] = json.dumps({"conn_type": "sqlite", "host": str(tmp_path / "w.db")})
    ui.migrate(env)
    stored = json.loads(connection_json(emulator.base_url, token, timezone=zone))
    store_connections(env, tmp_path, {STORED: stored, SEC: {"conn_type": "sqlite", "host": SEC_HOST}})
    load_known_windows(home, env)

    with ui.running_api_server(home, port, env) as base_url:
        viewer, admin, reader = (User(base_url, name, passwords[name]) for name in USERS)
        pages: list[str] = []

        # The admin sees every Wolkvox connection, and nothing of the SQLite one.
        page = admin.page(month=NOVEMBER)
        assert page.status_code == 200
        pages.append(page.text)
        assert {DEFAULT, STORED} <= conn_ids(page.text)
        assert f"{DEFAULT}/campaign_8/1" in calendars(page.text)
        assert SEC not in page.text
        assert SEC_HOST not in page.text
        button = {conn_id: quota_button(page.text, DEFAULT, conn_id, "/wolkvox/") for conn_id in (
            DEFAULT, STORED, SEC, "no_such_connection")}  # fmt: skip

        # A viewer: Airflow lets them read no connection, and the view shows none.
        assert viewer.get("/api/v2/connections").status_code == 403
        page = viewer.page(month=NOVEMBER)
        assert page.status_code == 200
        pages.append(page.text)
        assert conn_ids(page.text) == set()
        assert calendars(page.text) == set()
        for conn_id in (DEFAULT, STORED, SEC):
            assert conn_id not in page.text

        # A user who may read one connection sees it, its calendars, and reads its quota only.
        # Airflow's own answer: allowed (404, as the REST API reads only the metadata DB), and refused.
        assert reader.get(f"/api/v2/connections/{DEFAULT}").status_code == 404
        assert reader.get(f"/api/v2/connections/{STORED}").status_code == 403
        page = reader.page(month=NOVEMBER)
        assert page.status_code == 200
        pages.append(page.text)
        assert conn_ids(page.text) == {DEFAULT}
        assert {key.split("/")[0] for key in calendars(page.text)} == {DEFAULT}
        assert len(calendars(page.text)) == 3  # campaigns 1 and 0, and cdr_1

        calls = emulator.stats()["requests"]
        assert viewer.quota(button[DEFAULT]).status_code == 403
        assert reader.quota(button[STORED]).status_code == 403
        assert emulator.stats()["requests"] == calls
        answer = reader.quota(button[DEFAULT])
        assert answer.status_code == 200
        pages.append(answer.text)
        assert emulator.stats()["requests"] == calls + 1
        assert re.search(rf'id="quota-result">{DEFAULT}: [\d,]+ calls left today', answer.text), answer.text

        # Bad input: a 4xx saying what is wrong, nothing of another connection, no call spent.
        for conn_id in (SEC, "no_such_connection"):
            answer = admin.quota(button[conn_id])
            pages.append(answer.text)
            assert answer.status_code == 404, answer.text
            assert "There is no Wolkvox connection" in answer.text
            assert SEC_HOST not in answer.text
        for month in BAD_MONTHS:
            for answer in (admin.page(month=month), admin.quota(button[DEFAULT], month=month)):
                pages.append(answer.text)
                assert answer.status_code == 400, (month, answer.status_code)
                assert "month must be YYYY-MM" in answer.text
        assert emulator.stats()["requests"] == calls + 1
        assert all(token not in text for text in pages)
