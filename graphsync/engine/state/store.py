"""`StateStore`: open (creating or migrating) a state store, and one mailbox's view of it.

store = StateStore("state.sqlite")                    # or an SQLAlchemy URL
box = store.mailbox("eh@contoso.com")                 # everything below is that mailbox's
box.links.by_nav(["5050:CT100006"]); box.cursors.get(DeltaCursor("contact"))
with store.transaction():                             # several writes, all or nothing
    box.links.save(links); box.journal.done(ids)
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from graphsync.engine.state._db import Database
from graphsync.engine.state.conflicts import Conflicts
from graphsync.engine.state.cursors import Cursors
from graphsync.engine.state.journal import Journal
from graphsync.engine.state.links import Links
from graphsync.engine.state.locks import Lock
from graphsync.engine.state.origins import Origins
from graphsync.engine.state.retries import Retries
from graphsync.engine.state.runs import Runs
from graphsync.engine.state.schema import (
    SCHEMA_VERSION,
    NewerSchemaError,
    conflicts,
    cursors,
    item_errors,
    journal,
    link_origins,
    links,
    migrate,
    retries,
    runs,
    schema_version,
    unlinked,
)
from graphsync.engine.state.unlinked import Unlinked
from graphsync.errors import StateError


class MailboxState:
    """Everything the store keeps for one mailbox, by concern. Views only: writes through them join the
    store's open transaction (`transaction`, the same as `StateStore.transaction`)."""

    __slots__ = (
        "_db",
        "conflicts",
        "cursors",
        "journal",
        "links",
        "lock",
        "mailbox",
        "origins",
        "retries",
        "runs",
        "unlinked",
    )

    def __init__(self, db: Database, mailbox: str) -> None:
        self._db = db
        self.mailbox = mailbox
        self.links = Links(db, mailbox)
        self.origins = Origins(db, mailbox)
        self.cursors = Cursors(db, mailbox)
        self.journal = Journal(db, mailbox)
        self.conflicts = Conflicts(db, mailbox)
        self.retries = Retries(db, mailbox)
        self.runs = Runs(db, mailbox)
        self.lock = Lock(db, mailbox)
        self.unlinked = Unlinked(db, mailbox)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several writes into one transaction (all or nothing, and one disk flush). Nested: joins."""
        with self._db.transaction():
            yield

    def forget(self, *, history: bool = False) -> dict[str, int]:
        """Forget everything the mailbox's next run would build on (links and their origins, cursors,
        conflicts, retries, journaled creates), in one transaction; with ``history`` its runs and their item
        errors too, and its unlinked items (a rollback's last step). Returns the rows removed per table. The
        lock is left to its holder. The next run starts as a first one: containers looked up by name, items
        paired by the NAV keys stamped on them; records a person unlinked stay so (they are that person's
        decisions, not sync state the next run could rebuild)."""
        box = self.mailbox
        removed: dict[str, int] = {}
        with self._db.transaction(), self._db.conn() as conn:
            tables = [links, link_origins, cursors, conflicts, retries, journal]
            if history:
                run_ids = sa.select(runs.c.id).where(runs.c.mailbox == box).scalar_subquery()
                removed[item_errors.name] = conn.execute(
                    item_errors.delete().where(item_errors.c.run_id.in_(run_ids))
                ).rowcount
                tables += [runs, unlinked]
            for table in tables:
                removed[table.name] = conn.execute(table.delete().where(table.c.mailbox == box)).rowcount
        return removed


def _url(url_or_path: str | Path | sa.URL) -> str | sa.URL:
    if isinstance(url_or_path, sa.URL):
        return url_or_path
    text = str(url_or_path)
    return text if "://" in text else f"sqlite:///{Path(text).expanduser()}"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets `graphsync status` read while a run writes; NORMAL sync is crash-safe in WAL mode.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


MIGRATION_LOCK = 0x6772_6170_6873_796E
"""The PostgreSQL advisory lock key that serialises migrations ("graphsyn"): workers starting together on
an empty database would otherwise each create the tables, and all but one fail."""


def _migrate(engine: sa.Engine) -> None:
    """`migrate`, one process at a time: PostgreSQL waits on an advisory lock held until the migration's
    transaction ends; SQLite has no such lock before the first write, so a process that finds another one
    creating the same tables at the same moment ("table already exists", a duplicate version, "database is
    locked") tries again and then finds them made."""
    attempts = 5
    for attempt in range(1, attempts + 1):
        try:
            with engine.begin() as conn:
                if engine.dialect.name == "postgresql":
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK)))
                migrate(conn)
            return
        except (sa.exc.OperationalError, sa.exc.IntegrityError):
            if engine.dialect.name != "sqlite" or attempt == attempts:
                raise
            time.sleep(0.05 * attempt)


class StateStore:
    """Open (creating or migrating) the store at a path or SQLAlchemy URL. StateError when it is unusable."""

    def __init__(self, url_or_path: str | Path | sa.URL) -> None:
        # A URL object may carry a password (`graphsync.runtime.stores.store_url`): shown without it.
        self.location = (
            url_or_path.render_as_string(hide_password=True) if isinstance(url_or_path, sa.URL) else str(url_or_path)
        )
        try:
            engine = sa.create_engine(_url(url_or_path))
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
            raise StateError(path=self.location, reason=f"not a usable database URL ({exc})") from None
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_pragmas)
        self._db = Database(engine, self.location)
        try:
            _migrate(engine)
        except NewerSchemaError as exc:
            engine.dispose()
            raise StateError(
                path=self.location,
                reason=f"schema version {exc.version} was written by a newer graphsync "
                f"(this one knows {SCHEMA_VERSION}); upgrade graphsync",
            ) from None
        except sa.exc.OperationalError as exc:
            engine.dispose()
            if engine.dialect.name == "sqlite":
                raise StateError(path=self.location, reason=f"not a graphsync state store ({exc.orig})") from None
            first = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
            raise StateError(path=self.location, reason=f"the database server cannot be used: {first}") from None
        except sa.exc.DatabaseError as exc:
            engine.dispose()
            raise StateError(path=self.location, reason=f"not a graphsync state store ({exc.orig})") from None

    def mailbox(self, mailbox: str) -> MailboxState:
        """The store's view of one mailbox (its links, cursors, journal, conflicts, retries, runs, lock,
        unlinked items)."""
        return MailboxState(self._db, mailbox)

    def mailboxes(self) -> list[str]:
        """Every mailbox the store has runs of, in order."""
        with self._db.conn() as conn:
            return [r[0] for r in conn.execute(sa.select(runs.c.mailbox).distinct().order_by(runs.c.mailbox))]

    def linked_mailboxes(self) -> list[str]:
        """Every mailbox with a link, in order (a migration links items before any sync has run there)."""
        with self._db.conn() as conn:
            return [r[0] for r in conn.execute(sa.select(links.c.mailbox).distinct().order_by(links.c.mailbox))]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several writes (of any mailbox view) into one transaction: all or nothing, one disk flush."""
        with self._db.transaction():
            yield

    @property
    def schema_version(self) -> int:
        with self._db.conn() as conn:
            return schema_version(conn)

    @property
    def engine(self) -> sa.Engine:
        """The SQLAlchemy engine (for tests and tools that inspect the store)."""
        return self._db.engine

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
