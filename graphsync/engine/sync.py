"""Running a sync: read both sides, plan every touched item, check the guard, apply, remember.

    report = await run_sync(nav=nav, mailbox=mailbox, store=store, entities=config.entities,
                            options=SyncOptions(salesperson_code="EH", time_zone="Europe/London"))

Order of work per run: take the mailbox lock; bind the entity config to NAV's table definitions; settle
the write journal left by an interrupted run; then, per Outlook item kind (contacts, events, tasks), read
the NAV change sets and the delta round, planning each touched item as soon as both of its sides are known
(the plans go to the run's spool, `graphsync.engine.spool`, so a large run's memory stays bounded; an item
planned to stay exactly as its link says is not kept at all). Only when every kind is planned is the
mass-delete guard checked and anything written, so a refused run writes nothing; the exception is a kind
that starts fresh (nothing in Outlook, no link, nothing pending), whose items are planned as NAV gives
them while the kind is applied (`StreamedWork`): unlinked, none of them is a delete the guard would
count, and an initial load neither waits for its whole read nor holds it. Each kind is then applied
chunk by chunk (`graphsync.engine.apply`): NAV writes, Outlook writes, and the chunk's links, conflicts and
retries recorded; only after its last chunk are the kind's delta link and NAV watermarks advanced. A run
asked to stop (`SyncOptions.should_stop`, checked before each kind is read and applied and before each
chunk) records what it wrote and leaves the cursors of every kind not written in full where they were. A
crash anywhere means the next run reads the same changes again, and the three-way compare turns what was
already done into nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import replace
from zoneinfo import ZoneInfo

from graphsync.config.entities import EntitiesConfig, EntityName
from graphsync.connectors.nav import NavConnector
from graphsync.connectors.outlook import ItemKind, OutlookMailbox
from graphsync.engine.apply import Applier, KindWork, StreamedWork, WorkItem, WorkQueue, settled
from graphsync.engine.binding import BoundEntity, bind_entity
from graphsync.engine.collect import Candidate, GroupReader, map_cursor
from graphsync.engine.collector import relaxed_collector
from graphsync.engine.guard import check_mass_delete
from graphsync.engine.journal import JournalRecovery
from graphsync.engine.navside import NavSide
from graphsync.engine.plan import FieldRule, ItemPlan, ItemState, Op, Rules, Side, plan_item
from graphsync.engine.report import ItemError, Phase, PlannedItem, ProgressEvent, RunReport, SyncOptions
from graphsync.engine.spool import Spool
from graphsync.engine.state import CursorName, ItemErrorRecord, StateStore
from graphsync.errors import GraphError, GraphsyncError, NavError

KIND_ORDER = (ItemKind.CONTACT, ItemKind.EVENT, ItemKind.TASK)


def _title(cand: Candidate) -> str:
    if cand.record is not None:
        for name in ("Name", "Description"):
            if cand.record.fields.get(name):
                return str(cand.record.fields[name])
    if cand.outlook is not None:
        for name in ("displayName", "subject", "title"):
            if cand.outlook.data.get(name):
                return str(cand.outlook.data[name])
    return cand.nav_key or (cand.outlook.id if cand.outlook else "")


def _rules(entity: BoundEntity) -> Rules:
    return Rules(
        fields=tuple(FieldRule(f.id, f.to_nav) for f in entity.map.fields),
        direction=entity.direction,
        conflict_policy=entity.conflict_policy,
        delete_policy=entity.delete_policy,
    )


class Tally:
    """What the report says: counts of every item's planned operations, and the items themselves up to
    ``limit`` (conflicts always: a run's exit status depends on them). Items are added as they are recorded
    (or, in a dry run, planned), so a run of any size keeps at most ``limit`` of them."""

    def __init__(self, *, limit: int) -> None:
        self.limit = limit
        self.items: list[PlannedItem] = []
        self.omitted = 0
        self.counts: dict[str, int] = {}
        self.done: dict[EntityName, dict[str, int]] = {}

    def add(self, w: WorkItem) -> None:
        plan = w.plan
        for side, sp in (("nav", plan.nav), ("outlook", plan.outlook)):
            if sp.op is not Op.NONE:
                key = f"{side}_{sp.op.value}"
                self.counts[key] = self.counts.get(key, 0) + 1
        if plan.conflicts:
            self.counts["conflicts"] = self.counts.get("conflicts", 0) + 1
        if plan.is_noop:
            return
        done = self.done.setdefault(w.entity.name, {})
        sides = () if w.failed_side == "nav" else ("nav",) if w.failed_side == "outlook" else ("nav", "outlook")
        for side in sides:
            op = plan.nav.op if side == "nav" else plan.outlook.op
            if op is not Op.NONE:
                done[f"{side}_{op.value}"] = done.get(f"{side}_{op.value}", 0) + 1
        if plan.conflicts:
            done["conflicts"] = done.get("conflicts", 0) + 1
        if plan.conflicts or len(self.items) < self.limit:
            self.items.append(PlannedItem(w.entity.name, w.nav_key, w.outlook_id, w.title, plan))
        else:
            self.omitted += 1


class SyncRun:
    """One run over one mailbox. Use `run_sync`; this class holds the run's working state."""

    def __init__(
        self,
        *,
        nav: NavConnector,
        mailbox: OutlookMailbox,
        store: StateStore,
        entities: EntitiesConfig,
        options: SyncOptions,
    ) -> None:
        self._nav = nav
        self._mailbox = mailbox
        self._state = store.mailbox(mailbox.mailbox)
        self._config = entities
        self._options = options
        self._box = mailbox.mailbox
        self._owner = options.salesperson_code.upper()
        self._navside = NavSide(nav, self._owner, window=self._window())
        self._errors: list[ItemError] = []
        self._run_id: int | None = None
        self._open_conflicts: set[str] = set()
        self._deletes: dict[EntityName, int] = {}
        self._rules: dict[EntityName, Rules] = {}
        self._tally = Tally(limit=options.report_limit)

    # ------------------------------------------------------------------ outline

    async def execute(self) -> RunReport:
        opts = self._options
        stopped = False
        bound = self._bind()
        await self._mailbox.provision()
        if not opts.dry_run:
            self._run_id = self._state.runs.begin(dry_run=False)
        with Spool(buffer=opts.spool_buffer) as spool:
            try:
                if not opts.dry_run:
                    recovery = JournalRecovery(
                        nav=self._nav,
                        mailbox=self._mailbox,
                        state=self._state,
                        navside=self._navside,
                        entities={e.name: e for e in bound},
                        owner=self._owner,
                    )
                    await recovery.recover()
                groups: list[KindWork] = []
                for kind in KIND_ORDER:
                    if self._options.stop_requested():
                        stopped = True
                        break
                    group = await self._read_and_plan(kind, bound, spool)
                    if group is not None:
                        groups.append(group)
                self._guard()
                if opts.dry_run:
                    for group in groups:
                        for w in group.work:
                            self._tally.add(w)
                else:
                    applier = Applier(
                        nav=self._nav,
                        mailbox=self._mailbox,
                        state=self._state,
                        navside=self._navside,
                        options=opts,
                        owner=self._owner,
                        open_conflicts=self._open_conflicts,
                        today=self._today,
                        progress=self._progress,
                        error=self._error,
                    )
                    for group in groups:
                        try:
                            if stopped or self._options.stop_requested():
                                # Stopped before this kind's writes: none of it is done, nothing of it recorded.
                                stopped = True
                            else:
                                stopped = await applier.apply(group, self._tally.add)
                        finally:
                            group.work.release()  # also when a kind fails: its NAV read is closed at once
            except GraphsyncError:
                if self._run_id is not None:
                    self._finish("failed")
                raise
        report = RunReport(
            mailbox=self._box,
            dry_run=opts.dry_run,
            run_id=self._run_id,
            items=tuple(self._tally.items),
            errors=tuple(self._errors),
            counts=self._counts(),
            stopped=stopped,
            omitted=self._tally.omitted,
            done=self._tally.done,
        )
        if self._run_id is not None:
            self._finish("stopped" if stopped else "ok" if report.ok else "attention")
        return report

    def _bind(self) -> list[BoundEntity]:
        chosen = self._options.entities
        bound = []
        for spec in self._config:
            if not spec.enabled or (chosen is not None and spec.name not in chosen):
                continue
            bound.append(bind_entity(spec, self._nav.table_def(spec.table), time_zone=self._options.time_zone))
        return bound

    def _window(self) -> tuple[dt.date | None, dt.date | None]:
        today = self._today()
        past, future = self._options.window_past_days, self._options.window_future_days
        return (
            today - dt.timedelta(days=past) if past is not None else None,
            today + dt.timedelta(days=future) if future is not None else None,
        )

    def _today(self) -> dt.date:
        return dt.datetime.now(ZoneInfo(self._options.time_zone)).date()

    def _progress(self, phase: str, kind: ItemKind, done: int, total: int | None = None) -> None:
        if self._options.progress is not None:
            self._options.progress(ProgressEvent(phase, kind.value, done, total))

    def _counts(self) -> dict[str, int]:
        return {**self._tally.counts, "errors": len(self._errors)}

    def _finish(self, status: str) -> None:
        assert self._run_id is not None
        errors = [
            ItemErrorRecord(self._run_id, err.entity.value, err.nav_key, err.outlook_id, err.error, err.message)
            for err in self._errors
        ]
        self._state.runs.finish(self._run_id, status=status, counts=self._counts(), errors=errors)

    def _error(self, w: WorkItem, exc: GraphsyncError) -> None:
        w.failed = True
        w.failed_side = "nav" if isinstance(exc, NavError) else "outlook"
        message = getattr(exc, "message", None) or str(exc)
        self._errors.append(ItemError(w.entity.name, w.nav_key, w.outlook_id, type(exc).__name__, str(message)))

    # ------------------------------------------------------------------ reading and planning

    async def _read_and_plan(self, kind: ItemKind, bound: Sequence[BoundEntity], spool: Spool) -> KindWork | None:
        entities = [e for e in bound if e.kind is kind]
        if not entities:
            return None
        enabled = {s.name for s in self._config if s.enabled and s.kind is kind}
        # The window is part of a meeting map's fingerprint: widening it must bring in what it skipped.
        window = f"|{self._options.window_past_days}|{self._options.window_future_days}"
        fingerprints: dict[CursorName, str] = {
            map_cursor(e.name): e.fingerprint + (window if e.name is EntityName.MEETING else "") for e in entities
        }
        map_changed = any(self._state.cursors.get(k) != v for k, v in fingerprints.items())
        reader = GroupReader(
            nav=self._nav,
            mailbox=self._mailbox,
            state=self._state,
            navside=self._navside,
            category=self._options.category,
            spool=spool,
        )
        resolutions = {c.nav_key: Side(c.resolution) for c in self._state.conflicts.all() if c.resolution is not None}
        self._open_conflicts = {c.nav_key for c in self._state.conflicts.all()}
        work = WorkQueue(spool, {e.name: e for e in entities})

        def planned(cand: Candidate) -> WorkItem | None:
            """The item's plan, None when there is nothing to write or record (`settled`)."""
            w = self._plan(cand, resolutions)
            if w.plan.deletes and cand.link is not None:
                self._deletes[w.entity.name] = self._deletes.get(w.entity.name, 0) + 1
            return None if settled(w, self._open_conflicts) else w

        def plan(cand: Candidate) -> None:
            # Planned as soon as read: the item goes to the spool as a plan, never as a candidate too.
            w = planned(cand)
            if w is not None:
                work.add(w)
            self._progress(Phase.PLAN, kind, len(work))

        def stream(unread: Iterator[Candidate]) -> Generator[WorkItem, None, None]:
            count = 0
            for cand in unread:
                w = planned(cand)
                count += w is not None
                self._progress(Phase.PLAN, kind, count)
                if w is not None:
                    yield w

        self._progress(Phase.READ, kind, 0)
        read = await reader.read(
            kind,
            entities,
            full=self._options.full or map_changed,
            only_pending=self._options.only_pending,
            sink=plan,
        )
        complete = {e.name for e in entities} == enabled
        if read.unread is not None:
            return KindWork(read, StreamedWork(stream(read.unread)), complete=complete, fingerprints=fingerprints)
        return KindWork(read, work, complete=complete, fingerprints=fingerprints)

    def _plan(self, cand: Candidate, resolutions: Mapping[str, Side]) -> WorkItem:
        entity = cand.entity
        link = cand.link
        w = WorkItem(
            cand=cand,
            plan=ItemPlan(),
            nav_norm=None,
            nav_key=cand.nav_key,
            nav_etag=cand.record.etag if cand.record else (link.nav_etag if link else None),
            outlook_id=cand.outlook.id if cand.outlook else (link.outlook_id if link else None),
            outlook_version=cand.outlook.version if cand.outlook else None,
            stamped=link.stamped if link else True,
            title=_title(cand),
        )
        if cand.outlook is not None and cand.outlook.partial:
            # Read as they are, the properties left out would count as cleared in Outlook and clear NAV's
            # fields; the item waits (its link stays, to be read again next run) instead.
            missing = ", ".join(cand.outlook.missing)
            self._error(
                w,
                GraphError(
                    f"Graph answered this {cand.outlook.kind.value} without {missing}, which it sends with every "
                    "whole item; nothing was written for it, and it is read again next run",
                    code="malformedItem",
                ),
            )
            return w
        try:
            nav_norm = entity.map.nav_norm(self._navside.values(entity, cand.record)) if cand.record else None
            outlook_norm = (
                entity.map.outlook_norm(cand.outlook.data, cand.outlook.user_fields) if cand.outlook else None
            )
        except NavError as exc:  # a value that cannot be normalised (ConversionError)
            self._error(w, exc)
            return w
        w.nav_norm = nav_norm
        state = ItemState(
            linked=link is not None,
            base=link.base if link else None,
            nav=nav_norm,
            outlook=outlook_norm,
            nav_in_scope=cand.in_scope,
            resolution=resolutions.get(cand.nav_key or ""),
        )
        rules = self._rules.get(entity.name)
        if rules is None:
            rules = self._rules[entity.name] = _rules(entity)
        w.plan = plan_item(rules, state)
        return w

    def _guard(self) -> None:
        """The mass-delete guard, on the deletes of linked items counted while planning (before any write)."""
        if self._options.allow_mass_delete or not self._deletes:
            return
        linked = {EntityName(k): v for k, v in self._state.links.count().items()}
        check_mass_delete(
            self._deletes, linked, share=self._options.mass_delete_share, minimum=self._options.mass_delete_min
        )

    # ------------------------------------------------------------------ applying


async def run_sync(
    *,
    nav: NavConnector,
    mailbox: OutlookMailbox,
    store: StateStore,
    entities: EntitiesConfig,
    options: SyncOptions,
    category: str | None = None,
) -> RunReport:
    """One sync run of one mailbox (see the module docstring). Raises LockHeldError when another run holds
    the mailbox, MassDeleteError when the guard refuses, ConfigError when the entity config does not fit
    NAV; item-level failures are in the report, not raised. ``category``, when given, overrides
    ``options.category`` (kept for callers written before the option existed)."""
    if category is not None:
        options = replace(options, category=category)
    with store.mailbox(mailbox.mailbox).lock.held(), relaxed_collector():
        run = SyncRun(nav=nav, mailbox=mailbox, store=store, entities=entities, options=options)
        return await run.execute()
