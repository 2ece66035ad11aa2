"""Echoes on the fakes: a NAV change at the ETag graphsync recorded is its own write and needs no Outlook read,
but only when nothing else could have changed the item since: a meeting's attendees (outside the to-do's
ETag), an Outlook edit in the same round, an item left dirty. Counted end to end over HTTP in
test_echoes_sandbox.py."""

from __future__ import annotations

from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind
from tests.engine.conftest import World


def _only(world: World, kind: ItemKind, key: str) -> str:
    (item_id,) = world.box.by_nav_key(kind)[key]
    return item_id


async def _outlook_edit_synced(world: World) -> tuple[str, str]:
    no = world.company(**{"Phone No.": "1"})
    assert (await world.sync()).ok
    item_id = _only(world, ItemKind.CONTACT, f"5050:{no}")
    world.box.user_edit(ItemKind.CONTACT, item_id, {"businessPhones": ["2"]})
    assert (await world.sync()).ok
    record = world.nav.get(NavTable.CONTACT, (no,))
    assert record is not None and record.fields["Phone No."] == "2"
    return no, item_id


async def test_the_run_after_an_outlook_to_nav_edit_fetches_nothing(world: World) -> None:
    await _outlook_edit_synced(world)
    fetches = world.box.requests["get"]
    report = await world.sync()
    assert report.items == () and world.box.requests["get"] == fetches


async def test_an_outlook_edit_in_the_echo_round_is_still_taken(world: World) -> None:
    no, item_id = await _outlook_edit_synced(world)
    world.box.user_edit(ItemKind.CONTACT, item_id, {"mobilePhone": "07700"})  # NAV's side: still the echo
    assert (await world.sync()).ok
    record = world.nav.get(NavTable.CONTACT, (no,))
    assert record is not None and record.fields["Mobile Phone No."] == "07700"


async def test_a_nav_edit_after_graphsyncs_write_is_taken(world: World) -> None:
    no, item_id = await _outlook_edit_synced(world)
    world.nav.edit(NavTable.CONTACT, (no,), City="Reading")
    assert (await world.sync()).ok
    assert world.box.items[ItemKind.CONTACT][item_id].data["businessAddress"]["city"] == "Reading"


async def test_an_attendee_added_after_graphsyncs_write_reaches_the_event(world: World) -> None:
    """The to-do's ETag does not cover its Attendee rows: a meeting read again for its attendees is not an
    echo, even when the to-do itself is exactly as graphsync wrote it."""
    host = world.company("Cannon Group PLC")  # no e-mail address: NAV makes it an attendee, never invited
    todo = world.meeting(host)
    assert (await world.sync()).ok
    item_id = _only(world, ItemKind.EVENT, f"5080:{todo}")
    world.box.user_edit(ItemKind.EVENT, item_id, {"subject": "discuss the contract"})
    assert (await world.sync()).ok  # written to the to-do: its ETag recorded
    guest = world.company(**{"E-Mail": "adatum@gibson.example"})
    world.attendee(todo, guest)  # and now, in NAV, an attendee only: a row of table 5199, the to-do untouched
    assert (await world.sync()).ok
    event = world.box.items[ItemKind.EVENT][item_id].data
    assert event["subject"] == "discuss the contract"
    assert event["attendees"] == [{"type": "required", "emailAddress": {"address": "adatum@gibson.example"}}]


async def test_an_unlinked_tombstone_is_not_looked_up(world: World) -> None:
    no = world.company()
    assert (await world.sync()).ok
    world.nav.delete(NavTable.CONTACT, (no,), if_match="*")
    assert (await world.sync()).ok  # graphsync deletes the Outlook item and drops the link
    fetches = world.box.requests["get"]
    assert (await world.sync()).items == ()
    assert world.box.requests["get"] == fetches
