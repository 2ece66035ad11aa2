"""The Outlook side of the demo company's add-in links: the items NAV's Outlook add-in made, put into the sandbox.

`stage_addin_items` creates each link's item (`graphsync.runtime.addin_items`: the values the add-in wrote,
under the entry id it recorded) in the sandbox's default folder of its kind, in the user's mailbox.
"""

from __future__ import annotations

from graphsync.connectors.nav import NavConnector
from graphsync.connectors.outlook import ItemKind
from graphsync.runtime.addin_items import addin_items
from graphsync.sandbox.legacy import LegacyKind, put_legacy_item
from graphsync.sandbox.state import SandboxState

_KINDS = {ItemKind.CONTACT: LegacyKind.CONTACT, ItemKind.EVENT: LegacyKind.EVENT, ItemKind.TASK: LegacyKind.TASK}


def stage_addin_items(nav: NavConnector, sandbox: SandboxState, *, time_zone: str = "UTC") -> dict[str, str]:
    """Put every add-in link's item into the sandbox; returns NAV key -> the item's id. A link whose record or
    user's mailbox cannot be found (or the sandbox does not hold that user) is skipped (a migration reports it)."""
    return {
        item.nav_key: put_legacy_item(sandbox, item.mailbox, _KINDS[item.kind], item.body, item.entry_id)
        for item in addin_items(nav, time_zone=time_zone)
        if sandbox.find_user(item.mailbox) is not None
    }
