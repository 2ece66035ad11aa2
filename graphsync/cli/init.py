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
@click.option(
    "--odata-url",
    default="",
    metavar="URL",
    help="NAV / Business Central OData V4 root instead of the embedded company.",
)
@click.option("--company", default="", metavar="NAME", help="The NAV company name (with --odata-url).")
@click.option(
    "--nav-user", default="", metavar="DOMAIN\\USER", help="NAV on-premises: the Windows account (with --odata-url)."
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
    odata_url: str,
    company: str,
    nav_user: str,
) -> None:
    """Write a starter config: the embedded NAV company and the local sandbox, or Microsoft 365."""
    if path is None:
        path = Path((ctx.find_root().obj or {}).get("config_path", DEFAULT_CONFIG))
    if not microsoft and not odata_url and (tenant_id or client_id):
        raise ConfigError(file=None, key="--tenant-id/--client-id", expected="--microsoft or --odata-url as well")
    options = StarterOptions(
        graph=GraphKind.MICROSOFT if microsoft else GraphKind.SANDBOX,
        tenant_id=tenant_id.strip(),
        client_id=client_id.strip(),
        sandbox_user=sandbox_user.strip().lower(),
        odata_url=odata_url.strip(),
        company=company.strip(),
        nav_user=nav_user.strip(),
    )
    write_starter_config(path, options, force=force)
    click.echo(f"Wrote {path}.")
    if odata_url:
        click.echo(
            "Next: set GRAPHSYNC_NAV_PASSWORD (BC online: GRAPHSYNC_BC_CLIENT_SECRET), publish the pages "
            "docs/odata.md lists, then graphsync doctor."
        )
    elif microsoft:
        click.echo("Next: graphsync nav init, then graphsync login (or run app-only with --user UPN).")
    else:
        # No sign-in: a sandbox run acts as graph.sandbox_user, and `graphsync login` needs an OS keyring that a
        # sandbox-only machine may not have.
        click.echo(
            f"Next: graphsync nav init (the embedded CRONUS company), then graphsync sync. Sandbox runs act as "
            f"{options.sandbox_user} without signing in; commands open the sandbox's file themselves, and "
            "graphsync sandbox serve shares it with other tools."
        )
