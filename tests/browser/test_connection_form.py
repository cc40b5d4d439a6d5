"""The Wolkvox connection form as a person sees it: Airflow 3's UI in headless Chromium.

Starts a real ``airflow api-server`` (fresh AIRFLOW_HOME, SQLite metadata DB, no
login), opens Admin > Connections, adds a connection of type Wolkvox and checks
the relabeled and hidden standard fields, the placeholders, and each extra field
with its label, description and default; then saves it and reads it back over the
REST API. Screenshots go to ``test-output/``.

Needs Debian's ``chromium`` and ``chromium-driver`` (``make browser-deps``). Without
them the test skips, unless CI=true, where it fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests import metadata_db

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1700",
)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output"
AIRFLOW = str(Path(sys.executable).parent / "airflow")
SERVER_START_TIMEOUT = 120.0
WAIT = 30  # seconds for any one thing to show up in the page

EXTRA_FIELDS = {
    # name: (label, description, default as the form shows it)
    "timezone": (
        "Time zone",
        "IANA time zone of the operation's report dates (America/Bogota).",
        "America/Bogota",
    ),
    "base_url": (
        "Base URL override",
        "Optional http(s) URL used instead of https://wvNNNN.wolkvox.com (a local emulator or a proxy).",
        "",
    ),
    "timeout": ("Timeout (seconds)", "Seconds to wait for one answer; the API itself stops at 60 s.", "90"),
    "verify": ("Verify TLS certificates", "Turn off only for a proxy with a private certificate.", True),
}


def _require_browser() -> None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if not missing:
        return
    reason = f"{', '.join(missing)} missing: run `make browser-deps` (Debian chromium + chromium-driver)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true requires the browser test to run: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _airflow_env(home: Path, port: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AIRFLOW_", "AIRFLOW__")) and key != "AIRFLOW_HOME"
    }
    dags = home / "dags"
    dags.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__API_AUTH__JWT_SECRET": "wolkvox-browser-test-" + "x" * 64,
            "AIRFLOW__API__SECRET_KEY": "wolkvox-browser-test-secret-key",
        }
    )
    return env


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and its workers: the process group this test created for it."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


@contextlib.contextmanager
def running_api_server(home: Path, port: int, env: dict[str, str]) -> Iterator[str]:
    """``airflow api-server`` on ``home`` (migrated already), until the block ends; yields its base URL."""
    log_path = home / "api-server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [AIRFLOW, "api-server", "-H", "127.0.0.1", "-p", str(port), "-w", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so teardown stops its workers too
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"airflow api-server exited with {process.returncode}:\n{log_path.read_text()[-3000:]}"
                )
            try:
                if requests.get(f"{base_url}/api/v2/monitor/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"airflow api-server not healthy after {SERVER_START_TIMEOUT:.0f} s:\n"
                    f"{log_path.read_text()[-3000:]}"
                )
            time.sleep(0.5)
        yield base_url
    finally:
        _stop(process)


def migrate(env: dict[str, str]) -> None:
    """A fresh metadata DB for ``env``'s AIRFLOW_HOME: a copy of the run's migrated template."""
    metadata_db.copy_migrated_db(Path(env["AIRFLOW_HOME"]) / "airflow.db")


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a fresh Airflow 3 API server with no login; stopped at teardown."""
    _require_browser()
    home = tmp_path_factory.mktemp("airflow-home")
    port = _free_port()
    env = _airflow_env(home, port)
    migrate(env)
    with running_api_server(home, port, env) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Debian Chromium driven by Debian's chromedriver (nothing is downloaded)."""
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def _screenshot(driver: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / name
    driver.save_screenshot(str(path))
    return path


def test_wolkvox_connection_form(api_server: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, WAIT)

    def visible(css: str) -> Any:
        return wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, f"[role=dialog] {css}")))

    def field_root(element: Any) -> Any:
        return element.find_element(By.XPATH, "./ancestor::*[@data-scope='field'][@data-part='root'][1]")

    def label_of(element: Any) -> str:
        label = field_root(element).find_element(By.CSS_SELECTOR, "label[data-scope=field][data-part=label]")
        wait.until(lambda _: label.is_displayed())
        return str(label.text).strip()

    def description_of(element: Any) -> str:
        helper = field_root(element).find_element(By.CSS_SELECTOR, "[data-part=helper-text]")
        assert helper.is_displayed()
        return str(helper.text).strip()

    def open_section(title: str) -> None:
        xpath = f"//*[@role='dialog']//button[@data-part='item-trigger'][normalize-space()='{title}']"
        trigger = wait.until(ec.element_to_be_clickable((By.XPATH, xpath)))
        if trigger.get_attribute("aria-expanded") != "true":
            trigger.click()
        wait.until(lambda _: trigger.get_attribute("aria-expanded") == "true")

    try:
        browser.get(f"{api_server}/connections")
        add = (By.XPATH, "//button[normalize-space()='Add Connection']")
        wait.until(ec.element_to_be_clickable(add)).click()

        # The Connection Type picker is a searchable combobox: type, wait for the option, Enter.
        picker = wait.until(
            ec.element_to_be_clickable((By.CSS_SELECTOR, "[role=dialog] input[role=combobox]"))
        )
        picker.send_keys("Wolkvox")
        option = (By.XPATH, "//*[@role='option'][normalize-space()='Wolkvox']")
        wait.until(ec.visibility_of_element_located(option))
        picker.send_keys(Keys.ENTER)

        # Standard fields: host and password relabeled, with placeholders; schema, port, login hidden.
        open_section("Standard Fields")
        host = visible("input[name=host]")
        password = visible("input[name=password]")
        assert label_of(host) == "Server number"
        assert host.get_attribute("placeholder") == "0032 (the NNNN of wvNNNN.wolkvox.com)"
        assert label_of(password) == "API token"
        assert password.get_attribute("placeholder") == "the operation's wolkvox-token"
        assert password.get_attribute("type") == "password"
        for hidden in ("schema", "port", "login"):
            assert not browser.find_elements(By.CSS_SELECTOR, f"[role=dialog] [name={hidden}]"), hidden
        shown_labels = {
            label.text.strip()
            for label in browser.find_elements(By.CSS_SELECTOR, "[role=dialog] label")
            if label.is_displayed()
        }
        assert not shown_labels & {"Schema", "Port", "Login", "Host", "Password"}, shown_labels
        browser.find_element(By.CSS_SELECTOR, "[role=dialog] input[name=connection_id]").send_keys(
            "wolkvox_ui"
        )
        host.send_keys("0032")
        password.send_keys("tok-browser-test-SECRET")
        _screenshot(browser, "connection-form-standard-fields.png")

        # Extra fields: each with its label, its description and its default.
        open_section("Extra Fields")
        for name, (label, description, default) in EXTRA_FIELDS.items():
            if name == "timeout":  # a number spinner, whose input has no name
                field = visible("[role=spinbutton]")
            else:
                field = visible(f"input[name=element_{name}]")
            assert label_of(field) == label, name
            assert description_of(field) == description, name
            if isinstance(default, bool):
                assert field.get_attribute("type") == "checkbox", name
                assert field.is_selected() is default, name
            else:
                assert field.get_attribute("value") == default, name
        _screenshot(browser, "connection-form-extra-fields.png")
        timezone = visible("input[name=element_timezone]")
        timezone.send_keys(Keys.CONTROL, "a")
        timezone.send_keys("America/Lima")

        browser.find_element(By.XPATH, "//*[@role='dialog']//button[normalize-space()='Save']").click()
        wait.until(ec.invisibility_of_element_located((By.CSS_SELECTOR, "[role=dialog]")))
        wait.until(ec.visibility_of_element_located((By.XPATH, "//*[normalize-space()='wolkvox_ui']")))
        _screenshot(browser, "connection-form-saved.png")
    except Exception:
        _screenshot(browser, "connection-form-failure.png")
        raise

    # What was saved is what the provider reads: plain names in `extra`.
    token = requests.get(f"{api_server}/auth/token", timeout=10).json()["access_token"]
    saved = requests.get(
        f"{api_server}/api/v2/connections/wolkvox_ui",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
    assert (saved["conn_type"], saved["host"]) == ("wolkvox", "0032")
    assert "tok-browser-test-SECRET" not in json.dumps(saved)
    extra = json.loads(saved["extra"])
    assert extra["timezone"] == "America/Lima"
    assert extra["timeout"] == 90
    assert extra["verify"] is True

    from airflow.models.connection import Connection

    from airflow_provider_wolkvox.client.connection import WolkvoxSettings

    settings = WolkvoxSettings.from_connection(
        Connection(conn_id="wolkvox_ui", conn_type="wolkvox", host="0032", password="x", extra=saved["extra"])
    )
    assert settings.base_url == "https://wv0032.wolkvox.com"
    assert (settings.timezone, settings.timeout, settings.verify) == ("America/Lima", 90.0, True)
