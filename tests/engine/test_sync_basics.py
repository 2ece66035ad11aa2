from __future__ import annotations

from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind
from tests.engine.conftest import World


async def test_nav_contact_becomes_outlook_contact_and_edits_flow_both_ways(world: World) -> None:
    no = world.company(**{"Phone No.": "1234567", "E-Mail": "info@gibson.example", "Territory Code": "EANG"})
    report = await world.sync()
    assert report.ok, report.errors
    item_id, data = world.contact_item(no)
    assert data["displayName"] == "A. Gibson's Law Firm"
    assert data["businessPhones"] == ["1234567"]
    assert data["emailAddresses"] == [{"address": "info@gibson.example"}]
    assert world.box.items[ItemKind.CONTACT][item_id].user_fields == {"Salesperson Code": "EH"}

    world.box.user_edit(ItemKind.CONTACT, item_id, {"businessPhones": ["7654321"]})
    report = await world.sync()
    assert report.ok
    assert world.nav.get(NavTable.CONTACT, (no,)).fields["Phone No."] == "7654321"  # type: ignore[union-attr]

    # The echo of graphsync's own NAV write is not an edit: nothing happens on the next run.
    report = await world.sync()
    assert report.items == ()


async def test_second_run_without_changes_does_nothing(world: World) -> None:
    world.company()
    await world.sync()
    writes = world.box.requests["write"]
    report = await world.sync()
    assert report.items == ()
    assert world.box.requests["write"] == writes


async def test_the_run_after_an_initial_load_does_not_read_back_what_it_created(world: World) -> None:
    nos = [world.company(f"Company {n}") for n in range(5)]
    assert (await world.sync()).ok
    gets = world.box.requests["get"]
    report = await world.sync()
    assert report.items == ()
    assert world.box.requests["get"] == gets  # the delta echoes carry the version written: nothing fetched
    # A person's edit after that still changes the version, and is taken.
    item_id, _ = world.contact_item(nos[0])
    world.box.user_edit(ItemKind.CONTACT, item_id, {"businessPhones": ["555"]})
    assert (await world.sync()).ok
    assert world.nav.get(NavTable.CONTACT, (nos[0],)).fields["Phone No."] == "555"  # type: ignore[union-attr]
