"""A partial Outlook item stays partial when a run's working set spills to disk (issue 20): the spool's codec
dropped `OutlookItem.missing`, so after a spill the item read as whole and the properties Graph left out
read as cleared, clearing NAV's fields."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind, OutlookItem
from graphsync.engine.plan import Side
from tests.engine.conftest import DAY, World
from tests.fakes.outlook import FakeMailbox


def _task(world: World) -> str:
    rec = world.nav.insert(
        NavTable.TODO,
        # NAV's To-do requires a Date (OnInsert: TESTFIELD).
        {
            "Type": "",
            "System To-do Type": "Organizer",
            "Salesperson Code": "EH",
            "Description": "Call back",
            "Date": DAY,
        },
    )
    return rec.key[0]


async def test_a_partial_item_in_a_spilled_run_is_an_error_and_clears_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    todo = _task(world)
    for n in range(5):  # more items than the spool holds in memory: the round's entries go to disk
        world.box.user_create(ItemKind.TASK, {"title": f"Other {n}"})
    assert (await world.sync(spool_buffer=1)).ok
    (item_id,) = world.box.by_nav_key(ItemKind.TASK)[f"5080:{todo}"]
    world.box.user_edit(ItemKind.TASK, item_id, {"importance": "high"})

    real = FakeMailbox._item

    def without_title(self: FakeMailbox, kind: ItemKind, found_id: str, *args: Any, **kwargs: Any) -> OutlookItem:
        item = real(self, kind, found_id, *args, **kwargs)
        if found_id != item_id:
            return item
        data = {k: v for k, v in item.data.items() if k != "title"}
        return dataclasses.replace(item, data=data, missing=("title",))  # as Graph's reader marks it

    monkeypatch.setattr(FakeMailbox, "_item", without_title)
    report = await world.sync(spool_buffer=1)

    (error,) = report.errors
    assert error.side is Side.OUTLOOK and error.error == "GraphError" and "title" in error.message
    todo_now = world.nav.get(NavTable.TODO, (todo,))
    assert todo_now is not None and todo_now.fields["Description"] == "Call back"  # not cleared
    assert report.counts == {"errors": 1}

    monkeypatch.setattr(FakeMailbox, "_item", real)  # Graph answers whole again: the edit goes through
    assert (await world.sync(spool_buffer=1)).ok
    assert world.nav.get(NavTable.TODO, (todo,)).fields["Priority"] == "High"  # type: ignore[union-attr]
