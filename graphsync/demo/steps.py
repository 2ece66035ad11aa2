"""The seed's walkthrough as steps a person can watch: each step acts like a NAV user or an Outlook user,
syncs, and reports what it did and what a person would now see — and checks it, so that a demo that
prints "done" has really done it (`DemoCheckError` otherwise).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind
from graphsync.demo.world import DemoWorld
from graphsync.errors import GraphsyncError
from graphsync.runtime import Conflict, RunReport, Side, list_conflicts, property_id, resolve

CONTACT_NO = "CT100006"
USER_FIELDS = ("Salesperson Code", "Territory Code")


class DemoCheckError(GraphsyncError):
    """A demo step did not lead to what it should have: graphsync is broken, not the user's setup."""

    def __init__(self, *, step: str, expected: str, got: object) -> None:
        self.step = step
        self.expected = expected
        self.got = got
        super().__init__(f"{step}: expected {expected}, got {got!r}")


@dataclass(frozen=True)
class Step:
    title: str
    did: tuple[str, ...]
    """What the step did, as a person would say it."""
    seen: tuple[tuple[str, str], ...]
    """What a person would now see: (where, what) pairs."""
    report: RunReport | None = None
    conflict: Conflict | None = None


def _check(step: str, ok: bool, expected: str, got: object) -> None:
    if not ok:
        raise DemoCheckError(step=step, expected=expected, got=got)


def _ok(step: str, report: RunReport) -> RunReport:
    _check(step, not report.errors, "a sync without item errors", [e.message for e in report.errors])
    return report


def _when(value: Mapping[str, Any]) -> str:
    return f"{value['dateTime'][:16].replace('T', ' ')} ({value['timeZone']})"


async def initial_sync(world: DemoWorld) -> Step:
    report = _ok("first sync", await world.sync())
    folder = (await world.mailbox.provision()).contact_folder_id
    contacts = await world.outlook("GET", f"/me/contactFolders/{folder}/contacts", params={"$top": "100"})
    names = sorted(c.get("displayName", "") for c in contacts["value"])
    _check("first sync", len(names) > 0, "contacts in the Dynamics NAV folder", names)
    return Step(
        title="First sync: NAV's contacts and salespeople into Ester Henderson's mailbox",
        did=(
            f"Created the embedded CRONUS company in {world.nav.path}",
            f"Opened the Graph sandbox's mailboxes in {world.config.graph.sandbox_data}",
            f"Synced mailbox {world.target.upn} (salesperson {world.salesperson})",
        ),
        seen=(("Outlook, contact folder 'Dynamics NAV'", ", ".join(names)),),
        report=report,
    )


async def meeting_to_event(world: DemoWorld) -> tuple[Step, str, str]:
    """Returns the step, the to-do's number and the event's id."""
    today = dt.date.today()
    todo = world.nav.insert(
        NavTable.TODO,
        {
            "Type": "Meeting",
            "Contact No.": CONTACT_NO,
            "Salesperson Code": world.salesperson,
            "Description": "discuss proposal",
            "Date": today,
            "Start Time": dt.time(14, 0),
            "Duration": 60 * 60_000,
        },
    )
    no = str(todo.key[0])
    report = _ok("meeting", await world.sync())
    found = await world.mailbox.find_by_nav_key(ItemKind.EVENT, f"5080:{no}")
    _check("meeting", found is not None, f"an event for to-do {no}", None)
    assert found is not None
    event = await world.outlook("GET", f"/me/events/{found.id}")
    contact = world.nav.get(NavTable.CONTACT, (CONTACT_NO,))
    mail = str(contact.fields["E-Mail"]) if contact else ""
    attendees = [a["emailAddress"]["address"] for a in event.get("attendees", [])]
    _check("meeting", event["subject"] == "discuss proposal", "subject 'discuss proposal'", event["subject"])
    _check("meeting", world.config.sync.category in event["categories"], "the Dynamics NAV category", event)
    _check("meeting", mail.lower() in [a.lower() for a in attendees], f"{mail} among the attendees", attendees)
    requests = [r for r in world.sandbox.meeting_requests if r.event_id == found.id]
    return (
        Step(
            title="A meeting to-do in NAV becomes an Outlook event",
            did=(f"NAV: created Meeting to-do {no} for {CONTACT_NO}, today 14:00, 'discuss proposal'", "Synced"),
            seen=(
                ("Outlook calendar", f"'{event['subject']}' {_when(event['start'])} - {_when(event['end'])}"),
                ("Categories", ", ".join(event["categories"])),
                ("Attendees", ", ".join(attendees)),
                ("Meeting requests sent", ", ".join(f"{r.attendee} ({r.reason.value})" for r in requests) or "none"),
            ),
            report=report,
        ),
        no,
        found.id,
    )


async def move_event(world: DemoWorld, todo_no: str, event_id: str) -> Step:
    day = dt.date.today() + dt.timedelta(days=1)
    event = await world.outlook("GET", f"/me/events/{event_id}")
    start_time = event["start"]["dateTime"][11:19]
    end_time = event["end"]["dateTime"][11:19]
    zone = event["start"]["timeZone"]
    await world.outlook(
        "PATCH",
        f"/me/events/{event_id}",
        body={
            "start": {"dateTime": f"{day}T{start_time}", "timeZone": zone},
            "end": {"dateTime": f"{day}T{end_time}", "timeZone": zone},
        },
    )
    report = _ok("move", await world.sync())
    todo = world.nav.get(NavTable.TODO, (todo_no,))
    contact = world.nav.get(NavTable.CONTACT, (CONTACT_NO,))
    got_date = todo.fields["Date"] if todo else None
    next_date = contact.fields.get("Next To-do Date") if contact else None
    _check("move", got_date == day, f"to-do {todo_no} dated {day}", got_date)
    _check("move", next_date == day, f"{CONTACT_NO}'s Next To-do Date {day}", next_date)
    return Step(
        title="The event moved in Outlook: NAV's to-do follows",
        did=(f"Outlook: moved 'discuss proposal' to {day}", "Synced"),
        seen=(
            (f"NAV to-do {todo_no}, Date", str(got_date)),
            (f"NAV contact {CONTACT_NO}, Next To-do Date", str(next_date)),
        ),
        report=report,
    )


async def phone_conflict(world: DemoWorld) -> tuple[Step, Step]:
    """Both sides change the phone number differently: a conflict; then resolved keeping NAV."""
    found = await world.mailbox.find_by_nav_key(ItemKind.CONTACT, f"5050:{CONTACT_NO}")
    _check("conflict", found is not None, f"the Outlook contact of {CONTACT_NO}", None)
    assert found is not None
    world.nav.modify(NavTable.CONTACT, (CONTACT_NO,), {"Phone No.": "1234567"}, if_match="*")
    await world.outlook("PATCH", f"/me/contacts/{found.id}", body={"businessPhones": ["1224567"]})
    report = _ok("conflict", await world.sync())
    conflicts = [c for c in list_conflicts(world.store, world.target.upn) if c.nav_key == f"5050:{CONTACT_NO}"]
    _check("conflict", len(conflicts) == 1, "one conflict for the contact", conflicts)
    conflict = conflicts[0]
    differing = [(f.field, f.nav, f.outlook) for f in conflict.fields]
    _check(
        "conflict", differing == [("businessPhones[0]", "1234567", "1224567")], "only the phone differing", differing
    )
    first = Step(
        title="Both sides changed the phone number: a conflict for a person to review",
        did=("NAV: Phone No. = 1234567", "Outlook: business phone = 1224567", "Synced (conflict policy: manual)"),
        seen=(("graphsync conflicts list", f"1 open conflict: {conflict.nav_key}"),),
        report=report,
        conflict=conflict,
    )
    resolve(world.store, world.target.upn, keep=Side.NAV, nav_keys=[conflict.nav_key])
    report = _ok("resolve", await world.sync())
    contact = await world.outlook("GET", f"/me/contacts/{found.id}")
    _check("resolve", contact["businessPhones"] == ["1234567"], "Outlook showing 1234567", contact["businessPhones"])
    left = list_conflicts(world.store, world.target.upn)
    _check("resolve", not left, "no open conflicts", left)
    second = Step(
        title="Resolved keeping NAV",
        did=(f"graphsync conflicts resolve {conflict.nav_key} --keep nav", "Synced"),
        seen=(("Outlook contact, business phone", ", ".join(contact["businessPhones"])),),
        report=report,
    )
    return first, second


def _user_fields(contact: Mapping[str, Any]) -> dict[str, str]:
    by_id = {p["id"].lower(): p["value"] for p in contact.get("singleValueExtendedProperties", [])}
    return {name: by_id[property_id(name).lower()] for name in USER_FIELDS if property_id(name).lower() in by_id}


async def territory_field(world: DemoWorld) -> Step:
    await world.append_config("[[entities.CONT_COMP.fields]]\nnav = 15  # Territory Code\nuser_defined = true\n")
    company = world.nav.insert(
        NavTable.CONTACT,
        {"Type": "Company", "Name": "Proseware, Inc.", "Territory Code": "EANG", "Salesperson Code": "EH"},
    )
    key = f"5050:{company.key[0]}"
    report = _ok("territory", await world.sync())
    found = await world.mailbox.find_by_nav_key(ItemKind.CONTACT, key)
    _check("territory", found is not None, f"an Outlook contact for {company.key[0]}", None)
    assert found is not None
    expand = (
        "singleValueExtendedProperties($filter=" + " or ".join(f"id eq '{property_id(n)}'" for n in USER_FIELDS) + ")"
    )
    contact = await world.outlook("GET", f"/me/contacts/{found.id}", params={"$expand": expand})
    stored = _user_fields(contact)
    _check("territory", stored == {"Salesperson Code": "EH", "Territory Code": "EANG"}, "both codes", stored)
    # A person (or an Outlook form) edits the property in Outlook.
    await world.outlook(
        "PATCH",
        f"/me/contacts/{found.id}",
        body={"singleValueExtendedProperties": [{"id": property_id("Territory Code"), "value": "LND"}]},
    )
    back = _ok("territory", await world.sync())
    record = world.nav.get(NavTable.CONTACT, company.key)
    territory = record.fields["Territory Code"] if record else None
    _check("territory", territory == "LND", "NAV's Territory Code LND", territory)
    return Step(
        title="Territory Code (field 15) as a user-defined field, both ways",
        did=(
            "Config: [[entities.CONT_COMP.fields]] nav = 15, user_defined = true (no code)",
            f"NAV: new company {company.key[0]} 'Proseware, Inc.', territory EANG",
            "Synced",
            "Outlook: Territory Code changed to LND on the contact",
            "Synced",
        ),
        seen=(
            ("Outlook contact, extended properties", ", ".join(f"{k} = {v}" for k, v in stored.items())),
            (f"NAV contact {company.key[0]}, Territory Code", str(territory)),
        ),
        report=back if back.items else report,
    )


def invitations_sent_once(world: DemoWorld) -> Step:
    """No attendee got the same meeting request twice for an unchanged meeting."""
    seen: dict[tuple[str, str, str], int] = {}
    for r in world.sandbox.meeting_requests:
        if r.reason.value == "invitation":
            k = (r.event_id, r.attendee, r.reason.value)
            seen[k] = seen.get(k, 0) + 1
    repeated = {k: n for k, n in seen.items() if n > 1}
    _check("invitations", not repeated, "no attendee invited twice", repeated)
    return Step(
        title="Invitations are real e-mail: none was sent twice",
        did=("Counted the meeting requests the sandbox recorded",),
        seen=(("Meeting requests", f"{len(world.sandbox.meeting_requests)} in all, no invitation repeated"),),
    )


async def conflict_left_for_you(world: DemoWorld) -> Step:
    """A second conflict, left open, so that the folder's first commands (README's: sync, status, conflicts
    list / show / resolve) have something to do: the home page changed differently on both sides."""
    found = await world.mailbox.find_by_nav_key(ItemKind.CONTACT, f"5050:{CONTACT_NO}")
    _check("left for you", found is not None, f"the Outlook contact of {CONTACT_NO}", None)
    assert found is not None
    world.nav.modify(NavTable.CONTACT, (CONTACT_NO,), {"Home Page": "gibson.example/nav"}, if_match="*")
    await world.outlook("PATCH", f"/me/contacts/{found.id}", body={"businessHomePage": "gibson.example/new"})
    report = _ok("left for you", await world.sync())
    key = f"5050:{CONTACT_NO}"
    conflicts = [c for c in list_conflicts(world.store, world.target.upn) if c.nav_key == key]
    _check("left for you", len(conflicts) == 1, "one open conflict for the contact", conflicts)
    return Step(
        title="Left for you: a conflict to resolve in the folder",
        did=(
            "NAV: Home Page = gibson.example/nav",
            "Outlook: home page = gibson.example/new",
            "Synced",
        ),
        seen=(
            ("graphsync conflicts list", f"1 open conflict: {key}"),
            ("Next", f"graphsync conflicts show {key}, then graphsync conflicts resolve {key} --keep nav|outlook"),
        ),
        report=report,
        conflict=conflicts[0],
    )
