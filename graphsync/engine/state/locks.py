"""The per-mailbox lock: one run of a mailbox at a time, across processes and hosts sharing the store.

A lock row names its holder (``pid N on HOST``); a holder that is a process of this host that no longer
exists (a killed run) is taken over.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from graphsync.engine.state._db import Database, now
from graphsync.engine.state.schema import locks
from graphsync.errors import LockHeldError


def _holder_is_gone(holder: str) -> bool:
    """A lock left by a process on this host that no longer exists (killed run) can be taken over."""
    parts = holder.split()
    if len(parts) != 4 or parts[0] != "pid" or parts[2] != "on" or parts[3] != socket.gethostname():
        return False
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, ValueError):
        return False
    return False


class Lock:
    """One mailbox's lock."""

    def __init__(self, db: Database, mailbox: str) -> None:
        self._db = db
        self._mailbox = mailbox

    def acquire(self, holder: str | None = None) -> str:
        """Take the lock; LockHeldError when a live run holds it. Returns the holder id to release."""
        box = self._mailbox
        me = holder or f"pid {os.getpid()} on {socket.gethostname()}"
        with self._db.conn() as conn:
            row = conn.execute(sa.select(locks.c.holder).where(locks.c.mailbox == box)).first()
            if row is not None and not _holder_is_gone(row.holder):
                raise LockHeldError(mailbox=box, holder=row.holder)
            if row is not None:
                conn.execute(locks.delete().where(locks.c.mailbox == box, locks.c.holder == row.holder))
            try:
                conn.execute(locks.insert().values(mailbox=box, holder=me, acquired_at=now()))
            except sa.exc.IntegrityError:
                current = conn.execute(sa.select(locks.c.holder).where(locks.c.mailbox == box)).scalar()
                raise LockHeldError(mailbox=box, holder=str(current)) from None
        return me

    def release(self, holder: str) -> None:
        with self._db.conn() as conn:
            conn.execute(locks.delete().where(locks.c.mailbox == self._mailbox, locks.c.holder == holder))

    @contextmanager
    def held(self) -> Iterator[str]:
        """The lock, for the block; released however the block ends."""
        holder = self.acquire()
        try:
            yield holder
        finally:
            self.release(holder)
