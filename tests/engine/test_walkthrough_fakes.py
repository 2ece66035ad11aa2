"""The seed's walkthrough, on the fakes (the integrator runs it again on the real pieces)."""

from __future__ import annotations

import datetime as dt

from graphsync.config.entities import EntityName, FieldSpec
from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind
from graphsync.engine.conflicts import list_conflicts, resolve, show_conflict
from graphsync.engine.plan import Side
from tests.engine.conftest import DAY, World

LATER = DAY + dt.timedelta(days=2)


def _event(world: World, todo: str) -> tuple[str, dict]:  # type: ignore[type-arg]
    (item_id,) = world.box.by_nav_key(ItemKind.EVENT)[f"5080:{todo}"]
    return item_id, world.box.items[ItemKind.EVENT][item_id].data


async def test_meeting_becomes_event_with_category_and_invited_contact(world: World) -> None:
    contact = world.company(**{"E-Mail": "adatum@gibson.example"})
    todo = world.meeting(contact)  # NAV adds the organizer and the contact, invited: it has an address
    report = await world.sync()
    assert report.ok, report.errors
    _, event = _event(world, todo)
    assert event["subject"] == "discuss proposal"
    assert event["categories"] == ["Dynamics NAV"]
    assert event["start"] == {"dateTime": f"{DAY}T10:00:00.0000000", "timeZone": "UTC"}
    assert event["attendees"] == [{"type": "required", "emailAddress": {"address": "adatum@gibson.example"}}]
    assert world.box.invitations == {"adatum@gibson.example": 1}


async def test_attendee_without_send_invitation_is_listed_in_the_body_not_invited(world: World) -> None:
    contact = world.company(**{"E-Mail": "adatum@gibson.example"})
    todo = world.meeting(contact)
    world.send_invitation(todo, contact, False)
    await world.sync()
    _, event = _event(world, todo)
    assert event["attendees"] == []
    assert "A. Gibson's Law Firm (Contact " in event["body"]["content"]
    assert world.box.invitations == {}


async def test_event_moved_in_outlook_moves_the_todo_and_never_reinvites(world: World) -> None:
    contact = world.company(**{"E-Mail": "adatum@gibson.example"})
    todo = world.meeting(contact)  # NAV adds the organizer and the contact, invited: it has an address
    await world.sync()
    item_id, _ = _event(world, todo)
    world.box.user_edit(
        ItemKind.EVENT,
        item_id,
        {
            "start": {"dateTime": f"{LATER}T10:00:00.0000000", "timeZone": "UTC"},
            "end": {"dateTime": f"{LATER}T11:00:00.0000000", "timeZone": "UTC"},
        },
    )
    report = await world.sync()
    assert report.ok, report.errors
    record = world.nav.get(NavTable.TODO, (todo,))
    assert record is not None
    assert record.fields["Date"] == LATER
    assert record.fields["Ending Date"] == LATER
    # NAV edits a field other than the attendees: the PATCH leaves attendees out, no second invitation.
    world.nav.edit(NavTable.TODO, (todo,), Location="Room 2")
    await world.sync()
    world.box.expire_delta(ItemKind.EVENT)
    await world.sync()
    await world.sync(full=True)
    _, event = _event(world, todo)
    assert event["location"] == {"displayName": "Room 2"}
    assert world.box.invitations == {"adatum@gibson.example": 1}


async def test_manual_conflict_shows_the_one_field_and_resolving_keeps_nav(world: World) -> None:
    no = world.company(**{"Phone No.": "1111111"})
    await world.sync()
    item_id, _ = world.contact_item(no)
    world.nav.edit(NavTable.CONTACT, (no,), **{"Phone No.": "1234567", "City": "London"})
    world.box.user_edit(ItemKind.CONTACT, item_id, {"businessPhones": ["1224567"], "jobTitle": "x"})
    report = await world.sync()
    assert not report.ok and len(report.conflicts) == 1
    (conflict,) = list_conflicts(world.store, "eh@contoso.com")
    assert [(f.field, f.nav, f.outlook, f.base) for f in conflict.fields] == [
        ("businessPhones[0]", "1234567", "1224567", "1111111")
    ]
    # The other field still merged.
    assert world.box.items[ItemKind.CONTACT][item_id].data["businessAddress"]["city"] == "London"
    assert show_conflict(world.store, "eh@contoso.com", f"5050:{no}") == conflict

    resolve(world.store, "eh@contoso.com", keep=Side.NAV)
    report = await world.sync()
    assert report.ok, report
    assert world.box.items[ItemKind.CONTACT][item_id].data["businessPhones"] == ["1234567"]
    assert list_conflicts(world.store, "eh@contoso.com") == []
    assert world.nav.get(NavTable.CONTACT, (no,)).fields["Phone No."] == "1234567"  # type: ignore[union-attr]


async def test_user_defined_territory_reaches_linked_items_and_flows_back(world: World) -> None:
    old = world.company("Old Company", **{"Territory Code": "LND"})
    await world.sync()
    spec = world.entities.get(EntityName.CONT_COMP)
    added = FieldSpec(nav=(15,), outlook="", user_defined=True, key="entities.CONT_COMP.fields[0]")
    from dataclasses import replace

    world.entities = replace(
        world.entities,
        entities=tuple(
            replace(s, fields=(*s.fields, added)) if s.name is EntityName.CONT_COMP else s for s in world.entities
        ),
    )
    del spec
    new = world.company("New Company", **{"Territory Code": "EANG"})
    report = await world.sync()
    assert report.ok, report.errors
    new_id, _ = world.contact_item(new)
    old_id, _ = world.contact_item(old)
    assert world.box.items[ItemKind.CONTACT][new_id].user_fields == {"Salesperson Code": "EH", "Territory Code": "EANG"}
    assert world.box.items[ItemKind.CONTACT][old_id].user_fields["Territory Code"] == "LND"

    world.box.user_edit(ItemKind.CONTACT, new_id, {}, **{"Territory Code": "MID"})
    report = await world.sync()
    assert report.ok, report.errors
    assert world.nav.get(NavTable.CONTACT, (new,)).fields["Territory Code"] == "MID"  # type: ignore[union-attr]


async def test_all_day_meeting_round_trips_without_echoes(world: World) -> None:
    contact = world.company()
    todo = world.meeting(contact, **{"All Day Event": True, "Start Time": None, "Ending Time": None})
    assert (await world.sync()).ok
    item_id, event = _event(world, todo)
    assert event["isAllDay"] is True
    assert event["end"] == {"dateTime": f"{DAY + dt.timedelta(days=1)}T00:00:00.0000000", "timeZone": "UTC"}
    assert (await world.sync()).items == ()
    world.nav.edit(
        NavTable.TODO, (todo,), **{"All Day Event": False, "Start Time": dt.time(9), "Ending Time": dt.time(10)}
    )
    assert (await world.sync()).ok
    event = world.box.items[ItemKind.EVENT][item_id].data
    assert (event["isAllDay"], event["start"]["dateTime"]) == (False, f"{DAY}T09:00:00.0000000")
    assert (await world.sync()).items == ()
