"""Crash recovery: creates that were journaled but whose outcome was never recorded.

Before creating an item, the engine writes a journal entry; after recording the link it deletes it. An
entry still there when a run starts means the process died in between, and the create may or may not
have happened. It is looked for rather than repeated: on the Outlook side by the NAV key stamped on the
item (`OutlookMailbox.find_by_nav_key`), on the NAV side by the values that were inserted. A NAV insert has
an entry of its own; a chunk's Outlook creates share one entry per entity (`graphsync.engine.creates`).
"""

from __future__ import annotations

from collections.abc import Mapping

from graphsync.config.entities import EntityName
from graphsync.connectors.nav import NavRecord
from graphsync.engine.binding import BoundEntity
from graphsync.engine.context import RunContext
from graphsync.engine.creates import CREATES, base_after_nav_insert, insert_values
from graphsync.engine.keys import key_text
from graphsync.engine.origins import Origin
from graphsync.engine.plan import Side
from graphsync.engine.state import JournalEntry, Link


async def recover(ctx: RunContext) -> int:
    """Settle every pending journal entry of the run's entities; returns how many creates were found done
    (and are now linked). An entry of an entity not in this run waits for a run that includes it."""
    entities = {e.name: e for e in ctx.chosen}
    found = 0
    for entry in ctx.state.journal.pending():
        entity = entities.get(EntityName(entry.entity))
        if entity is None:
            continue
        if entry.target == Side.OUTLOOK.value:
            found += await _outlook(ctx, entry, entity)
        else:
            found += _nav(ctx, entry, entity)
    return found


async def _outlook(ctx: RunContext, entry: JournalEntry, entity: BoundEntity) -> int:
    creates = entry.payload.get(CREATES)
    if creates is None:
        creates = [{"nav_key": entry.nav_key, "base": entry.payload.get("base")}]
    made: list[Link] = []
    for create in creates:
        nav_key = create.get("nav_key")
        if not isinstance(nav_key, str) or not nav_key:
            continue  # nothing to look for (an entry written by hand, or damaged)
        item = await ctx.mailbox.find_by_nav_key(entity.kind, nav_key, user_fields=entity.map.user_fields)
        if item is not None:
            made.append(
                Link(
                    entity=entity.name.value,
                    nav_key=nav_key,
                    outlook_id=item.id,
                    base=dict(create.get("base") or {}),
                    outlook_version=item.version,
                    dirty=True,
                )
            )
    state = ctx.state
    with state.transaction():
        linked = state.links.by_nav([link.nav_key for link in made])
        found = [link for link in made if link.nav_key not in linked]
        state.links.save(found)
        state.origins.set({link.nav_key: Origin.CREATED for link in found})
        state.journal.done([entry.id])
    return len(made)


def _nav(ctx: RunContext, entry: JournalEntry, entity: BoundEntity) -> int:
    assert entry.outlook_id is not None
    state = ctx.state
    changes: Mapping[str, str] = dict(entry.payload.get("changes") or {})
    values = insert_values(entity, changes, ctx.owner, today=ctx.today)
    where = {k: v for k, v in values.items() if isinstance(v, str) and v}
    candidates: list[NavRecord] = []
    for record in ctx.nav.find(entity.table, where):
        if state.links.get(key_text(entity.table, record.key)) is None:
            candidates.append(record)
    match = candidates[-1] if candidates else None
    with state.transaction():
        if match is not None and state.links.get_by_outlook(entry.outlook_id) is None:
            base = base_after_nav_insert(entity, dict(entry.payload.get("base") or {}), match, ctx.navside)
            state.links.save(
                [
                    Link(
                        entity=entity.name.value,
                        nav_key=key_text(entity.table, match.key),
                        outlook_id=entry.outlook_id,
                        base=base,
                        nav_etag=match.etag,
                        dirty=True,
                        stamped=False,
                    )
                ]
            )
            state.origins.set({key_text(entity.table, match.key): Origin.OUTLOOK})
        state.journal.done([entry.id])
    return int(match is not None)
