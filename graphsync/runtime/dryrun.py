"""A dry run's view of a mailbox: it looks and never writes, not even the folder and list a first run creates.

`LookOnlyMailbox` wraps the run's `GraphMailbox`, whose options say not to create containers
(`GraphMailboxOptions.create_containers`): a container not there yet comes back `ABSENT`, and the kinds kept
in it read as empty (a full round with nothing in it), so the plan is what the first real run would do:
create everything. Meetings in the primary calendar need no container and are read as usual. A write
reaching it is a bug in the engine's dry run and is refused.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from graphsync.connectors.outlook import (
    Containers,
    DeltaEntry,
    DeltaRound,
    ItemKind,
    MeetingScope,
    OutlookItem,
    WriteOp,
    WriteResult,
)
from graphsync.errors import GraphError
from graphsync.graph import GraphMailbox
from graphsync.graph.provision import ABSENT


class LookOnlyMailbox:
    """An `OutlookMailbox` for a dry run (see the module docstring)."""

    def __init__(self, inner: GraphMailbox) -> None:
        if inner.options.create_containers:
            raise ValueError("a dry run's GraphMailbox must be built with create_containers=False")
        self._inner = inner

    @property
    def mailbox(self) -> str:
        return self._inner.mailbox

    @property
    def meetings(self) -> MeetingScope:
        return self._inner.meetings

    async def provision(self) -> Containers:
        return await self._inner.provision()

    async def time_zone(self) -> str:
        """The mailbox's zone: reading it writes nothing."""
        return await self._inner.time_zone()

    async def absent(self, kind: ItemKind) -> bool:
        """Whether the container of ``kind``'s items does not exist yet."""
        containers = await self._inner.provision()
        if kind is ItemKind.CONTACT:
            return containers.contact_folder_id == ABSENT
        if kind is ItemKind.TASK:
            return containers.todo_list_id == ABSENT
        # Events: the primary calendar always exists; a dedicated one may not yet.
        return bool(self._inner.options.calendar) and not containers.calendar_id

    def delta(self, kind: ItemKind, link: str | None) -> DeltaRound:
        return _LookOnlyRound(self, kind, link)

    def inner_round(self, kind: ItemKind, link: str | None) -> DeltaRound:
        return self._inner.delta(kind, link)

    async def get_many(
        self, kind: ItemKind, ids: Sequence[str], *, user_fields: Sequence[str] = ()
    ) -> list[OutlookItem | None]:
        if await self.absent(kind):
            return [None] * len(ids)
        return await self._inner.get_many(kind, ids, user_fields=user_fields)

    async def find_by_nav_key(
        self, kind: ItemKind, nav_key: str, *, user_fields: Sequence[str] = ()
    ) -> OutlookItem | None:
        if await self.absent(kind):
            return None
        return await self._inner.find_by_nav_key(kind, nav_key, user_fields=user_fields)

    async def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        if not ops:
            return []
        raise GraphError("a dry run writes nothing to Outlook (a write reached it: a bug)", code="dryRun")

    async def aclose(self) -> None:
        await self._inner.aclose()


class _LookOnlyRound:
    """The inner mailbox's round, or an empty full one when the kind's container does not exist yet."""

    def __init__(self, mailbox: LookOnlyMailbox, kind: ItemKind, link: str | None) -> None:
        self.full = link is None
        self._mailbox = mailbox
        self._kind = kind
        self._link = link
        self._round: DeltaRound | None = None

    async def pages(self) -> AsyncIterator[Sequence[DeltaEntry]]:
        if await self._mailbox.absent(self._kind):
            self.full = True  # nothing there: every item the caller knows of is gone (there are none)
            return
        self._round = self._mailbox.inner_round(self._kind, self._link)
        self.full = self._round.full
        async for page in self._round.pages():
            yield page

    @property
    def delta_link(self) -> str:
        # An empty container has no delta link yet; a dry run stores none anyway.
        return self._round.delta_link if self._round is not None else ""
