"""The state store's plumbing: one SQLAlchemy engine, the connection of the transaction in progress, and
the helpers every table module's bulk paths share.

Every table module works through a `Database`: `conn()` gives the transaction's connection when one is
open (`transaction()`), else a connection of its own committed on exit. Dialect-specific fast paths are
chosen per call by ``conn.dialect.name``, so a dialect is added module by module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, CursorResult, Dialect, Engine

CHUNK = 500
"""Keys per IN list: well under SQLite's bound-variable limit (999 before 3.32), and a small statement."""


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def chunks(values: Sequence[str] | Sequence[int]) -> Iterator[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield list(values[start : start + CHUNK])


_compiled: dict[tuple[str, str, int, tuple[str, ...]], Any] = {}
"""Statements compiled for `execute_many` and `execute_one`, by dialect and driver, statement and the columns
given."""


def _compiled_for(conn: Connection, stmt: sa.Insert | sa.Delete | sa.Update, columns: tuple[str, ...]) -> Any:
    key = (conn.dialect.name, conn.dialect.driver, id(stmt), columns)
    compiled = _compiled.get(key)
    if compiled is None:
        compiled = _compiled[key] = stmt.compile(dialect=conn.dialect, column_keys=list(columns))
    return compiled


def execute_many(conn: Connection, stmt: sa.Insert | sa.Delete | sa.Update, rows: Sequence[Mapping[str, Any]]) -> None:
    """``stmt`` executed for every row of plain values (strings, ints, bools, None), straight through the
    driver's executemany. Through ``conn.execute`` SQLAlchemy builds and processes each row's parameters in
    Python, which for the links and journal entries of a large run cost more than the database's own work."""
    compiled = _compiled_for(conn, stmt, tuple(rows[0]))  # every row has the same columns
    names = compiled.positiontup
    params: Any = [tuple([row[name] for name in names]) for row in rows] if names is not None else list(rows)
    conn.exec_driver_sql(compiled.string, params)


def execute_one(conn: Connection, stmt: sa.Insert | sa.Delete | sa.Update, row: Mapping[str, Any]) -> CursorResult[Any]:
    """`execute_many` of one row, whose result is the driver's (an INSERT's ``lastrowid``)."""
    compiled = _compiled_for(conn, stmt, tuple(row))
    names = compiled.positiontup
    return conn.exec_driver_sql(compiled.string, tuple(row[name] for name in names) if names is not None else dict(row))


def write_many(conn: Connection, stmt: sa.Insert | sa.Delete | sa.Update, rows: Sequence[Mapping[str, Any]]) -> None:
    """``stmt`` for every row: on SQLite straight through the driver (`execute_many`); elsewhere through
    SQLAlchemy, which batches the rows into multi-row statements where a driver may not."""
    if conn.dialect.name == "sqlite":
        execute_many(conn, stmt, rows)
    else:
        conn.execute(stmt, list(rows))


def upsert_for(table: sa.Table, dialect: Dialect) -> sa.Insert | None:
    """``INSERT ... ON CONFLICT (its primary key) DO UPDATE`` of every other column of ``table``, for the
    dialects that have it (SQLite, PostgreSQL); None for the others, which write what is there some other way."""
    if dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt: Any = sqlite_insert(table)
    elif dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        stmt = postgresql_insert(table)
    else:
        return None
    upsert: sa.Insert = stmt.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={c.name: stmt.excluded[c.name] for c in table.columns if not c.primary_key},
    )
    return upsert


upserts: dict[tuple[str, str], sa.Insert | None] = {}
"""`upsert_for` by table and dialect name, built on first use (`upsert_of`)."""


def upsert_of(conn: Connection, table: sa.Table) -> sa.Insert | None:
    """`upsert_for` ``table`` in ``conn``'s dialect, built once per table and dialect."""
    key = (table.name, conn.dialect.name)
    if key not in upserts:
        upserts[key] = upsert_for(table, conn.dialect)
    return upserts[key]


class Database:
    """The engine and the transaction in progress, shared by every mailbox view of one store."""

    def __init__(self, engine: Engine, location: str) -> None:
        self.engine = engine
        self.location = location
        """What the store was opened from (a path or URL), for messages."""
        self._tx: Connection | None = None
        self.extras: dict[str, object] = {}
        """State a table module keeps per store (the PostgreSQL lock session: `locks`)."""
        self._closers: list[Callable[[], None]] = []

    def on_close(self, closer: Callable[[], None]) -> None:
        """Call ``closer`` when the store is closed, before its engine is disposed of."""
        self._closers.append(closer)

    @contextmanager
    def conn(self) -> Iterator[Connection]:
        """The open transaction's connection, or a new one committed when the block ends."""
        if self._tx is not None:
            yield self._tx
            return
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several writes into one transaction (all or nothing, and one disk flush). Nested: joins."""
        if self._tx is not None:
            yield
            return
        with self.engine.begin() as conn:
            self._tx = conn
            try:
                yield
            finally:
                self._tx = None

    def close(self) -> None:
        closers, self._closers = self._closers, []
        for closer in closers:
            closer()
        self.engine.dispose()
