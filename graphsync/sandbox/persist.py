"""``--data PATH``: the sandbox's state in SQLite, written through on every change.

Each item (or tombstone) is one row keyed by mailbox and immutable id, holding its JSON and its change
number; a request's changes are committed when the request ends. Loading replays the rows in change order,
which rebuilds the collections and their change logs, so delta links handed out before a restart still
work after it. Throttling windows, counters and meeting requests are runtime readings and not kept.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from graphsync.errors import StateError
from graphsync.sandbox.store import Item, Mailbox, Tombstone

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    upn TEXT PRIMARY KEY, user_id TEXT NOT NULL, display_name TEXT NOT NULL, epoch INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    upn TEXT NOT NULL, key TEXT NOT NULL, collection TEXT NOT NULL, seq INTEGER NOT NULL,
    deleted INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (upn, collection, key)
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS settings (upn TEXT PRIMARY KEY, data TEXT NOT NULL);
"""
# settings (a mailbox's time zone and the other mailboxSettings set) came after format 2: a file without the
# table gets it, empty, and its mailboxes keep the defaults.
_FORMAT = "graphsync-sandbox/2"


class SqlitePersistence:
    """A `graphsync.sandbox.store.Journal` that keeps every change in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # One connection shared by the server thread; calls are serialized by the lock.
            self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
            row = self.db.execute("SELECT value FROM meta WHERE name = 'format'").fetchone()
        except sqlite3.Error as exc:
            raise StateError(path=str(path), reason=f"not a usable sandbox data file ({exc})") from None
        if row is None:
            self.db.execute("INSERT INTO meta VALUES ('format', ?)", (_FORMAT,))
        elif row[0] != _FORMAT:
            raise StateError(path=str(path), reason=f"written by another sandbox version ({row[0]})")
        self._in_transaction = False

    def _begin(self) -> None:
        if not self._in_transaction:
            self.db.execute("BEGIN")
            self._in_transaction = True

    def save_user(self, mailbox: Mailbox) -> None:
        with self._lock:
            self._begin()
            self.db.execute(
                "INSERT OR REPLACE INTO users VALUES (?, ?, ?, ?)",
                (mailbox.upn, mailbox.user_id, mailbox.display_name, mailbox.epoch),
            )

    def save_settings(self, mailbox: Mailbox) -> None:
        data = json.dumps({"timeZone": mailbox.time_zone, **mailbox.settings})
        with self._lock:
            self._begin()
            self.db.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (mailbox.upn, data))

    def changed(self, mailbox: Mailbox, collection: str, entry: Item | Tombstone) -> None:
        if isinstance(entry, Item):
            row = (mailbox.upn, entry.key, collection, entry.seq, 0, json.dumps(entry.snapshot()))
        else:
            data = {"rest_id": entry.rest_id, "data": entry.data}
            row = (mailbox.upn, entry.key, collection, entry.seq, 1, json.dumps(data))
        with self._lock:
            self._begin()
            self.db.execute("INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?, ?, ?)", row)

    def dropped(self, mailbox: Mailbox, collection: str) -> None:
        with self._lock:
            self._begin()
            self.db.execute("DELETE FROM items WHERE upn = ? AND collection = ?", (mailbox.upn, collection))

    def commit(self) -> None:
        with self._lock:
            if self._in_transaction:
                self.db.execute("COMMIT")
                self._in_transaction = False

    def close(self) -> None:
        self.commit()
        with self._lock:
            self.db.close()

    def load(self) -> list[Mailbox]:
        """Every stored mailbox, rebuilt: collections, change logs, tombstones, indexes, transactionIds."""
        mailboxes: dict[str, Mailbox] = {}
        for upn, user_id, display_name, epoch in self.db.execute("SELECT * FROM users"):
            mailbox = Mailbox(upn, user_id=user_id, display_name=display_name)
            mailbox.epoch = epoch
            mailboxes[upn] = mailbox
        rows = self.db.execute("SELECT upn, key, collection, seq, deleted, data FROM items ORDER BY seq")
        for upn, key, collection, seq, deleted, data in rows:
            owner = mailboxes.get(upn)
            if owner is None:
                continue
            mailbox = owner
            coll = mailbox.collection(collection)
            stored = json.loads(data)
            mailbox.seq = max(mailbox.seq, seq)
            if deleted:
                coll.tombstones[key] = Tombstone(key, stored["rest_id"], seq, stored["data"])
                coll.record(key, seq)
                continue
            item = Item.from_snapshot(stored, seq)
            coll.items[key] = item
            coll.index_add(item)
            coll.record(key, seq)
            mailbox.index[item.key] = item
            mailbox.index[item.rest_id] = item
            if item.kind == "contactFolder" and collection == "root":
                mailbox.default_contacts = item.key
            if item.kind == "calendar" and item.props.get("isDefaultCalendar"):
                mailbox.default_calendar = item.key
            if item.kind == "event" and item.props.get("transactionId"):
                mailbox.transactions[item.props["transactionId"]] = item.key
        for upn, data in self.db.execute("SELECT upn, data FROM settings"):
            if upn in mailboxes:
                values = json.loads(data)
                mailboxes[upn].time_zone = values.pop("timeZone", "UTC")
                mailboxes[upn].settings = values
        for mailbox in mailboxes.values():
            mailbox.journal = self
        return list(mailboxes.values())
