"""Wiring: from a `Config` to the connected parts a run needs, for the CLI, the demo and scripts.

    open_nav(config)                      the NAV connector the config names (embedded company today)
    Runtime(config, connections=...)      async context: NAV, the state store, one httpx client for Graph,
                                          token sources, a GraphMailbox per mailbox, and `Runtime.sync`
    EntitySummary, summarize(report)      a run's counts per entity and side (what `graphsync sync` prints)
    diagnose(config, ...)                 the checks `graphsync doctor` prints
    add_field / remove_field              edit an entity's field map in the config file (`graphsync fields`)

The engine never imports `graphsync.graph` or `graphsync.nav`; this package is where they meet it.
"""

from graphsync.runtime.nav import open_nav
from graphsync.runtime.session import MailboxTarget, RunSettings, Runtime
from graphsync.runtime.summary import EntitySummary, summarize

__all__ = ["EntitySummary", "MailboxTarget", "RunSettings", "Runtime", "open_nav", "summarize"]
