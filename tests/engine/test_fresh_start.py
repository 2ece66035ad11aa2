"""A fresh start (nothing in Outlook, no link, nothing pending) plans NAV's records as they are read, and
must end exactly where the general path, which pairs every record with Outlook's side first, would."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind
from graphsync.engine.collect import GroupReader
from graphsync.engine.state import StateStore
from tests.engine.conftest import World


def _populate(world: World) -> None:
    for n in range(3):
        company = world.company(f"Company {n}")
        world.nav.insert(
            NavTable.CONTACT,
            {"Type": "Person", "Name": f"Person {n}", "Company No.": company, "Salesperson Code": "EH"},
        )
        world.meeting(company, f"meeting {n}")
    company = world.company("Far Away Ltd")
    world.meeting(company, "next year", Date=dt.date.today() + dt.timedelta(days=40))  # after the window
    world.meeting(company, "long ago", Date=dt.date.today() - dt.timedelta(days=90))  # before it


def _outcome(world: World) -> dict[str, Any]:
    store: StateStore = world.store
    return {
        "outlook": {
            kind: sorted(
                (stored.nav_key, sorted((k, repr(v)) for k, v in stored.data.items() if k != "id"))
                for stored in world.box.items[kind].values()
            )
            for kind in ItemKind
        },
        "links": sorted((ids.entity, ids.nav_key) for ids in store.iter_link_ids(world.box.mailbox)),
        "retries": {kind: store.retries(world.box.mailbox, kind.value) for kind in ItemKind},
    }


def _spy_on_fresh_starts(monkeypatch: pytest.MonkeyPatch) -> list[ItemKind]:
    """The kinds planned as fresh starts from now on, in order."""
    kinds: list[ItemKind] = []
    plan_fresh = GroupReader._plan_fresh

    def spy(self: GroupReader, kind: ItemKind, *args: Any, **kwargs: Any) -> None:
        kinds.append(kind)
        plan_fresh(self, kind, *args, **kwargs)

    monkeypatch.setattr(GroupReader, "_plan_fresh", spy)
    return kinds


async def test_a_fresh_start_ends_where_the_general_path_would(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh_plans = _spy_on_fresh_starts(monkeypatch)
    (tmp_path / "fresh").mkdir()
    (tmp_path / "general").mkdir()
    fresh = World(tmp_path / "fresh")
    _populate(fresh)
    fresh_report = await fresh.sync(window_future_days=30)
    assert sorted(fresh_plans, key=lambda k: k.value) == sorted(ItemKind, key=lambda k: k.value)

    # The same company through the general path: as if a link existed somewhere, which no fresh start has.
    monkeypatch.setattr(StateStore, "has_links", lambda self, mailbox, *, entities: True)
    general = World(tmp_path / "general")
    _populate(general)
    general_report = await general.sync(window_future_days=30)

    assert fresh_report.ok and general_report.ok
    assert fresh_report.counts == general_report.counts
    assert fresh_report.counts["outlook_create"] == 3 * 3 + 2  # 4 companies, 3 persons, 3 meetings, 1 (EH)
    assert _outcome(fresh) == _outcome(general)
    assert _outcome(fresh)["retries"][ItemKind.EVENT]  # the meeting after the window waits for it
    fresh.store.close()
    general.store.close()


async def test_no_fresh_start_once_anything_is_linked_or_in_outlook(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _spy_on_fresh_starts(monkeypatch)
    company = world.company()
    await world.sync()
    assert ItemKind.CONTACT in calls
    calls.clear()
    world.company("Another Ltd")
    await world.sync()  # contacts are linked now: the general path, which pairs and compares
    assert ItemKind.CONTACT not in calls
    assert f"5050:{company}" in world.box.by_nav_key(ItemKind.CONTACT)
