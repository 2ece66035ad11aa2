"""What ``graphsync login``, ``logout`` and ``whoami`` do, as functions scripts and tests can call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from graphsync.auth.background import in_daemon_thread
from graphsync.auth.cache_store import CacheChoice, TokenCacheStore, all_stores, open_store
from graphsync.auth.connections import Connections
from graphsync.auth.delegated import DeviceCodePrompt
from graphsync.auth.factory import TokenKind, delegated_sign_in, token_kind, token_source
from graphsync.auth.salesperson import match_salesperson
from graphsync.auth.sandbox import SandboxTokenSource, sandbox_record
from graphsync.config import Config
from graphsync.connectors.nav import NavConnector
from graphsync.errors import ConfigError, KeyringUnavailableError
from graphsync.graph.identity import MailboxIdentity, fetch_mailbox_identity


class SignInMethod(Enum):
    DEVICE_CODE = "device-code"
    BROWSER = "browser"


@dataclass(frozen=True)
class SignInResult:
    kind: TokenKind
    account: str
    """The user principal name signed in as."""
    cache: str
    """Where the sign-in is kept, for people."""


@dataclass(frozen=True)
class Identity:
    kind: TokenKind
    mailbox: MailboxIdentity
    cache: str | None
    """Where the sign-in is kept; None for app-only runs, which keep nothing."""


async def sign_in(
    config: Config,
    *,
    method: SignInMethod = SignInMethod.DEVICE_CODE,
    cache: CacheChoice = CacheChoice.KEYRING,
    sandbox_user: str | None = None,
    on_prompt: Callable[[DeviceCodePrompt], None] = lambda prompt: None,
    connections: Connections | None = None,
) -> SignInResult:
    """Sign in and keep the sign-in in the store ``cache`` names. Against the sandbox, check that the user
    can open their mailbox and record them. A failed sign-in leaves the previous one in place."""
    connections = connections or Connections()
    location = connections.cache_location(config)
    store = open_store(location, choice=cache)
    kind = token_kind(config, user=None)
    if kind is TokenKind.SANDBOX_DELEGATED:
        upn = (sandbox_user or config.graph.sandbox_user).strip().lower()
        if not upn or "@" not in upn:
            raise ConfigError(
                file=None if sandbox_user is not None or config.file is None else str(config.file),
                key="--sandbox-user" if sandbox_user is not None else "graph.sandbox_user",
                expected="the sandbox user to sign in as, a user principal name (name@domain)",
                got=upn,
            )
        async with connections.graph_client() as http:
            identity = await fetch_mailbox_identity(
                http, base_url=config.graph.base_url, tokens=SandboxTokenSource(upn), user=None
            )
        store.save(sandbox_record(identity.upn))
        account = identity.upn
    else:
        session = delegated_sign_in(config, store=store, connections=connections)
        if method is SignInMethod.BROWSER:
            signed_in = await in_daemon_thread(session.sign_in_with_browser)
        else:
            signed_in = await in_daemon_thread(lambda: session.sign_in_with_device_code(on_prompt))
        account = signed_in.username
    _forget_elsewhere(store, all_stores(location))
    return SignInResult(kind=kind, account=account, cache=store.description)


def _forget_elsewhere(kept: TokenCacheStore, stores: list[TokenCacheStore]) -> None:
    """After a sign-in, remove older caches in other stores, so that the next run finds this one."""
    for other in stores:
        if type(other) is type(kept):
            continue
        try:
            other.clear()
        except KeyringUnavailableError:
            pass  # nothing can be stored in a keyring that does not work


def sign_out(config: Config, *, connections: Connections | None = None) -> list[str]:
    """Remove every stored sign-in for this config's authority; the stores that held one, for people."""
    connections = connections or Connections()
    removed: list[str] = []
    for store in all_stores(connections.cache_location(config)):
        try:
            if store.clear():
                removed.append(store.description)
        except KeyringUnavailableError:
            pass  # nothing can be stored in a keyring that does not work
    return removed


async def who_am_i(config: Config, *, user: str | None, connections: Connections | None = None) -> Identity:
    """Who the run would act as: the token kind, the mailbox (asked of Graph with a real token)."""
    connections = connections or Connections()
    kind = token_kind(config, user=user)
    cache: str | None = None
    store: TokenCacheStore | None = None
    if user is None:
        store = open_store(connections.cache_location(config), choice=CacheChoice.AUTO)
        cache = store.description
    tokens = token_source(config, user=user, connections=connections, store=store)
    async with connections.graph_client() as http:
        mailbox = await fetch_mailbox_identity(http, base_url=config.graph.base_url, tokens=tokens, user=user)
    return Identity(kind=kind, mailbox=mailbox, cache=cache)


def salesperson_for(config: Config, mailbox: MailboxIdentity, nav: NavConnector) -> str:
    """The NAV salesperson code of ``mailbox``: the config's ``[mailboxes]`` entry, else by e-mail address."""
    return match_salesperson(
        mailbox.upn, mailbox.mail, nav, config.mailboxes, config_file=str(config.file) if config.file else None
    )
