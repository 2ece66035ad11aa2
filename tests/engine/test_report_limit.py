"""A large run's report: counts cover everything, items are listed up to a limit, conflicts always."""

from __future__ import annotations

from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind
from tests.engine.conftest import World


async def test_items_beyond_the_limit_are_counted_not_listed(world: World) -> None:
    for n in range(5):
        world.company(f"Company {n}")
    report = await world.sync(report_limit=2)
    assert report.ok
    # Five companies and the salesperson's own contact: six written, two listed, four counted only.
    assert len(report.items) == 2 and report.omitted == 4
    assert report.counts["outlook_create"] == 6
    assert len(world.box.items[ItemKind.CONTACT]) == 6


async def test_conflicts_are_listed_whatever_the_limit(world: World) -> None:
    nos = [world.company(f"Company {n}") for n in range(3)]
    assert (await world.sync()).ok
    for no in nos:
        item_id, _ = world.contact_item(no)
        world.box.user_edit(ItemKind.CONTACT, item_id, {"businessPhones": ["111"]})
        world.nav.modify(NavTable.CONTACT, (no,), {"Phone No.": "222"}, if_match="*")
    report = await world.sync(report_limit=1)
    assert len(report.conflicts) == 3 and not report.ok
    assert report.counts["conflicts"] == 3
