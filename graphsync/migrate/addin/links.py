"""The add-in's links (table 5302) as graphsync links, for one mailbox.

For each link of the mailbox's NAV users: the record it names (``Format(RecordId)``: ``Contact: CT100006``) is
read from NAV and routed to the mailbox's entities; its Outlook item is found; then it is linked as
`graphsync.migrate.linking` describes. Reported instead of linked: a record that no longer exists or that no
enabled entity of this mailbox selects, an entry id that is not one or does not translate, an item that no
longer exists.

Finding the item: contacts and events by their entry id, translated with ``translateExchangeIds`` (``entryId``
to ``restImmutableEntryId``, in requests of up to 1000 ids). To Do tasks are not found that way: the add-in
synchronized Outlook tasks (TaskItem) of the mailbox's Tasks folder, which To Do shows as its built-in "Tasks"
list (resources/todotasklist.md: wellknownListName ``defaultList``, "The built-in Tasks list"); the API those
items' REST ids belonged to, Outlook tasks, is deprecated and has stopped returning data
(resources/outlooktaskfolder.md), and Graph documents no relation between an Outlook item id and a todoTask id.
So a task is matched by content, as the add-in's TASK map wrote it: the task whose title is the to-do's
Description and whose due date is its Ending Date (compared as graphsync reads them, in the mailbox's time zone),
looked for in the built-in Tasks list first and then in the other lists; none, or several, is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from graphsync import mapi
from graphsync.connectors.migration import Folder, FoundItem, MigrationMailbox
from graphsync.connectors.nav import NavRecord, NavTable
from graphsync.connectors.outlook import ItemKind, OutlookItem
from graphsync.engine.binding import BoundEntity
from graphsync.engine.state import Link, StateStore
from graphsync.migrate import state
from graphsync.migrate.addin.tables import AddinLink, AddinSetup
from graphsync.migrate.context import MailboxContext
from graphsync.migrate.linking import Adoption, Progress, Refusal, apply_adoptions, decide, planned_rows
from graphsync.migrate.outcome import MigrationReport, Result, Row

CAPTIONS = {
    "contact": NavTable.CONTACT,
    "to-do": NavTable.TODO,
    "task": NavTable.TODO,
    "salesperson/purchaser": NavTable.SALESPERSON,
}
"""Table captions (and BC's To-do caption, Task) a Record ID is formatted with, in English."""


@dataclass(frozen=True)
class LinkPlan:
    adoptions: tuple[Adoption, ...]
    rows: tuple[Row, ...]
    """Links already done and links that cannot be done, with the reason."""


def parse_record_id(text: str) -> tuple[NavTable, tuple[str, ...]] | None:
    caption, sep, key = text.partition(":")
    table = CAPTIONS.get(caption.strip().lower())
    if not sep or table is None or not key.strip():
        return None
    return table, tuple(part.strip() for part in key.split(","))


def _title(record: NavRecord | None, fallback: str) -> str:
    if record is not None:
        for name in ("Name", "Description"):
            value = record.fields.get(name)
            if value:
                return str(value)
    return fallback


class _Planner:
    def __init__(self, ctx: MailboxContext, outlook: MigrationMailbox, store: StateStore) -> None:
        self.ctx = ctx
        self.outlook = outlook
        self.linked: dict[str, Link] = state.linked(store, ctx.mailbox)
        self.rows: list[Row] = []
        self.adoptions: list[Adoption] = []

    def problem(self, entity: str, nav_key: str, title: str, action: str, detail: str, outlook_id: str = "") -> None:
        self.rows.append(Row(self.ctx.mailbox, entity, nav_key, title, outlook_id, action, Result.PROBLEM, detail))

    async def plan(self, links: Sequence[AddinLink]) -> LinkPlan:
        ctx = self.ctx
        wanted: dict[ItemKind, list[tuple[AddinLink, BoundEntity, NavRecord, str]]] = {k: [] for k in ItemKind}
        for link in links:
            parsed = parse_record_id(link.record_id)
            if parsed is None:
                self.problem(
                    "", "", link.record_id, "find the record", "a Record ID of a table graphsync does not sync"
                )
                continue
            table, key = parsed
            record = ctx.nav.get(table, key)
            nav_key = f"{int(table)}:{','.join(key)}"
            if record is None:
                self.problem("", nav_key, link.record_id, "find the record", "the NAV record no longer exists")
                continue
            entity = ctx.route(record)
            title = _title(record, link.record_id)
            if entity is None:
                self.problem(
                    "", nav_key, title, "find the record", "no enabled entity of this mailbox selects the record"
                )
                continue
            if nav_key in self.linked:
                link_now = self.linked[nav_key]
                self.rows.append(
                    Row(ctx.mailbox, entity.name.value, nav_key, title, link_now.outlook_id, "link", Result.ALREADY)
                )
                continue
            wanted[entity.kind].append((link, entity, record, nav_key))
        for kind in (ItemKind.CONTACT, ItemKind.EVENT):
            if wanted[kind]:
                await self._by_entry_id(kind, wanted[kind])
        if wanted[ItemKind.TASK]:
            await self._tasks(wanted[ItemKind.TASK])
        return LinkPlan(tuple(self.adoptions), tuple(self.rows))

    async def _copies(self, kind: ItemKind, keys: Sequence[str]) -> dict[str, OutlookItem]:
        if kind is ItemKind.EVENT or not keys:
            return {}  # an event is stamped in place: its own stamp says how far it got
        if not any(f.graphsync for f in await self.outlook.folders(kind)):
            return {}  # graphsync's folder is not made yet: no earlier run copied anything into it
        return await self.outlook.find_stamped(kind, keys, user_fields=self.ctx.user_fields(kind))

    def _add(
        self,
        entity: BoundEntity,
        record: NavRecord,
        nav_key: str,
        found: FoundItem | None,
        copy: OutlookItem | None,
        how: str,
    ) -> None:
        if copy is not None and found is not None and copy.id == found.item.id:
            copy = None  # the item itself is in graphsync's folder, stamped: nothing was copied
        title = _title(record, nav_key)
        step = decide(entity, nav_key, found, copy)
        if isinstance(step, Refusal):
            outlook_id = found.item.id if found is not None else ""
            self.problem(entity.name.value, nav_key, title, "link", step.detail, outlook_id)
            return
        self.adoptions.append(Adoption(entity, record, nav_key, title, step, found, copy, how))

    async def _by_entry_id(
        self, kind: ItemKind, items: Sequence[tuple[AddinLink, BoundEntity, NavRecord, str]]
    ) -> None:
        ctx = self.ctx
        ids: list[str] = []
        valid: list[tuple[AddinLink, BoundEntity, NavRecord, str]] = []
        for link, entity, record, nav_key in items:
            try:
                ids.append(mapi.to_graph(mapi.from_hex(link.entry_id)))
            except mapi.EntryIdError as exc:
                self.problem(
                    entity.name.value,
                    nav_key,
                    _title(record, nav_key),
                    "translate the entry id",
                    f"the link's Outlook Entry ID: {exc}",
                )
                continue
            valid.append((link, entity, record, nav_key))
        translated = await self.outlook.translate_entry_ids(ids)
        targets: list[str] = []
        found_for: list[tuple[BoundEntity, NavRecord, str]] = []
        for (_, entity, record, nav_key), result in zip(valid, translated, strict=True):
            if result.target is None:
                self.problem(
                    entity.name.value,
                    nav_key,
                    _title(record, nav_key),
                    "translate the entry id",
                    f"translateExchangeIds could not translate it ({result.error})",
                )
                continue
            targets.append(result.target)
            found_for.append((entity, record, nav_key))
        legacy = ctx.user_fields(kind)
        items_found = await self.outlook.get(kind, targets, user_fields=ctx.user_fields(kind), legacy_fields=legacy)
        copies = await self._copies(kind, [nav_key for _, _, nav_key in found_for])
        for (entity, record, nav_key), found in zip(found_for, items_found, strict=True):
            self._add(entity, record, nav_key, found, copies.get(nav_key), "add-in link (entry id)")

    async def _tasks(self, items: Sequence[tuple[AddinLink, BoundEntity, NavRecord, str]]) -> None:
        ctx = self.ctx
        folders: list[Folder] = sorted(
            await self.outlook.folders(ItemKind.TASK), key=lambda f: (not f.default, f.graphsync)
        )
        listed: list[FoundItem] = []
        for folder in folders:
            listed.extend(await self.outlook.items(folder, user_fields=ctx.user_fields(ItemKind.TASK)))
        copies = await self._copies(ItemKind.TASK, [nav_key for _, _, _, nav_key in items])
        for _, entity, record, nav_key in items:
            copy = copies.get(nav_key)
            nav = entity.map.nav_norm(ctx.nav_values(entity, record))
            matches = [
                f
                for f in listed
                if (f.item.nav_key in (None, nav_key))
                and _same(entity, nav, f.item, ("title", "dueDateTime"))
                and (copy is None or f.item.id != copy.id)
            ]
            default = [f for f in matches if f.folder.default]
            chosen = default if default else matches
            if copy is None and len(chosen) > 1:
                self.problem(
                    entity.name.value,
                    nav_key,
                    _title(record, nav_key),
                    "find the task",
                    f"{len(chosen)} To Do tasks have this title and due date; adopt the right one with "
                    "scripts/adopt_existing.py",
                )
                continue
            if copy is None and not chosen:
                self.problem(
                    entity.name.value,
                    nav_key,
                    _title(record, nav_key),
                    "find the task",
                    "the Outlook item no longer exists (no To Do task has this title and due date)",
                )
                continue
            self._add(entity, record, nav_key, chosen[0] if chosen else None, copy, "add-in link (title and due date)")


def _same(entity: BoundEntity, nav: dict[str, str], item: OutlookItem, targets: Sequence[str]) -> bool:
    """Whether the item holds the record's values in these fields, as graphsync reads both (the first of them,
    the title, must not be blank)."""
    outlook = entity.map.outlook_norm(item.data, item.user_fields)
    present = [t for t in targets if t in nav]
    return bool(present) and bool(nav[present[0]]) and all(nav[t] == outlook.get(t) for t in present)


def links_of(setup: AddinSetup, nav_users: Sequence[str]) -> list[AddinLink]:
    users = {u.upper() for u in nav_users}
    return [link for link in setup.links if link.user_id.upper() in users]


async def plan_links(
    ctx: MailboxContext, setup: AddinSetup, nav_users: Sequence[str], outlook: MigrationMailbox, store: StateStore
) -> LinkPlan:
    """What migrating the links of ``nav_users`` into ``ctx``'s mailbox takes (reads only)."""
    return await _Planner(ctx, outlook, store).plan(links_of(setup, nav_users))


async def migrate_links(
    ctx: MailboxContext,
    setup: AddinSetup,
    nav_users: Sequence[str],
    outlook: MigrationMailbox,
    store: StateStore,
    *,
    apply: bool,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> MigrationReport:
    """Plan (and with ``apply`` do) the mailbox's link migration; a dry run writes nothing."""
    if not apply:
        plan = await plan_links(ctx, setup, nav_users, outlook, store)
        rows = [*plan.rows, *planned_rows(ctx, plan.adoptions)]
        return MigrationReport("addin-links", True, (ctx.mailbox,), tuple(rows))
    with state.locked(store, ctx.mailbox):
        await outlook.containers()  # graphsync's folder and list, made as a sync makes them
        plan = await plan_links(ctx, setup, nav_users, outlook, store)
        done, stopped = await apply_adoptions(
            ctx, outlook, store, plan.adoptions, progress=progress, should_stop=should_stop
        )
    return MigrationReport("addin-links", False, (ctx.mailbox,), (*plan.rows, *done), stopped=stopped)
