"""Wiring: from a `Config` to the connected parts a run needs; the one composition root, for the CLI, the
demo, the benchmarks and scripts.

    open_nav(config)                      the NAV connector the config names (nav.py; OData's in odata.py)
    Runtime(config, connections=...)      async context: NAV, the state store, one httpx client for Graph,
                                          token sources, the entities bound once, a GraphMailbox per mailbox,
                                          a RunContext per run, and `Runtime.sync` (wiring.py)
    mailbox_options(sync, graph=...)      the Graph client's options from the config (graph.py)
    sign_in / sign_out / who_am_i         what login, logout and whoami do (signin.py)
    open_store, existing_store            the config's state store: an SQLite file or ``[state] url`` (stores.py)
    chosen_mailboxes                      which synced mailbox a command that only reads the store means (stores.py)
    tenant_mailboxes(config, nav)         the mailboxes a tenant-wide run covers: NAV's salespeople, [mailboxes]
                                          (mailboxes.py; the migrations' --all-mailboxes too)
    run_tenant(rt, mailboxes, ...)        many mailboxes at once in one process (tenant.py); Celery's workers run
                                          `sync_mailbox` per task (graphsync.distributed)
    tenant_overview(store, mailboxes)     the tenant at a glance: status --all-mailboxes, the tenant report
                                          (overview.py)
    ScopedNav                             a mailbox's first NAV read narrowed to its salesperson (scoped.py)
    EntitySummary, summarize(report)      a run's counts per entity and side (what `graphsync sync` prints)
    diagnose(config, ...)                 the checks `graphsync doctor` prints (graphsync.runtime.doctor)
    add_field / remove_field              edit an entity's field map in the config file (graphsync.runtime.fields)
    addin_links, adopt, remove, report    the one-shot migrations of scripts/ (graphsync.runtime.migration)
    attached_sandbox(config, connections) the config's sandbox file, found served or opened in-process
                                          (graphsync.runtime.sandbox; Runtime does it by itself)
    LookOnlyMailbox                       a dry run's mailbox: looks, never writes (graphsync.runtime.dryrun)
    forget_mailbox / restore_items        ``graphsync state forget / restore`` (graphsync.runtime.stores)

It also hands on the engine's values and read-only views its callers work with (a run's report, conflicts,
a mailbox's status), so that nothing above it reaches around it into the engine.

The engine never imports `graphsync.graph` or `graphsync.nav`; this package is where they meet it. Names are
loaded on first use: the Graph SDK and SQLAlchemy take most of a second to import, which ``graphsync --help``
and the commands that need neither should not pay.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graphsync.engine.conflicts import Conflict, list_conflicts, resolve, show_conflict
    from graphsync.engine.entities import item_kind, nav_table
    from graphsync.engine.guard import MassDeleteError
    from graphsync.engine.plan import Op, Side, SidePlan
    from graphsync.engine.report import ItemError, PlannedItem, Progress, ProgressEvent, RunReport
    from graphsync.engine.state import StateStore
    from graphsync.engine.status import MailboxStatus, mailbox_status
    from graphsync.graph.identity import MailboxIdentity
    from graphsync.graph.stamping import property_id
    from graphsync.runtime.nav import open_nav
    from graphsync.runtime.summary import EntitySummary, summarize
    from graphsync.runtime.wiring import MailboxTarget, RunSettings, Runtime

_WHERE = {
    "open_nav": "graphsync.runtime.nav",
    "MailboxTarget": "graphsync.runtime.wiring",
    "RunSettings": "graphsync.runtime.wiring",
    "Runtime": "graphsync.runtime.wiring",
    "EntitySummary": "graphsync.runtime.summary",
    "summarize": "graphsync.runtime.summary",
    "MailboxIdentity": "graphsync.graph.identity",
    # How the Graph client names a user-defined field's extended property (the demo looks at items as Outlook).
    "property_id": "graphsync.graph.stamping",
    # The engine's values and views, for the CLI and the demo.
    "Conflict": "graphsync.engine.conflicts",
    "list_conflicts": "graphsync.engine.conflicts",
    "resolve": "graphsync.engine.conflicts",
    "show_conflict": "graphsync.engine.conflicts",
    "item_kind": "graphsync.engine.entities",
    "nav_table": "graphsync.engine.entities",
    "MassDeleteError": "graphsync.engine.guard",
    "Op": "graphsync.engine.plan",
    "Side": "graphsync.engine.plan",
    "SidePlan": "graphsync.engine.plan",
    "ItemError": "graphsync.engine.report",
    "PlannedItem": "graphsync.engine.report",
    "Progress": "graphsync.engine.report",
    "ProgressEvent": "graphsync.engine.report",
    "RunReport": "graphsync.engine.report",
    "StateStore": "graphsync.engine.state",
    "MailboxStatus": "graphsync.engine.status",
    "mailbox_status": "graphsync.engine.status",
}

__all__ = [
    "Conflict",
    "EntitySummary",
    "ItemError",
    "MailboxIdentity",
    "MailboxStatus",
    "MailboxTarget",
    "MassDeleteError",
    "Op",
    "PlannedItem",
    "Progress",
    "ProgressEvent",
    "RunReport",
    "RunSettings",
    "Runtime",
    "Side",
    "SidePlan",
    "StateStore",
    "item_kind",
    "list_conflicts",
    "mailbox_status",
    "nav_table",
    "open_nav",
    "property_id",
    "resolve",
    "show_conflict",
    "summarize",
]


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'graphsync.runtime' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
