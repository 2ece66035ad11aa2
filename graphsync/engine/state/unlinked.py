"""Unlinked: links dropped while NAV's record lives on, kept as they were with the reason (schema 3;
`graphsync.engine.unlinks`), so that no later run undoes the unlink. A table of its own, so that the links'
queries and bulk upsert stay as they are; a run reads its few marks once (`marks`) and whole rows only for
the items it pairs again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa

from graphsync import fastjson
from graphsync.engine.state._db import Database, chunks, now
from graphsync.engine.state.links import Link
from graphsync.engine.state.schema import unlinked
from graphsync.engine.unlinks import UnlinkReason

_REASONS = {r.value: r for r in UnlinkReason}

_delete = unlinked.delete().where(
    unlinked.c.mailbox == sa.bindparam("b_mailbox"),
    unlinked.c.nav_key.in_(sa.bindparam("b_keys", expanding=True)),
)
_insert = unlinked.insert()
_marks = sa.select(unlinked.c.nav_key, unlinked.c.entity, unlinked.c.reason, unlinked.c.outlook_id).where(
    unlinked.c.mailbox == sa.bindparam("b_mailbox")
)
"""Built once, as the statements of every run's start are (`links._any`)."""
_columns = (
    unlinked.c.entity,
    unlinked.c.nav_key,
    unlinked.c.outlook_id,
    unlinked.c.base,
    unlinked.c.outlook_version,
    unlinked.c.nav_etag,
    unlinked.c.reason,
    unlinked.c.unlinked_at,
)


@dataclass(frozen=True)
class UnlinkedItem:
    """A link kept aside: the link as it was when it was dropped, why, and when (ISO 8601, UTC)."""

    link: Link
    reason: UnlinkReason
    unlinked_at: str


class UnlinkMark(NamedTuple):
    """What a run needs of an unlinked item before it pairs anything (read for every one at the start)."""

    entity: str
    reason: UnlinkReason
    outlook_id: str


def _item(row: Any) -> UnlinkedItem | None:
    reason = _REASONS.get(row.reason)
    if reason is None:  # written by a newer graphsync: not this one's to act on
        return None
    link = Link(row.entity, row.nav_key, row.outlook_id, fastjson.loads(row.base), row.outlook_version, row.nav_etag)
    return UnlinkedItem(link, reason, row.unlinked_at)


class Unlinked:
    """One mailbox's unlinked items, by NAV key."""

    def __init__(self, db: Database, mailbox: str) -> None:
        self._db = db
        self._mailbox = mailbox

    def keep(self, items: Iterable[tuple[Link, UnlinkReason]]) -> None:
        """Keep dropped links aside with their reasons; a key kept before is replaced."""
        rows = {
            link.nav_key: {
                "mailbox": self._mailbox,
                "nav_key": link.nav_key,
                "entity": link.entity,
                "outlook_id": link.outlook_id,
                "base": fastjson.dumps(link.base, sort_keys=True).decode(),
                "outlook_version": link.outlook_version,
                "nav_etag": link.nav_etag,
                "reason": reason.value,
                "unlinked_at": now(),
            }
            for link, reason in items
        }
        if not rows:
            return
        with self._db.conn() as conn:
            for chunk in chunks(list(rows)):
                # Delete then insert rather than an upsert: plain SQL every SQLAlchemy dialect has.
                conn.execute(_delete, {"b_mailbox": self._mailbox, "b_keys": chunk})
                conn.execute(_insert, [rows[key] for key in chunk])

    def marks(self) -> dict[str, UnlinkMark]:
        """Every unlinked item's entity, reason and Outlook id, by NAV key (no base: a run reads them all)."""
        with self._db.conn() as conn:
            return {
                key: UnlinkMark(entity, _REASONS[reason], outlook_id)
                for key, entity, reason, outlook_id in conn.execute(_marks, {"b_mailbox": self._mailbox})
                if reason in _REASONS
            }

    def get_many(self, nav_keys: Iterable[str]) -> dict[str, UnlinkedItem]:
        """The unlinked items of those of ``nav_keys`` that are, by NAV key."""
        found: dict[str, UnlinkedItem] = {}
        with self._db.conn() as conn:
            for chunk in chunks(list(dict.fromkeys(nav_keys))):
                query = sa.select(*_columns).where(unlinked.c.mailbox == self._mailbox, unlinked.c.nav_key.in_(chunk))
                for row in conn.execute(query):
                    item = _item(row)
                    if item is not None:
                        found[row.nav_key] = item
        return found

    def all(self, *, entities: Iterable[str] | None = None) -> list[UnlinkedItem]:
        """Every unlinked item (of ``entities``), in NAV key order."""
        query = sa.select(*_columns).where(unlinked.c.mailbox == self._mailbox)
        if entities is not None:
            query = query.where(unlinked.c.entity.in_(list(entities)))
        with self._db.conn() as conn:
            items = [_item(row) for row in conn.execute(query.order_by(unlinked.c.nav_key))]
        return [i for i in items if i is not None]

    def drop(self, nav_keys: Iterable[str]) -> int:
        """Forget unlinked items (linked again, asked back, or their NAV record gone); returns how many were."""
        removed = 0
        with self._db.conn() as conn:
            for chunk in chunks(list(dict.fromkeys(nav_keys))):
                removed += conn.execute(_delete, {"b_mailbox": self._mailbox, "b_keys": chunk}).rowcount
        return removed
