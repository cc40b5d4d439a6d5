"""Run a measured case in a fresh process and collect its figures, and summarise repeats."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class CaseFailed(RuntimeError):
    pass


@dataclass
class Run:
    """One process: what it reported, its peak RSS (``wait4`` rusage) and its wall time."""

    result: dict[str, Any]
    maxrss_kb: int
    wall: float


def vm_hwm_kb(pid: int | str = "self") -> int:
    """Peak resident set of a live process's current program (``VmHWM``), in KiB; 0 if unknown.

    Unlike ``ru_maxrss`` this starts afresh at ``exec``: a child spawned from a big parent
    inherits the parent's peak in ``ru_maxrss`` (Linux records the old memory map's peak at exec).
    """
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_process(argv: Sequence[str], env: dict[str, str], *, timeout: float = 900) -> tuple[str, int, float]:
    """Run ``argv``; return its stdout, peak RSS in KiB and wall seconds.

    The peak is the largest ``VmHWM`` seen while polling every 5 ms (it only grows, so the last
    reading before exit is the true peak but for the final few ms); where /proc is missing it is
    ``ru_maxrss`` from ``os.wait4``, which may include the parent's own peak.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdout=out, stderr=err, env=env, cwd=ROOT)
        deadline = started + timeout
        hwm = 0
        try:
            while True:
                hwm = max(hwm, vm_hwm_kb(proc.pid))
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() > deadline:
                    raise CaseFailed(f"{argv[0]} timed out after {timeout:.0f} s")
                time.sleep(0.005)
        except BaseException:  # a timeout, or the run interrupted: the case must not outlive it
            proc.kill()
            os.wait4(proc.pid, 0)
            raise
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise CaseFailed(f"{' '.join(argv[:4])} ... exited {proc.returncode}:\n{stderr[-3000:]}")
    return stdout, hwm or usage.ru_maxrss, wall


def run_case(name: str, args: dict[str, Any], env: dict[str, str]) -> Run:
    """``python -m benchmarks.child name args`` in a fresh interpreter."""
    stdout, maxrss, wall = run_process(
        [sys.executable, "-m", "benchmarks.child", name, json.dumps(args)], env
    )
    result = json.loads(stdout.strip().splitlines()[-1])
    return Run(result=result, maxrss_kb=result.get("vm_hwm_kb") or maxrss, wall=wall)


@dataclass
class Figure:
    """Median, min and max of repeated measurements."""

    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.values.append(value)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    @property
    def spread(self) -> float:
        """(max - min) / median: how noisy the repeats were."""
        return (self.high - self.low) / self.median if self.median else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"median": self.median, "min": self.low, "max": self.high, "n": len(self.values)}
