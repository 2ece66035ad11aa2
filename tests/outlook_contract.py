"""The contract every `OutlookMailbox` keeps, written against the protocol only.

Run against the engine tests' in-memory `FakeMailbox` and against `GraphMailbox` over the sandbox in-process
(`tests/test_outlook_contract.py`), so that the fake the engine's tests run on behaves as the real client
does over a Graph-compatible server: a difference fails here, not in a sync of a real mailbox. A test module
subclasses `OutlookContract` and provides two fixtures: ``box`` (the mailbox, provisioned) and ``person``
(an `OutlookPerson`: what a person does in Outlook, outside graphsync).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import pytest

from graphsync.connectors.outlook import (
    ItemKind,
    MeetingScope,
    OutlookItem,
    OutlookMailbox,
    Removed,
    WriteAction,
    WriteOp,
)
from graphsync.errors import NotFoundError, PreconditionFailedError, ResyncNeededError

USER_FIELD = "Territory Code"


class OutlookPerson(Protocol):
    """A person using Outlook (or a server-side change): what graphsync did not write."""

    async def create(self, kind: ItemKind, data: Mapping[str, Any]) -> str: ...

    async def edit(self, kind: ItemKind, item_id: str, data: Mapping[str, Any]) -> None: ...

    async def delete(self, kind: ItemKind, item_id: str) -> None: ...

    def expire_delta_links(self) -> None:
        """Every delta link handed out so far dies (the server dropped the mailbox's sync state)."""
        ...

    async def set_time_zone(self, name: str) -> None:
        """The zone chosen in Outlook's settings (mailboxSettings.timeZone), as Outlook keeps it: a Windows name."""
        ...


def contact(key: str, name: str, **user_fields: str | None) -> WriteOp:
    return WriteOp(key, WriteAction.CREATE, ItemKind.CONTACT, key, {"displayName": name}, user_fields=user_fields)


def task(key: str, title: str) -> WriteOp:
    return WriteOp(key, WriteAction.CREATE, ItemKind.TASK, key, {"title": title})


async def round_of(box: OutlookMailbox, kind: ItemKind, link: str | None) -> tuple[list[Any], str, bool]:
    delta = box.delta(kind, link)
    entries = [entry async for page in delta.pages() for entry in page]
    return entries, delta.delta_link, delta.full


async def created(box: OutlookMailbox, *ops: WriteOp) -> list[OutlookItem]:
    results = await box.write(list(ops))
    assert all(r.ok and r.item is not None for r in results), [r.error for r in results]
    return [r.item for r in results if r.item is not None]


class OutlookContract:
    # ------------------------------------------------------------------ identity and containers

    async def test_names_its_mailbox_and_its_meetings(self, box: OutlookMailbox) -> None:
        assert box.mailbox == "eh@contoso.com"
        assert isinstance(box.meetings, MeetingScope) and box.meetings.category == "Dynamics NAV"

    async def test_its_time_zone_is_the_mailbox_s_own_as_an_iana_name(
        self, box: OutlookMailbox, person: OutlookPerson
    ) -> None:
        await person.set_time_zone("W. Europe Standard Time")
        assert await box.time_zone() == "Europe/Berlin"  # the day a To Do date is in (docs/graph-client.md)
        assert await box.time_zone() == "Europe/Berlin"

    async def test_provision_finds_the_same_containers_again(self, box: OutlookMailbox) -> None:
        first = await box.provision()
        assert first.contact_folder_id and first.todo_list_id
        assert await box.provision() == first

    # ------------------------------------------------------------------ writes

    async def test_a_create_is_stamped_with_its_nav_key_and_read_back_whole(self, box: OutlookMailbox) -> None:
        (made,) = await created(box, contact("5050:CT1", "Gibson", **{USER_FIELD: "LND"}))
        assert made.id and made.version and made.nav_key == "5050:CT1"
        (got,) = await box.get_many(ItemKind.CONTACT, [made.id], user_fields=[USER_FIELD])
        assert got is not None and got.id == made.id and got.nav_key == "5050:CT1"
        assert got.data["displayName"] == "Gibson" and got.user_fields == {USER_FIELD: "LND"}
        assert not got.partial and got.version == made.version

    async def test_find_by_nav_key(self, box: OutlookMailbox) -> None:
        (made,) = await created(box, task("5080:TD1", "Call back"))
        found = await box.find_by_nav_key(ItemKind.TASK, "5080:TD1")
        assert found is not None and found.id == made.id and found.nav_key == "5080:TD1"
        assert await box.find_by_nav_key(ItemKind.TASK, "5080:TD9") is None

    async def test_an_update_with_the_current_version_changes_the_item_and_its_version(
        self, box: OutlookMailbox
    ) -> None:
        (made,) = await created(box, contact("5050:CT1", "Gibson"))
        update = WriteOp(
            "u",
            WriteAction.UPDATE,
            ItemKind.CONTACT,
            "5050:CT1",
            {"jobTitle": "Owner"},
            made.id,
            {USER_FIELD: "N"},
            if_match=made.version,
        )
        (result,) = await box.write([update])
        assert result.ok and result.item is not None and result.item.version != made.version
        (got,) = await box.get_many(ItemKind.CONTACT, [made.id], user_fields=[USER_FIELD])
        assert got is not None and got.data["jobTitle"] == "Owner" and got.data["displayName"] == "Gibson"
        assert got.user_fields == {USER_FIELD: "N"}

    async def test_a_write_against_a_changed_item_fails_alone(self, box: OutlookMailbox, person: OutlookPerson) -> None:
        a, b = await created(box, contact("5050:CT1", "A"), contact("5050:CT2", "B"))
        await person.edit(ItemKind.CONTACT, a.id, {"jobTitle": "changed in Outlook"})
        ops = [
            WriteOp(
                "1", WriteAction.UPDATE, ItemKind.CONTACT, "5050:CT1", {"displayName": "A2"}, a.id, if_match=a.version
            ),
            WriteOp(
                "2", WriteAction.UPDATE, ItemKind.CONTACT, "5050:CT2", {"displayName": "B2"}, b.id, if_match=b.version
            ),
        ]
        stale, fresh = await box.write(ops)
        assert isinstance(stale.error, PreconditionFailedError)
        assert fresh.ok  # one failing op never fails the others
        got_a, got_b = await box.get_many(ItemKind.CONTACT, [a.id, b.id])
        assert got_a is not None and got_a.data["displayName"] == "A"  # not overwritten
        assert got_b is not None and got_b.data["displayName"] == "B2"

    async def test_a_deleted_item_is_gone_and_deleting_it_again_reaches_the_same_goal(
        self, box: OutlookMailbox
    ) -> None:
        (made,) = await created(box, task("5080:TD1", "Call back"))
        delete = WriteOp("d", WriteAction.DELETE, ItemKind.TASK, "5080:TD1", item_id=made.id)
        (result,) = await box.write([delete])
        assert result.ok
        assert await box.get_many(ItemKind.TASK, [made.id]) == [None]
        (again,) = await box.write([delete])
        assert again.ok  # a delete answered 404 has reached its goal (a retried delete whose answer was lost)

    async def test_updating_an_item_that_is_gone_is_not_found(self, box: OutlookMailbox, person: OutlookPerson) -> None:
        (made,) = await created(box, task("5080:TD1", "Call back"))
        await person.delete(ItemKind.TASK, made.id)
        update = WriteOp("u", WriteAction.UPDATE, ItemKind.TASK, "5080:TD1", {"title": "x"}, made.id)
        (result,) = await box.write([update])
        assert isinstance(result.error, NotFoundError)

    async def test_a_meeting_carries_the_category(self, box: OutlookMailbox) -> None:
        when = {
            "start": {"dateTime": "2026-12-01T10:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-12-01T11:00:00", "timeZone": "UTC"},
        }
        op = WriteOp("m", WriteAction.CREATE, ItemKind.EVENT, "5080:TD1", {"subject": "discuss", **when})
        (made,) = await created(box, op)
        (got,) = await box.get_many(ItemKind.EVENT, [made.id])
        assert got is not None and box.meetings.category in got.data["categories"]

    # ------------------------------------------------------------------ delta rounds

    async def test_a_full_round_lists_every_item_and_an_incremental_one_only_changes(
        self, box: OutlookMailbox, person: OutlookPerson
    ) -> None:
        a, b = await created(box, contact("5050:CT1", "A"), contact("5050:CT2", "B"))
        entries, link, full = await round_of(box, ItemKind.CONTACT, None)
        assert full and link
        assert {e.id for e in entries} == {a.id, b.id}
        assert all(isinstance(e, OutlookItem) for e in entries)

        entries, link, full = await round_of(box, ItemKind.CONTACT, link)
        assert not full and entries == []  # nothing changed

        await person.edit(ItemKind.CONTACT, a.id, {"jobTitle": "Owner"})
        made_by_person = await person.create(ItemKind.CONTACT, {"displayName": "New in Outlook"})
        await person.delete(ItemKind.CONTACT, b.id)
        entries, link, _ = await round_of(box, ItemKind.CONTACT, link)
        changed = {e.id for e in entries if isinstance(e, OutlookItem)}
        removed = {e.id for e in entries if isinstance(e, Removed)}
        assert changed == {a.id, made_by_person} and removed == {b.id}
        edited = next(e for e in entries if isinstance(e, OutlookItem) and e.id == a.id)
        assert edited.version != a.version

    async def test_a_dead_delta_link_asks_for_a_full_round(self, box: OutlookMailbox, person: OutlookPerson) -> None:
        await created(box, task("5080:TD1", "Call back"))
        _, link, _ = await round_of(box, ItemKind.TASK, None)
        person.expire_delta_links()
        with pytest.raises(ResyncNeededError):
            await round_of(box, ItemKind.TASK, link)
        entries, _, full = await round_of(box, ItemKind.TASK, None)
        assert full and len(entries) == 1

    async def test_get_many_gives_none_for_an_id_that_is_gone(self, box: OutlookMailbox, person: OutlookPerson) -> None:
        (made,) = await created(box, contact("5050:CT1", "A"))
        await person.delete(ItemKind.CONTACT, made.id)
        assert await box.get_many(ItemKind.CONTACT, [made.id]) == [None]
