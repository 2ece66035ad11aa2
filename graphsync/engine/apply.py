"""Applying a kind's plans, chunk by chunk in NAV's order (companies before persons): per chunk, NAV writes
first, then the chunk's Outlook writes (in batches, by the Graph client), then its links, conflicts and
retries in one transaction; once every chunk is done, the kind's cursors.

Creates are journaled before they are sent (`graphsync.engine.journal`); every other write is safe to
repeat, because the cursors only advance once everything here is recorded. A chunk recorded before a
crash is found done by the next run's three-way compare, which reads the same changes again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphsync.config.entities import EntityName
from graphsync.connectors.nav import NavConnector, NavRecord
from graphsync.connectors.outlook import ItemKind, OutlookMailbox, WriteAction, WriteOp, WriteResult
from graphsync.engine.binding import BoundEntity
from graphsync.engine.collect import Candidate, GroupRead
from graphsync.engine.journal import CREATES, TARGET_NAV, TARGET_OUTLOOK, base_after_nav_insert, insert_values
from graphsync.engine.keys import key_text, parse_key
from graphsync.engine.navside import NavSide
from graphsync.engine.plan import FieldChange, ItemPlan, Op, SidePlan
from graphsync.engine.report import Phase, SyncOptions
from graphsync.engine.spool import Spool, SpoolList, chunked
from graphsync.engine.spooled import candidate_codec, decode_plan, encode_plan
from graphsync.engine.state import CursorName, JournalDraft, Link, MailboxState
from graphsync.errors import GraphsyncError, NavError, NavNotFoundError, NotFoundError


@dataclass
class WorkItem:
    """One item on its way through a run (mutable: the outcome of each write is filled in)."""

    cand: Candidate
    plan: ItemPlan
    nav_norm: dict[str, str] | None
    nav_key: str | None
    nav_etag: str | None
    outlook_id: str | None
    outlook_version: str | None
    failed: bool = False
    stamped: bool = True
    title: str = ""
    """What the report calls the item (its name or subject), taken when it is planned."""
    journal_id: int | None = None
    failed_side: str | None = None
    """``nav`` or ``outlook``: the side that refused the item's write (set with ``failed``)."""

    @property
    def entity(self) -> BoundEntity:
        return self.cand.entity


def link_after(w: WorkItem) -> Link:
    """The link an item's outcome records (its plan has a base: the item stays or becomes linked)."""
    assert w.nav_key is not None and w.outlook_id is not None and w.plan.base is not None
    link = w.cand.link
    return Link(
        w.entity.name.value,
        w.nav_key,
        w.outlook_id,
        dict(w.plan.base),
        w.outlook_version or (link.outlook_version if link else None),
        w.nav_etag,
        dirty=bool(w.plan.conflicts),
        stamped=w.stamped,
    )


def settled(w: WorkItem, open_conflicts: set[str]) -> bool:
    """Nothing to write and nothing to record: a linked item planned to stay exactly as its link says
    (most of a full reconciliation). Such an item need not be kept for applying at all."""
    link = w.cand.link
    return (
        link is not None
        and not w.failed
        and w.stamped  # an unstamped item still gets its NAV key written (`_outlook_op`)
        and w.plan.is_noop
        and w.plan.base is not None
        and w.nav_key is not None
        and w.outlook_id is not None
        and w.nav_key not in open_conflicts
        # What `link_after` would record is exactly the link (compared field by field: most of a full round's
        # items end here, and building a Link for each only to compare it cost more than the comparison).
        and link.entity == w.entity.name.value
        and link.nav_key == w.nav_key
        and link.outlook_id == w.outlook_id
        and link.base == w.plan.base
        and link.outlook_version == (w.outlook_version or link.outlook_version)
        and link.nav_etag == w.nav_etag
        and not link.dirty  # the plan has no conflicts (is_noop), so the new link would not be dirty
        and link.stamped == w.stamped
    )


def _creates_entry(entity: str, creates: Sequence[tuple[WriteOp, WorkItem]]) -> JournalDraft:
    """One journal entry for a chunk's Outlook creates of one entity: for each, what recovery needs to link
    the item if it was made (`graphsync.engine.journal`). One row per chunk rather than per create: each
    row costs the state store more than the bytes it holds."""
    return JournalDraft(
        entity=entity,
        target=TARGET_OUTLOOK,
        nav_key=None,
        outlook_id=None,
        payload={
            CREATES: [
                {"nav_key": op.nav_key, "base": w.plan.base or {}, "transaction_id": op.transaction_id}
                for op, w in creates
            ]
        },
    )


class WorkQueue:
    """A kind's planned items, spooled, handed out in NAV's entity order (companies before persons, so a
    person created in NAV finds its company there)."""

    def __init__(self, spool: Spool, entities: Mapping[EntityName, BoundEntity]) -> None:
        self._spool = spool
        self._encode_cand, self._decode_cand = candidate_codec(entities, Candidate)
        self._lists: dict[EntityName, SpoolList[WorkItem]] = {}

    def _encode(self, w: WorkItem) -> tuple[Any, ...]:
        # Only what applying needs: not the NAV record (its values are in the plan, its name in the title),
        # and NAV's normalised values only where an Outlook update is built from them.
        nav_norm = w.nav_norm if w.plan.outlook.op is Op.UPDATE else None
        return (
            self._encode_cand(w.cand, with_record=False),
            encode_plan(w.plan),
            nav_norm,
            w.nav_key,
            w.nav_etag,
            w.outlook_id,
            w.outlook_version,
            w.failed,
            w.stamped,
            w.title,
        )

    def _decode(self, t: tuple[Any, ...]) -> WorkItem:
        return WorkItem(self._decode_cand(t[0]), decode_plan(t[1]), *t[2:])

    def add(self, w: WorkItem) -> None:
        part = self._lists.get(w.entity.name)
        if part is None:
            part = self._lists[w.entity.name] = self._spool.new_list(encode=self._encode, decode=self._decode)
        part.append(w)

    def __len__(self) -> int:
        return sum(len(part) for part in self._lists.values())

    @property
    def total(self) -> int:
        return len(self)

    def __iter__(self) -> Iterator[WorkItem]:
        for name in EntityName:
            if name in self._lists:
                yield from self._lists[name]

    def chunks(self, size: int) -> Iterator[list[WorkItem]]:
        for name in EntityName:
            if name in self._lists:
                yield from self._lists[name].chunks(size)

    def release(self) -> None:
        """Free the spool's buffer of this kind's items (the kind is done)."""
        for part in self._lists.values():
            self._spool.drop(part)
        self._lists.clear()


class StreamedWork:
    """A fresh start's items (`GroupRead.unread`), planned as NAV gives them and never held: nothing of it is
    linked, so nothing can be deleted and the mass-delete guard has nothing to wait for (see `SyncRun`).
    They come in NAV's order; the entity order does not matter, as nothing is created in NAV from them.
    Taken once: a second pass would find the read used up."""

    total = None
    """Not known until read: progress shows no total."""

    def __init__(self, items: Generator[WorkItem, None, None]) -> None:
        self._items = items
        self._taken = False

    def __iter__(self) -> Iterator[WorkItem]:
        if self._taken:
            raise RuntimeError("a streamed kind's items were taken already")
        self._taken = True
        yield from self._items

    def chunks(self, size: int) -> Iterator[list[WorkItem]]:
        return chunked(self, size)

    def release(self) -> None:
        """Stop reading: a run stopped before the kind was done leaves the rest of the read unread, and the
        read (a NAV change set being paged through) is closed now, not whenever its iterators are collected."""
        self._taken = True
        self._items.close()


@dataclass
class KindWork:
    read: GroupRead
    work: WorkQueue | StreamedWork
    complete: bool = True
    """Whether every enabled entity of the kind is in this run (only then may shared cursors advance)."""
    fingerprints: Mapping[CursorName, str] = field(default_factory=dict)


class Applier:
    """Writes one run's plans and records their outcome."""

    def __init__(
        self,
        *,
        nav: NavConnector,
        mailbox: OutlookMailbox,
        state: MailboxState,
        navside: NavSide,
        options: SyncOptions,
        owner: str,
        open_conflicts: set[str],
        today: Callable[[], dt.date],
        progress: Callable[[str, ItemKind, int, int | None], None],
        error: Callable[[WorkItem, GraphsyncError], None],
    ) -> None:
        self._nav = nav
        self._mailbox = mailbox
        self._state = state
        self._navside = navside
        self._options = options
        self._owner = owner
        self._open_conflicts = open_conflicts
        self._today = today
        self._progress = progress
        self._error = error
        self._readded: set[str] = set()
        """Retry references recorded again by this kind's items: not cleared at its end."""

    async def apply(self, group: KindWork, recorded: Callable[[WorkItem], None]) -> bool:
        """Write and record one kind's plans; True when the run was asked to stop part-way (what was written
        is recorded, the kind's cursors are not advanced). ``recorded`` sees every item once it is recorded."""
        kind = group.read.kind
        total = group.work.total
        done = 0
        stopped = False
        self._readded = set()
        for chunk in group.work.chunks(max(1, self._options.batch_size)):
            if self._options.stop_requested():
                # Stopping between chunks: the rest is left to the next run (the kind's cursors stay).
                stopped = True
                break
            for w in chunk:
                if not w.failed and w.plan.nav.op is not Op.NONE:
                    self._apply_nav(w)
            await self._apply_outlook(kind, [w for w in chunk if not w.failed])
            self._record_chunk(kind, chunk)
            for w in chunk:
                recorded(w)
            done += len(chunk)
            self._progress(Phase.APPLY, kind, done, total)
        self._record_kind(group, stopped=stopped)
        return stopped

    def _apply_nav(self, w: WorkItem) -> None:
        entity = w.entity
        op = w.plan.nav.op
        try:
            if op is Op.CREATE:
                values = insert_values(entity, w.plan.nav.values, self._owner, today=self._today())
                w.journal_id = self._state.journal.add(
                    JournalDraft(
                        entity=entity.name.value,
                        target=TARGET_NAV,
                        nav_key=None,
                        outlook_id=w.outlook_id,
                        payload={"changes": w.plan.nav.values, "base": dict(w.plan.base or {})},
                    )
                )
                record = self._nav.insert(entity.table, values)
                w.nav_key = key_text(entity.table, record.key)
                w.nav_etag = record.etag
                w.stamped = False
                base = base_after_nav_insert(entity, w.plan.base or {}, record, self._navside)
                w.plan = self._after_insert(w, record, base)
                with self._state.transaction():
                    assert w.outlook_id is not None
                    if w.cand.link is not None and w.cand.link.nav_key != w.nav_key:
                        # Re-created under a new number (delete policy "never"): the old key's link goes.
                        self._state.links.drop([w.cand.link.nav_key])
                    self._state.links.save(
                        [
                            Link(
                                entity.name.value,
                                w.nav_key,
                                w.outlook_id,
                                base,
                                w.outlook_version,
                                w.nav_etag,
                                dirty=False,
                                stamped=False,
                            )
                        ]
                    )
                    self._state.journal.done([w.journal_id])
                w.journal_id = None
                return
            parsed = parse_key(w.nav_key or "")
            assert parsed is not None
            if op is Op.UPDATE:
                values = entity.map.nav_values(w.plan.nav.values)
                record = self._nav.modify(entity.table, parsed[1], values, if_match=w.nav_etag or "*")
                w.nav_etag = record.etag
            elif op is Op.DELETE:
                try:
                    self._nav.delete(entity.table, parsed[1], if_match=w.nav_etag or "*")
                except NavNotFoundError:
                    pass  # already gone: what the delete wanted
        except NavError as exc:
            self._error(w, exc)

    def _after_insert(self, w: WorkItem, record: NavRecord, base: dict[str, str | None]) -> ItemPlan:
        """NAV fills in what Outlook left blank and adjusts what it validates (a to-do's Date, upper-case
        codes): those values go back to the Outlook item in this same run, with the stamp, instead of
        waiting for the insert's echo. The link saved at once keeps Outlook's values as base, so that a
        crash before this write leaves NAV's values looking changed (and pushed next run), not Outlook's."""
        entity = w.entity
        nav_now = entity.map.nav_norm(self._navside.values(entity, record))
        w.nav_norm = nav_now
        after = dict(base)
        pushes: list[FieldChange] = []
        if entity.to_outlook:
            for f in entity.map.fields:
                if f.to_nav and f.id in after and after[f.id] != nav_now[f.id]:
                    pushes.append(FieldChange(f.id, after[f.id], nav_now[f.id]))
                    after[f.id] = nav_now[f.id]
        outlook = SidePlan(Op.UPDATE, tuple(pushes)) if pushes else w.plan.outlook
        return ItemPlan(w.plan.nav, outlook, w.plan.conflicts, after, w.plan.link)

    def _outlook_op(self, n: int, w: WorkItem) -> WriteOp | None:
        entity = w.entity
        sp = w.plan.outlook
        current = w.cand.outlook.data if w.cand.outlook else None
        if sp.op is Op.CREATE:
            assert w.nav_key is not None
            body, user = entity.map.outlook_body(sp.values, None)
            # A fresh transactionId per create (kept in the journal): Graph drops a repeated create of the same
            # event, while an event deleted on purpose can still be created again later under a new one.
            transaction = str(uuid.uuid4()) if entity.kind is ItemKind.EVENT else None
            return WriteOp(
                str(n), WriteAction.CREATE, entity.kind, w.nav_key, body, user_fields=user, transaction_id=transaction
            )
        if sp.op is Op.UPDATE:
            body, user = entity.map.outlook_body(sp.values, current, w.nav_norm)
            return WriteOp(
                str(n),
                WriteAction.UPDATE,
                entity.kind,
                w.nav_key or "",
                body,
                w.outlook_id,
                user,
                if_match=w.outlook_version,
            )
        if sp.op is Op.DELETE:
            return WriteOp(
                str(n),
                WriteAction.DELETE,
                entity.kind,
                w.nav_key or "",
                item_id=w.outlook_id,
                if_match=w.outlook_version,
            )
        if not w.stamped and w.outlook_id and w.nav_key:
            # Created in NAV from this Outlook item: the item gets its NAV key (Graph stamps it on update).
            return WriteOp(str(n), WriteAction.UPDATE, entity.kind, w.nav_key, {}, w.outlook_id)
        return None

    async def _apply_outlook(self, kind: ItemKind, work: Sequence[WorkItem]) -> None:
        pending: list[tuple[WriteOp, WorkItem]] = []
        for n, w in enumerate(work):
            op = self._outlook_op(n, w)
            if op is not None:
                pending.append((op, w))
        creates: dict[str, list[tuple[WriteOp, WorkItem]]] = {}
        for op, w in pending:
            if op.action is WriteAction.CREATE:
                creates.setdefault(w.entity.name.value, []).append((op, w))
        if creates:  # the chunk's creates, journaled in one statement before any is sent
            entries = [_creates_entry(entity, pairs) for entity, pairs in creates.items()]
            ids = self._state.journal.add_many(entries)
            for pairs, entry_id in zip(creates.values(), ids, strict=True):
                for _, w in pairs:
                    w.journal_id = entry_id
        if not pending:
            return
        results = await self._mailbox.write([op for op, _ in pending])
        for (op, w), result in zip(pending, results, strict=True):
            self._outlook_result(op, w, result)

    def _outlook_result(self, op: WriteOp, w: WorkItem, result: WriteResult) -> None:
        if result.error is not None:
            if op.action is WriteAction.DELETE and isinstance(result.error, NotFoundError):
                return  # already gone
            # A failed create's journal entry (shared with the chunk's other creates of its entity) goes when
            # the chunk is recorded; until then a crash has recovery look the item up, which finds nothing.
            self._error(w, result.error)
            return
        if result.item is not None:
            w.outlook_id = result.item.id
            w.outlook_version = result.item.version
        if op.action in (WriteAction.CREATE, WriteAction.UPDATE):
            w.stamped = True

    def _record_chunk(self, kind: ItemKind, chunk: Sequence[WorkItem]) -> None:
        """The chunk's outcome in one transaction: its links saved in one statement, its journal entries
        removed in another (a crash before the commit leaves both as they were: the journal finds the creates)."""
        with self._state.transaction():
            links = [link for w in chunk if (link := self._record_one(kind, w)) is not None]
            self._state.links.save(links)
            self._state.journal.done(w.journal_id for w in chunk if w.journal_id is not None)

    def _record_kind(self, group: KindWork, *, stopped: bool) -> None:
        """Last: the retries read and not re-added, the deferred meetings, and the kind's cursors."""
        kind = group.read.kind
        with self._state.transaction():
            if not stopped:  # a stopped group's retries are read again next run, with its unsent writes
                settled = [ref for ref in group.read.retries if ref not in self._readded]
                self._state.retries.clear(kind.value, settled)
            self._state.retries.add(kind.value, group.read.deferred)
            if group.complete and not self._options.only_pending and not stopped:
                for name, value in {**group.read.cursors, **group.fingerprints}.items():
                    self._state.cursors.set(name, value)

    def _retry(self, kind: ItemKind, ref: str) -> None:
        self._readded.add(ref)
        self._state.retries.add(kind.value, [ref])

    def _record_one(self, kind: ItemKind, w: WorkItem) -> Link | None:
        """Record an item's outcome; returns its new link to save (saved with the chunk's in one statement)."""
        link = w.cand.link
        if w.failed:
            if link is not None:
                self._state.links.mark_dirty([link.nav_key])
            elif w.nav_key and w.plan.nav.op is not Op.CREATE:
                self._retry(kind, f"nav:{w.nav_key}")
            elif w.outlook_id:
                self._retry(kind, f"outlook:{w.outlook_id}")
            return None
        if w.plan.base is None:
            if link is not None:
                self._state.links.drop([link.nav_key])
            return None
        assert w.nav_key is not None and w.outlook_id is not None
        new = link_after(w)
        if w.plan.conflicts:
            self._state.conflicts.save(
                entity=w.entity.name.value,
                nav_key=w.nav_key,
                outlook_id=w.outlook_id,
                fields=[
                    {"field": c.field, "base": c.base, "nav": c.nav, "outlook": c.outlook} for c in w.plan.conflicts
                ],
            )
        elif w.nav_key in self._open_conflicts:
            self._state.conflicts.clear([w.nav_key])
        return new if new != link else None
