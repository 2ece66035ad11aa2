"""The pages through which the migration from NAV's Outlook add-in reads the add-in's tables over OData, as
docs/migrate.md ("Reading the add-in's tables over OData") has an administrator publish them on NAV 2018.

The migration (`graphsync.migrate.addin.tables`) reads User Setup (91) and the add-in's tables 5300, 5302,
5303, 5304 and 5305 once. Three standard pages serve as shipped: 119 User Setup, 5303 Outlook Synch. Filters
(a filter line's key, Record GUID, Filter Type and Line No., is published although the page does not show it)
and 5304 Outlook Synch. Fields. For the other three tables no shipped page serves: pages 5300 Outlook Synch.
Entity and 5302 Outlook Synch. Entity List (both on table 5300) and 5305 Outlook Synch. User Setup do not show
the Record GUID that joins a condition to its entity or user setup, and no page shows table 5302 Outlook
Synch. Link, whose entry id is a BLOB. The administrator adds a small read-only list page on each.

Sources, read for this module:

- NAV 2018's tables: finnpedersenkazes/Cumulative-Updates-for-Microsoft-Dynamics-NAV-2018-DK ("CU 09"),
  Table/000/Table_091_User_Setup.al, Table/5_000/Table_5_300_Outlook_Synch__Entity.al,
  Table_5_302_Outlook_Synch__Link.al (``GetEntryID@2(VAR EntryID : Text) : Boolean``, [External]: reads the
  BLOB "Outlook Entry ID" as text; ``OnInsert``: ``"Search Record ID" := FORMAT("Record ID")``),
  Table_5_303_Outlook_Synch__Filter.al, Table_5_304_Outlook_Synch__Field.al,
  Table_5_305_Outlook_Synch__User_Setup.al.
- The pages: that repository holds only the objects its cumulative updates changed, and pages 119 and
  5300-5305 are not among them. Their controls were read in the AL Business Central converted them to,
  StefanMaron/MSDyn365BC.Code.History, BaseApp/Source/Base Application/UserSetup.Page.al,
  OutlookSynchEntity.Page.al, OutlookSynchEntityList.Page.al, OutlookSynchFilters.Page.al,
  OutlookSynchFields.Page.al, OutlookSynchUserSetup.Page.al (the versions before the pages were removed); AL
  conversions of NAV 2018's own pages 5300, 5302, 5303 and 5305 in public customer repositories (which the
  search index does not name) show the same controls. Page 119's E-Mail control (``field(Email; "E-Mail")``
  in Business Central, next to a Phone No. field that NAV 2018's table 91 does not have) could not be
  confirmed for NAV 2018, so the double leaves it out; the migration does not read it.
- Business Central removed the tables in version 22: BaseApp/Source/Base Application/CRM/Outlook/
  OutlookSynchLink.Table.al (and the other OutlookSynch*.Table.al) carry ``ObsoleteState = Removed;
  ObsoleteTag = '22.0'``, ``ObsoleteReason = 'Legacy outlook sync functionality has been removed.'``.

Not checked (nothing here ran against a real NAV): that NAV's OData publishes table 5302's key field Record
ID, a RecordID, as an Edm.String holding ``Format(RecordID)``; the double does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from graphsync.connectors.nav import NavTable
from graphsync.nav import schema
from graphsync.nav.odata.catalogue import Control, ControlKind, PageSpec

ENTRY_ID_FIELD = "Outlook Entry ID"

GUID_FIELDS: frozenset[tuple[NavTable, str]] = frozenset(
    {
        (NavTable.OUTLOOK_SYNCH_ENTITY, "Record GUID"),
        (NavTable.OUTLOOK_SYNCH_ENTITY_ELEMENT, "Record GUID"),
        (NavTable.OUTLOOK_SYNCH_FILTER, "Record GUID"),
        (NavTable.OUTLOOK_SYNCH_FIELD, "Record GUID"),
        (NavTable.OUTLOOK_SYNCH_USER_SETUP, "Record GUID"),
    }
)
"""Fields of type GUID (the tables' C/AL, above), which OData publishes as Edm.Guid; graphsync holds them as
NAV formats them (`graphsync.nav.schema`), `graphsync.nav.odata.values.guid_text` converts."""

BLOB_FIELDS: frozenset[tuple[NavTable, str]] = frozenset({(NavTable.OUTLOOK_SYNCH_LINK, ENTRY_ID_FIELD)})
"""BLOB fields, which a page cannot show as a field control (only through code, `ControlKind.ENTRY_ID`)."""


def _c(field: str) -> Control:
    return Control(field)


_TABLES = "finnpedersenkazes/Cumulative-Updates-for-Microsoft-Dynamics-NAV-2018-DK (CU 09)"
_PAGES = "StefanMaron/MSDyn365BC.Code.History, BaseApp/Source/Base Application"

USER_SETUP = PageSpec(
    119,
    "User Setup",
    NavTable.USER_SETUP,
    (_c("User ID"), _c("Salespers./Purch. Code")),
    source=f"{_PAGES}/UserSetup.Page.al (NAV 2018's page not in {_TABLES}; E-Mail not confirmed for NAV 2018)",
)

OUTLOOK_SYNCH_FILTERS = PageSpec(
    5303,
    "Outlook Synch. Filters",
    NavTable.OUTLOOK_SYNCH_FILTER,
    (_c("Field No."), _c("Type"), _c("Value")),
    source=f"{_PAGES}/OutlookSynchFilters.Page.al (a Worksheet; its key fields are published though not shown)",
)
"""Besides the repeater's Field No., Type and Value, the page shows computed controls (GetFieldCaption,
RecomposeFilterExpression) that the migration does not read."""

OUTLOOK_SYNCH_FIELDS = PageSpec(
    5304,
    "Outlook Synch. Fields",
    NavTable.OUTLOOK_SYNCH_FIELD,
    (
        _c("Condition"),
        _c("Table No."),
        _c("Table Relation"),
        _c("Field No."),
        _c("Field Default Value"),
        _c("User-Defined"),
        _c("Outlook Property"),
        _c("Search Field"),
        _c("Read-Only Status"),
    ),
    source=f"{_PAGES}/OutlookSynchFields.Page.al (Read-Only Status has Visible = false: still published)",
)
"""No Master Table No., Outlook Object or Record GUID; Table Caption (a FlowField) and the computed Field Name
are left out here as graphsync does not model them."""

_OWN = "docs/migrate.md (a read-only List page of the administrator's own"

OSYNCH_ENTITIES = PageSpec(
    0,
    "Graphsync Outlook Synch. Entities",
    NavTable.OUTLOOK_SYNCH_ENTITY,
    tuple(_c(f) for f in ("Code", "Description", "Table No.", "Condition", "Outlook Item", "Record GUID")),
    insert_allowed=False,
    delete_allowed=False,
    modify_allowed=False,
    source=f"{_OWN} on table 5300)",
)
OSYNCH_USER_SETUP = PageSpec(
    0,
    "Graphsync Outlook Synch. User Setup",
    NavTable.OUTLOOK_SYNCH_USER_SETUP,
    tuple(
        _c(f)
        for f in ("User ID", "Synch. Entity Code", "Condition", "Synch. Direction", "Last Synch. Time", "Record GUID")
    ),
    insert_allowed=False,
    delete_allowed=False,
    modify_allowed=False,
    source=f"{_OWN} on table 5305)",
)
OSYNCH_LINKS = PageSpec(
    0,
    "Graphsync Outlook Synch. Links",
    NavTable.OUTLOOK_SYNCH_LINK,
    (
        _c("User ID"),
        _c("Search Record ID"),
        _c("Synchronization Date"),
        Control(ENTRY_ID_FIELD, kind=ControlKind.ENTRY_ID),
    ),
    insert_allowed=False,
    delete_allowed=False,
    modify_allowed=False,
    source=f"{_OWN} on table 5302, the entry id through GetEntryID)",
)


@dataclass(frozen=True)
class AddinPage:
    service: str
    """The web service name graphsync looks for."""
    spec: PageSpec
    essential: tuple[str, ...]
    """The fields the migration cannot do without (besides the key): a page that lacks one is refused."""

    @property
    def what(self) -> str:
        """What to publish, in an administrator's words."""
        table = f"table {int(self.spec.table)} {schema.table_def(self.spec.table).name}"
        if self.spec.number:
            return f"the standard page {self.spec.number} {self.spec.name} (on {table})"
        shown = [c.field for c in self.spec.controls if c.kind is ControlKind.FIELD]
        extra = (
            f" and a Text control named {ENTRY_ID_FIELD!r} that OnAfterGetRecord fills with the table's GetEntryID"
            if any(c.kind is ControlKind.ENTRY_ID for c in self.spec.controls)
            else ""
        )
        return f"a read-only list page of your own on {table} showing {', '.join(shown)}{extra}"


ADDIN_PAGES: Mapping[NavTable, AddinPage] = MappingProxyType(
    {
        NavTable.USER_SETUP: AddinPage("UserSetup", USER_SETUP, ("Salespers./Purch. Code",)),
        NavTable.OUTLOOK_SYNCH_ENTITY: AddinPage(
            "GraphsyncOSynchEntities", OSYNCH_ENTITIES, ("Table No.", "Outlook Item", "Record GUID")
        ),
        NavTable.OUTLOOK_SYNCH_FILTER: AddinPage(
            "OutlookSynchFilters", OUTLOOK_SYNCH_FILTERS, ("Field No.", "Type", "Value")
        ),
        NavTable.OUTLOOK_SYNCH_FIELD: AddinPage(
            "OutlookSynchFields",
            OUTLOOK_SYNCH_FIELDS,
            ("Outlook Property", "User-Defined", "Table No.", "Field No.", "Read-Only Status", "Field Default Value"),
        ),
        NavTable.OUTLOOK_SYNCH_USER_SETUP: AddinPage(
            "GraphsyncOSynchUserSetup", OSYNCH_USER_SETUP, ("Synch. Direction", "Record GUID")
        ),
        NavTable.OUTLOOK_SYNCH_LINK: AddinPage("GraphsyncOSynchLinks", OSYNCH_LINKS, (ENTRY_ID_FIELD,)),
    }
)
"""The tables the migration reads over OData, by table: the page to publish and its service name."""


def standard_addin_pages() -> Mapping[str, PageSpec]:
    """The shipped pages among them, by service name: what a NAV 2018 publishes without any page of its own."""
    return MappingProxyType({p.service: p.spec for p in ADDIN_PAGES.values() if p.spec.number})


def addin_pages() -> Mapping[str, PageSpec]:
    """All of them, by service name: what a NAV 2018 set up as docs/migrate.md describes publishes."""
    return MappingProxyType({p.service: p.spec for p in ADDIN_PAGES.values()})


REMOVED_IN_BC = "22.0"
"""The Business Central version whose base application removed the add-in's tables (ObsoleteTag, above)."""
