"""CRONUS demo data for a new embedded company: territories, salespeople, contacts and a few to-dos.

Names and codes are CRONUS UK's; addresses and phone numbers are made up in the same style. The to-dos are
dated relative to the day the company is made, so that they fall inside the sync window of a fresh demo.
Everything goes through `EmbeddedNav.insert`, so the demo data obeys the same rules as anything typed later.
Change logging for the synced tables is switched on afterwards, as an administrator would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Protocol

from graphsync.connectors.nav import NavRecord, NavTable, nav_today_utc
from graphsync.nav import schema


class DemoTarget(Protocol):
    """What the demo data is written through: `EmbeddedNav` (named by its methods, not imported, because
    `EmbeddedNav.create` loads the demo: the company module depends on this one, not the other way)."""

    def insert(self, table: NavTable, values: Mapping[str, object]) -> NavRecord: ...

    def set_change_logging(self, table: NavTable) -> None: ...


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
    for table in schema.SYNCED_TABLES:
        nav.set_change_logging(table)
