"""One write transaction on the embedded company: row writes that stamp row versions and the change log.

NAV's table triggers (`graphsync.nav.triggers`) call these; every cascade (a company's name pushed to its
persons, a company's persons deleted with it) goes through the same calls, so it is versioned and logged
like a direct write and rolls back with it.

A session also says what kind of NAV session writes: its time zone (what C/AL's TODAY and TIME return: a
client user's own zone, or for a web-service session the server's Services Default Time Zone, MicrosoftDocs
dynamics365smb-devitpro-pb dev-itpro/webservices/Managing-Time-Zones-with-Web-Services.md), whether it may
show a dialog (a web-service session may not: dev-itpro/includes/include-dialog-exceptions-in-non-ui-sessions.md),
which fields came through page controls (C/AL's CurrFieldNo is not 0 for those), and whether the company
runs online (Business Central SaaS).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

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
    zone: dt.tzinfo = dt.UTC
    """The session's time zone: what TODAY and TIME return in it."""
    web_service: bool = False
    """A web-service session: a Confirm is an error instead of a question (`graphsync.nav.texts.callback`)."""
    page_fields: frozenset[str] | None = None
    """The fields a page write set through its controls (None: not a page write), whose validation sees a
    CurrFieldNo other than 0."""
    saas: bool = False
    """Business Central online (EnvironmentInfo.IsSaaS)."""
    server: str = field(default="Microsoft Dynamics NAV Server")
    """How the server names itself in the callback error."""

    @property
    def utc_today(self) -> dt.date:
        return self.now.date()

    @property
    def local_now(self) -> dt.datetime:
        """C/AL's CURRENTDATETIME as the session sees it: TODAY and TIME come from it."""
        return self.now.astimezone(self.zone)

    @property
    def today(self) -> dt.date:
        """C/AL's TODAY in this session."""
        return self.local_now.date()

    def from_page(self, *names: str) -> bool:
        """Whether any of the fields came through a page control (CurrFieldNo <> 0 in its validation)."""
        return self.page_fields is not None and any(n in self.page_fields for n in names)

    def blank_row(self, t: TableDef) -> Row:
        return {f.name: blank_value(f) for f in stored_fields(t)}

    def get(self, t: TableDef, key: tuple[object, ...]) -> Row | None:
        got = self.store.get(t, key)
        return None if got is None else got[0]

    def select(self, t: TableDef, where: Mapping[str, object]) -> list[Row]:
        return [row for row, _ in self.store.select(t, where)]

    def insert_row(self, t: TableDef, row: Row) -> None:
        self.store.insert(t, row, modified_at=self.now)
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
        self.store.update(t, typed_key(t, old), {f.name: new[f.name] for f in changed}, modified_at=self.now)
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
