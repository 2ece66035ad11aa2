"""The `graphsync` command: a thin layer over the library.

Each command group lives in its own module and only parses options, calls library functions and prints.
Errors from the library are turned into messages and exit codes by `graphsync.cli.messages`.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import click

from graphsync import __version__
from graphsync.cli import messages
from graphsync.cli.context import DEFAULT_CONFIG
from graphsync.errors import GraphsyncError
from graphsync.logs import LogFormat, configure_logging


class GraphsyncGroup(click.Group):
    """A click group that turns graphsync's exceptions into one clear line and the documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GraphsyncError as exc:
            click.echo(f"error: {messages.render(exc)}", err=True)
            ctx.exit(messages.exit_code(exc))
        except KeyboardInterrupt:
            # Ctrl-C where no stop point is handled (a sign-in, a long read): the shell's code for it, not
            # click's "Aborted!" with exit 1. A sync handles it itself, stopping where the next run resumes.
            click.echo("interrupted", err=True)
            ctx.exit(messages.EXIT_INTERRUPTED)


@click.group(cls=GraphsyncGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="graphsync")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=lambda: os.environ.get("GRAPHSYNC_CONFIG", DEFAULT_CONFIG),
    show_default="$GRAPHSYNC_CONFIG or ./graphsync.toml",
    help="The config file.",
)
@click.option(
    "--log-format",
    type=click.Choice([f.value for f in LogFormat]),
    default=LogFormat.TEXT.value,
    show_default=True,
    help="Log lines for people (text) or one JSON object per line for scheduled runs (json).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail (secrets are still never logged).")
@click.pass_context
def cli(ctx: click.Context, config_path: Path, log_format: str, verbose: bool) -> None:
    """Two-way sync of Dynamics NAV / Business Central contacts, salespeople and to-dos with Outlook."""
    ctx.obj = {"config_path": config_path, "log_format": log_format}
    # A host that already logs at debug level (a script, a test's log capture) keeps that detail.
    verbose = verbose or logging.getLogger().level == logging.DEBUG
    handler = configure_logging(fmt=LogFormat(log_format), verbose=verbose)
    # The handler writes to this invocation's stderr; an in-process caller (a test runner) closes that stream.
    ctx.call_on_close(lambda: logging.getLogger().removeHandler(handler))


def main() -> None:
    cli(prog_name="graphsync")


# Command groups register themselves here, one line each.
from graphsync.cli.auth import login, logout, whoami  # noqa: E402
from graphsync.cli.init import init  # noqa: E402

for _command in (login, logout, whoami, init):
    cli.add_command(_command)
from graphsync.cli.nav import nav  # noqa: E402

cli.add_command(nav)
from graphsync.cli.sandbox import sandbox  # noqa: E402

cli.add_command(sandbox)
from graphsync.cli.demo import demo  # noqa: E402

cli.add_command(demo)
from graphsync.cli.sync import sync  # noqa: E402

cli.add_command(sync)
from graphsync.cli.conflicts import conflicts  # noqa: E402
from graphsync.cli.status import status  # noqa: E402

cli.add_command(status)
cli.add_command(conflicts)
from graphsync.cli.entities import entities, fields  # noqa: E402

cli.add_command(entities)
cli.add_command(fields)
from graphsync.cli.doctor import doctor  # noqa: E402

cli.add_command(doctor)
from graphsync.cli.state import state  # noqa: E402

cli.add_command(state)
from graphsync.cli.distributed import beat, enqueue, worker  # noqa: E402

for _command in (worker, enqueue, beat):
    cli.add_command(_command)
