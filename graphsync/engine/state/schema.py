"""The state store's tables and their migrations.

The schema is versioned: `MIGRATIONS` lists the steps in order and opening a store applies the missing
ones (`migrate`); a store written by a newer graphsync is refused. The tables are SQLAlchemy Core, in
types every dialect has, so that the same schema serves SQLite (the default) and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from graphsync.engine.state._db import now

metadata = sa.MetaData()

schema_migrations = sa.Table(
    "schema_migrations",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", sa.String(40), nullable=False),
)
links = sa.Table(
    "links",
    metadata,
    sa.Column("mailbox", sa.String(320), primary_key=True),
    sa.Column("nav_key", sa.String(250), primary_key=True),
    sa.Column("entity", sa.String(20), nullable=False),
    sa.Column("outlook_id", sa.String(500), nullable=False),
    sa.Column("base", sa.Text, nullable=False),
    sa.Column("outlook_version", sa.String(200)),
    sa.Column("nav_etag", sa.String(200)),
    sa.Column("dirty", sa.Boolean, nullable=False, default=False),
    sa.Column("stamped", sa.Boolean, nullable=False, default=True),
    sa.Column("updated_at", sa.String(40), nullable=False),
    sa.Index("ix_links_outlook", "mailbox", "outlook_id"),
    sa.Index("ix_links_entity", "mailbox", "entity"),
)
# The two flags' indexes are partial (schema 4): each holds only the links with its flag raised (dirty, or
# not yet stamped), which a mailbox has few of, and is asked only for those (`Links.dirty`). A full
# (mailbox, flag) index added two index entries to every link saved, and their pages to every commit.
_DIRTY = links.c.dirty == sa.true()
_UNSTAMPED = links.c.stamped == sa.false()
_FLAG_INDEXES = (
    sa.Index("ix_links_dirty", links.c.mailbox, sqlite_where=_DIRTY, postgresql_where=_DIRTY),
    sa.Index("ix_links_stamped", links.c.mailbox, sqlite_where=_UNSTAMPED, postgresql_where=_UNSTAMPED),
)
cursors = sa.Table(
    "cursors",
    metadata,
    sa.Column("mailbox", sa.String(320), primary_key=True),
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
journal = sa.Table(
    "journal",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("mailbox", sa.String(320), nullable=False, index=True),
    sa.Column("entity", sa.String(20), nullable=False),
    sa.Column("target", sa.String(10), nullable=False),
    sa.Column("nav_key", sa.String(250)),
    sa.Column("outlook_id", sa.String(500)),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
)
conflicts = sa.Table(
    "conflicts",
    metadata,
    sa.Column("mailbox", sa.String(320), primary_key=True),
    sa.Column("nav_key", sa.String(250), primary_key=True),
    sa.Column("entity", sa.String(20), nullable=False),
    sa.Column("outlook_id", sa.String(500), nullable=False),
    sa.Column("fields", sa.Text, nullable=False),
    sa.Column("resolution", sa.String(10)),
    sa.Column("detected_at", sa.String(40), nullable=False),
)
runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("mailbox", sa.String(320), nullable=False, index=True),
    sa.Column("started_at", sa.String(40), nullable=False),
    sa.Column("finished_at", sa.String(40)),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("dry_run", sa.Boolean, nullable=False),
    sa.Column("counts", sa.Text, nullable=False, default="{}"),
)
item_errors = sa.Table(
    "item_errors",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, nullable=False, index=True),
    sa.Column("entity", sa.String(20), nullable=False),
    sa.Column("nav_key", sa.String(250)),
    sa.Column("outlook_id", sa.String(500)),
    sa.Column("error", sa.String(100), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
)
retries = sa.Table(
    "retries",
    metadata,
    sa.Column("mailbox", sa.String(320), primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("ref", sa.String(600), primary_key=True),
    sa.Column("added_at", sa.String(40), nullable=False),
)
link_origins = sa.Table(
    # Who made a linked item's Outlook side (`graphsync.engine.origins.Origin`): what a rollback needs to delete
    # only what graphsync created. A table of its own, so that the links' bulk upsert stays as it is.
    "link_origins",
    metadata,
    sa.Column("mailbox", sa.String(320), primary_key=True),
    sa.Column("nav_key", sa.String(250), primary_key=True),
    sa.Column("origin", sa.String(20), nullable=False),
    sa.Column("recorded_at", sa.String(40), nullable=False),
)
unlinked = sa.Table(
    # Links dropped while NAV's record lives on (`graphsync.engine.unlinks.UnlinkReason`), kept as they were, so
    # that no later run undoes the unlink: a full read would otherwise take the record for one never synced.
    "unlinked",
    metadata,
    sa.Column("mailbox", sa.String(320), primary_key=True),
    sa.Column("nav_key", sa.String(250), primary_key=True),
    sa.Column("entity", sa.String(20), nullable=False),
    sa.Column("outlook_id", sa.String(500), nullable=False),
    sa.Column("base", sa.Text, nullable=False),
    sa.Column("outlook_version", sa.String(200)),
    sa.Column("nav_etag", sa.String(200)),
    sa.Column("reason", sa.String(20), nullable=False),
    sa.Column("unlinked_at", sa.String(40), nullable=False),
)
locks = sa.Table(
    "locks",
    metadata,
    sa.Column("mailbox", sa.String(320), primary_key=True),
    sa.Column("holder", sa.String(300), nullable=False),
    sa.Column("acquired_at", sa.String(40), nullable=False),
)


def _v1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[links, cursors, journal, conflicts, runs, item_errors, retries, locks])


def _v2(conn: Connection) -> None:
    metadata.create_all(conn, tables=[link_origins])


def _v3(conn: Connection) -> None:
    metadata.create_all(conn, tables=[unlinked])


def _v4(conn: Connection) -> None:
    # Schema 1 made them full (mailbox, flag) indexes; a store made since has them partial already (``_v1``
    # creates the tables as they are now), and gets them made again, the same.
    for index in _FLAG_INDEXES:
        conn.execute(sa.text(f"DROP INDEX IF EXISTS {index.name}"))
        index.create(conn)


MIGRATIONS: Sequence[Callable[[Connection], None]] = (_v1, _v2, _v3, _v4)
"""Schema steps, in order; a store's version is the number of steps applied. Append, never edit."""
SCHEMA_VERSION = len(MIGRATIONS)


class NewerSchemaError(Exception):
    """The store's schema is ``version``, written by a newer graphsync than this one."""

    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


def schema_version(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.max(schema_migrations.c.version))).scalar() or 0)


def migrate(conn: Connection) -> None:
    """Apply the steps the store lacks, in the caller's transaction; NewerSchemaError for a newer store."""
    schema_migrations.create(conn, checkfirst=True)
    version = schema_version(conn)
    if version > SCHEMA_VERSION:
        raise NewerSchemaError(version)
    for number in range(version + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[number - 1](conn)
        conn.execute(schema_migrations.insert().values(version=number, applied_at=now()))
