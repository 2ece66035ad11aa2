"""Running a sync: read both sides, plan every touched item, check the guard, apply, remember.

    report = await run_sync(nav=nav, mailbox=mailbox, store=store, entities=config.entities,
                            options=SyncOptions(salesperson_code="EH", time_zone="Europe/London"))

Order of work per run: take the mailbox lock; bind the entity config to NAV's table definitions; settle
the write journal left by an interrupted run; then, per Outlook item kind (contacts, events, tasks), read
the NAV change sets and the delta round and plan every item touched. Only when every kind is planned is
the mass-delete guard checked and anything written, so a refused run writes nothing. Per kind, NAV writes
go first, then Outlook writes in batches; links, conflicts and errors are recorded; and only then are the
delta link and NAV watermarks of that kind advanced. A crash anywhere means the next run reads the same
changes again, and the three-way compare turns what was already done into nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from graphsync.config.entities import EntitiesConfig, EntityName
from graphsync.connectors.nav import NavConnector
from graphsync.connectors.outlook import ItemKind, OutlookMailbox, WriteAction, WriteOp, WriteResult
from graphsync.engine.binding import BoundEntity, bind_entity
from graphsync.engine.collect import Candidate, GroupRead, GroupReader, map_cursor
from graphsync.engine.guard import check_mass_delete
from graphsync.engine.journal import TARGET_NAV, TARGET_OUTLOOK, JournalRecovery, base_after_nav_insert, insert_values
from graphsync.engine.keys import key_text, parse_key
from graphsync.engine.navside import NavSide
from graphsync.engine.plan import FieldRule, ItemPlan, ItemState, Op, Rules, Side, plan_item
from graphsync.engine.report import ItemError, Phase, PlannedItem, ProgressEvent, RunReport, SyncOptions
from graphsync.engine.state import Link, StateStore
from graphsync.errors import GraphsyncError, NavError, NavNotFoundError, NotFoundError

KIND_ORDER = (ItemKind.CONTACT, ItemKind.EVENT, ItemKind.TASK)
DEFAULT_CATEGORY = "Dynamics NAV"


@dataclass
class _Work:
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
    journal_id: int | None = None

    @property
    def entity(self) -> BoundEntity:
        return self.cand.entity


@dataclass
class _Group:
    read: GroupRead
    work: list[_Work] = field(default_factory=list)
    complete: bool = True
    """Whether every enabled entity of the kind is in this run (only then may shared cursors advance)."""
    fingerprints: dict[str, str] = field(default_factory=dict)


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
        category: str = DEFAULT_CATEGORY,
    ) -> None:
        self._nav = nav
        self._mailbox = mailbox
        self._store = store
        self._config = entities
        self._options = options
        self._category = category
        self._box = mailbox.mailbox
        self._owner = options.salesperson_code.upper()
        self._navside = NavSide(nav, self._owner)
        self._errors: list[ItemError] = []
        self._run_id: int | None = None
        self._open_conflicts: set[str] = set()

    # ------------------------------------------------------------------ outline

    async def execute(self) -> RunReport:
        opts = self._options
        bound = self._bind()
        await self._mailbox.provision()
        if not opts.dry_run:
            self._run_id = self._store.begin_run(self._box, dry_run=False)
        try:
            if not opts.dry_run:
                recovery = JournalRecovery(
                    nav=self._nav,
                    mailbox=self._mailbox,
                    store=self._store,
                    navside=self._navside,
                    entities={e.name: e for e in bound},
                    owner=self._owner,
                )
                await recovery.recover()
            groups: list[_Group] = []
            for kind in KIND_ORDER:
                group = await self._read_and_plan(kind, bound)
                if group is not None:
                    groups.append(group)
            self._guard(groups)
            if not opts.dry_run:
                for group in groups:
                    await self._apply(group)
        except GraphsyncError:
            if self._run_id is not None:
                self._finish("failed", [])
            raise
        work = [w for g in groups for w in g.work]
        report = RunReport(
            mailbox=self._box,
            dry_run=opts.dry_run,
            run_id=self._run_id,
            items=tuple(
                PlannedItem(w.entity.name, w.nav_key, w.outlook_id, _title(w.cand), w.plan)
                for w in work
                if not w.plan.is_noop
            ),
            errors=tuple(self._errors),
            counts=self._counts(work),
        )
        if self._run_id is not None:
            self._finish("ok" if report.ok else "attention", work)
        return report

    def _bind(self) -> list[BoundEntity]:
        chosen = self._options.entities
        bound = []
        for spec in self._config:
            if not spec.enabled or (chosen is not None and spec.name not in chosen):
                continue
            bound.append(bind_entity(spec, self._nav.table_def(spec.table), time_zone=self._options.time_zone))
        return bound

    def _today(self) -> dt.date:
        return dt.datetime.now(ZoneInfo(self._options.time_zone)).date()

    def _progress(self, phase: str, kind: ItemKind, done: int, total: int | None = None) -> None:
        if self._options.progress is not None:
            self._options.progress(ProgressEvent(phase, kind.value, done, total))

    def _counts(self, work: Sequence[_Work]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for w in work:
            for side, sp in (("nav", w.plan.nav), ("outlook", w.plan.outlook)):
                if sp.op is not Op.NONE:
                    key = f"{side}_{sp.op.value}"
                    counts[key] = counts.get(key, 0) + 1
            if w.plan.conflicts:
                counts["conflicts"] = counts.get("conflicts", 0) + 1
        counts["errors"] = len(self._errors)
        return counts

    def _finish(self, status: str, work: Sequence[_Work]) -> None:
        assert self._run_id is not None
        with self._store.transaction():
            for err in self._errors:
                self._store.add_item_error(
                    self._run_id,
                    entity=err.entity.value,
                    nav_key=err.nav_key,
                    outlook_id=err.outlook_id,
                    error=err.error,
                    message=err.message,
                )
            self._store.finish_run(self._run_id, status=status, counts=self._counts(work))

    def _error(self, w: _Work, exc: GraphsyncError) -> None:
        w.failed = True
        message = getattr(exc, "message", None) or str(exc)
        self._errors.append(ItemError(w.entity.name, w.nav_key, w.outlook_id, type(exc).__name__, str(message)))

    # ------------------------------------------------------------------ reading and planning

    async def _read_and_plan(self, kind: ItemKind, bound: Sequence[BoundEntity]) -> _Group | None:
        entities = [e for e in bound if e.kind is kind]
        if not entities:
            return None
        enabled = {s.name for s in self._config if s.enabled and s.kind is kind}
        fingerprints = {map_cursor(e.name): e.fingerprint for e in entities}
        map_changed = any(self._store.cursor(self._box, k) != v for k, v in fingerprints.items())
        reader = GroupReader(
            nav=self._nav, mailbox=self._mailbox, store=self._store, navside=self._navside, category=self._category
        )
        self._progress(Phase.READ, kind, 0)
        read = await reader.read(
            kind, entities, full=self._options.full or map_changed, only_pending=self._options.only_pending
        )
        group = _Group(read, complete={e.name for e in entities} == enabled, fingerprints=fingerprints)
        resolutions = {
            c.nav_key: Side(c.resolution) for c in self._store.conflicts(self._box) if c.resolution is not None
        }
        self._open_conflicts = {c.nav_key for c in self._store.conflicts(self._box)}
        for n, cand in enumerate(read.candidates):
            work = self._plan(cand, resolutions)
            if work is not None:
                group.work.append(work)
            self._progress(Phase.PLAN, kind, n + 1, len(read.candidates))
        return group

    def _plan(self, cand: Candidate, resolutions: Mapping[str, Side]) -> _Work | None:
        entity = cand.entity
        link = cand.link
        w = _Work(
            cand=cand,
            plan=ItemPlan(),
            nav_norm=None,
            nav_key=cand.nav_key,
            nav_etag=cand.record.etag if cand.record else (link.nav_etag if link else None),
            outlook_id=cand.outlook.id if cand.outlook else (link.outlook_id if link else None),
            outlook_version=cand.outlook.version if cand.outlook else None,
            stamped=link.stamped if link else True,
        )
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
        w.plan = plan_item(_rules(entity), state)
        return w

    def _guard(self, groups: Sequence[_Group]) -> None:
        if self._options.allow_mass_delete:
            return
        deletes: dict[EntityName, int] = {}
        for group in groups:
            for w in group.work:
                if w.plan.deletes and w.cand.link is not None:
                    deletes[w.entity.name] = deletes.get(w.entity.name, 0) + 1
        if not deletes:
            return
        linked = {EntityName(k): v for k, v in self._store.count_links(self._box).items()}
        check_mass_delete(deletes, linked, share=self._options.mass_delete_share, minimum=self._options.mass_delete_min)

    # ------------------------------------------------------------------ applying

    async def _apply(self, group: _Group) -> None:
        kind = group.read.kind
        order = {name: n for n, name in enumerate(EntityName)}
        work = sorted(group.work, key=lambda w: order[w.entity.name])
        for n, w in enumerate(work):
            if not w.failed and w.plan.nav.op is not Op.NONE:
                self._apply_nav(w)
            self._progress(Phase.APPLY, kind, n + 1, len(work))
        await self._apply_outlook(kind, [w for w in work if not w.failed])
        self._record(group)

    def _apply_nav(self, w: _Work) -> None:
        entity = w.entity
        op = w.plan.nav.op
        try:
            if op is Op.CREATE:
                values = insert_values(entity, w.plan.nav.values, self._owner, today=self._today())
                w.journal_id = self._store.journal_add(
                    self._box,
                    entity=entity.name.value,
                    target=TARGET_NAV,
                    nav_key=None,
                    outlook_id=w.outlook_id,
                    payload={"changes": w.plan.nav.values, "base": dict(w.plan.base or {})},
                )
                record = self._nav.insert(entity.table, values)
                w.nav_key = key_text(entity.table, record.key)
                w.nav_etag = record.etag
                w.stamped = False
                base = base_after_nav_insert(entity, w.plan.base or {}, record, self._navside)
                w.plan = ItemPlan(w.plan.nav, w.plan.outlook, w.plan.conflicts, base, w.plan.link)
                with self._store.transaction():
                    assert w.outlook_id is not None
                    if w.cand.link is not None and w.cand.link.nav_key != w.nav_key:
                        # Re-created under a new number (delete policy "never"): the old key's link goes.
                        self._store.drop_link(self._box, w.cand.link.nav_key)
                    self._store.save_link(
                        Link(
                            self._box,
                            entity.name.value,
                            w.nav_key,
                            w.outlook_id,
                            base,
                            w.outlook_version,
                            w.nav_etag,
                            dirty=False,
                            stamped=False,
                        )
                    )
                    self._store.journal_done(w.journal_id)
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

    def _outlook_op(self, n: int, w: _Work) -> WriteOp | None:
        entity = w.entity
        sp = w.plan.outlook
        current = w.cand.outlook.data if w.cand.outlook else None
        if sp.op is Op.CREATE:
            assert w.nav_key is not None
            body, user = entity.map.outlook_body(sp.values, None)
            # A fresh transactionId per create (kept in the journal): Graph drops a repeated create of the same
            # event, while an event deleted on purpose can still be created again later under a new one.
            transaction = str(uuid.uuid4()) if entity.kind is ItemKind.EVENT else None
            w.journal_id = self._store.journal_add(
                self._box,
                entity=entity.name.value,
                target=TARGET_OUTLOOK,
                nav_key=w.nav_key,
                outlook_id=None,
                payload={"base": dict(w.plan.base or {}), "transaction_id": transaction},
            )
            return WriteOp(
                str(n), WriteAction.CREATE, entity.kind, w.nav_key, body, user_fields=user, transaction_id=transaction
            )
        if sp.op is Op.UPDATE:
            body, user = entity.map.outlook_body(sp.values, current)
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

    async def _apply_outlook(self, kind: ItemKind, work: Sequence[_Work]) -> None:
        pending: list[tuple[WriteOp, _Work]] = []
        with self._store.transaction():  # journal entries of a batch: one flush, all before the writes
            for n, w in enumerate(work):
                op = self._outlook_op(n, w)
                if op is not None:
                    pending.append((op, w))
        size = max(1, self._options.batch_size)
        for start in range(0, len(pending), size):
            chunk = pending[start : start + size]
            results = await self._mailbox.write([op for op, _ in chunk])
            for (op, w), result in zip(chunk, results, strict=True):
                self._outlook_result(op, w, result)

    def _outlook_result(self, op: WriteOp, w: _Work, result: WriteResult) -> None:
        if result.error is not None:
            if op.action is WriteAction.DELETE and isinstance(result.error, NotFoundError):
                return  # already gone
            if op.action is WriteAction.CREATE and w.journal_id is not None:
                self._store.journal_done(w.journal_id)
                w.journal_id = None
            self._error(w, result.error)
            return
        if result.item is not None:
            w.outlook_id = result.item.id
            w.outlook_version = result.item.version
        if op.action in (WriteAction.CREATE, WriteAction.UPDATE):
            w.stamped = True

    def _record(self, group: _Group) -> None:
        kind = group.read.kind
        box = self._box
        with self._store.transaction():
            self._store.clear_retries(box, kind.value, group.read.retries)
            for w in group.work:
                self._record_one(kind, w)
            if group.complete and not self._options.only_pending:
                for name, value in {**group.read.cursors, **group.fingerprints}.items():
                    self._store.set_cursor(box, name, value)

    def _record_one(self, kind: ItemKind, w: _Work) -> None:
        box = self._box
        link = w.cand.link
        if w.journal_id is not None:
            self._store.journal_done(w.journal_id)
        if w.failed:
            if link is not None:
                self._store.mark_dirty(box, link.nav_key)
            elif w.nav_key and w.plan.nav.op is not Op.CREATE:
                self._store.add_retry(box, kind.value, f"nav:{w.nav_key}")
            elif w.outlook_id:
                self._store.add_retry(box, kind.value, f"outlook:{w.outlook_id}")
            return
        if w.plan.base is None:
            if link is not None:
                self._store.drop_link(box, link.nav_key)
            return
        assert w.nav_key is not None and w.outlook_id is not None
        new = Link(
            box,
            w.entity.name.value,
            w.nav_key,
            w.outlook_id,
            dict(w.plan.base),
            w.outlook_version or (link.outlook_version if link else None),
            w.nav_etag,
            dirty=bool(w.plan.conflicts),
            stamped=w.stamped,
        )
        if new != link:
            self._store.save_link(new)
        if w.plan.conflicts:
            self._store.save_conflict(
                box,
                entity=w.entity.name.value,
                nav_key=w.nav_key,
                outlook_id=w.outlook_id,
                fields=[
                    {"field": c.field, "base": c.base, "nav": c.nav, "outlook": c.outlook} for c in w.plan.conflicts
                ],
            )
        elif w.nav_key in self._open_conflicts:
            self._store.clear_conflict(box, w.nav_key)


async def run_sync(
    *,
    nav: NavConnector,
    mailbox: OutlookMailbox,
    store: StateStore,
    entities: EntitiesConfig,
    options: SyncOptions,
    category: str = DEFAULT_CATEGORY,
) -> RunReport:
    """One sync run of one mailbox (see the module docstring). Raises LockHeldError when another run holds
    the mailbox, MassDeleteError when the guard refuses, ConfigError when the entity config does not fit
    NAV; item-level failures are in the report, not raised."""
    with store.lock(mailbox.mailbox):
        run = SyncRun(nav=nav, mailbox=mailbox, store=store, entities=entities, options=options, category=category)
        return await run.execute()
