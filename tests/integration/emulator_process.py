"""The ``wolkvox-emulator`` console script as a subprocess, and its admin endpoints."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests.integration.processes import Background, free_port, wait_for


class EmulatorProcess:
    """A ``wolkvox-emulator`` on a free loopback port; tokens go through the environment, not argv."""

    def __init__(
        self,
        name: str,
        tokens: Sequence[str],
        workdir: Path,
        latency: float = 0.2,
        server_limit: float = 60.0,
    ) -> None:
        self.name, self.tokens = name, list(tokens)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        script = Path(sys.executable).parent / "wolkvox-emulator"
        argv = [str(script), "--port", str(self.port), "--latency", str(latency), "--seed", "7"]
        argv += ["--server-limit", str(server_limit)]
        env = {**os.environ, "WOLKVOX_EMULATOR_TOKENS": ",".join(self.tokens)}
        workdir.mkdir(parents=True, exist_ok=True)
        self.process = Background(name, argv, env, workdir / f"{name}.log", workdir)
        wait_for(f"{name} to listen on {self.base_url}", self._answers, timeout=20, interval=0.2)

    def _answers(self) -> bool:
        self.process.check_alive()
        try:
            return requests.get(f"{self.base_url}/_emulator/stats", timeout=2).ok
        except requests.RequestException:
            return False

    def _admin(self, method: str, path: str, **kwargs: Any) -> Any:
        response = requests.request(method, f"{self.base_url}/_emulator/{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json()

    def stats(self) -> dict[str, Any]:
        return dict(self._admin("GET", "stats"))

    def set_faults(
        self,
        rate: float,
        kinds: Sequence[str],
        script: Sequence[str] = (),
        seed: int = 1,
        sleep: float = 3.0,
        **hostile: Any,
    ) -> None:
        """Faults on a share ``rate`` of requests, once the kinds in ``script`` hit the next ones;
        ``hostile``: the hostile kinds' settings (``drip_interval``, ``redirect_to``, ``bomb_bytes``)."""
        spec = {"rate": rate, "kinds": list(kinds), "script": list(script), "seed": seed, **hostile}
        spec["fault_sleep"] = sleep
        self._admin("POST", "faults", json=spec)

    def set_fields(self, api: str, **changes: Any) -> None:
        """``WolkvoxEmulator.set_fields`` (``extra``, ``dropped``, ``suffixed``) in the process."""
        self._admin("POST", "fields", json={"api": api, **changes})

    def set_late(self, api: str, delay_seconds: float | None) -> None:
        """``WolkvoxEmulator.set_late`` in the process: ``api``'s rows come ``delay_seconds`` late."""
        self._admin("POST", "late", json={"api": api, "delay_seconds": delay_seconds})

    def set_clock(self, now: datetime | None) -> None:
        """The process's "now" (quota and late rows); None: real time."""
        self._admin("POST", "clock", json={"now": None if now is None else now.isoformat()})

    def reset(self) -> None:
        self._admin("POST", "reset")

    def ground_truth(self, campaign_id: str, start: datetime, end: datetime) -> dict[str, tuple[int, ...]]:
        params = {"campaign_id": campaign_id, "start": start.isoformat(), "end": end.isoformat()}
        rows = self._admin("GET", "ground_truth", params=params)
        return {phone: tuple(counts) for phone, counts in rows.items()}

    def ground_truth_rows(
        self, api: str, start: datetime, end: datetime, **params: str
    ) -> list[dict[str, str]]:
        """Report ``api``'s rows over ``[start, end)`` as one uncapped call would send them."""
        query = {"api": api, "start": start.isoformat(), "end": end.isoformat(), "rows": "1", **params}
        return list(self._admin("GET", "ground_truth", params=query))

    @staticmethod
    def fingerprint(token: str) -> str:
        return WolkvoxEmulator.fingerprint(token)

    def stop(self) -> None:
        self.process.stop()
