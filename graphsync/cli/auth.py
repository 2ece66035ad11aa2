"""``graphsync login``, ``logout`` and ``whoami``: parse options, call `graphsync.runtime.signin`, print.

The sign-in libraries (msal, azure-identity) are imported inside the commands: they take a few hundred
milliseconds to load, which every other command (and ``--help``) should not pay.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import click

from graphsync.auth.cache_store import CacheChoice
from graphsync.auth.connections import Connections
from graphsync.cli.context import cli_config
from graphsync.config import Config
from graphsync.config.model import GraphKind
from graphsync.errors import ConfigError, KeyringUnavailableError

if TYPE_CHECKING:
    from graphsync.auth.delegated import DeviceCodePrompt
    from graphsync.runtime import MailboxIdentity
    from graphsync.runtime.signin import SignInResult


def connections() -> Connections:
    """Where sign-in reaches Entra ID, Graph and the file caches: the real ones. Tests replace this function
    to point the commands at fakes that speak HTTP."""
    return Connections()


def _show_prompt(prompt: DeviceCodePrompt) -> None:
    minutes = max(1, prompt.expires_in // 60)
    click.echo(
        f"To sign in, open {prompt.verification_uri} in a browser and enter the code {prompt.user_code} "
        f"(valid for {minutes} minutes).",
        err=True,
    )
    click.echo("Waiting for the sign-in to finish...", err=True)


def _cache_choice(token_cache: str, insecure_plaintext: bool) -> CacheChoice:
    if insecure_plaintext:
        if token_cache != CacheChoice.KEYRING.value:
            raise ConfigError(
                file=None,
                key="--insecure-plaintext-token-cache",
                expected="either it or --token-cache, not both",
                got=token_cache,
            )
        return CacheChoice.INSECURE_PLAINTEXT_FILE
    return CacheChoice(token_cache)


@click.command()
@click.option("--browser", is_flag=True, help="Sign in in the system browser instead of with a device code.")
@click.option(
    "--sandbox-user",
    metavar="UPN",
    help="Sandbox only: the user to act as (default: graph.sandbox_user from the config).",
)
@click.option(
    "--token-cache",
    type=click.Choice([CacheChoice.KEYRING.value, CacheChoice.ENCRYPTED_FILE.value]),
    default=CacheChoice.KEYRING.value,
    show_default=True,
    help="Keep the sign-in in the OS keyring, or in a file encrypted with a key kept in the OS keyring.",
)
@click.option(
    "--insecure-plaintext-token-cache",
    is_flag=True,
    help="Keep the sign-in in a plain-text file, for machines without an OS keyring. Anyone who can read "
    "the file can act as you.",
)
@click.pass_context
def login(
    ctx: click.Context, browser: bool, sandbox_user: str | None, token_cache: str, insecure_plaintext_token_cache: bool
) -> None:
    """Sign in to Microsoft Graph (device code by default) or choose the sandbox user, and keep the sign-in."""
    config = cli_config(ctx)
    choice = _cache_choice(token_cache, insecure_plaintext_token_cache)
    sandbox = config.graph.kind is GraphKind.SANDBOX
    if browser and sandbox:
        raise ConfigError(
            file=None, key="--browser", expected="graph.kind 'microsoft' (the sandbox has no sign-in page)"
        )
    if sandbox_user is not None and not sandbox:
        raise ConfigError(file=None, key="--sandbox-user", expected="graph.kind 'sandbox'", got=sandbox_user)
    from graphsync.runtime.sandbox import attached_sandbox
    from graphsync.runtime.signin import SignInMethod, sign_in

    method = SignInMethod.BROWSER if browser else SignInMethod.DEVICE_CODE
    if browser:
        click.echo("Opening the sign-in page in your browser...", err=True)
    chosen = ctx.get_parameter_source("token_cache") is not click.core.ParameterSource.DEFAULT
    with attached_sandbox(config, connections()) as reach:

        def attempt(cache: CacheChoice) -> SignInResult:
            return asyncio.run(
                sign_in(
                    config,
                    method=method,
                    cache=cache,
                    sandbox_user=sandbox_user,
                    on_prompt=_show_prompt,
                    connections=reach,
                )
            )

        try:
            result = attempt(choice)
        except KeyringUnavailableError:
            # A sandbox sign-in is only the user to act as (its token is "sandbox:<upn>"): with no keyring on
            # the machine it is kept in a plain file, where it holds nothing to protect.
            if not sandbox or chosen or choice is not CacheChoice.KEYRING:
                raise
            result = attempt(CacheChoice.INSECURE_PLAINTEXT_FILE)
            click.echo("No OS keyring here: the sandbox sign-in (a user name, no secret) is kept in a file.")
    click.echo(f"Signed in as {result.account} ({result.kind.value}).")
    click.echo(f"Sign-in kept in: {result.cache}")


@click.command()
@click.pass_context
def logout(ctx: click.Context) -> None:
    """Forget the stored sign-in (every token cache graphsync keeps for this config)."""
    from graphsync.runtime.signin import sign_out

    config = cli_config(ctx)
    removed = sign_out(config, connections=connections())
    if not removed:
        click.echo("Not signed in: there was no stored sign-in to remove.")
        return
    for where in removed:
        click.echo(f"Signed out: removed the sign-in from {where}.")


@click.command()
@click.option("--user", metavar="UPN", help="Check an app-only run for this mailbox instead of the signed-in user.")
@click.pass_context
def whoami(ctx: click.Context, user: str | None) -> None:
    """Show who graphsync acts as: the account, the token kind, the mailbox and its NAV salesperson."""
    from graphsync.auth.factory import TokenKind
    from graphsync.runtime.sandbox import attached_sandbox
    from graphsync.runtime.signin import who_am_i

    config = cli_config(ctx)
    with attached_sandbox(config, connections()) as reach:
        identity = asyncio.run(who_am_i(config, user=user, connections=reach))
    mailbox = identity.mailbox
    app_only = identity.kind in (TokenKind.APP_ONLY, TokenKind.SANDBOX_APP_ONLY)
    name = f" ({mailbox.display_name})" if mailbox.display_name else ""
    click.echo(f"{'app-only for' if app_only else 'signed in as'}: {mailbox.upn}{name}")
    click.echo(f"token:        {identity.kind.value}")
    mail = mailbox.mail or "(not readable with the app's permissions; matching by the UPN only)"
    click.echo(f"mailbox:      {mailbox.upn}, primary address {mail}")
    if identity.kind is TokenKind.SANDBOX_DELEGATED and not _sandbox_login_kept(config):
        click.echo("sign-in kept: none (the sandbox needs none: runs act as graph.sandbox_user)")
    elif identity.cache:
        click.echo(f"sign-in kept: {identity.cache}")
    code = _salesperson(config, mailbox)
    click.echo(f"salesperson:  {code}")


def _sandbox_login_kept(config: Config) -> bool:
    """Whether a ``login --sandbox-user`` is recorded (else a sandbox run acts as graph.sandbox_user)."""
    from graphsync.auth.cache_store import open_store

    try:
        return bool(open_store(connections().cache_location(config), choice=CacheChoice.AUTO).load())
    except KeyringUnavailableError:
        return False


def _salesperson(config: Config, mailbox: MailboxIdentity) -> str:
    """The mailbox's salesperson, read from the configured NAV: the embedded company or NAV over OData."""
    from graphsync.runtime.nav import open_nav
    from graphsync.runtime.signin import salesperson_for

    nav = open_nav(config)
    try:
        return salesperson_for(config, mailbox, nav)
    finally:
        nav.close()
