"""A run's working set, kept to a bounded size in memory: what does not fit goes to a scratch file.

A run must see every change of a kind before it writes (the mass-delete guard refuses before anything is
written), so an initial load or a full reconciliation has every record, Outlook item, link and plan of a
kind in hand at once. Held as Python objects that is about 7 KB per item, 800 MB for 100,000 contacts.
The spool holds the keys (small strings) in memory and the payloads behind them in a buffer of at most
``buffer`` values; when the buffer is full its values are pickled and appended to a scratch file in one
write, and only where each one lies (an offset and a length) stays in memory. So memory stays bounded
whatever the run's size, and a small run (an incremental sync, a few hundred changes) never touches the
disk at all.

The file is an append-only log, not a database: a value is written once and read back by its position,
values read together are read in one system call where they lie close in the file, and a value replaced
or deleted leaves its old copy behind (a run writes each value once or twice, so the waste is bounded by
the run's own size). An earlier version kept the values in SQLite, whose index upkeep and queries cost
twice as much CPU per value as the pickling itself, for guarantees (transactions, reuse of free space)
that scratch space does not need.

The file is an anonymous temporary file in the system's temporary folder (or ``directory``): it has no
name on POSIX (unlinked, or never linked, as soon as it is open) and is deleted by Windows when its
handle closes, so even a process killed with -9 leaves nothing behind; it is scratch space, never state.

    spool = Spool(buffer=5_000)
    records = spool.new_map()            # str -> value, insertion-ordered, like a dict
    plans = spool.new_list()             # append-only, iterated in order
    spool.close()
"""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any, Generic, TypeVar

V = TypeVar("V")

DEFAULT_BUFFER = 5_000
"""Values held in memory before the buffer goes to disk: a few tens of MB at most."""
READ_CHUNK = 500
"""Values read back at a time when iterating."""
_GAP = 16_384
"""Bytes of unwanted values a read may span to take two wanted ones in one system call."""
_SPAN = 4 * 1024 * 1024
"""At most this many bytes per read (what one read holds in memory at once)."""
_LENGTH_BITS = 32
"""A value's place in the file is one int, offset << 32 | length (an int per key, not a tuple of two)."""

_MISSING = object()
_IN_MEMORY = -1
"""A key's place while its only copy is in the buffer."""


T = TypeVar("T")


def chunked(values: Iterable[T], size: int) -> Iterator[list[T]]:
    """``values`` in lists of at most ``size``, taken as they come."""
    chunk: list[T] = []
    for value in values:
        chunk.append(value)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _identity(value: Any) -> Any:
    return value


def _place(offset: int, length: int) -> int:
    if length >> _LENGTH_BITS:
        raise ValueError(f"a spooled value of {length} bytes is larger than a spool holds (4 GiB)")
    return offset << _LENGTH_BITS | length


def _unplace(place: int) -> tuple[int, int]:
    return place >> _LENGTH_BITS, place & ((1 << _LENGTH_BITS) - 1)


class _ScratchFile:
    """An anonymous file that values are appended to and read back from by position."""

    def __init__(self, directory: str | None) -> None:
        # Unbuffered: every append is one write of a whole flush, every read one call at a known position.
        # Closed by `close` (the spool is a context manager; the file outlives this call by design).
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="graphsync-spool-", dir=directory, buffering=0)  # noqa: SIM115
        self._fd = self._file.fileno()
        self.size = 0

    def append(self, blobs: Sequence[bytes]) -> list[int]:
        """Write ``blobs`` one after another at the end; their places, in order."""
        places = []
        offset = self.size
        for blob in blobs:
            places.append(_place(offset, len(blob)))
            offset += len(blob)
        data = memoryview(b"".join(blobs))
        if hasattr(os, "pwrite"):
            written = 0
            while written < len(data):
                written += os.pwrite(self._fd, data[written:], self.size + written)
        else:  # Windows: no positional I/O, so seek first (reads seek too)
            self._file.seek(self.size)
            written = 0
            while written < len(data):
                count = self._file.write(data[written:])
                assert count is not None  # a regular file in blocking mode always takes some
                written += count
        self.size = offset
        return places

    def read(self, offset: int, length: int) -> bytes:
        if hasattr(os, "pread"):
            data = os.pread(self._fd, length, offset)
        else:
            self._file.seek(offset)
            data = self._file.read(length) or b""
        if len(data) != length:  # a regular file gives what it holds: anything less means it changed under us
            raise OSError(f"the spool's scratch file gave {len(data)} of {length} bytes at {offset}")
        return data

    def read_many(self, places: Sequence[int]) -> list[memoryview]:
        """The values at ``places``, in the same order; values lying close together are read in one call."""
        found: list[memoryview] = [memoryview(b"")] * len(places)
        order = sorted(range(len(places)), key=places.__getitem__)
        i = 0
        while i < len(order):
            start, length = _unplace(places[order[i]])
            end = start + length
            j = i + 1
            while j < len(order):
                offset, length = _unplace(places[order[j]])
                if offset - end > _GAP or offset + length - start > _SPAN:
                    break
                end = max(end, offset + length)
                j += 1
            data = memoryview(self.read(start, end - start))
            for k in order[i:j]:
                offset, length = _unplace(places[k])
                found[k] = data[offset - start : offset - start + length]
            i = j
        return found

    def truncate(self) -> None:
        """Give the file's space back (nothing in it is wanted any more)."""
        os.ftruncate(self._fd, 0)
        self.size = 0

    def close(self) -> None:
        self._file.close()


class Spool:
    """The scratch space of one run. Not thread-safe (a run is one task); close it when the run ends."""

    def __init__(self, *, buffer: int = DEFAULT_BUFFER, directory: str | None = None) -> None:
        if buffer < 1:
            raise ValueError("a spool's buffer holds at least one value")
        self.buffer = buffer
        self._directory = directory
        self._file: _ScratchFile | None = None
        self._held = 0
        self._parts: list[_Part] = []
        self.flushes = 0
        """How many times the buffer went to disk (0: the run fitted in memory)."""

    # ------------------------------------------------------------------ collections

    def new_map(
        self, *, encode: Callable[[Any], Any] = _identity, decode: Callable[[Any], Any] = _identity
    ) -> SpoolMap[Any]:
        """A new, empty mapping. ``encode``/``decode`` turn a value into something picklable and back (a
        value that refers to shared objects, such as an entity binding, is spooled by name)."""
        part: SpoolMap[Any] = SpoolMap(self, encode, decode)
        self._parts.append(part)
        return part

    def new_list(
        self, *, encode: Callable[[Any], Any] = _identity, decode: Callable[[Any], Any] = _identity
    ) -> SpoolList[Any]:
        """A new, empty append-only list."""
        part: SpoolList[Any] = SpoolList(self, encode, decode)
        self._parts.append(part)
        return part

    def drop(self, part: SpoolMap[Any] | SpoolList[Any]) -> None:
        """Forget a collection that is no longer needed: its buffered values are freed at once."""
        if part in self._parts:
            self._parts.remove(part)
            self._released(part._buffered())
            part._drop()
            self._reclaim()

    def _reclaim(self) -> None:
        """Empty the file once no collection has a value in it: a value replaced or deleted leaves its copy
        behind, and a delta round started over (a dead delta link) would otherwise pile up copies."""
        if self._file is not None and self._file.size and not any(part._in_file() for part in self._parts):
            self._file.truncate()

    # ------------------------------------------------------------------ buffer

    def _held_one(self) -> None:
        self._held += 1
        if self._held >= self.buffer:
            self.flush()

    def _released(self, count: int = 1) -> None:
        self._held -= count

    def flush(self) -> None:
        """Write every buffered value to the file and empty the buffer."""
        file = self._open()
        for part in self._parts:
            part._flush(file)
        self._held = 0
        self.flushes += 1

    def _open(self) -> _ScratchFile:
        if self._file is None:
            self._file = _ScratchFile(self._directory)
        return self._file

    def _read_many(self, places: Sequence[int]) -> list[memoryview]:
        assert self._file is not None
        return self._file.read_many(places)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        for part in self._parts:
            part._drop()
        self._parts.clear()
        self._held = 0

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Part:
    def _flush(self, file: _ScratchFile) -> None:
        raise NotImplementedError

    def _in_file(self) -> bool:
        """Whether any of the collection's values is (only or also) in the file."""
        raise NotImplementedError

    def _buffered(self) -> int:
        raise NotImplementedError

    def _drop(self) -> None:
        raise NotImplementedError


def _dump(value: Any) -> bytes:
    return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


class SpoolMap(_Part, Generic[V]):
    """A dict-like mapping of str to values; keys in memory (insertion order), values buffered or on disk.

    Iterate with `keys` (a snapshot, safe to change the map meanwhile), `items` and `values` (values read
    from disk in chunks). A value read is a copy: change it and put it back to keep the change."""

    def __init__(self, spool: Spool, encode: Callable[[V], Any], decode: Callable[[Any], V]) -> None:
        self._spool = spool
        self._encode = encode
        self._decode = decode
        self._keys: dict[str, int] = {}  # key -> its value's place in the file, or _IN_MEMORY
        self._mem: dict[str, V] = {}  # the buffer: it wins over a (then older) copy in the file

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __setitem__(self, key: str, value: V) -> None:
        key = sys.intern(key)  # a key is often held by several collections of a run: one string for all
        self._keys.setdefault(key, _IN_MEMORY)
        if key not in self._mem:
            self._mem[key] = value
            self._spool._held_one()
        else:
            self._mem[key] = value

    def __getitem__(self, key: str) -> V:
        place = self._keys[key]  # KeyError when absent
        if key in self._mem:
            return self._mem[key]
        return self._decode(pickle.loads(self._spool._read_many([place])[0]))

    def get(self, key: str, default: V | None = None) -> V | None:
        return self[key] if key in self._keys else default

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        if self._mem.pop(key, _MISSING) is not _MISSING:
            self._spool._released()
        # A copy in the file is left: the key decides membership, and a later put of the key replaces it.

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
        self._spool._reclaim()

    def _in_file(self) -> bool:
        return any(place != _IN_MEMORY for place in self._keys.values())

    def keys(self) -> list[str]:
        return list(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def get_many(self, keys: Iterable[str]) -> dict[str, V]:
        """The values of those of ``keys`` that are in the map; those in the file are read together, in
        as few system calls as their places allow."""
        found: dict[str, V] = {}
        on_disk: dict[str, None] = {}  # a key asked for twice is read once
        mem, present = self._mem, self._keys
        for key in keys:
            if key in mem:
                found[key] = mem[key]
            elif key in present:
                on_disk[key] = None
        if on_disk:
            decode, loads = self._decode, pickle.loads
            blobs = self._spool._read_many([present[key] for key in on_disk])
            for key, blob in zip(on_disk, blobs, strict=True):
                found[key] = decode(loads(blob))
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

    def _flush(self, file: _ScratchFile) -> None:
        if self._mem:
            encode = self._encode
            places = file.append([_dump(encode(v)) for v in self._mem.values()])
            keys = self._keys
            for key, place in zip(self._mem, places, strict=True):
                keys[key] = place
            self._mem.clear()

    def _buffered(self) -> int:
        return len(self._mem)

    def _drop(self) -> None:
        self._keys.clear()
        self._mem.clear()


class SpoolList(_Part, Generic[V]):
    """An append-only list; the oldest values go to disk first. Iterating reads them back in order."""

    def __init__(self, spool: Spool, encode: Callable[[V], Any], decode: Callable[[Any], V]) -> None:
        self._spool = spool
        self._encode = encode
        self._decode = decode
        # Where the values in the file lie, in order: 16 bytes a value (a list of places would be 40).
        self._offsets: array[int] = array("q")
        self._lengths: array[int] = array("q")
        self._mem: list[V] = []

    def __len__(self) -> int:
        return len(self._offsets) + len(self._mem)

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
            on_disk = len(self._offsets)
            if n < on_disk:
                decode, loads = self._decode, pickle.loads
                end = min(n + READ_CHUNK, on_disk)
                places = [_place(o, k) for o, k in zip(self._offsets[n:end], self._lengths[n:end], strict=True)]
                blobs = self._spool._read_many(places)
                batch = [decode(loads(blob)) for blob in blobs]
            else:
                batch = self._mem[n - on_disk : n - on_disk + READ_CHUNK]
            yield from batch
            n += len(batch)

    def chunks(self, size: int) -> Iterator[list[V]]:
        """The values in lists of at most ``size``."""
        return chunked(self, size)

    def _flush(self, file: _ScratchFile) -> None:
        if self._mem:
            encode = self._encode
            for place in file.append([_dump(encode(v)) for v in self._mem]):
                offset, length = _unplace(place)
                self._offsets.append(offset)
                self._lengths.append(length)
            self._mem.clear()

    def _buffered(self) -> int:
        return len(self._mem)

    def _in_file(self) -> bool:
        return len(self._offsets) > 0

    def _drop(self) -> None:
        self._mem.clear()
        self._offsets, self._lengths = array("q"), array("q")
