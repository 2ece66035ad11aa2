"""`token_source`: the right `AccessTokenSource` for a config and a run.

graph.kind  --user  source
sandbox     no      SandboxTokenSource(upn)   the user signed in with ``login``, else graph.sandbox_user
sandbox     yes     SandboxTokenSource(None)  ``sandbox-app``
microsoft   no      DelegatedTokenSource      MSAL, the person signed in with ``login``
microsoft   yes     AppOnlyTokenSource        azure-identity, client secret or certificate
"""

from __future__ import annotations

from enum import Enum

from graphsync.auth.app_only import AppOnlyTokenSource, app_credential
from graphsync.auth.cache_store import CacheChoice, TokenCacheStore, open_store
from graphsync.auth.connections import Connections
from graphsync.auth.delegated import DelegatedSignIn, DelegatedTokenSource
from graphsync.auth.sandbox import SandboxTokenSource, read_sandbox_record
from graphsync.config import Config
from graphsync.config.model import GraphKind
from graphsync.connectors.auth import AccessTokenSource
from graphsync.errors import GraphAuthError, KeyringUnavailableError


class TokenKind(Enum):
    DELEGATED = "delegated (signed-in user, MSAL)"
    APP_ONLY = "app-only (client credentials)"
    SANDBOX_DELEGATED = "sandbox delegated (sandbox:<upn>)"
    SANDBOX_APP_ONLY = "sandbox app-only (sandbox-app)"


def token_kind(config: Config, *, user: str | None) -> TokenKind:
    if config.graph.kind is GraphKind.SANDBOX:
        return TokenKind.SANDBOX_DELEGATED if user is None else TokenKind.SANDBOX_APP_ONLY
    return TokenKind.DELEGATED if user is None else TokenKind.APP_ONLY


def token_source(
    config: Config,
    *,
    user: str | None,
    connections: Connections | None = None,
    store: TokenCacheStore | None = None,
) -> AccessTokenSource:
    """The token source for a run as ``user`` (app-only, ``--user``) or as the signed-in person (None).
    ``store`` defaults to the one the last ``login`` chose for this config's authority."""
    connections = connections or Connections()
    kind = token_kind(config, user=user)
    if kind is TokenKind.SANDBOX_APP_ONLY:
        return SandboxTokenSource(None)
    if kind is TokenKind.APP_ONLY:
        credential = connections.app_credential or app_credential(
            config.graph, file=str(config.file) if config.file else None
        )
        return AppOnlyTokenSource(credential)
    store = store or open_store(connections.cache_location(config), choice=CacheChoice.AUTO)
    if kind is TokenKind.SANDBOX_DELEGATED:
        return SandboxTokenSource(sandbox_user(config, store))
    return DelegatedTokenSource(delegated_sign_in(config, store=store, connections=connections))


def delegated_sign_in(config: Config, *, store: TokenCacheStore, connections: Connections) -> DelegatedSignIn:
    return DelegatedSignIn(
        tenant_id=config.graph.tenant_id,
        client_id=config.graph.client_id,
        store=store,
        http=connections.login_client(),
    )


def sandbox_user(config: Config, store: TokenCacheStore) -> str:
    """The sandbox user a delegated run acts as: who signed in with ``login``, else ``graph.sandbox_user``."""
    try:
        data = store.load()
    except KeyringUnavailableError:
        # The sandbox holds no real secret; with no keyring, the config's user is a fine answer.
        if config.graph.sandbox_user:
            return config.graph.sandbox_user
        raise
    if data:
        return read_sandbox_record(data)
    if config.graph.sandbox_user:
        return config.graph.sandbox_user
    raise GraphAuthError(
        "no sandbox user is signed in and graph.sandbox_user is not set (graphsync login --sandbox-user UPN)",
        code="not_signed_in",
    )
