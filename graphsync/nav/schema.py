"""The NAV tables graphsync syncs, as NAV 2018 defines them: field numbers, names, types, lengths, options.

Pure data, shared by every NAV connector (the embedded company builds its SQLite tables from it; an OData
connector can check `$metadata` against it). Lengths and option captions follow NAV 2018's C/AL objects
(Contact 5050, Salesperson/Purchaser 13, To-do 5080, Attendee 5199, Territory 286, Change Log 402-405);
Business Central widened several Text fields to 100, which a BC connector reports in its own `table_def`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from graphsync.connectors.nav import FieldDef, FieldType, NavTable, TableDef

_C = FieldType.CODE
_T = FieldType.TEXT
_I = FieldType.INTEGER
_B = FieldType.BOOLEAN
_O = FieldType.OPTION
_D = FieldType.DATE
_TM = FieldType.TIME
_DT = FieldType.DATETIME
_DU = FieldType.DURATION


def _f(no: int, name: str, type_: FieldType, length: int = 0, options: tuple[str, ...] = ()) -> FieldDef:
    return FieldDef(no=no, name=name, type=type_, length=length, options=options)


CONTACT = TableDef(
    no=NavTable.CONTACT,
    name="Contact",
    key=("No.",),
    fields=(
        _f(1, "No.", _C, 20),
        _f(2, "Name", _T, 50),
        _f(5, "Address", _T, 50),
        _f(6, "Address 2", _T, 50),
        _f(7, "City", _T, 30),
        _f(9, "Phone No.", _T, 30),
        _f(10, "Telex No.", _T, 20),
        _f(15, "Territory Code", _C, 10),
        _f(29, "Salesperson Code", _C, 20),
        _f(35, "Country/Region Code", _C, 10),
        _f(54, "Last Date Modified", _D),
        _f(84, "Fax No.", _T, 30),
        _f(91, "Post Code", _C, 20),
        _f(92, "County", _T, 30),
        _f(102, "E-Mail", _T, 80),
        _f(103, "Home Page", _T, 80),
        _f(5050, "Type", _O, options=("Company", "Person")),
        _f(5051, "Company No.", _C, 20),
        _f(5052, "Company Name", _T, 50),
        _f(5054, "First Name", _T, 30),
        _f(5055, "Middle Name", _T, 30),
        _f(5056, "Surname", _T, 30),
        _f(5058, "Job Title", _T, 30),
        _f(5061, "Mobile Phone No.", _T, 30),
        _f(5062, "Pager", _T, 30),
        _f(5066, "Next To-do Date", _D),
        _f(5104, "Last Time Modified", _TM),
        _f(5105, "E-Mail 2", _T, 80),
    ),
)

SALESPERSON = TableDef(
    no=NavTable.SALESPERSON,
    name="Salesperson/Purchaser",
    key=("Code",),
    fields=(
        _f(1, "Code", _C, 20),
        _f(2, "Name", _T, 50),
        _f(5052, "E-Mail", _T, 80),
        _f(5053, "Phone No.", _T, 30),
        _f(5062, "Job Title", _T, 30),
        _f(5086, "E-Mail 2", _T, 80),
    ),
)

TERRITORY = TableDef(
    no=NavTable.TERRITORY,
    name="Territory",
    key=("Code",),
    fields=(_f(1, "Code", _C, 10), _f(2, "Name", _T, 50)),
)

TODO_TYPES = ("", "Meeting", "Phone Call")
TODO_STATUSES = ("Not Started", "In Progress", "Completed", "Waiting", "Postponed")
SYSTEM_TODO_TYPES = ("Organizer", "Salesperson Attendee", "Contact Attendee", "Team")
CALC_DUE_DATE_FROM = ("", "Due Date", "Closing Date")
"""Table 5080 field 26 (NAV 2018: OptionString=[ ,Due Date,Closing Date])."""

TODO = TableDef(
    no=NavTable.TODO,
    name="To-do",
    key=("No.",),
    fields=(
        _f(1, "No.", _C, 20),
        _f(3, "Salesperson Code", _C, 20),
        _f(5, "Contact No.", _C, 20),
        _f(8, "Type", _O, options=TODO_TYPES),
        _f(9, "Date", _D),
        _f(10, "Status", _O, options=TODO_STATUSES),
        _f(11, "Priority", _O, options=("Low", "Normal", "High")),
        _f(12, "Description", _T, 50),
        _f(13, "Closed", _B),
        _f(14, "Date Closed", _D),
        _f(17, "Canceled", _B),
        _f(22, "Contact Company No.", _C, 20),
        _f(24, "Recurring", _B),
        # A DateFormula in NAV ("1W"), kept as its text; the option's first value is NAV's blank " ".
        _f(25, "Recurring Date Interval", _C, 32),
        _f(26, "Calc. Due Date From", _O, options=CALC_DUE_DATE_FROM),
        _f(28, "Start Time", _TM),
        _f(29, "Duration", _DU),
        _f(32, "Last Date Modified", _D),
        _f(33, "Last Time Modified", _TM),
        _f(34, "All Day Event", _B),
        _f(35, "Location", _T, 50),
        _f(36, "Organizer To-do No.", _C, 20),
        _f(45, "System To-do Type", _O, options=SYSTEM_TODO_TYPES),
        _f(47, "Ending Date", _D),
        _f(48, "Ending Time", _TM),
    ),
)

ATTENDANCE_TYPES = ("Required", "Optional", "To-do Organizer")
ATTENDEE_TYPES = ("Contact", "Salesperson")

ATTENDEE = TableDef(
    no=NavTable.ATTENDEE,
    name="Attendee",
    key=("To-do No.", "Line No."),
    fields=(
        _f(1, "To-do No.", _C, 20),
        _f(2, "Line No.", _I),
        _f(3, "Attendance Type", _O, options=ATTENDANCE_TYPES),
        _f(4, "Attendee Type", _O, options=ATTENDEE_TYPES),
        _f(5, "Attendee No.", _C, 20),
        _f(6, "Attendee Name", _T, 50),
        _f(7, "Send Invitation", _B),
        _f(8, "Invitation Response Type", _O, options=("None", "Accepted", "Declined", "Tentative")),
        _f(9, "Invitation Sent", _B),
    ),
)

CHANGE_LOG_SETUP = TableDef(
    no=NavTable.CHANGE_LOG_SETUP,
    name="Change Log Setup",
    key=("Primary Key",),
    fields=(_f(1, "Primary Key", _C, 10), _f(2, "Change Log Activated", _B)),
)

LOG_SCOPES = ("", "Some Fields", "All Fields")

CHANGE_LOG_SETUP_TABLE = TableDef(
    no=NavTable.CHANGE_LOG_SETUP_TABLE,
    name="Change Log Setup (Table)",
    key=("Table No.",),
    fields=(
        _f(1, "Table No.", _I),
        _f(3, "Log Insertion", _O, options=LOG_SCOPES),
        _f(4, "Log Modification", _O, options=LOG_SCOPES),
        _f(5, "Log Deletion", _O, options=LOG_SCOPES),
    ),
)

CHANGE_LOG_SETUP_FIELD = TableDef(
    no=NavTable.CHANGE_LOG_SETUP_FIELD,
    name="Change Log Setup (Field)",
    key=("Table No.", "Field No."),
    fields=(
        _f(1, "Table No.", _I),
        _f(2, "Field No.", _I),
        _f(4, "Log Insertion", _B),
        _f(5, "Log Modification", _B),
        _f(6, "Log Deletion", _B),
    ),
)

CHANGE_TYPES = ("Insertion", "Modification", "Deletion")

CHANGE_LOG_ENTRY = TableDef(
    no=NavTable.CHANGE_LOG_ENTRY,
    name="Change Log Entry",
    key=("Entry No.",),
    fields=(
        _f(1, "Entry No.", _I),
        _f(2, "Date and Time", _DT),
        _f(3, "Time", _TM),
        _f(4, "User ID", _C, 50),
        _f(5, "Table No.", _I),
        _f(6, "Table Caption", _T, 250),
        _f(7, "Field No.", _I),
        _f(8, "Field Caption", _T, 80),
        _f(9, "Type of Change", _O, options=CHANGE_TYPES),
        _f(10, "Old Value", _T, 250),
        _f(11, "New Value", _T, 250),
        _f(12, "Primary Key", _T, 250),
        _f(13, "Primary Key Field 1 No.", _I),
        _f(15, "Primary Key Field 1 Value", _T, 50),
        _f(16, "Primary Key Field 2 No.", _I),
        _f(18, "Primary Key Field 2 Value", _T, 50),
    ),
)

# --------------------------------------------------------------------------- NAV's Outlook Synchronization add-in
#
# NAV 2009-2018 kept the add-in's setup and links in tables 5300-5310 (removed in Business Central 22, where they
# are ObsoleteState = Removed); graphsync reads them once, to migrate from the add-in (`graphsync.migrate.addin`),
# and never writes them. Fields as NAV 2018's C/AL objects define them, keys included; FlowFields are left out.
# Two NAV types have no FieldType here and are held as the text NAV formats them in: a GUID (Record GUID) as its
# 38 characters ``{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}``, a RecordID (Record ID) as ``Format(RecordId)``
# (``Contact: CT100006``). The link's "Outlook Entry ID" is a BLOB into which the add-in wrote text (the entry
# id's hexadecimal, `graphsync.mapi`): it is held as that text, unbounded. Over OData the custom page on table
# 5302 exposes it the same way (docs/migrate.md).

GUID_LENGTH = 38
SYNCH_DIRECTIONS = ("Bidirectional", "Microsoft Dynamics NAV to Outlook", "Outlook to Microsoft Dynamics NAV")
READ_ONLY_STATUSES = ("", "Read-Only in Microsoft Dynamics NAV", "Read-Only in Outlook")
FILTER_TYPES = ("Condition", "Table Relation")
FILTER_CASES = ("CONST", "FILTER", "FIELD")

USER_SETUP = TableDef(
    no=NavTable.USER_SETUP,
    name="User Setup",
    key=("User ID",),
    fields=(_f(1, "User ID", _C, 50), _f(10, "Salespers./Purch. Code", _C, 20), _f(17, "E-Mail", _T, 100)),
)

OUTLOOK_SYNCH_ENTITY = TableDef(
    no=NavTable.OUTLOOK_SYNCH_ENTITY,
    name="Outlook Synch. Entity",
    key=("Code",),
    fields=(
        _f(1, "Code", _C, 10),
        _f(2, "Description", _T, 80),
        _f(3, "Table No.", _I),
        _f(5, "Condition", _T, 250),
        _f(6, "Outlook Item", _T, 80),
        _f(7, "Record GUID", _T, GUID_LENGTH),
    ),
)

OUTLOOK_SYNCH_ENTITY_ELEMENT = TableDef(
    no=NavTable.OUTLOOK_SYNCH_ENTITY_ELEMENT,
    name="Outlook Synch. Entity Element",
    key=("Synch. Entity Code", "Element No."),
    fields=(
        _f(1, "Synch. Entity Code", _C, 10),
        _f(2, "Element No.", _I),
        _f(3, "Table No.", _I),
        _f(5, "Table Relation", _T, 250),
        _f(6, "Outlook Collection", _T, 80),
        _f(8, "Record GUID", _T, GUID_LENGTH),
    ),
)

OUTLOOK_SYNCH_LINK = TableDef(
    no=NavTable.OUTLOOK_SYNCH_LINK,
    name="Outlook Synch. Link",
    key=("User ID", "Record ID"),
    fields=(
        _f(1, "User ID", _C, 50),
        _f(2, "Record ID", _T, 250),
        _f(3, "Outlook Entry ID", _T),
        _f(4, "Outlook Entry ID Hash", _T, 32),
        _f(5, "Search Record ID", _C, 250),
        _f(6, "Synchronization Date", _DT),
    ),
)

OUTLOOK_SYNCH_FILTER = TableDef(
    no=NavTable.OUTLOOK_SYNCH_FILTER,
    name="Outlook Synch. Filter",
    key=("Record GUID", "Filter Type", "Line No."),
    fields=(
        _f(1, "Record GUID", _T, GUID_LENGTH),
        _f(2, "Filter Type", _O, options=FILTER_TYPES),
        _f(3, "Line No.", _I),
        _f(4, "Table No.", _I),
        _f(5, "Field No.", _I),
        _f(7, "Type", _O, options=FILTER_CASES),
        _f(8, "Value", _T, 250),
        _f(9, "Master Table No.", _I),
        _f(10, "Master Table Field No.", _I),
        _f(99, "FilterExpression", _T, 250),
    ),
)

OUTLOOK_SYNCH_FIELD = TableDef(
    no=NavTable.OUTLOOK_SYNCH_FIELD,
    name="Outlook Synch. Field",
    key=("Synch. Entity Code", "Element No.", "Line No."),
    fields=(
        _f(1, "Synch. Entity Code", _C, 10),
        _f(2, "Element No.", _I),
        _f(3, "Line No.", _I),
        _f(4, "Master Table No.", _I),
        _f(5, "Outlook Object", _T, 80),
        _f(6, "Outlook Property", _T, 80),
        _f(7, "User-Defined", _B),
        _f(8, "Search Field", _B),
        _f(9, "Condition", _T, 250),
        _f(10, "Table No.", _I),
        _f(12, "Table Relation", _T, 250),
        _f(13, "Field No.", _I),
        _f(15, "Read-Only Status", _O, options=READ_ONLY_STATUSES),
        _f(16, "Field Default Value", _T, 250),
        _f(17, "Record GUID", _T, GUID_LENGTH),
    ),
)

OUTLOOK_SYNCH_USER_SETUP = TableDef(
    no=NavTable.OUTLOOK_SYNCH_USER_SETUP,
    name="Outlook Synch. User Setup",
    key=("User ID", "Synch. Entity Code"),
    fields=(
        _f(1, "User ID", _C, 50),
        _f(2, "Synch. Entity Code", _C, 10),
        _f(4, "Condition", _T, 250),
        _f(5, "Synch. Direction", _O, options=SYNCH_DIRECTIONS),
        _f(6, "Last Synch. Time", _DT),
        _f(7, "Record GUID", _T, GUID_LENGTH),
    ),
)

OUTLOOK_SYNCH_SETUP_DETAIL = TableDef(
    no=NavTable.OUTLOOK_SYNCH_SETUP_DETAIL,
    name="Outlook Synch. Setup Detail",
    key=("User ID", "Synch. Entity Code", "Element No."),
    fields=(
        _f(1, "User ID", _C, 50),
        _f(2, "Synch. Entity Code", _C, 10),
        _f(3, "Element No.", _I),
        _f(5, "Table No.", _I),
    ),
)

ADDIN_TABLES = (
    NavTable.OUTLOOK_SYNCH_ENTITY,
    NavTable.OUTLOOK_SYNCH_ENTITY_ELEMENT,
    NavTable.OUTLOOK_SYNCH_LINK,
    NavTable.OUTLOOK_SYNCH_FILTER,
    NavTable.OUTLOOK_SYNCH_FIELD,
    NavTable.OUTLOOK_SYNCH_USER_SETUP,
    NavTable.OUTLOOK_SYNCH_SETUP_DETAIL,
)
"""The add-in's tables, which only the add-in wrote (the embedded company's demo puts its rows in directly)."""

TABLES: Mapping[NavTable, TableDef] = MappingProxyType(
    {
        NavTable(t.no): t
        for t in (
            CONTACT,
            SALESPERSON,
            TERRITORY,
            TODO,
            ATTENDEE,
            CHANGE_LOG_SETUP,
            CHANGE_LOG_SETUP_TABLE,
            CHANGE_LOG_SETUP_FIELD,
            CHANGE_LOG_ENTRY,
            USER_SETUP,
            OUTLOOK_SYNCH_ENTITY,
            OUTLOOK_SYNCH_ENTITY_ELEMENT,
            OUTLOOK_SYNCH_LINK,
            OUTLOOK_SYNCH_FILTER,
            OUTLOOK_SYNCH_FIELD,
            OUTLOOK_SYNCH_USER_SETUP,
            OUTLOOK_SYNCH_SETUP_DETAIL,
        )
    }
)
"""Every table, by number."""

BUSINESS_TABLES = (NavTable.CONTACT, NavTable.SALESPERSON, NavTable.TERRITORY, NavTable.TODO, NavTable.ATTENDEE)
"""The tables a NAV user (or the sync) writes; the change log tables are maintained by NAV itself."""

SYNCED_TABLES = (NavTable.CONTACT, NavTable.SALESPERSON, NavTable.TODO, NavTable.ATTENDEE)
"""The tables whose changes graphsync reads, and whose change logging the demo company enables."""


@dataclass(frozen=True)
class FlowField:
    """A field NAV calculates on read (FieldClass = FlowField): never stored, never written."""

    table: NavTable
    name: str


FLOWFIELDS = frozenset(
    {
        FlowField(NavTable.CONTACT, "Next To-do Date"),
        FlowField(NavTable.CHANGE_LOG_ENTRY, "Table Caption"),
        FlowField(NavTable.CHANGE_LOG_ENTRY, "Field Caption"),
    }
)


def is_flowfield(table: NavTable, name: str) -> bool:
    return FlowField(table, name) in FLOWFIELDS


@dataclass(frozen=True)
class NumberSeries:
    """A NAV number series: the code of the series and the first number it hands out."""

    code: str
    starting_no: str


NUMBER_SERIES: Mapping[NavTable, NumberSeries] = MappingProxyType(
    {
        NavTable.CONTACT: NumberSeries("CONT", "CT000001"),
        NavTable.TODO: NumberSeries("TODO", "TD000001"),
    }
)
"""Tables whose key NAV assigns from a number series when it is left blank (Marketing Setup's
"Contact Nos." and "To-do Nos.")."""


def table_def(table: NavTable | int) -> TableDef:
    return TABLES[NavTable(table)]
