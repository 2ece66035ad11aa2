"""Conflicts: items whose fields were changed differently on both sides, held field by field until a
person (or a policy) picks a side; the pick is stored with the conflict and applied by the next run."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from graphsync.engine.state._db import Database, chunks, now
from graphsync.engine.state.links import mark_dirty_statement
from graphsync.engine.state.schema import conflicts


@dataclass(frozen=True)
class ConflictRecord:
    entity: str
    nav_key: str
    outlook_id: str
    fields: tuple[Mapping[str, str | None], ...]
    """One mapping per conflicting field: ``field``, ``base``, ``nav``, ``outlook``."""
    resolution: str | None
    """The side chosen (a `graphsync.engine.plan.Side` value), None while it waits for a person."""
    detected_at: str


class Conflicts:
    """One mailbox's open conflicts."""

    def __init__(self, db: Database, mailbox: str) -> None:
        self._db = db
        self._mailbox = mailbox

    def save(self, *, entity: str, nav_key: str, outlook_id: str, fields: Sequence[Mapping[str, str | None]]) -> None:
        """Record (or refresh) an item's open conflict; a resolution already given is kept."""
        box = self._mailbox
        text = json.dumps(list(fields), sort_keys=True)
        with self._db.conn() as conn:
            done = conn.execute(
                conflicts.update()
                .where(conflicts.c.mailbox == box, conflicts.c.nav_key == nav_key)
                .values(entity=entity, outlook_id=outlook_id, fields=text)
            )
            if done.rowcount == 0:
                conn.execute(
                    conflicts.insert().values(
                        mailbox=box,
                        nav_key=nav_key,
                        entity=entity,
                        outlook_id=outlook_id,
                        fields=text,
                        detected_at=now(),
                    )
                )

    def clear(self, nav_keys: Iterable[str]) -> None:
        """Forget the conflicts of these items (settled); keys without one are ignored."""
        with self._db.conn() as conn:
            for chunk in chunks(list(dict.fromkeys(nav_keys))):
                conn.execute(
                    conflicts.delete().where(conflicts.c.mailbox == self._mailbox, conflicts.c.nav_key.in_(chunk))
                )

    def all(self, *, nav_key: str | None = None) -> list[ConflictRecord]:
        """The open conflicts (of one item), in NAV key order."""
        query = sa.select(conflicts).where(conflicts.c.mailbox == self._mailbox).order_by(conflicts.c.nav_key)
        if nav_key is not None:
            query = query.where(conflicts.c.nav_key == nav_key)
        with self._db.conn() as conn:
            return [
                ConflictRecord(
                    r.entity, r.nav_key, r.outlook_id, tuple(json.loads(r.fields)), r.resolution, r.detected_at
                )
                for r in conn.execute(query)
            ]

    def resolve(self, nav_keys: Sequence[str], resolution: str) -> None:
        """Record a resolution and mark the items for re-reading, so the next run applies it."""
        with self._db.conn() as conn:
            for chunk in chunks(list(dict.fromkeys(nav_keys))):
                conn.execute(
                    conflicts.update()
                    .where(conflicts.c.mailbox == self._mailbox, conflicts.c.nav_key.in_(chunk))
                    .values(resolution=resolution)
                )
                conn.execute(mark_dirty_statement, {"b_mailbox": self._mailbox, "b_keys": chunk})
