"""The pages the service publishes: web service name -> NAV table, with the fields each page shows.

Property names and Edm types are what NAV derives from the page's fields (`graphsync.nav.odata.names`);
``hidden`` leaves fields off a page, as a customer's page may, and leaving the change log out of
``pages`` serves a NAV where the Change Log Entries page is not published.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from graphsync.connectors.nav import FieldDef, FieldType, NavTable, TableDef
from graphsync.nav import schema
from graphsync.nav.odata.names import property_name

EDM_TYPES: Mapping[FieldType, str] = MappingProxyType(
    {
        FieldType.CODE: "Edm.String",
        FieldType.TEXT: "Edm.String",
        FieldType.INTEGER: "Edm.Int32",
        FieldType.DECIMAL: "Edm.Decimal",
        FieldType.BOOLEAN: "Edm.Boolean",
        FieldType.OPTION: "Edm.String",
        FieldType.DATE: "Edm.Date",
        FieldType.TIME: "Edm.TimeOfDay",
        FieldType.DATETIME: "Edm.DateTimeOffset",
        FieldType.DURATION: "Edm.Duration",
    }
)

DEFAULT_PAGES: Mapping[str, NavTable] = MappingProxyType(
    {
        "ContactCard": NavTable.CONTACT,
        "SalespersonPurchaserCard": NavTable.SALESPERSON,
        "GraphsyncToDos": NavTable.TODO,
        "GraphsyncAttendees": NavTable.ATTENDEE,
        "Territories": NavTable.TERRITORY,
        "ChangeLogEntries": NavTable.CHANGE_LOG_ENTRY,
    }
)
"""The pages a NAV set up as docs/odata.md describes publishes, under graphsync's default service names."""


SYSTEM_MODIFIED_AT = FieldDef(no=2000000003, name="SystemModifiedAt", type=FieldType.DATETIME)
"""Business Central's system field, on pages that add it; served from Last Date/Time Modified (UTC here)."""


@dataclass(frozen=True)
class Page:
    service: str
    table: NavTable
    fields: tuple[FieldDef, ...]

    @property
    def table_def(self) -> TableDef:
        return schema.table_def(self.table)

    def prop(self, f: FieldDef) -> str:
        return property_name(f.name)

    def field_by_prop(self) -> Mapping[str, FieldDef]:
        return {property_name(f.name): f for f in self.fields}


@dataclass(frozen=True)
class Publication:
    pages: Mapping[str, NavTable] = field(default_factory=lambda: DEFAULT_PAGES)
    hidden: Mapping[NavTable, frozenset[str]] = field(default_factory=dict)
    """NAV field names left off each table's page."""
    system_modified_at: bool = False
    """Serve as Business Central with SystemModifiedAt on the pages of stamped tables."""

    def page(self, service: str) -> Page | None:
        table = self.pages.get(service)
        if table is None:
            return None
        hidden = self.hidden.get(table, frozenset())
        t = schema.table_def(table)
        fields = tuple(f for f in t.fields if f.name not in hidden or f.name in t.key)
        if self.system_modified_at and any(f.name == "Last Date Modified" for f in t.fields):
            fields += (SYSTEM_MODIFIED_AT,)
        return Page(service, table, fields)
