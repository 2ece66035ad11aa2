"""Where each entity lives on each side: its NAV table and the kind of Outlook item it becomes.

NAV's own entity definitions (codeunit 5312 "Outlook Synch. Setup Defaults"), fixed by the entity's name:
a config chooses which entities sync and how, never where they live. Kept out of the config package, which
knows neither NAV's tables nor Graph's item kinds.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from graphsync.config.entities import EntityName
from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind

HOMES: Mapping[EntityName, tuple[NavTable, ItemKind]] = MappingProxyType(
    {
        EntityName.CONT_COMP: (NavTable.CONTACT, ItemKind.CONTACT),
        EntityName.CONT_PERS: (NavTable.CONTACT, ItemKind.CONTACT),
        EntityName.CONT_SP: (NavTable.SALESPERSON, ItemKind.CONTACT),
        EntityName.MEETING: (NavTable.TODO, ItemKind.EVENT),
        EntityName.TASK: (NavTable.TODO, ItemKind.TASK),
    }
)


def nav_table(name: EntityName) -> NavTable:
    """The NAV table an entity's records are in."""
    return HOMES[name][0]


def item_kind(name: EntityName) -> ItemKind:
    """The kind of Outlook item an entity's records become."""
    return HOMES[name][1]
