"""Origins: who made a linked item's Outlook side (`graphsync.engine.origins.Origin`), so that a rollback
deletes only what graphsync created. A table of its own (schema 2), so that the links' bulk upsert stays as
it is; a link's origin goes with the link (`Links.drop`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sqlalchemy as sa

from graphsync.engine.origins import Origin
from graphsync.engine.state._db import Database, chunks, now, upsert_of, write_many
from graphsync.engine.state.schema import link_origins

_delete = link_origins.delete().where(
    link_origins.c.mailbox == sa.bindparam("b_mailbox"),
    link_origins.c.nav_key.in_(sa.bindparam("b_keys", expanding=True)),
)
_insert = link_origins.insert()


class Origins:
    """One mailbox's recorded origins, by NAV key."""

    def __init__(self, db: Database, mailbox: str) -> None:
        self._db = db
        self._mailbox = mailbox

    def set(self, origins: Mapping[str, Origin]) -> None:
        """Record who made the Outlook side of linked items (NAV key -> origin); a key recorded before gets
        the new origin."""
        if not origins:
            return
        stamp = now()
        box = self._mailbox
        with self._db.conn() as conn:
            upsert = upsert_of(conn, link_origins)
            if upsert is not None:
                # One statement per chunk recorded (every chunk of an initial load has its creates' origins).
                rows = [
                    {"mailbox": box, "nav_key": key, "origin": origin.value, "recorded_at": stamp}
                    for key, origin in origins.items()
                ]
                write_many(conn, upsert, rows)
                return
            for chunk in chunks(list(origins)):
                # Other dialects: delete then insert, plain SQL every SQLAlchemy dialect has.
                conn.execute(_delete, {"b_mailbox": box, "b_keys": chunk})
                rows = [{"mailbox": box, "nav_key": k, "origin": origins[k].value, "recorded_at": stamp} for k in chunk]
                write_many(conn, _insert, rows)

    def all(self) -> dict[str, Origin]:
        """Every recorded origin of the mailbox, by NAV key. A value this graphsync does not know (written by a
        newer one) is left out: not known to be created, so a rollback keeps the item."""
        query = sa.select(link_origins.c.nav_key, link_origins.c.origin).where(link_origins.c.mailbox == self._mailbox)
        known = {o.value: o for o in Origin}
        with self._db.conn() as conn:
            return {key: known[value] for key, value in conn.execute(query) if value in known}

    def drop(self, nav_keys: Iterable[str]) -> None:
        with self._db.conn() as conn:
            for chunk in chunks(list(dict.fromkeys(nav_keys))):
                conn.execute(_delete, {"b_mailbox": self._mailbox, "b_keys": chunk})
