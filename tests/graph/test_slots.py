"""`MailboxSlots`: Outlook's concurrent requests per mailbox, handed out in order of arrival."""

from __future__ import annotations

import asyncio

import pytest

from graphsync.graph.slots import MailboxSlots


async def test_a_batch_waiting_for_four_slots_is_not_overtaken_by_single_requests() -> None:
    slots = MailboxSlots(4)
    order: list[str] = []
    assert await slots.acquire(1) == 1

    async def take(name: str, count: int) -> None:
        held = await slots.acquire(count)
        order.append(name)
        await asyncio.sleep(0)
        slots.release(held)

    batch = asyncio.ensure_future(take("batch", 4))
    await asyncio.sleep(0)
    single = asyncio.ensure_future(take("single", 1))  # three are free, but the batch came first
    await asyncio.sleep(0)
    assert order == [] and slots.free == 3
    slots.release(1)
    await asyncio.gather(batch, single)
    assert order == ["batch", "single"] and slots.free == 4


async def test_more_than_the_capacity_takes_the_capacity() -> None:
    slots = MailboxSlots(4)
    assert await slots.acquire(20) == 4 and slots.free == 0
    slots.release(4)
    assert slots.free == 4


async def test_a_cancelled_waiter_gives_its_place_back() -> None:
    slots = MailboxSlots(2)
    held = await slots.acquire(2)
    waiter = asyncio.ensure_future(slots.acquire(2))
    other = asyncio.ensure_future(slots.acquire(1))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    slots.release(held)
    assert await other == 1 and slots.free == 1


def test_a_mailbox_has_at_least_one_slot() -> None:
    with pytest.raises(ValueError):
        MailboxSlots(0)
