"""``graphsync init``: write a starter config."""

from __future__ import annotations

from pathlib import Path

import click

from graphsync.cli.context import DEFAULT_CONFIG
from graphsync.config.model import GraphKind
from graphsync.config.starter import DEFAULT_SANDBOX_USER, StarterOptions, write_starter_config
from graphsync.errors import ConfigError


@click.command()
@click.option(
    "--path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    show_default="--config, or ./graphsync.toml",
    help="Where to write the config.",
)
@click.option("--force", is_flag=True, help="Replace an existing file.")
@click.option("--microsoft", is_flag=True, help="Use Microsoft 365 (needs --tenant-id and --client-id).")
@click.option("--tenant-id", default="", metavar="TENANT", help="Entra ID tenant id or domain (with --microsoft).")
@click.option("--client-id", default="", metavar="GUID", help="App registration's client id (with --microsoft).")
@click.option(
    "--sandbox-user",
    default=DEFAULT_SANDBOX_USER,
    show_default=True,
    metavar="UPN",
    help="The sandbox mailbox delegated runs act as.",
)
@click.pass_context
def init(
    ctx: click.Context,
    path: Path | None,
    force: bool,
    microsoft: bool,
    tenant_id: str,
    client_id: str,
    sandbox_user: str,
) -> None:
    """Write a starter config: the embedded NAV company and the local sandbox, or Microsoft 365."""
    if path is None:
        path = Path((ctx.find_root().obj or {}).get("config_path", DEFAULT_CONFIG))
    if not microsoft and (tenant_id or client_id):
        raise ConfigError(file=None, key="--tenant-id/--client-id", expected="--microsoft as well")
    options = StarterOptions(
        graph=GraphKind.MICROSOFT if microsoft else GraphKind.SANDBOX,
        tenant_id=tenant_id.strip(),
        client_id=client_id.strip(),
        sandbox_user=sandbox_user.strip().lower(),
    )
    write_starter_config(path, options, force=force)
    click.echo(f"Wrote {path}.")
    if microsoft:
        click.echo("Next: graphsync nav init, then graphsync login (or run app-only with --user UPN).")
    else:
        click.echo("Next: graphsync nav init, graphsync sandbox serve, then graphsync login.")
