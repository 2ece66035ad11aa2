"""The embedded NAV company: a `NavConnector` over one SQLite file, with NAV's behaviours in Python.

Every write is one SQLite transaction: the value checks, NAV's triggers (`graphsync.nav.triggers`), the row
versions and the change log entries commit together, or, when anything refuses, not at all.

Row versions work like SQL Server's timestamp column under NAV: one counter for the whole company, and
each written row takes its next value. A record's ETag is its row version; `changes` returns the records
whose row version is above the watermark, reading in pages up to the counter's value at the start.

An `EmbeddedNav` is one kind of NAV session (`graphsync.nav.session.Session`): by default a client user, in
that user's time zone (set per user with `set_user_time_zone`, UTC when unset); `as_session` gives another
kind on the same company file, such as the web-service session `graphsync.navservice` serves requests in,
whose zone is the company's Services Default Time Zone (`set_services_default_time_zone`, UTC by default:
MicrosoftDocs dynamics365smb-devitpro-pb, dev-itpro/webservices/Managing-Time-Zones-with-Web-Services.md).
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from graphsync.connectors.nav import (
    ChangeSet,
    FieldDef,
    FieldType,
    NavDeletion,
    NavKey,
    NavRecord,
    NavTable,
    TableDef,
    Watermark,
    nav_today_utc,
)
from graphsync.errors import NavRefusedError, NavValidationError
from graphsync.nav import flowfields, schema, texts, triggers
from graphsync.nav.changelog import ChangeLog
from graphsync.nav.demo import load_demo
from graphsync.nav.session import Session, nav_key
from graphsync.nav.store import Row, Store, remove_company_file
from graphsync.nav.values import check_value, field_of

PAGE_SIZE = 500
DEFAULT_COMPANY = "CRONUS UK Ltd."
NAV_SERVER = "Microsoft Dynamics NAV Server"
BC_SERVER = "Business Central"
SERVICES_ZONE = "services_default_time_zone"
USER_ZONE = "user_time_zone:"

Clock = Callable[[], dt.datetime]
"""Now, in UTC, whole milliseconds (`graphsync.connectors.nav.nav_today_utc`)."""


def zone_named(name: str) -> ZoneInfo:
    """An IANA zone; NavValidationError naming it when there is none of that name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise NavValidationError(f"{name!r} is not a time zone (an IANA name such as 'Europe/Berlin')") from None


def etag_of(rowversion: int) -> str:
    """An OData-style weak ETag for a row version."""
    return f"W/\"'{rowversion}'\""


def _watermark(rowversion: int) -> Watermark:
    # Zero-padded, so that Watermark's ordering (by string) agrees with the numbers.
    return Watermark(f"{rowversion:020d}")


def _rowversion_of(mark: Watermark | None) -> int:
    if mark is None:
        return 0
    try:
        return int(mark.value)
    except ValueError:
        raise NavValidationError(
            f"The watermark {mark.value!r} was not made by the embedded NAV company (expected digits)."
        ) from None


_FIELD_KINDS: Mapping[NavTable, tuple[tuple[FieldDef, bool], ...]] = {
    table: tuple((f, schema.is_flowfield(table, f.name)) for f in t.fields) for table, t in schema.TABLES.items()
}
"""Each table's fields and whether each is a FlowField: worked out once, not for every record read."""


def _default_user() -> str:
    try:
        return getpass.getuser().upper()[:50]
    except (KeyError, OSError):  # no login name (containers without a passwd entry)
        return "GRAPHSYNC"


class EmbeddedNav:
    """A NAV company in a SQLite file. Open an existing one with ``EmbeddedNav(path)``; make a new one with
    `EmbeddedNav.create`. ``user_id`` is the NAV user the change log names for writes made through it."""

    def __init__(
        self,
        path: str | Path,
        *,
        user_id: str | None = None,
        time_zone: str | None = None,
        clock: Clock = nav_today_utc,
    ) -> None:
        self._store = Store.open(Path(path))
        self._log = ChangeLog(self._store)
        self._owns_store = True
        self.user_id = (user_id or _default_user()).upper()[:50]
        self.clock = clock
        self.web_service = False
        self.saas = False
        self.server = NAV_SERVER
        self._zone_name = time_zone
        if time_zone is not None:
            zone_named(time_zone)

    def as_session(
        self,
        *,
        user_id: str | None = None,
        web_service: bool = False,
        time_zone: str | None = None,
        saas: bool = False,
        server: str = NAV_SERVER,
    ) -> EmbeddedNav:
        """Another session on the same company (sharing its file; closing it leaves the company open): a
        web-service session runs in the Services Default Time Zone and may not show dialogs; a client
        session in its user's zone. ``time_zone`` overrides either; ``saas`` makes it Business Central online."""
        other = object.__new__(EmbeddedNav)
        other._store = self._store
        other._log = self._log
        other._owns_store = False
        other.user_id = (user_id or self.user_id).upper()[:50]
        other.clock = self.clock
        other.web_service = web_service
        other.saas = saas
        other.server = server
        other._zone_name = time_zone
        if time_zone is not None:
            zone_named(time_zone)
        return other

    @property
    def time_zone(self) -> ZoneInfo:
        """The zone TODAY and TIME are in for this session."""
        if self._zone_name is not None:
            return zone_named(self._zone_name)
        name = self._store.meta(SERVICES_ZONE) if self.web_service else self._store.meta(USER_ZONE + self.user_id)
        return zone_named(name or "UTC")

    def set_services_default_time_zone(self, zone: str) -> None:
        """The server's Services Default Time Zone: the zone of every web-service session."""
        zone_named(zone)
        self._store.set_meta(SERVICES_ZONE, zone)

    def set_user_time_zone(self, user_id: str, zone: str | None) -> None:
        """A client user's time zone (NAV's user personalization), or None for UTC."""
        if zone is not None:
            zone_named(zone)
        self._store.set_meta(USER_ZONE + user_id.upper()[:50], zone)

    def system_modified_at(self, table: NavTable, key: NavKey) -> dt.datetime | None:
        """When the record was last written, in UTC (Business Central's SystemModifiedAt)."""
        t = schema.table_def(NavTable(table))
        return self._store.modified_at(t, self._typed_key(t, key))

    @classmethod
    def create(cls, path: str | Path, *, demo: bool = True, user_id: str | None = None) -> EmbeddedNav:
        """A new company file at ``path`` (which must not exist). With ``demo`` it holds the CRONUS demo data
        and logs every change to the synced tables, as graphsync's demo expects."""
        path = Path(path)
        store = Store.create(path, company_name=DEFAULT_COMPANY)
        store.close()
        nav = cls(path, user_id=user_id)
        if demo:
            try:
                load_demo(nav)
            except BaseException:
                nav.close()
                remove_company_file(path)
                raise
        return nav

    @classmethod
    def open_or_create(cls, path: str | Path, *, user_id: str | None = None) -> EmbeddedNav:
        """The company at ``path``, made with the CRONUS demo data first if there is no file yet (the demo)."""
        if not Path(path).exists():
            return cls.create(path, demo=True, user_id=user_id)
        return cls(path, user_id=user_id)

    @property
    def path(self) -> Path:
        return self._store.path

    @property
    def company_name(self) -> str:
        return self._store.meta("company") or DEFAULT_COMPANY

    def close(self) -> None:
        if self._owns_store:
            self._store.close()

    def __enter__(self) -> EmbeddedNav:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ reading

    def table_def(self, table: NavTable) -> TableDef:
        return schema.table_def(table)

    def _record(self, table: NavTable, row: Row, rowversion: int) -> NavRecord:
        t = schema.table_def(table)
        fields: dict[str, object] = {}
        for f, flow in _FIELD_KINDS[table]:
            fields[f.name] = self._flowfield(table, f, row) if flow else row[f.name]
        return NavRecord(table=table, key=nav_key(t, row), fields=fields, etag=etag_of(rowversion))

    def _flowfield(self, table: NavTable, f: FieldDef, row: Row) -> object:
        if table is NavTable.CONTACT and f.name == "Next To-do Date":
            return flowfields.next_todo_date(self._store, str(row["No."]), is_company=row["Type"] == "Company")
        if table is NavTable.CHANGE_LOG_ENTRY:
            logged = schema.TABLES.get(NavTable(int(str(row["Table No."]))))
            if f.name == "Table Caption":
                return logged.name if logged else ""
            if f.name == "Field Caption":
                field_no = int(str(row["Field No."]))
                return next((g.name for g in logged.fields if g.no == field_no), "") if logged else ""
        raise AssertionError(f"no calculation for FlowField {f.name}")  # schema and this method disagree

    def _typed_key(self, t: TableDef, key: NavKey) -> tuple[object, ...]:
        if len(key) != len(t.key):
            raise NavValidationError(
                f"A {t.name} key has {len(t.key)} part(s) ({', '.join(t.key)}); got {len(key)}: {key!r}.",
                table=t.no,
            )
        typed = []
        for name, part in zip(t.key, key, strict=True):
            f = t.field(name)
            value: object = part
            if f.type.value in ("Integer", "Duration"):
                try:
                    value = int(str(part))
                except ValueError:
                    raise NavValidationError(
                        f'The value "{part}" can\'t be evaluated into type Integer.', table=t.no, field=name
                    ) from None
            typed.append(check_value(t, f, value))
        return tuple(typed)

    def get(self, table: NavTable, key: NavKey) -> NavRecord | None:
        table = NavTable(table)
        t = schema.table_def(table)
        got = self._store.get(t, self._typed_key(t, key))
        return None if got is None else self._record(table, *got)

    def find(self, table: NavTable, where: Mapping[str, object]) -> Iterator[NavRecord]:
        table = NavTable(table)
        t = schema.table_def(table)
        stored: dict[str, object] = {}
        computed: dict[str, object] = {}
        for ref, value in where.items():
            f = field_of(t, ref)
            checked = check_value(t, f, value)
            (computed if schema.is_flowfield(table, f.name) else stored)[f.name] = checked
        for row, rv in self._store.select(t, stored):
            record = self._record(table, row, rv)
            if all(record.fields[name] == value for name, value in computed.items()):
                yield record

    def changes(self, table: NavTable, since: Watermark | None) -> ChangeSet:
        table = NavTable(table)
        t = schema.table_def(table)
        after = _rowversion_of(since)
        upto = self._store.current_rowversion()
        tracked = self._log.deletions_tracked(table)

        def records() -> Iterator[NavRecord]:
            last = after
            while True:
                page = self._store.changed_page(t, last, upto, PAGE_SIZE)
                if not page:
                    return
                for row, rv in page:
                    last = rv
                    yield self._record(table, row, rv)

        def deletions() -> Iterator[NavDeletion]:
            if not tracked:
                return
            for key in self._log.deleted_keys(table, after, upto):
                # A key deleted and then inserted again is not gone: its new record is among the changes.
                if self._store.get(t, self._typed_key(t, key)) is None:
                    yield NavDeletion(table=table, key=key)

        return ChangeSet(
            records=records(), deletions=deletions(), watermark=_watermark(upto), deletions_tracked=tracked
        )

    def keys(self, table: NavTable) -> Iterator[NavKey]:
        t = schema.table_def(NavTable(table))
        after: tuple[object, ...] | None = None
        while True:
            page = self._store.keys(t, after, PAGE_SIZE)
            if not page:
                return
            for key in page:
                yield tuple(str(part) for part in key)
            after = page[-1]

    # ------------------------------------------------------------------ writing

    def _checked(self, table: NavTable, values: Mapping[str, object]) -> dict[str, object]:
        """Values by canonical NAV name, each checked as NAV assigns it; read-only fields refused."""
        t = schema.table_def(table)
        if table not in schema.BUSINESS_TABLES:
            raise NavRefusedError(texts.READ_ONLY_TABLE.format(table=t.name), table=t.no)
        checked: dict[str, object] = {}
        for ref, value in values.items():
            f = field_of(t, ref)
            if schema.is_flowfield(table, f.name):
                raise NavValidationError(texts.FLOWFIELD.format(field=f.name, table=t.name), table=t.no, field=f.name)
            checked[f.name] = check_value(t, f, value)
        return checked

    def _session(self, page_fields: Collection[str] | None = None) -> Session:
        return Session(
            store=self._store,
            log=self._log,
            user_id=self.user_id,
            now=self.clock(),
            zone=self.time_zone,
            web_service=self.web_service,
            page_fields=None if page_fields is None else frozenset(page_fields),
            saas=self.saas,
            server=self.server,
        )

    def _current(self, table: NavTable, key: NavKey, if_match: str) -> tuple[Row, int]:
        t = schema.table_def(table)
        got = self._store.get(t, self._typed_key(t, key))
        if got is None:
            raise texts.not_found(t, key)
        if if_match != "*" and if_match != etag_of(got[1]):
            raise texts.changed_by_another_user(t, key)
        return got

    def insert(
        self, table: NavTable, values: Mapping[str, object], *, page_fields: Collection[str] | None = None
    ) -> NavRecord:
        """Insert a record; ``page_fields`` names the values a page's controls set (a page write, as
        `graphsync.navservice` makes), whose validation may ask what a web-service session cannot answer."""
        table = NavTable(table)
        checked = self._checked(table, values)
        t = schema.table_def(table)
        with self._store.transaction():
            row = triggers.INSERT[table](self._session(page_fields), checked)
            got = self._store.get(t, tuple(row[k] for k in t.key))
        assert got is not None
        return self._record(table, *got)

    def insert_todo(self, values: Mapping[str, object], *, attendees: Iterable[Mapping[str, object]] = ()) -> NavRecord:
        """Insert a to-do and more Attendee lines for it in one transaction: all of them, or (when NAV refuses
        any) none. A meeting's organizer and its contact are added as attendees anyway, as NAV's wizard does;
        each of ``attendees`` gives at least Attendee Type and Attendee No.; To-do No. is filled in."""
        checked = self._checked(NavTable.TODO, values)
        lines = [self._checked(NavTable.ATTENDEE, a) for a in attendees]
        with self._store.transaction():
            session = self._session()
            row = triggers.insert_todo(session, checked)
            for line in lines:
                triggers.insert_attendee(session, {**line, "To-do No.": row["No."]})
            got = self._store.get(schema.TODO, (row["No."],))
        assert got is not None
        return self._record(NavTable.TODO, *got)

    def modify(
        self,
        table: NavTable,
        key: NavKey,
        values: Mapping[str, object],
        *,
        if_match: str,
        page_fields: Collection[str] | None = None,
    ) -> NavRecord:
        table = NavTable(table)
        checked = self._checked(table, values)
        t = schema.table_def(table)
        with self._store.transaction():
            old, _ = self._current(table, key, if_match)
            triggers.MODIFY[table](self._session(page_fields), old, checked)
            got = self._store.get(t, tuple(old[k] for k in t.key))
        assert got is not None
        return self._record(table, *got)

    def delete(self, table: NavTable, key: NavKey, *, if_match: str) -> None:
        table = NavTable(table)
        t = schema.table_def(table)
        if table not in schema.BUSINESS_TABLES:
            raise NavRefusedError(texts.READ_ONLY_TABLE.format(table=t.name), table=t.no)
        with self._store.transaction():
            old, _ = self._current(table, key, if_match)
            triggers.DELETE[table](self._session(), old)

    # ------------------------------------------------------------------ administration

    def set_change_logging(
        self, table: NavTable, fields: Iterable[str | int] | None = None, *, enabled: bool = True
    ) -> None:
        """Log (or stop logging) insertions, modifications and deletions of some fields of a table, or of all
        its fields when ``fields`` is None, as an administrator does in Change Log Setup."""
        table = NavTable(table)
        if table not in schema.BUSINESS_TABLES:
            raise NavRefusedError(
                f"Changes to the {schema.table_def(table).name} table cannot be logged.", table=int(table)
            )
        t = schema.table_def(table)
        defs = None if fields is None else [field_of(t, ref) for ref in fields]
        if defs is not None:
            flow = [f.name for f in defs if schema.is_flowfield(table, f.name)]
            if flow:
                raise NavValidationError(texts.FLOWFIELD.format(field=flow[0], table=t.name), table=t.no)
        with self._store.transaction():
            self._log.set_logging(table, defs, enabled=enabled)

    def put_rows(self, table: NavTable, rows: Iterable[Mapping[str, object]]) -> None:
        """Rows of a table only a program outside NAV's business logic wrote (NAV's Outlook add-in, in its own
        tables), in one transaction: each value checked as NAV assigns it, the rest blank, and no trigger or
        change log run (the add-in's tables have none graphsync models; graphsync never writes them)."""
        t = schema.table_def(table)
        with self._store.transaction():
            for values in rows:
                row: dict[str, object] = {f.name: None for f in t.fields}
                for f in t.fields:
                    if f.type in (FieldType.CODE, FieldType.TEXT):
                        row[f.name] = ""
                    elif f.type in (FieldType.INTEGER, FieldType.DURATION):
                        row[f.name] = 0
                    elif f.type is FieldType.BOOLEAN:
                        row[f.name] = False
                    elif f.type is FieldType.OPTION:
                        row[f.name] = f.options[0]
                for name, value in values.items():
                    row[name] = check_value(t, t.field(name), value)
                self._store.insert(t, row)

    def change_log(self, table: NavTable | None = None, *, newest: int | None = None) -> list[NavRecord]:
        """Change Log Entries, oldest first: all of them, or the ``newest`` N; optionally for one table."""
        where: dict[str, object] = {} if table is None else {"Table No.": int(table)}
        t = schema.CHANGE_LOG_ENTRY
        rows = self._store.select(t, where, limit=newest, descending=newest is not None)
        if newest is not None:
            rows.reverse()
        return [self._record(NavTable.CHANGE_LOG_ENTRY, row, rv) for row, rv in rows]

    def deletions_tracked(self, table: NavTable) -> bool:
        return self._log.deletions_tracked(NavTable(table))
