"""Stopping a run between items (`SyncOptions.should_stop`, Ctrl-C or SIGTERM under ``sync --every``)."""

from __future__ import annotations

from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind
from graphsync.engine.state import DeltaCursor
from tests.engine.conftest import World


def _nav_contacts_named(world: World, name: str) -> int:
    records = [world.nav.get(NavTable.CONTACT, key) for key in world.nav.keys(NavTable.CONTACT)]
    return sum(1 for r in records if r is not None and r.fields.get("Name") == name)


async def test_a_run_stopped_after_the_first_batch_records_it_and_the_next_run_finishes(world: World) -> None:
    companies = [world.company(f"Company {n}") for n in range(5)]
    meetings = [world.meeting(companies[0], f"meeting {n}") for n in range(2)]
    world.box.user_create(ItemKind.CONTACT, {"displayName": "Made in Outlook"})

    def stop_after_first_batch() -> bool:
        return world.box.requests["write"] >= 1

    report = await world.sync(batch_size=2, should_stop=stop_after_first_batch)
    assert report.stopped
    assert world.box.requests["write"] == 1  # one batch sent, then stopped
    assert not world.box.items[ItemKind.EVENT]  # the events' kind was never written
    done = [i for i in report.items if i.plan.outlook.op.value == "create"]
    assert len(done) == 2 and len(world.box.items[ItemKind.CONTACT]) == 3
    assert (
        world.store.mailbox(world.box.mailbox).cursors.get(DeltaCursor("contact")) is None
    )  # nothing of a cursor advanced
    assert world.store.mailbox(world.box.mailbox).runs.recent(limit=1)[0].status == "stopped"

    report = await world.sync(batch_size=2)
    assert not report.stopped and report.ok, report.errors
    by_key = world.box.by_nav_key(ItemKind.CONTACT)
    for no in companies:
        assert len(by_key[f"5050:{no}"]) == 1  # nothing created twice
    assert len(world.box.items[ItemKind.CONTACT]) == 7  # with the salesperson EH (CONT_SP)
    assert _nav_contacts_named(world, "Made in Outlook") == 1
    events = world.box.by_nav_key(ItemKind.EVENT)
    assert sorted(events) == sorted(f"5080:{no}" for no in meetings)
    assert all(len(ids) == 1 for ids in events.values())
    assert world.store.mailbox(world.box.mailbox).journal.pending() == []

    report = await world.sync()
    assert report.items == () and not report.stopped


async def test_a_stop_asked_before_the_run_writes_nothing(world: World) -> None:
    world.company()
    report = await world.sync(should_stop=lambda: True)
    assert report.stopped and report.items == ()
    assert not world.box.items[ItemKind.CONTACT]
    report = await world.sync()
    assert report.ok and len(world.box.items[ItemKind.CONTACT]) == 2  # the company and salesperson EH
