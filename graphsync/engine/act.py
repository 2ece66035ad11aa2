"""The pipeline's third stage: acting on a chunk of decisions, returning an `Outcome` for each.

NAV writes first (a NAV insert is journaled before it is sent, and linked with its journal entry removed
in one transaction right after it: the one write a repeat would duplicate), then the chunk's Outlook writes
in one hand-over to the Graph client (which sends them as $batch requests), its creates journaled in one
entry per entity before any is sent. Every other write is safe to repeat, because the kind's cursors
advance only once its outcomes are recorded (`graphsync.engine.record`).

An outcome says what happened: each side's write done or not, the item's keys and versions after it, and
why it failed, on which side. A value a side refuses (NAV: too long, not an option; Graph: a 400 for a value
in the body) does not stop the item: its update is written again without it, and the refusal is an error of
its own (`_nav_update`, `_outlook_by_piece`); the base the outcome's plan records moves only for the fields
written (`_only_written`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import NamedTuple

from graphsync.connectors.nav import NavKey, NavRecord
from graphsync.connectors.outlook import ItemKind, WriteAction, WriteOp, WriteResult
from graphsync.engine.binding import BoundEntity
from graphsync.engine.context import RunContext
from graphsync.engine.creates import CREATES, base_after_nav_insert, insert_values
from graphsync.engine.decide import Decision
from graphsync.engine.keys import key_text, parse_key
from graphsync.engine.origins import Origin
from graphsync.engine.plan import NO_WRITE, Base, FieldChange, ItemPlan, Op, Side, SidePlan
from graphsync.engine.report import ItemFailure
from graphsync.engine.state import JournalDraft, Link
from graphsync.errors import GraphError, NavError, NavNotFoundError, NavValidationError, NotFoundError


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
    """What was refused first (the whole item, or a field of it); more in ``also``."""
    also: tuple[ItemFailure, ...] = ()
    """The other things refused (each field a side refused is an error of its own)."""


class _Work:
    """One item while its chunk is acted on (private: what leaves this module is an `Outcome`)."""

    __slots__ = (
        "d",
        "failures",
        "halted",
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
        self.failures: list[ItemFailure] = [d.failure] if d.failure is not None else list(d.held) if d.held else []
        """What was refused, in order: the item's errors."""
        self.halted = d.failure is not None
        """Nothing more is written for the item (a refused write stops it, but a refused field does not)."""

    def refuse(self, failures: Sequence[ItemFailure], *, halt: bool) -> None:
        """Something of the item was refused (an error each); ``halt``: nothing more is written for it."""
        self.failures.extend(failures)
        self.halted = self.halted or halt

    def outcome(self) -> Outcome:
        plan = self.plan
        if self.failures and plan.base is not None and self.d.link is not None:
            plan = _only_written(self, self.d.link.base)
        return Outcome(
            self.d,
            plan,
            self.nav_key,
            self.nav_etag,
            self.outlook_id,
            self.outlook_version,
            self.stamped,
            self.journal_id,
            self.nav_done,
            self.outlook_done,
            self.failures[0] if self.failures else None,
            tuple(self.failures[1:]) if len(self.failures) > 1 else (),
        )


async def act(ctx: RunContext, kind: ItemKind, chunk: Sequence[Decision]) -> list[Outcome]:
    """Carry out a chunk's decisions (a decision that failed already is passed through as its outcome)."""
    work = [_Work(d) for d in chunk]
    for w in work:
        if not w.halted and w.plan.nav.op is not Op.NONE:
            _nav(ctx, w)
    await _outlook(ctx, kind, [w for w in work if not w.halted])
    return [w.outcome() for w in work]


def _only_written(w: _Work, old: Base) -> ItemPlan:
    """The plan of an item that was refused something, with the base it may record: a field moves from its old
    base only when its write happened, so that what was not written is still a change next run, on the side
    it came from, and what was written is not mistaken for one (an edit made meanwhile on the side written
    would otherwise look like a conflict)."""
    plan = w.plan
    written: set[str] = set()
    if w.nav_done:
        written.update(c.field for c in plan.nav.changes)
    if w.outlook_done:
        written.update(c.field for c in plan.outlook.changes)
    planned = {c.field for side in (w.d.plan.nav, w.d.plan.outlook, plan.nav, plan.outlook) for c in side.changes}
    unwritten = planned - written
    if not unwritten:
        return plan
    base = dict(plan.base or {})
    for field_id in unwritten:
        if field_id in old:
            base[field_id] = old[field_id]
        else:
            base.pop(field_id, None)
    return replace(plan, base=base)


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
            _nav_update(ctx, w, parsed[1])
            return
        if op is Op.DELETE:
            try:
                ctx.nav.delete(entity.table, parsed[1], if_match=w.nav_etag or "*")
            except NavNotFoundError:
                pass  # already gone: what the delete wanted
        w.nav_done = True
    except NavError as exc:
        w.refuse([ItemFailure.of(exc, Side.NAV, op)], halt=True)


def _nav_update(ctx: RunContext, w: _Work, key: NavKey) -> None:
    """Write the plan's NAV changes. A value NAV refuses (too long, not an option; or one that does not convert
    to a NAV value) is left out and the others written all the same, in one write: a refusal that names its
    field has the write tried again without it (once per field refused at most); one that names none, each
    field written alone. The refused fields are the item's errors, and stay changes for the next run
    (`_only_written`). Any other refusal (a stale ETag, a rule about the record) refuses the whole write."""
    entity = w.d.entity
    changes = w.plan.nav.values
    by_field: dict[str, dict[str, object]] | None = None
    refusals: list[tuple[str, NavError]] = []
    try:
        values = entity.map.nav_values(changes)
    except NavValidationError:
        by_field, unconverted = entity.map.nav_values_each(changes)
        refusals.extend(unconverted.items())
        values = _merged(by_field)
    while values:
        try:
            record = ctx.nav.modify(entity.table, key, values, if_match=w.nav_etag or "*")
        except NavValidationError as exc:
            if by_field is None:
                by_field, _ = entity.map.nav_values_each(changes)
            named = [f for f, nav in by_field.items() if exc.field is not None and exc.field in nav]
            if not named and len(by_field) > 1:
                # NAV's words name no field it was given (over OData they never do when a write has several):
                # each field is written alone, so that NAV's answer is about that one.
                _nav_one_by_one(ctx, w, key, by_field, refusals)
                break
            for field_id in named or list(by_field):
                del by_field[field_id]
                refusals.append((field_id, exc))
            values = _merged(by_field)
            continue
        w.nav_etag = record.etag
        w.nav_done = True
        break
    if refusals:
        refused = {field_id for field_id, _ in refusals}
        written = tuple(c for c in w.plan.nav.changes if c.field not in refused)
        w.plan = replace(w.plan, nav=SidePlan(Op.UPDATE, written) if written else NO_WRITE)
        w.refuse([_refused_field(entity, field_id, exc) for field_id, exc in refusals], halt=False)


def _nav_one_by_one(
    ctx: RunContext,
    w: _Work,
    key: NavKey,
    by_field: Mapping[str, Mapping[str, object]],
    refusals: list[tuple[str, NavError]],
) -> None:
    """Write each field's NAV values alone, in turn (each with the ETag the one before left): those NAV refuses
    go into ``refusals``. Any other refusal (a stale ETag, a lost connection) stops the item."""
    entity = w.d.entity
    for field_id, nav in by_field.items():
        try:
            record = ctx.nav.modify(entity.table, key, nav, if_match=w.nav_etag or "*")
        except NavValidationError as exc:
            refusals.append((field_id, exc))
            continue
        w.nav_etag = record.etag
        w.nav_done = True


def _merged(by_field: Mapping[str, Mapping[str, object]]) -> dict[str, object]:
    values: dict[str, object] = {}
    for nav in by_field.values():
        values.update(nav)
    return values


def _refused_field(entity: BoundEntity, field_id: str, exc: NavError) -> ItemFailure:
    """The item error of a field NAV refused, the field named (NAV's own words for a length do not: "The
    length of the string is 67, but it must be less than or equal to 30 characters")."""
    failure = ItemFailure.of(exc, Side.NAV, Op.UPDATE)
    if getattr(exc, "field", None) is None:  # a value that did not convert
        failure = replace(failure, message=f"{', '.join(entity.map.field(field_id).nav_fields)}: {failure.message}")
    return failure


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
    refused: list[_Work] = []
    for (op, w), result in zip(pending, results, strict=True):
        if _value_refused(op, result) and len(_pieces(w)) > 1:
            refused.append(w)  # written again piece by piece, below
        else:
            _outlook_result(op, w, result)
    if refused:
        await _outlook_by_piece(ctx, refused)


def _value_refused(op: WriteOp, result: WriteResult) -> bool:
    """Graph refused an update's body for a value in it (400: an attendee without an address, a property it
    does not take), not for the item's state (412, 404) or the service's (429, 5xx)."""
    return op.action is WriteAction.UPDATE and result.error is not None and result.error.status == 400


def _pieces(w: _Work) -> list[list[FieldChange]]:
    """The item's Outlook changes by the piece of the item each is written with (`EntityMap.write_group`)."""
    pieces: dict[str, list[FieldChange]] = {}
    group = w.d.entity.map.write_group
    for change in w.plan.outlook.changes:
        pieces.setdefault(group(change.field), []).append(change)
    return list(pieces.values())


async def _outlook_by_piece(ctx: RunContext, work: Sequence[_Work]) -> None:
    """Updates Graph refused for a value: written again one piece at a time (a round of one piece per item, so
    that each piece is sent with the version the previous one left), so that the value Graph refuses does not
    hold up the item's other changes. The pieces refused are the item's error, and stay changes for the next
    run (`_only_written`); a refusal of another kind stops the item's remaining pieces."""
    pieces = {id(w): _pieces(w) for w in work}
    written: dict[int, list[FieldChange]] = {id(w): [] for w in work}
    refusals: dict[int, list[tuple[list[FieldChange], GraphError]]] = {id(w): [] for w in work}
    for round_no in range(max(len(p) for p in pieces.values())):
        sending = [(w, pieces[id(w)][round_no]) for w in work if round_no < len(pieces[id(w)]) and not w.halted]
        if not sending:
            break
        ops = []
        for n, (w, piece) in enumerate(sending):
            entity = w.d.entity
            current = w.d.outlook.data if w.d.outlook else None
            body, user = entity.map.outlook_body({c.field: c.new for c in piece}, current, w.nav_norm)
            ops.append(
                WriteOp(
                    str(n),
                    WriteAction.UPDATE,
                    entity.kind,
                    w.nav_key or "",
                    body,
                    w.outlook_id,
                    user,
                    w.outlook_version,
                )
            )
        for (w, piece), result in zip(sending, await ctx.mailbox.write(ops), strict=True):
            if result.error is None:
                written[id(w)].extend(piece)
                if result.item is not None:
                    w.outlook_version = result.item.version
                w.stamped = True
            elif result.error.status == 400:
                refusals[id(w)].append((piece, result.error))
            else:
                w.refuse([ItemFailure.of(result.error, Side.OUTLOOK, Op.UPDATE)], halt=True)
    for w in work:
        done, refused = written[id(w)], refusals[id(w)]
        w.outlook_done = bool(done)
        w.plan = replace(w.plan, outlook=SidePlan(Op.UPDATE, tuple(done)) if done else NO_WRITE)
        if refused:
            group = w.d.entity.map.write_group
            w.refuse(
                [
                    ItemFailure(
                        Side.OUTLOOK, type(error).__name__, f"{group(piece[0].field)}: {error.message}", Op.UPDATE
                    )
                    for piece, error in refused
                ],
                halt=False,
            )


_OPS = {WriteAction.CREATE: Op.CREATE, WriteAction.UPDATE: Op.UPDATE, WriteAction.DELETE: Op.DELETE}
"""The plan's operation an Outlook write carries out (a stamp of the NAV key is an update)."""


def _outlook_result(op: WriteOp, w: _Work, result: WriteResult) -> None:
    if result.error is not None:
        if op.action is WriteAction.DELETE and isinstance(result.error, NotFoundError):
            w.outlook_done = True  # already gone: what the delete wanted
            return
        # A failed create's journal entry (shared with the chunk's other creates of its entity) goes when the
        # chunk is recorded; until then a crash has recovery look the item up, which finds nothing.
        w.refuse([ItemFailure.of(result.error, Side.OUTLOOK, _OPS[op.action])], halt=True)
        return
    w.outlook_done = w.plan.outlook.op is not Op.NONE
    if result.item is not None:
        w.outlook_id = result.item.id
        w.outlook_version = result.item.version
    if op.action in (WriteAction.CREATE, WriteAction.UPDATE):
        w.stamped = True
