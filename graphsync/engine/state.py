"""The state store: everything graphsync remembers between runs, per mailbox.

Links (NAV key <-> Outlook id, with the last synced normalised value of every field, the Outlook version
and the NAV ETag), cursors (delta links, NAV watermarks, field-map fingerprints), the write journal that
makes an interrupted create findable again, conflicts with their field-by-field details and resolutions,
run history with per-item errors, and the per-mailbox lock.

SQLAlchemy Core over SQLite by default; any SQLAlchemy URL (``postgresql+psycopg://...``) works too, which
is what multi-worker tenant runs need. The schema is versioned: `MIGRATIONS` lists the steps in order and
opening a store applies the missing ones; a store written by a newer graphsync is refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import socket
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from graphsync import fastjson
from graphsync.errors import LockHeldError, StateError

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
    sa.Index("ix_links_dirty", "mailbox", "dirty"),
    sa.Index("ix_links_stamped", "mailbox", "stamped"),
    sa.Index("ix_links_entity", "mailbox", "entity"),
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
locks = sa.Table(
    "locks",
    metadata,
    sa.Column("mailbox", sa.String(320), primary_key=True),
    sa.Column("holder", sa.String(300), nullable=False),
    sa.Column("acquired_at", sa.String(40), nullable=False),
)


def _v1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[links, cursors, journal, conflicts, runs, item_errors, retries, locks])


MIGRATIONS: Sequence[Callable[[Connection], None]] = (_v1,)
"""Schema steps, in order; a store's version is the number of steps applied. Append, never edit."""
SCHEMA_VERSION = len(MIGRATIONS)

_CHUNK = 500
"""Keys per IN list: well under SQLite's bound-variable limit (999 before 3.32), and a small statement."""

# Statements built once. Building a Core statement per row (``.values(**row)``, ``.where(col == value)``)
# costs more in argument coercion and cache-key generation than running the SQL, so the hot paths bind
# their values as parameters to these and pass rows as a list of dicts (an executemany).
# Names in WHERE clauses of UPDATE/INSERT carry a ``b_`` prefix: a bindparam named like a column is
# reserved by SQLAlchemy for that column's SET/VALUES value.
_LINK_KEY = ("mailbox", "nav_key")
_LINK_SET = ("entity", "outlook_id", "base", "outlook_version", "nav_etag", "dirty", "stamped", "updated_at")
_link_update = (
    links.update()
    .where(links.c.mailbox == sa.bindparam("b_mailbox"), links.c.nav_key == sa.bindparam("b_nav_key"))
    .values({name: sa.bindparam(name) for name in _LINK_SET})
)
_link_insert = links.insert()
_links_select = {
    "nav_key": sa.select(links).where(
        links.c.mailbox == sa.bindparam("mailbox"), links.c.nav_key.in_(sa.bindparam("values", expanding=True))
    ),
    "outlook_id": sa.select(links).where(
        links.c.mailbox == sa.bindparam("mailbox"), links.c.outlook_id.in_(sa.bindparam("values", expanding=True))
    ),
}
_link_ids_select = {
    # A link's keys without its base (JSON, the bulk of a row): what a run needs to pair items and sides
    # before it reads the links it plans, a chunk at a time.
    name: sa.select(links.c.nav_key, links.c.outlook_id, links.c.entity).where(
        links.c.mailbox == sa.bindparam("mailbox"), column.in_(sa.bindparam("values", expanding=True))
    )
    for name, column in (("nav_key", links.c.nav_key), ("outlook_id", links.c.outlook_id))
}
_links_select_one = {
    "nav_key": sa.select(links).where(
        links.c.mailbox == sa.bindparam("mailbox"), links.c.nav_key == sa.bindparam("value")
    ),
    "outlook_id": sa.select(links).where(
        links.c.mailbox == sa.bindparam("mailbox"), links.c.outlook_id == sa.bindparam("value")
    ),
}
_links_delete = links.delete().where(
    links.c.mailbox == sa.bindparam("b_mailbox"), links.c.nav_key.in_(sa.bindparam("b_keys", expanding=True))
)
_conflicts_delete = conflicts.delete().where(
    conflicts.c.mailbox == sa.bindparam("b_mailbox"), conflicts.c.nav_key.in_(sa.bindparam("b_keys", expanding=True))
)
_links_mark_dirty = (
    links.update()
    .where(links.c.mailbox == sa.bindparam("b_mailbox"), links.c.nav_key.in_(sa.bindparam("b_keys", expanding=True)))
    .values(dirty=True)
)
_cursor_select = sa.select(cursors.c.value).where(
    cursors.c.mailbox == sa.bindparam("mailbox"), cursors.c.name == sa.bindparam("name")
)
_cursor_delete = cursors.delete().where(
    cursors.c.mailbox == sa.bindparam("b_mailbox"), cursors.c.name == sa.bindparam("b_name")
)
_cursor_insert = cursors.insert()
_retries_delete = retries.delete().where(
    retries.c.mailbox == sa.bindparam("b_mailbox"),
    retries.c.kind == sa.bindparam("b_kind"),
    retries.c.ref.in_(sa.bindparam("b_refs", expanding=True)),
)
_retries_insert = retries.insert()
_journal_insert = journal.insert()
_journal_insert_ids = journal.insert().returning(journal.c.id, sort_by_parameter_order=True)
_JOURNAL_OURS = "SELECT count(*) FROM journal WHERE id BETWEEN ? AND ? AND mailbox = ? AND created_at = ?"
"""How many of the rowids a chunk's journal entries should have got are theirs (SQLite's paramstyle: the
check runs there only, once per chunk, where building a Core statement cost more than the query)."""
_journal_delete_one = journal.delete().where(journal.c.id == sa.bindparam("b_id"))
_journal_delete = journal.delete().where(journal.c.id.in_(sa.bindparam("b_ids", expanding=True)))


def _link_upsert(dialect: Dialect) -> sa.Insert | None:
    """``INSERT ... ON CONFLICT (mailbox, nav_key) DO UPDATE`` for the dialects that have it, else None.

    Only SQLite is tested here; the PostgreSQL form is the same construct from SQLAlchemy's postgresql
    dialect (no PostgreSQL server was available to run it against)."""
    if dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt: Any = sqlite_insert(links)
    elif dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        stmt = postgresql_insert(links)
    else:
        return None
    upsert: sa.Insert = stmt.on_conflict_do_update(
        index_elements=[links.c[name] for name in _LINK_KEY],
        set_={name: stmt.excluded[name] for name in _LINK_SET},
    )
    return upsert


_link_upserts: dict[str, sa.Insert | None] = {}
"""`_link_upsert` per dialect name, built on first use."""

_compiled: dict[tuple[str, str, int, tuple[str, ...]], Any] = {}
"""Statements compiled for `_execute_many`, by dialect and driver, statement and the columns given."""


def _execute_many(conn: Connection, stmt: sa.Insert | sa.Delete, rows: Sequence[Mapping[str, Any]]) -> None:
    """``stmt`` executed for every row of plain values (strings, ints, bools, None), straight through the
    driver's executemany. Through ``conn.execute`` SQLAlchemy builds and processes each row's parameters in
    Python, which for the links and journal entries of a large run cost more than the database's own work."""
    columns = tuple(rows[0])  # every row has the same columns
    key = (conn.dialect.name, conn.dialect.driver, id(stmt), columns)
    compiled = _compiled.get(key)
    if compiled is None:
        compiled = _compiled[key] = stmt.compile(dialect=conn.dialect, column_keys=list(columns))
    names = compiled.positiontup
    params: Any = [tuple([row[name] for name in names]) for row in rows] if names is not None else list(rows)
    conn.exec_driver_sql(compiled.string, params)


def _chunks(values: Sequence[str] | Sequence[int]) -> Iterator[list[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Link:
    mailbox: str
    entity: str
    nav_key: str
    outlook_id: str
    base: Mapping[str, str | None]
    outlook_version: str | None = None
    nav_etag: str | None = None
    dirty: bool = False
    """The item must be re-read on both sides next run (a write failed, a conflict waits, a resolution)."""
    stamped: bool = True
    """False until the Outlook item carries the NAV key (items created in Outlook get it after NAV's insert)."""


_LINK_FIELDS = tuple(f.name for f in dataclasses.fields(Link))
_LINK_COLUMNS_SQL = ", ".join(links.c[name].name for name in _LINK_FIELDS)  # a column for every field


def _link_of(values: tuple[Any, ...]) -> Link:
    """A `Link` from a links row's values in `_LINK_FIELDS` order. Filled in directly: a frozen
    dataclass's __init__ sets each field through object.__setattr__, and a full round makes one per item."""
    link = object.__new__(Link)
    fields = dict(zip(_LINK_FIELDS, values, strict=True))
    fields["base"] = fastjson.loads(fields["base"])
    fields["dirty"], fields["stamped"] = bool(fields["dirty"]), bool(fields["stamped"])
    link.__dict__.update(fields)
    return link


class LinkIds(NamedTuple):
    """A link's keys alone (read by the thousand when a run pairs items: a named tuple, not a dataclass)."""

    nav_key: str
    outlook_id: str
    entity: str


@dataclass(frozen=True)
class JournalEntry:
    id: int
    entity: str
    target: str
    """Which side the interrupted create was writing to: "outlook" or "nav"."""
    nav_key: str | None
    outlook_id: str | None
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class JournalDraft:
    """A create about to be sent, for `StateStore.journal_add_many`; the store gives it its id."""

    entity: str
    target: str
    """Which side the create writes to: "outlook" or "nav"."""
    nav_key: str | None
    outlook_id: str | None
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class ConflictRecord:
    mailbox: str
    entity: str
    nav_key: str
    outlook_id: str
    fields: tuple[Mapping[str, str | None], ...]
    """One mapping per conflicting field: ``field``, ``base``, ``nav``, ``outlook``."""
    resolution: str | None
    detected_at: str


@dataclass(frozen=True)
class RunRecord:
    id: int
    mailbox: str
    started_at: str
    finished_at: str | None
    status: str
    dry_run: bool
    counts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemErrorRecord:
    run_id: int
    entity: str
    nav_key: str | None
    outlook_id: str | None
    error: str
    message: str


def _url(url_or_path: str | Path | sa.URL) -> str | sa.URL:
    if isinstance(url_or_path, sa.URL):
        return url_or_path
    text = str(url_or_path)
    return text if "://" in text else f"sqlite:///{Path(text).expanduser()}"


class StateStore:
    """Open (creating or migrating) the store at a path or SQLAlchemy URL. StateError when it is unusable."""

    def __init__(self, url_or_path: str | Path | sa.URL) -> None:
        # A URL object may carry a password (`graphsync.runtime.state.store_url`): shown without it.
        self.location = (
            url_or_path.render_as_string(hide_password=True) if isinstance(url_or_path, sa.URL) else str(url_or_path)
        )
        url = _url(url_or_path)
        try:
            self._engine = sa.create_engine(url)
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
            raise StateError(path=self.location, reason=f"not a usable database URL ({exc})") from None
        if self._engine.dialect.name == "sqlite":
            sa.event.listen(self._engine, "connect", _sqlite_pragmas)
        self._tx: Connection | None = None
        try:
            self._migrate()
        except sa.exc.DatabaseError as exc:
            self._engine.dispose()
            raise StateError(path=self.location, reason=f"not a graphsync state store ({exc.orig})") from None

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ plumbing

    def _migrate(self) -> None:
        with self._engine.begin() as conn:
            schema_migrations.create(conn, checkfirst=True)
            version = conn.execute(sa.select(sa.func.max(schema_migrations.c.version))).scalar() or 0
            if version > SCHEMA_VERSION:
                raise StateError(
                    path=self.location,
                    reason=f"schema version {version} was written by a newer graphsync "
                    f"(this one knows {SCHEMA_VERSION}); upgrade graphsync",
                )
            for number in range(version + 1, SCHEMA_VERSION + 1):
                MIGRATIONS[number - 1](conn)
                conn.execute(schema_migrations.insert().values(version=number, applied_at=_now()))

    @property
    def schema_version(self) -> int:
        with self._conn() as conn:
            return int(conn.execute(sa.select(sa.func.max(schema_migrations.c.version))).scalar() or 0)

    @contextmanager
    def _conn(self) -> Iterator[Connection]:
        if self._tx is not None:
            yield self._tx
            return
        with self._engine.begin() as conn:
            yield conn

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several writes into one transaction (all or nothing, and one disk flush)."""
        if self._tx is not None:
            yield
            return
        with self._engine.begin() as conn:
            self._tx = conn
            try:
                yield
            finally:
                self._tx = None

    # ------------------------------------------------------------------ lock

    def acquire_lock(self, mailbox: str, holder: str | None = None) -> str:
        """Take the mailbox's lock; LockHeldError when a live run holds it. Returns the holder id to release."""
        me = holder or f"pid {os.getpid()} on {socket.gethostname()}"
        with self._conn() as conn:
            row = conn.execute(sa.select(locks.c.holder).where(locks.c.mailbox == mailbox)).first()
            if row is not None and not _holder_is_gone(row.holder):
                raise LockHeldError(mailbox=mailbox, holder=row.holder)
            if row is not None:
                conn.execute(locks.delete().where(locks.c.mailbox == mailbox, locks.c.holder == row.holder))
            try:
                conn.execute(locks.insert().values(mailbox=mailbox, holder=me, acquired_at=_now()))
            except sa.exc.IntegrityError:
                current = conn.execute(sa.select(locks.c.holder).where(locks.c.mailbox == mailbox)).scalar()
                raise LockHeldError(mailbox=mailbox, holder=str(current)) from None
        return me

    def release_lock(self, mailbox: str, holder: str) -> None:
        with self._conn() as conn:
            conn.execute(locks.delete().where(locks.c.mailbox == mailbox, locks.c.holder == holder))

    @contextmanager
    def lock(self, mailbox: str) -> Iterator[str]:
        holder = self.acquire_lock(mailbox)
        try:
            yield holder
        finally:
            self.release_lock(mailbox, holder)

    # ------------------------------------------------------------------ links

    @staticmethod
    def _link(row: Any) -> Link:
        return _link_of(tuple(row._mapping[name] for name in _LINK_FIELDS))

    def links_by_nav(self, mailbox: str, keys: Iterable[str]) -> dict[str, Link]:
        return self._links_where(mailbox, links.c.nav_key, keys, lambda link: link.nav_key)

    def links_by_outlook(self, mailbox: str, ids: Iterable[str]) -> dict[str, Link]:
        return self._links_where(mailbox, links.c.outlook_id, ids, lambda link: link.outlook_id)

    def _links_where(
        self, mailbox: str, column: sa.Column[str], values: Iterable[str], key: Callable[[Link], str]
    ) -> dict[str, Link]:
        wanted = list(dict.fromkeys(values))
        query = _links_select[column.name]
        result: dict[str, Link] = {}
        with self._conn() as conn:
            # SQLite: rows as the driver gives them (a full round reads every link whole, and SQLAlchemy's row
            # objects cost more than the query).
            raw = conn.dialect.name == "sqlite"
            for chunk in _chunks(wanted):
                if raw:
                    marks = ",".join("?" * len(chunk))
                    sql = f"SELECT {_LINK_COLUMNS_SQL} FROM links WHERE mailbox = ? AND {column.name} IN ({marks})"
                    for values in conn.exec_driver_sql(sql, (mailbox, *chunk)):
                        link = _link_of(tuple(values))
                        result[key(link)] = link
                    continue
                for row in conn.execute(query, {"mailbox": mailbox, "values": chunk}):
                    link = self._link(row)
                    result[key(link)] = link
        return result

    def link_ids_by_nav(self, mailbox: str, keys: Iterable[str]) -> list[LinkIds]:
        """The keys of the links of these NAV keys (no base: cheaper than `links_by_nav`)."""
        return self._link_ids_where(mailbox, "nav_key", keys)

    def link_ids_by_outlook(self, mailbox: str, ids: Iterable[str]) -> list[LinkIds]:
        """The keys of the links of these Outlook ids (no base: cheaper than `links_by_outlook`)."""
        return self._link_ids_where(mailbox, "outlook_id", ids)

    def _link_ids_where(self, mailbox: str, column: str, values: Iterable[str]) -> list[LinkIds]:
        found: list[LinkIds] = []
        with self._conn() as conn:
            for chunk in _chunks(list(dict.fromkeys(values))):
                rows = conn.execute(_link_ids_select[column], {"mailbox": mailbox, "values": chunk})
                found.extend(LinkIds(*row) for row in rows)
        return found

    def iter_link_ids(
        self, mailbox: str, *, entities: Iterable[str] | None = None, page: int = 5_000
    ) -> Iterator[LinkIds]:
        """The keys of every link of the mailbox (of ``entities``), a page at a time in NAV key order."""
        names = None if entities is None else list(entities)
        after = ""
        while True:
            query = sa.select(links.c.nav_key, links.c.outlook_id, links.c.entity).where(
                links.c.mailbox == mailbox, links.c.nav_key > after
            )
            if names is not None:
                query = query.where(links.c.entity.in_(names))
            with self._conn() as conn:
                rows = [LinkIds(*r) for r in conn.execute(query.order_by(links.c.nav_key).limit(page))]
            yield from rows
            if len(rows) < page:
                return
            after = rows[-1].nav_key

    def _link_where(self, mailbox: str, column: str, value: str) -> Link | None:
        # The engine looks items up one at a time while reading changes; a plain ``=`` with a prebuilt
        # statement avoids rendering an expanding IN list per call.
        with self._conn() as conn:
            row = conn.execute(_links_select_one[column], {"mailbox": mailbox, "value": value}).first()
        return None if row is None else self._link(row)

    def link_by_nav(self, mailbox: str, nav_key: str) -> Link | None:
        return self._link_where(mailbox, "nav_key", nav_key)

    def link_by_outlook(self, mailbox: str, outlook_id: str) -> Link | None:
        return self._link_where(mailbox, "outlook_id", outlook_id)

    def all_links(self, mailbox: str, *, entities: Iterable[str] | None = None) -> list[Link]:
        """Every link at once, in NAV key order (for small mailboxes and tests; a run uses `iter_links`)."""
        return list(self.iter_links(mailbox, entities=entities))

    def iter_links(self, mailbox: str, *, entities: Iterable[str] | None = None, page: int = 1_000) -> Iterator[Link]:
        """Every link of the mailbox (of ``entities``), read a page at a time in NAV key order: a full round
        looks at all of them, which must not mean holding them all at once."""
        names = None if entities is None else list(entities)
        after = ""
        while True:
            query = sa.select(links).where(links.c.mailbox == mailbox, links.c.nav_key > after)
            if names is not None:
                query = query.where(links.c.entity.in_(names))
            with self._conn() as conn:
                rows = [self._link(r) for r in conn.execute(query.order_by(links.c.nav_key).limit(page))]
            yield from rows
            if len(rows) < page:
                return
            after = rows[-1].nav_key

    def dirty_links(self, mailbox: str) -> list[Link]:
        # Two queries, each answered from its own (mailbox, flag) index: an OR of the two makes SQLite scan
        # every link of the mailbox, which a no-change run must not do.
        found: dict[str, Link] = {}
        with self._conn() as conn:
            for condition in (links.c.dirty == sa.true(), links.c.stamped == sa.false()):
                for row in conn.execute(sa.select(links).where(links.c.mailbox == mailbox, condition)):
                    found[row.nav_key] = self._link(row)
        return list(found.values())

    def has_links(self, mailbox: str, *, entities: Iterable[str]) -> bool:
        """Whether the mailbox has any link of ``entities``: one probe of the links' index, not a count."""
        query = sa.select(links.c.nav_key).where(links.c.mailbox == mailbox, links.c.entity.in_(list(entities)))
        with self._conn() as conn:
            return conn.execute(query.limit(1)).first() is not None

    def count_links(self, mailbox: str) -> dict[str, int]:
        with self._conn() as conn:
            rows = conn.execute(
                sa.select(links.c.entity, sa.func.count()).where(links.c.mailbox == mailbox).group_by(links.c.entity)
            )
            return {r[0]: int(r[1]) for r in rows}

    def save_links(self, items: Iterable[Link]) -> None:
        """Insert or update links (by mailbox and NAV key) in one statement; ``updated_at`` becomes now."""
        now = _now()
        # A key given twice keeps its last link, as one-by-one saves would; it also has to be unique for
        # PostgreSQL, whose driver may send the batch as one multi-row INSERT, and a row cannot be
        # updated twice by one ON CONFLICT statement.
        rows = {
            (link.mailbox, link.nav_key): {
                "mailbox": link.mailbox,
                "nav_key": link.nav_key,
                "entity": link.entity,
                "outlook_id": link.outlook_id,
                "base": fastjson.dumps(link.base, sort_keys=True).decode(),
                "outlook_version": link.outlook_version,
                "nav_etag": link.nav_etag,
                "dirty": link.dirty,
                "stamped": link.stamped,
                "updated_at": now,
            }
            for link in items
        }
        if not rows:
            return
        with self._conn() as conn:
            dialect = conn.dialect
            if dialect.name not in _link_upserts:
                _link_upserts[dialect.name] = _link_upsert(dialect)
            upsert = _link_upserts[dialect.name]
            if upsert is not None:
                if dialect.name == "sqlite":  # straight to the driver (see `_execute_many`)
                    _execute_many(conn, upsert, list(rows.values()))
                else:  # SQLAlchemy batches them into multi-row statements, where a driver may not
                    conn.execute(upsert, list(rows.values()))
                return
            # Other dialects: UPDATE, and INSERT what was not there. Row by row, because an executemany's
            # rowcount does not say which rows matched.
            for row in rows.values():
                keyed = {**row, "b_mailbox": row["mailbox"], "b_nav_key": row["nav_key"]}
                if conn.execute(_link_update, keyed).rowcount == 0:
                    conn.execute(_link_insert, row)

    def save_link(self, link: Link) -> None:
        self.save_links([link])

    def drop_links(self, mailbox: str, nav_keys: Iterable[str]) -> None:
        """Forget links and their conflicts."""
        with self._conn() as conn:
            for chunk in _chunks(list(dict.fromkeys(nav_keys))):
                conn.execute(_links_delete, {"b_mailbox": mailbox, "b_keys": chunk})
                conn.execute(_conflicts_delete, {"b_mailbox": mailbox, "b_keys": chunk})

    def drop_link(self, mailbox: str, nav_key: str) -> None:
        self.drop_links(mailbox, [nav_key])

    def mark_dirty_many(self, mailbox: str, nav_keys: Iterable[str]) -> None:
        """Mark links to be re-read on both sides next run; keys without a link are ignored."""
        with self._conn() as conn:
            for chunk in _chunks(list(dict.fromkeys(nav_keys))):
                conn.execute(_links_mark_dirty, {"b_mailbox": mailbox, "b_keys": chunk})

    def mark_dirty(self, mailbox: str, nav_key: str) -> None:
        self.mark_dirty_many(mailbox, [nav_key])

    # ------------------------------------------------------------------ cursors

    def cursor(self, mailbox: str, name: str) -> str | None:
        with self._conn() as conn:
            value = conn.execute(_cursor_select, {"mailbox": mailbox, "name": name}).scalar()
            return None if value is None else str(value)

    def set_cursor(self, mailbox: str, name: str, value: str | None) -> None:
        with self._conn() as conn:
            conn.execute(_cursor_delete, {"b_mailbox": mailbox, "b_name": name})
            if value is not None:
                conn.execute(_cursor_insert, {"mailbox": mailbox, "name": name, "value": value})

    # ------------------------------------------------------------------ retries

    def add_retry(self, mailbox: str, kind: str, ref: str) -> None:
        """Remember an unlinked item whose write failed (``nav:<key>`` or ``outlook:<id>``): cursors move on,
        so the next run must look at it again by itself."""
        self.add_retries(mailbox, kind, [ref])

    def add_retries(self, mailbox: str, kind: str, refs: Iterable[str]) -> None:
        """`add_retry` for several refs; a ref already waiting gets a fresh ``added_at``."""
        wanted = list(dict.fromkeys(refs))
        now = _now()
        with self._conn() as conn:
            for chunk in _chunks(wanted):
                # Delete then insert rather than an upsert: plain SQL every SQLAlchemy dialect has.
                conn.execute(_retries_delete, {"b_mailbox": mailbox, "b_kind": kind, "b_refs": chunk})
                conn.execute(
                    _retries_insert, [{"mailbox": mailbox, "kind": kind, "ref": ref, "added_at": now} for ref in chunk]
                )

    def retries(self, mailbox: str, kind: str) -> list[str]:
        with self._conn() as conn:
            rows = conn.execute(
                sa.select(retries.c.ref)
                .where(retries.c.mailbox == mailbox, retries.c.kind == kind)
                .order_by(retries.c.ref)
            )
            return [r[0] for r in rows]

    def clear_retries(self, mailbox: str, kind: str, refs: Iterable[str]) -> None:
        with self._conn() as conn:
            for chunk in _chunks(list(dict.fromkeys(refs))):
                conn.execute(_retries_delete, {"b_mailbox": mailbox, "b_kind": kind, "b_refs": chunk})

    # ------------------------------------------------------------------ journal

    def journal_add(
        self,
        mailbox: str,
        *,
        entity: str,
        target: str,
        nav_key: str | None,
        outlook_id: str | None,
        payload: Mapping[str, Any],
    ) -> int:
        draft = JournalDraft(entity=entity, target=target, nav_key=nav_key, outlook_id=outlook_id, payload=payload)
        (entry_id,) = self.journal_add_many(mailbox, [draft])
        return entry_id

    def journal_add_many(self, mailbox: str, entries: Sequence[JournalDraft]) -> list[int]:
        """Journal creates about to be sent; returns their entry ids in the order given."""
        now = _now()
        rows = [
            {
                "mailbox": mailbox,
                "entity": entry.entity,
                "target": entry.target,
                "nav_key": entry.nav_key,
                "outlook_id": entry.outlook_id,
                "payload": fastjson.dumps(entry.payload, default=str, sort_keys=True).decode(),
                "created_at": now,
            }
            for entry in entries
        ]
        if not rows:
            return []
        with self._conn() as conn:
            if len(rows) > 1 and conn.dialect.name == "sqlite":
                # SQLite gives a new row the table's largest rowid + 1, and this transaction holds the
                # database's write lock: the rows get consecutive ids, in order, ending at the last one.
                assert conn.in_transaction()  # the write lock is held from the first insert to the last
                _execute_many(conn, _journal_insert, rows)
                last = int(conn.exec_driver_sql("SELECT last_insert_rowid()").scalar_one())
                first = last - len(rows) + 1
                found = conn.exec_driver_sql(_JOURNAL_OURS, (first, last, mailbox, now)).scalar_one()
                if found != len(rows):  # only when the largest rowid is 2**63 - 1: SQLite then picks at random
                    raise StateError(path=self.location, reason="the journal's ids have run out; remove finished runs")
                return list(range(first, last + 1))
            if len(rows) > 1 and conn.dialect.insert_executemany_returning_sort_by_parameter_order:
                # One executemany whose RETURNING ids SQLAlchemy puts back in parameter order (SQLite
                # >= 3.35 and PostgreSQL); "insertmanyvalues" batches the rows into multi-row INSERTs.
                return [int(row[0]) for row in conn.execute(_journal_insert_ids, rows)]
            # One row, or a dialect that cannot order an executemany's RETURNING: row by row.
            ids = []
            for row in rows:
                key = conn.execute(_journal_insert, row).inserted_primary_key
                assert key is not None
                ids.append(int(key[0]))
            return ids

    def journal_pending(self, mailbox: str) -> list[JournalEntry]:
        with self._conn() as conn:
            rows = conn.execute(sa.select(journal).where(journal.c.mailbox == mailbox).order_by(journal.c.id))
            return [
                JournalEntry(r.id, r.entity, r.target, r.nav_key, r.outlook_id, fastjson.loads(r.payload)) for r in rows
            ]

    def journal_done(self, entry_id: int) -> None:
        with self._conn() as conn:
            conn.execute(_journal_delete_one, {"b_id": entry_id})

    def journal_done_many(self, ids: Iterable[int]) -> None:
        """Remove journal entries (their creates are linked now); unknown ids are ignored."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return
        with self._conn() as conn:
            if conn.dialect.name == "sqlite":  # by primary key, straight to the driver (see `_execute_many`)
                _execute_many(conn, _journal_delete_one, [{"b_id": entry_id} for entry_id in wanted])
                return
            for chunk in _chunks(wanted):
                conn.execute(_journal_delete, {"b_ids": chunk})

    # ------------------------------------------------------------------ conflicts

    def save_conflict(
        self, mailbox: str, *, entity: str, nav_key: str, outlook_id: str, fields: Sequence[Mapping[str, str | None]]
    ) -> None:
        """Record (or refresh) an item's open conflict; a resolution already given is kept."""
        with self._conn() as conn:
            text = json.dumps(list(fields), sort_keys=True)
            done = conn.execute(
                conflicts.update()
                .where(conflicts.c.mailbox == mailbox, conflicts.c.nav_key == nav_key)
                .values(entity=entity, outlook_id=outlook_id, fields=text)
            )
            if done.rowcount == 0:
                conn.execute(
                    conflicts.insert().values(
                        mailbox=mailbox,
                        nav_key=nav_key,
                        entity=entity,
                        outlook_id=outlook_id,
                        fields=text,
                        detected_at=_now(),
                    )
                )

    def clear_conflict(self, mailbox: str, nav_key: str) -> None:
        with self._conn() as conn:
            conn.execute(conflicts.delete().where(conflicts.c.mailbox == mailbox, conflicts.c.nav_key == nav_key))

    def conflicts(self, mailbox: str, *, nav_key: str | None = None) -> list[ConflictRecord]:
        query = sa.select(conflicts).where(conflicts.c.mailbox == mailbox).order_by(conflicts.c.nav_key)
        if nav_key is not None:
            query = query.where(conflicts.c.nav_key == nav_key)
        with self._conn() as conn:
            return [
                ConflictRecord(
                    r.mailbox,
                    r.entity,
                    r.nav_key,
                    r.outlook_id,
                    tuple(json.loads(r.fields)),
                    r.resolution,
                    r.detected_at,
                )
                for r in conn.execute(query)
            ]

    def set_resolution(self, mailbox: str, nav_keys: Sequence[str], resolution: str) -> None:
        """Record a resolution and mark the items for re-reading, so the next run applies it."""
        with self._conn() as conn:
            for key in nav_keys:
                conn.execute(
                    conflicts.update()
                    .where(conflicts.c.mailbox == mailbox, conflicts.c.nav_key == key)
                    .values(resolution=resolution)
                )
                conn.execute(
                    links.update().where(links.c.mailbox == mailbox, links.c.nav_key == key).values(dirty=True)
                )

    # ------------------------------------------------------------------ runs

    def begin_run(self, mailbox: str, *, dry_run: bool) -> int:
        """Record a run's start. Called under the mailbox lock, so a run of this mailbox still "running" was
        killed: it is marked "interrupted" so that status does not show it as in progress."""
        with self._conn() as conn:
            conn.execute(
                runs.update()
                .where(runs.c.mailbox == mailbox, runs.c.status == "running")
                .values(status="interrupted", finished_at=_now())
            )
            key = conn.execute(
                runs.insert().values(mailbox=mailbox, started_at=_now(), status="running", dry_run=dry_run, counts="{}")
            ).inserted_primary_key
            assert key is not None
            return int(key[0])

    def finish_run(self, run_id: int, *, status: str, counts: Mapping[str, Any]) -> None:
        with self._conn() as conn:
            conn.execute(
                runs.update()
                .where(runs.c.id == run_id)
                .values(finished_at=_now(), status=status, counts=json.dumps(counts, sort_keys=True))
            )

    def add_item_error(
        self, run_id: int, *, entity: str, nav_key: str | None, outlook_id: str | None, error: str, message: str
    ) -> None:
        with self._conn() as conn:
            conn.execute(
                item_errors.insert().values(
                    run_id=run_id, entity=entity, nav_key=nav_key, outlook_id=outlook_id, error=error, message=message
                )
            )

    def runs(self, mailbox: str, *, limit: int = 10) -> list[RunRecord]:
        with self._conn() as conn:
            rows = conn.execute(
                sa.select(runs).where(runs.c.mailbox == mailbox).order_by(runs.c.id.desc()).limit(limit)
            )
            return [
                RunRecord(r.id, r.mailbox, r.started_at, r.finished_at, r.status, bool(r.dry_run), json.loads(r.counts))
                for r in rows
            ]

    def item_errors(self, run_id: int) -> list[ItemErrorRecord]:
        with self._conn() as conn:
            rows = conn.execute(sa.select(item_errors).where(item_errors.c.run_id == run_id).order_by(item_errors.c.id))
            return [ItemErrorRecord(r.run_id, r.entity, r.nav_key, r.outlook_id, r.error, r.message) for r in rows]

    def mailboxes(self) -> list[str]:
        with self._conn() as conn:
            rows = conn.execute(sa.select(runs.c.mailbox).distinct().order_by(runs.c.mailbox))
            return [r[0] for r in rows]


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets `graphsync status` read while a run writes; NORMAL sync is crash-safe in WAL mode.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


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
