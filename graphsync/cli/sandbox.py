"""``graphsync sandbox``: run the local Graph-compatible server, and create users in it."""

from __future__ import annotations

from pathlib import Path

import click
import httpx

from graphsync.cli.context import cli_config
from graphsync.errors import ConfigError, GraphError
from graphsync.sandbox import Faults, Limits, SandboxState
from graphsync.sandbox.server import LOOPBACK, run


@click.group()
def sandbox() -> None:
    """The local server that speaks Microsoft Graph (docs/sandbox.md)."""


@sandbox.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free).")
@click.option(
    "--data",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite file that keeps the sandbox's mailboxes across restarts (default: memory only).",
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
) -> None:
    """Serve Graph v1.0 on http://HOST:PORT/v1.0 until interrupted (Ctrl+C)."""
    if host not in LOOPBACK and not allow_remote:
        raise ConfigError(
            file=None,
            key="--host",
            expected="a loopback address (127.0.0.1, ::1, localhost), or --allow-remote to expose the sandbox",
            got=host,
        )
    state = SandboxState.open(data) if data is not None else SandboxState()
    limits = Limits.outlook() if outlook_limits else Limits()
    if concurrent_limit is not None or rate_limit is not None:
        limits = Limits(
            concurrent=concurrent_limit if concurrent_limit is not None else limits.concurrent,
            window_requests=rate_limit if rate_limit is not None else limits.window_requests,
            window_seconds=rate_window,
        )
    state.set_limits(limits)
    if drop_rate + drop_before_rate > 1:
        raise ConfigError(
            file=None,
            key="--drop-rate/--drop-before-rate",
            expected="two shares of requests that add up to at most 1",
            got=f"{drop_rate} + {drop_before_rate}",
        )
    faults = Faults(
        latency=latency,
        error_rate=error_rate,
        without_retry_after=without_retry_after,
        drop_rate=drop_rate,
        drop_before_rate=drop_before_rate,
        spike_rate=spike_rate,
        spike_seconds=spike_seconds,
        seed=seed,
        delta_quirks=delta_quirks,
    )
    state.set_faults(faults)
    where = f"state in {data}" if data is not None else "state in memory"
    click.echo(f"graphsync sandbox on http://{host}:{port}/v1.0 ({where}); tokens: 'sandbox:<upn>' or 'sandbox-app'")
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
    help="With --data: also put in the items NAV's Outlook add-in made, as the config's embedded company's add-in "
    "links (table 5302) record them (to try scripts/migrate_addin.py).",
)
@click.pass_context
def seed(ctx: click.Context, users: tuple[str, ...], data: Path | None, url: str | None, addin_items: bool) -> None:
    """Create mailboxes USERS (user principal names) with their default folders."""
    for upn in users:
        if "@" not in upn:
            raise ConfigError(file=None, key="USERS", expected="user principal names like eh@contoso.com", got=upn)
    if addin_items and data is None:
        raise ConfigError(
            file=None, key="--addin-items", expected="--data FILE as well (a sandbox data file)", got=None
        )
    if data is not None:
        state = SandboxState.open(data)
        try:
            for upn in users:
                state.seed_user(upn)
            if addin_items:
                from graphsync.demo.addin import stage_addin_items
                from graphsync.runtime import open_nav

                config = cli_config(ctx)
                nav = open_nav(config)
                try:
                    made = stage_addin_items(nav, state, time_zone=config.sync.time_zone)
                finally:
                    nav.close()
                click.echo(f"put {len(made)} item(s) of the NAV add-in's links in {data}")
        finally:
            state.close()
        click.echo(f"created {len(users)} user(s) in {data}")
        return
    base = (url or cli_config(ctx).graph.base_url).rstrip("/").removesuffix("/v1.0")
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
