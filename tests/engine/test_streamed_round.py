"""A full round over a complete read of NAV pairs each record as the read gives it; it must end exactly
where the general path, which holds the whole read in the spool first, would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind
from graphsync.engine.read import KindReader, Strategy
from graphsync.engine.report import RunReport
from tests.engine.conftest import World

Scenario = Callable[[World], Awaitable[RunReport]]


def _company(world: World, n: int) -> str:
    return world.company(f"Company {n}")


async def _full_run_after_edits_on_both_sides(world: World) -> RunReport:
    keys = [_company(world, n) for n in range(6)]
    meeting = world.meeting(keys[0], "review")
    world.meeting(keys[1], "next year", Date=dt.date.today() + dt.timedelta(days=40))
    await world.sync(window_future_days=30)
    world.nav.edit(NavTable.CONTACT, (keys[1],), Name="Renamed in NAV")
    item_id, _ = world.contact_item(keys[2])
    world.box.user_edit(ItemKind.CONTACT, item_id, {"companyName": "Renamed in Outlook"})
    world.nav.delete(NavTable.CONTACT, (keys[3],), if_match="*")
    gone_id, _ = world.contact_item(keys[4])
    world.box.user_delete(ItemKind.CONTACT, gone_id)
    world.box.user_create(ItemKind.CONTACT, {"displayName": "Made in Outlook", "companyName": "Made in Outlook"})
    world.nav.edit(NavTable.TODO, (meeting,), Description="review, moved")
    _company(world, 99)  # new in NAV
    return await world.sync(full=True, window_future_days=30)


async def _lost_state_with_items_in_outlook(world: World) -> RunReport:
    keys = [_company(world, n) for n in range(5)]
    world.meeting(keys[0], "review")
    await world.sync()
    world.nav.edit(NavTable.CONTACT, (keys[1],), Name="Renamed while state was lost")
    world.lose_state()
    return await world.sync()


_WHEN_WRITTEN = frozenset({"Last Date Modified", "Last Time Modified"})
"""NAV stamps each write with the clock: the two worlds write at different moments."""


def _outcome(world: World, report: RunReport) -> dict[str, Any]:
    return {
        "counts": report.counts,
        "ok": report.ok,
        "outlook": {
            kind: sorted(
                (stored.nav_key, sorted((k, repr(v)) for k, v in stored.data.items() if k != "id"))
                for stored in world.box.items[kind].values()
            )
            for kind in ItemKind
        },
        "nav": sorted(
            (record.key, sorted((k, repr(v)) for k, v in record.fields.items() if k not in _WHEN_WRITTEN))
            for record in world.nav.find(NavTable.CONTACT, {})
        ),
        "links": sorted(
            (link.entity, link.nav_key, sorted(link.base.items()))
            for link in world.store.mailbox(world.box.mailbox).links.iter_all()
        ),
        "conflicts": sorted(c.nav_key for c in world.store.mailbox(world.box.mailbox).conflicts.all()),
        "retries": {kind: world.store.mailbox(world.box.mailbox).retries.waiting(kind.value) for kind in ItemKind},
    }


@pytest.mark.parametrize("scenario", [_full_run_after_edits_on_both_sides, _lost_state_with_items_in_outlook])
async def test_a_streamed_round_ends_where_the_general_path_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scenario: Scenario
) -> None:
    streamed: list[ItemKind] = []
    start = KindReader.start

    async def spy(self: KindReader) -> Strategy:
        strategy = await start(self)
        if strategy is Strategy.STREAMED:
            streamed.append(self.kind)
        return strategy

    monkeypatch.setattr(KindReader, "start", spy)
    (tmp_path / "streamed").mkdir()
    world = World(tmp_path / "streamed")
    outcome = _outcome(world, await scenario(world))
    assert ItemKind.CONTACT in streamed
    world.store.close()

    # The same story through the general path only.
    monkeypatch.setattr(KindReader, "_nav_read_is_complete", lambda self, kind, entities, *, full: False)
    streamed.clear()
    (tmp_path / "general").mkdir()
    other = World(tmp_path / "general")
    assert _outcome(other, await scenario(other)) == outcome
    assert not streamed
    other.store.close()


async def test_a_full_round_sees_a_deletion_that_a_read_from_no_watermark_does_not_list(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # NAV over OData lists no deletions when it reads from no watermark (a full read): a linked record the
    # complete read does not give is read once more, not taken as unchanged because Outlook's item is.
    from graphsync.connectors.nav import ChangeSet
    from tests.fakes.nav import FakeNav

    changes = FakeNav.changes

    def without_deletions_from_scratch(self: FakeNav, table: NavTable, since: Any) -> ChangeSet:
        found = changes(self, table, since)
        return found if since is not None else ChangeSet(found.records, iter([]), found.watermark, True)

    monkeypatch.setattr(FakeNav, "changes", without_deletions_from_scratch)
    kept, gone = world.company("Kept Ltd"), world.company("Gone Ltd")
    await world.sync()
    assert f"5050:{gone}" in world.box.by_nav_key(ItemKind.CONTACT)
    world.nav.delete(NavTable.CONTACT, (gone,), if_match="*")
    report = await world.sync(full=True)
    assert report.counts.get("outlook_delete") == 1
    assert f"5050:{gone}" not in world.box.by_nav_key(ItemKind.CONTACT)
    assert f"5050:{kept}" in world.box.by_nav_key(ItemKind.CONTACT)
