"""Signing in to Microsoft Graph (or the sandbox) and keeping the sign-in between runs.

    token_source(config, user=None | "upn")   the AccessTokenSource for a run (graphsync.auth.factory)
    match_salesperson(upn, mail, nav, map)    a mailbox's NAV salesperson (graphsync.auth.salesperson)
    CacheChoice, open_store                   where the token cache is kept (graphsync.auth.cache_store)

What ``graphsync login``, ``logout`` and ``whoami`` do, which needs Graph as well, is wired in
`graphsync.runtime.signin`. The names are loaded on first use: msal and azure-identity take a few hundred
milliseconds to import, and commands that never sign in should not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graphsync.auth.cache_store import CacheChoice, TokenCacheStore, open_store
    from graphsync.auth.connections import Connections
    from graphsync.auth.factory import TokenKind, token_source
    from graphsync.auth.salesperson import match_salesperson

_WHERE = {
    "CacheChoice": "cache_store",
    "TokenCacheStore": "cache_store",
    "open_store": "cache_store",
    "Connections": "connections",
    "TokenKind": "factory",
    "token_source": "factory",
    "match_salesperson": "salesperson",
}

__all__ = [
    "CacheChoice",
    "Connections",
    "TokenCacheStore",
    "TokenKind",
    "match_salesperson",
    "open_store",
    "token_source",
]


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'graphsync.auth' has no attribute {name!r}")
    return getattr(importlib.import_module(f"graphsync.auth.{module}"), name)
