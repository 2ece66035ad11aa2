"""A run's working set, kept to a bounded size in memory: what does not fit goes to a scratch file.

A run must see every change of a kind before it writes (the mass-delete guard refuses before anything is
written), so an initial load or a full reconciliation has every record, Outlook item, link and plan of a
kind in hand at once. Held as Python objects that is about 7 KB per item, 800 MB for 100,000 contacts.
The spool holds the keys (small strings) in memory and the payloads behind them in a buffer of at most
``buffer`` values; when the buffer is full it is written, pickled, to a private SQLite file in one
statement and emptied. So memory stays bounded whatever the run's size, and a small run (an incremental
sync, a few hundred changes) never touches the disk at all.

The file is made in the system's temporary folder (or ``directory``) and unlinked as soon as it is open
where the operating system allows it, so even a process killed with -9 leaves nothing behind; it is
scratch space, never state: durability is off and nothing in it outlives the run.

    spool = Spool(buffer=5_000)
    records = spool.new_map()            # str -> value, insertion-ordered, like a dict
    plans = spool.new_list()             # append-only, iterated in order
    spool.close()
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

V = TypeVar("V")

DEFAULT_BUFFER = 5_000
"""Values held in memory before the buffer goes to disk: a few tens of MB at most."""
READ_CHUNK = 500
"""Keys per disk read when iterating (well under SQLite's bound-variable limit)."""

_MISSING = object()


def _identity(value: Any) -> Any:
    return value


class Spool:
    """The scratch space of one run. Not thread-safe (a run is one task); close it when the run ends."""

    def __init__(self, *, buffer: int = DEFAULT_BUFFER, directory: str | None = None) -> None:
        if buffer < 1:
            raise ValueError("a spool's buffer holds at least one value")
        self.buffer = buffer
        self._directory = directory
        self._db: sqlite3.Connection | None = None
        self._path: str | None = None
        self._held = 0
        self._next_ns = 0
        self._parts: list[_Part] = []
        self.flushes = 0
        """How many times the buffer went to disk (0: the run fitted in memory)."""

    # ------------------------------------------------------------------ collections

    def new_map(
        self, *, encode: Callable[[Any], Any] = _identity, decode: Callable[[Any], Any] = _identity
    ) -> SpoolMap[Any]:
        """A new, empty mapping. ``encode``/``decode`` turn a value into something picklable and back (a
        value that refers to shared objects, such as an entity binding, is spooled by name)."""
        part: SpoolMap[Any] = SpoolMap(self, self._new_ns(), encode, decode)
        self._parts.append(part)
        return part

    def new_list(
        self, *, encode: Callable[[Any], Any] = _identity, decode: Callable[[Any], Any] = _identity
    ) -> SpoolList[Any]:
        """A new, empty append-only list."""
        part: SpoolList[Any] = SpoolList(self, self._new_ns(), encode, decode)
        self._parts.append(part)
        return part

    def drop(self, part: SpoolMap[Any] | SpoolList[Any]) -> None:
        """Forget a collection that is no longer needed: its buffered values are freed at once."""
        if part in self._parts:
            self._parts.remove(part)
            self._released(part._buffered())
            part._drop()

    def _new_ns(self) -> int:
        self._next_ns += 1
        return self._next_ns

    # ------------------------------------------------------------------ buffer

    def _held_one(self) -> None:
        self._held += 1
        if self._held >= self.buffer:
            self.flush()

    def _released(self, count: int = 1) -> None:
        self._held -= count

    def flush(self) -> None:
        """Write every buffered value to the file and empty the buffer."""
        db = self._open()
        with db:
            for part in self._parts:
                part._flush(db)
        self._held = 0
        self.flushes += 1

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            handle, path = tempfile.mkstemp(prefix="graphsync-spool-", suffix=".sqlite", dir=self._directory)
            os.close(handle)
            db = sqlite3.connect(path, isolation_level="DEFERRED")
            # Values run from a few hundred bytes to several kilobytes (an item with long notes): on SQLite's
            # default 4 KB pages the larger ones spill to overflow pages, and a WITHOUT ROWID table moves whole
            # rows around its b-tree as keys arrive out of order. 16 KB pages and rowid tables (the key in an
            # index of its own) cost half as much for values of 1.5 KB, and a full reconciliation about 8%
            # less CPU. The page size must be set before the first table is made.
            db.execute("PRAGMA page_size=16384")
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
            db.execute("CREATE TABLE kv (ns INTEGER, key TEXT, value BLOB, PRIMARY KEY (ns, key))")
            db.execute("CREATE TABLE seq (ns INTEGER, n INTEGER, value BLOB, PRIMARY KEY (ns, n))")
            db.commit()
            try:
                os.unlink(path)  # POSIX keeps an open file; nothing is left behind, even after kill -9
            except OSError:
                self._path = path  # Windows: removed at close
            self._db = db
        return self._db

    def _read(self, sql: str, params: Iterable[Any]) -> list[tuple[Any, ...]]:
        assert self._db is not None
        return self._db.execute(sql, tuple(params)).fetchall()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._path is not None:
            try:
                os.unlink(self._path)
            except OSError:
                pass
            self._path = None
        for part in self._parts:
            part._drop()
        self._parts.clear()
        self._held = 0

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Part:
    def _flush(self, db: sqlite3.Connection) -> None:
        raise NotImplementedError

    def _buffered(self) -> int:
        raise NotImplementedError

    def _drop(self) -> None:
        raise NotImplementedError


class SpoolMap(_Part, Generic[V]):
    """A dict-like mapping of str to values; keys in memory (insertion order), values buffered or on disk.

    Iterate with `keys` (a snapshot, safe to change the map meanwhile), `items` and `values` (values read
    from disk in chunks). A value read is a copy: change it and put it back to keep the change."""

    def __init__(self, spool: Spool, ns: int, encode: Callable[[V], Any], decode: Callable[[Any], V]) -> None:
        self._spool = spool
        self._ns = ns
        self._encode = encode
        self._decode = decode
        self._keys: dict[str, None] = {}
        self._mem: dict[str, V] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __setitem__(self, key: str, value: V) -> None:
        key = sys.intern(key)  # a key is often held by several collections of a run: one string for all
        self._keys[key] = None
        if key not in self._mem:
            self._mem[key] = value
            self._spool._held_one()
        else:
            self._mem[key] = value

    def __getitem__(self, key: str) -> V:
        if key not in self._keys:
            raise KeyError(key)
        if key in self._mem:
            return self._mem[key]
        rows = self._spool._read("SELECT value FROM kv WHERE ns = ? AND key = ?", (self._ns, key))
        return self._decode(pickle.loads(rows[0][0]))

    def get(self, key: str, default: V | None = None) -> V | None:
        return self[key] if key in self._keys else default

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        if self._mem.pop(key, _MISSING) is not _MISSING:
            self._spool._released()
        # A copy on disk is left: the key decides membership, and a later put of the key replaces it.

    def pop(self, key: str, default: V | None = None) -> V | None:
        if key not in self._keys:
            return default
        value = self[key]
        del self[key]
        return value

    def clear(self) -> None:
        self._spool._released(len(self._mem))
        self._keys.clear()
        self._mem.clear()

    def keys(self) -> list[str]:
        return list(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def get_many(self, keys: Iterable[str]) -> dict[str, V]:
        """The values of those of ``keys`` that are in the map, read from disk in one statement per
        `READ_CHUNK` keys (a loop of single reads would be one statement per key)."""
        found: dict[str, V] = {}
        on_disk: list[str] = []
        mem, present = self._mem, self._keys
        for key in keys:
            if key in mem:
                found[key] = mem[key]
            elif key in present:
                on_disk.append(key)
        for start in range(0, len(on_disk), READ_CHUNK):
            chunk = on_disk[start : start + READ_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._spool._read(f"SELECT key, value FROM kv WHERE ns = ? AND key IN ({marks})", (self._ns, *chunk))
            for key, blob in rows:
                found[key] = self._decode(pickle.loads(blob))
        return found

    def items(self) -> Iterator[tuple[str, V]]:
        """Every (key, value) in insertion order; keys deleted during the iteration are skipped."""
        keys = self.keys()
        for start in range(0, len(keys), READ_CHUNK):
            chunk = keys[start : start + READ_CHUNK]
            loaded = self.get_many(chunk)
            for key in chunk:
                if key in self._keys and key in loaded:
                    yield key, loaded[key]

    def values(self) -> Iterator[V]:
        for _, value in self.items():
            yield value

    def _flush(self, db: sqlite3.Connection) -> None:
        if self._mem:
            db.executemany(
                "INSERT OR REPLACE INTO kv (ns, key, value) VALUES (?, ?, ?)",
                [(self._ns, k, pickle.dumps(self._encode(v), pickle.HIGHEST_PROTOCOL)) for k, v in self._mem.items()],
            )
            self._mem.clear()

    def _buffered(self) -> int:
        return len(self._mem)

    def _drop(self) -> None:
        self._keys.clear()
        self._mem.clear()


class SpoolList(_Part, Generic[V]):
    """An append-only list; the oldest values go to disk first. Iterating reads them back in order."""

    def __init__(self, spool: Spool, ns: int, encode: Callable[[V], Any], decode: Callable[[Any], V]) -> None:
        self._spool = spool
        self._ns = ns
        self._encode = encode
        self._decode = decode
        self._on_disk = 0
        self._mem: list[V] = []

    def __len__(self) -> int:
        return self._on_disk + len(self._mem)

    def __bool__(self) -> bool:
        return len(self) > 0

    def append(self, value: V) -> None:
        self._mem.append(value)
        self._spool._held_one()

    def extend(self, values: Iterable[V]) -> None:
        for value in values:
            self.append(value)

    def __iter__(self) -> Iterator[V]:
        """Every value in order. Values appended during the iteration are included."""
        n = 0
        while n < len(self):
            if n < self._on_disk:
                rows = self._spool._read(
                    "SELECT value FROM seq WHERE ns = ? AND n >= ? ORDER BY n LIMIT ?", (self._ns, n, READ_CHUNK)
                )
                batch = [self._decode(pickle.loads(blob)) for (blob,) in rows]
            else:
                batch = self._mem[n - self._on_disk : n - self._on_disk + READ_CHUNK]
            yield from batch
            n += len(batch)

    def chunks(self, size: int) -> Iterator[list[V]]:
        """The values in lists of at most ``size``."""
        chunk: list[V] = []
        for value in self:
            chunk.append(value)
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _flush(self, db: sqlite3.Connection) -> None:
        if self._mem:
            start = self._on_disk
            db.executemany(
                "INSERT INTO seq (ns, n, value) VALUES (?, ?, ?)",
                [
                    (self._ns, start + i, pickle.dumps(self._encode(v), pickle.HIGHEST_PROTOCOL))
                    for i, v in enumerate(self._mem)
                ],
            )
            self._on_disk += len(self._mem)
            self._mem.clear()

    def _buffered(self) -> int:
        return len(self._mem)

    def _drop(self) -> None:
        self._mem.clear()
        self._on_disk = 0
