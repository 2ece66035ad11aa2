"""Recovery of Outlook creates a killed run journaled but never recorded: a chunk's creates share one entry
per entity, and an entry written by an earlier graphsync (one create each) is still understood."""

from __future__ import annotations

import os
import socket

import pytest

from graphsync.connectors.outlook import ItemKind, WriteAction, WriteOp
from graphsync.engine.journal import CREATES, TARGET_OUTLOOK
from graphsync.engine.state import JournalDraft
from tests.engine.conftest import World
from tests.fakes.nav import SimulatedCrash

HOLDER = f"pid {os.getpid()} on {socket.gethostname()}"
"""The lock left by the "killed" run: the same process here, so it looks alive and is released by hand."""


def _contacts(world: World) -> dict[str, list[str]]:
    return world.box.by_nav_key(ItemKind.CONTACT)


async def test_a_chunks_creates_share_one_entry_per_entity_and_are_linked_after_a_crash(world: World) -> None:
    companies = [world.company(f"Company {n}") for n in range(3)]
    world.box.crash_after_ops = 3  # EH's own contact and two companies made, then the process "dies"
    with pytest.raises(SimulatedCrash):
        await world.sync()
    pending = world.store.mailbox(world.box.mailbox).journal.pending()
    # One entry for the salesperson's create, one for the companies': not one per create.
    assert sorted(entry.entity for entry in pending) == ["CONT_COMP", "CONT_SP"]
    assert all(entry.target == TARGET_OUTLOOK and entry.nav_key is None for entry in pending)
    [company_entry] = [entry for entry in pending if entry.entity == "CONT_COMP"]
    assert [create["nav_key"] for create in company_entry.payload[CREATES]] == [f"5050:{n}" for n in companies]
    assert company_entry.payload[CREATES][0]["base"]["displayName"] == "Company 0"  # what recovery links with

    world.store.mailbox(world.box.mailbox).lock.release(HOLDER)
    report = await world.sync()
    assert report.ok
    assert world.store.mailbox(world.box.mailbox).journal.pending() == []
    assert sorted(_contacts(world)) == sorted([f"5050:{n}" for n in companies] + ["13:EH"])
    assert all(len(ids) == 1 for ids in _contacts(world).values())  # found and linked, not made again
    assert report.counts.get("outlook_create") == 1  # only the company the crash kept from being sent


async def test_an_entry_of_one_create_from_an_earlier_version_is_recovered(world: World) -> None:
    number = world.company("Old Entry Ltd")
    nav_key = f"5050:{number}"
    [made] = await world.box.write(
        [WriteOp("0", WriteAction.CREATE, ItemKind.CONTACT, nav_key, {"displayName": "Old Entry Ltd"})]
    )
    assert made.ok and made.item is not None
    world.store.mailbox(world.box.mailbox).journal.add(
        JournalDraft(
            entity="CONT_COMP",
            target=TARGET_OUTLOOK,
            nav_key=nav_key,
            outlook_id=None,
            payload={"base": {"displayName": "Old Entry Ltd"}, "transaction_id": None},
        )
    )
    report = await world.sync()
    assert report.ok
    assert world.store.mailbox(world.box.mailbox).journal.pending() == []
    link = world.store.mailbox(world.box.mailbox).links.get(nav_key)
    assert link is not None and link.outlook_id == made.item.id
    assert link.base["displayName"] == "Old Entry Ltd"
    assert _contacts(world)[nav_key] == [made.item.id]
