"""The embedded company's SQLite file: one SQL table per NAV table, columns named as NAV's fields.

Besides the NAV tables the file holds ``$graphsync`` (what the file is, for refusing foreign files),
``$rowversion`` (one database-wide counter, like SQL Server's timestamp: every written row takes the next
value) and ``$No. Series`` (the last number each number series handed out).

Values are stored as NAV's SQL Server schema would hold them, adapted to SQLite: options as their index,
booleans as 0/1, dates and times as ISO text (NULL for NAV's 0D / 0T), durations as milliseconds.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from graphsync.connectors.nav import FieldDef, FieldType, NavTable, TableDef
from graphsync.errors import NavConnectionError
from graphsync.nav import schema

FORMAT = "graphsync-nav-company"
SCHEMA_VERSION = "1"
ROWVERSION = "$rowversion"
"""The column each NAV table carries for its row version."""
MODIFIED_AT = "$systemModifiedAt"
"""The column each NAV table carries for the UTC time of its last write (Business Central's SystemModifiedAt,
which every BC table has: MicrosoftDocs dynamics365smb-devitpro-pb, RecordRef.SystemModifiedAtNo(): "a system
field that the platform adds to all table objects"). Added on open to company files made before it existed."""

INDEXES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # A contact's Next To-do Date and NAV's "open to-dos" delete check look to-dos up by contact (a person)
    # and by company; Closed and Date complete the keys so that the earliest open Date is read from the
    # index alone (NAV's To-do has keys of the same shape).
    (schema.TODO.name, "Contact No.", ("Contact No.", "Closed", "Date")),
    (schema.TODO.name, "Contact Company No.", ("Contact Company No.", "Closed", "Date")),
    # ... and a person's to-dos as a contact attendee, from its Attendee lines to their to-dos.
    (schema.ATTENDEE.name, "Attendee No.", ("Attendee No.", "Attendee Type", "To-do No.")),
)
"""Secondary indexes as (table, name, columns): made with a new company and added when an older company
file, made before an index existed, is opened."""

Row = dict[str, object]
"""A stored record: every stored field's value by NAV name (Python values, see graphsync.connectors.nav)."""


def q(name: str) -> str:
    """A quoted SQL identifier (NAV names hold spaces, dots and slashes)."""
    return '"' + name.replace('"', '""') + '"'


_STORED: dict[int, tuple[TableDef, tuple[FieldDef, ...]]] = {}


def stored_fields(t: TableDef) -> tuple[FieldDef, ...]:
    # Asked for every row read and written; working it out each time was half the cost of reading a record.
    cached = _STORED.get(t.no)
    if cached is None or cached[0] is not t:
        cached = (t, tuple(f for f in t.fields if not schema.is_flowfield(NavTable(t.no), f.name)))
        _STORED[t.no] = cached
    return cached[1]


_SQL_TYPES = {
    FieldType.CODE: "TEXT NOT NULL DEFAULT ''",
    FieldType.TEXT: "TEXT NOT NULL DEFAULT ''",
    FieldType.INTEGER: "INTEGER NOT NULL DEFAULT 0",
    FieldType.DURATION: "INTEGER NOT NULL DEFAULT 0",
    FieldType.DECIMAL: "TEXT NOT NULL DEFAULT '0'",
    FieldType.BOOLEAN: "INTEGER NOT NULL DEFAULT 0",
    FieldType.OPTION: "INTEGER NOT NULL DEFAULT 0",
    FieldType.DATE: "TEXT",
    FieldType.TIME: "TEXT",
    FieldType.DATETIME: "TEXT",
}


def to_db(f: FieldDef, value: object) -> object:
    if value is None:
        return None
    if f.type is FieldType.OPTION:
        return f.options.index(str(value))
    if f.type is FieldType.BOOLEAN:
        return 1 if value else 0
    if f.type is FieldType.DECIMAL:
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="milliseconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def from_db(f: FieldDef, raw: object) -> object:
    if raw is None:
        return None
    t = f.type
    if t is FieldType.OPTION:
        return f.options[int(str(raw))]
    if t is FieldType.BOOLEAN:
        return bool(raw)
    if t is FieldType.DECIMAL:
        return Decimal(str(raw))
    if t is FieldType.DATE:
        return dt.date.fromisoformat(str(raw))
    if t is FieldType.TIME:
        return dt.time.fromisoformat(str(raw))
    if t is FieldType.DATETIME:
        return dt.datetime.fromisoformat(str(raw))
    return raw


class Store:
    """The SQLite connection and the row-level operations; NAV's rules live in `graphsync.nav.triggers`."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self.lock = threading.RLock()

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: Path) -> Store:
        if not path.is_file():
            raise NavConnectionError(f"there is no NAV company at {path} (create one: graphsync nav init {path})")
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout = 5000")
            # WAL (set at creation) keeps the file consistent at NORMAL; FULL would fsync every commit.
            conn.execute("PRAGMA synchronous = NORMAL")
            row = conn.execute(f"SELECT value FROM {q('$graphsync')} WHERE name = 'format'").fetchone()
            version = conn.execute(f"SELECT value FROM {q('$graphsync')} WHERE name = 'schema'").fetchone()
        except sqlite3.DatabaseError:
            conn.close()
            raise NavConnectionError(
                f"{path} is not a graphsync NAV company (create one elsewhere: graphsync nav init PATH)"
            ) from None
        if not row or row[0] != FORMAT:
            conn.close()
            raise NavConnectionError(f"{path} is not a graphsync NAV company (create one: graphsync nav init PATH)")
        if not version or version[0] != SCHEMA_VERSION:
            conn.close()
            raise NavConnectionError(
                f"{path} was made by another version of graphsync (schema {version[0] if version else '?'}, "
                f"expected {SCHEMA_VERSION}); create a new company with graphsync nav init"
            )
        store = cls(conn, path)
        try:
            store._add_missing_columns()
            store._add_missing_indexes()
            store._add_system_modified_column()
        except BaseException:
            conn.close()
            raise
        return store

    @classmethod
    def create(cls, path: Path, *, company_name: str) -> Store:
        """A new, empty company file. Refuses to overwrite anything."""
        if path.exists():
            raise NavConnectionError(f"{path} already exists; choose another path or remove the file first")
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            store = cls(conn, path)
            store._create_tables(company_name)
        except BaseException:
            conn.close()
            remove_company_file(path)
            raise
        return store

    def _create_tables(self, company_name: str) -> None:
        conn = self.conn
        with self.transaction():
            conn.execute(f"CREATE TABLE {q('$graphsync')} (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
            conn.executemany(
                f"INSERT INTO {q('$graphsync')} VALUES (?, ?)",
                [("format", FORMAT), ("schema", SCHEMA_VERSION), ("company", company_name)],
            )
            conn.execute(f"CREATE TABLE {q(ROWVERSION)} (value INTEGER NOT NULL)")
            conn.execute(f"INSERT INTO {q(ROWVERSION)} VALUES (0)")
            conn.execute(
                f"CREATE TABLE {q('$No. Series')} (code TEXT PRIMARY KEY, starting_no TEXT NOT NULL, "
                "last_no_used TEXT NOT NULL DEFAULT '')"
            )
            for series in schema.NUMBER_SERIES.values():
                conn.execute(f"INSERT INTO {q('$No. Series')} VALUES (?, ?, ?)", series_row(series))
            for t in schema.TABLES.values():
                cols = [f"{q(f.name)} {_SQL_TYPES[f.type]}" for f in stored_fields(t)]
                cols.append(f"{q(ROWVERSION)} INTEGER NOT NULL")
                cols.append(f"{q(MODIFIED_AT)} TEXT")
                cols.append(f"PRIMARY KEY ({', '.join(q(k) for k in t.key)})")
                conn.execute(f"CREATE TABLE {q(t.name)} ({', '.join(cols)})")
                conn.execute(f"CREATE INDEX {q(t.name + '$rv')} ON {q(t.name)} ({q(ROWVERSION)})")
            for table, name, columns in INDEXES:
                conn.execute(_create_index_sql(table, name, columns))

    def _add_missing_columns(self) -> None:
        """Add the fields a company made by an earlier version lacks (To-do's Recurring Date Interval and Calc.
        Due Date From came later), each with its blank value, as NAV's own schema synchronisation adds a field.
        Only a missing field costs a write."""
        missing: list[tuple[TableDef, FieldDef]] = []
        for t in schema.TABLES.values():
            have = {row[1] for row in self.conn.execute(f"PRAGMA table_info({q(t.name)})")}
            missing += [(t, f) for f in stored_fields(t) if f.name not in have]
        if not missing:
            return
        with self.transaction():
            for t, f in missing:
                self.conn.execute(f"ALTER TABLE {q(t.name)} ADD COLUMN {q(f.name)} {_SQL_TYPES[f.type]}")

    def _add_missing_indexes(self) -> None:
        """Add the secondary indexes a company made by an earlier version lacks. Indexes change no data and
        older versions ignore them, so the schema version stays; only a missing index costs a write, so that
        opening an up-to-date company writes nothing."""
        existing = {row[0] for row in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        missing = [
            (table, name, columns) for table, name, columns in INDEXES if _index_name(table, name) not in existing
        ]
        if not missing:
            return
        try:
            with self.transaction():
                for table, name, columns in missing:
                    self.conn.execute(_create_index_sql(table, name, columns))
        except sqlite3.OperationalError as exc:
            # A company that cannot be written now (a read-only file, or another writer holding it past the
            # busy timeout) is still read correctly without them, only more slowly; the next open adds them.
            if exc.sqlite_errorcode & 0xFF not in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_BUSY):
                raise

    def _add_system_modified_column(self) -> None:
        """Add the system modified column to the tables of a company made before it existed (NULL until the
        record is next written; readers fall back to the record's own stamps)."""
        missing = []
        for t in schema.TABLES.values():
            columns = {row[1] for row in self.conn.execute(f"PRAGMA table_info({q(t.name)})")}
            if columns and MODIFIED_AT not in columns:
                missing.append(t)
        if not missing:
            return
        try:
            with self.transaction():
                for t in missing:
                    self.conn.execute(f"ALTER TABLE {q(t.name)} ADD COLUMN {q(MODIFIED_AT)} TEXT")
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF not in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_BUSY):
                raise

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction: everything inside commits together or not at all."""
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    # ------------------------------------------------------------------ rows

    def _row(self, t: TableDef, raw: sqlite3.Row | tuple[object, ...]) -> tuple[Row, int]:
        fields = stored_fields(t)
        return {f.name: from_db(f, v) for f, v in zip(fields, raw, strict=False)}, int(str(raw[len(fields)]))

    def _columns(self, t: TableDef) -> str:
        return ", ".join([*(q(f.name) for f in stored_fields(t)), q(ROWVERSION)])

    def key_where(self, t: TableDef, key: tuple[object, ...]) -> tuple[str, list[object]]:
        clauses = [f"{q(k)} = ?" for k in t.key]
        params = [to_db(t.field(k), v) for k, v in zip(t.key, key, strict=True)]
        return " AND ".join(clauses), params

    def get(self, t: TableDef, key: tuple[object, ...]) -> tuple[Row, int] | None:
        where, params = self.key_where(t, key)
        with self.lock:
            raw = self.conn.execute(f"SELECT {self._columns(t)} FROM {q(t.name)} WHERE {where}", params).fetchone()
        return None if raw is None else self._row(t, raw)

    def select(
        self,
        t: TableDef,
        where: Mapping[str, object] | None = None,
        *,
        limit: int | None = None,
        descending: bool = False,
    ) -> list[tuple[Row, int]]:
        """Rows whose fields equal the given (already checked) values, in primary key order (or the last
        ``limit`` of them first, with ``descending``)."""
        clauses, params = [], []
        for name, value in (where or {}).items():
            f = t.field(name)
            if value is None:
                clauses.append(f"{q(f.name)} IS NULL")
            else:
                clauses.append(f"{q(f.name)} = ?")
                params.append(to_db(f, value))
        sql = f"SELECT {self._columns(t)} FROM {q(t.name)}"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY " + ", ".join(q(k) + (" DESC" if descending else "") for k in t.key)
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self.lock:
            return [self._row(t, raw) for raw in self.conn.execute(sql, params).fetchall()]

    def changed_page(
        self, t: TableDef, after: int, upto: int, size: int, where: Mapping[str, object] | None = None
    ) -> list[tuple[Row, int]]:
        """Up to ``size`` rows with a row version in (after, upto] (and the given field values), in row
        version order."""
        clauses = [f"{q(ROWVERSION)} > ?", f"{q(ROWVERSION)} <= ?"]
        params: list[object] = [after, upto]
        for name, value in (where or {}).items():
            clauses.append(f"{q(name)} = ?")
            params.append(to_db(t.field(name), value))
        sql = (
            f"SELECT {self._columns(t)} FROM {q(t.name)} WHERE {' AND '.join(clauses)} ORDER BY {q(ROWVERSION)} LIMIT ?"
        )
        params.append(size)
        with self.lock:
            return [self._row(t, raw) for raw in self.conn.execute(sql, params).fetchall()]

    def keys(self, t: TableDef, after: tuple[object, ...] | None, size: int) -> list[tuple[object, ...]]:
        """Up to ``size`` primary keys after ``after``, in key order (keyset paging)."""
        cols = ", ".join(q(k) for k in t.key)
        sql = f"SELECT {cols} FROM {q(t.name)}"
        params: list[object] = []
        if after is not None:
            sql += f" WHERE ({cols}) > ({', '.join('?' for _ in t.key)})"
            params = [to_db(t.field(k), v) for k, v in zip(t.key, after, strict=True)]
        sql += f" ORDER BY {cols} LIMIT ?"
        params.append(size)
        with self.lock:
            return [
                tuple(from_db(t.field(k), v) for k, v in zip(t.key, raw, strict=True))
                for raw in self.conn.execute(sql, params).fetchall()
            ]

    def current_rowversion(self) -> int:
        with self.lock:
            return int(self.conn.execute(f"SELECT value FROM {q(ROWVERSION)}").fetchone()[0])

    def next_rowversion(self) -> int:
        return int(self.conn.execute(f"UPDATE {q(ROWVERSION)} SET value = value + 1 RETURNING value").fetchone()[0])

    def insert(self, t: TableDef, row: Row, *, modified_at: dt.datetime | None = None) -> int:
        rv = self.next_rowversion()
        fields = stored_fields(t)
        params = [to_db(f, row[f.name]) for f in fields]
        marks = ", ".join("?" for _ in range(len(fields) + 2))
        self.conn.execute(
            f"INSERT INTO {q(t.name)} ({self._columns(t)}, {q(MODIFIED_AT)}) VALUES ({marks})",
            [*params, rv, _utc_text(modified_at)],
        )
        return rv

    def update(
        self, t: TableDef, key: tuple[object, ...], changes: Row, *, modified_at: dt.datetime | None = None
    ) -> int:
        rv = self.next_rowversion()
        sets = [f"{q(name)} = ?" for name in changes]
        params = [to_db(t.field(name), value) for name, value in changes.items()]
        where, kparams = self.key_where(t, key)
        system = [f"{q(ROWVERSION)} = ?", f"{q(MODIFIED_AT)} = ?"]
        self.conn.execute(
            f"UPDATE {q(t.name)} SET {', '.join([*sets, *system])} WHERE {where}",
            [*params, rv, _utc_text(modified_at), *kparams],
        )
        return rv

    def modified_at(self, t: TableDef, key: tuple[object, ...]) -> dt.datetime | None:
        """When the record was last written (UTC), or None when it was not written since the column came."""
        where, params = self.key_where(t, key)
        with self.lock:
            raw = self.conn.execute(f"SELECT {q(MODIFIED_AT)} FROM {q(t.name)} WHERE {where}", params).fetchone()
        return dt.datetime.fromisoformat(str(raw[0])) if raw and raw[0] else None

    def delete(self, t: TableDef, key: tuple[object, ...]) -> None:
        where, params = self.key_where(t, key)
        self.conn.execute(f"DELETE FROM {q(t.name)} WHERE {where}", params)

    # ------------------------------------------------------------------ number series and metadata

    def next_series_no(self, series: schema.NumberSeries) -> str:
        """The next number of a series (NAV's IncStr on the last number used), recorded as used."""
        row = self.conn.execute(
            f"SELECT starting_no, last_no_used FROM {q('$No. Series')} WHERE code = ?", (series.code,)
        ).fetchone()
        starting, last = row if row else series_row(series)[1:]
        no = inc_str(str(last)) if last else str(starting)
        self.conn.execute(f"UPDATE {q('$No. Series')} SET last_no_used = ? WHERE code = ?", (no, series.code))
        return no

    def meta(self, name: str) -> str | None:
        with self.lock:
            row = self.conn.execute(f"SELECT value FROM {q('$graphsync')} WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, name: str, value: str | None) -> None:
        with self.transaction():
            self.conn.execute(f"DELETE FROM {q('$graphsync')} WHERE name = ?", (name,))
            if value is not None:
                self.conn.execute(f"INSERT INTO {q('$graphsync')} VALUES (?, ?)", (name, value))


def _utc_text(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat(timespec="milliseconds")


def _index_name(table: str, name: str) -> str:
    return f"{table}${name}"


def _create_index_sql(table: str, name: str, columns: tuple[str, ...]) -> str:
    # IF NOT EXISTS: another connection may have added it between our look and our write.
    cols = ", ".join(q(c) for c in columns)
    return f"CREATE INDEX IF NOT EXISTS {q(_index_name(table, name))} ON {q(table)} ({cols})"


def remove_company_file(path: Path) -> None:
    """Remove a company file that could not be completed, with SQLite's journal files."""
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)


def series_row(series: schema.NumberSeries) -> tuple[str, str, str]:
    return series.code, series.starting_no, ""


def inc_str(no: str) -> str:
    """NAV's INCSTR: add one to the last run of digits, keeping its width (``CT000009`` -> ``CT000010``)."""
    end = len(no)
    while end > 0 and not no[end - 1].isdigit():
        end -= 1
    start = end
    while start > 0 and no[start - 1].isdigit():
        start -= 1
    if start == end:
        raise ValueError(f"number {no!r} has no digits to increment")
    digits = no[start:end]
    return no[:start] + str(int(digits) + 1).zfill(len(digits)) + no[end:]
