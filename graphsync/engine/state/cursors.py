"""Cursors: where a mailbox's next run starts reading, and what its last run was set up with.

A cursor's name is a typed value, never a string spelled at the call site: `DeltaCursor` (an Outlook
item kind's delta link), `NavCursor` (a NAV table's watermark, per item kind), `MapCursor` (an entity's
field-map fingerprint: a change makes the next run read the kind in full), `ContainersCursor` (the
container ids the runtime found) and `NoticesCursor` (what the runtime last said about entities NAV cannot
sync). Each one's ``name`` is what the store keeps (unchanged since schema 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import sqlalchemy as sa

from graphsync.engine.state._db import Database, write_many
from graphsync.engine.state.schema import cursors


@dataclass(frozen=True, slots=True)
class DeltaCursor:
    """The delta link of an Outlook item kind (``contact``, ``event``, ``task``)."""

    kind: str

    @property
    def name(self) -> str:
        return f"delta:{self.kind}"


@dataclass(frozen=True, slots=True)
class NavCursor:
    """The watermark of NAV table ``table`` as read for item kind ``kind`` (a table can feed two kinds)."""

    table: int
    kind: str

    @property
    def name(self) -> str:
        return f"nav:{self.table}:{self.kind}"


@dataclass(frozen=True, slots=True)
class MapCursor:
    """The fingerprint of an entity's field map (and, for meetings, of the sync window)."""

    entity: str

    @property
    def name(self) -> str:
        return f"map:{self.entity}"


@dataclass(frozen=True, slots=True)
class ContainersCursor:
    """The ids of the mailbox's contact folder, To Do list and calendar, and the names they were found by."""

    name: ClassVar[str] = "runtime:containers"


@dataclass(frozen=True, slots=True)
class NoticesCursor:
    """A digest of what the runtime last said about the mailbox's entities this NAV cannot sync, so that it is
    said once, and again only when it changes."""

    name: ClassVar[str] = "runtime:nav-notices"


CursorName = DeltaCursor | NavCursor | MapCursor | ContainersCursor | NoticesCursor

_select = sa.select(cursors.c.value).where(
    cursors.c.mailbox == sa.bindparam("mailbox"), cursors.c.name == sa.bindparam("name")
)
_delete = cursors.delete().where(
    cursors.c.mailbox == sa.bindparam("b_mailbox"), cursors.c.name.in_(sa.bindparam("b_names", expanding=True))
)
_insert = cursors.insert()


class Cursors:
    """One mailbox's cursors."""

    def __init__(self, db: Database, mailbox: str) -> None:
        self._db = db
        self._mailbox = mailbox

    def get(self, cursor: CursorName) -> str | None:
        with self._db.conn() as conn:
            value = conn.execute(_select, {"mailbox": self._mailbox, "name": cursor.name}).scalar()
            return None if value is None else str(value)

    def set(self, cursor: CursorName, value: str | None) -> None:
        """Store a cursor's value; None forgets it."""
        self.set_many({cursor: value})

    def set_many(self, values: Mapping[CursorName, str | None]) -> None:
        """Store several cursors' values (None forgets one) in two statements, however many there are: a
        kind's end moves four to six of them, each a statement pair of its own before."""
        if not values:
            return
        box = self._mailbox
        with self._db.conn() as conn:
            conn.execute(_delete, {"b_mailbox": box, "b_names": [cursor.name for cursor in values]})
            rows = [{"mailbox": box, "name": c.name, "value": v} for c, v in values.items() if v is not None]
            if rows:
                write_many(conn, _insert, rows)
