"""Links: a NAV key paired with an Outlook id, with the last synced normalised value of every field (the
base of the three-way compare), the Outlook version and the NAV ETag last seen, per mailbox.

The hot paths (a full round reads every link, an initial load saves one per item) go straight to the
driver on SQLite; other dialects take SQLAlchemy Core statements built once, their values bound as
parameters (building a Core statement per row cost more than running the SQL).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa

from graphsync import fastjson
from graphsync.engine.state._db import Database, chunks, now, upsert_of, write_many
from graphsync.engine.state.schema import conflicts, link_origins, links
from graphsync.frozen import quick_init


@quick_init
@dataclass(frozen=True)
class Link:
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


class LinkIds(NamedTuple):
    """A link's keys alone (read by the thousand when a run pairs items: a named tuple, not a dataclass)."""

    nav_key: str
    outlook_id: str
    entity: str


_FIELDS = tuple(f.name for f in dataclasses.fields(Link))
_COLUMNS_SQL = ", ".join(links.c[name].name for name in _FIELDS)  # a column for every field
_SET = ("entity", "outlook_id", "base", "outlook_version", "nav_etag", "dirty", "stamped", "updated_at")


def _link_of(values: tuple[Any, ...]) -> Link:
    """A `Link` from a links row's values in `_FIELDS` order (a full round makes one per item: `Link` has
    `quick_init`'s __init__)."""
    fields = dict(zip(_FIELDS, values, strict=True))
    fields["base"] = fastjson.loads(fields["base"])
    fields["dirty"], fields["stamped"] = bool(fields["dirty"]), bool(fields["stamped"])
    return Link(**fields)


def _row_link(row: Any) -> Link:
    return _link_of(tuple(row._mapping[name] for name in _FIELDS))


# Names in WHERE clauses of UPDATE/INSERT carry a ``b_`` prefix: a bindparam named like a column is
# reserved by SQLAlchemy for that column's SET/VALUES value.
_update = (
    links.update()
    .where(links.c.mailbox == sa.bindparam("b_mailbox"), links.c.nav_key == sa.bindparam("b_nav_key"))
    .values({name: sa.bindparam(name) for name in _SET})
)
_insert = links.insert()
_select_in = {
    name: sa.select(*[links.c[f] for f in _FIELDS]).where(
        links.c.mailbox == sa.bindparam("mailbox"), links.c[name].in_(sa.bindparam("values", expanding=True))
    )
    for name in ("nav_key", "outlook_id")
}
_ids_select_in = {
    # A link's keys without its base (JSON, the bulk of a row): what a run needs to pair items and sides
    # before it reads the links it plans, a chunk at a time.
    name: sa.select(links.c.nav_key, links.c.outlook_id, links.c.entity).where(
        links.c.mailbox == sa.bindparam("mailbox"), links.c[name].in_(sa.bindparam("values", expanding=True))
    )
    for name in ("nav_key", "outlook_id")
}
_select_one = {
    name: sa.select(*[links.c[f] for f in _FIELDS]).where(
        links.c.mailbox == sa.bindparam("mailbox"), links.c[name] == sa.bindparam("value")
    )
    for name in ("nav_key", "outlook_id")
}
_delete = links.delete().where(
    links.c.mailbox == sa.bindparam("b_mailbox"), links.c.nav_key.in_(sa.bindparam("b_keys", expanding=True))
)
_conflicts_delete = conflicts.delete().where(
    conflicts.c.mailbox == sa.bindparam("b_mailbox"), conflicts.c.nav_key.in_(sa.bindparam("b_keys", expanding=True))
)
_origins_delete = link_origins.delete().where(
    link_origins.c.mailbox == sa.bindparam("b_mailbox"),
    link_origins.c.nav_key.in_(sa.bindparam("b_keys", expanding=True)),
)
_any = (
    sa.select(links.c.nav_key)
    .where(links.c.mailbox == sa.bindparam("b_mailbox"), links.c.entity.in_(sa.bindparam("b_entities", expanding=True)))
    .limit(1)
)
"""Built once: asked per table and kind at every run's start, where building the statement cost more than the
query."""
mark_dirty_statement = (
    links.update()
    .where(links.c.mailbox == sa.bindparam("b_mailbox"), links.c.nav_key.in_(sa.bindparam("b_keys", expanding=True)))
    .values(dirty=True)
)
"""Mark links of ``b_keys`` for re-reading (also used by `Conflicts.resolve`)."""


class Links:
    """One mailbox's links."""

    def __init__(self, db: Database, mailbox: str) -> None:
        self._db = db
        self._mailbox = mailbox

    # ------------------------------------------------------------------ reading

    def get(self, nav_key: str) -> Link | None:
        return self._one("nav_key", nav_key)

    def get_by_outlook(self, outlook_id: str) -> Link | None:
        return self._one("outlook_id", outlook_id)

    def _one(self, column: str, value: str) -> Link | None:
        # Looked up one at a time in places: a plain ``=`` with a prebuilt statement avoids rendering an
        # expanding IN list per call.
        with self._db.conn() as conn:
            row = conn.execute(_select_one[column], {"mailbox": self._mailbox, "value": value}).first()
        return None if row is None else _row_link(row)

    def by_nav(self, keys: Iterable[str]) -> dict[str, Link]:
        """The links of those of ``keys`` that have one, by NAV key."""
        return self._where("nav_key", keys, lambda link: link.nav_key)

    def by_outlook(self, ids: Iterable[str]) -> dict[str, Link]:
        """The links of those of ``ids`` that have one, by Outlook id."""
        return self._where("outlook_id", ids, lambda link: link.outlook_id)

    def _where(self, column: str, values: Iterable[str], key: Callable[[Link], str]) -> dict[str, Link]:
        wanted = list(dict.fromkeys(values))
        result: dict[str, Link] = {}
        with self._db.conn() as conn:
            # SQLite: rows as the driver gives them (a full round reads every link whole, and SQLAlchemy's row
            # objects cost more than the query).
            raw = conn.dialect.name == "sqlite"
            for chunk in chunks(wanted):
                if raw:
                    marks = ",".join("?" * len(chunk))
                    sql = f"SELECT {_COLUMNS_SQL} FROM links WHERE mailbox = ? AND {column} IN ({marks})"
                    for row in conn.exec_driver_sql(sql, (self._mailbox, *chunk)):
                        link = _link_of(tuple(row))
                        result[key(link)] = link
                    continue
                for row in conn.execute(_select_in[column], {"mailbox": self._mailbox, "values": chunk}):
                    link = _row_link(row)
                    result[key(link)] = link
        return result

    def ids_by_nav(self, keys: Iterable[str]) -> list[LinkIds]:
        """The keys of the links of these NAV keys (no base: cheaper than `by_nav`)."""
        return self._ids_where("nav_key", keys)

    def ids_by_outlook(self, ids: Iterable[str]) -> list[LinkIds]:
        """The keys of the links of these Outlook ids (no base: cheaper than `by_outlook`)."""
        return self._ids_where("outlook_id", ids)

    def _ids_where(self, column: str, values: Iterable[str]) -> list[LinkIds]:
        found: list[LinkIds] = []
        with self._db.conn() as conn:
            for chunk in chunks(list(dict.fromkeys(values))):
                rows = conn.execute(_ids_select_in[column], {"mailbox": self._mailbox, "values": chunk})
                found.extend(LinkIds(*row) for row in rows)
        return found

    def iter_ids(self, *, entities: Iterable[str] | None = None, page: int = 5_000) -> Iterator[LinkIds]:
        """The keys of every link (of ``entities``), a page at a time in NAV key order."""
        columns = (links.c.nav_key, links.c.outlook_id, links.c.entity)
        for row in self._pages(columns, entities, page):
            yield LinkIds(*row)

    def iter_all(self, *, entities: Iterable[str] | None = None, page: int = 1_000) -> Iterator[Link]:
        """Every link (of ``entities``), read a page at a time in NAV key order: a full round looks at all of
        them, which must not mean holding them all at once."""
        for row in self._pages([links.c[f] for f in _FIELDS], entities, page):
            yield _row_link(row)

    def _pages(self, columns: Iterable[Any], entities: Iterable[str] | None, page: int) -> Iterator[Any]:
        names = None if entities is None else list(entities)
        after = ""
        while True:
            query = sa.select(*columns).where(links.c.mailbox == self._mailbox, links.c.nav_key > after)
            if names is not None:
                query = query.where(links.c.entity.in_(names))
            with self._db.conn() as conn:
                rows = list(conn.execute(query.order_by(links.c.nav_key).limit(page)))
            yield from rows
            if len(rows) < page:
                return
            after = rows[-1].nav_key

    def all(self, *, entities: Iterable[str] | None = None) -> list[Link]:
        """Every link at once, in NAV key order (for small mailboxes and tests; a run uses `iter_all`)."""
        return list(self.iter_all(entities=entities))

    def dirty(self) -> list[Link]:
        """Links to re-read on both sides (dirty), and those whose Outlook item still lacks its NAV key."""
        # Two queries, each answered from its own (mailbox, flag) index: an OR of the two makes SQLite scan
        # every link of the mailbox, which a no-change run must not do.
        found: dict[str, Link] = {}
        columns = [links.c[f] for f in _FIELDS]
        with self._db.conn() as conn:
            for condition in (links.c.dirty == sa.true(), links.c.stamped == sa.false()):
                for row in conn.execute(sa.select(*columns).where(links.c.mailbox == self._mailbox, condition)):
                    found[row.nav_key] = _row_link(row)
        return list(found.values())

    def any(self, *, entities: Iterable[str]) -> bool:
        """Whether there is any link of ``entities``: one probe of the links' index, not a count."""
        with self._db.conn() as conn:
            params = {"b_mailbox": self._mailbox, "b_entities": list(entities)}
            return conn.execute(_any, params).first() is not None

    def count(self) -> dict[str, int]:
        """Links per entity name."""
        query = (
            sa.select(links.c.entity, sa.func.count()).where(links.c.mailbox == self._mailbox).group_by(links.c.entity)
        )
        with self._db.conn() as conn:
            return {r[0]: int(r[1]) for r in conn.execute(query)}

    # ------------------------------------------------------------------ writing

    def save(self, items: Iterable[Link]) -> None:
        """Insert or update links (by NAV key) in one statement; ``updated_at`` becomes now."""
        stamp = now()
        box = self._mailbox
        # A key given twice keeps its last link, as one-by-one saves would; it also has to be unique for
        # PostgreSQL, whose driver may send the batch as one multi-row INSERT, and a row cannot be
        # updated twice by one ON CONFLICT statement.
        rows = {
            link.nav_key: {
                "mailbox": box,
                "nav_key": link.nav_key,
                "entity": link.entity,
                "outlook_id": link.outlook_id,
                "base": fastjson.dumps(link.base, sort_keys=True).decode(),
                "outlook_version": link.outlook_version,
                "nav_etag": link.nav_etag,
                "dirty": link.dirty,
                "stamped": link.stamped,
                "updated_at": stamp,
            }
            for link in items
        }
        if not rows:
            return
        with self._db.conn() as conn:
            upsert = upsert_of(conn, links)
            if upsert is not None:
                write_many(conn, upsert, list(rows.values()))
                return
            # Other dialects: UPDATE, and INSERT what was not there. Row by row, because an executemany's
            # rowcount does not say which rows matched.
            for row in rows.values():
                keyed = {**row, "b_mailbox": box, "b_nav_key": row["nav_key"]}
                if conn.execute(_update, keyed).rowcount == 0:
                    conn.execute(_insert, row)

    def drop(self, nav_keys: Iterable[str]) -> None:
        """Forget links, their conflicts and their origins."""
        with self._db.conn() as conn:
            for chunk in chunks(list(dict.fromkeys(nav_keys))):
                conn.execute(_delete, {"b_mailbox": self._mailbox, "b_keys": chunk})
                conn.execute(_conflicts_delete, {"b_mailbox": self._mailbox, "b_keys": chunk})
                conn.execute(_origins_delete, {"b_mailbox": self._mailbox, "b_keys": chunk})

    def mark_dirty(self, nav_keys: Iterable[str]) -> None:
        """Mark links to be re-read on both sides next run; keys without a link are ignored."""
        with self._db.conn() as conn:
            for chunk in chunks(list(dict.fromkeys(nav_keys))):
                conn.execute(mark_dirty_statement, {"b_mailbox": self._mailbox, "b_keys": chunk})
