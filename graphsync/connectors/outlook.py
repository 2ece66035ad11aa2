"""The Outlook side (one mailbox, through Microsoft Graph) as the engine sees it.

The implementation is `graphsync.graph.mailbox.GraphMailbox`; tests may use any object that fits.
Item bodies stay Graph JSON (``dict``) on purpose: typed SDK models cost milliseconds per item and the
engine's mapping works on JSON property names (``businessPhones``, ``start.dateTime``) anyway.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol, runtime_checkable

from graphsync.errors import GraphError
from graphsync.frozen import quick_init


class ItemKind(Enum):
    CONTACT = "contact"
    EVENT = "event"
    TASK = "task"


@quick_init
@dataclass(frozen=True)
class OutlookItem:
    """An Outlook item as Graph returned it.

    ``version`` is what changes on every server-side update (``changeKey`` for contacts and events,
    ``@odata.etag`` for To Do tasks). ``nav_key`` and ``user_fields`` come from extended properties
    (contacts, events) or the linked resource / open extension (tasks); they are None when the item was
    read in a way that cannot carry them (delta pages) — fetch it with `OutlookMailbox.get_many`.
    """

    kind: ItemKind
    id: str
    data: Mapping[str, Any]
    version: str | None = None
    nav_key: str | None = None
    user_fields: Mapping[str, str | None] | None = None
    missing: tuple[str, ...] = ()
    """Properties Graph sends with every whole item of this kind but left out here (a calendarView delta
    page gives a recurring meeting's occurrences as stubs): fetch the item before reading its fields, or a
    property left out would be read as cleared."""

    @property
    def partial(self) -> bool:
        return bool(self.missing)


@dataclass(frozen=True)
class Removed:
    """A delta tombstone: the item was deleted (or, for ``reason == "changed"``, moved out of scope)."""

    kind: ItemKind
    id: str
    reason: str = "deleted"


DeltaEntry = OutlookItem | Removed


@runtime_checkable
class DeltaRound(Protocol):
    """One delta round over a folder, list or calendar window.

    Iterate `pages`; a page holds changed items and tombstones (an item may appear in several pages;
    the last one wins). After the last page, `delta_link` is the link for the next round: store it only
    once everything the round returned is applied or recorded. `full` is True when the round started
    without a link, so it enumerated every item: items the caller knows but did not see are gone.
    Raises `graphsync.errors.ResyncNeededError` when the link given is no longer valid.
    """

    full: bool

    def pages(self) -> AsyncIterator[Sequence[DeltaEntry]]: ...

    @property
    def delta_link(self) -> str: ...


class WriteAction(Enum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


@quick_init
@dataclass(frozen=True)
class WriteOp:
    """One write. ``op_id`` is the caller's own id, echoed in the result.

    On CREATE the implementation stamps ``nav_key`` on the item (extended property or linked resource)
    and, for events, sends ``transaction_id`` so that a repeated create cannot make a second event.
    On UPDATE a non-empty ``nav_key`` is stamped too where the item can carry it: that is how an item a
    person made in Outlook gets the key of the NAV record created from it (the engine sends an UPDATE with
    an empty body for just that).
    ``user_fields`` maps user-defined field names to values (None removes the value).
    """

    op_id: str
    action: WriteAction
    kind: ItemKind
    nav_key: str
    body: Mapping[str, Any] = field(default_factory=dict)
    item_id: str | None = None
    user_fields: Mapping[str, str | None] = field(default_factory=dict)
    if_match: str | None = None
    transaction_id: str | None = None


@quick_init
@dataclass(frozen=True)
class WriteResult:
    """The outcome of one WriteOp: the item as stored (None after a delete), or the error."""

    op_id: str
    item: OutlookItem | None = None
    error: GraphError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Containers:
    """Where graphsync keeps a mailbox's items. ``calendar_id`` None means the primary calendar."""

    contact_folder_id: str
    todo_list_id: str
    calendar_id: str | None = None


@dataclass(frozen=True)
class MeetingScope:
    """Which events are graphsync's meetings: those carrying ``category``, dated from ``past_days`` before
    today to ``future_days`` after it (None: no limit on that side). One value, held by the mailbox, which
    reads its calendar by it, and asked of it by the engine, which leaves NAV's meetings outside it alone:
    old meetings must not send invitations, and an aged meeting is not a deleted one."""

    category: str = "Dynamics NAV"
    past_days: int | None = 30
    future_days: int | None = 365


@runtime_checkable
class OutlookMailbox(Protocol):
    """One mailbox. Every method raises only `graphsync.errors.GraphError` subclasses."""

    @property
    def mailbox(self) -> str:
        """The mailbox's user principal name (or ``me`` for a delegated sign-in not yet resolved)."""
        ...

    @property
    def meetings(self) -> MeetingScope:
        """Which events of the mailbox are graphsync's meetings."""
        ...

    async def provision(self) -> Containers:
        """Find (or, the first time, create) the contact folder, To Do list and calendar graphsync uses."""
        ...

    async def time_zone(self) -> str:
        """The IANA time zone the mailbox's user sees dates in (a To Do due date is a day there): the one
        configured, else the mailbox's own setting, read once and kept."""
        ...

    def delta(self, kind: ItemKind, link: str | None) -> DeltaRound:
        """A delta round from ``link`` (None: a full round)."""
        ...

    async def get_many(
        self, kind: ItemKind, ids: Sequence[str], *, user_fields: Sequence[str] = ()
    ) -> list[OutlookItem | None]:
        """Items with their NAV key and the named user-defined fields; None where an id no longer exists."""
        ...

    async def find_by_nav_key(
        self, kind: ItemKind, nav_key: str, *, user_fields: Sequence[str] = ()
    ) -> OutlookItem | None:
        """The item graphsync stamped with ``nav_key``, if any (how an interrupted create is found again)."""
        ...

    async def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        """Apply writes (batched). One result per op, in order; one failing op never fails the others."""
        ...

    async def aclose(self) -> None: ...


def item_key_map(items: Sequence[OutlookItem]) -> Mapping[str, OutlookItem]:
    """Index items by NAV key (those without one are left out)."""
    return {i.nav_key: i for i in items if i.nav_key}
