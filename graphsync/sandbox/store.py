"""The sandbox's in-memory store: mailboxes, their collections, and the change log that delta reads.

Every change to an item takes the next number from its mailbox's sequence and is appended to its
collection's log, so a delta position is just a number: a delta round returns the items whose latest
change number lies after the token's, each item once. Deleted items leave a tombstone with their own
number. Tokens also carry the mailbox's epoch (its sync state generation); `Mailbox.invalidate_delta_tokens`
bumps it, which kills every token handed out before. A new mailbox's epoch is random, so tokens of another
sandbox (or of this one restarted without its data file) do not match it either.

Items are mutable records, not values: the sandbox updates them in place, plain dicts inside, because
benchmarks push hundreds of thousands of items through it.
"""

from __future__ import annotations

import base64
import bisect
import os
import secrets
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

REST_PREFIX = "AAMkA"
IMMUTABLE_PREFIX = "AAkAL"


def new_id(prefix: str) -> str:
    """An Outlook-looking id: ``AAMk...`` for REST ids, ``AAkA...`` for immutable ones."""
    return prefix + base64.urlsafe_b64encode(os.urandom(24)).decode()


def new_change_key() -> str:
    return base64.b64encode(os.urandom(12)).decode()


def looks_like_id(text: str) -> bool:
    """Whether ``text`` could be an Outlook id at all (else Graph answers ErrorInvalidIdMalformed)."""
    return len(text) >= 16 and all(c.isalnum() or c in "-_=+/" for c in text)


@dataclass(eq=False, slots=True)
class Item:
    """One stored object (contact, folder, calendar, event, To Do list or task).

    ``key`` is the immutable id (also the key in its collection); ``rest_id`` the id Graph gives by
    default, which changes when the item moves. ``props`` holds the Graph properties as returned, except
    ``id`` and ``@odata.etag``. ``ext_props`` maps the lower-cased extended property id to (id, value).
    """

    kind: str
    key: str
    rest_id: str
    collection: str
    props: dict[str, Any]
    change_key: str = field(default_factory=new_change_key)
    seq: int = 0
    ext_props: dict[str, tuple[str, str]] = field(default_factory=dict)
    extensions: dict[str, dict[str, Any]] = field(default_factory=dict)
    linked: dict[str, dict[str, Any]] = field(default_factory=dict)
    span: tuple[str, str, float, float] | None = None
    """Events: (start text, end text, start seconds, end seconds), cached by `graphsync.sandbox.calendar`."""
    occurrences: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    """A series master's exceptions (changed properties) and cancellations (None), by the day the occurrence
    was first due (`graphsync.sandbox.series`)."""

    @property
    def etag(self) -> str:
        return f'W/"{self.change_key}"'

    def snapshot(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key": self.key,
            "rest_id": self.rest_id,
            "collection": self.collection,
            "props": self.props,
            "change_key": self.change_key,
            "ext_props": [list(v) for v in self.ext_props.values()],
            "extensions": self.extensions,
            "linked": self.linked,
            **({"occurrences": self.occurrences} if self.occurrences else {}),
        }

    @classmethod
    def from_snapshot(cls, data: dict[str, Any], seq: int) -> Item:
        return cls(
            kind=data["kind"],
            key=data["key"],
            rest_id=data["rest_id"],
            collection=data["collection"],
            props=data["props"],
            change_key=data["change_key"],
            seq=seq,
            ext_props={pid.lower(): (pid, value) for pid, value in data["ext_props"]},
            extensions=data["extensions"],
            linked=data["linked"],
            occurrences=data.get("occurrences", {}),
        )


@dataclass(frozen=True, slots=True)
class Tombstone:
    key: str
    rest_id: str
    seq: int
    data: dict[str, Any] | None = None
    """For events: the deleted event's last properties (calendarView delta needs its time range)."""


class Collection:
    """Items of one folder, calendar or list (or the folders/calendars/lists themselves), in creation
    order, with the change log delta pages through."""

    __slots__ = ("_index", "_indexed", "_log", "_log_seqs", "items", "key", "latest", "tombstones")

    def __init__(self, key: str) -> None:
        self.key = key
        self.items: dict[str, Item] = {}
        self.tombstones: dict[str, Tombstone] = {}
        self.latest: dict[str, int] = {}
        self._log: list[str] = []
        self._log_seqs: list[int] = []
        self._index: dict[tuple[str, str], set[str]] = {}
        self._indexed: dict[str, list[tuple[str, str]]] = {}

    # -- the change log

    def record(self, key: str, seq: int) -> None:
        self.latest[key] = seq
        self._log.append(key)
        self._log_seqs.append(seq)
        if len(self._log) > 2 * len(self.latest) + 256:
            self._compact()

    def _compact(self) -> None:
        # Stale entries (an item changed again later) only cost memory; dropping them keeps order.
        keep = [(s, k) for s, k in zip(self._log_seqs, self._log, strict=True) if self.latest.get(k) == s]
        self._log_seqs = [s for s, _ in keep]
        self._log = [k for _, k in keep]

    def changes(self, after: int, upto: int) -> Iterator[tuple[int, str]]:
        """(seq, key) of every item whose latest change is in (after, upto], oldest first."""
        start = bisect.bisect_right(self._log_seqs, after)
        seqs, keys, latest = self._log_seqs, self._log, self.latest
        for i in range(start, len(seqs)):
            seq = seqs[i]
            if seq > upto:
                return
            key = keys[i]
            if latest.get(key) == seq:
                yield seq, key

    # -- extended property index (find by value without scanning)

    def index_add(self, item: Item) -> None:
        # Values in lower case: a $filter on an extended property's value is case-insensitive
        # (singlevaluelegacyextendedproperty-get.md); the filter itself then checks the property's name.
        pairs = [(pid, value.lower()) for pid, (_, value) in item.ext_props.items()]
        if pairs:
            self._indexed[item.key] = pairs
        for pair in pairs:
            self._index.setdefault(pair, set()).add(item.key)

    def index_remove(self, item: Item) -> None:
        # What was indexed, not what the item holds now: handlers change items in place before `put`.
        for pair in self._indexed.pop(item.key, ()):
            keys = self._index.get(pair)
            if keys is not None:
                keys.discard(item.key)
                if not keys:
                    del self._index[pair]

    def find(self, prop_id: str, value: str) -> list[Item]:
        """Items holding the property with this value in any case (a candidate list for the filter)."""
        keys = self._index.get((prop_id.lower(), value.lower()), ())
        return [self.items[k] for k in keys if k in self.items]


class Journal(Protocol):
    """Where changes go besides memory (the SQLite persistence of ``--data``)."""

    def changed(self, mailbox: Mailbox, collection: str, entry: Item | Tombstone) -> None: ...

    def dropped(self, mailbox: Mailbox, collection: str) -> None: ...


class Mailbox:
    """One user's mailbox: identity, collections, the change sequence and the limiter's counters."""

    def __init__(self, upn: str, *, user_id: str | None = None, display_name: str | None = None) -> None:
        self.upn = upn.lower()
        self.user_id = user_id or str(uuid.uuid4())
        self.display_name = display_name or self.upn.split("@")[0]
        # Random rather than 1: every fresh mailbox of every sandbox would otherwise share generation 1, and
        # a token from one would pass for the other's (see graphsync.sandbox.delta.known_token).
        self.epoch = secrets.randbelow(2**31) + 1
        self.seq = 0
        self.collections: dict[str, Collection] = {}
        self.index: dict[str, Item] = {}
        self.transactions: dict[str, str] = {}
        """transactionId -> event key: a second create with the same transactionId returns that event."""
        self.journal: Journal | None = None
        self.default_contacts = ""
        self.default_calendar = ""
        self.time_zone = "UTC"
        """mailboxSettings.timeZone, as it was set (a Windows or an IANA name)."""
        self.settings: dict[str, Any] = {}
        """The other mailboxSettings a PATCH set (date and time formats, language)."""
        # Limiter state (see graphsync.sandbox.limits).
        self.in_flight = 0
        self.window: deque[float] = deque()
        self.requests: dict[str, int] = {}

    def collection(self, key: str) -> Collection:
        found = self.collections.get(key)
        if found is None:
            found = self.collections[key] = Collection(key)
        return found

    def lookup(self, item_id: str) -> Item | None:
        return self.index.get(item_id)

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def put(self, item: Item, *, bump_change_key: bool = True) -> None:
        """Store a new or changed item: new change number (and changeKey), indexes, persistence."""
        coll = self.collection(item.collection)
        existed = item.key in coll.items
        coll.index_remove(item)
        if bump_change_key and existed:
            item.change_key = new_change_key()
            if "changeKey" in item.props:
                item.props["changeKey"] = item.change_key
        item.seq = self.next_seq()
        coll.items[item.key] = item
        coll.tombstones.pop(item.key, None)
        coll.index_add(item)
        coll.record(item.key, item.seq)
        self.index[item.key] = item
        self.index[item.rest_id] = item
        if self.journal is not None:
            self.journal.changed(self, coll.key, item)

    def remove(self, item: Item) -> None:
        coll = self.collection(item.collection)
        coll.index_remove(item)
        coll.items.pop(item.key, None)
        self.index.pop(item.key, None)
        self.index.pop(item.rest_id, None)
        tomb = Tombstone(item.key, item.rest_id, self.next_seq(), item.props if item.kind == "event" else None)
        coll.tombstones[item.key] = tomb
        coll.record(item.key, tomb.seq)
        if self.journal is not None:
            self.journal.changed(self, coll.key, tomb)

    def move(self, item: Item, collection: str) -> None:
        """Move ``item`` to another collection as Outlook does: its REST id changes (the old one is a
        tombstone in the old collection's delta), its immutable id stays."""
        old = self.collection(item.collection)
        old.index_remove(item)
        old.items.pop(item.key, None)
        self.index.pop(item.rest_id, None)
        tomb = Tombstone(item.key, item.rest_id, self.next_seq(), item.props if item.kind == "event" else None)
        old.tombstones[item.key] = tomb
        old.record(item.key, tomb.seq)
        if self.journal is not None:
            self.journal.changed(self, old.key, tomb)
        item.rest_id = new_id(REST_PREFIX)
        item.collection = collection
        self.put(item)

    def drop_collection(self, key: str) -> None:
        """Remove every item of a collection whose container was deleted (no tombstones: the container's
        own tombstone says it all)."""
        coll = self.collections.pop(key, None)
        if coll is None:
            return
        for item in list(coll.items.values()):
            self.index.pop(item.key, None)
            self.index.pop(item.rest_id, None)
            for child in [k for k in self.collections if k.endswith("/" + item.key)]:
                self.drop_collection(child)
        if self.journal is not None:
            self.journal.dropped(self, key)

    def invalidate_delta_tokens(self) -> None:
        self.epoch += 1
