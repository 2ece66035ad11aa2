"""The add-in's tables as values: read once from NAV (the embedded company, or over OData through the pages
docs/migrate.md names), never written.

Records are read through `graphsync.connectors.nav.NavConnector`, whose values are NAV's types: a GUID and a
RecordID are their text (`graphsync.nav.schema`), the link's entry id the text the add-in wrote into its BLOB.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from graphsync.connectors.nav import NavConnector, NavRecord, NavTable


@dataclass(frozen=True)
class AddinEntity:
    code: str
    description: str
    table_no: int
    outlook_item: str
    """The Outlook object model's item class: ContactItem, AppointmentItem, TaskItem."""
    condition: str
    guid: str


@dataclass(frozen=True)
class AddinFilter:
    guid: str
    """The Record GUID of the entity, user setup or field it belongs to."""
    filter_type: str
    """``Condition`` or ``Table Relation``."""
    line_no: int
    field_no: int
    """A field of the entity's table (a Condition line; Table Relation lines are not read)."""
    case: str
    """``CONST``, ``FILTER`` or ``FIELD``."""
    value: str


@dataclass(frozen=True)
class AddinField:
    entity_code: str
    element_no: int
    line_no: int
    outlook_property: str
    user_defined: bool
    table_no: int
    """A related table the value comes from (0: the entity's own table)."""
    field_no: int
    read_only_status: str
    default_value: str


@dataclass(frozen=True)
class AddinUserSetup:
    user_id: str
    entity_code: str
    condition: str
    direction: str
    """``Bidirectional``, ``Microsoft Dynamics NAV to Outlook`` or ``Outlook to Microsoft Dynamics NAV``."""
    guid: str


@dataclass(frozen=True)
class AddinLink:
    user_id: str
    record_id: str
    """NAV's ``Format(RecordId)``: ``Contact: CT100006``."""
    entry_id: str
    """The Outlook entry id as the add-in wrote it (hexadecimal text)."""
    synchronized: dt.datetime | None


@dataclass(frozen=True)
class NavUser:
    """A NAV user's row of User Setup (table 91): which salesperson the user is (all the migration reads of it;
    page 119 User Setup shows it on every version)."""

    user_id: str
    salesperson: str


@dataclass(frozen=True)
class AddinSetup:
    entities: tuple[AddinEntity, ...]
    fields: tuple[AddinField, ...]
    filters: tuple[AddinFilter, ...]
    user_setups: tuple[AddinUserSetup, ...]
    links: tuple[AddinLink, ...]
    users: tuple[NavUser, ...]

    def entity(self, code: str) -> AddinEntity | None:
        return next((e for e in self.entities if e.code == code), None)

    def conditions(self, guid: str) -> tuple[AddinFilter, ...]:
        """The condition filter lines of an entity or user setup, in line order."""
        return tuple(
            sorted(
                (f for f in self.filters if f.guid == guid and f.filter_type == "Condition"), key=lambda f: f.line_no
            )
        )

    def fields_of(self, code: str) -> tuple[AddinField, ...]:
        """The entity's own fields (element 0), in line order."""
        return tuple(
            sorted((f for f in self.fields if f.entity_code == code and f.element_no == 0), key=lambda f: f.line_no)
        )

    def setups_of(self, user_id: str) -> tuple[AddinUserSetup, ...]:
        return tuple(s for s in self.user_setups if s.user_id == user_id)

    def sync_users(self) -> list[str]:
        """Every NAV user with a user setup or a link, sorted."""
        return sorted({s.user_id for s in self.user_setups} | {link.user_id for link in self.links})

    def salesperson_of(self, user_id: str) -> str | None:
        found = next((u for u in self.users if u.user_id == user_id), None)
        return found.salesperson if found is not None and found.salesperson else None

    def users_of(self, salesperson: str) -> list[str]:
        """The NAV users whose User Setup names this salesperson."""
        return sorted(u.user_id for u in self.users if u.salesperson.upper() == salesperson.upper())


def _rows(nav: NavConnector, table: NavTable) -> Iterator[Mapping[str, object]]:
    """The table's records in key order, as NAV's pages return them, whatever order a connector reads them
    in: which of two add-in entities for the same graphsync entity is carried, and the order of the notes,
    must not depend on the connection."""
    records: list[NavRecord] = list(nav.changes(table, None).records)
    for record in sorted(records, key=lambda r: tuple(_key_order(part) for part in r.key)):
        yield record.fields


def _key_order(part: str) -> tuple[int, int, str]:
    return (0, int(part), "") if part.isdigit() else (1, 0, part)


def _text(row: Mapping[str, object], name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value)


def _int(row: Mapping[str, object], name: str) -> int:
    value = row.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else int(str(value or 0))


def read_setup(nav: NavConnector) -> AddinSetup:
    """Every row of the add-in's tables (and of User Setup) that the migration reads."""
    entities = tuple(
        AddinEntity(
            _text(r, "Code"),
            _text(r, "Description"),
            _int(r, "Table No."),
            _text(r, "Outlook Item"),
            _text(r, "Condition"),
            _text(r, "Record GUID"),
        )
        for r in _rows(nav, NavTable.OUTLOOK_SYNCH_ENTITY)
    )
    fields = tuple(
        AddinField(
            _text(r, "Synch. Entity Code"),
            _int(r, "Element No."),
            _int(r, "Line No."),
            _text(r, "Outlook Property"),
            bool(r.get("User-Defined")),
            _int(r, "Table No."),
            _int(r, "Field No."),
            _text(r, "Read-Only Status"),
            _text(r, "Field Default Value"),
        )
        for r in _rows(nav, NavTable.OUTLOOK_SYNCH_FIELD)
    )
    filters = tuple(
        AddinFilter(
            _text(r, "Record GUID"),
            _text(r, "Filter Type"),
            _int(r, "Line No."),
            _int(r, "Field No."),
            _text(r, "Type"),
            _text(r, "Value"),
        )
        for r in _rows(nav, NavTable.OUTLOOK_SYNCH_FILTER)
    )
    setups = tuple(
        AddinUserSetup(
            _text(r, "User ID"),
            _text(r, "Synch. Entity Code"),
            _text(r, "Condition"),
            _text(r, "Synch. Direction") or "Bidirectional",
            _text(r, "Record GUID"),
        )
        for r in _rows(nav, NavTable.OUTLOOK_SYNCH_USER_SETUP)
    )
    links = tuple(
        AddinLink(
            _text(r, "User ID"),
            # Search Record ID is the Record ID's text (OnInsert: Format("Record ID")), in capitals: what a page
            # shows where the RecordID itself cannot be published (docs/migrate.md).
            _text(r, "Record ID") or _text(r, "Search Record ID"),
            _text(r, "Outlook Entry ID"),
            r.get("Synchronization Date") if isinstance(r.get("Synchronization Date"), dt.datetime) else None,  # type: ignore[arg-type]
        )
        for r in _rows(nav, NavTable.OUTLOOK_SYNCH_LINK)
    )
    users = tuple(
        NavUser(_text(r, "User ID"), _text(r, "Salespers./Purch. Code")) for r in _rows(nav, NavTable.USER_SETUP)
    )
    return AddinSetup(entities, fields, filters, setups, links, users)
