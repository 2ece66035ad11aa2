"""Wiring: from a `Config` to the connected parts a run needs, for the CLI, the demo and scripts.

    open_nav(config)                      the NAV connector the config names (embedded company today)
    Runtime(config, connections=...)      async context: NAV, the state store, one httpx client for Graph,
                                          token sources, a GraphMailbox per mailbox, and `Runtime.sync`
    EntitySummary, summarize(report)      a run's counts per entity and side (what `graphsync sync` prints)
    diagnose(config, ...)                 the checks `graphsync doctor` prints (graphsync.runtime.doctor)
    add_field / remove_field              edit an entity's field map in the config file (graphsync.runtime.fields)
    addin_links, adopt, remove, report    the one-shot migrations of scripts/ (graphsync.runtime.migration)
    attached_sandbox(config, connections) the config's sandbox file, found served or opened in-process
                                          (graphsync.runtime.sandbox; Runtime does it by itself)
    LookOnlyMailbox                       a dry run's mailbox: looks, never writes (graphsync.runtime.dryrun)
    forget_mailbox / restore_items        ``graphsync state forget / restore`` (graphsync.runtime.state)

The engine never imports `graphsync.graph` or `graphsync.nav`; this package is where they meet it. Names are
loaded on first use: the Graph SDK and SQLAlchemy take most of a second to import, which ``graphsync --help``
and the commands that need neither should not pay.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graphsync.runtime.nav import open_nav
    from graphsync.runtime.session import MailboxTarget, RunSettings, Runtime
    from graphsync.runtime.summary import EntitySummary, summarize

_WHERE = {
    "open_nav": "nav",
    "MailboxTarget": "session",
    "RunSettings": "session",
    "Runtime": "session",
    "EntitySummary": "summary",
    "summarize": "summary",
}

__all__ = ["EntitySummary", "MailboxTarget", "RunSettings", "Runtime", "open_nav", "summarize"]


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'graphsync.runtime' has no attribute {name!r}")
    return getattr(importlib.import_module(f"graphsync.runtime.{module}"), name)
