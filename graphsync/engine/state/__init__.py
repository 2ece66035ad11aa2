"""The state store: everything graphsync remembers between runs, per mailbox, by concern.

    store = StateStore(path_or_url)         graphsync.engine.state.store: open, migrate, transactions
    box = store.mailbox(upn)                a `MailboxState`: one mailbox's view, with
      box.links                             NAV key <-> Outlook id, base values, versions (links.py)
      box.origins                           who made each linked item's Outlook side (origins.py)
      box.cursors                           delta links, NAV watermarks, map fingerprints, by typed name (cursors.py)
      box.journal                           creates about to be sent (journal.py)
      box.conflicts                         field-by-field conflicts and their resolutions (conflicts.py)
      box.retries                           unlinked items to look at again (retries.py)
      box.runs                              run history and item errors (runs.py)
      box.lock                              one run per mailbox at a time (locks.py)
      box.unlinked                          links dropped while NAV's record lives on, kept aside (unlinked.py)
      box.forget(history=False)             everything of the mailbox, gone in one transaction (store.py)
    schema.py                               the tables and their migrations (`MIGRATIONS`, `SCHEMA_VERSION`)

SQLAlchemy Core over SQLite by default; the tables use types every dialect has, and each module keeps its
dialect-specific fast paths to itself (SQLite's go straight to the driver), so another database (the
tenant-wide runs' PostgreSQL) is added module by module. A store written by a newer graphsync is refused.
"""

from __future__ import annotations

from graphsync.engine.state.conflicts import ConflictRecord, Conflicts
from graphsync.engine.state.cursors import (
    ContainersCursor,
    CursorName,
    Cursors,
    DeltaCursor,
    MapCursor,
    NavCursor,
    NoticesCursor,
)
from graphsync.engine.state.journal import Journal, JournalDraft, JournalEntry
from graphsync.engine.state.links import Link, LinkIds, Links
from graphsync.engine.state.locks import Lock
from graphsync.engine.state.origins import Origins
from graphsync.engine.state.retries import Retries
from graphsync.engine.state.runs import ItemErrorRecord, RunRecord, Runs
from graphsync.engine.state.schema import MIGRATIONS, SCHEMA_VERSION
from graphsync.engine.state.store import MailboxState, StateStore
from graphsync.engine.state.unlinked import Unlinked, UnlinkedItem, UnlinkMark

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "ConflictRecord",
    "Conflicts",
    "ContainersCursor",
    "CursorName",
    "Cursors",
    "DeltaCursor",
    "ItemErrorRecord",
    "Journal",
    "JournalDraft",
    "JournalEntry",
    "Link",
    "LinkIds",
    "Links",
    "Lock",
    "MailboxState",
    "MapCursor",
    "NavCursor",
    "NoticesCursor",
    "Origins",
    "Retries",
    "RunRecord",
    "Runs",
    "StateStore",
    "UnlinkMark",
    "Unlinked",
    "UnlinkedItem",
]
