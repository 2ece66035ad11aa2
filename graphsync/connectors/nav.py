"""The NAV side as the engine sees it.

Two implementations stand behind this protocol: the embedded company (SQLite, `graphsync.nav.embedded`)
and NAV / Business Central over OData V4 (`graphsync.nav.odata`). Both pass the same contract suite
(`tests/nav/contract.py`), so the engine cannot tell them apart.

Values are Python values of NAV's types, by NAV field *name* (``"Phone No."``):
Code/Text -> str ("" for blank), Integer -> int, Decimal -> decimal.Decimal, Boolean -> bool,
Option -> the option caption as str (``"Meeting"``, ``""`` for a blank first option),
Date -> datetime.date or None (NAV's 0D), Time -> datetime.time or None (0T),
DateTime -> timezone-aware datetime in UTC or None, Duration -> int milliseconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import Protocol, runtime_checkable

from graphsync.frozen import quick_init

NavKey = tuple[str, ...]
"""A primary key as NAV renders its fields' values, in key order: ``("CT100006",)``, ``("TD000001", "10000")``."""


class NavTable(IntEnum):
    """The NAV tables graphsync reads or writes, by their NAV table number."""

    SALESPERSON = 13
    USER_SETUP = 91
    TERRITORY = 286
    CHANGE_LOG_SETUP = 402
    CHANGE_LOG_SETUP_TABLE = 403
    CHANGE_LOG_SETUP_FIELD = 404
    CHANGE_LOG_ENTRY = 405
    CONTACT = 5050
    TODO = 5080
    ATTENDEE = 5199
    # NAV 2009-2018's Outlook Synchronization add-in (removed in Business Central 22): read by the migration
    # from it (`graphsync.migrate.addin`), never written.
    OUTLOOK_SYNCH_ENTITY = 5300
    OUTLOOK_SYNCH_ENTITY_ELEMENT = 5301
    OUTLOOK_SYNCH_LINK = 5302
    OUTLOOK_SYNCH_FILTER = 5303
    OUTLOOK_SYNCH_FIELD = 5304
    OUTLOOK_SYNCH_USER_SETUP = 5305
    OUTLOOK_SYNCH_SETUP_DETAIL = 5310


class FieldType(Enum):
    CODE = "Code"
    TEXT = "Text"
    INTEGER = "Integer"
    DECIMAL = "Decimal"
    BOOLEAN = "Boolean"
    OPTION = "Option"
    DATE = "Date"
    TIME = "Time"
    DATETIME = "DateTime"
    DURATION = "Duration"


@dataclass(frozen=True)
class FieldDef:
    """One field of a NAV table: number, name, type, length (Code/Text) and option captions (Option)."""

    no: int
    name: str
    type: FieldType
    length: int = 0
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableDef:
    no: int
    name: str
    fields: tuple[FieldDef, ...]
    key: tuple[str, ...]
    """Names of the primary key fields, in order."""
    unavailable: tuple[FieldDef, ...] = ()
    """Fields NAV's table has that this connection cannot read or write (a published page that does not
    show them): not in ``fields``; a field map that uses one skips it (``graphsync doctor`` says what to add)."""

    def field(self, ref: str | int) -> FieldDef:
        """A field by NAV name (case-insensitive) or number; KeyError names what was asked."""
        for f in self.fields:
            if (isinstance(ref, int) and f.no == ref) or (isinstance(ref, str) and f.name.lower() == ref.lower()):
                return f
        if isinstance(ref, str) and ref.isdigit():
            return self.field(int(ref))
        raise KeyError(f"table {self.no} {self.name} has no field {ref!r}")

    def unavailable_field(self, ref: str | int) -> FieldDef | None:
        """The field ``ref`` names when it is one of ``unavailable``, else None."""
        if isinstance(ref, str) and ref.isdigit():
            ref = int(ref)
        for f in self.unavailable:
            if (isinstance(ref, int) and f.no == ref) or (isinstance(ref, str) and f.name.lower() == ref.lower()):
                return f
        return None


@quick_init
@dataclass(frozen=True)
class NavRecord:
    """A record as read: its key, its field values by NAV field name, and its ETag (row version)."""

    table: NavTable
    key: NavKey
    fields: Mapping[str, object]
    etag: str

    def __getitem__(self, name: str) -> object:
        return self.fields[name]


@dataclass(frozen=True)
class NavDeletion:
    """A record that was deleted in NAV after the watermark it was read with."""

    table: NavTable
    key: NavKey


@dataclass(frozen=True, order=True)
class Watermark:
    """Where a read of changes stopped. Opaque to the engine: it stores ``value`` and hands it back."""

    value: str


@dataclass(frozen=True)
class ChangeSet:
    """What changed in one table since a watermark.

    ``records`` is an iterator so that a large table streams instead of filling memory; ``watermark`` is
    taken *before* reading, so anything changed while reading is seen again next time (never missed).
    A record may show up again in a later change set although it did not change: the engine's three-way
    compare makes that harmless.
    """

    records: Iterator[NavRecord]
    deletions: Iterator[NavDeletion]
    watermark: Watermark
    deletions_tracked: bool = True
    """False when this NAV cannot report deletions for the table (no change log): ``deletions`` is then
    empty and the engine finds deleted records by comparing `NavConnector.keys` with its links."""


@runtime_checkable
class NavConnector(Protocol):
    """What the engine needs from NAV. Every method raises only `graphsync.errors.NavError` subclasses."""

    def table_def(self, table: NavTable) -> TableDef:
        """Field numbers, names, types and lengths of a table as this NAV exposes it."""
        ...

    def changes(self, table: NavTable, since: Watermark | None) -> ChangeSet:
        """Records inserted or modified, and keys deleted, after ``since`` (everything when None)."""
        ...

    def get(self, table: NavTable, key: NavKey) -> NavRecord | None: ...

    def find(self, table: NavTable, where: Mapping[str, object]) -> Iterator[NavRecord]:
        """Records whose fields equal the given values (by NAV field name)."""
        ...

    def insert(self, table: NavTable, values: Mapping[str, object]) -> NavRecord:
        """Insert a record. Key fields may be left out: NAV's number series assigns them. Returns the
        record as NAV stored it (validation may have changed other fields)."""
        ...

    def modify(self, table: NavTable, key: NavKey, values: Mapping[str, object], *, if_match: str) -> NavRecord:
        """Change some fields. ``if_match`` is the ETag read; a stale one raises NavConcurrencyError."""
        ...

    def delete(self, table: NavTable, key: NavKey, *, if_match: str) -> None:
        """Delete a record; NavRefusedError when a NAV rule forbids it, NavConcurrencyError when stale."""
        ...

    def keys(self, table: NavTable) -> Iterator[NavKey]:
        """Every key of a table (used to find deletions when no change log is available)."""
        ...

    def close(self) -> None: ...


def nav_today_utc() -> dt.datetime:
    """Now, in UTC, as NAV stamps it (whole milliseconds, like SQL Server's datetime)."""
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=(now.microsecond // 1000) * 1000)
