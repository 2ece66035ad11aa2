"""CRONUS demo data for a new embedded company: territories, salespeople, contacts and a few to-dos.

Names and codes are CRONUS UK's; addresses and phone numbers are made up in the same style. The to-dos are
dated relative to the day the company is made, so that they fall inside the sync window of a fresh demo.
Everything goes through `EmbeddedNav.insert`, so the demo data obeys the same rules as anything typed later.
Change logging for the synced tables is switched on afterwards, as an administrator would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable, Mapping
from typing import Protocol

from graphsync import mapi
from graphsync.connectors.nav import NavRecord, NavTable, nav_today_utc
from graphsync.nav import schema


class DemoTarget(Protocol):
    """What the demo data is written through: `EmbeddedNav` (named by its methods, not imported, because
    `EmbeddedNav.create` loads the demo: the company module depends on this one, not the other way)."""

    def insert(self, table: NavTable, values: Mapping[str, object]) -> NavRecord: ...

    def set_change_logging(self, table: NavTable) -> None: ...

    def put_rows(self, table: NavTable, rows: Iterable[Mapping[str, object]]) -> None: ...


TERRITORIES = (
    ("N", "North"),
    ("NW", "North West"),
    ("NE", "North East"),
    ("S", "South"),
    ("SW", "South West"),
    ("SE", "South East"),
    ("W", "West"),
    ("NWAL", "North Wales"),
    ("SWAL", "South Wales"),
    ("EANG", "East Anglia"),
    ("LND", "London"),
    ("MID", "Midlands"),
    ("SCOT", "Scotland"),
    ("FOREIGN", "Foreign"),
)

SALESPEOPLE = (
    ("EH", "Ester Henderson", "Sales Manager"),
    ("OF", "Otis Falls", "Sales Representative"),
    ("LT", "Lina Townsend", "Sales Representative"),
    ("JO", "Jim Olive", "Sales Representative"),
    ("RB", "Robin Bettencourt", "Purchasing Agent"),
    ("BC", "Benjamin Chiu", "Purchasing Manager"),
    ("HR", "Helena Ray", "Sales Representative"),
)

COMPANIES: tuple[dict[str, object], ...] = (
    {
        "No.": "CT100006",
        "Name": "A. Gibson's Law Firm",
        "Address": "10 Market Hill",
        "City": "Cambridge",
        "Post Code": "CB2 3NJ",
        "Country/Region Code": "GB",
        "Phone No.": "+44 1223 555 0106",
        "E-Mail": "info@gibsonlaw.example",
        "Home Page": "www.gibsonlaw.example",
        "Territory Code": "EANG",
        "Salesperson Code": "EH",
    },
    {
        "No.": "CT100001",
        "Name": "Eco Office Inc.",
        "Address": "22 Wellington Street",
        "City": "Leeds",
        "Post Code": "LS1 4DL",
        "Country/Region Code": "GB",
        "Phone No.": "+44 113 555 0101",
        "E-Mail": "office@ecooffice.example",
        "Territory Code": "N",
        "Salesperson Code": "OF",
    },
    {
        "No.": "CT100005",
        "Name": "Taylor's Office Warehouse",
        "Address": "5 Harbour Road",
        "City": "Bristol",
        "Post Code": "BS1 5TT",
        "Country/Region Code": "GB",
        "Phone No.": "+44 117 555 0105",
        "Territory Code": "SW",
        "Salesperson Code": "JO",
    },
    {
        "No.": "CT100007",
        "Name": "Officeland Of Manchester",
        "Address": "48 Deansgate",
        "City": "Manchester",
        "Post Code": "M3 2EG",
        "Country/Region Code": "GB",
        "Phone No.": "+44 161 555 0107",
        "E-Mail": "sales@officeland.example",
        "Territory Code": "LND",
        "Salesperson Code": "LT",
    },
)

PERSONS: tuple[dict[str, object], ...] = (
    {
        "No.": "CT200116",
        "Name": "David Oliver Lawrence",
        "Company No.": "CT100006",
        "Job Title": "Senior Partner",
        "Phone No.": "+44 1223 555 0116",
        "Mobile Phone No.": "+44 7700 900116",
        "E-Mail": "david.lawrence@gibsonlaw.example",
        "Salesperson Code": "EH",
        "Territory Code": "EANG",
    },
    {
        "No.": "CT200118",
        "Name": "Lori Kane",
        "Company No.": "CT100006",
        "Job Title": "Office Manager",
        "Phone No.": "+44 1223 555 0118",
        "E-Mail": "lori.kane@gibsonlaw.example",
        "Salesperson Code": "EH",
        "Territory Code": "EANG",
    },
    {
        "No.": "CT100002",
        "Name": "Christie Moon",
        "Company No.": "CT100001",
        "Job Title": "Purchasing Manager",
        "Phone No.": "+44 113 555 0102",
        "E-Mail": "christie.moon@ecooffice.example",
        "Salesperson Code": "OF",
        "Territory Code": "N",
    },
)


def _todos(today: dt.date) -> tuple[dict[str, object], ...]:
    return (
        {
            "Type": "Meeting",
            "Contact No.": "CT100006",
            "Salesperson Code": "EH",
            "Description": "Review the service agreement",
            "Location": "10 Market Hill, Cambridge",
            "Date": today + dt.timedelta(days=2),
            "Start Time": dt.time(10, 0),
            "Duration": 60 * 60_000,
            "Priority": "High",
        },
        {
            "Type": "Phone Call",
            "Contact No.": "CT100002",
            "Salesperson Code": "OF",
            "Description": "Call Christie about the new catalogue",
            "Date": today + dt.timedelta(days=1),
            "Start Time": dt.time(9, 30),
            "Duration": 15 * 60_000,
        },
        {
            "Contact No.": "CT100007",
            "Salesperson Code": "LT",
            "Description": "Send price list to Officeland",
            "Date": today + dt.timedelta(days=5),
            "Status": "In Progress",
        },
    )


def load_demo(nav: DemoTarget) -> None:
    for code, name in TERRITORIES:
        nav.insert(NavTable.TERRITORY, {"Code": code, "Name": name})
    for code, name, title in SALESPEOPLE:
        nav.insert(
            NavTable.SALESPERSON,
            {"Code": code, "Name": name, "Job Title": title, "E-Mail": f"{code.lower()}@contoso.com"},
        )
    for company in COMPANIES:
        nav.insert(NavTable.CONTACT, {"Type": "Company", **company})
    for person in PERSONS:
        nav.insert(NavTable.CONTACT, {"Type": "Person", **person})
    todos = [nav.insert(NavTable.TODO, todo) for todo in _todos(nav_today_utc().date())]
    meeting = todos[0]
    nav.insert(
        NavTable.ATTENDEE,
        {"To-do No.": meeting.key[0], "Attendee Type": "Contact", "Attendee No.": "CT200116"},
    )
    nav.insert(
        NavTable.ATTENDEE,
        {"To-do No.": meeting.key[0], "Attendee Type": "Contact", "Attendee No.": "CT200118"},
    )
    load_addin_demo(nav, meeting_no=meeting.key[0], task_no=todos[2].key[0])
    for table in schema.SYNCED_TABLES:
        nav.set_change_logging(table)


# --------------------------------------------------------------------------- the Outlook add-in, as it was left
#
# CRONUS as NAV 2018's Outlook Synchronization add-in left it: codeunit 5312's default entities and fields (with
# the entity conditions it inserts), customised as a partner would have: CONT_PERS carries Territory Code as a
# user-defined field, and each user's contacts are limited to their own (Salesperson Code = the user's code).
# Ester Henderson (EH) synced her contacts, meetings and tasks; Otis Falls (OF) only contacts, NAV -> Outlook;
# Lina Townsend (LT) only tasks. The links (EH's contacts and meeting, LT's task) point at the items the add-in
# made in the users' default folders; the sandbox holds them once `graphsync.demo.addin.stage_addin_items` has
# put them there (the entry ids are built for those mailboxes).

ADDIN_USERS = (("CRONUS\\ESTER", "EH"), ("CRONUS\\OTIS", "OF"), ("CRONUS\\LINA", "LT"))
"""NAV users of the add-in and their salespeople (User Setup, table 91)."""

_ADDIN_ENTITIES = (
    ("CONT_PERS", "Dynamics NAV Contacts of the Person type", 5050, "ContactItem"),
    ("CONT_COMP", "Dynamics NAV Contacts of the Company type", 5050, "ContactItem"),
    ("CONT_SP", "Dynamics NAV Salespeople", 13, "ContactItem"),
    ("APP", "Dynamics NAV Meetings", 5080, "AppointmentItem"),
    ("TASK", "Dynamics NAV Tasks", 5080, "TaskItem"),
)

_ENTITY_CONDITIONS: Mapping[str, tuple[tuple[int, str, str], ...]] = {
    # (field no., type, value) as codeunit 5312 inserts them; option values by their index, as it does.
    "CONT_PERS": ((5050, "CONST", "1"),),
    "CONT_COMP": ((5050, "CONST", "0"),),
    "APP": ((8, "CONST", "1"), (17, "CONST", "0"), (45, "CONST", "0")),
    "TASK": ((8, "FILTER", "<>1"), (45, "CONST", "0")),
}

_CONTACT_FIELDS = (
    # (Outlook property, field no., relation table no., user-defined, read-only status, default value)
    ("BusinessAddressStreet", 5, 0, False, "", ""),
    ("BusinessAddressCity", 7, 0, False, "", ""),
    ("BusinessAddressPostalCode", 91, 0, False, "", ""),
    ("BusinessAddressCountry", 2, 9, False, "", ""),
    ("BusinessTelephoneNumber", 9, 0, False, "", ""),
    ("BusinessFaxNumber", 84, 0, False, "", ""),
    ("BusinessHomePage", 103, 0, False, "", ""),
    ("Email1Address", 102, 0, False, "", ""),
    ("Email2Address", 5105, 0, False, "", ""),
    ("MobileTelephoneNumber", 5061, 0, False, "", ""),
    ("PagerNumber", 5062, 0, False, "", ""),
    ("TelexNumber", 10, 0, False, "", ""),
    ("Salesperson Code", 29, 0, True, "", ""),
)

_ADDIN_FIELDS: Mapping[str, tuple[tuple[str, int, int, bool, str, str], ...]] = {
    "CONT_PERS": (
        ("", 5050, 0, False, "Read-Only in Microsoft Dynamics NAV", "Person"),
        ("FullName", 2, 0, False, "", ""),
        ("CompanyName", 5052, 5050, False, "", ""),
        ("FirstName", 5054, 0, False, "", ""),
        ("MiddleName", 5055, 0, False, "", ""),
        ("LastName", 5056, 0, False, "", ""),
        ("JobTitle", 5058, 0, False, "", ""),
        *_CONTACT_FIELDS,
        # The partner's customisation: the territory travels as an Outlook user-defined field.
        ("Territory Code", 15, 0, True, "", ""),
    ),
    "CONT_COMP": (
        ("", 5050, 0, False, "Read-Only in Microsoft Dynamics NAV", "Company"),
        ("CompanyName", 2, 0, False, "", ""),
        *_CONTACT_FIELDS,
    ),
    "CONT_SP": (
        ("FullName", 2, 0, False, "", ""),
        ("JobTitle", 5062, 0, False, "", ""),
        ("Email1Address", 5052, 0, False, "", ""),
        ("Email2Address", 5086, 0, False, "", ""),
        ("BusinessTelephoneNumber", 5053, 0, False, "", ""),
        ("Salesperson Code", 1, 0, True, "Read-Only in Microsoft Dynamics NAV", ""),
    ),
    "APP": (
        ("", 8, 0, False, "Read-Only in Microsoft Dynamics NAV", "Meeting"),
        ("Start", 9, 0, False, "", ""),
        ("Start", 28, 0, False, "", ""),
        ("Subject", 12, 0, False, "", ""),
        ("Location", 35, 0, False, "", ""),
        ("AllDayEvent", 34, 0, False, "", ""),
        ("Importance", 11, 0, False, "", ""),
        ("Duration", 29, 0, False, "", ""),
        ("Organizer", 2, 13, False, "Read-Only in Outlook", ""),
    ),
    "TASK": (
        ("", 8, 0, False, "Read-Only in Microsoft Dynamics NAV", ""),
        ("StartDate", 9, 0, False, "", ""),
        ("StartDate", 28, 0, False, "", ""),
        ("DueDate", 47, 0, False, "", ""),
        ("DueDate", 48, 0, False, "", ""),
        ("Subject", 12, 0, False, "", ""),
        ("Importance", 11, 0, False, "", ""),
        ("Status", 10, 0, False, "", ""),
        ("Owner", 2, 13, False, "", ""),
    ),
}

_ADDIN_ELEMENTS = (("APP", 10000, 5199, "Recipients"), ("APP", 20000, 5199, "Links"), ("TASK", 10000, 5080, "Links"))

_USER_SETUPS: Mapping[str, tuple[tuple[str, str, str], ...]] = {
    # per salesperson: (entity code, direction, "own": only contacts whose Salesperson Code is the user's)
    "EH": (
        ("CONT_COMP", "Bidirectional", "own"),
        ("CONT_PERS", "Bidirectional", "own"),
        ("APP", "Bidirectional", ""),
        ("TASK", "Bidirectional", ""),
    ),
    "OF": (
        ("CONT_COMP", "Microsoft Dynamics NAV to Outlook", "own"),
        ("CONT_PERS", "Microsoft Dynamics NAV to Outlook", "own"),
    ),
    "LT": (("TASK", "Bidirectional", ""),),
}


def addin_mailbox(salesperson: str) -> str:
    """The mailbox an add-in user's links point into: their salesperson's E-Mail, as the demo sets it."""
    return f"{salesperson.lower()}@contoso.com"


def addin_guid(*parts: object) -> str:
    """A Record GUID as NAV formats one, stable for the same parts (the demo is the same each time)."""
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "urn:graphsync:addin:" + ":".join(map(str, parts)))).upper() + "}"


def addin_entry_id(mailbox: str, folder: str, record_id: str) -> bytes:
    """The entry id the add-in recorded for a record's item in ``folder`` of ``mailbox`` (see `graphsync.mapi`)."""
    folder_id = hashlib.sha256(f"{mailbox}:{folder}".encode()).digest()[:22]
    message_id = hashlib.sha256(f"{mailbox}:{record_id}".encode()).digest()[:22]
    return mapi.message_entry_id(mapi.store_uid(mailbox), folder_id, message_id)


def load_addin_demo(nav: DemoTarget, *, meeting_no: str, task_no: str) -> None:
    """The add-in's tables as CRONUS left them (see above): setup, filters, fields, user setups, links to EH's
    meeting ``meeting_no`` and her contacts, and to LT's task ``task_no``."""
    nav.put_rows(
        NavTable.USER_SETUP,
        [
            {"User ID": user, "Salespers./Purch. Code": code, "E-Mail": f"{code.lower()}@contoso.com"}
            for user, code in ADDIN_USERS
        ],
    )
    entities = []
    filters = []
    for code, description, table_no, item in _ADDIN_ENTITIES:
        guid = addin_guid("entity", code)
        conditions = _ENTITY_CONDITIONS.get(code, ())
        table = schema.table_def(table_no)
        text = ",".join(f"{table.field(no).name}={kind}({value})" for no, kind, value in conditions)
        entities.append(
            {
                "Code": code,
                "Description": description,
                "Table No.": table_no,
                "Outlook Item": item,
                "Condition": f"WHERE({text})" if text else "",
                "Record GUID": guid,
            }
        )
        for line, (no, kind, value) in enumerate(conditions, start=1):
            filters.append(
                {
                    "Record GUID": guid,
                    "Filter Type": "Condition",
                    "Line No.": line * 10000,
                    "Table No.": table_no,
                    "Field No.": no,
                    "Type": kind,
                    "Value": value,
                }
            )
    nav.put_rows(NavTable.OUTLOOK_SYNCH_ENTITY, entities)
    nav.put_rows(
        NavTable.OUTLOOK_SYNCH_ENTITY_ELEMENT,
        [
            {
                "Synch. Entity Code": code,
                "Element No.": no,
                "Table No.": table_no,
                "Outlook Collection": collection,
                "Record GUID": addin_guid("element", code, no),
            }
            for code, no, table_no, collection in _ADDIN_ELEMENTS
        ],
    )
    fields = []
    for code, rows in _ADDIN_FIELDS.items():
        master = next(t for c, _, t, _ in _ADDIN_ENTITIES if c == code)
        item = next(i for c, _, _, i in _ADDIN_ENTITIES if c == code)
        for line, (prop, no, relation, user_defined, read_only, default) in enumerate(rows, start=1):
            fields.append(
                {
                    "Synch. Entity Code": code,
                    "Element No.": 0,
                    "Line No.": line * 10000,
                    "Master Table No.": master,
                    "Outlook Object": item,
                    "Outlook Property": prop,
                    "User-Defined": user_defined,
                    "Table No.": relation,
                    "Field No.": no,
                    "Read-Only Status": read_only,
                    "Field Default Value": default,
                    "Record GUID": addin_guid("field", code, line),
                }
            )
    nav.put_rows(NavTable.OUTLOOK_SYNCH_FIELD, fields)
    setups = []
    details = []
    for user, code in ADDIN_USERS:
        for entity, direction, condition in _USER_SETUPS[code]:
            guid = addin_guid("user setup", user, entity)
            setups.append(
                {
                    "User ID": user,
                    "Synch. Entity Code": entity,
                    "Condition": f"WHERE(Salesperson Code=CONST({code}))" if condition else "",
                    "Synch. Direction": direction,
                    "Last Synch. Time": nav_today_utc() - dt.timedelta(days=1),
                    "Record GUID": guid,
                }
            )
            if condition:
                filters.append(
                    {
                        "Record GUID": guid,
                        "Filter Type": "Condition",
                        "Line No.": 10000,
                        "Table No.": 5050,
                        "Field No.": 29,
                        "Type": "CONST",
                        "Value": code,
                    }
                )
            for element_entity, no, _, _ in _ADDIN_ELEMENTS:
                if element_entity == entity:
                    details.append(
                        {"User ID": user, "Synch. Entity Code": entity, "Element No.": no, "Table No.": 5199}
                    )
    nav.put_rows(NavTable.OUTLOOK_SYNCH_USER_SETUP, setups)
    nav.put_rows(NavTable.OUTLOOK_SYNCH_SETUP_DETAIL, details)
    nav.put_rows(NavTable.OUTLOOK_SYNCH_FILTER, filters)
    links = [("EH", "Contact", "Contacts", no) for no in ("CT100006", "CT200116", "CT200118")]
    links += [("EH", "To-do", "Calendar", meeting_no), ("LT", "To-do", "Tasks", task_no)]
    users = {code: user for user, code in ADDIN_USERS}
    link_rows = []
    for code, caption, folder, key in links:
        record_id = f"{caption}: {key}"
        entry = mapi.to_hex(addin_entry_id(addin_mailbox(code), folder, record_id))
        link_rows.append(
            {
                "User ID": users[code],
                "Record ID": record_id,
                "Outlook Entry ID": entry,
                "Outlook Entry ID Hash": hashlib.md5(entry.encode()).hexdigest().upper(),
                "Search Record ID": record_id,
                "Synchronization Date": nav_today_utc() - dt.timedelta(days=1),
            }
        )
    nav.put_rows(NavTable.OUTLOOK_SYNCH_LINK, link_rows)
