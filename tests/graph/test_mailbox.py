"""GraphMailbox against the sandbox in-process: provisioning, writes, look-ups, delta rounds, what goes on the wire."""

from __future__ import annotations

import json
import math
from urllib.parse import unquote

import httpx
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
from graphsync.errors import (
    ConfigError,
    ContainerChangedError,
    GraphAuthError,
    GraphsyncError,
    NotFoundError,
    ResyncNeededError,
)
from graphsync.graph import PROPERTY_SET, GraphMailbox
from graphsync.graph.stamping import TASK_EXTENSION
from graphsync.runtime.graph import mailbox_options
from graphsync.sandbox import SandboxState
from tests.fakes.tokens import FakeTokens
from tests.graph.conftest import (
    ANNA,
    SANDBOX,
    USER,
    MailboxFactory,
    Recorder,
    Sleeps,
    app_token,
    items_of,
    json_of,
)

KNOWN_IDS = Containers(contact_folder_id="F", todo_list_id="L")
JUNE_20 = {
    "start": {"dateTime": "2026-06-20T09:00:00", "timeZone": "UTC"},
    "end": {"dateTime": "2026-06-20T10:00:00", "timeZone": "UTC"},
}
"""Inside the calendar window around the tests' clock (conftest.NOW)."""
IMMUTABLE = {"Prefer": 'IdType="ImmutableId"'}


def create(kind: ItemKind, key: str, body: dict[str, object], **kw: object) -> WriteOp:
    return WriteOp(op_id=key, action=WriteAction.CREATE, kind=kind, nav_key=key, body=body, **kw)  # type: ignore[arg-type]


async def test_it_is_an_outlook_mailbox(make_mailbox: MailboxFactory) -> None:
    mailbox = make_mailbox(upn="Anna@Contoso.com")
    assert isinstance(mailbox, OutlookMailbox)
    assert mailbox.mailbox == "anna@contoso.com"


async def _names(outlook: httpx.AsyncClient) -> tuple[list[str], list[str], list[str]]:
    """The person's contact folders, To Do lists and calendars, by name."""
    folders = (await json_of(await outlook.get("/me/contactFolders")))["value"]
    lists = (await json_of(await outlook.get("/me/todo/lists")))["value"]
    calendars = (await json_of(await outlook.get("/me/calendars")))["value"]
    return [f["displayName"] for f in folders], [t["displayName"] for t in lists], [c["name"] for c in calendars]


async def test_provision_creates_once_then_finds_by_name(
    make_mailbox: MailboxFactory, outlook: httpx.AsyncClient
) -> None:
    first = await make_mailbox().provision()
    again = await make_mailbox().provision()
    assert first == again
    # One folder and one list made; the primary calendar used (no calendar of graphsync's own by default).
    assert await _names(outlook) == (["Dynamics NAV"], ["Tasks", "Dynamics NAV"], ["Calendar"])


async def test_provision_with_remembered_ids_reports_rename_and_deletion(
    make_mailbox: MailboxFactory, outlook: httpx.AsyncClient
) -> None:
    known = await make_mailbox().provision()
    assert await make_mailbox(known=known).provision() == known
    folder = f"/me/contactFolders/{known.contact_folder_id}"
    await json_of(await outlook.patch(folder, json={"displayName": "Old NAV stuff"}))
    with pytest.raises(ContainerChangedError) as renamed:
        await make_mailbox(known=known).provision()
    assert renamed.value.found == "Old NAV stuff" and renamed.value.container == "contact folder"
    await json_of(await outlook.delete(f"/me/todo/lists/{known.todo_list_id}"))
    await json_of(await outlook.patch(folder, json={"displayName": "Dynamics NAV"}))
    with pytest.raises(ContainerChangedError) as deleted:
        await make_mailbox(known=known).provision()
    assert deleted.value.found is None and deleted.value.container == "To Do list"
    # Nothing was re-made behind the caller's back.
    assert await _names(outlook) == (["Dynamics NAV"], ["Tasks"], ["Calendar"])


async def test_creating_n_contacts_takes_ceil_n_over_20_batches(
    make_mailbox: MailboxFactory, sandbox: SandboxState
) -> None:
    mailbox = make_mailbox()
    await mailbox.provision()
    before = mailbox.stats.requests
    ops = [create(ItemKind.CONTACT, f"CT{n:06}", {"displayName": f"Contact {n}"}) for n in range(45)]
    results = await mailbox.write(ops)
    assert [r.op_id for r in results] == [op.op_id for op in ops]
    assert all(r.ok and r.item is not None and r.item.nav_key == r.op_id for r in results)
    assert mailbox.stats.requests - before == math.ceil(45 / 20)
    contacts = items_of(sandbox, "contact")
    assert len(contacts) == 45
    stamped = {value for contact in contacts for value in contact.ext_props.values()}
    assert (f"String {{{PROPERTY_SET}}} Name NAV Key", "CT000000") in stamped


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


async def test_update_and_delete(make_mailbox: MailboxFactory, sandbox: SandboxState) -> None:
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
    assert not items_of(sandbox, "contact")


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


async def test_events_get_category_and_transaction_id(make_mailbox: MailboxFactory, sandbox: SandboxState) -> None:
    mailbox = make_mailbox()
    op = create(ItemKind.EVENT, "TD1", {"subject": "Visit", "categories": ["Red"], **JUNE_20}, transaction_id="gen-1")
    [first] = await mailbox.write([op])
    [second] = await mailbox.write([op])
    assert first.item is not None and second.item is not None and first.item.id == second.item.id
    [event] = items_of(sandbox, "event")
    assert event.props["categories"] == ["Red", "Dynamics NAV"] and event.props["transactionId"] == "gen-1"


async def test_tasks_carry_linked_resource_and_extension(
    make_mailbox: MailboxFactory, outlook: httpx.AsyncClient
) -> None:
    mailbox = make_mailbox()
    [created] = await mailbox.write(
        [create(ItemKind.TASK, "TD1", {"title": "Call"}, user_fields={"Territory Code": "LND"})]
    )
    assert created.ok and created.item is not None
    task_url = f"/me/todo/lists/{(await mailbox.provision()).todo_list_id}/tasks/{created.item.id}"
    [link] = (await json_of(await outlook.get(f"{task_url}/linkedResources")))["value"]
    assert (link["applicationName"], link["externalId"]) == ("graphsync", "TD1")
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
    [extension] = (await json_of(await outlook.get(f"{task_url}/extensions")))["value"]
    assert extension["extensionName"] == TASK_EXTENSION


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


async def test_dead_delta_link_is_resync_needed(make_mailbox: MailboxFactory, sandbox: SandboxState) -> None:
    mailbox = make_mailbox()
    await mailbox.write([create(ItemKind.CONTACT, "CT1", {"displayName": "A"})])
    _, link = await _drain(mailbox, ItemKind.CONTACT, None)
    sandbox.invalidate_delta_tokens(USER)  # 410 syncStateNotFound, as for a sync state Graph no longer has
    with pytest.raises(ResyncNeededError):
        await _drain(mailbox, ItemKind.CONTACT, link)
    garbled = link.split("$deltatoken=")[0] + "$deltatoken=expired"  # 410 syncStateInvalid
    with pytest.raises(ResyncNeededError):
        await _drain(mailbox, ItemKind.CONTACT, garbled)


async def test_event_delta_keeps_tagged_events_and_scopes_out_the_rest(
    make_mailbox: MailboxFactory, outlook: httpx.AsyncClient
) -> None:
    mailbox = make_mailbox()
    [ours] = await mailbox.write([create(ItemKind.EVENT, "TD1", {"subject": "ours", **JUNE_20})])
    private = await json_of(
        await outlook.post("/me/events", json={"subject": "dentist", **JUNE_20}, headers=IMMUTABLE)
    )  # the person's own, without graphsync's category
    entries, _ = await _drain(mailbox, ItemKind.EVENT, None)
    assert ours.item is not None
    by_id = {e.id: e for e in entries}  # type: ignore[attr-defined]
    assert isinstance(by_id[ours.item.id], OutlookItem)
    assert by_id[private["id"]] == Removed(ItemKind.EVENT, private["id"], "changed")


async def test_a_missing_token_surfaces_at_once_without_retries(wire: Recorder, sleeps: Sleeps) -> None:
    box = GraphMailbox(
        upn=None,
        client=httpx.AsyncClient(transport=wire, base_url=SANDBOX),
        tokens=FakeTokens(error=GraphAuthError("not signed in", code="no_account")),
        sleep=sleeps,
    )
    with pytest.raises(GraphAuthError):
        await box.provision()
    box = GraphMailbox(
        upn=None,
        client=httpx.AsyncClient(transport=wire, base_url=SANDBOX),
        tokens=FakeTokens(error=GraphAuthError("not signed in", code="no_account")),
        sleep=sleeps,
        known=KNOWN_IDS,
    )
    with pytest.raises(GraphAuthError):
        await box.write([create(ItemKind.CONTACT, "CT1", {"displayName": "A"})])
    assert sleeps == [] and wire.requests == []


async def test_app_only_needs_a_user_and_addresses_it(make_mailbox: MailboxFactory, wire: Recorder) -> None:
    with pytest.raises(ConfigError):
        make_mailbox(upn=None, tokens=app_token())
    box = make_mailbox(upn="Anna@Contoso.com", tokens=app_token())
    await box.provision()
    paths = {unquote(r.url.path) for r in wire.requests}
    assert f"/v1.0/users/{ANNA}/contactFolders" in paths and not any("/me/" in p for p in paths)
    assert {r.headers["authorization"] for r in wire.requests} == {"Bearer sandbox-app"}


async def test_app_only_for_a_user_the_tenant_lacks_is_not_found(make_mailbox: MailboxFactory) -> None:
    """Graph answers 404 for a mailbox of a user that does not exist; nothing is made."""
    with pytest.raises(NotFoundError):
        await make_mailbox(upn="nobody@contoso.com", tokens=app_token()).provision()


def test_options_follow_the_config() -> None:
    sync = SyncConfig(contact_folder="NAV contacts", calendar="NAV", window_future_days=90)
    options = mailbox_options(sync, user_fields=("Territory Code",), page_size=50)
    assert (options.contact_folder, options.calendar, options.window_future_days) == ("NAV contacts", "NAV", 90)
    assert options.user_fields == ("Territory Code",) and options.page_size == 50


async def test_immutable_ids_for_outlook_items_and_links_followed_verbatim(
    make_mailbox: MailboxFactory, wire: Recorder
) -> None:
    mailbox = make_mailbox()
    await mailbox.write([create(ItemKind.CONTACT, f"CT{n}", {"displayName": "x"}) for n in range(7)])
    rnd = mailbox.delta(ItemKind.CONTACT, None)
    wire.clear()
    async for _ in rnd.pages():
        pass
    assert all('IdType="ImmutableId"' in r.headers["prefer"] for r in wire.requests)
    # Each later request is the nextLink exactly as the sandbox wrote it: graphsync adds no parameter.
    links = [json.loads(e.body).get("@odata.nextLink") for e in wire.exchanges]
    assert len(links) == 2 and links[0] is not None and links[-1] is None
    assert [str(r.url) for r in wire.requests[1:]] == links[:-1]
    task_round = mailbox.delta(ItemKind.TASK, None)
    wire.clear()
    async for _ in task_round.pages():
        pass
    assert wire.requests and all("ImmutableId" not in r.headers.get("prefer", "") for r in wire.requests)
