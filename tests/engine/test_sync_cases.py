"""Runner behaviours: creates from Outlook, deletes and their policies, the guard, dry runs, the lock,
lost Graph state and lost local state, crashes at every write."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from graphsync.cli import messages
from graphsync.config.entities import DeletePolicy, EntityName
from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind
from graphsync.engine.guard import MassDeleteError
from graphsync.engine.plan import Op
from graphsync.engine.status import mailbox_status
from graphsync.errors import LockHeldError
from tests.engine.conftest import World
from tests.fakes.nav import SimulatedCrash

BOX = "eh@contoso.com"


def _policy(world: World, name: EntityName, policy: DeletePolicy) -> None:
    world.entities = replace(
        world.entities,
        entities=tuple(replace(s, delete_policy=policy) if s.name is name else s for s in world.entities),
    )


def _contacts(world: World) -> dict[str, list[str]]:
    """Outlook contacts of NAV contacts (the salesperson EH is synced too, as CONT_SP)."""
    return {k: v for k, v in world.box.by_nav_key(ItemKind.CONTACT).items() if k.startswith("5050:")}


async def test_outlook_contacts_become_nav_company_or_person_and_get_stamped(world: World) -> None:
    company_id = world.box.user_create(ItemKind.CONTACT, {"displayName": "Fabrikam", "businessPhones": ["555"]})
    person_id = world.box.user_create(
        ItemKind.CONTACT, {"displayName": "Ann Lee", "givenName": "Ann", "surname": "Lee"}
    )
    report = await world.sync()
    assert report.ok, report.errors
    companies = list(world.nav.find(NavTable.CONTACT, {"Type": "Company"}))
    persons = list(world.nav.find(NavTable.CONTACT, {"Type": "Person"}))
    assert [c.fields["Name"] for c in companies] == ["Fabrikam"]
    assert [(p.fields["First Name"], p.fields["Surname"]) for p in persons] == [("Ann", "Lee")]
    assert companies[0].fields["Phone No."] == "555"
    stamps = world.box.items[ItemKind.CONTACT]
    assert stamps[company_id].nav_key == f"5050:{companies[0].key[0]}"
    assert stamps[person_id].nav_key == f"5050:{persons[0].key[0]}"
    assert not (await world.sync()).items  # echoes of both writes are nothing


async def test_outlook_task_becomes_owners_todo(world: World) -> None:
    world.box.user_create(ItemKind.TASK, {"title": "Call back", "importance": "high", "status": "notStarted"})
    report = await world.sync()
    assert report.ok, report.errors
    (todo,) = list(world.nav.find(NavTable.TODO, {}))
    assert todo.fields["Description"] == "Call back"
    assert todo.fields["Priority"] == "High"
    assert todo.fields["Salesperson Code"] == "EH"
    assert todo.fields["System To-do Type"] == "Organizer"
    assert todo.fields["Date"] == dt.datetime.now(dt.UTC).date()  # NAV needs one; the task had none


async def test_outlook_task_with_a_due_date_starts_on_it(world: World) -> None:
    due = {"dateTime": "2026-12-03T00:00:00.0000000", "timeZone": "UTC"}
    world.box.user_create(ItemKind.TASK, {"title": "Call back", "dueDateTime": due})
    assert (await world.sync()).ok
    (todo,) = list(world.nav.find(NavTable.TODO, {}))
    assert todo.fields["Date"] == todo.fields["Ending Date"] == dt.date(2026, 12, 3)
    # NAV's start date goes back to To Do in the same run (with the stamp), so the next run has nothing to do.
    (task,) = world.box.items[ItemKind.TASK].values()
    assert task.data["startDateTime"]["dateTime"].startswith("2026-12-03")
    assert task.nav_key == f"5080:{todo.key[0]}"
    assert (await world.sync()).items == ()


async def test_delete_in_outlook_deletes_in_nav_and_refusal_is_an_item_error(world: World) -> None:
    keep = world.company("Busy")
    gone = world.company("Idle")
    world.meeting(keep)
    await world.sync()
    world.box.user_delete(ItemKind.CONTACT, _contacts(world)[f"5050:{keep}"][0])
    world.box.user_delete(ItemKind.CONTACT, _contacts(world)[f"5050:{gone}"][0])
    report = await world.sync()
    assert world.nav.get(NavTable.CONTACT, (gone,)) is None
    assert world.nav.get(NavTable.CONTACT, (keep,)) is not None
    (error,) = report.errors
    assert error.error == "NavRefusedError" and error.nav_key == f"5050:{keep}"
    status = mailbox_status(world.store, BOX)
    assert [e.error for e in status.last_errors] == ["NavRefusedError"]


async def test_delete_in_nav_deletes_outlook_item(world: World) -> None:
    no = world.company()
    await world.sync()
    world.nav.delete(NavTable.CONTACT, (no,), if_match="*")
    report = await world.sync()
    assert report.ok
    assert f"5050:{no}" not in _contacts(world)
    assert mailbox_status(world.store, BOX).links.get("CONT_COMP", 0) == 0


async def test_unlink_policy_keeps_the_other_side(world: World) -> None:
    _policy(world, EntityName.CONT_COMP, DeletePolicy.UNLINK)
    no = world.company()
    await world.sync()
    world.box.user_delete(ItemKind.CONTACT, _contacts(world)[f"5050:{no}"][0])
    await world.sync()
    assert world.nav.get(NavTable.CONTACT, (no,)) is not None
    assert mailbox_status(world.store, BOX).links.get("CONT_COMP", 0) == 0


async def test_never_policy_recreates_what_outlook_deleted(world: World) -> None:
    _policy(world, EntityName.CONT_COMP, DeletePolicy.NEVER)
    no = world.company()
    await world.sync()
    first = _contacts(world)[f"5050:{no}"][0]
    world.box.user_delete(ItemKind.CONTACT, first)
    await world.sync()
    (again,) = _contacts(world)[f"5050:{no}"]
    assert again != first


async def test_mass_delete_guard_refuses_and_writes_nothing_unless_allowed(world: World) -> None:
    numbers = [world.company(f"Company {i}") for i in range(15)]
    await world.sync()
    for no in numbers[:12]:
        world.nav.delete(NavTable.CONTACT, (no,), if_match="*")
    with pytest.raises(MassDeleteError) as refused:
        await world.sync()
    assert refused.value.entity is EntityName.CONT_COMP and refused.value.deletes == 12
    assert "--allow-mass-delete" in messages.render(refused.value) and messages.exit_code(refused.value) == 1
    assert len(_contacts(world)) == 15
    report = await world.sync(allow_mass_delete=True)
    assert report.ok and len(_contacts(world)) == 3


async def test_dry_run_plans_and_writes_nothing(world: World) -> None:
    no = world.company(**{"Phone No.": "1"})
    report = await world.sync(dry_run=True)
    assert {(i.nav_key, i.plan.outlook.op) for i in report.items} == {(f"5050:{no}", Op.CREATE), ("13:EH", Op.CREATE)}
    assert world.box.items[ItemKind.CONTACT] == {}
    assert world.store.mailbox(BOX).runs.recent() == []
    await world.sync()
    world.nav.edit(NavTable.CONTACT, (no,), **{"Phone No.": "2"})
    report = await world.sync(dry_run=True)
    (item,) = report.items
    assert [(c.field, c.old, c.new) for c in item.plan.outlook.changes] == [("businessPhones[0]", "1", "2")]
    assert world.box.items[ItemKind.CONTACT][_contacts(world)[f"5050:{no}"][0]].data["businessPhones"] == ["1"]


async def test_second_run_on_a_locked_mailbox_is_refused(world: World) -> None:
    with world.store.mailbox(BOX).lock.held(), pytest.raises(LockHeldError) as held:
        await world.sync()
    assert held.value.mailbox == BOX
    assert (await world.sync()).ok  # released


async def test_expired_delta_link_reconciles_without_duplicates(world: World) -> None:
    numbers = [world.company(f"C{i}") for i in range(5)]
    await world.sync()
    world.box.expire_delta(ItemKind.CONTACT)
    world.nav.edit(NavTable.CONTACT, (numbers[0],), City="Leeds")
    report = await world.sync()
    assert report.ok
    assert all(len(ids) == 1 for ids in _contacts(world).values()) and len(_contacts(world)) == 5


async def test_lost_local_state_is_rebuilt_from_stamped_keys(world: World) -> None:
    numbers = [world.company(f"C{i}") for i in range(5)]
    await world.sync()
    world.lose_state()
    report = await world.sync()
    assert report.ok, report
    assert len(_contacts(world)) == 5 and all(len(v) == 1 for v in _contacts(world).values())
    assert mailbox_status(world.store, BOX).links["CONT_COMP"] == 5
    world.nav.edit(NavTable.CONTACT, (numbers[1],), City="York")
    await world.sync()
    item = world.box.items[ItemKind.CONTACT][_contacts(world)[f"5050:{numbers[1]}"][0]]
    assert item.data["businessAddress"]["city"] == "York"


@pytest.mark.parametrize("crash_at", [1, 2, 3, 4])
async def test_crash_during_outlook_creates_never_duplicates(world: World, crash_at: int) -> None:
    for i in range(4):
        world.company(f"C{i}")
    world.box.crash_after_ops = crash_at
    with pytest.raises(SimulatedCrash):
        await world.sync()
    world.store.mailbox(BOX).lock.release(_holder(world))
    report = await world.sync()
    assert report.ok, report
    assert len(_contacts(world)) == 4 and all(len(v) == 1 for v in _contacts(world).values())
    assert [r.status for r in world.store.mailbox(BOX).runs.recent()] == ["ok", "interrupted"]


@pytest.mark.parametrize("crash_at", [1, 2])
async def test_crash_during_nav_creates_never_duplicates(world: World, crash_at: int) -> None:
    world.box.user_create(ItemKind.CONTACT, {"displayName": "Fabrikam"})
    world.box.user_create(ItemKind.CONTACT, {"displayName": "Contoso"})
    world.nav.crash_after_writes = world.nav.writes + crash_at
    with pytest.raises(SimulatedCrash):
        await world.sync()
    world.store.mailbox(BOX).lock.release(_holder(world))
    report = await world.sync()
    assert report.ok, report
    names = sorted(r.fields["Name"] for r in world.nav.find(NavTable.CONTACT, {"Type": "Company"}))
    assert names == ["Contoso", "Fabrikam"]
    assert all(s.nav_key for s in world.box.items[ItemKind.CONTACT].values())


def _holder(world: World) -> str:
    """The lock left by the "killed" run (same process here, so it looks alive: release it by hand)."""
    import os
    import socket

    return f"pid {os.getpid()} on {socket.gethostname()}"


async def test_deleting_a_salespersons_contact_in_outlook_only_unlinks(world: World) -> None:
    await world.sync()
    (item_id,) = world.box.by_nav_key(ItemKind.CONTACT)["13:EH"]
    world.box.user_delete(ItemKind.CONTACT, item_id)
    assert (await world.sync()).ok
    assert world.nav.get(NavTable.SALESPERSON, ("EH",)) is not None
    assert "CONT_SP" not in mailbox_status(world.store, BOX).links
