"""An in-memory `OutlookMailbox` that behaves like Graph where the engine can tell the difference.

- Every server-side update gives a new version (changeKey), and changes ``lastModifiedDateTime``.
- Delta rounds: without a link every item (``full``); with one, items changed since and tombstones for
  items deleted since. An item appears once per round with its latest state, in pages of ``page_size``.
  Delta pages carry neither the NAV key nor user fields (like Graph); `get_many` and `find_by_nav_key` do.
- `expire_delta` makes every existing link of a kind dead: using it raises ResyncNeededError.
- Writes: one result per op; If-Match mismatch -> PreconditionFailedError; missing item -> NotFoundError
  (a delete of it succeeds, as the Graph client's does: its goal is reached);
  an event create repeating a transactionId returns the event made the first time.
- ``invitations`` counts the meeting requests Graph would e-mail: every attendee of a created event, and
  every attendee of an event whose PATCH carries ``attendees``.
- ``crash_after_ops`` simulates a crash: the Nth op is applied, then `SimulatedCrash` is raised.
"""

from __future__ import annotations

import bisect
import copy
import itertools
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphsync.connectors.outlook import (
    Containers,
    DeltaEntry,
    ItemKind,
    MeetingScope,
    OutlookItem,
    Removed,
    WriteAction,
    WriteOp,
    WriteResult,
)
from graphsync.errors import (
    GraphError,
    MailboxTimeZoneError,
    NotFoundError,
    PreconditionFailedError,
    ResyncNeededError,
)
from graphsync.timezones import iana_name
from tests.fakes.nav import SimulatedCrash


@dataclass
class _Stored:
    data: dict[str, Any]
    version: int
    nav_key: str | None = None
    user_fields: dict[str, str] = field(default_factory=dict)
    transaction_id: str | None = None


class FakeRound:
    def __init__(self, box: FakeMailbox, kind: ItemKind, link: str | None) -> None:
        self._box = box
        self._kind = kind
        self._link = link
        self.full = link is None
        self._end = box.seq

    async def pages(self) -> AsyncIterator[Sequence[DeltaEntry]]:
        box = self._box
        since = 0
        if self._link is not None:
            kind, epoch, seq = self._link.split(":")[1:]
            if kind != self._kind.value or int(epoch) != box.epoch[self._kind]:
                box.requests["delta"] += 1
                raise ResyncNeededError("The sync state is no longer valid.", status=410, code="syncStateNotFound")
            since = int(seq)
        entries: list[DeltaEntry] = []
        store = box.items[self._kind]
        if self.full:
            entries = [box._item(self._kind, i, s, stamps=False) for i, s in store.items()]
        else:
            log = box.log[self._kind]
            first = bisect.bisect_right(log, (since, "\uffff"))
            changed = {i for s, i in log[first:] if s <= self._end}
            for item_id in sorted(changed):
                stored = store.get(item_id)
                entries.append(
                    box._item(self._kind, item_id, stored, stamps=False) if stored else Removed(self._kind, item_id)
                )
        size = box.page_size
        for start in range(0, max(len(entries), 1), size):
            box.requests["delta"] += 1
            yield entries[start : start + size]

    @property
    def delta_link(self) -> str:
        return f"delta:{self._kind.value}:{self._box.epoch[self._kind]}:{self._end}"


class FakeMailbox:
    def __init__(self, upn: str = "eh@contoso.com", *, page_size: int = 100) -> None:
        self._upn = upn
        self.items: dict[ItemKind, dict[str, _Stored]] = {k: {} for k in ItemKind}
        self.log: dict[ItemKind, list[tuple[int, str]]] = {k: [] for k in ItemKind}
        self.epoch: dict[ItemKind, int] = dict.fromkeys(ItemKind, 0)
        self.seq = 0
        self.page_size = page_size
        self._ids = itertools.count(1)
        self.requests: Counter[str] = Counter()
        self.invitations: Counter[str] = Counter()
        self.ops_done = 0
        self.crash_after_ops: int | None = None
        self.meetings = MeetingScope()
        """Which events are graphsync's (a test narrows the window by replacing it)."""
        self.zone = "UTC"
        """The mailbox's time zone as its settings hold it (Windows or IANA: `OutlookMailbox.time_zone` answers
        the IANA name, as the Graph client does)."""

    # ------------------------------------------------------------------ helpers

    def _touch(self, kind: ItemKind, item_id: str) -> int:
        self.seq += 1
        self.log[kind].append((self.seq, item_id))
        return self.seq

    def _item(
        self, kind: ItemKind, item_id: str, stored: _Stored, *, stamps: bool, names: Sequence[str] = ()
    ) -> OutlookItem:
        data = copy.deepcopy(stored.data)
        data["id"] = item_id
        data["changeKey"] = f"ck{stored.version}"
        data["lastModifiedDateTime"] = f"2026-01-01T00:00:{stored.version % 60:02d}Z"
        if not stamps:
            return OutlookItem(kind, item_id, data, f"ck{stored.version}")
        user = {n: stored.user_fields.get(n) for n in names}
        return OutlookItem(kind, item_id, data, f"ck{stored.version}", stored.nav_key, user)

    def _invite(self, data: Mapping[str, Any]) -> None:
        for attendee in data.get("attendees") or []:
            self.invitations[attendee["emailAddress"]["address"]] += 1

    # ------------------------------------------------------------------ protocol

    @property
    def mailbox(self) -> str:
        return self._upn

    async def provision(self) -> Containers:
        self.requests["provision"] += 1
        return Containers(contact_folder_id="folder-1", todo_list_id="list-1")

    async def time_zone(self) -> str:
        self.requests["time_zone"] += 1
        name = iana_name(self.zone)
        if name is None:
            raise MailboxTimeZoneError(f"mailboxSettings.timeZone is {self.zone!r}", found=self.zone)
        return name

    def delta(self, kind: ItemKind, link: str | None) -> FakeRound:
        return FakeRound(self, kind, link)

    async def get_many(
        self, kind: ItemKind, ids: Sequence[str], *, user_fields: Sequence[str] = ()
    ) -> list[OutlookItem | None]:
        self.requests["get"] += max(1, (len(ids) + 19) // 20)
        store = self.items[kind]
        return [self._item(kind, i, store[i], stamps=True, names=user_fields) if i in store else None for i in ids]

    async def find_by_nav_key(
        self, kind: ItemKind, nav_key: str, *, user_fields: Sequence[str] = ()
    ) -> OutlookItem | None:
        self.requests["find"] += 1
        for item_id, stored in self.items[kind].items():
            if stored.nav_key == nav_key:
                return self._item(kind, item_id, stored, stamps=True, names=user_fields)
        return None

    async def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        self.requests["write"] += max(1, (len(ops) + 19) // 20)
        results = []
        for op in ops:
            results.append(self._apply(op))
            self.ops_done += 1
            if self.crash_after_ops is not None and self.ops_done >= self.crash_after_ops:
                self.crash_after_ops = None
                raise SimulatedCrash(f"crash after Graph op {self.ops_done}")
        return results

    def _apply(self, op: WriteOp) -> WriteResult:
        store = self.items[op.kind]
        names = list(op.user_fields)
        if op.action is WriteAction.CREATE:
            if op.transaction_id:
                for item_id, stored in store.items():
                    if stored.transaction_id == op.transaction_id:
                        return WriteResult(op.op_id, self._item(op.kind, item_id, stored, stamps=True, names=names))
            item_id = f"{op.kind.value}-{next(self._ids)}"
            data = copy.deepcopy(dict(op.body))
            if op.kind is ItemKind.EVENT:
                data.setdefault("categories", [self.meetings.category])
                self._invite(data)
            user = {k: v for k, v in op.user_fields.items() if v is not None}
            stored = _Stored(data, self._touch(op.kind, item_id), op.nav_key, user, op.transaction_id)
            store[item_id] = stored
            return WriteResult(op.op_id, self._item(op.kind, item_id, stored, stamps=True, names=names))
        assert op.item_id is not None
        found = store.get(op.item_id)
        if found is None and op.action is WriteAction.DELETE:
            return WriteResult(op.op_id)  # as the Graph client: a delete answered 404 has reached its goal
        if found is None:
            return WriteResult(op.op_id, error=NotFoundError("The specified object was not found.", status=404))
        if op.if_match is not None and op.if_match != f"ck{found.version}":
            return WriteResult(
                op.op_id,
                error=PreconditionFailedError(
                    "The change key does not match.", status=412, code="ErrorIrresolvableConflict"
                ),
            )
        if op.action is WriteAction.DELETE:
            del store[op.item_id]
            self._touch(op.kind, op.item_id)
            return WriteResult(op.op_id)
        if "id" in op.body:
            return WriteResult(op.op_id, error=GraphError("id is read-only", status=400, code="invalidRequest"))
        found.data.update(copy.deepcopy(dict(op.body)))
        if op.kind is ItemKind.EVENT and "attendees" in op.body:
            self._invite(op.body)
        for name, value in op.user_fields.items():
            if value is None:
                found.user_fields.pop(name, None)
            else:
                found.user_fields[name] = value
        if op.nav_key:
            found.nav_key = op.nav_key
        found.version = self._touch(op.kind, op.item_id)
        return WriteResult(op.op_id, self._item(op.kind, op.item_id, found, stamps=True, names=names))

    async def aclose(self) -> None:
        pass

    # ------------------------------------------------------------------ test conveniences (a person in Outlook)

    def user_create(self, kind: ItemKind, data: Mapping[str, Any], **user_fields: str) -> str:
        item_id = f"{kind.value}-{next(self._ids)}"
        self.items[kind][item_id] = _Stored(
            copy.deepcopy(dict(data)), self._touch(kind, item_id), None, dict(user_fields)
        )
        return item_id

    def user_edit(self, kind: ItemKind, item_id: str, data: Mapping[str, Any], **user_fields: str) -> None:
        stored = self.items[kind][item_id]
        stored.data.update(copy.deepcopy(dict(data)))
        stored.user_fields.update(user_fields)
        stored.version = self._touch(kind, item_id)

    def user_delete(self, kind: ItemKind, item_id: str) -> None:
        del self.items[kind][item_id]
        self._touch(kind, item_id)

    def expire_delta(self, kind: ItemKind) -> None:
        self.epoch[kind] += 1

    def by_nav_key(self, kind: ItemKind) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for item_id, stored in self.items[kind].items():
            if stored.nav_key:
                result.setdefault(stored.nav_key, []).append(item_id)
        return result
