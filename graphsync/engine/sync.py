"""A sync run as a pipeline over one mailbox: read -> decide -> act -> record, and the report as a fold.

    ctx = open_run(nav=nav, mailbox=mailbox, state=store.mailbox(upn), entities=bound, options=options)
    report = await run(ctx)                     # what the runtime does (it binds the entities once)
    report = await run_sync(nav=..., mailbox=..., store=..., entities=config.entities, options=...)

Per run: take the mailbox lock; settle the write journal an interrupted run left (`recovery`); then, per
Outlook item kind (contacts, events, tasks), `read` yields the candidates (both sides of each item as they
are now) and `decide` turns each into a decision, kept in the run's spool unless it is settled (nothing to
write or record). Only when every kind is decided is the mass-delete guard checked and anything written,
so a refused run writes nothing; the exception is a kind that starts fresh (nothing in Outlook, no link,
nothing pending), whose decisions are made as NAV gives its records while the kind is acted on: unlinked,
none of them is a delete the guard would count, and an initial load neither waits for its whole read nor
holds it. Each kind is then acted on chunk by chunk (`act`: NAV writes, then Outlook writes), each chunk's
outcomes recorded in one transaction (`record`) and added to the report (`tally`); only after its last
chunk are the kind's cursors advanced. A run asked to stop (`SyncOptions.should_stop`, asked before each
kind is read and acted on and before each chunk) records what it wrote and leaves the cursors of every
kind not written in full where they were. A crash anywhere means the next run reads the same changes
again, and the three-way compare turns what was already done into nothing.

Reading yields and acting returns: no stage calls back into another. The progress a caller draws
(`SyncOptions.progress`) is reported from here, between stages.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from graphsync.config.entities import EntitiesConfig, EntityName
from graphsync.connectors.nav import NavConnector
from graphsync.connectors.outlook import ItemKind, OutlookMailbox
from graphsync.engine.act import act
from graphsync.engine.binding import BoundEntity, in_date_zone, needs_date_zone
from graphsync.engine.context import RunContext, bind_entities, open_run, user_fields
from graphsync.engine.decide import Decision, decide, rules, settled
from graphsync.engine.garbage import relaxed_collector
from graphsync.engine.guard import check_mass_delete
from graphsync.engine.pending import Queue, Stream
from graphsync.engine.plan import Rules, Side
from graphsync.engine.read import KindReader, Strategy, map_cursor
from graphsync.engine.record import record_chunk, record_kind
from graphsync.engine.recovery import recover
from graphsync.engine.report import Phase, ProgressEvent, RunReport, SyncOptions
from graphsync.engine.spool import Spool
from graphsync.engine.state import CursorName, ItemErrorRecord, StateStore, UnlinkMark
from graphsync.engine.succession import Succession
from graphsync.engine.tally import Tally
from graphsync.errors import GraphsyncError

KIND_ORDER = (ItemKind.CONTACT, ItemKind.EVENT, ItemKind.TASK)


@dataclass
class _Kind:
    """One kind's read and its decisions, between deciding and acting."""

    reader: KindReader
    pending: Queue | Stream
    complete: bool
    """Whether every enabled entity of the kind is in this run (only then may shared cursors advance)."""
    fingerprints: Mapping[CursorName, str] = field(default_factory=dict)


class _Run:
    """What one run accumulates as it goes: the decider's inputs, the guard's count and the report."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.tally = Tally(limit=ctx.options.report_limit)
        self.deletes: dict[EntityName, int] = {}
        self.rules: dict[EntityName, Rules] = {e.name: rules(e) for e in ctx.entities}
        self.resolutions: dict[str, Side] = {}
        self.open_conflicts: set[str] = set()
        self.unlinked: dict[str, UnlinkMark] = {}

    def progress(self, phase: str, kind: ItemKind, done: int, total: int | None = None) -> None:
        observe = self.ctx.options.progress
        if observe is not None:
            observe(ProgressEvent(phase, kind.value, done, total))

    def keep(self, decision: Decision) -> Decision | None:
        """Count a decision's deletes for the guard; None when it is settled (nothing to write or record)."""
        if decision.plan.deletes and decision.link is not None:
            name = decision.entity.name
            self.deletes[name] = self.deletes.get(name, 0) + 1
        return None if settled(decision, self.open_conflicts) else decision


async def run(ctx: RunContext) -> RunReport:
    """One sync run (see the module docstring). Raises LockHeldError when another run holds the mailbox,
    MassDeleteError when the guard refuses; item-level failures are in the report, not raised."""
    with ctx.state.lock.held(), relaxed_collector():
        return await _execute(ctx)


async def _execute(ctx: RunContext) -> RunReport:
    opts = ctx.options
    stopped = False
    run_id: int | None = None
    await ctx.mailbox.provision()
    if needs_date_zone(ctx.entities):
        # A date-only Outlook value (a To Do due date) is a day in the mailbox's own zone, asked of it (once
        # provisioned) only when a bound field is one.
        ctx = replace(ctx, entities=in_date_zone(ctx.entities, await ctx.mailbox.time_zone()))
    r = _Run(ctx)
    if not opts.dry_run:
        run_id = ctx.state.runs.begin(dry_run=False)
    with Spool(buffer=opts.spool_buffer) as spool:
        try:
            if not opts.dry_run:
                await recover(ctx)
            # Conflicts are the mailbox's, not a kind's, and change only once writing starts.
            conflicts = ctx.state.conflicts.all()
            r.resolutions = {c.nav_key: Side(c.resolution) for c in conflicts if c.resolution is not None}
            r.open_conflicts = {c.nav_key for c in conflicts}
            # Unlinked items too (a few rows): every kind's reading leaves them out, or pairs them with the
            # link kept aside, and recording forgets those linked again.
            r.unlinked = ctx.state.unlinked.marks()
            kinds: list[_Kind] = []
            for kind in KIND_ORDER:
                if opts.stop_requested():
                    stopped = True
                    break
                found = await _read_and_decide(r, kind, spool)
                if found is not None:
                    kinds.append(found)
            _guard(r)
            if opts.dry_run:
                for k in kinds:
                    async for chunk in k.pending.chunks(max(1, opts.batch_size)):
                        for d in chunk:
                            r.tally.planned(d)
            else:
                for k in kinds:
                    try:
                        if stopped or opts.stop_requested():
                            # Stopped before this kind's writes: none of it is done, nothing of it recorded.
                            stopped = True
                        else:
                            stopped = await _act_and_record(r, k)
                    finally:
                        await k.pending.release()  # also when a kind fails: its NAV read is closed at once
        except GraphsyncError:
            if run_id is not None:
                _finish(r, run_id, "failed")
            raise
    report = RunReport(
        mailbox=ctx.upn,
        dry_run=opts.dry_run,
        run_id=run_id,
        items=tuple(r.tally.items),
        errors=tuple(r.tally.errors),
        counts=r.tally.counts,
        stopped=stopped,
        omitted=r.tally.omitted,
        done=r.tally.done,
        resolved=tuple(r.tally.resolved),
    )
    if run_id is not None:
        _finish(r, run_id, "stopped" if stopped else "ok" if report.ok else "attention")
    return report


def _finish(r: _Run, run_id: int, status: str) -> None:
    errors = [
        ItemErrorRecord(run_id, e.entity.value, e.nav_key, e.outlook_id, e.error, e.message) for e in r.tally.errors
    ]
    r.ctx.state.runs.finish(run_id, status=status, counts=r.tally.counts, errors=errors)


async def _read_and_decide(r: _Run, kind: ItemKind, spool: Spool) -> _Kind | None:
    ctx = r.ctx
    entities = ctx.of_kind(kind)
    if not entities:
        return None
    opts = ctx.options
    # The window is part of a meeting map's fingerprint: widening it must bring in what it skipped.
    window = f"|{ctx.meetings.past_days}|{ctx.meetings.future_days}"
    fingerprints: dict[CursorName, str] = {
        map_cursor(e.name): e.fingerprint + (window if e.name is EntityName.MEETING else "") for e in entities
    }
    map_changed = any(ctx.state.cursors.get(k) != v for k, v in fingerprints.items())
    complete = {e.name for e in entities} == {e.name for e in ctx.of_kind(kind, chosen=False)}
    reader = KindReader(
        ctx,
        kind,
        entities,
        spool=spool,
        full=opts.full or map_changed,
        only_pending=opts.only_pending,
        unlinked=r.unlinked,
    )
    r.progress(Phase.READ, kind, 0)
    strategy = await reader.start()
    if strategy is Strategy.FRESH:
        return _Kind(reader, Stream(_decided(r, kind, reader)), complete, fingerprints)
    queue = Queue(spool, {e.name: e for e in entities})
    async for decisions in _decided(r, kind, reader):
        for d in decisions:
            queue.add(d)
    return _Kind(reader, queue, complete, fingerprints)


async def _decided(r: _Run, kind: ItemKind, reader: KindReader) -> AsyncGenerator[list[Decision], None]:
    """The reader's candidates decided, a batch at a time, those settled left out; progress counts the
    decisions kept."""
    count = 0
    rules_of, resolutions, keep = r.rules, r.resolutions, r.keep
    succession = _succession(r.ctx, reader)
    async for batch in reader.candidates(batch=max(1, r.ctx.options.batch_size)):
        if succession is not None:
            batch = await succession.place(batch)
        kept = []
        for cand in batch:
            d = keep(decide(cand, rules_of[cand.entity.name], resolutions.get(cand.nav_key or "")))
            if d is not None:
                kept.append(d)
                count += 1
            r.progress(Phase.PLAN, kind, count)
        yield kept


def _succession(ctx: RunContext, reader: KindReader) -> Succession | None:
    """The next to-dos of closed recurring meetings taking over their series, where there can be any: not on a
    fresh start (no link at all)."""
    meetings = [e for e in reader.entities if e.name is EntityName.MEETING]
    if not meetings or reader.strategy is Strategy.FRESH:
        return None
    return Succession(ctx, reader.entities, user_fields(meetings))


def _guard(r: _Run) -> None:
    """The mass-delete guard, on the deletes of linked items counted while deciding (before any write)."""
    opts = r.ctx.options
    if opts.allow_mass_delete or not r.deletes:
        return
    linked = {EntityName(k): v for k, v in r.ctx.state.links.count().items()}
    check_mass_delete(r.deletes, linked, share=opts.mass_delete_share, minimum=opts.mass_delete_min)


async def _act_and_record(r: _Run, k: _Kind) -> bool:
    """Act on one kind's decisions and record them, chunk by chunk; True when the run was asked to stop
    part-way (what was written is recorded, the kind's cursors are not advanced)."""
    ctx, reader = r.ctx, k.reader
    opts = ctx.options
    kind = reader.kind
    total = k.pending.total
    done = 0
    stopped = False
    readded: set[str] = set()
    async for chunk in k.pending.chunks(max(1, opts.batch_size)):
        if opts.stop_requested():
            # Stopping between chunks: the rest is left to the next run (the kind's cursors stay).
            stopped = True
            break
        outcomes = await act(ctx, kind, chunk)
        readded |= record_chunk(ctx.state, kind, outcomes, r.open_conflicts, r.unlinked)
        for o in outcomes:
            r.tally.add(o)
        done += len(chunk)
        r.progress(Phase.APPLY, kind, done, total)
    record_kind(
        ctx.state,
        kind,
        retries_read=reader.retries,
        retries_readded=readded,
        deferred=reader.deferred,
        unlinked_gone=reader.unlinked_gone,
        cursors={**reader.cursors, **k.fingerprints},
        stopped=stopped,
        advance=k.complete and not opts.only_pending,
    )
    return stopped


async def run_sync(
    *,
    nav: NavConnector,
    mailbox: OutlookMailbox,
    store: StateStore,
    entities: EntitiesConfig | Sequence[BoundEntity],
    options: SyncOptions,
) -> RunReport:
    """One run over parts the caller holds (tests, scripts): the entities bound here (or given bound), the
    context opened, then `run`. Raises what `run` raises, and ConfigError when the entity config does not
    fit NAV."""
    bound = (
        bind_entities(entities, nav, time_zone=options.time_zone)
        if isinstance(entities, EntitiesConfig)
        else tuple(entities)
    )
    ctx = open_run(nav=nav, mailbox=mailbox, state=store.mailbox(mailbox.mailbox), entities=bound, options=options)
    return await run(ctx)
