"""The per-mailbox lock: one run of a mailbox at a time, across processes and hosts sharing the store.

A lock row names its holder (``pid N on HOST``), for the message a second run gets.

- **SQLite** (one machine): the row is the lock. A holder that is a process of this host that no longer
  exists (a killed run) is taken over.
- **PostgreSQL** (a cluster): the lock is a session-level advisory lock (``pg_try_advisory_lock``) on a
  connection the store keeps for its locks, and the row only says who holds it. PostgreSQL releases an
  advisory lock when its session ends, so a worker that is killed, or whose machine dies, loses its locks
  when its connection closes (at once for a killed process; for a vanished host, when TCP keepalive gives
  up on it: about a minute with the keepalive settings the lock session asks for). A row whose advisory lock
  nobody holds is a dead holder's, and is taken over: no time-based guess, so a slow run is never mistaken
  for a dead one. A run asks `Lock.still_held` between chunks (`graphsync.runtime` does) and stops if its
  lock session was lost, before another worker can have started on the mailbox.

  An advisory lock key is 64 bits of a hash of the mailbox's name: two mailboxes whose names collide (one
  chance in about 10**19 per pair) would only wait for each other.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from graphsync.engine.state._db import Database, now
from graphsync.engine.state.schema import locks
from graphsync.errors import LockHeldError, StateError

KEEPALIVE = (("tcp_keepalives_idle", 30), ("tcp_keepalives_interval", 10), ("tcp_keepalives_count", 3))
"""The lock session's server-side TCP keepalive (seconds idle, between probes, probes)."""
LIVENESS_INTERVAL = 5.0
"""Seconds between two checks that a PostgreSQL lock session is still alive (`Lock.still_held`)."""


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


def _claim_statement() -> sa.Insert:
    from sqlalchemy.dialects.postgresql import insert

    stmt = insert(locks)
    claim: sa.Insert = stmt.on_conflict_do_update(
        index_elements=[locks.c.mailbox],
        set_={"holder": stmt.excluded.holder, "acquired_at": stmt.excluded.acquired_at},
    )
    return claim


_claim = _claim_statement()
"""The lock row, written (or a dead holder's replaced) in one statement: the lock session is in autocommit."""


def advisory_key(mailbox: str) -> int:
    """The mailbox's advisory lock key: a signed 64-bit integer, the same in every process and version."""
    digest = hashlib.blake2b(f"graphsync mailbox lock:{mailbox}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class _LockSession:
    """The connection a store's PostgreSQL advisory locks live on (one per store, whatever the number of
    mailboxes it locks), in autocommit: an advisory lock taken in a transaction would not outlive it."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._conn: Connection | None = None
        self.held: dict[str, str] = {}
        """Mailbox -> holder, for the locks this session holds."""
        self.checked = 0.0
        self.guard = threading.Lock()

    def conn(self) -> Connection:
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            if self.held:
                # The session holding them is gone, and with it the locks: they must not be thought held.
                lost = ", ".join(sorted(self.held))
                self.held.clear()
                raise StateError(path=self._db.location, reason=f"the lock session was lost (mailboxes {lost})")
            conn = self._db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            # A host that vanishes must not hold its mailboxes for the two hours of the kernel's default
            # keepalive: the server probes an idle lock session after 30 s, every 10 s, 3 times.
            for name, value in KEEPALIVE:
                conn.exec_driver_sql(f"SET {name} = {value}")
            self._conn = conn
            self.checked = time.monotonic()
        return self._conn

    def alive(self) -> bool:
        """Whether the session (and so every lock on it) is still there; asked of the server at most every
        `LIVENESS_INTERVAL` seconds."""
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            return False
        if time.monotonic() - self.checked < LIVENESS_INTERVAL:
            return True
        try:
            self._conn.exec_driver_sql("SELECT 1")
        except sa.exc.DBAPIError:
            return False
        self.checked = time.monotonic()
        return True

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self.held.clear()


def _session(db: Database) -> _LockSession:
    session = db.extras.get("locks")
    if session is None:
        session = db.extras["locks"] = _LockSession(db)
        db.on_close(session.close)
    assert isinstance(session, _LockSession)
    return session


class Lock:
    """One mailbox's lock."""

    def __init__(self, db: Database, mailbox: str) -> None:
        self._db = db
        self._mailbox = mailbox

    def _advisory(self) -> bool:
        return self._db.engine.dialect.name == "postgresql"

    def acquire(self, holder: str | None = None) -> str:
        """Take the lock; LockHeldError when a live run holds it. Returns the holder id to release."""
        me = holder or f"pid {os.getpid()} on {socket.gethostname()}"
        if self._advisory():
            return self._acquire_advisory(me)
        box = self._mailbox
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

    def _acquire_advisory(self, me: str) -> str:
        box = self._mailbox
        session = _session(self._db)
        with session.guard:
            if box in session.held:  # this store already runs the mailbox (advisory locks are re-entrant)
                raise LockHeldError(mailbox=box, holder=session.held[box])
            conn = session.conn()
            got = conn.execute(sa.select(sa.func.pg_try_advisory_lock(advisory_key(box)))).scalar()
            if not got:
                row = conn.execute(sa.select(locks.c.holder).where(locks.c.mailbox == box)).scalar()
                raise LockHeldError(mailbox=box, holder=str(row) if row else "another graphsync process")
            try:
                # Ours now: a row left here was a dead holder's (its session ended, and its lock with it).
                conn.execute(_claim, {"mailbox": box, "holder": me, "acquired_at": now()})
            except BaseException:
                conn.execute(sa.select(sa.func.pg_advisory_unlock(advisory_key(box))))
                raise
            session.held[box] = me
        return me

    def release(self, holder: str) -> None:
        if self._advisory():
            self._release_advisory(holder)
            return
        with self._db.conn() as conn:
            conn.execute(locks.delete().where(locks.c.mailbox == self._mailbox, locks.c.holder == holder))

    def _release_advisory(self, holder: str) -> None:
        box = self._mailbox
        session = _session(self._db)
        with session.guard:
            if session.held.get(box) != holder:
                return
            del session.held[box]
            try:
                conn = session.conn()
                conn.execute(locks.delete().where(locks.c.mailbox == box, locks.c.holder == holder))
                conn.execute(sa.select(sa.func.pg_advisory_unlock(advisory_key(box))))
            except (sa.exc.DBAPIError, StateError):
                session.close()  # a lost session has released every lock it held already

    @property
    def can_be_lost(self) -> bool:
        """Whether the lock can go while a run holds it (PostgreSQL: with its session), so that a run must
        ask `still_held` as it goes."""
        return self._advisory()

    def still_held(self) -> bool:
        """Whether this store still holds the mailbox's lock: always, on SQLite (the row stays until
        released); on PostgreSQL, while the lock session is alive (checked at most every few seconds)."""
        if not self._advisory():
            return True
        session = _session(self._db)
        with session.guard:
            return self._mailbox in session.held and session.alive()

    @contextmanager
    def held(self) -> Iterator[str]:
        """The lock, for the block; released however the block ends."""
        holder = self.acquire()
        try:
            yield holder
        finally:
            self.release(holder)
