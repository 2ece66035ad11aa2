"""The one NAV fake: the embedded company (`graphsync.nav.embedded`, NAV's tables, triggers, number series,
row versions and change log) in a throw-away file, plus crash injection. It is held to the NAV contract
(tests/nav/contract.py, run against it in tests/nav/test_fake_nav.py), so what the engine tests see is what
NAV does: a meeting gets its organizer and contact as Attendee lines, a contact with open to-dos cannot be
deleted, Status Completed closes a to-do, Code fields are upper-cased, a relation must name a record.

``FakeNav()`` is an empty company (no salespeople, contacts or to-dos; change logging on for the synced
tables, so deletions are read back: ``deletions_tracked=False`` leaves it off, as a NAV without a change log);
``FakeNav(demo=True)`` holds the CRONUS demo data. Each instance copies a company file made once per process,
so making one costs a file copy.

``crash_after_writes`` simulates a process killed at the Nth write: the write is committed, then
`SimulatedCrash` is raised (the caller never learns the result, like a crash right after the commit).
``writes`` counts the writes done, ``gets`` the single-record reads, ``full_reads`` the change sets read from
no watermark (a whole table), per table.
"""

from __future__ import annotations

import atexit
import itertools
import shutil
import tempfile
import weakref
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path

from graphsync.connectors.nav import ChangeSet, NavKey, NavRecord, NavTable, TableDef, Watermark
from graphsync.nav import schema
from graphsync.nav.embedded import EmbeddedNav


class SimulatedCrash(BaseException):
    """The process "died" here. A BaseException so that no `except Exception` in the engine swallows it."""


_DIR: Path | None = None
_TEMPLATES: dict[tuple[bool, bool], Path] = {}
_NAMES = itertools.count(1)


def _workdir() -> Path:
    global _DIR
    if _DIR is None:
        _DIR = Path(tempfile.mkdtemp(prefix="graphsync-fakenav-"))
        atexit.register(shutil.rmtree, _DIR, ignore_errors=True)
    return _DIR


def _template(*, demo: bool, deletions_tracked: bool) -> Path:
    """The company file every FakeNav of this kind starts as, made once per process."""
    key = (demo, deletions_tracked)
    if key not in _TEMPLATES:
        path = _workdir() / f"template-{'demo' if demo else 'empty'}-{'log' if deletions_tracked else 'nolog'}.sqlite"
        with EmbeddedNav.create(path, demo=demo, user_id="TEMPLATE") as nav:
            for table in schema.SYNCED_TABLES:
                # The demo turns logging on itself; an empty company has none until someone sets it up.
                nav.set_change_logging(table, enabled=deletions_tracked)
        _TEMPLATES[key] = path
    return _TEMPLATES[key]


def _discard(company: EmbeddedNav, path: Path) -> None:
    company.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


class FakeNav:
    """A `NavConnector` over its own embedded company (``company``, for what only the embedded company offers,
    such as `EmbeddedNav.set_change_logging`; writes made through it are not counted and never crash). Like
    NAV over OData, it is not an `EmbeddedNav`: what graphsync does only for the embedded company, it does not
    do for this one."""

    def __init__(self, *, demo: bool = False, deletions_tracked: bool = True) -> None:
        path = _workdir() / f"nav-{next(_NAMES)}.sqlite"
        shutil.copyfile(_template(demo=demo, deletions_tracked=deletions_tracked), path)
        self.company = EmbeddedNav(path, user_id="GRAPHSYNC")
        self._finalizer = weakref.finalize(self, _discard, self.company, path)
        self.writes = 0
        self.crash_after_writes: int | None = None
        self.gets = 0
        self.full_reads: Counter[NavTable] = Counter()

    def close(self) -> None:
        self._finalizer()

    def _written(self) -> None:
        self.writes += 1
        if self.crash_after_writes is not None and self.writes >= self.crash_after_writes:
            self.crash_after_writes = None
            raise SimulatedCrash(f"crash after NAV write {self.writes}")

    # ------------------------------------------------------------------ the protocol

    def table_def(self, table: NavTable) -> TableDef:
        return self.company.table_def(table)

    def changes(self, table: NavTable, since: Watermark | None) -> ChangeSet:
        if since is None:
            self.full_reads[NavTable(table)] += 1
        return self.company.changes(table, since)

    def get(self, table: NavTable, key: NavKey) -> NavRecord | None:
        self.gets += 1
        return self.company.get(table, key)

    def find(self, table: NavTable, where: Mapping[str, object]) -> Iterator[NavRecord]:
        return self.company.find(table, where)

    def keys(self, table: NavTable) -> Iterator[NavKey]:
        return self.company.keys(table)

    def insert(self, table: NavTable, values: Mapping[str, object]) -> NavRecord:
        record = self.company.insert(table, values)
        self._written()
        return record

    def modify(self, table: NavTable, key: NavKey, values: Mapping[str, object], *, if_match: str) -> NavRecord:
        record = self.company.modify(table, key, values, if_match=if_match)
        self._written()
        return record

    def delete(self, table: NavTable, key: NavKey, *, if_match: str) -> None:
        self.company.delete(table, key, if_match=if_match)
        self._written()

    # ------------------------------------------------------------------ test conveniences

    def put(self, table: NavTable, **values: object) -> NavRecord:
        """Insert as a NAV user would (field names with spaces: pass a dict through ``**{...}``)."""
        return self.insert(table, values)

    def edit(self, table: NavTable, key: NavKey, **values: object) -> NavRecord:
        return self.modify(table, key, values, if_match="*")
