"""Between reading and deciding: the to-do NAV made when a recurring to-do linked to a series was closed takes
that to-do's place in the series, instead of becoming a second meeting.

NAV makes the next to-do in the transaction that closes the recurring one (Table 5080, Closed ->
CreateRecurringTask), so a run usually reads both: the closed one, still linked to the series, and the new
one, not linked to anything. Either found first finds the other in NAV (`graphsync.engine.series.follows`:
the next one is dated by the closed one's Recurring Date Interval), and the pair becomes one candidate: the
new to-do, paired with the series, its link the closed one's passed on (`graphsync.engine.series
.successor_base`; recording drops the closed one's link and keeps the new one's, and acting stamps the new
NAV key on the series). The other of the two is then left out of the run. A run that reads only one of them
(the other was read before, or a failed write left the closed one's link dirty) finds the other all the
same, so the series is taken over whenever it has not been yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from graphsync.config.entities import EntityName
from graphsync.connectors.nav import NavRecord, NavTable
from graphsync.connectors.outlook import ItemKind
from graphsync.engine import series
from graphsync.engine.binding import BoundEntity
from graphsync.engine.context import RunContext
from graphsync.engine.keys import key_text
from graphsync.engine.read import Candidate
from graphsync.engine.state import Link
from graphsync.errors import NavError


def _series_link(entity: BoundEntity, link: Link | None) -> bool:
    """Whether a link is to a series: its base holds a recurrence Outlook gave (Outlook owns it)."""
    fields = series.series_fields(entity.map)
    return (
        link is not None
        and fields is not None
        and link.entity == entity.name.value
        and bool(link.base.get(fields.recurrence))
    )


class Succession:
    """One run's take-overs for the meetings of one item kind (`Succession.place`, a batch at a time)."""

    def __init__(self, ctx: RunContext, entities: Sequence[BoundEntity], user_fields: Sequence[str]) -> None:
        self._ctx = ctx
        self._entities = tuple(entities)
        self._user_fields = tuple(user_fields)
        self._placed: set[str] = set()
        """NAV keys of both to-dos of every take-over made this run: neither is a candidate of its own."""

    async def place(self, batch: list[Candidate]) -> list[Candidate]:
        found: list[Candidate] = []
        for cand in batch:
            if cand.nav_key is not None and cand.nav_key in self._placed:
                continue
            pair = self._pair(cand)
            taken = await self._candidate(cand.entity, *pair) if pair is not None else None
            found.append(taken or cand)
        return found

    def _pair(self, cand: Candidate) -> tuple[NavRecord, Link, NavRecord] | None:
        """(the closed to-do, its link to a series, the next to-do) when ``cand`` is either of the two."""
        entity, record = cand.entity, cand.record
        if entity.name is not EntityName.MEETING or record is None or not cand.in_scope:
            return None
        fields = record.fields
        if not series.recurring(fields):
            return None
        if cand.link is None and cand.outlook is None and fields.get("Closed") is False:
            found = self._predecessor(entity, record)
            return None if found is None else (found[0], found[1], record)
        if cand.link is not None and fields.get("Closed") is True and _series_link(entity, cand.link):
            successor = self._successor(entity, record)
            return None if successor is None else (record, cand.link, successor)
        return None

    def _todos(self, record: NavRecord, *, closed: bool) -> list[NavRecord]:
        where: Mapping[str, object] = {
            "Type": "Meeting",
            "Salesperson Code": record.fields.get("Salesperson Code"),
            "Recurring": True,
            "Closed": closed,
        }
        return [
            r for r in self._ctx.nav.find(NavTable.TODO, where) if key_text(NavTable.TODO, r.key) not in self._placed
        ]

    def _predecessor(self, entity: BoundEntity, record: NavRecord) -> tuple[NavRecord, Link] | None:
        """The closed to-do linked to a series that ``record`` (open, not linked) follows: the one NAV made it
        from, or the first linked one back along the to-dos each made from the one before (closed to-dos none
        of the runs in between read: outside the window, or closed before a run saw them open)."""
        closed = self._todos(record, closed=True)
        links = self._ctx.state.links.by_nav([key_text(NavTable.TODO, r.key) for r in closed])
        seen: set[str] = set()
        after = record
        for _ in closed:
            before = series.closest(
                [
                    r
                    for r in closed
                    if key_text(NavTable.TODO, r.key) not in seen and series.follows(r.fields, after.fields)
                ],
                after.fields,
            )
            if before is None:
                return None
            key = key_text(NavTable.TODO, before.key)
            link = links.get(key)
            if link is not None:
                return (before, link) if _series_link(entity, link) else None
            seen.add(key)
            after = before
        return None

    def _successor(self, entity: BoundEntity, record: NavRecord) -> NavRecord | None:
        """The open, not yet linked to-do NAV made when ``record`` (closed, linked to a series) was closed."""
        navside = self._ctx.navside
        opened = [
            r
            for r in self._todos(record, closed=False)
            if series.follows(record.fields, r.fields) and navside.route(self._entities, r) == entity
        ]
        links = self._ctx.state.links.by_nav([key_text(NavTable.TODO, r.key) for r in opened])
        return series.closest([r for r in opened if key_text(NavTable.TODO, r.key) not in links], record.fields)

    async def _candidate(
        self, entity: BoundEntity, before: NavRecord, link: Link, after: NavRecord
    ) -> Candidate | None:
        """``after`` paired with the series ``link`` (``before``'s) points to, which it takes over."""
        if self._ctx.navside.outside_window(entity, after):
            return None  # looked at again when the window reaches it; the series stays with ``before`` till then
        [item] = await self._ctx.mailbox.get_many(ItemKind.EVENT, [link.outlook_id], user_fields=self._user_fields)
        if item is None or item.partial:
            return None  # the series is gone (or came in part): the two to-dos are planned as they are
        try:
            values = self._ctx.navside.values(entity, after)
            serial = series.series_of(entity, item, entity.map.outlook_norm(item.data, item.user_fields))
            nav_norm = entity.map.nav_norm(values)
        except NavError:
            return None  # planned as it is, where the value that cannot convert is the item's error
        if serial is None:
            return None
        # The closed to-do's link, passed on: its key stays the closed one's (recording drops that link when it
        # keeps the new one), and the series is not stamped with the new key yet.
        passed = Link(
            link.entity,
            link.nav_key,
            link.outlook_id,
            series.successor_base(serial, link.base, nav_norm),
            link.outlook_version,
            None,
            dirty=False,
            stamped=False,
        )
        after_key = key_text(NavTable.TODO, after.key)
        self._placed.update((key_text(NavTable.TODO, before.key), after_key))
        return Candidate(entity, passed, after_key, after, True, item, values)
