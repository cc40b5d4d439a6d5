"""The Wolkvox emulator in a process of its own, so it never shares a measured process's
memory or interpreter lock, driven through its admin endpoints."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from types import TracebackType
from typing import Any

from benchmarks.dataset import Density

BOGOTA = timezone(timedelta(hours=-5))  # America/Bogota has no DST: a fixed offset is exact


class EmulatorProcess:
    """``wolkvox-emulator`` on a free loopback port; a context manager."""

    def __init__(self, density: Density, row_cap: int = 60_000, extra_args: tuple[str, ...] = ()) -> None:
        self.density = density
        self.row_cap = row_cap
        self.extra_args = extra_args
        self.token = "bench-" + secrets.token_hex(16)
        self.base_url = ""
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> EmulatorProcess:
        env = {**os.environ, "WOLKVOX_EMULATOR_TOKENS": self.token}
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "airflow_provider_wolkvox.testing.emulator",
                "--port",
                "0",
                "--row-cap",
                str(self.row_cap),
                *self.density.emulator_args(),
                *self.extra_args,
            ],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if "listening on" not in line:
            self._proc.kill()
            raise RuntimeError(f"the emulator did not start: {line!r}")
        self.base_url = line.rsplit(" ", 1)[-1].strip()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def connection(self) -> str:
        """An ``AIRFLOW_CONN_*`` value (JSON) for a Wolkvox connection to this emulator."""
        return json.dumps(
            {
                "conn_type": "wolkvox",
                "host": "0032",
                "password": self.token,
                "extra": {"base_url": self.base_url, "timezone": "America/Bogota", "timeout": 120},
            }
        )

    def _admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"} if data else {},
        )
        with urllib.request.urlopen(request, timeout=600) as answer:
            return json.loads(answer.read())

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._admin("GET", "/_emulator/stats")
        return result

    def reset(self) -> None:
        self._admin("POST", "/_emulator/reset", {})

    def preload(self, campaign_id: str, start: datetime, end: datetime) -> None:
        self._admin(
            "POST",
            "/_emulator/preload",
            {"campaign_id": campaign_id, "start": start.isoformat(), "end": end.isoformat()},
        )

    def preload_logged(self, campaign_id: str) -> dict[tuple[str, str, str], int]:
        """Pre-render every request for ``campaign_id`` in the stats log; return each one's answer size
        in bytes."""
        seen: dict[tuple[str, str, str], int] = {}
        for entry in self.stats()["log"]:
            if entry["api"] != "campaign_8" or entry["params"]["campaign_id"] != campaign_id:
                continue
            params = entry["params"]
            key = (params["campaign_id"], params["date_ini"], params["date_end"])
            if key in seen:
                continue
            start = _api_date(params["date_ini"])
            end = _api_date(params["date_end"]) + timedelta(seconds=1)
            self.preload(params["campaign_id"], start, end)
            seen[key] = self.answer_size(key)
        return seen

    def answer_size(self, key: tuple[str, str, str]) -> int:
        """Bytes of the body the emulator answers to the campaign_8 request ``key``."""
        query = urllib.parse.urlencode(
            {"api": "campaign_8", "campaign_id": key[0], "date_ini": key[1], "date_end": key[2]}
        )
        request = urllib.request.Request(
            f"{self.base_url}/api/v2/reports_manager.php?{query}", headers={"wolkvox-token": self.token}
        )
        with urllib.request.urlopen(request, timeout=600) as answer:
            return len(answer.read())


def _api_date(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=BOGOTA)
