"""GraphMailbox against the in-memory fake Graph: provisioning, writes, look-ups, delta rounds."""

from __future__ import annotations

import math

import pytest

from graphsync.config.model import SyncConfig
from graphsync.connectors.outlook import (
    Containers,
    ItemKind,
    OutlookItem,
    OutlookMailbox,
    Removed,
    WriteAction,
    WriteOp,
)
from graphsync.errors import ConfigError, ContainerChangedError, GraphAuthError, GraphsyncError, ResyncNeededError
from graphsync.graph import PROPERTY_SET, GraphMailbox
from graphsync.graph.stamping import TASK_EXTENSION
from graphsync.runtime.graph import mailbox_options
from tests.fakes.tokens import FakeTokens
from tests.graph.conftest import MailboxFactory, Sleeps
from tests.graph.fake_graph import FakeGraph

KNOWN_IDS = Containers(contact_folder_id="F", todo_list_id="L")


def create(kind: ItemKind, key: str, body: dict[str, object], **kw: object) -> WriteOp:
    return WriteOp(op_id=key, action=WriteAction.CREATE, kind=kind, nav_key=key, body=body, **kw)  # type: ignore[arg-type]


async def test_it_is_an_outlook_mailbox(make_mailbox: MailboxFactory) -> None:
    mailbox = make_mailbox(upn="Anna@Contoso.com")
    assert isinstance(mailbox, OutlookMailbox)
    assert mailbox.mailbox == "anna@contoso.com"


async def test_provision_creates_once_then_finds_by_name(make_mailbox: MailboxFactory, fake: FakeGraph) -> None:
    first = await make_mailbox().provision()
    again = await make_mailbox().provision()
    assert first == again
    assert len(fake.store.folders) == 1 and len(fake.store.lists) == 1 and not fake.store.calendars
    assert next(iter(fake.store.folders.values()))["displayName"] == "Dynamics NAV"


async def test_provision_with_remembered_ids_reports_rename_and_deletion(
    make_mailbox: MailboxFactory, fake: FakeGraph
) -> None:
    known = await make_mailbox().provision()
    assert await make_mailbox(known=known).provision() == known
    fake.store.folders[known.contact_folder_id]["displayName"] = "Old NAV stuff"
    with pytest.raises(ContainerChangedError) as renamed:
        await make_mailbox(known=known).provision()
    assert renamed.value.found == "Old NAV stuff" and renamed.value.container == "contact folder"
    del fake.store.lists[known.todo_list_id]
    fake.store.folders[known.contact_folder_id]["displayName"] = "Dynamics NAV"
    with pytest.raises(ContainerChangedError) as deleted:
        await make_mailbox(known=known).provision()
    assert deleted.value.found is None and deleted.value.container == "To Do list"
    # Nothing was re-made behind the caller's back.
    assert len(fake.store.folders) == 1 and not fake.store.lists


async def test_creating_n_contacts_takes_ceil_n_over_20_batches(make_mailbox: MailboxFactory, fake: FakeGraph) -> None:
    mailbox = make_mailbox()
    await mailbox.provision()
    before = mailbox.stats.requests
    ops = [create(ItemKind.CONTACT, f"CT{n:06}", {"displayName": f"Contact {n}"}) for n in range(45)]
    results = await mailbox.write(ops)
    assert [r.op_id for r in results] == [op.op_id for op in ops]
    assert all(r.ok and r.item is not None and r.item.nav_key == r.op_id for r in results)
    assert mailbox.stats.requests - before == math.ceil(45 / 20)
    assert len(fake.store.contacts) == 45
    stamped = next(iter(fake.store.contacts.values()))["singleValueExtendedProperties"]
    assert {"id": f"String {{{PROPERTY_SET}}} Name NAV Key", "value": "CT000000"} in stamped


async def test_contacts_read_back_with_nav_key_and_user_fields(make_mailbox: MailboxFactory) -> None:
    mailbox = make_mailbox()
    [result] = await mailbox.write(
        [create(ItemKind.CONTACT, "CT1", {"displayName": "A"}, user_fields={"Territory Code": "LND"})]
    )
    assert result.item is not None
    found = await mailbox.find_by_nav_key(ItemKind.CONTACT, "CT1", user_fields=["Territory Code"])
    assert found is not None and found.id == result.item.id
    assert found.user_fields == {"Territory Code": "LND"}
    [got, missing] = await mailbox.get_many(ItemKind.CONTACT, [result.item.id, "nope"], user_fields=["Territory Code"])
    assert got is not None and got.nav_key == "CT1" and missing is None
    assert await mailbox.find_by_nav_key(ItemKind.CONTACT, "CT2") is None


async def test_nav_key_with_a_quote_is_escaped_in_the_filter(make_mailbox: MailboxFactory) -> None:
    mailbox = make_mailbox()
    await mailbox.write([create(ItemKind.CONTACT, "O'BRIEN & CO", {"displayName": "B"})])
    found = await mailbox.find_by_nav_key(ItemKind.CONTACT, "O'BRIEN & CO")
    assert found is not None and found.nav_key == "O'BRIEN & CO"


async def test_update_and_delete(make_mailbox: MailboxFactory, fake: FakeGraph) -> None:
    mailbox = make_mailbox()
    [created] = await mailbox.write([create(ItemKind.CONTACT, "CT1", {"displayName": "A"})])
    assert created.item is not None
    item_id, version = created.item.id, created.item.version
    update = WriteOp(
        "u", WriteAction.UPDATE, ItemKind.CONTACT, "CT1", {"displayName": "B"}, item_id=item_id, if_match=version
    )
    stale = WriteOp(
        "s", WriteAction.UPDATE, ItemKind.CONTACT, "CT1", {"displayName": "C"}, item_id=item_id, if_match=version
    )
    [updated] = await mailbox.write([update])
    [conflict] = await mailbox.write([stale])
    assert updated.ok and updated.item is not None and updated.item.version != version
    assert conflict.error is not None and conflict.error.status == 412
    delete = WriteOp("d", WriteAction.DELETE, ItemKind.CONTACT, "CT1", item_id=item_id)
    [gone, gone_again] = await mailbox.write([delete, delete])
    assert gone.ok and gone_again.ok and gone.item is None  # 404 on a delete: already where it should be
    assert not fake.store.contacts


async def test_bad_ops_fail_alone(make_mailbox: MailboxFactory) -> None:
    mailbox = make_mailbox()
    results = await mailbox.write(
        [
            WriteOp("no-id", WriteAction.UPDATE, ItemKind.CONTACT, "CT1", {"displayName": "x"}),
            create(ItemKind.CONTACT, "CT2", {"displayName": "ok"}),
            WriteOp("no-key", WriteAction.CREATE, ItemKind.CONTACT, "", {"displayName": "y"}),
        ]
    )
    assert [r.ok for r in results] == [False, True, False]
    assert results[0].error is not None and results[0].error.code == "invalidWriteOp"


async def test_events_get_category_and_transaction_id(make_mailbox: MailboxFactory, fake: FakeGraph) -> None:
    mailbox = make_mailbox()
    op = create(ItemKind.EVENT, "TD1", {"subject": "Visit", "categories": ["Red"]}, transaction_id="gen-1")
    [first] = await mailbox.write([op])
    [second] = await mailbox.write([op])
    assert first.item is not None and second.item is not None and first.item.id == second.item.id
    [event] = fake.store.events.values()
    assert event["categories"] == ["Red", "Dynamics NAV"] and event["transactionId"] == "gen-1"


async def test_tasks_carry_linked_resource_and_extension(make_mailbox: MailboxFactory, fake: FakeGraph) -> None:
    mailbox = make_mailbox()
    [created] = await mailbox.write(
        [create(ItemKind.TASK, "TD1", {"title": "Call"}, user_fields={"Territory Code": "LND"})]
    )
    assert created.ok and created.item is not None
    [task] = fake.store.tasks.values()
    assert task["linkedResources"][0]["applicationName"] == "graphsync"
    assert task["linkedResources"][0]["externalId"] == "TD1"
    found = await mailbox.find_by_nav_key(ItemKind.TASK, "TD1", user_fields=["Territory Code"])
    assert found is not None and found.user_fields == {"Territory Code": "LND"}
    update = WriteOp(
        "u",
        WriteAction.UPDATE,
        ItemKind.TASK,
        "TD1",
        {"title": "Call back"},
        item_id=created.item.id,
        user_fields={"Territory Code": None},
    )
    [updated] = await mailbox.write([update])
    assert updated.ok
    [got] = await mailbox.get_many(ItemKind.TASK, [created.item.id], user_fields=["Territory Code"])
    assert got is not None and got.data["title"] == "Call back" and got.user_fields == {"Territory Code": None}
    assert task["extensions"][0]["extensionName"] == TASK_EXTENSION


async def _drain(mailbox: GraphMailbox, kind: ItemKind, link: str | None) -> tuple[list[object], str]:
    rnd = mailbox.delta(kind, link)
    entries: list[object] = []
    async for page in rnd.pages():
        entries.extend(page)
    return entries, rnd.delta_link


async def test_contact_delta_rounds_stream_pages_and_report_removals(make_mailbox: MailboxFactory) -> None:
    mailbox = make_mailbox()
    results = await mailbox.write([create(ItemKind.CONTACT, f"CT{n}", {"displayName": str(n)}) for n in range(12)])
    rnd = mailbox.delta(ItemKind.CONTACT, None)
    assert rnd.full
    pages = []
    async for page in rnd.pages():
        pages.append(page)
        with pytest.raises(GraphsyncError):
            _ = rnd.delta_link  # not before the last page
    assert [len(p) for p in pages] == [5, 5, 2]
    link = rnd.delta_link
    assert all(isinstance(e, OutlookItem) and e.nav_key is None and e.version for p in pages for e in p)
    gone = results[3].item
    assert gone is not None
    await mailbox.write([WriteOp("d", WriteAction.DELETE, ItemKind.CONTACT, "CT3", item_id=gone.id)])
    entries, _ = await _drain(mailbox, ItemKind.CONTACT, link)
    assert entries == [Removed(ItemKind.CONTACT, gone.id, "deleted")]


async def test_dead_delta_link_is_resync_needed(make_mailbox: MailboxFactory, fake: FakeGraph) -> None:
    mailbox = make_mailbox()
    containers: Containers = await mailbox.provision()
    link = (
        f"https://graph.test/v1.0/me/contactFolders/{containers.contact_folder_id}/contacts/delta?$deltatoken=expired"
    )
    with pytest.raises(ResyncNeededError):
        await _drain(mailbox, ItemKind.CONTACT, link)


async def test_event_delta_keeps_tagged_events_and_scopes_out_the_rest(
    make_mailbox: MailboxFactory, fake: FakeGraph
) -> None:
    mailbox = make_mailbox()
    [ours] = await mailbox.write([create(ItemKind.EVENT, "TD1", {"subject": "ours"})])
    fake.store.events["E-private="] = {"id": "E-private=", "subject": "dentist", "changeKey": "x", "_folder": "p"}
    fake.changed("events", "E-private=")
    entries, _ = await _drain(mailbox, ItemKind.EVENT, None)
    assert ours.item is not None
    by_id = {e.id: e for e in entries}  # type: ignore[attr-defined]
    assert isinstance(by_id[ours.item.id], OutlookItem)
    assert by_id["E-private="] == Removed(ItemKind.EVENT, "E-private=", "changed")


async def test_a_missing_token_surfaces_at_once_without_retries(fake: FakeGraph, sleeps: Sleeps) -> None:
    box = GraphMailbox(
        upn=None,
        client=fake.client(),
        tokens=FakeTokens(error=GraphAuthError("not signed in", code="no_account")),
        sleep=sleeps,
    )
    with pytest.raises(GraphAuthError):
        await box.provision()
    box = GraphMailbox(
        upn=None,
        client=fake.client(),
        tokens=FakeTokens(error=GraphAuthError("not signed in", code="no_account")),
        sleep=sleeps,
        known=KNOWN_IDS,
    )
    with pytest.raises(GraphAuthError):
        await box.write([create(ItemKind.CONTACT, "CT1", {"displayName": "A"})])
    assert sleeps == [] and fake.requests == []


async def test_app_only_needs_a_user_and_addresses_it(fake: FakeGraph) -> None:
    with pytest.raises(ConfigError):
        GraphMailbox(upn=None, client=fake.client(), tokens=FakeTokens(app_only=True))
    box = GraphMailbox(upn="Anna@Contoso.com", client=fake.client(), tokens=FakeTokens(app_only=True))
    await box.provision()
    assert {path for _, path in fake.requests} >= {"/users/anna@contoso.com/contactFolders"}


def test_options_follow_the_config() -> None:
    sync = SyncConfig(contact_folder="NAV contacts", calendar="NAV", window_future_days=90)
    options = mailbox_options(sync, user_fields=("Territory Code",), page_size=50)
    assert (options.contact_folder, options.calendar, options.window_future_days) == ("NAV contacts", "NAV", 90)
    assert options.user_fields == ("Territory Code",) and options.page_size == 50


async def test_immutable_ids_for_outlook_items_and_links_followed_verbatim(
    make_mailbox: MailboxFactory, fake: FakeGraph
) -> None:
    mailbox = make_mailbox()
    await mailbox.write([create(ItemKind.CONTACT, f"CT{n}", {"displayName": "x"}) for n in range(7)])
    rnd = mailbox.delta(ItemKind.CONTACT, None)
    fake.urls.clear()
    fake.headers_seen.clear()
    async for _ in rnd.pages():
        pass
    assert all('IdType="ImmutableId"' in h["prefer"] for h in fake.headers_seen)
    # The second request is the fake's nextLink exactly as the fake wrote it: graphsync adds no parameter.
    folder = (await mailbox.provision()).contact_folder_id
    assert fake.urls[1:] == [
        f"https://graph.test/v1.0/me/contactFolders/{folder}/contacts/delta?since=0&upto=7&$skiptoken=5"
    ]
    task_round = mailbox.delta(ItemKind.TASK, None)
    fake.headers_seen.clear()
    async for _ in task_round.pages():
        pass
    assert all("ImmutableId" not in h.get("prefer", "") for h in fake.headers_seen)
