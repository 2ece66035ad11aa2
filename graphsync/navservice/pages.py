"""What the service publishes: web service name -> page, each page's controls, and the server's manners.

A `Publication` is one server as a customer has it: the pages published (shipped pages from
`graphsync.nav.odata.catalogue`, or the ones docs/odata.md has the administrator publish), the form its
option values take on the wire, whether it is Business Central online (which refuses meetings), and how it
names itself in errors. `PROFILES` are the four the tests and ``python -m graphsync.navservice --pages``
serve:

- ``nav2018-standard``: NAV 2018 with its shipped pages published unchanged (among them the three the
  migration from the Outlook add-in reads as shipped, `graphsync.nav.odata.addin_pages`).
- ``nav2018-graphsync``: NAV 2018 set up as docs/odata.md describes, and for the migration from the add-in as
  docs/migrate.md describes.
- ``bc-standard`` / ``bc-graphsync``: the same for Business Central online, which has no add-in tables
  (removed in Business Central 22).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from graphsync.connectors.nav import FieldDef, FieldType, NavTable, TableDef
from graphsync.nav import schema
from graphsync.nav.embedded import BC_SERVER, NAV_SERVER
from graphsync.nav.odata.addin_pages import BLOB_FIELDS, GUID_FIELDS, addin_pages, standard_addin_pages
from graphsync.nav.odata.catalogue import (
    ControlKind,
    PageSpec,
    Product,
    graphsync_pages,
    standard_pages,
)
from graphsync.nav.odata.names import OptionForm, property_name

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

_DATETIME = FieldDef(no=0, name="", type=FieldType.DATETIME)
_BOOLEAN = FieldDef(no=0, name="", type=FieldType.BOOLEAN)
_TEXT = FieldDef(no=0, name="", type=FieldType.TEXT)
_STAND_INS = {ControlKind.COMPLETE: _BOOLEAN, ControlKind.ENTRY_ID: _TEXT}

READ_ONLY: frozenset[tuple[NavTable, str]] = frozenset(
    {
        # Table_5_050_Contact.al field 54 and Table_5_080_To_do.al field 14 have Editable=No (NAV 2018 sources as
        # in graphsync.nav.odata.catalogue), as has Attendee field 6 (BC CRM/Task/Attendee.Table.al); FlowFields
        # are never editable.
        (NavTable.CONTACT, "Last Date Modified"),
        (NavTable.CONTACT, "Next To-do Date"),
        (NavTable.TODO, "Date Closed"),
        (NavTable.ATTENDEE, "Attendee Name"),
    }
)


@dataclass(frozen=True)
class PageControl:
    prop: str
    kind: ControlKind
    field: FieldDef
    """The table field (FIELD), or a stand-in carrying the Edm type of the other kinds."""
    guid: bool = False
    """A GUID field (held as NAV's text, `graphsync.nav.schema`): published as Edm.Guid."""

    @property
    def edm_type(self) -> str:
        return "Edm.Guid" if self.guid else EDM_TYPES[self.field.type]

    @property
    def max_length(self) -> int:
        """The MaxLength ``$metadata`` gives (Code and Text fields; 0: none)."""
        return self.field.length if self.field.type in (FieldType.CODE, FieldType.TEXT) and not self.guid else 0


@dataclass(frozen=True)
class Page:
    service: str
    spec: PageSpec
    controls: tuple[PageControl, ...]

    @property
    def table(self) -> NavTable:
        return self.spec.table

    @property
    def table_def(self) -> TableDef:
        return schema.table_def(self.spec.table)

    def by_prop(self) -> Mapping[str, PageControl]:
        return {c.prop: c for c in self.controls}

    def key_prop(self, name: str) -> str:
        return next(c.prop for c in self.controls if c.kind is ControlKind.FIELD and c.field.name == name)

    def read_only(self, control: PageControl) -> bool:
        if control.kind in (ControlKind.SYSTEM, ControlKind.COMPUTED, ControlKind.ENTRY_ID):
            return True
        if control.kind is ControlKind.COMPLETE:
            return False
        return not self.spec.modify_allowed or (self.table, control.field.name) in READ_ONLY


def build_page(service: str, spec: PageSpec) -> Page:
    t = schema.table_def(spec.table)
    controls: list[PageControl] = []
    shown = {c.field for c in spec.controls if c.kind is ControlKind.FIELD}
    # The key fields are published whether or not the page shows them (return-obtain-service-metadata-
    # edmx-document.md, see graphsync.nav.odata.catalogue).
    for name in t.key:
        if name not in shown:
            guid = (spec.table, name) in GUID_FIELDS
            controls.append(PageControl(property_name(name), ControlKind.FIELD, t.field(name), guid))
    for c in spec.controls:
        if c.kind is ControlKind.FIELD:
            if (spec.table, c.field) in BLOB_FIELDS:
                # A page shows a BLOB only as a picture; its text reaches a page through code (ENTRY_ID).
                raise ValueError(f"{spec.name}: the BLOB field {c.field!r} cannot be a field control of a page")
            guid = (spec.table, c.field) in GUID_FIELDS
            controls.append(PageControl(c.prop, c.kind, t.field(c.field), guid))
        else:
            stand_in = _STAND_INS.get(c.kind, _DATETIME)
            controls.append(PageControl(c.prop, c.kind, replace(stand_in, name=c.field)))
    return Page(service, spec, tuple(controls))


def nav2018_graphsync_pages() -> Mapping[str, PageSpec]:
    """NAV 2018 set up as docs/odata.md and docs/migrate.md describe."""
    return MappingProxyType({**graphsync_pages(Product.NAV2018), **addin_pages()})


@dataclass(frozen=True)
class Publication:
    pages: Mapping[str, PageSpec] = field(default_factory=nav2018_graphsync_pages)
    options: OptionForm = OptionForm.NAMES
    saas: bool = False
    """Business Central online: To-do Type Meeting is refused (MeetingSaaSNotSupportedErr)."""
    server: str = NAV_SERVER
    hidden: Mapping[NavTable, frozenset[str]] = field(default_factory=dict)
    """NAV field names left off each table's pages (a customer's page that shows less)."""

    def page(self, service: str) -> Page | None:
        spec = self.pages.get(service)
        if spec is None:
            return None
        hidden = self.hidden.get(spec.table, frozenset())
        if hidden:
            kept = tuple(c for c in spec.controls if c.kind is not ControlKind.FIELD or c.field not in hidden)
            spec = replace(spec, controls=kept)
        return build_page(service, spec)

    def without(self, *tables: NavTable) -> Publication:
        """The same server with no page of these tables published."""
        return replace(self, pages={s: p for s, p in self.pages.items() if p.table not in tables})

    def hiding(self, table: NavTable, *names: str) -> Publication:
        return replace(self, hidden={**self.hidden, table: frozenset({*self.hidden.get(table, ()), *names})})

    def publishing(self, service: str, spec: PageSpec) -> Publication:
        return replace(self, pages={**self.pages, service: spec})


PROFILES: Mapping[str, Publication] = MappingProxyType(
    {
        "nav2018-standard": Publication(
            pages=MappingProxyType({**standard_pages(Product.NAV2018), **standard_addin_pages()})
        ),
        "nav2018-graphsync": Publication(pages=nav2018_graphsync_pages()),
        "bc-standard": Publication(
            pages=standard_pages(Product.BC), options=OptionForm.NAMES_SPACE, saas=True, server=BC_SERVER
        ),
        "bc-graphsync": Publication(
            pages=graphsync_pages(Product.BC), options=OptionForm.NAMES_SPACE, saas=True, server=BC_SERVER
        ),
    }
)
DEFAULT_PROFILE = "nav2018-graphsync"

DEFAULT_PAGES: Mapping[str, NavTable] = MappingProxyType(
    {service: spec.table for service, spec in PROFILES[DEFAULT_PROFILE].pages.items()}
)
"""The pages a NAV set up as docs/odata.md describes publishes, under graphsync's default service names."""
