"""The commands (pools, plan) against a real, migrated SQLite metadata database.

One implementation, three ways in: ``airflow wolkvox pools ...`` (Airflow loads provider
commands from 3.2 on), the ``airflow-wolkvox`` console script and ``python -m
airflow_provider_wolkvox`` (every release). A process costs about 5 s (importing Airflow), so
each way in runs as a real process once, where what it proves needs one: ``python -m`` for the
dry run, ``airflow wolkvox`` (``python -m`` before 3.2) for ``list -o json`` (a fresh process logs
its set-up, which must stay off that stdout), the console script for ``--export`` (a fresh process
whose database must stay unopened) and Airflow's ``pools import`` of the exported file. Every
other call runs in this process (:meth:`Home.call`, through tests/cli_in_process.py): the same
entry function with the same argv, this home's database and environment, and all it showed
(stdout, stderr, file descriptors 1 and 2, every log record) and its exit code.
The pools scenario runs once (fixture ``scenario``) and the tests check what each step printed
and left in the database. Connections come from the three places Airflow keeps them: the metadata
database, ``AIRFLOW_CONN_*`` variables and a secrets backend (Airflow's LocalFilesystemBackend
reading a JSON file).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_wolkvox.pools.naming import pool_description, pool_name
from airflow_provider_wolkvox.testing.emulator import WolkvoxEmulator
from tests import cli_in_process, metadata_db
from tests.airflow_compat import provider_cli_loaded
from tests.cli_in_process import Run

pytestmark = pytest.mark.airflow_release

# What an in-process call takes from its home's environment (the rest is this process's own).
IN_PROCESS_VARIABLES = ("AIRFLOW_CONN_", "AIRFLOW__SECRETS__", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
# Airflow's settings a call points at its home's database, restored after it.
ORM_SETTINGS = (
    "SQL_ALCHEMY_CONN", "SQL_ALCHEMY_CONN_ASYNC", "DAGS_FOLDER", "PLUGINS_FOLDER", "DONOT_MODIFY_HANDLERS",
    "engine", "Session", "NonScopedSession", "async_engine", "AsyncSession",
)  # fmt: skip


@dataclass
class Home:
    path: Path
    env: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)  # name -> token

    @property
    def db(self) -> Path:
        return self.path / "airflow.db"

    # Real processes: one per way in (see the module's docstring).

    def airflow(self, *args: str, check: bool = True) -> Run:
        return self.run([sys.executable, "-m", "airflow"], *args, check=check)

    def provider(self, *args: str, check: bool = True) -> Run:
        """``python -m airflow_provider_wolkvox ARGS``: the commands on every release."""
        return self.run([sys.executable, "-m", "airflow_provider_wolkvox"], *args, check=check)

    def script(self, *args: str, check: bool = True) -> Run:
        """The ``airflow-wolkvox`` console script of this environment."""
        return self.run([str(Path(sys.executable).parent / "airflow-wolkvox")], *args, check=check)

    def run(self, command: Sequence[str], *args: str, check: bool = True) -> Run:
        proc = subprocess.run(
            [*command, *args],
            env=self.env,
            check=False,
            capture_output=True,
            text=True,
            timeout=180,
        )
        run = Run(args, proc.returncode, proc.stdout, proc.stderr)
        if check and run.returncode != 0:
            raise AssertionError(f"{' '.join([*command, *args])} exited {run.returncode}:\n{run.output}")
        return run

    # The same ways in, called in this process.

    def main(self, *args: str, check: bool = True) -> Run:
        """What the ``airflow-wolkvox`` console script calls: ``airflow_provider_wolkvox.cli:main``."""
        from airflow_provider_wolkvox.cli import main

        return self.call(cli_in_process.call, args, lambda: main(list(args)), check=check)

    def module(self, *args: str, check: bool = True) -> Run:
        """``python -m airflow_provider_wolkvox ARGS``: its ``__main__`` run as Python runs it."""
        return self.call(cli_in_process.provider_module, *args, check=check)

    def airflow_cli(self, *args: str, check: bool = True) -> Run:
        """``airflow ARGS`` through Airflow's own parser and command functions, as its ``main`` runs them."""
        return self.call(cli_in_process.airflow, *args, check=check)

    def wolkvox(self, *args: str, check: bool = True) -> Run:
        """``airflow wolkvox ARGS`` where Airflow loads provider commands (3.2 on), else the module."""
        return self.call(cli_in_process.wolkvox, *args, check=check)

    def call(self, way_in: Callable[..., Run], *args: Any, check: bool = True) -> Run:
        """``way_in(*args)`` (tests/cli_in_process.py) here as a process of this home would run it: its
        connections, secrets backend and database; all it showed captured (stdout, stderr, file
        descriptors 1 and 2, log records) and ``SystemExit`` turned into an exit code."""
        with self.active():
            run = way_in(*args)
        if check and run.returncode != 0:
            raise AssertionError(f"{' '.join(run.args)} exited {run.returncode}:\n{run.output}")
        return run

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """This home's connections, secrets backend and metadata database for Airflow in this process
        (it reads them from the environment at each use, but keeps its database engine from start-up)."""
        from airflow import settings

        with pytest.MonkeyPatch.context() as patch:
            for name in list(os.environ):
                if name.startswith(IN_PROCESS_VARIABLES):
                    patch.delenv(name)
            for name, value in self.env.items():
                if name.startswith(IN_PROCESS_VARIABLES):
                    patch.setenv(name, value)
            for name in ORM_SETTINGS:
                if hasattr(settings, name):
                    patch.setattr(settings, name, getattr(settings, name))
            settings.configure_vars()
            settings.configure_orm()
            try:
                yield
            finally:  # this call's engine only (dispose_orm would close every session of the process)
                settings.Session.remove()
                settings.engine.dispose()
                if getattr(settings, "async_engine", None) is not None:
                    settings.async_engine.sync_engine.dispose()

    def pools(self) -> dict[str, tuple[int, str | None]]:
        with closing(sqlite3.connect(self.db)) as db, db:
            return {
                name: (slots, desc)
                for name, slots, desc in db.execute("SELECT pool, slots, description FROM slot_pool")
            }

    def sql(self, statement: str, *params: Any) -> None:
        with closing(sqlite3.connect(self.db)) as db, db:
            db.execute(statement, params)


def _home(path: Path) -> Home:
    # Start from a clean environment: nothing of the test process's Airflow settings leaks in, but
    # its Fernet key, so that this process and the real ones read the passwords each other stored.
    from airflow.configuration import conf

    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        AIRFLOW_HOME=str(path),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__FERNET_KEY=conf.get("core", "fernet_key", fallback=""),
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{path}/airflow.db",
        AIRFLOW__CORE__DAGS_FOLDER=str(path / "dags"),
        PYTHONWARNINGS="ignore",
    )
    return Home(path, env)


def _token() -> str:
    return "tok-" + uuid.uuid4().hex + "-SECRET"


def assert_no_token(text: str, tokens: Sequence[str]) -> None:
    """Neither a token nor any 8 characters of its random part appear in ``text``."""
    for token in tokens:
        assert token not in text
        core = token.split("-")[1]
        for i in range(len(core) - 7):
            assert core[i : i + 8] not in text, "a piece of a token was printed"


@pytest.fixture(scope="module")
def migrated_home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    """An AIRFLOW_HOME with a migrated SQLite metadata database (the run's copied) and a few connections."""
    home = _home(tmp_path_factory.mktemp("wolkvox-cli-home"))
    metadata_db.copy_migrated_db(home.db)
    shared, own, env_token, other = _token(), _token(), _token(), _token()
    home.tokens = {"shared": shared, "own": own, "env": env_token, "other": other}
    # Imported, not `connections add`ed: `add` turns a conn type it has no hook for into
    # "generic" on some releases. A second connection with the same token, one with its own
    # token, and a non-Wolkvox connection that must be ignored.
    connections = {
        "wv_alpha": {"conn_type": "wolkvox", "host": "0032", "password": shared},
        "wv_beta": {"conn_type": "wolkvox", "host": "0032", "password": shared},
        "wv_gamma": {"conn_type": "wolkvox", "host": "0033", "password": own},
        "http_other": {"conn_type": "http", "host": "example.com", "password": other},
    }
    connections_file = home.path / "connections.json"
    connections_file.write_text(json.dumps(connections))
    home.airflow_cli("connections", "import", str(connections_file))
    connections_file.unlink()
    # Connections only Airflow's environment variables know about: one Wolkvox (JSON), one not.
    home.env["AIRFLOW_CONN_WV_FROM_ENV"] = json.dumps(
        {"conn_type": "wolkvox", "host": "0034", "password": env_token, "extra": {"timezone": "UTC"}}
    )
    home.env["AIRFLOW_CONN_HTTP_FROM_ENV"] = json.dumps(
        {"conn_type": "http", "host": "example.org", "password": other}
    )
    # And one only a secrets backend knows about: Airflow's LocalFilesystemBackend over a JSON file.
    vault = _token()
    home.tokens["vault"] = vault
    vault_file = home.path / "vault-connections.json"
    vault_file.write_text(
        json.dumps(
            {
                "wv_in_vault": {
                    "conn_type": "wolkvox",
                    "host": "0036",
                    "password": vault,
                    "extra": {"timezone": "Asia/Tokyo"},
                }
            }
        )
    )
    home.env["AIRFLOW__SECRETS__BACKEND"] = "airflow.secrets.local_filesystem.LocalFilesystemBackend"
    home.env["AIRFLOW__SECRETS__BACKEND_KWARGS"] = json.dumps({"connections_file_path": str(vault_file)})
    return home


WOLKVOX_IDS = ["wv_alpha", "wv_beta", "wv_from_env", "wv_gamma"]
WOLKVOX_POOLS = {pool_name(i) for i in WOLKVOX_IDS}


@dataclass
class Scenario:
    home: Home
    dry_run: Run
    pools_after_dry_run: dict[str, tuple[int, str | None]]
    sync: Run
    pools_after_sync: dict[str, tuple[int, str | None]]
    listing: Run
    resync: Run
    pools_after_resync: dict[str, tuple[int, str | None]]
    named: Run
    pools_after_named: dict[str, tuple[int, str | None]]


@pytest.fixture(scope="module")
def scenario(migrated_home: Home) -> Scenario:
    home = migrated_home
    dry_run = home.provider("pools", "sync", "--dry-run")  # a real `python -m airflow_provider_wolkvox`
    pools_after_dry_run = home.pools()
    sync = home.main("pools", "sync")
    pools_after_sync = home.pools()
    # Someone widens one pool by hand, and a pool of a deleted connection lingers.
    home.sql("UPDATE slot_pool SET slots = 4 WHERE pool = ?", pool_name("wv_gamma"))
    home.sql(
        "INSERT INTO slot_pool (pool, slots, description, include_deferred) VALUES (?, 1, 'old', 0)",
        "wolkvox_wv_deleted",
    )
    # The listing runs as a real process: a fresh one logs its set-up (providers, alembic) at INFO on
    # 3.0 to 3.2, which must not reach the stdout `-o json` writes to (this process did that long ago).
    if provider_cli_loaded():
        listing = home.airflow("wolkvox", "pools", "list", "-o", "json")
        # The repair updates an existing pool: the call that crashed `airflow wolkvox pools sync` on
        # 3.2 (no team_name before 3.3), through Airflow's own parser where it loads provider commands.
        resync = home.airflow_cli("wolkvox", "pools", "sync")
    else:
        listing = home.provider("pools", "list", "-o", "json")
        resync = home.module("pools", "sync")
    pools_after_resync = home.pools()
    # A connection kept in a secrets backend: named, and read from there.
    named = home.module("pools", "sync", "--conn-id", "wv_in_vault", "--conn-id", "wv_alpha")
    pools_after_named = home.pools()
    return Scenario(
        home, dry_run, pools_after_dry_run, sync, pools_after_sync, listing, resync, pools_after_resync,
        named, pools_after_named,
    )  # fmt: skip


LOG_RECORD = re.compile(r"^\d{4}-\d{2}-\d{2}T[\d:.]+Z? \[")


def own_lines(text: str) -> list[str]:
    """What the command printed, without Airflow's log records (Airflow 3.1 logs alembic's plugin
    set-up at INFO when ``airflow`` is imported, before any command runs)."""
    return [line for line in text.strip().splitlines() if not LOG_RECORD.match(line)]


def _lines(run: Run, verb: str) -> dict[str, str]:
    """Pool name -> line, for stdout lines starting with ``verb``."""
    found = {}
    for line in run.stdout.splitlines():
        match = re.match(rf"{re.escape(verb)}\s+(\S+) ", line)
        if match:
            found[match.group(1)] = line
    return found


def test_the_cli_group_is_discovered(scenario: Scenario) -> None:
    if not provider_cli_loaded():
        pytest.skip(
            "this Airflow does not load provider CLI commands (3.2 on do); `airflow-wolkvox` stands in"
        )
    # If this fails, debug provider discovery (`airflow providers list`), not the command.
    for run in (scenario.listing, scenario.resync):
        assert "invalid choice" not in run.output
        assert run.args[0] == "wolkvox"


def test_dry_run_changes_nothing(scenario: Scenario) -> None:
    assert set(_lines(scenario.dry_run, "would create")) == WOLKVOX_POOLS
    assert not any(name.startswith("wolkvox_") for name in scenario.pools_after_dry_run)
    assert (
        "4 Wolkvox connection(s): 4 to create, 0 to update, 0 unchanged (dry run: nothing was changed)"
        in scenario.dry_run.stdout
    )
    assert "http_other" not in scenario.dry_run.output
    assert "http_from_env" not in scenario.dry_run.output


def test_sync_creates_one_slot_pools(scenario: Scenario) -> None:
    created = _lines(scenario.sync, "created")
    assert set(created) == WOLKVOX_POOLS
    assert "[AIRFLOW_CONN_WV_FROM_ENV]" in created["wolkvox_wv_from_env"]
    assert "[metadata DB]" in created["wolkvox_wv_alpha"]
    for conn_id in WOLKVOX_IDS:
        assert scenario.pools_after_sync[pool_name(conn_id)] == (1, pool_description(conn_id))
    assert not any("http" in name for name in scenario.pools_after_sync)
    assert "4 Wolkvox connection(s): 4 created, 0 updated, 0 unchanged" in scenario.sync.stdout


def test_shared_token_is_warned_about_without_showing_it(scenario: Scenario) -> None:
    for run in (scenario.dry_run, scenario.sync, scenario.resync):
        warnings = [line for line in run.stderr.splitlines() if "same Wolkvox API token" in line]
        assert len(warnings) == 1, run.stderr
        [warning] = warnings
        assert "wv_alpha, wv_beta" in warning
        assert 'pool="wolkvox_wv_alpha"' in warning
        assert "wv_gamma" not in warning
        assert "wv_from_env" not in warning


def test_no_token_is_ever_printed(scenario: Scenario) -> None:
    for run in (scenario.dry_run, scenario.sync, scenario.listing, scenario.resync, scenario.named):
        assert_no_token(run.output, list(scenario.home.tokens.values()))


def test_list_shows_pools_slots_and_problems(scenario: Scenario) -> None:
    rows = {row["conn_id"]: row for row in json.loads(scenario.listing.stdout)}
    assert sorted(rows) == WOLKVOX_IDS
    gamma = rows["wv_gamma"]
    assert gamma["pool"] == "wolkvox_wv_gamma"
    assert (gamma["pool_exists"], gamma["slots"]) == (True, 4)
    assert gamma["warning"].startswith("! 4 slots, must be 1")
    assert rows["wv_alpha"]["shares_token_with"] == ["wv_beta"]
    assert "same token as wv_beta" in rows["wv_alpha"]["warning"]
    assert rows["wv_from_env"] == {
        "conn_id": "wv_from_env",
        "source": "AIRFLOW_CONN_WV_FROM_ENV",
        "pool": "wolkvox_wv_from_env",
        "pool_exists": True,
        "slots": 1,
        "shares_token_with": [],
        "warning": "",
    }


def test_resync_repairs_slots_and_reports_unchanged(scenario: Scenario) -> None:
    assert set(_lines(scenario.resync, "updated")) == {"wolkvox_wv_gamma"}
    assert "slots 4 -> 1" in _lines(scenario.resync, "updated")["wolkvox_wv_gamma"]
    assert set(_lines(scenario.resync, "unchanged")) == WOLKVOX_POOLS - {"wolkvox_wv_gamma"}
    assert scenario.pools_after_resync[pool_name("wv_gamma")][0] == 1
    # A pool of no connection is reported, not deleted.
    assert "note: pool wolkvox_wv_deleted matches no Wolkvox connection" in scenario.resync.stdout
    assert "wolkvox_wv_deleted" in scenario.pools_after_resync


def test_named_connections_get_pools(scenario: Scenario) -> None:
    """``--conn-id`` adds a connection no one can list, read from the secrets backend; naming a
    listed one changes nothing."""
    created = _lines(scenario.named, "created")
    assert set(created) == {"wolkvox_wv_in_vault"}
    assert "[LocalFilesystemBackend]" in created["wolkvox_wv_in_vault"]
    assert scenario.pools_after_named["wolkvox_wv_in_vault"] == (1, pool_description("wv_in_vault"))
    assert "[metadata DB]" in _lines(scenario.named, "unchanged")["wolkvox_wv_alpha"]
    assert "5 Wolkvox connection(s): 1 created, 0 updated, 4 unchanged" in scenario.named.stdout


def test_export_is_what_airflow_pools_import_creates(migrated_home: Home, tmp_path: Path) -> None:
    """``--export`` needs no metadata DB; Airflow's own ``pools import`` creates exactly those pools."""
    offline = _home(tmp_path / "offline")  # its database file does not exist and must not appear
    offline.env["AIRFLOW_CONN_WV_EXPORT_ENV"] = json.dumps(
        {"conn_type": "wolkvox", "host": "0035", "password": _token()}
    )
    exported = tmp_path / "wolkvox-pools.json"
    run = offline.script(  # a real process: nothing in it opened a database before
        "pools",
        "sync",
        "--export",
        str(exported),
        "--conn-id",
        "wv_export_vault",
        "--conn-id",
        "wv_export_two",
    )
    assert not offline.db.exists(), "--export opened the metadata database"
    ids = ["wv_export_env", "wv_export_two", "wv_export_vault"]
    assert json.loads(exported.read_text()) == {
        pool_name(i): {"slots": 1, "description": pool_description(i), "include_deferred": False} for i in ids
    }
    assert set(_lines(run, "exported")) == {pool_name(i) for i in ids}
    # Found nowhere it may look: taken as named, and said so.
    assert (
        "note: connection wv_export_vault is not in AIRFLOW_CONN_WV_EXPORT_VAULT; taken as named"
        in run.stdout
    )
    assert f"airflow pools import {exported}" in run.stdout
    assert "AIRFLOW_CONN_WV_EXPORT_ENV" in run.stdout
    migrated_home.airflow("pools", "import", str(exported))  # a real `airflow pools import`
    pools = migrated_home.pools()
    for conn_id in ids:
        assert pools[pool_name(conn_id)] == (1, pool_description(conn_id))


def test_a_named_connection_defined_nowhere_is_one_error_line(migrated_home: Home) -> None:
    before = migrated_home.pools()
    run = migrated_home.main("pools", "sync", "--conn-id", "wv_nowhere", check=False)
    assert run.returncode == 1
    assert own_lines(run.stderr) == [
        "error: connection 'wv_nowhere' is not defined: Airflow looked in LocalFilesystemBackend, "
        "AIRFLOW_CONN_WV_NOWHERE and the metadata DB. Add it, e.g. `airflow connections add wv_nowhere "
        "--conn-type wolkvox --conn-host 0032 --conn-password <token>`, or use the id of an existing "
        "Wolkvox connection"
    ]
    assert migrated_home.pools() == before


# `plan` reads its connection wherever Airflow keeps it (it read only AIRFLOW_CONN_* before).


def _plan(home: Home, conn_id: str, *more: str) -> Run:
    args = ("plan", "--conn-id", conn_id, "--from", "2026-10-01", "--to", "2026-10-02", *more)
    return home.wolkvox(*args, check=False)


def test_plan_reads_a_connection_of_the_metadata_db_and_its_quota(migrated_home: Home, token: str) -> None:
    with WolkvoxEmulator(tokens=[token], daily_quota=500) as emu:
        extra = {"base_url": emu.base_url, "timezone": "America/Lima", "timeout": 5}
        stored = migrated_home.path / "plan-connection.json"
        stored.write_text(
            json.dumps({"wv_plan_db": {"conn_type": "wolkvox", "password": token, "extra": extra}})
        )
        migrated_home.airflow_cli("connections", "import", str(stored))
        stored.unlink()
        run = _plan(migrated_home, "wv_plan_db", "--check-quota")
        assert emu.stats()["requests"] == 1  # the quota check, with the stored token
    assert run.returncode == 0, run.output
    assert "Backfill of campaign_8 on connection wv_plan_db (dates sent in America/Lima):" in run.stdout
    assert "24 intervals of 1 hour" in run.stdout
    assert "499 left today of 500" in run.stdout
    assert token not in run.output


@pytest.mark.parametrize(
    ("conn_id", "zone"),
    [("wv_from_env", "UTC"), ("wv_in_vault", "Asia/Tokyo")],
    ids=["environment", "secrets-backend"],
)
def test_plan_reads_connections_from_the_environment_and_a_secrets_backend(
    migrated_home: Home, conn_id: str, zone: str
) -> None:
    run = _plan(migrated_home, conn_id)
    assert run.returncode == 0, run.output
    assert f"Backfill of campaign_8 on connection {conn_id} (dates sent in {zone}):" in run.stdout
    assert_no_token(run.output, list(migrated_home.tokens.values()))


@pytest.mark.parametrize(
    ("conn_id", "error"),
    [
        (
            "wv_nowhere",
            "error: connection 'wv_nowhere' is not defined: Airflow looked in LocalFilesystemBackend, ",
        ),
        (
            "http_other",
            "error: connection 'http_other' is of type 'http', not 'wolkvox': use the id of a Wolkvox",
        ),
    ],
)
def test_plan_of_a_connection_that_is_not_a_wolkvox_one_is_one_error_line(
    migrated_home: Home, conn_id: str, error: str
) -> None:
    run = _plan(migrated_home, conn_id)
    assert run.returncode == 1
    [line] = own_lines(run.stderr)
    assert line.startswith(error)
    assert "Traceback" not in run.output
    assert "example.com" not in run.output


def test_export_without_connections_fails_clearly(tmp_path: Path) -> None:
    home = _home(tmp_path)
    run = home.module("pools", "sync", "--export", str(tmp_path / "p.json"), check=False)
    assert run.returncode != 0
    assert "--conn-id" in run.stderr
    assert not (tmp_path / "p.json").exists()
    assert "Traceback" not in run.output


def test_uninitialised_database_fails_clearly(tmp_path: Path) -> None:
    home = _home(tmp_path)
    run = home.module("pools", "sync", check=False)
    assert run.returncode != 0
    assert "not initialised" in run.stderr
    assert "airflow db migrate" in run.stderr
    assert "Traceback" not in run.output


def test_get_cli_commands_shape() -> None:
    from airflow.cli.cli_config import ActionCommand, GroupCommand

    from airflow_provider_wolkvox.cli import build_parser, get_cli_commands, pools_list, pools_sync

    [group] = get_cli_commands()
    assert isinstance(group, GroupCommand)
    assert group.name == "wolkvox"
    subcommands = {c.name: c for c in group.subcommands}
    assert set(subcommands) == {"plan", "backfill-dates", "pools"}
    pools = subcommands["pools"]
    assert isinstance(pools, GroupCommand)
    commands = {c.name: c for c in pools.subcommands}
    assert all(isinstance(c, ActionCommand) for c in commands.values())
    assert (commands["sync"].func, commands["list"].func) == (pools_sync, pools_list)

    # The console script's parser is built from the same commands: `airflow wolkvox X` == `airflow-wolkvox X`.
    parser = build_parser()
    args = parser.parse_args(["pools", "sync", "--dry-run"])
    assert (args.func, args.dry_run, args.conn_ids, args.export) == (pools_sync, True, None, None)
    args = parser.parse_args(["pools", "sync", "--conn-id", "a", "--conn-id", "b", "--export", "f.json"])
    assert (args.conn_ids, args.export) == (["a", "b"], "f.json")
    args = parser.parse_args(["pools", "list", "-o", "yaml", "--conn-id", "c"])
    assert (args.func, args.output, args.conn_ids) == (pools_list, "yaml", ["c"])
    args = parser.parse_args(["plan", "--from", "2026-10-01", "--to", "2026-11-01", "--check-quota"])
    assert (args.from_date, args.to_date, args.interval, args.check_quota) == (
        "2026-10-01",
        "2026-11-01",
        "1h",
        True,
    )
