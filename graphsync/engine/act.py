"""The pipeline's third stage: acting on a chunk of decisions, returning an `Outcome` for each.

NAV writes first (a NAV insert is journaled before it is sent, and linked with its journal entry removed
in one transaction right after it: the one write a repeat would duplicate), then the chunk's Outlook writes
in one hand-over to the Graph client (which sends them as $batch requests), its creates journaled in one
entry per entity before any is sent. Every other write is safe to repeat, because the kind's cursors
advance only once its outcomes are recorded (`graphsync.engine.record`).

An outcome says what happened: each side's write done or not, the item's keys and versions after it, and
why it failed, on which side.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import NamedTuple

from graphsync.connectors.nav import NavRecord
from graphsync.connectors.outlook import ItemKind, WriteAction, WriteOp, WriteResult
from graphsync.engine.context import RunContext
from graphsync.engine.creates import CREATES, base_after_nav_insert, insert_values
from graphsync.engine.decide import Decision
from graphsync.engine.keys import key_text, parse_key
from graphsync.engine.origins import Origin
from graphsync.engine.plan import FieldChange, ItemPlan, Op, Side, SidePlan
from graphsync.engine.report import ItemFailure
from graphsync.engine.state import JournalDraft, Link
from graphsync.errors import NavError, NavNotFoundError, NotFoundError


class Outcome(NamedTuple):
    """What acting on one decision did (a named tuple for the reason `Decision` is one)."""

    decision: Decision
    plan: ItemPlan
    """The plan carried out: the decision's, or after a NAV insert the one that also writes NAV's own values
    back to the Outlook item."""
    nav_key: str | None
    nav_etag: str | None
    outlook_id: str | None
    outlook_version: str | None
    stamped: bool
    journal_id: int | None
    """The journal entry of the item's create, to remove when the outcome is recorded."""
    nav_done: bool
    """Whether the plan's NAV write happened (False also when there was none)."""
    outlook_done: bool
    failure: ItemFailure | None


class _Work:
    """One item while its chunk is acted on (private: what leaves this module is an `Outcome`)."""

    __slots__ = (
        "d",
        "failure",
        "journal_id",
        "nav_done",
        "nav_etag",
        "nav_key",
        "nav_norm",
        "outlook_done",
        "outlook_id",
        "outlook_version",
        "plan",
        "stamped",
    )

    def __init__(self, d: Decision) -> None:
        self.d = d
        self.plan = d.plan
        self.nav_norm = d.nav_norm
        self.nav_key = d.nav_key
        self.nav_etag = d.nav_etag
        self.outlook_id = d.outlook_id
        self.outlook_version = d.outlook_version
        self.stamped = d.stamped
        self.journal_id: int | None = None
        self.nav_done = False
        self.outlook_done = False
        self.failure = d.failure

    def outcome(self) -> Outcome:
        return Outcome(
            self.d,
            self.plan,
            self.nav_key,
            self.nav_etag,
            self.outlook_id,
            self.outlook_version,
            self.stamped,
            self.journal_id,
            self.nav_done,
            self.outlook_done,
            self.failure,
        )


async def act(ctx: RunContext, kind: ItemKind, chunk: Sequence[Decision]) -> list[Outcome]:
    """Carry out a chunk's decisions (a decision that failed already is passed through as its outcome)."""
    work = [_Work(d) for d in chunk]
    for w in work:
        if w.failure is None and w.plan.nav.op is not Op.NONE:
            _nav(ctx, w)
    await _outlook(ctx, kind, [w for w in work if w.failure is None])
    return [w.outcome() for w in work]


def link_after(o: Outcome) -> Link:
    """The link an item's outcome records (its plan has a base: the item stays or becomes linked)."""
    assert o.nav_key is not None and o.outlook_id is not None and o.plan.base is not None
    link = o.decision.link
    return Link(
        o.decision.entity.name.value,
        o.nav_key,
        o.outlook_id,
        dict(o.plan.base),
        o.outlook_version or (link.outlook_version if link else None),
        o.nav_etag,
        dirty=bool(o.plan.conflicts),
        stamped=o.stamped,
    )


def _nav(ctx: RunContext, w: _Work) -> None:
    entity = w.d.entity
    op = w.plan.nav.op
    try:
        if op is Op.CREATE:
            _nav_insert(ctx, w)
            return
        parsed = parse_key(w.nav_key or "")
        assert parsed is not None
        if op is Op.UPDATE:
            values = entity.map.nav_values(w.plan.nav.values)
            record = ctx.nav.modify(entity.table, parsed[1], values, if_match=w.nav_etag or "*")
            w.nav_etag = record.etag
        elif op is Op.DELETE:
            try:
                ctx.nav.delete(entity.table, parsed[1], if_match=w.nav_etag or "*")
            except NavNotFoundError:
                pass  # already gone: what the delete wanted
        w.nav_done = True
    except NavError as exc:
        w.failure = ItemFailure.of(exc, Side.NAV, op)


def _nav_insert(ctx: RunContext, w: _Work) -> None:
    entity = w.d.entity
    state = ctx.state
    values = insert_values(entity, w.plan.nav.values, ctx.owner, today=ctx.today)
    w.journal_id = state.journal.add(
        JournalDraft(
            entity=entity.name.value,
            target=Side.NAV.value,
            nav_key=None,
            outlook_id=w.outlook_id,
            payload={"changes": w.plan.nav.values, "base": dict(w.plan.base or {})},
        )
    )
    record = ctx.nav.insert(entity.table, values)
    w.nav_done = True
    w.nav_key = key_text(entity.table, record.key)
    w.nav_etag = record.etag
    w.stamped = False
    base = base_after_nav_insert(entity, w.plan.base or {}, record, ctx.navside)
    w.plan = _after_insert(ctx, w, record, base)
    with state.transaction():
        assert w.outlook_id is not None
        link = w.d.link
        if link is not None and link.nav_key != w.nav_key:
            # Re-created under a new number (delete policy "never"): the old key's link goes.
            state.links.drop([link.nav_key])
        state.links.save(
            [Link(entity.name.value, w.nav_key, w.outlook_id, base, w.outlook_version, w.nav_etag, False, False)]
        )
        state.origins.set({w.nav_key: Origin.OUTLOOK})
        state.journal.done([w.journal_id])
    w.journal_id = None


def _after_insert(ctx: RunContext, w: _Work, record: NavRecord, base: dict[str, str | None]) -> ItemPlan:
    """NAV fills in what Outlook left blank and adjusts what it validates (a to-do's Date, upper-case
    codes): those values go back to the Outlook item in this same run, with the stamp, instead of
    waiting for the insert's echo. The link saved at once keeps Outlook's values as base, so that a
    crash before this write leaves NAV's values looking changed (and pushed next run), not Outlook's."""
    entity = w.d.entity
    nav_now = entity.map.nav_norm(ctx.navside.values(entity, record))
    w.nav_norm = nav_now
    after = dict(base)
    pushes: list[FieldChange] = []
    if entity.to_outlook:
        for f in entity.map.fields:
            if f.to_nav and f.id in after and after[f.id] != nav_now[f.id]:
                pushes.append(FieldChange(f.id, after[f.id], nav_now[f.id]))
                after[f.id] = nav_now[f.id]
    plan = w.plan
    outlook = SidePlan(Op.UPDATE, tuple(pushes)) if pushes else plan.outlook
    return ItemPlan(plan.nav, outlook, plan.conflicts, after, plan.link)


def _outlook_op(n: int, w: _Work) -> WriteOp | None:
    entity = w.d.entity
    sp = w.plan.outlook
    current = w.d.outlook.data if w.d.outlook else None
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
            str(n), WriteAction.DELETE, entity.kind, w.nav_key or "", item_id=w.outlook_id, if_match=w.outlook_version
        )
    if not w.stamped and w.outlook_id and w.nav_key:
        # Created in NAV from this Outlook item: the item gets its NAV key (Graph stamps it on update).
        return WriteOp(str(n), WriteAction.UPDATE, entity.kind, w.nav_key, {}, w.outlook_id)
    return None


def _creates_entry(entity: str, creates: Sequence[tuple[WriteOp, _Work]]) -> JournalDraft:
    """One journal entry for a chunk's Outlook creates of one entity: for each, what recovery needs to link
    the item if it was made (`graphsync.engine.recovery`). One row per chunk rather than per create: each
    row costs the state store more than the bytes it holds."""
    return JournalDraft(
        entity=entity,
        target=Side.OUTLOOK.value,
        nav_key=None,
        outlook_id=None,
        payload={
            CREATES: [
                {"nav_key": op.nav_key, "base": w.plan.base or {}, "transaction_id": op.transaction_id}
                for op, w in creates
            ]
        },
    )


async def _outlook(ctx: RunContext, kind: ItemKind, work: Sequence[_Work]) -> None:
    pending: list[tuple[WriteOp, _Work]] = []
    for n, w in enumerate(work):
        op = _outlook_op(n, w)
        if op is not None:
            pending.append((op, w))
    creates: dict[str, list[tuple[WriteOp, _Work]]] = {}
    for op, w in pending:
        if op.action is WriteAction.CREATE:
            creates.setdefault(w.d.entity.name.value, []).append((op, w))
    if creates:  # the chunk's creates, journaled in one statement before any is sent
        entries = [_creates_entry(entity, pairs) for entity, pairs in creates.items()]
        ids = ctx.state.journal.add_many(entries)
        for pairs, entry_id in zip(creates.values(), ids, strict=True):
            for _, w in pairs:
                w.journal_id = entry_id
    if not pending:
        return
    results = await ctx.mailbox.write([op for op, _ in pending])
    for (op, w), result in zip(pending, results, strict=True):
        _outlook_result(op, w, result)


_OPS = {WriteAction.CREATE: Op.CREATE, WriteAction.UPDATE: Op.UPDATE, WriteAction.DELETE: Op.DELETE}
"""The plan's operation an Outlook write carries out (a stamp of the NAV key is an update)."""


def _outlook_result(op: WriteOp, w: _Work, result: WriteResult) -> None:
    if result.error is not None:
        if op.action is WriteAction.DELETE and isinstance(result.error, NotFoundError):
            w.outlook_done = True  # already gone: what the delete wanted
            return
        # A failed create's journal entry (shared with the chunk's other creates of its entity) goes when the
        # chunk is recorded; until then a crash has recovery look the item up, which finds nothing.
        w.failure = ItemFailure.of(result.error, Side.OUTLOOK, _OPS[op.action])
        return
    w.outlook_done = w.plan.outlook.op is not Op.NONE
    if result.item is not None:
        w.outlook_id = result.item.id
        w.outlook_version = result.item.version
    if op.action in (WriteAction.CREATE, WriteAction.UPDATE):
        w.stamped = True
