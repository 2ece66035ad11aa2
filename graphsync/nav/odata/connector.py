"""`ODataNav`: the NavConnector protocol over NAV / Business Central's OData V4 web services.

Reads ``$select`` only the fields the pages expose (and the config maps); writes POST without the key (NAV's
number series assigns it), PATCH and DELETE with ``If-Match``, and read the record back afterwards, since
NAV's validation triggers change other fields. Changes since a watermark come from each table's modified
stamp read by its own rule (`graphsync.nav.odata.binding.Stamp`; `graphsync.nav.odata.watermark` explains
the overlap), deletions from the Change Log Entries page when it is published, else the engine compares key
lists; tables without any stamp are compared by hash.

The connector binds what the server publishes: a mapped field a page lacks is left out (`missing_fields`),
a to-do or attendee page that is not published leaves those tables out (`unpublished`); only the contact
and salesperson pages must be there, and a page lacking a field the engine cannot do without is refused
when used. Option values are written in the form the server sends them (`option_form`).

The tables of NAV's Outlook add-in (and User Setup), which only the migration from the add-in reads, are
bound when their pages are published under the names docs/migrate.md gives
(`graphsync.nav.odata.addin_pages`); reading one whose page is not is a ConfigError naming the page to
publish (on Business Central: that version 22 removed the table). Neither sync nor doctor needs them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum

import httpx

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
)
from graphsync.errors import ConfigError, NavConnectionError, NavNotFoundError, NavRefusedError, NavValidationError
from graphsync.nav import schema
from graphsync.nav.odata.addin_pages import ADDIN_PAGES, REMOVED_IN_BC
from graphsync.nav.odata.binding import Flavour, MissingField, StampKind, StampZone, TableBinding, bind_table
from graphsync.nav.odata.errors import error_for, nav_error_body
from graphsync.nav.odata.http import Entity, ODataHttp, server_time
from graphsync.nav.odata.metadata import ServiceMetadata, parse_metadata
from graphsync.nav.odata.names import BLANK_OPTION, SPACE_NAME, OptionForm, form_of
from graphsync.nav.odata.values import BadValue, decode, encode, filter_literal, guid_text, key_literal
from graphsync.nav.odata.watermark import OVERLAP, ODataMark, digest, key_text, seen_entry
from graphsync.nav.odata.watermark import decode as decode_mark
from graphsync.nav.values import check_value, field_of

SERVICE_OPTIONS: Mapping[NavTable, str] = {
    NavTable.CONTACT: "contacts",
    NavTable.SALESPERSON: "salespeople",
    NavTable.TODO: "todos",
    NavTable.ATTENDEE: "attendees",
    NavTable.TERRITORY: "territories",
}
"""Which ``[nav.odata.services]`` key names the page of each table."""

REQUIRED_TABLES = (NavTable.CONTACT, NavTable.SALESPERSON)
"""Pages the connector refuses to start without; the to-do and attendee pages only the to-do entities need."""

WIDEST_WEST = dt.timedelta(hours=-12)
"""The most negative UTC offset a client user's zone can have (UTC-12): when the config does not list the
zones NAV's users work in, a to-do stamped in local time may be that far behind UTC."""
DST_MARGIN = dt.timedelta(hours=1)
"""A zone's offset may drop by an hour (daylight saving time ends) between one read and an edit the next read
must find: local stamps are read that much earlier again."""
CHANGE_LOG_FIELDS = (
    "Entry No.",
    "Table No.",
    "Field No.",
    "Type of Change",
    "Primary Key Field 1 Value",
    "Primary Key Field 2 Value",
)
CONNECTOR_FIELDS: Mapping[NavTable, tuple[str, ...]] = {
    NavTable.TODO: ("Type", "Salesperson Code", "Contact No."),
    NavTable.ATTENDEE: ("Attendance Type", "Attendee Type", "Attendee No."),
}
"""What the connector reads itself: a new meeting's organizer and contact, to add them as attendees."""


@dataclass(frozen=True)
class ServiceNames:
    """The names the pages are published under (NAV's Web Services page, column Service Name)."""

    contacts: str = "ContactCard"
    salespeople: str = "SalespersonPurchaserCard"
    todos: str = "GraphsyncToDos"
    attendees: str = "GraphsyncAttendees"
    territories: str = "Territories"
    change_log: str = "ChangeLogEntries"


class DeletionDetection(Enum):
    """How deletions of a table are found (``graphsync doctor`` shows it)."""

    CHANGE_LOG = "change log"
    """The Change Log Entries page is published: deletions after the last entry seen."""
    KEY_LIST = "key list"
    """No change log page: the engine compares NAV's keys with its links."""
    HASH_COMPARISON = "hash comparison"
    """The table has no modified stamp: every read compares all records with the previous read's digests."""


@dataclass(frozen=True)
class TableStatus:
    table: NavTable
    service: str
    stamp: StampKind
    deletions: DeletionDetection


class ODataNav:
    """A NAV company over OData V4. ``client`` carries the authentication (`graphsync.nav.odata.auth`);
    ``required`` names, per table, the NAV fields to read (those the field map uses, `required.required_fields`):
    reads ``$select`` only them (those the pages show), the key and the modified stamps; a table not in
    ``required`` is read with every field its page shows. ``essential`` names fields an entity selects on
    (`required.essential_fields`): without them (or the engine's own, `binding.ESSENTIAL_FIELDS`) a table is
    refused.

    ``server_zone`` is the server's Services Default Time Zone (what a web-service session's TODAY and TIME
    are in) and ``user_zones`` the zones of the NAV users who edit to-dos in the client (None: any zone may
    occur); together they bound how far a to-do's local stamp can be from UTC. ``online`` is Business Central
    online, which refuses to-dos of type Meeting. ``option_form`` is how the server writes option values;
    None: learnt from what it sends (until then NAV 2018's form, or BC 24's for the BC flavour). ``clock`` is
    this machine's clock (UTC), which only bounds a read when the server sends no ``Date`` header."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        base_url: str,
        company: str,
        flavour: Flavour = Flavour.NAV,
        services: ServiceNames | None = None,
        page_size: int = 1000,
        required: Mapping[NavTable, Iterable[str | int]] | None = None,
        essential: Mapping[NavTable, Iterable[str | int]] | None = None,
        server_zone: dt.tzinfo = dt.UTC,
        user_zones: Iterable[dt.tzinfo] | None = None,
        online: bool = False,
        option_form: OptionForm | None = None,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._clock = clock
        self._server_zone = server_zone
        self._user_zones = None if user_zones is None else tuple(user_zones)
        self._http = ODataHttp(client, base_url=base_url, company=company, page_size=page_size)
        self._client = client
        self.flavour = flavour
        self.company = company
        self.online = online
        self._names_form = OptionForm.NAMES_SPACE if flavour is Flavour.BC else OptionForm.NAMES
        self._option_form = option_form or self._names_form
        self._form_fixed = option_form is not None
        names = services or ServiceNames()
        self.services = names
        self.metadata = self._read_metadata()
        self._check_company()
        self._bindings: dict[NavTable, TableBinding] = {}
        self._unpublished: dict[NavTable, str] = {}
        for table, option in SERVICE_OPTIONS.items():
            service = getattr(names, option)
            entity_set = self.metadata.entity_sets.get(service)
            if entity_set is None:
                if table in REQUIRED_TABLES:
                    raise ConfigError(
                        file=None,
                        key=f"nav.odata.services.{option}",
                        expected=(
                            f"a page published as web service {service!r} for table {int(table)} "
                            f"{schema.table_def(table).name} (published: {', '.join(self.metadata.published())})"
                        ),
                        got=service,
                    )
                self._unpublished[table] = service
                continue
            wanted = tuple((required or {}).get(table, ()))
            self._bindings[table] = bind_table(
                table,
                entity_set,
                flavour=flavour,
                required=(*wanted, *CONNECTOR_FIELDS.get(table, ())) if wanted else (),
                essential=tuple((essential or {}).get(table, ())),
            )
        self._addin: dict[NavTable, TableBinding] = {}
        for table, page in ADDIN_PAGES.items():
            entity_set = self.metadata.entity_sets.get(page.service)
            if entity_set is not None:
                self._addin[table] = bind_table(
                    table, entity_set, flavour=flavour, essential=page.essential, guide="docs/migrate.md"
                )
        log_set = self.metadata.entity_sets.get(names.change_log)
        self._change_log: TableBinding | None = None
        if log_set is not None:
            log = bind_table(NavTable.CHANGE_LOG_ENTRY, log_set, flavour=flavour, required=CHANGE_LOG_FIELDS)
            # A Change Log Entries page without the fields to find deletions is as good as none.
            self._change_log = log if not log.missing else None

    def _read_metadata(self) -> ServiceMetadata:
        url = f"{self._http.root}/$metadata"
        response = self._http.send("GET", url, headers={"Accept": "application/xml"})
        return parse_metadata(response.content, url=url)

    def _check_company(self) -> None:
        """A misspelt company is a config error naming the companies there are, not a 400 on the first read."""
        if "Company" not in self.metadata.entity_sets:
            return
        response = self._http.send("GET", f"{self._http.root}/Company", params={"$select": "Name"})
        values = self._http.entity(response).get("value")
        names = [str(v.get("Name")) for v in values if isinstance(v, dict)] if isinstance(values, list) else []
        if names and self.company not in names:
            raise ConfigError(
                file=None,
                key="nav.odata.company",
                expected=f"a company of this NAV, exactly as NAV names it: one of {', '.join(map(repr, names))}",
                got=self.company,
            )

    def close(self) -> None:
        self._client.close()

    # ------------------------------------------------------------------ status (doctor)

    def status(self) -> list[TableStatus]:
        """Per bound table: the page, the stamp used for changes and how deletions are found."""
        return [TableStatus(t, b.service, b.stamp.kind, self.deletion_detection(t)) for t, b in self._bindings.items()]

    def missing_fields(self) -> list[MissingField]:
        """Every field graphsync would read that its published page does not show, page by page (the
        essential ones make their table unusable)."""
        return [m for b in self._bindings.values() for m in b.missing]

    def unpublished(self) -> Mapping[NavTable, str]:
        """Tables with no page published under the configured service name (only to-dos, attendees and
        territories can be left out), by the service name looked for."""
        return dict(self._unpublished)

    def stamp_zone(self, table: NavTable) -> StampZone | None:
        """The zone ``table``'s modified stamp is in, or None when it has no stamp graphsync reads."""
        b = self._bindings.get(NavTable(table))
        if b is None or b.stamp.kind is StampKind.NONE:
            return None
        return StampZone.UTC if b.stamp.kind is StampKind.DATETIME else b.stamp.zone

    @property
    def meetings_supported(self) -> bool:
        """Business Central online refuses to-dos of type Meeting (To-do field 8 Type, OnValidate:
        MeetingSaaSNotSupportedErr, BC CRM/Task/Todo.Table.al)."""
        return not self.online

    @property
    def completes_without_dialog(self) -> bool:
        """Whether the to-do page has the completion control docs/odata.md adds: without it, completing a
        to-do through a page asks NAV's Confirm, which a web-service session refuses."""
        b = self._bindings.get(NavTable.TODO)
        return b is not None and bool(b.complete_property)

    @property
    def option_form(self) -> OptionForm:
        return self._option_form

    def _observe_option(self, raw: object) -> None:
        """Learn the server's option form from a value it sent (a blank option tells the most)."""
        if self._form_fixed or not isinstance(raw, str):
            return
        form = form_of(raw)
        if form is None:
            return
        if raw in (BLANK_OPTION, SPACE_NAME) or form is OptionForm.CAPTIONS:
            self._option_form = form
        elif self._option_form is OptionForm.CAPTIONS:
            self._option_form = self._names_form

    @property
    def company_name(self) -> str:
        return self.company

    def deletions_tracked(self, table: NavTable) -> bool:
        """Whether `changes` reports deletions of ``table`` itself (else the engine compares key lists), as
        the embedded company answers it for ``graphsync doctor``."""
        return self.deletion_detection(table) is not DeletionDetection.KEY_LIST

    def deletion_detection(self, table: NavTable) -> DeletionDetection:
        b = self._binding(table)
        if b.stamp.kind is StampKind.NONE:
            return DeletionDetection.HASH_COMPARISON
        return DeletionDetection.CHANGE_LOG if self._change_log is not None else DeletionDetection.KEY_LIST

    # ------------------------------------------------------------------ helpers

    def _binding(self, table: NavTable) -> TableBinding:
        table = NavTable(table)
        b = self._bindings.get(table) or self._addin.get(table)
        if b is None and table in ADDIN_PAGES:
            raise self._addin_unpublished(table)
        if b is None:
            raise NavRefusedError(
                f"The {schema.table_def(table).name} table is not published as a web service in this NAV "
                "(publish its page and name it in [nav.odata.services]).",
                table=int(table),
            )
        refusal = b.refusal
        if refusal is not None:
            raise refusal
        return b

    def _addin_unpublished(self, table: NavTable) -> ConfigError:
        """Why an add-in table cannot be read: its page is not published (or, on Business Central 22 and later,
        the table does not exist)."""
        page = ADDIN_PAGES[table]
        name = f"table {int(table)} {schema.table_def(table).name}"
        if self.flavour is Flavour.BC and table is not NavTable.USER_SETUP:
            return ConfigError(
                file=None,
                key="nav.odata",
                expected=(
                    "the NAV 2009-2018 database the Outlook add-in used (or a Business Central before version "
                    f"{REMOVED_IN_BC.split('.')[0]}, which still has the tables, with pages on them published as "
                    f"docs/migrate.md describes): Business Central {REMOVED_IN_BC} removed the add-in's tables "
                    "(ObsoleteState = Removed); migrate from the NAV database before it is upgraded"
                ),
                got=f"Business Central without {name}",
            )
        return ConfigError(
            file=None,
            key="nav.odata",
            expected=(
                f"{name} published as web service {page.service!r}: {page.what} (docs/migrate.md, 'Reading the "
                f"add-in's tables over OData'; published now: {', '.join(self.metadata.published())})"
            ),
            got=f"no web service {page.service!r}",
        )

    def _key_url(self, b: TableBinding, key: NavKey) -> str:
        t = b.table_def
        if len(key) != len(t.key):
            raise NavValidationError(
                f"A {t.name} key has {len(t.key)} part(s) ({', '.join(t.key)}); got {len(key)}: {key!r}.",
                table=t.no,
            )
        literals = []
        for name, part in zip(t.key, key, strict=True):
            f = t.field(name)
            # As NAV evaluates a key value: Code upper-cased and within its length.
            text = str(check_value(t, f, str(part))) if f.type is FieldType.CODE else str(part)
            try:
                literal = key_literal(f, text)
            except ValueError:
                raise NavValidationError(
                    f'The value "{part}" can\'t be evaluated into type Integer.', table=t.no, field=name
                ) from None
            literals.append(literal if len(key) == 1 else f"{b.properties[name]}={literal}")
        return self._http.service_url(b.service, tuple(literals))

    def _record(self, b: TableBinding, entity: Entity) -> NavRecord:
        fields: dict[str, object] = {}
        for f in b.table_def.fields:
            prop = b.properties[f.name]
            if prop not in entity:
                raise NavConnectionError(f"NAV's answer from {b.service} lacks the property {prop} ({f.name})")
            if f.type is FieldType.OPTION:
                self._observe_option(entity[prop])
            try:
                fields[f.name] = _decoded(b, f, prop, entity[prop])
            except BadValue:
                raise NavConnectionError(
                    f"NAV's answer from {b.service} has {entity[prop]!r} in {prop}, which is not a {f.type.value}"
                ) from None
        etag = entity.get("@odata.etag")
        if not isinstance(etag, str) or not etag:
            raise NavConnectionError(
                f"NAV's answer from {b.service} has no @odata.etag: graphsync cannot write without one "
                "(publish a page, not a query)"
            )
        key = tuple(_key_part(fields[name]) for name in b.table_def.key)
        return NavRecord(table=b.table, key=key, fields=fields, etag=etag)

    def _collection(
        self, b: TableBinding, *, where: str | None = None, select: str | None = None
    ) -> Iterator[tuple[httpx.Response, list[Entity]]]:
        params = {"$select": select or b.select()}
        if where:
            params["$filter"] = where
        return self._http.pages(self._http.service_url(b.service), params, table=b.table_def.no)

    def _records(self, b: TableBinding, where: str | None = None) -> Iterator[NavRecord]:
        for _, page in self._collection(b, where=where):
            for entity in page:
                yield self._record(b, entity)

    def _body(self, b: TableBinding, values: Mapping[str, object]) -> dict[str, object]:
        body: dict[str, object] = {}
        named = {field_of(b.table_def, ref).name: value for ref, value in values.items()}
        if b.complete_property and _completes(named):
            # Closing through a page control asks NAV's Confirm, which a web-service session refuses; the
            # completion control completes the to-do in code instead (docs/odata.md).
            named.pop("Status", None)
            named.pop("Closed", None)
            body[b.complete_property] = True
        for name, value in named.items():
            f = b.table_def.field(name)
            if schema.is_flowfield(b.table, f.name):
                raise NavValidationError(
                    f"The field {f.name} of table {b.table_def.name} is calculated by NAV (a FlowField) and "
                    "cannot be changed.",
                    table=b.table_def.no,
                    field=f.name,
                )
            body[b.properties[f.name]] = encode(f, value, options=self._option_form)
        return body

    # ------------------------------------------------------------------ reading

    def table_def(self, table: NavTable) -> TableDef:
        return self._binding(table).table_def

    def get(self, table: NavTable, key: NavKey) -> NavRecord | None:
        b = self._binding(table)
        url = self._key_url(b, key)
        response = self._http.send(
            "GET", url, params={"$select": b.select()}, table=b.table_def.no, key=key, allow_404=True
        )
        if response.status_code == 404:
            # Only NAV's own "does not exist" means the record is gone; a 404 page from a proxy or a wrong
            # address must not look like a deletion to the engine.
            if nav_error_body(response) is None:
                raise error_for(response, method="GET", table=b.table_def.no, key=key)
            return None
        return self._record(b, self._http.entity(response))

    def find(self, table: NavTable, where: Mapping[str, object]) -> Iterator[NavRecord]:
        b = self._binding(table)
        clauses = []
        for ref, value in where.items():
            f = field_of(b.table_def, ref)
            checked = check_value(b.table_def, f, value)
            clauses.append(f"{b.properties[f.name]} eq {filter_literal(f, checked, options=self._option_form)}")
        return self._records(b, " and ".join(clauses) or None)

    def keys(self, table: NavTable) -> Iterator[NavKey]:
        b = self._binding(table)
        for _, page in self._collection(b, select=",".join(b.key_properties)):
            for entity in page:
                yield _key_of(b, entity)

    # ------------------------------------------------------------------ changes

    def changes(self, table: NavTable, since: Watermark | None) -> ChangeSet:
        b = self._binding(table)
        mark = decode_mark(since)
        if b.stamp.kind is StampKind.NONE:
            return self._hashed_changes(b, mark)
        return self._stamped_changes(b, mark)

    def _stamp_of(self, b: TableBinding, entity: Entity) -> dt.datetime | None:
        """A record's modified stamp as a wall-clock time in its own zone (`_window_start` says which), or None.
        A date whose time the page does not show counts as the end of that day, so that a read never starts
        after it."""
        s = b.stamp
        try:
            if s.kind is StampKind.DATETIME:
                value = decode(_DATETIME, entity.get(s.datetime_property))
                return value.replace(tzinfo=None) if isinstance(value, dt.datetime) else None
            day = decode(_DATE, entity.get(s.date_property))
            if not isinstance(day, dt.date):
                return None
            time = decode(_TIME, entity.get(s.time_property)) if s.time_property else None
        except BadValue:
            return None
        return dt.datetime.combine(day, time if isinstance(time, dt.time) else dt.time(23, 59, 59, 999000))

    def _earliest_offset(self, moment: dt.datetime) -> dt.timedelta:
        """How far behind UTC the earliest local clock that can stamp a to-do is at ``moment``: the server's
        Services Default Time Zone (web-service sessions) and the users' zones (client sessions)."""
        zones = [self._server_zone, *(self._user_zones or ())]
        offsets = [moment.astimezone(z).utcoffset() or dt.timedelta(0) for z in zones]
        if self._user_zones is None:
            offsets.append(WIDEST_WEST)
        return min([dt.timedelta(0), *offsets])

    def _window_start(self, b: TableBinding, position: dt.datetime) -> dt.datetime:
        """The earliest stamp (wall clock, in the stamp's own zone) a record changed at or after ``position``
        (UTC) can carry, less the overlap for clocks that drift. A UTC stamp is at worst ``OVERLAP`` early;
        a local to-do stamp may be as far behind as the westernmost zone that can write it."""
        utc = position.astimezone(dt.UTC)
        start = utc.replace(tzinfo=None) - OVERLAP
        if b.stamp.kind is StampKind.DATE_AND_TIME and b.stamp.zone is StampZone.SESSION:
            start += self._earliest_offset(utc) - DST_MARGIN
        return start

    def _since_filter(self, b: TableBinding, start: dt.datetime) -> str:
        s = b.stamp
        if s.kind is StampKind.DATETIME:
            stamp = start.replace(tzinfo=dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            return f"{s.datetime_property} ge {stamp}"
        # NAV filters the date; the time is compared here (a page may not even show it).
        return f"{s.date_property} ge {start.date().isoformat()}"

    def _stamped_changes(self, b: TableBinding, since: ODataMark | None) -> ChangeSet:
        log_entry = self._last_change_log_entry() if self._change_log is not None else 0
        # The records stamped recently, read first: their ETags make the next read's overlap exact, and the
        # answer's Date header is the server's clock at the start of this read. This machine's clock only
        # bounds the probe, a day wide, so that a clock that is off does not matter.
        probe_floor = self._window_start(b, self._clock() - dt.timedelta(days=1))
        recent: list[tuple[NavKey, str, dt.datetime | None]] = []
        started: dt.datetime | None = None
        select = ",".join(dict.fromkeys([*b.key_properties, *b.stamp.properties()]))
        for response, page in self._collection(b, where=self._since_filter(b, probe_floor), select=select):
            started = started or server_time(response)
            for entity in page:
                recent.append((_key_of(b, entity), str(entity.get("@odata.etag", "")), self._stamp_of(b, entity)))
        utc_stamps = [
            s.replace(tzinfo=dt.UTC)
            for _, _, s in recent
            if s is not None and (b.stamp.kind is StampKind.DATETIME or b.stamp.zone is StampZone.UTC)
        ]
        position = started or _without_date_header(utc_stamps, since, self._clock())
        newest = max([position, *utc_stamps])
        start = self._window_start(b, position)
        # Every record the next read's window holds now, by key and ETag: those are not returned again.
        seen = frozenset(seen_entry(k, e) for k, e, s in recent if s is not None and s >= start)
        mark = ODataMark(position, newest, log_entry, seen=seen)

        def records() -> Iterator[NavRecord]:
            if since is None:
                yield from self._records(b)
                return
            lower = self._window_start(b, since.position)
            for _, page in self._collection(b, where=self._since_filter(b, lower)):
                for entity in page:
                    stamp = self._stamp_of(b, entity)
                    if stamp is None or stamp < lower:
                        continue
                    record = self._record(b, entity)
                    if seen_entry(record.key, record.etag) not in since.seen:
                        yield record

        tracked = self._change_log is not None
        deletions: Iterator[NavDeletion] = iter(())
        if tracked and since is not None:
            deletions = self._logged_deletions(b, since.change_log_entry, log_entry)
        return ChangeSet(records=records(), deletions=deletions, watermark=mark.encode(), deletions_tracked=tracked)

    def _hashed_changes(self, b: TableBinding, since: ODataMark | None) -> ChangeSet:
        # No stamp: read everything now (the watermark must be known before the caller iterates) and keep a
        # digest of each record's values; the next read compares.
        started: dt.datetime | None = None
        current: list[NavRecord] = []
        for response, page in self._collection(b):
            started = started or server_time(response)
            current.extend(self._record(b, e) for e in page)
        hashes = {key_text(r.key): _values_digest(b, r) for r in current}
        position = started or self._clock().replace(microsecond=0)
        previous = since.hashes if since is not None and since.hashes is not None else None
        changed = [r for r in current if previous is None or previous.get(key_text(r.key)) != hashes[key_text(r.key)]]
        gone = [] if previous is None else [k for k in previous if k not in hashes]
        deletions = [NavDeletion(b.table, tuple(k.split("\x1f"))) for k in sorted(gone)]
        mark = ODataMark(position, position, 0, hashes=hashes)
        return ChangeSet(records=iter(changed), deletions=iter(deletions), watermark=mark.encode())

    # ------------------------------------------------------------------ the change log

    def _last_change_log_entry(self) -> int:
        log = self._change_log
        assert log is not None
        entry_prop = log.properties["Entry No."]
        params = {"$select": entry_prop, "$orderby": f"{entry_prop} desc", "$top": "1"}
        response = self._http.send("GET", self._http.service_url(log.service), params=params, table=405)
        body = self._http.entity(response)
        values = body.get("value")
        if not isinstance(values, list):
            raise NavConnectionError(f"NAV's answer from {log.service} has no 'value' list")
        if not values:
            return 0
        number = values[0].get(entry_prop) if isinstance(values[0], dict) else None
        if not isinstance(number, int):
            raise NavConnectionError(f"NAV's answer from {log.service} has no Entry No.")
        return number

    def _logged_deletions(self, b: TableBinding, after: int, upto: int) -> Iterator[NavDeletion]:
        log = self._change_log
        assert log is not None
        if upto <= after:
            return
        t = log.table_def
        p = log.properties
        first_key_field = b.table_def.field(b.table_def.key[0]).no
        where = " and ".join(
            [
                f"{p['Table No.']} eq {int(b.table)}",
                f"{p['Type of Change']} eq "
                f"{filter_literal(t.field('Type of Change'), 'Deletion', options=self._option_form)}",
                f"{p['Field No.']} eq {first_key_field}",
                f"{p['Entry No.']} gt {after}",
                f"{p['Entry No.']} le {upto}",
            ]
        )
        value_fields = ["Primary Key Field 1 Value", "Primary Key Field 2 Value"][: len(b.table_def.key)]
        reported: set[NavKey] = set()
        for record in self._records(log, where):
            key = tuple(str(record.fields.get(name, "")) for name in value_fields)
            if key in reported:
                continue
            reported.add(key)
            # Deleted and inserted again: the record is not gone, its new version is among the changes.
            if self.get(b.table, key) is None:
                yield NavDeletion(table=b.table, key=key)

    # ------------------------------------------------------------------ writing

    def insert(self, table: NavTable, values: Mapping[str, object]) -> NavRecord:
        b = self._binding(table)
        body = self._body(b, values)
        response = self._http.send(
            "POST", self._http.service_url(b.service), body=body, table=b.table_def.no, fields=values
        )
        created = self._record(b, self._http.entity(response))
        if b.table is NavTable.TODO and created.fields.get("Type") == "Meeting":
            self._ensure_meeting_attendees(created)
        return self._reread(b, created.key)

    def modify(self, table: NavTable, key: NavKey, values: Mapping[str, object], *, if_match: str) -> NavRecord:
        b = self._binding(table)
        body = self._body(b, values)
        self._http.send(
            "PATCH",
            self._key_url(b, key),
            body=body,
            headers={"If-Match": if_match},
            table=b.table_def.no,
            key=key,
            fields=values,
        )
        return self._reread(b, key)

    def delete(self, table: NavTable, key: NavKey, *, if_match: str) -> None:
        b = self._binding(table)
        self._http.send("DELETE", self._key_url(b, key), headers={"If-Match": if_match}, table=b.table_def.no, key=key)

    def _reread(self, b: TableBinding, key: NavKey) -> NavRecord:
        record = self.get(b.table, key)
        if record is None:
            raise NavNotFoundError(
                f"The {b.table_def.name} was written but cannot be read back "
                f"(key {', '.join(key)}; does the page {b.service} filter it out?)",
                table=b.table_def.no,
                key=key,
            )
        return record

    def _ensure_meeting_attendees(self, todo: NavRecord) -> None:
        """NAV's Create To-do wizard adds a meeting's organizer and its contact as attendees; a to-do page
        published for OData does not, so the connector does what the wizard would, where NAV did not."""
        attendees = self._bindings.get(NavTable.ATTENDEE)
        if attendees is None:
            return
        number = todo.key[0]
        existing = list(self.find(NavTable.ATTENDEE, {"To-do No.": number}))
        salesperson = str(todo.fields.get("Salesperson Code", ""))
        if salesperson and not any(a["Attendance Type"] == "To-do Organizer" for a in existing):
            self.insert(
                NavTable.ATTENDEE,
                {
                    "To-do No.": number,
                    "Attendance Type": "To-do Organizer",
                    "Attendee Type": "Salesperson",
                    "Attendee No.": salesperson,
                },
            )
        contact = str(todo.fields.get("Contact No.", ""))
        if contact and not any(a["Attendee Type"] == "Contact" and a["Attendee No."] == contact for a in existing):
            self.insert(
                NavTable.ATTENDEE,
                {
                    "To-do No.": number,
                    "Attendance Type": "Required",
                    "Attendee Type": "Contact",
                    "Attendee No.": contact,
                },
            )


_DATE = schema.CONTACT.field("Last Date Modified")
_TIME = schema.CONTACT.field("Last Time Modified")
_DATETIME = schema.CHANGE_LOG_ENTRY.field("Date and Time")


def _without_date_header(stamps: list[dt.datetime], since: ODataMark | None, now: dt.datetime) -> dt.datetime:
    """Where a read starts when the answer had no Date header (a proxy removed it): the newest stamp NAV wrote
    (its own clock) or the previous start, whichever is later, but never after this machine's clock, which
    may run ahead of NAV's; a start too early only re-reads, a start too late would miss changes."""
    now = now.replace(microsecond=0)
    known = [*stamps, *([since.position] if since is not None else [])]
    return min(now, max(known)) if known else now


def _key_part(value: object) -> str:
    return str(value)


def _completes(named: Mapping[str, object]) -> bool:
    """Whether a write closes a to-do that is not being canceled (the case NAV's Confirm asks about)."""
    if named.get("Canceled"):
        return False
    return named.get("Status") == "Completed" or named.get("Closed") is True


def _decoded(b: TableBinding, f: FieldDef, prop: str, raw: object) -> object:
    value = decode(f, raw)
    return guid_text(value) if prop in b.guid_properties and isinstance(value, str) else value


def _key_of(b: TableBinding, entity: Entity) -> NavKey:
    try:
        return tuple(
            _key_part(_decoded(b, b.table_def.field(n), b.properties[n], entity[b.properties[n]]))
            for n in b.table_def.key
        )
    except (KeyError, BadValue):
        raise NavConnectionError(f"NAV's answer from {b.service} lacks a usable key ({entity!r:.200})") from None


def _values_digest(b: TableBinding, record: NavRecord) -> str:
    values = {name: encode(b.table_def.field(name), value) for name, value in record.fields.items()}
    return digest(json.dumps(values, sort_keys=True, default=str))
