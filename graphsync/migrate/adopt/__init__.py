"""Adopting what a mailbox already holds: propose matches (`propose_adoptions`, written for review by
`graphsync.migrate.adopt.review`), then link the reviewed ones (`adopt_reviewed`) as the add-in's links are
linked (`graphsync.migrate.linking`).

Only items graphsync has not stamped and records it has not linked are proposed: a stamped item is graphsync's
own, and a full sync pairs it with its record by the stamp.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from graphsync.connectors.migration import FoundItem, MigrationMailbox
from graphsync.connectors.nav import NavRecord
from graphsync.connectors.outlook import ItemKind, OutlookItem
from graphsync.engine.binding import BoundEntity
from graphsync.engine.keys import parse_key
from graphsync.engine.state import StateStore
from graphsync.migrate import state
from graphsync.migrate.adopt.match import NavSideItem, OutlookSideItem, Status, match
from graphsync.migrate.adopt.review import ReviewRow
from graphsync.migrate.context import MailboxContext
from graphsync.migrate.linking import Adoption, Progress, Refusal, apply_adoptions, decide, planned_rows
from graphsync.migrate.outcome import MigrationReport, Result, Row

KINDS = (ItemKind.CONTACT, ItemKind.EVENT, ItemKind.TASK)


def _name(fields: object) -> str:
    if isinstance(fields, dict):
        for key in ("Name", "Description"):
            if fields.get(key):
                return str(fields[key])
    return ""


def _in_window(ctx: MailboxContext, item: OutlookItem) -> bool:
    start = item.data.get("start")
    text = start.get("dateTime") if isinstance(start, dict) else None
    if not isinstance(text, str):
        return False
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        return False
    today = dt.date.today()
    sync = ctx.config.sync
    return today - dt.timedelta(days=sync.window_past_days) <= day <= today + dt.timedelta(days=sync.window_future_days)


async def _outlook_items(ctx: MailboxContext, outlook: MigrationMailbox, kind: ItemKind) -> list[FoundItem]:
    found: list[FoundItem] = []
    fields = ctx.user_fields(kind)
    for folder in await outlook.folders(kind):
        if kind is ItemKind.EVENT and not folder.graphsync:
            continue  # only events of the calendar graphsync syncs can be adopted (Graph cannot move events)
        for f in await outlook.items(folder, user_fields=fields, legacy_fields=fields):
            if f.item.nav_key:
                continue  # graphsync's own
            if kind is ItemKind.EVENT and not _in_window(ctx, f.item):
                continue
            found.append(f)
    return found


async def propose_adoptions(ctx: MailboxContext, outlook: MigrationMailbox, store: StateStore) -> list[ReviewRow]:
    """The review rows for one mailbox (reads only)."""
    linked = state.linked(store, ctx.mailbox)
    linked_ids = {link.outlook_id for link in linked.values()}
    rows: list[ReviewRow] = []
    for kind in KINDS:
        entities = ctx.of_kind(kind)
        if not entities:
            continue
        navs = []
        for entity in entities:
            for record in ctx.records(entity):
                key = ctx.nav_key(entity, record.key)
                if key in linked or not ctx.in_window(entity, record):
                    continue
                norm = entity.map.nav_norm(ctx.nav_values(entity, record))
                navs.append(NavSideItem(entity, record, key, _name(dict(record.fields)), norm))
        items = [
            OutlookSideItem(f, kind, {e.name: e.map.outlook_norm(f.item.data, f.item.user_fields) for e in entities})
            for f in await _outlook_items(ctx, outlook, kind)
            if f.item.id not in linked_ids
        ]
        for pair in match(kind, navs, items):
            n, o = pair.nav, pair.outlook
            rows.append(
                ReviewRow(
                    mailbox=ctx.mailbox,
                    status=pair.status.value,
                    entity=n.entity.name.value if n is not None else "",
                    nav_key=n.nav_key if n is not None else "",
                    nav_name=n.name if n is not None else "",
                    outlook_id=o.id if o is not None else "",
                    outlook_folder=o.found.folder.name if o is not None else "",
                    outlook_name=o.name if o is not None else "",
                    evidence=pair.evidence,
                    adopt=pair.status is Status.MATCHED,
                )
            )
    return rows


async def _find(
    ctx: MailboxContext, outlook: MigrationMailbox, kind: ItemKind, ids: Sequence[str]
) -> dict[str, FoundItem]:
    fields = ctx.user_fields(kind)
    if kind is ItemKind.TASK:
        wanted = set(ids)
        out: dict[str, FoundItem] = {}
        for folder in await outlook.folders(kind):
            for f in await outlook.items(folder, user_fields=fields, legacy_fields=fields):
                if f.item.id in wanted:
                    out[f.item.id] = f
        return out
    got = await outlook.get(kind, ids, user_fields=fields, legacy_fields=fields)
    return {i: f for i, f in zip(ids, got, strict=True) if f is not None}


async def _plan(
    ctx: MailboxContext, outlook: MigrationMailbox, store: StateStore, rows: Sequence[ReviewRow]
) -> tuple[list[Adoption], list[Row]]:
    linked = state.linked(store, ctx.mailbox)
    out_rows: list[Row] = []
    wanted: dict[ItemKind, list[tuple[ReviewRow, NavRecord, BoundEntity]]] = {k: [] for k in KINDS}
    for row in rows:
        parsed = parse_key(row.nav_key)
        assert parsed is not None  # checked when the file was read
        record = ctx.nav.get(*parsed)
        entity = ctx.route(record) if record is not None else None
        if row.nav_key in linked:
            link = linked[row.nav_key]
            out_rows.append(
                Row(ctx.mailbox, link.entity, row.nav_key, row.nav_name, link.outlook_id, "link", Result.ALREADY)
            )
            continue
        if record is None or entity is None:
            detail = "the NAV record no longer exists" if record is None else "no enabled entity selects the record"
            out_rows.append(
                Row(ctx.mailbox, row.entity, row.nav_key, row.nav_name, row.outlook_id, "link", Result.PROBLEM, detail)
            )
            continue
        wanted[entity.kind].append((row, record, entity))
    adoptions: list[Adoption] = []
    for kind, items in wanted.items():
        if not items:
            continue
        found = await _find(ctx, outlook, kind, [row.outlook_id for row, _, _ in items])
        copies: dict[str, OutlookItem] = {}
        if kind is not ItemKind.EVENT and any(f.graphsync for f in await outlook.folders(kind)):
            copies = await outlook.find_stamped(
                kind, [row.nav_key for row, _, _ in items], user_fields=ctx.user_fields(kind)
            )
        for row, record, entity in items:
            original = found.get(row.outlook_id)
            copy = copies.get(row.nav_key)
            if copy is not None and original is not None and copy.id == original.item.id:
                copy = None
            step = decide(entity, row.nav_key, original, copy)
            title = row.nav_name or row.nav_key
            if isinstance(step, Refusal):
                name = entity.name.value
                out_rows.append(
                    Row(ctx.mailbox, name, row.nav_key, title, row.outlook_id, "link", Result.PROBLEM, step.detail)
                )
                continue
            evidence = f"reviewed ({row.status}: {row.evidence})" if row.evidence else "reviewed"
            adoptions.append(Adoption(entity, record, row.nav_key, title, step, original, copy, evidence))
    return adoptions, out_rows


async def adopt_reviewed(
    ctx: MailboxContext,
    outlook: MigrationMailbox,
    store: StateStore,
    rows: Sequence[ReviewRow],
    *,
    apply: bool,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> MigrationReport:
    """Plan (and with ``apply`` do) the adoptions the reviewed rows of this mailbox ask for."""
    mine = [r for r in rows if r.mailbox == ctx.mailbox and r.adopt]
    if not apply:
        adoptions, problems = await _plan(ctx, outlook, store, mine)
        return MigrationReport("adopt", True, (ctx.mailbox,), (*problems, *planned_rows(ctx, adoptions)))
    with state.locked(store, ctx.mailbox):
        await outlook.containers()
        adoptions, problems = await _plan(ctx, outlook, store, mine)
        done, stopped = await apply_adoptions(
            ctx, outlook, store, adoptions, progress=progress, should_stop=should_stop
        )
    return MigrationReport("adopt", False, (ctx.mailbox,), (*problems, *done), stopped=stopped)
