"""Cursors: where a mailbox's next run starts reading, and what its last run was set up with.

A cursor's name is a typed value, never a string spelled at the call site: `DeltaCursor` (an Outlook
item kind's delta link), `NavCursor` (a NAV table's watermark, per item kind), `MapCursor` (an entity's
field-map fingerprint: a change makes the next run read the kind in full) and `ContainersCursor` (the
container ids the runtime found). Each one's ``name`` is what the store keeps (unchanged since schema 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import sqlalchemy as sa

from graphsync.engine.state._db import Database
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


CursorName = DeltaCursor | NavCursor | MapCursor | ContainersCursor

_select = sa.select(cursors.c.value).where(
    cursors.c.mailbox == sa.bindparam("mailbox"), cursors.c.name == sa.bindparam("name")
)
_delete = cursors.delete().where(
    cursors.c.mailbox == sa.bindparam("b_mailbox"), cursors.c.name == sa.bindparam("b_name")
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
        with self._db.conn() as conn:
            conn.execute(_delete, {"b_mailbox": self._mailbox, "b_name": cursor.name})
            if value is not None:
                conn.execute(_insert, {"mailbox": self._mailbox, "name": cursor.name, "value": value})
