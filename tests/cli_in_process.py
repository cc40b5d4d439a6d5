"""A command-line call run in this process, as a fresh process would run it, with all it showed.

A CLI process costs an Airflow import and start-up (seconds of CPU) per call and per release, so
the tests keep one real process per command, where what it proves needs one (a fresh process's
start-up logs, its exit code, the console entry point), and run the other calls here: the same
entry (Airflow's own parser and command function, or the package's ``__main__``) with the same
argv, ``SystemExit`` turned into an exit code as the interpreter does.

What the call shows is captured whole, so that a test that looks for a token in it can fail:
``sys.stdout``/``sys.stderr``; the process's file descriptors 1 and 2 (whatever still writes to the
streams the process started with); the root logger's console handlers (Airflow binds them to the
process's stdout); and every log record that reaches the root logger, with its traceback, whatever
level the console handlers keep (a record below its logger's level is never made, here or in a
process). A structlog logger that something in this process first used before the call stays
bound to the stream it found then (caught here only if that stream writes to descriptor 1 or 2):
a fresh process, where nothing was bound before, is what a command's real process proves.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import runpy
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from tests.airflow_compat import provider_cli_loaded


@dataclass
class Run:
    args: Sequence[str]
    returncode: int
    stdout: str
    stderr: str
    logged: str = ""  # every record that reached the root logger, its console handlers' level aside

    @property
    def output(self) -> str:
        """Everything the call showed: stdout, stderr and its log records."""
        return self.stdout + self.stderr + self.logged


def airflow(*args: str, env: Mapping[str, str] | None = None) -> Run:
    """``airflow ARGS`` through Airflow's own parser and command function, as its ``main`` runs them."""

    def run_airflow() -> None:
        from airflow.cli import cli_parser

        with _argv("airflow", *args):
            parsed = cli_parser.get_parser().parse_args(list(args))
            parsed.func(parsed)

    return call(args, run_airflow, env=env)


def provider_module(*args: str, env: Mapping[str, str] | None = None) -> Run:
    """``python -m airflow_provider_wolkvox ARGS``: its ``__main__`` run as Python runs it."""

    def run_module() -> None:
        with _argv("python -m airflow_provider_wolkvox", *args):
            runpy.run_module("airflow_provider_wolkvox", run_name="__main__", alter_sys=False)

    return call(args, run_module, env=env)


def wolkvox(*args: str, env: Mapping[str, str] | None = None) -> Run:
    """``airflow wolkvox ARGS`` where Airflow loads provider commands (3.2 on), else the module."""
    if provider_cli_loaded():
        return airflow("wolkvox", *args, env=env)
    return provider_module(*args, env=env)


def call(args: Sequence[str], command: Callable[[], object], *, env: Mapping[str, str] | None = None) -> Run:
    """Run ``command`` with ``env`` added to this process's environment (all of it restored after),
    all it printed and logged captured, and ``SystemExit`` (or an escaping exception) as an exit code."""
    stdout, stderr, logged = io.StringIO(), io.StringIO(), io.StringIO()
    returncode = 0
    with _environment(env or {}), _captured(stdout, stderr, logged) as descriptors:
        try:
            command()
        except SystemExit as done:
            if isinstance(done.code, str):
                print(done.code, file=sys.stderr)  # as the interpreter does on exit
                returncode = 1
            else:
                returncode = done.code or 0
        except Exception:
            traceback.print_exc()  # as the interpreter does on exit
            returncode = 1
    out, err = descriptors
    return Run(
        args,
        returncode,
        stdout.getvalue() + out.getvalue(),
        stderr.getvalue() + err.getvalue(),
        logged.getvalue(),
    )


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    """``env`` added to ``os.environ``, and the whole environment as it was after: a command may set
    variables for the rest of its process (``connections test`` sets ``_AIRFLOW_PROCESS_CONTEXT``)."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        for name in set(os.environ) - set(saved):
            del os.environ[name]
        for name, value in saved.items():
            if os.environ.get(name) != value:
                os.environ[name] = value


@contextlib.contextmanager
def _argv(*argv: str) -> Iterator[None]:
    saved = sys.argv
    sys.argv = list(argv)
    try:
        yield
    finally:
        sys.argv = saved


class _Records(logging.Handler):
    """Every record that reaches the root logger, formatted with its traceback."""

    def __init__(self, into: io.StringIO) -> None:
        super().__init__(logging.NOTSET)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.write(self.format(record) + "\n")


@contextlib.contextmanager
def _captured(
    stdout: io.StringIO, stderr: io.StringIO, logged: io.StringIO
) -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """``sys.stdout``/``sys.stderr`` into these buffers, the root logger's console handlers into
    ``stdout`` (where a process's would write), every root log record into ``logged``, and what
    reaches file descriptors 1 and 2 meanwhile into the two buffers yielded (filled on exit)."""
    root = logging.getLogger()
    handlers = [
        handler
        for handler in root.handlers
        if type(handler) is logging.StreamHandler  # 3.0's RedirectStdHandler follows sys.stdout itself
    ]
    records = _Records(logged)
    fd_out, fd_err = io.StringIO(), io.StringIO()
    streams = [handler.setStream(stdout) for handler in handlers]
    root.addHandler(records)
    try:
        with (
            _descriptor(1, fd_out),
            _descriptor(2, fd_err),
            contextlib.redirect_stdout(stdout),
            contextlib.redirect_stderr(stderr),
        ):
            yield fd_out, fd_err
    finally:
        root.removeHandler(records)
        for handler, stream in zip(handlers, streams, strict=True):
            if stream is not None:
                handler.setStream(stream)


@contextlib.contextmanager
def _descriptor(fd: int, into: io.StringIO) -> Iterator[None]:
    """What is written to file descriptor ``fd`` meanwhile, into ``into``."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        if stream is not None:
            stream.flush()
    saved = os.dup(fd)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), fd)
        try:
            yield
        finally:
            for stream in (sys.__stdout__, sys.__stderr__):
                if stream is not None:
                    stream.flush()
            os.dup2(saved, fd)
            os.close(saved)
            sink.seek(0)
            into.write(sink.read().decode(errors="replace"))
