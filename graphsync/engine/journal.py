"""Crash recovery: creates that were journaled but whose outcome was never recorded.

Before creating an item, the engine writes a journal entry; after recording the link it deletes it. An
entry still there when a run starts means the process died in between, and the create may or may not
have happened. It is looked for rather than repeated: on the Outlook side by the NAV key stamped on the
item (`OutlookMailbox.find_by_nav_key`), on the NAV side by the values that were inserted. A NAV insert has
an entry of its own; a chunk's Outlook creates share one entry per entity (`CREATES`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from graphsync.config.entities import EntityName
from graphsync.connectors.nav import NavConnector, NavRecord, NavTable
from graphsync.connectors.outlook import OutlookMailbox
from graphsync.engine.binding import BoundEntity
from graphsync.engine.keys import key_text
from graphsync.engine.navside import NavSide
from graphsync.engine.state import JournalEntry, Link, MailboxState

TARGET_OUTLOOK = "outlook"
TARGET_NAV = "nav"
CREATES = "creates"
"""An Outlook entry's payload key: the creates of one chunk and entity, each ``{"nav_key", "base",
"transaction_id"}``. An entry without it (written before chunks shared one) is one create: its NAV key
in the entry, its base in the payload."""


def insert_values(entity: BoundEntity, changes: Mapping[str, str], owner: str, *, today: dt.date) -> dict[str, object]:
    """The NAV values a create from Outlook inserts: the mapped values, and what makes the record belong
    to its entity (Type, the owner's Salesperson Code) where the mapped values leave it blank."""
    # Blank values are left out so that NAV's own initial values apply (an event without importance
    # becomes a Normal to-do, not an invalid blank option); the echo then brings NAV's value to Outlook.
    values = {k: v for k, v in entity.map.nav_values(changes).items() if v not in (None, "")}
    for name, value in entity.insert_defaults(owner).items():
        if values.get(name) in (None, ""):
            values[name] = value
    if entity.table is NavTable.TODO and values.get("Date") is None:
        # NAV refuses a to-do without a Date; a To Do task usually has none: it starts on its due date, or
        # today. The echo of the insert then brings that date back to Outlook.
        values["Date"] = values.get("Ending Date") or today
    return values


def base_after_nav_insert(
    entity: BoundEntity, base: Mapping[str, str | None], record: NavRecord, navside: NavSide
) -> dict[str, str | None]:
    """The base for a record created from Outlook: what was written, and NAV's own values for the fields
    Outlook does not write (computed, read-only), so those are not mistaken for Outlook edits later."""
    nav_norm = entity.map.nav_norm(navside.values(entity, record))
    result = dict(base)
    for f in entity.map.fields:
        if not f.to_nav:
            result[f.id] = nav_norm[f.id]
    return result


class JournalRecovery:
    def __init__(
        self,
        *,
        nav: NavConnector,
        mailbox: OutlookMailbox,
        state: MailboxState,
        navside: NavSide,
        entities: Mapping[EntityName, BoundEntity],
        owner: str,
    ) -> None:
        self._nav = nav
        self._mailbox = mailbox
        self._state = state
        self._navside = navside
        self._entities = entities
        self._owner = owner

    async def recover(self) -> int:
        """Settle every pending entry; returns how many creates were found done (and are now linked)."""
        found = 0
        for entry in self._state.journal.pending():
            entity = self._entities.get(EntityName(entry.entity))
            if entity is None:
                continue  # an entity not in this run: its entry waits for a run that includes it
            if entry.target == TARGET_OUTLOOK:
                found += await self._outlook(entry, entity)
            else:
                found += self._nav_side(entry, entity)
        return found

    async def _outlook(self, entry: JournalEntry, entity: BoundEntity) -> int:
        creates = entry.payload.get(CREATES)
        if creates is None:
            creates = [{"nav_key": entry.nav_key, "base": entry.payload.get("base")}]
        made: list[Link] = []
        for create in creates:
            nav_key = create.get("nav_key")
            if not isinstance(nav_key, str) or not nav_key:
                continue  # nothing to look for (an entry written by hand, or damaged)
            item = await self._mailbox.find_by_nav_key(entity.kind, nav_key, user_fields=entity.map.user_fields)
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
        with self._state.transaction():
            linked = self._state.links.by_nav([link.nav_key for link in made])
            self._state.links.save([link for link in made if link.nav_key not in linked])
            self._state.journal.done([entry.id])
        return len(made)

    def _nav_side(self, entry: JournalEntry, entity: BoundEntity) -> int:
        assert entry.outlook_id is not None
        changes: dict[str, str] = dict(entry.payload.get("changes") or {})
        values = insert_values(entity, changes, self._owner, today=dt.date.today())
        where = {k: v for k, v in values.items() if isinstance(v, str) and v}
        candidates: list[NavRecord] = []
        for record in self._nav.find(entity.table, where):
            if self._state.links.get(key_text(entity.table, record.key)) is None:
                candidates.append(record)
        match = candidates[-1] if candidates else None
        with self._state.transaction():
            if match is not None and self._state.links.get_by_outlook(entry.outlook_id) is None:
                base = base_after_nav_insert(entity, dict(entry.payload.get("base") or {}), match, self._navside)
                self._state.links.save(
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
            self._state.journal.done([entry.id])
        return int(match is not None)
