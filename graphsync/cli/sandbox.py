"""``graphsync sandbox``: run the local Graph-compatible server, and create users in it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import click
import httpx

from graphsync.auth.connections import Connections
from graphsync.cli.context import cli_config
from graphsync.config.model import GraphKind
from graphsync.errors import ConfigError, GraphError
from graphsync.runtime.sandbox import AttachedSandbox, acquire, open_sandbox
from graphsync.sandbox import Faults, Limits, SandboxState
from graphsync.sandbox.server import LOOPBACK, run

DEFAULT_PORT = 8765


@click.group()
def sandbox() -> None:
    """The local server that speaks Microsoft Graph (docs/sandbox.md)."""


@sandbox.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=None,
    type=click.IntRange(0, 65535),
    help="Port (0: any free). Default: the port of the config's graph.base_url, else 8765.",
)
@click.option(
    "--data",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite file that keeps the sandbox's mailboxes across restarts. Default: the config's "
    "graph.sandbox_data, else memory only.",
)
@click.option("--allow-remote", is_flag=True, help="Allow a non-loopback --host (the sandbox has no real sign-in).")
@click.option("--outlook-limits", is_flag=True, help="Enforce Outlook's limits: 4 concurrent, 10,000 per 10 minutes.")
@click.option("--concurrent-limit", type=click.IntRange(1), default=None, help="Concurrent requests per mailbox.")
@click.option("--rate-limit", type=click.IntRange(1), default=None, help="Requests per mailbox per --rate-window.")
@click.option("--rate-window", type=click.FloatRange(min=0.001), default=600.0, show_default=True, help="Seconds.")
@click.option("--latency", type=click.FloatRange(min=0), default=0.0, help="Seconds added to every request.")
@click.option("--error-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of requests answering 429/503/504.")
@click.option(
    "--drop-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of requests dropped after the change is made."
)
@click.option(
    "--drop-before-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of requests dropped before handling."
)
@click.option(
    "--without-retry-after",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Share of the injected 503/504 answers sent without Retry-After.",
)
@click.option(
    "--spike-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of requests that wait --spike-seconds."
)
@click.option("--spike-seconds", type=click.FloatRange(min=0), default=0.0, help="Seconds a latency spike adds.")
@click.option("--seed", type=int, default=None, help="Seed for the random faults (repeatable runs).")
@click.option("--delta-quirks", is_flag=True, help="Delta pages as Graph allows: empty first page, repeats, any order.")
@click.option(
    "--user",
    "users",
    multiple=True,
    metavar="UPN",
    help="A user to hold besides the config's graph.sandbox_user (repeatable); others: graphsync sandbox seed.",
)
def serve(
    host: str,
    port: int,
    data: Path | None,
    allow_remote: bool,
    outlook_limits: bool,
    concurrent_limit: int | None,
    rate_limit: int | None,
    rate_window: float,
    latency: float,
    error_rate: float,
    drop_rate: float,
    drop_before_rate: float,
    without_retry_after: float,
    spike_rate: float,
    spike_seconds: float,
    seed: int | None,
    delta_quirks: bool,
    users: tuple[str, ...],
) -> None:
    """Serve Graph v1.0 on http://HOST:PORT/v1.0 until interrupted (Ctrl+C).

    In a folder whose config names a sandbox data file (graph.sandbox_data, as `graphsync init` and
    `graphsync demo --dir` write it), that file is served at the config's base_url: every command and tool
    then shares the same mailboxes.
    """
    config = cli_config(click.get_current_context())
    for upn in users:
        if "@" not in upn:
            raise ConfigError(file=None, key="--user", expected="user principal names like eh@contoso.com", got=upn)
    if data is None and config.graph.kind is GraphKind.SANDBOX:
        data = config.graph.sandbox_data
    if config.graph.kind is GraphKind.SANDBOX and config.graph.sandbox_user:
        # The user sandbox runs act as (graph.sandbox_user) is one the sandbox holds; users are never made by
        # a request, as in a tenant (docs/sandbox.md, "Users").
        users = (config.graph.sandbox_user, *users)
    if port is None:
        configured = urlsplit(config.graph.base_url)
        sandbox_here = config.graph.kind is GraphKind.SANDBOX and configured.hostname in LOOPBACK
        port = configured.port if sandbox_here and configured.port else DEFAULT_PORT
    if host not in LOOPBACK and not allow_remote:
        raise ConfigError(
            file=None,
            key="--host",
            expected="a loopback address (127.0.0.1, ::1, localhost), or --allow-remote to expose the sandbox",
            got=host,
        )
    if drop_rate + drop_before_rate > 1:
        raise ConfigError(
            file=None,
            key="--drop-rate/--drop-before-rate",
            expected="two shares of requests that add up to at most 1",
            got=f"{drop_rate} + {drop_before_rate}",
        )
    # Whoever serves a data file holds its lock (graphsync.runtime.sandbox): commands pointed here talk to this
    # server, and none opens the file alongside it.
    url = f"http://{host if ':' not in host else f'[{host}]'}:{port}/v1.0" if port else None
    lock = acquire(data, url=url) if data is not None else None
    try:
        _serve(
            host=host,
            port=port,
            data=data,
            outlook_limits=outlook_limits,
            concurrent_limit=concurrent_limit,
            rate_limit=rate_limit,
            rate_window=rate_window,
            faults=Faults(
                latency=latency,
                error_rate=error_rate,
                without_retry_after=without_retry_after,
                drop_rate=drop_rate,
                drop_before_rate=drop_before_rate,
                spike_rate=spike_rate,
                spike_seconds=spike_seconds,
                seed=seed,
                delta_quirks=delta_quirks,
            ),
            users=users,
        )
    finally:
        if lock is not None:
            lock.release()


def _serve(
    *,
    host: str,
    port: int,
    data: Path | None,
    outlook_limits: bool,
    concurrent_limit: int | None,
    rate_limit: int | None,
    rate_window: float,
    faults: Faults,
    users: tuple[str, ...],
) -> None:
    state = SandboxState.open(data) if data is not None else SandboxState()
    for upn in users:
        state.seed_user(upn)
    limits = Limits.outlook() if outlook_limits else Limits()
    if concurrent_limit is not None or rate_limit is not None:
        limits = Limits(
            concurrent=concurrent_limit if concurrent_limit is not None else limits.concurrent,
            window_requests=rate_limit if rate_limit is not None else limits.window_requests,
            window_seconds=rate_window,
        )
    state.set_limits(limits)
    state.set_faults(faults)
    where = f"state in {data}" if data is not None else "state in memory"
    click.echo(f"graphsync sandbox on http://{host}:{port}/v1.0 ({where}); tokens: 'sandbox:<upn>' or 'sandbox-app'")
    held = ", ".join(sorted(state.mailboxes)) or "none yet (graphsync sandbox seed UPN)"
    click.echo(f"users: {held}")
    try:
        run(state, host=host, port=port)
    finally:
        state.close()


@sandbox.command()
@click.argument("users", nargs=-1, required=True)
@click.option(
    "--data",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Create the users in this sandbox data file instead of in a running sandbox.",
)
@click.option("--url", default=None, help="A running sandbox's base URL (default: graph.base_url from the config).")
@click.option(
    "--addin-items",
    is_flag=True,
    help="With a sandbox data file (--data or the config's): also put in the items NAV's Outlook add-in made, "
    "as the config's embedded company's add-in links (table 5302) record them (to try scripts/migrate_addin.py).",
)
@click.pass_context
def seed(ctx: click.Context, users: tuple[str, ...], data: Path | None, url: str | None, addin_items: bool) -> None:
    """Create mailboxes USERS (user principal names) with their default folders: in the running sandbox, or
    in a data file (--data, or the config's graph.sandbox_data when no sandbox serves it)."""
    for upn in users:
        if "@" not in upn:
            raise ConfigError(file=None, key="USERS", expected="user principal names like eh@contoso.com", got=upn)
    config = cli_config(ctx)
    attached = None
    if data is not None:
        attached = AttachedSandbox(data, wanted="")
    elif url is None:
        attached = open_sandbox(config, Connections())  # None: a sandbox serves the config's file, or no file
    if addin_items and attached is None:
        raise ConfigError(
            file=None, key="--addin-items", expected="--data FILE as well (a sandbox data file)", got=None
        )
    if attached is not None:
        try:
            for upn in users:
                attached.state.seed_user(upn)
            if addin_items:
                from graphsync.demo.addin import stage_addin_items
                from graphsync.runtime import open_nav

                nav = open_nav(config)
                try:
                    made = stage_addin_items(nav, attached.state, time_zone=config.sync.time_zone)
                finally:
                    nav.close()
                click.echo(f"put {len(made)} item(s) of the NAV add-in's links in {attached.data}")
        finally:
            attached.close()
        click.echo(f"created {len(users)} user(s) in {attached.data}")
        return
    base = (url or config.graph.base_url).rstrip("/").removesuffix("/v1.0")
    endpoint = f"{base}/_sandbox/users"
    try:
        with httpx.Client(timeout=10) as client:
            for upn in users:
                response = client.post(endpoint, json={"userPrincipalName": upn})
                if response.status_code != 201:
                    raise GraphError(response.text, status=response.status_code, method="POST", url=endpoint)
    except httpx.HTTPError as exc:
        # "noResponse" is how graphsync's Graph client reports a server that did not answer; the CLI's
        # message for it names the fix (start the sandbox).
        raise GraphError(f"no sandbox answered ({exc})", code="noResponse", method="POST", url=endpoint) from None
    click.echo(f"created {len(users)} user(s) in the sandbox at {base}")
