"""The pipeline's first stage: reading one Outlook item kind and its NAV tables, yielding a `Candidate` for
every item to decide, with both of its sides as they are now.

For every item touched by a NAV change set, an Outlook delta round or an earlier unfinished run (a
*dirty* link), both sides are read as they are now, so that deciding never has to assume a value. Items
an incremental run does not touch cost nothing: a run with no changes is one delta round per kind and
one change read per NAV table, whatever the number of linked items.

`KindReader.start` reads the delta round and picks one of three strategies; `KindReader.candidates` then
yields the candidates:

- a **fresh start** (nothing in Outlook, no link, nothing pending): every NAV record in scope, as NAV gives
  it (the caller takes them while it acts, never holding them);
- a **streamed full round** (a full round over a complete read of NAV): each chunk of NAV's records paired
  with its links' Outlook items as the read gives it;
- otherwise (**incremental**): NAV's changes held in the run's spool, links found by their keys and the
  round's ids, echoes of graphsync's own writes dropped, linked items a chunk at a time, then the rest.

What the kind's cursors become, its retries and deferred meetings are on the reader once its candidates are
all taken.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from enum import Enum
from typing import NamedTuple, cast

from graphsync.config.entities import EntityName
from graphsync.connectors.nav import ChangeSet, NavRecord, NavTable, Watermark
from graphsync.connectors.outlook import DeltaEntry, ItemKind, OutlookItem, Removed
from graphsync.engine.binding import BoundEntity
from graphsync.engine.codec import DELTA_ENTRY, OPTIONAL_RECORD
from graphsync.engine.context import RunContext
from graphsync.engine.keys import key_text, parse_key, parse_retry_ref, retry_ref
from graphsync.engine.plan import Side
from graphsync.engine.spool import Spool, SpoolList, SpoolMap, chunked
from graphsync.engine.state import CursorName, DeltaCursor, Link, MapCursor, NavCursor, UnlinkMark
from graphsync.engine.unlinks import UnlinkReason
from graphsync.errors import NavError, ResyncNeededError

FETCH_CHUNK = 100
LOOKUP_CHUNK = 500
"""Keys per state store lookup (each one statement with an IN list)."""
RESYNC_ROUNDS = 3
"""Full rounds tried, after a dead delta link, before ResyncNeededError stops the run."""


# A named tuple, not a frozen dataclass: a full round makes one per item (see `graphsync.engine.decide.Decision`).
class Candidate(NamedTuple):
    """One item to decide: its entity, link, and both sides as they are now (None: absent)."""

    entity: BoundEntity
    link: Link | None
    nav_key: str | None
    record: NavRecord | None
    in_scope: bool
    outlook: OutlookItem | None
    nav_values: Mapping[str, object] | None = None
    """The record's fields with the computed ones its entity maps (a meeting's attendees), read with it."""
    nav_error: NavError | None = None
    """Why ``nav_values`` could not be read (the item fails; the rest of the run goes on)."""


class Strategy(Enum):
    FRESH = "fresh start"
    STREAMED = "streamed full round"
    INCREMENTAL = "incremental"


def _chunks(keys: Sequence[str], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(keys), size):
        yield keys[start : start + size]


def _is_echo(entry: DeltaEntry, link: Link, nav_seen: SpoolMap[NavRecord | None]) -> bool:
    return (
        isinstance(entry, OutlookItem)
        and entry.version is not None
        and entry.version == link.outlook_version
        and link.stamped
        and not link.dirty
        and link.nav_key not in nav_seen
    )


def _is_nav_echo(record: NavRecord | None, link: Link, entry: DeltaEntry | None) -> bool:
    """A NAV change at exactly the ETag last synced: graphsync's own write (or a record listed again as it
    was), while the Outlook item is not in the round or is there at the version last synced (an echo too).
    Then neither side changed since the link was recorded, and the item needs no fetch and no plan: the
    counterpart of `_is_echo`, for an incremental round only (in a full round an item absent from the round
    is deleted)."""
    return (
        record is not None
        and link.nav_etag is not None
        and record.etag == link.nav_etag
        and link.stamped
        and not link.dirty
        and (entry is None or (isinstance(entry, OutlookItem) and entry.version == link.outlook_version))
    )


def nav_cursor(table: NavTable, kind: ItemKind) -> NavCursor:
    return NavCursor(int(table), kind.value)


def delta_cursor(kind: ItemKind) -> DeltaCursor:
    return DeltaCursor(kind.value)


def map_cursor(entity: EntityName) -> MapCursor:
    return MapCursor(entity.value)


def new_from_outlook(kind: ItemKind, item: OutlookItem, category: str) -> EntityName | None:
    """The entity an item a person made in Outlook becomes in NAV. A contact with a given name or surname
    is a person, otherwise a company; never a salesperson. Events count only when they carry the
    category (the primary calendar holds everything else too)."""
    data = item.data
    if kind is ItemKind.CONTACT:
        return EntityName.CONT_PERS if (data.get("givenName") or data.get("surname")) else EntityName.CONT_COMP
    if kind is ItemKind.EVENT:
        return EntityName.MEETING if category in (data.get("categories") or []) else None
    return EntityName.TASK


def _needs_fetch(entry: DeltaEntry | None, user_fields: Sequence[str]) -> bool:
    """Whether an item must be fetched before it is planned: not in the round at all, a tombstone (to be
    confirmed: a calendarView round also "removes" what left the window), or an item without the user
    fields its entities map (a delta page never carries them), or one Graph gave only in part."""
    if entry is None or isinstance(entry, Removed) or entry.partial:
        return True
    return bool(user_fields) and entry.user_fields is None


def _unchanged(entity: BoundEntity, link: Link, item: OutlookItem | None) -> bool:
    if item is None or not link.stamped or item.partial:
        return False
    try:
        now = entity.map.outlook_norm(item.data, item.user_fields)
    except NavError:
        return False
    return all(link.base.get(field_id, None) == value for field_id, value in now.items()) and set(link.base) <= set(now)


class KindReader:
    """Reads one item kind of a run (see the module docstring): `start`, then `candidates`, once."""

    def __init__(
        self,
        ctx: RunContext,
        kind: ItemKind,
        entities: Sequence[BoundEntity],
        *,
        spool: Spool,
        full: bool,
        only_pending: bool,
        unlinked: Mapping[str, UnlinkMark] | None = None,
    ) -> None:
        self._ctx = ctx
        self._spool = spool
        self._nav = ctx.nav
        self._mailbox = ctx.mailbox
        self._state = ctx.state
        self._navside = ctx.navside
        self.kind = kind
        self.entities = tuple(entities)
        self._full = full
        self._only_pending = only_pending
        self.strategy = Strategy.INCREMENTAL
        self.cursors: dict[CursorName, str] = {}
        """Cursor values to store once everything read here is written and recorded."""
        self.resynced = False
        self.retries: list[str] = []
        """Retry references read (``nav:<key>``, ``outlook:<id>``); cleared once this read is recorded."""
        self.deferred: list[str] = []
        """Unlinked meetings dated after the window: looked at again each run until the window reaches them."""
        self._entries: SpoolMap[DeltaEntry] = spool.new_map(encode=DELTA_ENTRY.encode, decode=DELTA_ENTRY.decode)
        self._full_round = False
        self._user_fields = sorted({n for e in entities for n in e.map.user_fields})
        names = {e.name.value for e in entities}
        self._unlinked = {key: m for key, m in (unlinked or {}).items() if m.entity in names}
        """The kind's unlinked items (`graphsync.engine.unlinks`): left out, or paired with the link kept."""
        self.unlinked_gone: list[str] = []
        """Unlinked items whose NAV record was read deleted: nothing is left to remember them for."""
        self._attendee_keys: set[str] = set()
        """Meetings read because their attendees changed: their to-do's ETag does not cover that change."""

    def _candidate(
        self,
        entity: BoundEntity,
        link: Link | None,
        key: str | None,
        record: NavRecord | None,
        in_scope: bool,
        item: OutlookItem | None,
    ) -> Candidate:
        """A candidate, with the NAV values its entity maps read (a meeting's attendees) or why they cannot be."""
        if record is None:
            return Candidate(entity, link, key, None, in_scope, item)
        try:
            values = self._navside.values(entity, record)
        except NavError as exc:
            return Candidate(entity, link, key, record, in_scope, item, None, exc)
        return Candidate(entity, link, key, record, in_scope, item, values)

    async def start(self) -> Strategy:
        """Read the kind's delta round and the retries waiting, and choose how the rest is read."""
        kind, entities = self.kind, self.entities
        names = {e.name.value for e in entities}
        self.retries = self._state.retries.waiting(kind.value)
        if self._only_pending:
            return self.strategy
        self._full_round = await self._read_delta(kind, full=self._full, entries=self._entries)
        if not self._entries and not self.retries and not self._state.links.any(entities=names):
            # A fresh start (an initial load into an empty folder, or a kind never synced before): with
            # nothing in Outlook, no link and nothing pending, every NAV record in scope is a create with
            # nothing to pair it with, so each can be decided and written as it is read (and, unlinked,
            # none of them can be a delete the mass-delete guard would have to count first).
            self.strategy = Strategy.FRESH
        elif self._full_round and not self.retries and self._nav_read_is_complete(kind, entities, full=self._full):
            self.strategy = Strategy.STREAMED
        return self.strategy

    async def candidates(self, *, batch: int = LOOKUP_CHUNK) -> AsyncIterator[list[Candidate]]:
        """Every item of the kind to decide, a batch at a time as soon as both sides of its items are known (so
        that a large run never holds them all; a fresh start's batches hold ``batch`` records at most); the
        kind's cursors are in `cursors` once the last batch is taken."""
        kind, entities, full = self.kind, self.entities, self._full
        if self.strategy is Strategy.FRESH:
            for found in chunked(self._fresh(kind, entities, full=full), batch):
                yield found
            return
        by_name = {e.name: e for e in entities}
        names = {e.name.value for e in entities}
        user_fields = self._user_fields
        # Everything keyed below lives in the run's spool: an initial load or a full round holds every
        # record and item of the kind, which must not all be Python objects at once.
        nav_seen: SpoolMap[NavRecord | None] = self._spool.new_map(
            encode=OPTIONAL_RECORD.encode, decode=OPTIONAL_RECORD.decode
        )
        entries = self._entries
        full_round = self._full_round
        streamed = self.strategy is Strategy.STREAMED
        if not self._only_pending and not streamed:
            for key, record in self._nav_changes(kind, entities, full=full):
                nav_seen[key] = record
        retry_ids: list[str] = []
        for ref in self.retries:
            side, value = parse_retry_ref(ref) or (None, "")
            if side is Side.NAV and value not in nav_seen and (parsed := parse_key(value)):
                nav_seen[value] = self._nav.get(*parsed)
            elif side is Side.OUTLOOK and value not in entries:
                retry_ids.append(value)

        # The links to plan, by their keys alone: a link is read whole (its base is the bulk of it) once,
        # a chunk at a time, when its item is planned. Outlook ids are interned: the same string serves every
        # collection that holds the id.
        link_outlook: dict[str, str] = {}  # nav key -> Outlook id, in the order links were found
        linked_ids: set[str] = set()

        def keep(nav_key: str, outlook_id: str) -> None:
            outlook_id = sys.intern(outlook_id)
            link_outlook[sys.intern(nav_key)] = outlook_id
            linked_ids.add(outlook_id)

        if full_round:
            # Every link of the kind is compared, so all of them are listed at once, in NAV key order (looked
            # up by the NAV changes' keys and the round's ids as well, each would be found twice).
            for ids in self._state.links.iter_ids(entities=names):
                keep(ids.nav_key, ids.outlook_id)
        else:
            for chunk in _chunks(nav_seen.keys()):
                for ids in self._state.links.ids_by_nav(chunk):
                    if ids.entity in names:
                        keep(ids.nav_key, ids.outlook_id)
            for chunk in _chunks([item_id for item_id in entries if item_id not in linked_ids]):
                found_links = self._state.links.by_outlook(chunk)
                round_entries = entries.get_many(found_links)
                for item_id, link in found_links.items():
                    if link.entity not in names:
                        continue
                    if _is_echo(round_entries[item_id], link, nav_seen):
                        # An incremental round's entry at exactly the version last synced is graphsync's own
                        # write (or an item synced as it is): with no NAV change and nothing pending on it,
                        # it needs neither a fetch nor a plan. A full round (lost state, a changed map) still
                        # compares every item.
                        del entries[item_id]
                        continue
                    keep(link.nav_key, link.outlook_id)
        for link in self._state.links.dirty():
            if link.entity in names and link.nav_key not in link_outlook:
                keep(link.nav_key, link.outlook_id)

        # Outlook side: the round's items stand for it, except what the round did not give in full, which is
        # fetched (stamps, user fields, confirmations). Unpaired items are fetched now, into the same map:
        # every tombstone among them is fetched (its value replaced by what the fetch finds, None when gone),
        # so once the fetch is done the map holds their Outlook items and Nones only. Linked items are
        # fetched a chunk at a time as they are planned, and never spooled whole (see `_needs_fetch`).
        outlook = cast("SpoolMap[OutlookItem | None]", entries)
        to_fetch: dict[str, None] = {}
        tombstones: list[str] = []
        for item_id, entry in entries.items():
            if item_id in linked_ids:
                continue
            if isinstance(entry, Removed):
                # Removed and not linked: nothing to pair it with, whether it is gone or only left the window (a
                # calendarView round "removes" those too), so nothing to confirm. Mostly the echo of a delete
                # graphsync made itself, whose link it dropped.
                tombstones.append(item_id)
                continue
            # A delta page lacks stamps: an unlinked item needs its NAV key, any item the user fields its
            # entity maps.
            if _needs_fetch(entry, user_fields) or (isinstance(entry, OutlookItem) and entry.nav_key is None):
                to_fetch[item_id] = None
        for item_id in tombstones:
            del entries[item_id]
        for item_id in retry_ids:
            if item_id not in entries and item_id not in linked_ids:
                to_fetch[item_id] = None
        if not full_round:
            # A record back in its entity's condition: the item it left behind is looked up to pair with it
            # (a full round lists every item anyway).
            for item_id in self._left_behind(entities, nav_seen, link_outlook):
                if item_id not in entries:
                    to_fetch[item_id] = None
        await self._fetch(kind, list(to_fetch), user_fields, outlook)
        del to_fetch

        unlinked_by_key, unstamped = self._unpaired_outlook(outlook, linked_ids)
        if streamed:
            # A full round over a complete read of NAV: every record is paired (with its link's Outlook item,
            # or a stamped item without a link) as the read gives it, instead of waiting in the spool.
            async for found in self._streamed(
                kind,
                entities,
                full=full,
                link_outlook=link_outlook,
                outlook=outlook,
                unlinked_by_key=unlinked_by_key,
                user_fields=user_fields,
            ):
                yield found
        else:
            linked = self._linked(
                kind, entities, list(link_outlook), link_outlook, nav_seen.get_many, outlook, user_fields
            )
            async for found in linked:
                yield found
            unpaired = [key for key in nav_seen if key not in link_outlook]
            for found in chunked(self._unpaired_nav(entities, unpaired, nav_seen.get_many, unlinked_by_key), batch):
                yield found
        outlook.clear()
        nav_seen.clear()
        for found in chunked(self._unpaired_outlook_candidates(entities, unlinked_by_key, link_outlook), batch):
            yield found
        unlinked_by_key.clear()
        link_outlook.clear()

        for found in chunked(self._made_in_outlook(kind, by_name, unstamped), batch):
            yield found

    def _made_in_outlook(
        self, kind: ItemKind, by_name: Mapping[EntityName, BoundEntity], unstamped: SpoolList[OutlookItem]
    ) -> Iterator[Candidate]:
        """Items a person made in Outlook (no NAV key), as the entities they become in NAV."""
        category = self._ctx.meetings.category
        for item in unstamped:
            name = new_from_outlook(kind, item, category)
            if name is not None and name in by_name:
                yield Candidate(by_name[name], None, None, None, True, item)

    def _unpaired_outlook_candidates(
        self, entities: Sequence[BoundEntity], unlinked_by_key: SpoolMap[OutlookItem], link_outlook: Mapping[str, str]
    ) -> Iterator[Candidate]:
        """Items graphsync stamped whose NAV key has no link: paired with their NAV record again."""
        for key, item in unlinked_by_key.items():
            # Stamped by graphsync but not linked: lost state, or a create interrupted before its link.
            parsed = parse_key(key)
            record = self._nav.get(*parsed) if parsed else None
            entity = self._navside.route(entities, record) if record else None
            if record is None and key in self._unlinked:
                self.unlinked_gone.append(key)
            if record is None or entity is None or key in link_outlook or self._navside.outside_window(entity, record):
                continue  # its NAV record is gone or out of scope: nothing to pair it with
            yield self._candidate(entity, self._relinked(key, item), key, record, True, item)

    async def _linked(
        self,
        kind: ItemKind,
        entities: Sequence[BoundEntity],
        keys: list[str],
        link_outlook: dict[str, str],
        records_of: Callable[[Sequence[str]], Mapping[str, NavRecord | None]],
        outlook: SpoolMap[OutlookItem | None],
        user_fields: Sequence[str],
        *,
        confirm_missing: bool = False,
    ) -> AsyncIterator[list[Candidate]]:
        """Linked items' candidates, a chunk at a time: their links, NAV records and Outlook items each read in one
        go. NAV side: linked records ``records_of`` does not give are read now, unless the Outlook item is
        exactly what was last synced (an echo of graphsync's own write, a full round's unchanged item):
        then neither side changed and the item needs nothing, which keeps full rounds from reading all of
        NAV. With ``confirm_missing`` (after a complete read of NAV, which did not give these records) every
        such record is read: absent from a complete read, it is gone unless the read says otherwise."""
        by_name = {e.name: e for e in entities}
        echoes_possible = not self._full_round
        attendee_keys = self._attendee_keys
        for chunk in _chunks(keys):
            found_here: list[Candidate] = []
            chunk_links = self._state.links.by_nav(chunk)
            records = records_of(chunk)
            chunk_ids = [link_outlook[key] for key in chunk]
            items = outlook.get_many(chunk_ids)
            echoes: set[str] = set()
            if echoes_possible:
                for key in chunk:
                    link = chunk_links.get(key)
                    if (
                        link is not None
                        and key in records
                        and key not in attendee_keys
                        and _is_nav_echo(records[key], link, items.get(link.outlook_id))
                    ):
                        echoes.add(key)
            fetch_ids = chunk_ids if not echoes else [link_outlook[key] for key in chunk if key not in echoes]
            stale = list(dict.fromkeys(i for i in fetch_ids if _needs_fetch(items.get(i), user_fields)))
            if stale:
                items.update(await self._fetched(kind, stale, user_fields))
            for key in chunk:
                found = chunk_links.get(key)
                if found is None:
                    continue  # nothing but this run writes links, and it has not yet: cannot happen
                if key in echoes:
                    continue  # settled: NAV's change is graphsync's own write, Outlook's item as synced
                link = found
                item = items.get(link.outlook_id)
                linked_entity = by_name[EntityName(link.entity)]
                if key in records:
                    record = records[key]
                elif not confirm_missing and not link.dirty and _unchanged(linked_entity, link, item):
                    del link_outlook[key]  # settled: neither side changed (its Outlook item stays paired, not "new")
                    continue
                else:
                    parsed = parse_key(key)
                    record = self._nav.get(*parsed) if parsed else None
                entity = self._navside.route(entities, record) if record else None
                if record is not None and self._navside.outside_window(linked_entity, record):
                    continue  # an aged (or far future) meeting: neither changed nor deleted
                in_scope = entity is not None
                found_here.append(self._candidate(entity or linked_entity, link, key, record, in_scope, item))
            yield found_here

    def _unpaired_nav(
        self,
        entities: Sequence[BoundEntity],
        keys: list[str],
        records_of: Callable[[Sequence[str]], Mapping[str, NavRecord | None]],
        unlinked_by_key: SpoolMap[OutlookItem],
    ) -> Iterator[Candidate]:
        """NAV records without a link: paired with an Outlook item stamped with their key, if any."""
        unlinked = self._unlinked
        for chunk in _chunks(keys):
            records = records_of(chunk)
            for key in chunk:
                record = records.get(key)
                if record is None:
                    if key in unlinked:
                        self.unlinked_gone.append(key)
                    continue
                entity = self._unlinked_entity(entities, key, record)
                if entity is None:
                    continue
                item = unlinked_by_key.pop(key, None)
                link = None
                if key in unlinked:
                    if item is None and unlinked[key].reason is UnlinkReason.OUTLOOK_DELETED:
                        continue  # deleted in Outlook and unlinked: stays so until a person asks for it
                    link = self._relinked(key, item)
                yield self._candidate(entity, link, key, record, True, item)

    def _relinked(self, key: str, item: OutlookItem | None) -> Link | None:
        """The link kept when ``key`` was unlinked, for pairing its record with ``item`` again (the item a
        person took back out of Deleted Items, or the one a record back in scope left behind): the plan then
        has the base it had, so an edit made meanwhile is an edit, not a conflict of unknown values. Dirty, so
        that it is recorded (as a link again) whatever the plan. None when ``key`` was not unlinked."""
        if item is None or key not in self._unlinked:
            return None
        kept = self._state.unlinked.get_many([key]).get(key)
        if kept is None:
            return None
        link = kept.link
        return Link(link.entity, key, item.id, link.base, link.outlook_version, link.nav_etag, dirty=True)

    def _left_behind(
        self, entities: Sequence[BoundEntity], nav_seen: SpoolMap[NavRecord | None], link_outlook: Mapping[str, str]
    ) -> Iterator[str]:
        """The Outlook ids of items left behind by records that left their entity's condition and, changed
        since, meet it again."""
        for key, mark in self._unlinked.items():
            if mark.reason is not UnlinkReason.LEFT_SCOPE or key not in nav_seen or key in link_outlook:
                continue
            record = nav_seen[key]
            if record is not None and self._navside.route(entities, record) is not None:
                yield mark.outlook_id

    def _unlinked_entity(self, entities: Sequence[BoundEntity], key: str, record: NavRecord) -> BoundEntity | None:
        """The entity a NAV record without a link is planned as; None when it is not in scope, or outside the
        sync window (a meeting after it is looked at again each run, as a retry, until the window reaches it)."""
        entity = self._navside.route(entities, record)
        if entity is None:
            return None
        if self._navside.outside_window(entity, record):
            if self._navside.after_window(record):
                self.deferred.append(retry_ref(Side.NAV, key))
            return None
        return entity

    def _unpaired_outlook(
        self, outlook: SpoolMap[OutlookItem | None], linked_ids: set[str]
    ) -> tuple[SpoolMap[OutlookItem], SpoolList[OutlookItem]]:
        """Outlook items without a link of this kind: those stamped with a NAV key, by key, and the others.
        Values are read only for them (linked ones are planned with their links)."""
        unlinked_by_key: SpoolMap[OutlookItem] = self._spool.new_map(
            encode=DELTA_ENTRY.encode, decode=DELTA_ENTRY.decode
        )
        unstamped: SpoolList[OutlookItem] = self._spool.new_list(encode=DELTA_ENTRY.encode, decode=DELTA_ENTRY.decode)
        for chunk in _chunks([item_id for item_id in outlook if item_id not in linked_ids]):
            unpaired = outlook.get_many(chunk)
            present = [item_id for item_id in chunk if unpaired.get(item_id) is not None]
            # Linked to an entity of another kind's group: not ours to plan.
            elsewhere = {ids.outlook_id for ids in self._state.links.ids_by_outlook(present)}
            for item_id in present:
                maybe = unpaired[item_id]
                if maybe is None or item_id in elsewhere:
                    continue
                if maybe.nav_key:
                    if maybe.nav_key not in unlinked_by_key:
                        unlinked_by_key[maybe.nav_key] = maybe
                else:
                    unstamped.append(maybe)
        return unlinked_by_key, unstamped

    def _nav_read_is_complete(self, kind: ItemKind, entities: Sequence[BoundEntity], *, full: bool) -> bool:
        """Whether this run reads all of NAV's records for the kind (a full run, or no cursor yet)."""
        if full:
            return True
        tables = {e.table for e in entities} | ({NavTable.ATTENDEE} if kind is ItemKind.EVENT else set())
        return all(self._state.cursors.get(nav_cursor(table, kind)) is None for table in tables)

    async def _streamed(
        self,
        kind: ItemKind,
        entities: Sequence[BoundEntity],
        *,
        full: bool,
        link_outlook: dict[str, str],
        outlook: SpoolMap[OutlookItem | None],
        unlinked_by_key: SpoolMap[OutlookItem],
        user_fields: Sequence[str],
    ) -> AsyncIterator[list[Candidate]]:
        """A full round's candidates as NAV's complete read gives its records, a chunk at a time.

        Deletions (and to-dos gone since an attendee named them) wait until the read is over and count only
        for keys it gave no record for: a key deleted and added again is there now, as the general path's
        map, where the record comes last, also says. A record deleted while the read goes on (listed, then
        found missing from NAV's keys) may already be planned as present: the next run sees it gone."""
        given: set[str] = set()
        gone: dict[str, None] = {}
        chunk: dict[str, NavRecord] = {}

        async def pair(records: Mapping[str, NavRecord | None]) -> AsyncIterator[list[Candidate]]:
            linked = [key for key in records if key in link_outlook]
            async for found in self._linked(
                kind, entities, linked, link_outlook, lambda _: records, outlook, user_fields
            ):
                yield found
            unlinked = [key for key in records if key not in link_outlook]
            yield list(self._unpaired_nav(entities, unlinked, lambda _: records, unlinked_by_key))

        for key, record in self._nav_changes(kind, entities, full=full):
            if record is None:
                gone[key] = None
            elif key not in given or key in chunk:  # within a chunk not yet paired, the later record wins
                given.add(key)
                chunk[key] = record
                if len(chunk) >= LOOKUP_CHUNK:
                    async for found in pair(dict(chunk)):  # a copy: `chunk` is filled again meanwhile
                        yield found
                    chunk.clear()
        if chunk:
            async for found in pair(chunk):
                yield found
        async for found in pair({key: None for key in gone if key not in given}):
            yield found
        # Links whose key the complete read gave nothing for at all: their records are read once more, not
        # taken as unchanged (a read from no watermark lists no deletions), so a deletion is not missed.
        rest = [key for key in link_outlook if key not in given and key not in gone]
        async for found in self._linked(
            kind, entities, rest, link_outlook, lambda _: {}, outlook, user_fields, confirm_missing=True
        ):
            yield found

    def _fresh(self, kind: ItemKind, entities: Sequence[BoundEntity], *, full: bool) -> Iterator[Candidate]:
        """Every NAV record of a fresh start in scope, as it is read (what the other strategies do for unpaired
        records)."""
        given: set[str] = set()
        for key, record in self._nav_changes(kind, entities, full=full):
            if record is None or key in given:  # a deletion of what was never synced; a key listed twice
                if record is None and key in self._unlinked:
                    self.unlinked_gone.append(key)
                continue
            given.add(key)
            mark = self._unlinked.get(key)
            if mark is not None and mark.reason is UnlinkReason.OUTLOOK_DELETED:
                continue  # deleted in Outlook and unlinked: stays so until a person asks for it
            entity = self._unlinked_entity(entities, key, record)
            if entity is not None:
                yield self._candidate(entity, None, key, record, True, None)

    def _nav_changes(
        self,
        kind: ItemKind,
        entities: Sequence[BoundEntity],
        *,
        full: bool,
    ) -> Iterator[tuple[str, NavRecord | None]]:
        """The kind's NAV changes as (key, record), None for a deletion, in the order read; the cursors they
        advance to go into `cursors`. A key may come more than once (deleted, then added again): the last
        one is what the record is now."""
        # A meeting's attendees are read after its to-dos: the keys of the to-dos already given (kept only for
        # meetings, the one kind that needs them) are not read again for their attendees.
        todos_given: set[str] | None = set() if kind is ItemKind.EVENT else None
        attendees: ChangeSet | None = None
        if todos_given is not None:
            # Its change set (and so its watermark) is taken before the to-dos are read, though it is read
            # after them: a to-do's attendees are read as the to-do is planned, which may be long after its
            # change set was taken (an initial load writes as it reads). An attendee changed after that is
            # then after this watermark too, and seen next run; a watermark taken at the end would skip it.
            attendee_mark = None if full else self._state.cursors.get(nav_cursor(NavTable.ATTENDEE, kind))
            attendees = self._nav.changes(NavTable.ATTENDEE, Watermark(attendee_mark) if attendee_mark else None)
        for table in sorted({e.table for e in entities}):
            name = nav_cursor(table, kind)
            mark = None if full else self._state.cursors.get(name)
            changes = self._nav.changes(table, Watermark(mark) if mark else None)
            keep = todos_given.add if todos_given is not None and table is NavTable.TODO else None
            for deletion in changes.deletions:
                key = key_text(table, deletion.key)
                if keep is not None:
                    keep(key)
                yield key, None
            for record in changes.records:
                key = key_text(table, record.key)
                if keep is not None:
                    keep(key)
                yield key, record
            self.cursors[name] = changes.watermark.value
            if not changes.deletions_tracked:
                existing = {key_text(table, k) for k in self._nav.keys(table)}
                names = [e.name.value for e in entities if e.table is table]
                for link in self._state.links.iter_all(entities=names):
                    if link.nav_key not in existing:
                        yield link.nav_key, None
        if todos_given is not None and attendees is not None:
            # A meeting changes when its attendees do: attendee rows point to their to-do by key. A to-do in the
            # change set already came with it.
            todo_numbers = {str(r.fields.get("To-do No.")) for r in attendees.records}
            todo_numbers |= {d.key[0] for d in attendees.deletions}
            self.cursors[nav_cursor(NavTable.ATTENDEE, kind)] = attendees.watermark.value
            for number in sorted(todo_numbers):
                key = key_text(NavTable.TODO, (number,))
                self._attendee_keys.add(key)
                if key not in todos_given:
                    todos_given.add(key)
                    yield key, self._nav.get(NavTable.TODO, (number,))

    async def _read_delta(self, kind: ItemKind, *, full: bool, entries: SpoolMap[DeltaEntry]) -> bool:
        name = delta_cursor(kind)
        link = None if full else self._state.cursors.get(name)
        resyncs = 0
        while True:
            try:
                return await self._round(kind, link, entries)
            except ResyncNeededError:
                # The delta link died: a full round, reconciled by NAV key and links, replaces it. Its own skip
                # tokens can die too (the server drops a mailbox's sync state): start it over, a few times.
                resyncs += 1
                if resyncs > RESYNC_ROUNDS:
                    raise
                entries.clear()
                self.resynced = True
                link = None

    async def _round(self, kind: ItemKind, link: str | None, entries: SpoolMap[DeltaEntry]) -> bool:
        user_fields = self._user_fields
        delta = self._mailbox.delta(kind, link)
        async for page in delta.pages():
            for entry in page:
                if user_fields and isinstance(entry, OutlookItem) and entry.user_fields is None:
                    # A delta page has no user fields, so the item will be fetched whole: its id and version
                    # are all of it that is used (to see an echo), and all of it worth keeping.
                    entry = OutlookItem(entry.kind, entry.id, {}, entry.version, entry.nav_key, None)
                entries[entry.id] = entry
        self.cursors[delta_cursor(kind)] = delta.delta_link
        return delta.full

    async def _fetched(
        self, kind: ItemKind, ids: list[str], user_fields: Sequence[str]
    ) -> dict[str, OutlookItem | None]:
        """``ids`` fetched whole: each one's Outlook item, or None when it is gone."""
        found: dict[str, OutlookItem | None] = {}
        for start in range(0, len(ids), FETCH_CHUNK):
            chunk = ids[start : start + FETCH_CHUNK]
            got = await self._mailbox.get_many(kind, chunk, user_fields=user_fields)
            found.update(zip(chunk, got, strict=True))
        return found

    async def _fetch(
        self,
        kind: ItemKind,
        ids: list[str],
        user_fields: Sequence[str],
        into: SpoolMap[OutlookItem | None],
    ) -> None:
        for start in range(0, len(ids), FETCH_CHUNK):
            for item_id, item in (await self._fetched(kind, ids[start : start + FETCH_CHUNK], user_fields)).items():
                into[item_id] = item
