"""Staging files on the worker: where they live, whose they are, and removing the ones left behind.

A task stages an interval's rows (customer telephones included) in a SQLite file in the worker's
temporary folder (``tempfile.gettempdir()``: ``$TMPDIR``, else ``/tmp``), mode 0600, and removes
it when the task ends, whatever the outcome. A process killed outright (SIGKILL, the OOM killer, a
lost node) cannot: its file stays. So each file's name says whose it is, as
``wolkvox-staging-<host>-<pid>-<start>-<random>.sqlite`` (a hash of the host name, the process id,
and the process's start time in clock ticks since boot, so a reused process id is not taken for
the owner), and every task that stages removes the files of this host whose owner is provably
gone: no process with that id, or one that started at another time. Anything else (another
host's file in a shared folder, a live task's, a name this module did not make, a system without
``/proc``) is left alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import socket
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

PREFIX = "wolkvox-staging-"
SUFFIX = ".sqlite"
_NAME = re.compile(rf"{PREFIX}(?P<host>[0-9a-f]{{8}})-(?P<pid>\d+)-(?P<start>\d+|x)-[^/]*{re.escape(SUFFIX)}")


def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def start_ticks(pid: int) -> str | None:
    """When process ``pid`` started, in clock ticks since boot (Linux ``/proc``), or None when
    there is no such process or no way to tell."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22, counted after the command name


def owner_prefix() -> str:
    """The name every staging file of this process starts with."""
    pid = os.getpid()
    return f"{PREFIX}{_host()}-{pid}-{start_ticks(pid) or 'x'}-"


def owner_gone(name: str) -> bool:
    """True only when ``name`` is a staging file of this host whose process no longer runs."""
    match = _NAME.fullmatch(name)
    if match is None or match["host"] != _host() or match["start"] == "x":
        return False
    if not Path("/proc/self/stat").exists():
        return False  # no way to tell a live process from a gone one
    return start_ticks(int(match["pid"])) != match["start"]


def sweep(directory: str | None = None) -> list[Path]:
    """Remove the staging files in ``directory`` (default: the temporary folder) that processes
    gone from this host left behind; return them."""
    folder = Path(directory or tempfile.gettempdir())
    removed = []
    with contextlib.suppress(OSError):
        for path in folder.glob(f"{PREFIX}*{SUFFIX}"):
            if owner_gone(path.name):
                try:
                    path.unlink()
                except OSError:
                    continue
                removed.append(path)
    if removed:
        log.warning(
            "removed %d staging file(s) that killed tasks left in %s: %s",
            len(removed),
            folder,
            ", ".join(path.name for path in removed),
        )
    return removed
