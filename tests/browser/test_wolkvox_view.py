"""The Wolkvox view as a person sees it: Airflow 3's UI in headless Chromium, after known loads.

Loads four known windows with real dag.test() runs (emulator -> SQLite) into a fresh
deployment's metadata DB, starts ``airflow api-server`` on it, opens the Wolkvox entry of
the UI and checks the calls made today and the month's calendar (loaded, empty and
missing hours), then reads the quota with the page's button. The screenshot goes to
``test-output/`` and, refreshed by hand, to ``docs/images/wolkvox-view.png``.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.browser import test_connection_form as ui
from tests.conftest import connection_json
from tests.unit.test_lineage import RUN, run_script

browser = ui.browser
DAG_FILE = Path(__file__).parent / "dags" / "wolkvox_view_loads.py"
NOVEMBER = "2026-11"


def zone_far_from_midnight() -> str:
    """A time zone whose local midnight is hours away, so "calls today" cannot change day mid-test.

    Bogota's midnight is 05:00 UTC; from 03:00 to 07:00 UTC the test uses Tokyo's (15:00 UTC).
    """
    hour = datetime.now(timezone.utc).hour
    return "Asia/Tokyo" if 3 <= hour < 7 else "America/Bogota"


def load_known_windows(home: Path, env: dict[str, str]) -> None:
    """Run the three loads of ``wolkvox_view_loads`` into the deployment's metadata DB."""
    dags = home / "dags"
    shutil.copy(DAG_FILE, dags / DAG_FILE.name)
    result, _ = run_script(RUN, str(dags), "2026-11-29T00:00:00+00:00", "wolkvox_view_loads", env=env)
    assert result == {"wolkvox_view_loads": "success"}


def test_wolkvox_view_shows_todays_calls_and_the_months_windows(
    tmp_path: Path, emulator: WolkvoxEmulator, token: str, browser: Any
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    home, port = tmp_path / "airflow-home", ui._free_port()
    env = ui._airflow_env(home, port)
    env["AIRFLOW_CONN_WOLKVOX_DEFAULT"] = connection_json(
        emulator.base_url, token, timezone=zone_far_from_midnight()
    )
    env["AIRFLOW_CONN_WOLKVOX_SQLITE"] = json.dumps({"conn_type": "sqlite", "host": str(tmp_path / "w.db")})
    ui.migrate(env)
    load_known_windows(home, env)
    calls = emulator.stats()["requests"]
    assert calls >= 4 + 1 + 6 + 4  # 4 hourly windows, at least one for the day, 6, and cdr_1's 4

    wait = WebDriverWait(browser, ui.WAIT)
    with ui.running_api_server(home, port, env) as base_url:
        browser.get(f"{base_url}/plugin/wolkvox")
        frame = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "iframe")))
        browser.switch_to.frame(frame)
        row = wait.until(
            ec.presence_of_element_located((By.CSS_SELECTOR, "tr[data-conn-id=wolkvox_default]"))
        )
        # Every call the emulator answered was made today by these loads.
        assert row.find_element(By.CSS_SELECTOR, ".calls-today").text == str(calls)
        # The loads' month, whatever today's is: through the page's own month form.
        month = browser.find_element(By.CSS_SELECTOR, "input[name=month]")
        browser.execute_script(
            "arguments[0].value = arguments[1]; arguments[0].form.submit();", month, NOVEMBER
        )
        wait.until(ec.presence_of_element_located((By.XPATH, f"//h2[text()='Windows loaded in {NOVEMBER}']")))

        loaded = calendar(browser, "wolkvox_default/campaign_8/1")
        assert loaded["counts"] == "(28 loaded, 0 empty, 692 missing hours)"
        assert [h for h, state in loaded["2026-11-27"].items() if state == "loaded"] == [5, 6, 7, 8]
        assert set(loaded["2026-11-28"].values()) == {"loaded"}
        assert set(loaded["2026-11-29"].values()) == {"missing"}
        idle = calendar(browser, "wolkvox_default/campaign_8/0")
        assert idle["counts"] == "(0 loaded, 6 empty, 714 missing hours)"
        assert [h for h, state in idle["2026-11-27"].items() if state == "empty"] == list(range(10, 16))
        # A report without parameters has its own calendar (and its calls are in today's above).
        detail = calendar(browser, "wolkvox_default/cdr_1/-")
        assert detail["counts"] == "(4 loaded, 0 empty, 716 missing hours)"
        assert [h for h, state in detail["2026-11-27"].items() if state == "loaded"] == list(range(13, 17))
        browser.switch_to.default_content()
        ui._screenshot(browser, "wolkvox-view.png")

        # The quota is read only on request: one token_info call, answered on the page.
        browser.switch_to.frame(browser.find_element(By.CSS_SELECTOR, "iframe"))
        browser.find_element(By.CSS_SELECTOR, "tr[data-conn-id=wolkvox_default] button").click()
        notice = wait.until(ec.presence_of_element_located((By.ID, "quota-result"))).text
        assert emulator.stats()["requests"] == calls + 1
        match = re.fullmatch(
            r"wolkvox_default: ([\d,]+) calls left today \(used ([\d,]+) of ([\d,]+); .*", notice
        )
        assert match, notice
        left, used, limit = (int(group.replace(",", "")) for group in match.groups())
        assert used == calls + 1
        assert left == limit - used
        assert token not in browser.page_source


def calendar(browser: Any, key: str) -> dict[str, Any]:
    """The calendar section ``key`` (connection/report/campaign): its counts and, per day, hour -> state."""
    from selenium.webdriver.common.by import By

    section = browser.find_element(By.CSS_SELECTOR, f"section.calendar[data-key='{key}']")
    days: dict[str, Any] = {"counts": section.find_element(By.CSS_SELECTOR, ".counts").text}
    for row in section.find_elements(By.CSS_SELECTOR, "tbody tr"):
        days[row.get_attribute("data-day")] = {
            int(cell.get_attribute("data-hour")): cell.get_attribute("class")
            for cell in row.find_elements(By.CSS_SELECTOR, "td")
        }
    return days
