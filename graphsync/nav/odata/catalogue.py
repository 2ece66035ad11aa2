"""The pages NAV 2018 and Business Central ship, as far as graphsync's tables go, and the pages docs/odata.md
tells an administrator to publish.

Each `PageSpec` lists the controls bound to the fields of graphsync's tables (`graphsync.nav.schema`), in the
page's order, with the control's own name where the page gives it one (the OData property comes from the
control's name: ``StartTime``, not ``Start_Time``, on the Task Card). Controls bound to fields graphsync does
not model (Search Name, Salutation Code, ...) are left out. The key fields of the page's table are published
whether or not the page shows them (MicrosoftDocs dynamics365smb-devitpro-pb,
dev-itpro/webservices/return-obtain-service-metadata-edmx-document.md: "Primary key fields in tables are
automatically defined as properties in the service metadata document even if they aren't exposed on a page").

Sources, read for this module (and cited per page below):

- NAV 2018: the C/AL exports in the public repository finnpedersenkazes/Cumulative-Updates-for-Microsoft-
  Dynamics-NAV-2018-DK at its "CU 09" commit (3132d31; objects NAVW111.00.00.21836, W1 objects with Danish
  captions): Page/5_000/Page_5_050_Contact_Card.al, Page_5_055_Name_Details.al,
  Page_5_116_Salesperson_Purchaser_Card.al, Page_5_098_Task_Card.al, Page_5_096_Task_List.al,
  Page/000/Page_595_Change_Log_Entries.al, and Table/5_000/Table_5_050_Contact.al, Table_5_080_To_do.al.
- Business Central: the AL source in StefanMaron/MSDyn365BC.Code.History, BaseApp/Source/Base Application/
  CRM/Contact/ContactCard.Page.al, CRM/Team/SalespersonPurchaserCard.Page.al, CRM/Task/TaskCard.Page.al,
  CRM/Task/Todo.Table.al, CRM/Contact/Contact.Table.al (the newest version the search index holds).

Not found in either source, and so not checked: a Territories page (served with Code and Name), Business
Central's Change Log Entries page (served as NAV 2018's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

from graphsync.connectors.nav import NavTable
from graphsync.nav.odata.names import property_name

COMPLETE_CONTROL = "GraphsyncCompleted"
"""The Boolean control docs/odata.md adds to graphsync's to-do page: setting it completes the to-do without
the "Do you want to register an Interaction Log Entry?" Confirm that validating Closed asks from a page (To-do
table 5080, field 13 Closed, OnValidate: ``IF CurrFieldNo <> 0 THEN IF CONFIRM(Text004,TRUE)``), which a
web-service session refuses."""

LAST_DATETIME_MODIFIED = "LastDateTimeModified"
"""Business Central's Contact Card control ``field(LastDateTimeModified; Rec.GetLastDateTimeModified())``: a
computed DateTime (UTC), not a table field."""

SYSTEM_MODIFIED_AT = "SystemModifiedAt"
"""Business Central's system field on every table (UTC); a page shows it only when a page extension adds it."""


class ControlKind(Enum):
    FIELD = "field"
    """Bound to a table field (``SourceExpr`` / ``Rec."Field"``)."""
    COMPUTED = "computed"
    """A read-only expression (Business Central's LastDateTimeModified)."""
    SYSTEM = "system"
    """Business Central's SystemModifiedAt."""
    COMPLETE = "complete"
    """graphsync's completion control (`COMPLETE_CONTROL`)."""
    ENTRY_ID = "entry id"
    """A Text variable the page fills in OnAfterGetRecord with the table's ``GetEntryID``: the text the Outlook
    add-in wrote into the BLOB "Outlook Entry ID" of table 5302, which no page can show as a field
    (`graphsync.nav.odata.addin_pages`)."""


@dataclass(frozen=True)
class Control:
    field: str
    """The NAV field name in graphsync's schema; for other kinds, the control's name."""
    name: str = ""
    """The control's name when it is not the field's (NAV 2018: ``Name=``; AL: ``field(Name; ...)``)."""
    kind: ControlKind = ControlKind.FIELD

    @property
    def prop(self) -> str:
        return property_name(self.name or self.field)


def _c(field: str, name: str = "") -> Control:
    return Control(field, name)


@dataclass(frozen=True)
class PageSpec:
    number: int
    """The page's object number; 0 for a page of the administrator's own."""
    name: str
    table: NavTable
    controls: tuple[Control, ...]
    insert_allowed: bool = True
    delete_allowed: bool = True
    modify_allowed: bool = True
    source: str = ""

    def with_controls(self, *extra: Control) -> PageSpec:
        return PageSpec(
            self.number,
            self.name,
            self.table,
            (*self.controls, *extra),
            self.insert_allowed,
            self.delete_allowed,
            self.modify_allowed,
            self.source,
        )


_NAV2018 = "finnpedersenkazes/Cumulative-Updates-for-Microsoft-Dynamics-NAV-2018-DK (CU 09)"
_BC = "StefanMaron/MSDyn365BC.Code.History, BaseApp/Source/Base Application/CRM"

# ---------------------------------------------------------------- NAV 2018

NAV2018_CONTACT_CARD = PageSpec(
    5050,
    "Contact Card",
    NavTable.CONTACT,
    (
        _c("No."),
        _c("Name"),
        _c("Type"),
        _c("Company No."),
        _c("Company Name"),
        _c("Salesperson Code"),
        _c("Last Date Modified"),
        # Field 5066 is named "Next Task Date" in NAV 2018's Contact table (graphsync's schema keeps the older
        # name "Next To-do Date").
        _c("Next To-do Date", "Next Task Date"),
        _c("Address"),
        _c("Address 2"),
        _c("Post Code"),
        _c("City"),
        _c("Country/Region Code"),
        _c("Phone No."),
        _c("Mobile Phone No."),
        _c("E-Mail"),
        _c("Fax No."),
        _c("Home Page"),
        _c("Territory Code"),
    ),
    source=f"{_NAV2018}: Page/5_000/Page_5_050_Contact_Card.al",
)
"""No First Name, Middle Name, Surname, Job Title, County, E-Mail 2, Pager, Telex No. or Last Time Modified."""

NAV2018_NAME_DETAILS = PageSpec(
    5055,
    "Name Details",
    NavTable.CONTACT,
    (_c("Job Title"), _c("First Name"), _c("Middle Name"), _c("Surname")),
    insert_allowed=False,
    delete_allowed=False,
    source=f"{_NAV2018}: Page/5_000/Page_5_055_Name_Details.al (InsertAllowed=No, DeleteAllowed=No)",
)

NAV2018_SALESPERSON_CARD = PageSpec(
    5116,
    "Salesperson/Purchaser Card",
    NavTable.SALESPERSON,
    (_c("Code"), _c("Name"), _c("Job Title"), _c("Phone No."), _c("E-Mail")),
    source=f"{_NAV2018}: Page/5_000/Page_5_116_Salesperson_Purchaser_Card.al",
)
"""No E-Mail 2."""

NAV2018_TASK_CARD = PageSpec(
    5098,
    "Task Card",
    NavTable.TODO,
    (
        _c("No."),
        _c("Description"),
        _c("Location"),
        _c("Salesperson Code"),
        _c("Contact No."),
        _c("Status"),
        _c("Priority"),
        _c("Type"),
        _c("All Day Event", "AllDayEvent"),
        _c("Date"),
        _c("Start Time", "StartTime"),
        _c("Duration"),
        _c("Ending Date", "EndingDate"),
        _c("Ending Time", "EndingTime"),
        _c("Canceled"),
        _c("Closed"),
        _c("Date Closed"),
        _c("Recurring"),
    ),
    insert_allowed=False,
    delete_allowed=False,
    source=f"{_NAV2018}: Page/5_000/Page_5_098_Task_Card.al (InsertAllowed=No, DeleteAllowed=No)",
)
"""No System To-do Type, Organizer To-do No., Contact Company No. or Last Date/Time Modified."""

CHANGE_LOG_ENTRIES = PageSpec(
    595,
    "Change Log Entries",
    NavTable.CHANGE_LOG_ENTRY,
    (
        _c("Entry No."),
        _c("Date and Time"),
        _c("User ID"),
        _c("Table No."),
        _c("Table Caption"),
        _c("Primary Key"),
        _c("Primary Key Field 1 No."),
        _c("Primary Key Field 1 Value"),
        _c("Primary Key Field 2 No."),
        _c("Primary Key Field 2 Value"),
        _c("Field No."),
        _c("Field Caption"),
        _c("Type of Change"),
        _c("Old Value"),
        _c("New Value"),
    ),
    insert_allowed=False,
    delete_allowed=False,
    modify_allowed=False,
    source=f"{_NAV2018}: Page/000/Page_595_Change_Log_Entries.al (Editable=No)",
)

TERRITORIES = PageSpec(
    0,
    "Territories",
    NavTable.TERRITORY,
    (_c("Code"), _c("Name")),
    source="not checked against source",
)

# ---------------------------------------------------------------- Business Central

BC_CONTACT_CARD = PageSpec(
    5050,
    "Contact Card",
    NavTable.CONTACT,
    (
        _c("No."),
        _c("Name"),
        _c("Type"),
        _c("Company No."),
        _c("Company Name"),
        _c("Job Title"),
        _c("Salesperson Code"),
        Control(LAST_DATETIME_MODIFIED, kind=ControlKind.COMPUTED),
        _c("Next To-do Date", "Next Task Date"),
        _c("Address"),
        _c("Address 2"),
        _c("Country/Region Code"),
        _c("Post Code"),
        _c("City"),
        _c("Phone No."),
        _c("Mobile Phone No."),
        _c("E-Mail"),
        _c("Fax No."),
        _c("Home Page"),
        _c("Territory Code"),
    ),
    source=f"{_BC}/Contact/ContactCard.Page.al",
)
"""No First Name, Middle Name, Surname, County, E-Mail 2, Pager, Telex No., and no Last Date Modified or Last
Time Modified field: only the computed LastDateTimeModified. Job Title is there (Visible = false)."""

BC_SALESPERSON_CARD = PageSpec(
    5116,
    "Salesperson/Purchaser Card",
    NavTable.SALESPERSON,
    (_c("Code"), _c("Name"), _c("Job Title"), _c("Phone No."), _c("E-Mail")),
    source=f"{_BC}/Team/SalespersonPurchaserCard.Page.al",
)

BC_TASK_CARD = PageSpec(
    5098,
    "Task Card",
    NavTable.TODO,
    (
        _c("No."),
        _c("Description"),
        _c("Location"),
        _c("Salesperson Code"),
        _c("Contact No."),
        _c("Status"),
        _c("Priority"),
        # Two controls on the same field, one shown online and one on-premises.
        _c("Type", "TypeSaaS"),
        _c("Type", "TypeOnPrem"),
        _c("All Day Event", "AllDayEvent"),
        _c("Date"),
        _c("Start Time", "StartTime"),
        _c("Duration"),
        _c("Ending Date", "EndingDate"),
        _c("Ending Time", "EndingTime"),
        _c("Canceled"),
        _c("Closed"),
        _c("Date Closed"),
        _c("Recurring", "Control39"),
    ),
    insert_allowed=False,
    delete_allowed=False,
    source=f"{_BC}/Task/TaskCard.Page.al (InsertAllowed = false, DeleteAllowed = false)",
)

# ---------------------------------------------------------------- what docs/odata.md adds

CONTACT_ADDITIONS = (
    _c("First Name"),
    _c("Middle Name"),
    _c("Surname"),
    _c("County"),
    _c("E-Mail 2"),
)
"""Fields the default field map uses that neither product's Contact Card shows (NAV 2018 also lacks Job Title
and Last Time Modified; see `graphsync_pages`)."""

TODO_FIELDS = (
    "No.",
    "Salesperson Code",
    "Contact No.",
    "Contact Company No.",
    "Type",
    "System To-do Type",
    "Organizer To-do No.",
    "Date",
    "Start Time",
    "Duration",
    "Ending Date",
    "Ending Time",
    "All Day Event",
    "Location",
    "Status",
    "Priority",
    "Description",
    "Closed",
    "Date Closed",
    "Canceled",
    "Recurring",
    # A series made in Outlook is a recurring to-do (docs/engine.md, "Recurring series"): fields 25 and 26,
    # BaseApp/Source/Base Application/CRM/Task/Todo.Table.al.
    "Recurring Date Interval",
    "Calc. Due Date From",
    "Last Date Modified",
    "Last Time Modified",
)
ATTENDEE_FIELDS = (
    "To-do No.",
    "Line No.",
    "Attendance Type",
    "Attendee Type",
    "Attendee No.",
    "Attendee Name",
    "Send Invitation",
    "Invitation Response Type",
    "Invitation Sent",
)

GRAPHSYNC_TODOS = PageSpec(
    0,
    "Graphsync To-dos",
    NavTable.TODO,
    (*(_c(f) for f in TODO_FIELDS), Control(COMPLETE_CONTROL, kind=ControlKind.COMPLETE)),
    source="docs/odata.md (a List page of the administrator's own on table 5080)",
)
GRAPHSYNC_ATTENDEES = PageSpec(
    0,
    "Graphsync Attendees",
    NavTable.ATTENDEE,
    tuple(_c(f) for f in ATTENDEE_FIELDS),
    source="docs/odata.md (a List page of the administrator's own on table 5199, AutoSplitKey)",
)


class Product(Enum):
    NAV2018 = "nav2018"
    BC = "bc"


def standard_pages(product: Product) -> Mapping[str, PageSpec]:
    """The shipped pages an administrator can publish without changing any, by a usual service name."""
    if product is Product.NAV2018:
        pages = {
            "ContactCard": NAV2018_CONTACT_CARD,
            "NameDetails": NAV2018_NAME_DETAILS,
            "SalespersonPurchaserCard": NAV2018_SALESPERSON_CARD,
            "TaskCard": NAV2018_TASK_CARD,
        }
    else:
        pages = {
            "ContactCard": BC_CONTACT_CARD,
            "SalespersonPurchaserCard": BC_SALESPERSON_CARD,
            "TaskCard": BC_TASK_CARD,
        }
    return MappingProxyType({**pages, "Territories": TERRITORIES, "ChangeLogEntries": CHANGE_LOG_ENTRIES})


def graphsync_pages(product: Product) -> Mapping[str, PageSpec]:
    """What an administrator has published after following docs/odata.md: the standard cards with the fields
    the default field map uses added, graphsync's own to-do and attendee pages, and (Business Central)
    SystemModifiedAt on the contact and to-do pages."""
    system = Control(SYSTEM_MODIFIED_AT, kind=ControlKind.SYSTEM)
    if product is Product.NAV2018:
        contact = NAV2018_CONTACT_CARD.with_controls(*CONTACT_ADDITIONS, _c("Job Title"), _c("Last Time Modified"))
        salesperson = NAV2018_SALESPERSON_CARD.with_controls(_c("E-Mail 2"))
        todos, attendees = GRAPHSYNC_TODOS, GRAPHSYNC_ATTENDEES
    else:
        contact = BC_CONTACT_CARD.with_controls(*CONTACT_ADDITIONS, system)
        salesperson = BC_SALESPERSON_CARD.with_controls(_c("E-Mail 2"))
        todos, attendees = GRAPHSYNC_TODOS.with_controls(system), GRAPHSYNC_ATTENDEES
    return MappingProxyType(
        {
            "ContactCard": contact,
            "SalespersonPurchaserCard": salesperson,
            "GraphsyncToDos": todos,
            "GraphsyncAttendees": attendees,
            "Territories": TERRITORIES,
            "ChangeLogEntries": CHANGE_LOG_ENTRIES,
        }
    )


def _aliases() -> Mapping[tuple[NavTable, str], tuple[str, ...]]:
    found: dict[tuple[NavTable, str], list[str]] = {}
    for product in Product:
        for page in (*standard_pages(product).values(), *graphsync_pages(product).values()):
            for control in page.controls:
                if control.kind is ControlKind.FIELD and control.name:
                    props = found.setdefault((page.table, control.field), [])
                    if control.prop not in props:
                        props.append(control.prop)
    return MappingProxyType({k: tuple(v) for k, v in found.items()})


CONTROL_ALIASES = _aliases()
"""(table, NAV field) -> the other property names a shipped page publishes the field under (``StartTime``,
``Next_Task_Date``, ``TypeOnPrem``...), tried after the one derived from the field's name."""


def candidate_properties(table: NavTable, field: str) -> tuple[str, ...]:
    """The OData properties a page may publish ``field`` of ``table`` under, most likely first."""
    return (property_name(field), *CONTROL_ALIASES.get((table, field), ()))
