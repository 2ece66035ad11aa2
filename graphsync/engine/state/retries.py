"""Retries: unlinked items whose write failed (``nav:<key>`` or ``outlook:<id>``), and meetings dated after
the sync window. The cursors move on past them, so the next run must look at each again by itself."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from graphsync.engine.state._db import Database, chunks, now
from graphsync.engine.state.schema import retries

_delete = retries.delete().where(
    retries.c.mailbox == sa.bindparam("b_mailbox"),
    retries.c.kind == sa.bindparam("b_kind"),
    retries.c.ref.in_(sa.bindparam("b_refs", expanding=True)),
)
_insert = retries.insert()
_waiting = (
    sa.select(retries.c.ref)
    .where(retries.c.mailbox == sa.bindparam("b_mailbox"), retries.c.kind == sa.bindparam("b_kind"))
    .order_by(retries.c.ref)
)
"""Built once, as the statements of every run's start are (`links._any`)."""


class Retries:
    """One mailbox's retries, per Outlook item kind (``contact``, ``event``, ``task``)."""

    def __init__(self, db: Database, mailbox: str) -> None:
        self._db = db
        self._mailbox = mailbox

    def add(self, kind: str, refs: Iterable[str]) -> None:
        """Remember refs to look at again; a ref already waiting gets a fresh ``added_at``."""
        wanted = list(dict.fromkeys(refs))
        stamp = now()
        box = self._mailbox
        with self._db.conn() as conn:
            for chunk in chunks(wanted):
                # Delete then insert rather than an upsert: plain SQL every SQLAlchemy dialect has.
                conn.execute(_delete, {"b_mailbox": box, "b_kind": kind, "b_refs": chunk})
                conn.execute(_insert, [{"mailbox": box, "kind": kind, "ref": ref, "added_at": stamp} for ref in chunk])

    def waiting(self, kind: str) -> list[str]:
        """The refs waiting for a kind, in order."""
        with self._db.conn() as conn:
            return [r[0] for r in conn.execute(_waiting, {"b_mailbox": self._mailbox, "b_kind": kind})]

    def clear(self, kind: str, refs: Iterable[str]) -> None:
        with self._db.conn() as conn:
            for chunk in chunks(list(dict.fromkeys(refs))):
                conn.execute(_delete, {"b_mailbox": self._mailbox, "b_kind": kind, "b_refs": chunk})
