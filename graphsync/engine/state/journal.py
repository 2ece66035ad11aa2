"""The write journal: creates about to be sent, so that a run killed before recording one finds it again.

An entry is added before a create goes out and removed in the transaction that records its link; an entry
found when a run starts is settled before the run reads anything. A chunk's entries go in and out in one
statement each: on SQLite straight through the driver, with the consecutive rowids SQLite gives them in
the chunk's transaction as their ids; elsewhere through ``INSERT ... RETURNING``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from graphsync import fastjson
from graphsync.engine.state._db import Database, chunks, execute_many, execute_one, now
from graphsync.engine.state.schema import journal
from graphsync.errors import StateError


@dataclass(frozen=True)
class JournalDraft:
    """A create about to be sent, for `Journal.add_many`; the store gives it its id."""

    entity: str
    target: str
    """Which side the create writes to: a `graphsync.engine.plan.Side` value, "outlook" or "nav"."""
    nav_key: str | None
    outlook_id: str | None
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class JournalEntry:
    id: int
    entity: str
    target: str
    """Which side the interrupted create was writing to: "outlook" or "nav"."""
    nav_key: str | None
    outlook_id: str | None
    payload: Mapping[str, Any]


_insert = journal.insert()
_insert_ids = journal.insert().returning(journal.c.id, sort_by_parameter_order=True)
_OURS = "SELECT count(*) FROM journal WHERE id BETWEEN ? AND ? AND mailbox = ? AND created_at = ?"
"""How many of the rowids a chunk's journal entries should have got are theirs (SQLite's paramstyle: the
check runs there only, once per chunk, where building a Core statement cost more than the query)."""
_delete_one = journal.delete().where(journal.c.id == sa.bindparam("b_id"))
_delete = journal.delete().where(journal.c.id.in_(sa.bindparam("b_ids", expanding=True)))
_pending = sa.select(journal).where(journal.c.mailbox == sa.bindparam("b_mailbox")).order_by(journal.c.id)
"""Built once: asked at every run's start (`graphsync.engine.recovery`)."""


FEW = 8
"""Entries added one statement each on SQLite (a chunk's usual one or two); more go in one executemany."""


class Journal:
    """One mailbox's write journal."""

    def __init__(self, db: Database, mailbox: str) -> None:
        self._db = db
        self._mailbox = mailbox

    def add(self, draft: JournalDraft) -> int:
        (entry_id,) = self.add_many([draft])
        return entry_id

    def add_many(self, drafts: Sequence[JournalDraft]) -> list[int]:
        """Journal creates about to be sent; returns their entry ids in the order given."""
        stamp = now()
        rows = [
            {
                "mailbox": self._mailbox,
                "entity": entry.entity,
                "target": entry.target,
                "nav_key": entry.nav_key,
                "outlook_id": entry.outlook_id,
                "payload": fastjson.dumps(entry.payload, default=str, sort_keys=True).decode(),
                "created_at": stamp,
            }
            for entry in drafts
        ]
        if not rows:
            return []
        with self._db.conn() as conn:
            if len(rows) <= FEW and conn.dialect.name == "sqlite":
                # A chunk's usual entries (one per entity with creates in it): each row straight to the driver,
                # its id the rowid SQLite gave it, which needs no check of the ids that follow.
                return [int(execute_one(conn, _insert, row).lastrowid) for row in rows]
            if conn.dialect.name == "sqlite":
                # SQLite gives a new row the table's largest rowid + 1, and this transaction holds the
                # database's write lock: the rows get consecutive ids, in order, ending at the last one.
                assert conn.in_transaction()  # the write lock is held from the first insert to the last
                execute_many(conn, _insert, rows)
                last = int(conn.exec_driver_sql("SELECT last_insert_rowid()").scalar_one())
                first = last - len(rows) + 1
                found = conn.exec_driver_sql(_OURS, (first, last, self._mailbox, stamp)).scalar_one()
                if found != len(rows):  # only when the largest rowid is 2**63 - 1: SQLite then picks at random
                    raise StateError(
                        path=self._db.location, reason="the journal's ids have run out; remove finished runs"
                    )
                return list(range(first, last + 1))
            if len(rows) > 1 and conn.dialect.insert_executemany_returning_sort_by_parameter_order:
                # One executemany whose RETURNING ids SQLAlchemy puts back in parameter order (SQLite
                # >= 3.35 and PostgreSQL); "insertmanyvalues" batches the rows into multi-row INSERTs.
                return [int(row[0]) for row in conn.execute(_insert_ids, rows)]
            # One row, or a dialect that cannot order an executemany's RETURNING: row by row.
            ids = []
            for row in rows:
                key = conn.execute(_insert, row).inserted_primary_key
                assert key is not None
                ids.append(int(key[0]))
            return ids

    def pending(self) -> list[JournalEntry]:
        """Every entry not yet removed, oldest first."""
        with self._db.conn() as conn:
            return [
                JournalEntry(r.id, r.entity, r.target, r.nav_key, r.outlook_id, fastjson.loads(r.payload))
                for r in conn.execute(_pending, {"b_mailbox": self._mailbox})
            ]

    def done(self, ids: Iterable[int]) -> None:
        """Remove entries (their creates are linked now, or were looked for); unknown ids are ignored."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return
        with self._db.conn() as conn:
            if conn.dialect.name == "sqlite":  # by primary key, straight to the driver (see `execute_many`)
                execute_many(conn, _delete_one, [{"b_id": entry_id} for entry_id in wanted])
                return
            for chunk in chunks(wanted):
                conn.execute(_delete, {"b_ids": chunk})
