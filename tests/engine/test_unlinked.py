"""Delete policy ``unlink``: a record whose Outlook item a person deleted stays unlinked, whatever later run
reads it (a NAV edit, ``--full``, a changed map, a lost delta link), until a person asks for it back: the
Outlook item restored by hand, or ``graphsync state restore KEY``. And its neighbours: a one-way entity's
deletions, and a record that leaves the entity's condition and comes back."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from graphsync.config.entities import Condition, DeletePolicy, Direction, EntityName, FieldSpec
from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind
from graphsync.engine.unlinks import UnlinkReason
from tests.engine.conftest import World

SP_KEY = "13:EH"


def _entity(world: World, name: EntityName, **changes: object) -> None:
    world.entities = replace(
        world.entities, entities=tuple(replace(s, **changes) if s.name is name else s for s in world.entities)
    )


def _items(world: World, key: str) -> list[str]:
    return world.box.by_nav_key(ItemKind.CONTACT).get(key, [])


async def _salesperson_deleted_in_outlook(world: World) -> tuple[str, dict[str, Any]]:
    """The salesperson's contact deleted in Outlook and the deletion synced; its id and data as they were."""
    assert (await world.sync()).ok
    (item_id,) = _items(world, SP_KEY)
    data = copy.deepcopy(world.box.items[ItemKind.CONTACT][item_id].data)
    world.box.user_delete(ItemKind.CONTACT, item_id)
    report = await world.sync()
    assert report.ok, report.errors
    assert _items(world, SP_KEY) == []
    return item_id, data


async def test_an_unlinked_salesperson_stays_deleted_on_every_later_read(world: World) -> None:
    await _salesperson_deleted_in_outlook(world)
    box = world.store.mailbox(world.box.mailbox)
    (parked,) = box.unlinked.all()
    assert (parked.link.nav_key, parked.reason) == (SP_KEY, UnlinkReason.OUTLOOK_DELETED)

    world.nav.edit(NavTable.SALESPERSON, ("EH",), **{"Job Title": "Sales Manager"})  # a NAV edit
    assert (await world.sync()).items == ()
    assert (await world.sync(full=True)).items == ()  # sync --full
    world.box.expire_delta(ItemKind.CONTACT)  # a lost delta link: a full round
    assert (await world.sync()).items == ()
    territory = FieldSpec(nav=(15,), outlook="", user_defined=True, key="entities.CONT_COMP.fields[0]")
    world.entities = replace(  # a changed map: every contact read in full
        world.entities,
        entities=tuple(
            replace(s, fields=(*s.fields, territory)) if s.name is EntityName.CONT_COMP else s for s in world.entities
        ),
    )
    assert not [i for i in (await world.sync()).items if i.entity is EntityName.CONT_SP]
    assert _items(world, SP_KEY) == []
    assert world.nav.get(NavTable.SALESPERSON, ("EH",)) is not None
    assert [u.link.nav_key for u in box.unlinked.all()] == [SP_KEY]


async def test_a_dry_run_of_a_full_read_plans_no_create_for_an_unlinked_record(world: World) -> None:
    await _salesperson_deleted_in_outlook(world)
    report = await world.sync(full=True, dry_run=True)
    assert report.items == () and report.counts.get("outlook_create", 0) == 0


async def test_a_fresh_start_leaves_an_unlinked_record_out(world: World) -> None:
    # Only salespeople synced: with its one link gone, the kind has no link at all, and a full read of an
    # empty folder is a fresh start (every record created as it is read).
    for name in (EntityName.CONT_COMP, EntityName.CONT_PERS):
        _entity(world, name, enabled=False)
    await _salesperson_deleted_in_outlook(world)
    assert (await world.sync(full=True)).items == ()
    assert _items(world, SP_KEY) == []


async def test_restore_brings_an_unlinked_record_back_once(world: World) -> None:
    await _salesperson_deleted_in_outlook(world)
    box = world.store.mailbox(world.box.mailbox)
    with box.transaction():  # what `graphsync state restore 13:EH` does (tests/cli/test_state.py runs it)
        assert box.unlinked.drop([SP_KEY]) == 1
        box.retries.add("contact", [f"nav:{SP_KEY}"])
    report = await world.sync()
    assert report.ok and report.counts.get("outlook_create") == 1
    (item_id,) = _items(world, SP_KEY)
    assert box.unlinked.all() == [] and box.links.get(SP_KEY) is not None
    # Linked again: deleted again, it is unlinked again (the policy holds for it as for any other).
    world.box.user_delete(ItemKind.CONTACT, item_id)
    assert (await world.sync()).ok
    assert (await world.sync(full=True)).items == ()
    assert [u.link.nav_key for u in box.unlinked.all()] == [SP_KEY]


async def test_the_outlook_item_restored_by_hand_is_linked_again_with_its_base(world: World) -> None:
    item_id, data = await _salesperson_deleted_in_outlook(world)
    # The person takes the contact back out of Deleted Items: a new item, with its data and its stamp.
    restored = world.box.user_create(ItemKind.CONTACT, data)
    world.box.items[ItemKind.CONTACT][restored].nav_key = SP_KEY
    assert restored != item_id
    report = await world.sync()
    assert report.ok and report.items == (), report.items
    box = world.store.mailbox(world.box.mailbox)
    link = box.links.get(SP_KEY)
    assert link is not None and link.outlook_id == restored
    assert box.unlinked.all() == []
    # Linked with the base it had: an edit in NAV afterwards is an edit, not a conflict of unknown bases.
    world.nav.edit(NavTable.SALESPERSON, ("EH",), **{"Phone No.": "555 0100"})
    report = await world.sync()
    assert report.ok, (report.errors, report.conflicts)
    assert world.box.items[ItemKind.CONTACT][restored].data["businessPhones"] == ["555 0100"]


async def test_a_one_way_entity_unlinks_what_its_far_side_deleted_and_keeps_it_so(world: World) -> None:
    _entity(world, EntityName.CONT_COMP, direction=Direction.NAV_TO_OUTLOOK)
    no = world.company()
    assert (await world.sync()).ok
    (item_id,) = _items(world, f"5050:{no}")
    world.box.user_delete(ItemKind.CONTACT, item_id)
    assert (await world.sync()).ok
    assert world.nav.get(NavTable.CONTACT, (no,)) is not None  # NAV -> Outlook only: NAV keeps its record
    world.nav.edit(NavTable.CONTACT, (no,), **{"Phone No.": "1"})
    assert (await world.sync()).items == ()
    assert (await world.sync(full=True)).items == ()
    assert _items(world, f"5050:{no}") == []


async def test_a_record_back_in_scope_pairs_with_the_item_it_left_behind(world: World) -> None:
    """A record that leaves the entity's condition under ``unlink`` keeps its Outlook item; when it comes
    back, the next (incremental) run pairs it with that item instead of creating a second one."""
    _entity(
        world,
        EntityName.CONT_COMP,
        delete_policy=DeletePolicy.UNLINK,
        condition=(Condition("Territory Code", ("LND",)),),
    )
    no = world.company(**{"Territory Code": "LND"})
    assert (await world.sync()).ok
    (item_id,) = _items(world, f"5050:{no}")
    world.nav.edit(NavTable.CONTACT, (no,), **{"Territory Code": "EANG"})
    assert (await world.sync()).ok
    assert _items(world, f"5050:{no}") == [item_id]  # left alone, unlinked
    world.nav.edit(NavTable.CONTACT, (no,), **{"Territory Code": "LND", "Phone No.": "777"})
    report = await world.sync()
    assert report.ok, report.errors
    assert _items(world, f"5050:{no}") == [item_id]  # paired again, not duplicated
    assert world.box.items[ItemKind.CONTACT][item_id].data["businessPhones"] == ["777"]
    assert world.store.mailbox(world.box.mailbox).unlinked.all() == []


async def test_forget_keeps_unlinks_and_a_rollback_forgets_them(world: World) -> None:
    await _salesperson_deleted_in_outlook(world)
    box = world.store.mailbox(world.box.mailbox)
    removed = box.forget()
    assert "unlinked" not in removed
    assert (await world.sync()).ok  # a first run again: every contact paired by its stamp, EH left out
    assert _items(world, SP_KEY) == []
    assert box.forget(history=True)["unlinked"] == 1
    assert box.unlinked.all() == []


async def test_lost_state_recreates_an_unlinked_record(world: World) -> None:
    """The documented limit: the state store is what remembers an unlink. Without it, nothing tells the
    record apart from one never synced, and the item is made again."""
    await _salesperson_deleted_in_outlook(world)
    world.lose_state()
    assert (await world.sync()).ok
    assert len(_items(world, SP_KEY)) == 1


async def test_a_nav_deletion_under_unlink_keeps_the_outlook_item_through_full_reads(world: World) -> None:
    _entity(world, EntityName.CONT_COMP, delete_policy=DeletePolicy.UNLINK)
    no = world.company()
    assert (await world.sync()).ok
    (item_id,) = _items(world, f"5050:{no}")
    world.nav.delete(NavTable.CONTACT, (no,), if_match="*")
    assert (await world.sync()).ok
    world.box.user_edit(ItemKind.CONTACT, item_id, {"businessPhones": ["555"]})  # still the person's contact
    assert (await world.sync(full=True)).items == ()
    assert _items(world, f"5050:{no}") == [item_id]
    assert world.nav.get(NavTable.CONTACT, (no,)) is None
    assert list(world.nav.find(NavTable.CONTACT, {"Name": "A. Gibson's Law Firm"})) == []


async def test_never_recreates_once_and_a_full_read_makes_no_second_item(world: World) -> None:
    _entity(world, EntityName.CONT_COMP, delete_policy=DeletePolicy.NEVER)
    no = world.company()
    assert (await world.sync()).ok
    (first,) = _items(world, f"5050:{no}")
    world.box.user_delete(ItemKind.CONTACT, first)
    assert (await world.sync()).ok
    (again,) = _items(world, f"5050:{no}")
    assert again != first
    assert (await world.sync(full=True)).items == ()
    world.box.expire_delta(ItemKind.CONTACT)
    assert (await world.sync()).items == ()
    assert _items(world, f"5050:{no}") == [again]
    assert world.store.mailbox(world.box.mailbox).unlinked.all() == []
