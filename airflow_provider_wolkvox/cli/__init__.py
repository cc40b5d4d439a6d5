"""``airflow wolkvox ...``: the provider's commands (:mod:`~airflow_provider_wolkvox.cli.pools`,
:mod:`~airflow_provider_wolkvox.cli.plan`,
:mod:`~airflow_provider_wolkvox.cli.backfill_dates`).

Airflow's CLI parser imports this module on every ``airflow`` call, so it imports
nothing heavy at module level; the commands import what they need when they run.

Airflow loads provider commands from 3.2 on. :func:`main` runs the same commands
as ``airflow-wolkvox ...`` and ``python -m airflow_provider_wolkvox ...`` wherever
``airflow wolkvox`` does not exist (Airflow 3.0 and 3.1, managed services).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_wolkvox.cli.pools import pools_list, pools_sync, quiet_logs

if TYPE_CHECKING:
    from airflow.cli.cli_config import CLICommand

__all__ = ["build_parser", "get_cli_commands", "main", "pools_list", "pools_sync"]


def get_cli_commands() -> list[CLICommand]:
    """Provider CLI commands, listed under ``cli`` in ``get_provider_info``: ``airflow wolkvox ...``."""
    from airflow.cli.cli_config import ARG_OUTPUT, ARG_VERBOSE, ActionCommand, GroupCommand
    from airflow.cli.cli_config import Arg as _Arg

    Arg: Any = _Arg  # untyped in Airflow
    arg_dry_run = Arg(
        ("--dry-run",),
        help="Print what would be created or updated, and change nothing",
        action="store_true",
    )
    arg_conn_ids = Arg(
        ("--conn-id",),
        dest="conn_ids",
        metavar="CONN_ID",
        action="append",
        help=(
            "A Wolkvox connection the command cannot list (one kept in a secrets backend); repeat for several"
        ),
    )
    arg_export = Arg(
        ("--export",),
        metavar="FILE",
        help=(
            "Write the pools as JSON for `airflow pools import FILE` instead of creating them; "
            "never opens the metadata database (connections: --conn-id and AIRFLOW_CONN_*)"
        ),
    )
    pools_commands = (
        ActionCommand(
            name="sync",
            help="Create or update one pool of one slot per Wolkvox connection",
            description=(
                "Create or update the pool wolkvox_<conn_id> with 1 slot for every connection of type "
                "'wolkvox' in the metadata database or in an AIRFLOW_CONN_* environment variable, and "
                "warn when connections share one API token. Connections kept only in another secrets "
                "backend cannot be listed: name them with --conn-id. With --export FILE, write the "
                "pools for `airflow pools import FILE` (or POST /api/v2/pools) instead."
            ),
            func=pools_sync,
            args=(arg_dry_run, arg_conn_ids, arg_export, ARG_VERBOSE),
        ),
        ActionCommand(
            name="list",
            help="List Wolkvox connections, their pools and whether each pool has 1 slot",
            func=pools_list,
            args=(arg_conn_ids, ARG_OUTPUT, ARG_VERBOSE),
        ),
    )
    plan_command = ActionCommand(
        name="plan",
        help="Count the API calls a backfill will spend, before starting it",
        description=(
            "Count the data intervals from --from to --to (end excluded) of length --interval and the "
            "fewest API calls they need within the API's limits; with --check-quota, compare them "
            "with what is left of the token's daily quota (that check spends one call)."
        ),
        func=_lazy_plan_command,
        args=(
            Arg(("--conn-id",), help="Wolkvox connection id", default="wolkvox_default"),
            Arg(("--api",), help="Report, e.g. campaign_8, cdr_1, skill_3", default="campaign_8"),
            Arg(
                ("--param",),
                dest="params",
                metavar="NAME=VALUE",
                action="append",
                help="A request parameter of the report, e.g. campaign_id=42 or skill_id=all; repeat for "
                "several. Checked against the report's parameters (see docs/reports.md)",
            ),
            Arg(("--from",), dest="from_date", help="Start, ISO-8601 (UTC if no offset)", required=True),
            Arg(("--to",), dest="to_date", help="End (excluded), ISO-8601 (UTC if no offset)", required=True),
            Arg(("--interval",), help="Data interval of the DAG: 1h, 1d, ...", default="1h"),
            Arg(
                ("--reload-previous",),
                dest="reload_previous",
                metavar="N|SPAN",
                help="The operator's reload_previous: each run also re-reads this many earlier intervals "
                "(2), or as many as cover a span (2h); counted in the plan",
            ),
            Arg(("--check-quota",), help="Also read the token's remaining quota", action="store_true"),
        ),
    )
    backfill_dates_command = ActionCommand(
        name="backfill-dates",
        help="Print `airflow backfill create` dates that run whole local days of a zoned daily DAG",
        description=(
            "airflow backfill create selects runs by logical date, both ends included, and reads dates "
            "without an offset in UTC. For a daily DAG whose timetable runs in another time zone, print "
            "the dates (with that zone's offset) that select exactly the local days --from to --to."
        ),
        func=_lazy_backfill_dates_command,
        args=(
            Arg(("--timezone",), help="The DAG timetable's time zone, e.g. America/Bogota", required=True),
            Arg(("--from",), dest="from_day", help="First local day, e.g. 2026-11-20", required=True),
            Arg(("--to",), dest="to_day", help="Last local day (included), e.g. 2026-11-22", required=True),
            Arg(("--at",), help="Local time of day of the DAG's runs (its cron's), HH:MM", default="00:00"),
            Arg(("--dag-id",), help="DAG id to put in the printed command", default="<dag_id>"),
        ),
    )
    return [
        GroupCommand(
            name="wolkvox",
            help="Wolkvox provider commands",
            subcommands=(
                plan_command,
                backfill_dates_command,
                GroupCommand(
                    name="pools",
                    help="Manage the one-slot pools that keep each Wolkvox token to one request at a time",
                    subcommands=pools_commands,
                ),
            ),
        )
    ]


def _lazy_plan_command(args: argparse.Namespace) -> None:
    from airflow_provider_wolkvox.cli.plan import plan_command

    with quiet_logs(args):  # reading a connection from the metadata DB logs at INFO on 3.0 to 3.2
        plan_command(args)


def _lazy_backfill_dates_command(args: argparse.Namespace) -> None:
    from airflow_provider_wolkvox.cli.backfill_dates import backfill_dates_command

    backfill_dates_command(args)


def build_parser(prog: str = "airflow-wolkvox") -> argparse.ArgumentParser:
    """The ``airflow wolkvox`` command tree as a parser of its own, built the way Airflow's CLI builds it."""
    from airflow.cli.cli_config import GroupCommand

    def add(subparsers: Any, command: Any) -> None:
        sub = subparsers.add_parser(command.name, help=command.help, description=command.description)
        if isinstance(command, GroupCommand):
            children = sub.add_subparsers(dest="subcommand", metavar="COMMAND", required=True)
            for child in command.subcommands:
                add(children, child)
        else:
            for arg in command.args:
                arg.add_to_parser(sub)
            sub.set_defaults(func=command.func)

    group: Any = get_cli_commands()[0]
    parser = argparse.ArgumentParser(
        prog=prog,
        description=(
            f"{group.help}: `{prog} ...` runs what `airflow wolkvox ...` runs, on Airflow releases and "
            "services that do not load provider commands."
        ),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in group.subcommands:
        add(commands, command)
    return parser


def main(argv: Sequence[str] | None = None, prog: str = "airflow-wolkvox") -> None:
    """Console script ``airflow-wolkvox`` and ``python -m airflow_provider_wolkvox``."""
    args = build_parser(prog).parse_args(argv)
    args.func(args)
