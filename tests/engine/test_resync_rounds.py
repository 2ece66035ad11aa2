"""A dead delta link is replaced by full rounds, retried a bounded number of times when they die too."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest

from graphsync.connectors.outlook import DeltaEntry, ItemKind
from graphsync.engine.read import RESYNC_ROUNDS
from graphsync.errors import ResyncNeededError
from tests.engine.conftest import World
from tests.fakes.outlook import FakeRound


class _DyingRound(FakeRound):
    async def pages(self) -> AsyncIterator[Sequence[DeltaEntry]]:
        raise ResyncNeededError("The sync state is no longer valid.", status=410, code="syncStateNotFound")
        yield []  # pragma: no cover


def _rounds_dying(world: World, monkeypatch: pytest.MonkeyPatch, times: int) -> list[str | None]:
    links: list[str | None] = []
    real = world.box.delta

    def delta(kind: ItemKind, link: str | None) -> FakeRound:
        if kind is ItemKind.CONTACT:
            links.append(link)
            if len(links) <= times:
                return _DyingRound(world.box, kind, link)
        return real(kind, link)

    monkeypatch.setattr(world.box, "delta", delta)
    return links


async def test_full_rounds_dying_again_are_started_over(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.company()
    assert (await world.sync()).ok
    world.company("Second Company")
    links = _rounds_dying(world, monkeypatch, RESYNC_ROUNDS)
    report = await world.sync()
    assert report.ok, report.errors
    assert links[0] is not None and links[1:] == [None] * RESYNC_ROUNDS
    assert all(len(ids) == 1 for ids in world.box.by_nav_key(ItemKind.CONTACT).values())


async def test_rounds_that_keep_dying_stop_the_run(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.company()
    assert (await world.sync()).ok
    links = _rounds_dying(world, monkeypatch, RESYNC_ROUNDS + 1)
    with pytest.raises(ResyncNeededError):
        await world.sync()
    assert len(links) == RESYNC_ROUNDS + 1
