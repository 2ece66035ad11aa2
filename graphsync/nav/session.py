"""One write transaction on the embedded company: row writes that stamp row versions and the change log.

NAV's table triggers (`graphsync.nav.triggers`) call these; every cascade (a company's name pushed to its
persons, a company's persons deleted with it) goes through the same calls, so it is versioned and logged
like a direct write and rolls back with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from graphsync.connectors.nav import NavKey, NavTable, TableDef
from graphsync.nav import schema
from graphsync.nav.changelog import ChangeKind, ChangeLog, FieldChange
from graphsync.nav.store import Row, Store, stored_fields
from graphsync.nav.values import blank_value, has_value


def nav_key(t: TableDef, row: Mapping[str, object]) -> NavKey:
    """A record's key as NAV renders it: every key field's value as text."""
    return tuple(str(row[k]) for k in t.key)


def typed_key(t: TableDef, row: Mapping[str, object]) -> tuple[object, ...]:
    return tuple(row[k] for k in t.key)


@dataclass
class Session:
    store: Store
    log: ChangeLog
    user_id: str
    now: dt.datetime
    """UTC, whole milliseconds: the stamp of every write in this transaction."""

    @property
    def today(self) -> dt.date:
        return self.now.date()

    def blank_row(self, t: TableDef) -> Row:
        return {f.name: blank_value(f) for f in stored_fields(t)}

    def get(self, t: TableDef, key: tuple[object, ...]) -> Row | None:
        got = self.store.get(t, key)
        return None if got is None else got[0]

    def select(self, t: TableDef, where: Mapping[str, object]) -> list[Row]:
        return [row for row, _ in self.store.select(t, where)]

    def insert_row(self, t: TableDef, row: Row) -> None:
        self.store.insert(t, row)
        fields = [FieldChange(f, None, row[f.name]) for f in stored_fields(t) if has_value(f, row[f.name])]
        self.log.write(
            table=NavTable(t.no),
            key=nav_key(t, row),
            kind=ChangeKind.INSERTION,
            changes=fields,
            user_id=self.user_id,
            now=self.now,
        )

    def update_row(self, t: TableDef, old: Row, new: Row) -> bool:
        """Write the fields that differ; False (and nothing written) when none does."""
        changed = [f for f in stored_fields(t) if old[f.name] != new[f.name]]
        if not changed:
            return False
        self.store.update(t, typed_key(t, old), {f.name: new[f.name] for f in changed})
        self.log.write(
            table=NavTable(t.no),
            key=nav_key(t, old),
            kind=ChangeKind.MODIFICATION,
            changes=[FieldChange(f, old[f.name], new[f.name]) for f in changed],
            user_id=self.user_id,
            now=self.now,
        )
        return True

    def delete_row(self, t: TableDef, row: Row) -> None:
        self.store.delete(t, typed_key(t, row))
        fields = [FieldChange(f, row[f.name], None) for f in stored_fields(t) if has_value(f, row[f.name])]
        self.log.write(
            table=NavTable(t.no),
            key=nav_key(t, row),
            kind=ChangeKind.DELETION,
            changes=fields,
            user_id=self.user_id,
            now=self.now,
        )

    def next_no(self, table: NavTable) -> str:
        return self.store.next_series_no(schema.NUMBER_SERIES[table])
