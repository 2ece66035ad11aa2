"""A fresh start (nothing in Outlook, no link, nothing pending) plans NAV's records as they are read, and
must end exactly where the general path, which pairs every record with Outlook's side first, would."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncGenerator, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from graphsync.config.entities import EntityName
from graphsync.connectors.nav import ChangeSet, NavRecord, NavTable
from graphsync.connectors.outlook import ItemKind, WriteOp, WriteResult
from graphsync.engine.guard import MassDeleteError
from graphsync.engine.pending import Stream
from graphsync.engine.read import KindReader, Strategy
from graphsync.engine.state import Links, NavCursor, StateStore
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
        "links": sorted((ids.entity, ids.nav_key) for ids in store.mailbox(world.box.mailbox).links.iter_ids()),
        "retries": {kind: store.mailbox(world.box.mailbox).retries.waiting(kind.value) for kind in ItemKind},
    }


def _spy_on_fresh_starts(monkeypatch: pytest.MonkeyPatch) -> list[ItemKind]:
    """The kinds planned as fresh starts from now on, in order."""
    kinds: list[ItemKind] = []
    start = KindReader.start

    async def spy(self: KindReader) -> Strategy:
        strategy = await start(self)
        if strategy is Strategy.FRESH:
            kinds.append(self.kind)
        return strategy

    monkeypatch.setattr(KindReader, "start", spy)
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
    monkeypatch.setattr(Links, "any", lambda self, *, entities: True)
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


def _log_reads_and_writes(world: World, log: list[str]) -> None:
    """``read <key>`` as each NAV record is taken from a change set, ``write <n>`` as Outlook writes are sent."""
    changes, write = world.nav.changes, world.box.write

    def logged_changes(table: NavTable, since: Any) -> ChangeSet:
        found = changes(table, since)

        def records() -> Iterator[NavRecord]:
            for record in found.records:
                log.append(f"read {int(table)}:{record.key[0]}")
                yield record

        return replace(found, records=records())

    async def logged_write(ops: Sequence[WriteOp]) -> list[WriteResult]:
        log.append(f"write {len(ops)}")
        return await write(ops)

    world.nav.changes = logged_changes  # type: ignore[method-assign]
    world.box.write = logged_write  # type: ignore[method-assign]


async def test_a_fresh_start_writes_as_it_reads(world: World) -> None:
    """An initial load neither waits for NAV's whole read nor holds it: the first chunk is written before
    the read goes on, and every record is still created once."""
    companies = [world.company(f"Company {n}") for n in range(7)]
    log: list[str] = []
    _log_reads_and_writes(world, log)
    report = await world.sync(batch_size=2)
    assert report.ok
    # Two records read (EH's salesperson record first: its table comes first), written, two more read, ...
    first, second, third = (f"read 5050:{number}" for number in companies[:3])
    assert log[:6] == ["read 13:EH", first, "write 2", second, third, "write 2"]
    assert sorted(world.box.by_nav_key(ItemKind.CONTACT)) == sorted([f"5050:{c}" for c in companies] + ["13:EH"])
    assert all(len(ids) == 1 for ids in world.box.by_nav_key(ItemKind.CONTACT).values())


async def test_a_fresh_start_stopped_part_way_is_finished_by_the_next_run(world: World) -> None:
    """Stopped after its first chunks, a fresh start keeps what it wrote (linked) and leaves the cursors:
    the next run, no longer fresh, pairs those and creates the rest, with no duplicate."""
    companies = [world.company(f"Company {n}") for n in range(7)]
    writes: list[int] = []
    write = world.box.write

    async def counted(ops: Sequence[WriteOp]) -> list[WriteResult]:
        writes.append(len(ops))
        return await write(ops)

    world.box.write = counted  # type: ignore[method-assign]
    first = await world.sync(batch_size=2, should_stop=lambda: len(writes) >= 2)
    assert first.stopped
    assert len(world.box.items[ItemKind.CONTACT]) == 4
    assert world.store.mailbox(world.box.mailbox).cursors.get(NavCursor(5050, "contact")) is None
    second = await world.sync(batch_size=2)
    assert second.ok and not second.stopped
    by_key = world.box.by_nav_key(ItemKind.CONTACT)
    assert sorted(by_key) == sorted([f"5050:{c}" for c in companies] + ["13:EH"])
    assert all(len(ids) == 1 for ids in by_key.values())


async def test_the_guard_still_refuses_before_a_fresh_kind_writes(world: World) -> None:
    """A fresh kind is written as it is read, but only after the guard has passed every other kind's deletes:
    a run the guard refuses creates nothing, fresh kinds included."""
    companies = [world.company(f"Company {n}") for n in range(12)]
    assert (await world.sync(entities=frozenset({EntityName.CONT_COMP, EntityName.CONT_PERS, EntityName.CONT_SP}))).ok
    for number in companies[1:]:
        world.nav.delete(NavTable.CONTACT, (number,), if_match="*")
    world.meeting(companies[0], "the one left")  # the events kind has never been synced: a fresh start
    with pytest.raises(MassDeleteError):
        await world.sync()
    assert not world.box.items[ItemKind.EVENT]
    assert len(world.box.items[ItemKind.CONTACT]) == 13


async def test_an_attendee_added_while_a_meeting_load_runs_reaches_outlook_next_run(world: World) -> None:
    """A fresh start plans (and reads the attendees of) each meeting as it goes, long before it reaches the
    attendee changes at the end: an attendee added after its meeting was planned must be seen next run, not
    be covered by a watermark taken after it."""
    company = world.company("Gibson Ltd", **{"E-Mail": "info@gibson.example"})
    todo = world.meeting(company, "kick-off")
    world.meeting(company, "follow-up")  # read after the kick-off has been written (chunks of one)
    late = world.company("Late Comer Ltd", **{"E-Mail": "late@comer.example"})
    write = world.box.write
    added: list[str] = []

    async def meanwhile_in_nav(ops: Sequence[WriteOp]) -> list[WriteResult]:
        results = await write(ops)
        if any(op.kind is ItemKind.EVENT for op in ops) and not added:
            added.append(late)
            world.attendee(todo, late)
        return results

    world.box.write = meanwhile_in_nav  # type: ignore[method-assign]
    assert (await world.sync(batch_size=1)).ok
    (event_id,) = world.box.by_nav_key(ItemKind.EVENT)[f"5080:{todo}"]

    def addresses() -> list[str]:
        attendees = world.box.items[ItemKind.EVENT][event_id].data.get("attendees") or []
        return [a["emailAddress"]["address"] for a in attendees]

    assert "late@comer.example" not in addresses()  # added after the meeting was written
    assert (await world.sync()).ok
    assert "late@comer.example" in addresses()


async def test_releasing_a_fresh_starts_decisions_part_way_closes_its_read_at_once() -> None:
    """A run stopped after a fresh kind's first chunk closes that kind's NAV read when it releases the kind,
    even while the loop that took the chunk still holds its iterator."""
    closed: list[bool] = []

    async def read() -> AsyncGenerator[Any, None]:
        try:
            for n in range(10):
                yield [n]  # the decisions of one batch of NAV's records
        finally:
            closed.append(True)

    stream = Stream(read())
    chunks = stream.chunks(3)
    assert await anext(chunks) == [0, 1, 2]
    await stream.release()
    assert closed == [True]
    assert [chunk async for chunk in chunks] == []  # what was left is not read
    with pytest.raises(RuntimeError):
        await anext(aiter(stream))
