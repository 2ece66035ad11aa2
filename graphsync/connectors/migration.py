"""The Outlook side as the migrations see it: what a sync never needs (every folder, the add-in's entry ids,
removing graphsync's stamps), besides writes as a sync makes them.

The implementation is `graphsync.graph.migration.GraphMigrationMailbox`; the migrations (`graphsync.migrate`)
depend on this Protocol only, as the engine depends on `graphsync.connectors.outlook.OutlookMailbox`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from graphsync.connectors.outlook import Containers, ItemKind, OutlookItem, WriteOp, WriteResult
from graphsync.errors import GraphError

LEGACY_PROPERTY_SET = "00020329-0000-0000-C000-000000000046"
"""PS_PUBLIC_STRINGS, the named-property set Outlook keeps an item's user-defined fields in (NAV's add-in wrote
its user-defined fields, such as "Salesperson Code", as Outlook user-defined fields). Inferred from MAPI's
documentation of Outlook user properties, not from Graph's."""


def legacy_property_id(name: str) -> str:
    """The single-value extended property id of an Outlook user-defined field named ``name``."""
    return f"String {{{LEGACY_PROPERTY_SET}}} Name {name}"


@dataclass(frozen=True)
class Folder:
    """A contact folder, calendar or To Do list."""

    kind: ItemKind
    id: str
    name: str
    default: bool = False
    """The mailbox's default one: Contacts, the primary calendar, To Do's built-in Tasks list."""
    graphsync: bool = False
    """The one graphsync keeps its items in (for events: the calendar graphsync syncs)."""


@dataclass(frozen=True)
class FoundItem:
    """An Outlook item where it was found, with graphsync's stamps (``item.nav_key``, ``item.user_fields``) and
    the add-in's user-defined fields that were asked for (``legacy``: name -> value, absent ones left out)."""

    item: OutlookItem
    folder: Folder
    legacy: Mapping[str, str] = field(default_factory=dict)
    category: bool = False
    """Events: the item carries graphsync's category."""


@dataclass(frozen=True)
class Translated:
    """What translateExchangeIds gave for one entry id: the item's immutable id, or why there is none."""

    source: str
    target: str | None = None
    error: str | None = None


class MigrationMailbox(Protocol):
    """One mailbox, for the migrations. Every method raises only `graphsync.errors.GraphError` subclasses."""

    @property
    def mailbox(self) -> str: ...

    async def containers(self) -> Containers:
        """graphsync's contact folder, To Do list (made the first time, as a sync makes them) and calendar."""
        ...

    async def folders(self, kind: ItemKind) -> list[Folder]:
        """Every contact folder (the default one included), calendar or To Do list of the mailbox."""
        ...

    async def items(
        self, folder: Folder, *, user_fields: Sequence[str] = (), legacy_fields: Sequence[str] = ()
    ) -> list[FoundItem]:
        """Every item of ``folder``, read with graphsync's stamps and the named add-in fields."""
        ...

    async def get(
        self, kind: ItemKind, ids: Sequence[str], *, user_fields: Sequence[str] = (), legacy_fields: Sequence[str] = ()
    ) -> list[FoundItem | None]:
        """Contacts or events by immutable id (None: no such item); their folder is looked up."""
        ...

    async def translate_entry_ids(self, entry_ids: Sequence[str]) -> list[Translated]:
        """MAPI entry ids (translateExchangeIds' URL-safe base64 form) to immutable ids, one answer each."""
        ...

    async def find_stamped(
        self, kind: ItemKind, nav_keys: Sequence[str], *, user_fields: Sequence[str] = ()
    ) -> dict[str, OutlookItem]:
        """The items stamped with these NAV keys in graphsync's container (a copy an interrupted run made)."""
        ...

    async def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        """Creates (into graphsync's container, stamped), updates (stamping the NAV key) and deletes, as a sync
        writes them; one result per op."""
        ...

    async def unstamp(self, found: Sequence[FoundItem]) -> list[GraphError | None]:
        """Remove graphsync's NAV key, the user-defined fields it holds and (events) category from each item."""
        ...

    async def delete(self, found: Sequence[FoundItem]) -> list[GraphError | None]:
        """Delete each item where it is (an item already gone counts as deleted)."""
        ...

    async def remove_container_if_empty(self, kind: ItemKind) -> bool:
        """Delete graphsync's contact folder or To Do list when it holds nothing; True when it was deleted."""
        ...
