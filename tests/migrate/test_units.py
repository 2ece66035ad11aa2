"""The pure parts of the migrations, and the sandbox's translateExchangeIds as Graph documents it."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from graphsync import mapi
from graphsync.config.entities import OWNER, Condition, Direction, EntityName, default_entity
from graphsync.connectors.migration import Folder, FoundItem
from graphsync.connectors.nav import NavTable
from graphsync.connectors.outlook import ItemKind, OutlookItem
from graphsync.engine.binding import bind_entity
from graphsync.engine.origins import Origin
from graphsync.migrate.addin.links import parse_record_id
from graphsync.migrate.addin.setup import propose
from graphsync.migrate.addin.tables import AddinEntity, AddinFilter, AddinSetup, AddinUserSetup, NavUser
from graphsync.migrate.linking import Refusal, Step, decide
from graphsync.migrate.rollback import Action, RollbackMode, plan_rollback
from graphsync.nav import schema
from graphsync.sandbox import SandboxState, create_app
from graphsync.sandbox.legacy import LegacyKind, put_legacy_item

UPN = "eh@contoso.com"


def test_entry_ids_convert_between_outlooks_hex_and_graphs_base64() -> None:
    raw = mapi.message_entry_id(mapi.store_uid(UPN), bytes(range(22)), bytes(range(22, 44)))
    assert len(raw) == 70 and mapi.from_hex(mapi.to_hex(raw).lower()) == raw
    for size in (68, 69, 70):  # every padding count
        data = bytes(range(size))
        text = mapi.to_graph(data)
        assert text[-1] == str((3 - size % 3) % 3) and "=" not in text and mapi.from_graph(text) == data
    parts = mapi.parse_message_entry_id(raw)
    assert parts.provider_uid == mapi.store_uid(UPN) and parts.message == bytes(range(22, 44))
    for bad in ("", "ABC", "XYZ0"):
        with pytest.raises(mapi.EntryIdError):
            mapi.from_hex(bad)
    with pytest.raises(mapi.EntryIdError, match="bytes"):
        mapi.parse_message_entry_id(raw[:40])
    with pytest.raises(mapi.EntryIdError):
        mapi.from_graph("abc")


def _translate(state: SandboxState, body: Any, *, user: str = UPN) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(state))
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test/v1.0") as client:
            return await client.post(
                f"/users/{user}/translateExchangeIds", json=body, headers={"Authorization": "Bearer sandbox-app"}
            )

    return asyncio.run(call())


def _get(state: SandboxState, url: str) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(state))
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test/v1.0") as client:
            return await client.get(url, headers={"Authorization": "Bearer sandbox-app"})

    return asyncio.run(call())


def test_sandbox_translates_entry_ids_as_graph_documents() -> None:
    state = SandboxState.seeded(UPN)
    entry = mapi.message_entry_id(mapi.store_uid(UPN), bytes(22), b"\x01" * 22)
    rest = put_legacy_item(state, UPN, LegacyKind.CONTACT, {"displayName": "Lori Kane"}, entry)
    gone = mapi.message_entry_id(mapi.store_uid(UPN), bytes(22), b"\x02" * 22)
    foreign = mapi.message_entry_id(mapi.store_uid("of@contoso.com"), bytes(22), b"\x01" * 22)
    ids = [mapi.to_graph(entry), mapi.to_graph(gone), mapi.to_graph(foreign), "not an id"]
    answer = _translate(state, {"inputIds": ids, "sourceIdType": "entryId", "targetIdType": "restId"})
    assert answer.status_code == 200
    values = answer.json()["value"]
    assert [v["sourceId"] for v in values] == ids
    assert values[0]["targetId"] == rest
    assert _get(state, f"/users/{UPN}/contacts/{values[1]['targetId']}").status_code == 404  # converts, is gone
    assert values[2]["errorDetails"]["code"] == values[3]["errorDetails"]["code"] == "ErrorInvalidIdMalformed"
    back = _translate(state, {"inputIds": [rest], "sourceIdType": "restId", "targetIdType": "entryId"}).json()
    assert mapi.parse_message_entry_id(mapi.from_graph(back["value"][0]["targetId"])).message == b"\x01" * 22
    assert (
        _translate(state, {"inputIds": ["x"] * 1001, "sourceIdType": "restId", "targetIdType": "entryId"}).status_code
        == 400
    )
    assert _translate(state, {"inputIds": [], "sourceIdType": "mapi", "targetIdType": "entryId"}).status_code == 400
    assert (
        _translate(state, {"inputIds": [], "sourceIdType": "restId", "targetIdType": "entryId", "x": 1}).status_code
        == 400
    )


def test_sandbox_task_entry_ids_convert_to_outlook_ids_that_to_do_does_not_take() -> None:
    state = SandboxState.seeded(UPN)
    entry = mapi.message_entry_id(mapi.store_uid(UPN), bytes(22), b"\x03" * 22)
    task = put_legacy_item(state, UPN, LegacyKind.TASK, {"title": "Call back"}, entry)
    answer = _translate(
        state, {"inputIds": [mapi.to_graph(entry)], "sourceIdType": "entryId", "targetIdType": "restId"}
    )
    target = answer.json()["value"][0]["targetId"]
    assert target != task
    lists = _get(state, f"/users/{UPN}/todo/lists").json()["value"]
    default = next(lst for lst in lists if lst["wellknownListName"] == "defaultList")
    assert _get(state, f"/users/{UPN}/todo/lists/{default['id']}/tasks/{target}").status_code == 404
    assert _get(state, f"/users/{UPN}/todo/lists/{default['id']}/tasks/{task}").status_code == 200
    as_rest = _translate(state, {"inputIds": [task], "sourceIdType": "restId", "targetIdType": "entryId"}).json()
    assert "errorDetails" in as_rest["value"][0]


def test_record_ids_as_nav_formats_them() -> None:
    assert parse_record_id("Contact: CT100006") == (NavTable.CONTACT, ("CT100006",))
    assert parse_record_id("TO-DO: TD000001") == (NavTable.TODO, ("TD000001",))
    assert parse_record_id("Task: TD000001") == (NavTable.TODO, ("TD000001",))
    assert parse_record_id("Customer: 10000") is None
    assert parse_record_id("Contact") is None


def _setup(filters: list[AddinFilter], direction: str = "Bidirectional") -> AddinSetup:
    return AddinSetup(
        entities=(AddinEntity("PERS", "Persons", 5050, "ContactItem", "", "{E}"),),
        fields=(),
        filters=(AddinFilter("{E}", "Condition", 10000, 5050, "CONST", "Person"), *filters),
        user_setups=(
            AddinUserSetup("U1", "PERS", "", direction, "{U}"),
            AddinUserSetup("U2", "PERS", "", "Bidirectional", "{U2}"),
        ),
        links=(),
        users=(NavUser("U1", "EH"), NavUser("U2", "OF")),
    )


def test_conditions_carry_one_or_several_values_own_code_as_owner_and_report_the_rest() -> None:
    tables = schema.table_def
    proposal = propose(
        _setup(
            [
                AddinFilter("{U}", "Condition", 10000, 29, "CONST", "eh"),
                AddinFilter("{U}", "Condition", 20000, 15, "FILTER", "EANG|LND"),
                AddinFilter("{U}", "Condition", 30000, 7, "FILTER", "Cam*"),
            ]
        ),
        tables,
    )
    u1 = next(g for g in proposal.groups if "U1" in g.users)
    pers = next(e for e in u1.entities if e.name is EntityName.CONT_PERS)
    assert pers.enabled and pers.direction is Direction.BIDIRECTIONAL
    assert pers.condition == (Condition("Salesperson Code", (OWNER,)), Condition("Territory Code", ("EANG", "LND")))
    assert [n.text for n in proposal.notes] == [
        "condition City=FILTER(Cam*): graphsync conditions are one value or several (a|b)"
    ]
    assert all(not e.enabled for e in u1.entities if e.name is not EntityName.CONT_PERS)
    assert len(proposal.groups) == 2  # U2 has no conditions: another config
    one_way = propose(_setup([], "Microsoft Dynamics NAV to Outlook"), tables)
    dirs = {g.users: next(e for e in g.entities if e.name is EntityName.CONT_PERS).direction for g in one_way.groups}
    assert dirs == {("U1",): Direction.NAV_TO_OUTLOOK, ("U2",): Direction.BIDIRECTIONAL}


def _found(kind: ItemKind, *, folder: Folder, nav_key: str | None = None, category: bool = False) -> FoundItem:
    return FoundItem(OutlookItem(kind, "id1", {}, "v", nav_key, {}), folder, {}, category)


def test_decide_where_an_item_must_go() -> None:
    contact = bind_entity(default_entity(EntityName.CONT_PERS), schema.CONTACT, time_zone="UTC")
    meeting = bind_entity(default_entity(EntityName.MEETING), schema.TODO, time_zone="UTC")
    default = Folder(ItemKind.CONTACT, "", "Contacts", default=True)
    ours = Folder(ItemKind.CONTACT, "f", "Dynamics NAV", graphsync=True)
    calendar = Folder(ItemKind.EVENT, "c", "Calendar", default=True, graphsync=True)
    other = Folder(ItemKind.EVENT, "o", "Birthdays")
    assert decide(contact, "5050:X", _found(ItemKind.CONTACT, folder=default), None) is Step.COPY
    assert decide(contact, "5050:X", _found(ItemKind.CONTACT, folder=ours), None) is Step.STAMP
    assert decide(contact, "5050:X", _found(ItemKind.CONTACT, folder=ours, nav_key="5050:X"), None) is Step.LINK
    copy = OutlookItem(ItemKind.CONTACT, "id2", {}, "v", "5050:X", {})
    assert decide(contact, "5050:X", None, copy) is Step.FINISH_COPY
    assert decide(contact, "5050:X", _found(ItemKind.CONTACT, folder=default), copy) is Step.FINISH_COPY
    refused = decide(contact, "5050:X", _found(ItemKind.CONTACT, folder=ours, nav_key="5050:Y"), None)
    assert isinstance(refused, Refusal) and "5050:Y" in refused.detail
    assert isinstance(decide(contact, "5050:X", None, None), Refusal)
    assert decide(meeting, "5080:T", _found(ItemKind.EVENT, folder=calendar), None) is Step.STAMP
    stamped = _found(ItemKind.EVENT, folder=calendar, nav_key="5080:T", category=True)
    assert decide(meeting, "5080:T", stamped, None) is Step.LINK
    elsewhere = decide(meeting, "5080:T", _found(ItemKind.EVENT, folder=other), None)
    assert isinstance(elsewhere, Refusal) and "new invitation" in elsewhere.detail


def test_rollback_deletes_only_what_graphsync_created() -> None:
    folder = Folder(ItemKind.CONTACT, "f", "Dynamics NAV", graphsync=True)
    items = [
        _found(ItemKind.CONTACT, folder=folder, nav_key=k)
        for k in ("5050:CREATED", "5050:ADOPTED", "5050:MINE", "5050:OLD", "5050:JOURNALED")
    ]
    items.append(_found(ItemKind.EVENT, folder=folder, category=True))
    origins = {"5050:CREATED": Origin.CREATED, "5050:ADOPTED": Origin.ADOPTED, "5050:MINE": Origin.OUTLOOK}
    created = {"5050:CREATED", "5050:JOURNALED"}
    delete = plan_rollback(items, mode=RollbackMode.DELETE, created=created, origins=origins)
    assert [(s.found.item.nav_key, s.action, s.origin) for s in delete] == [
        ("5050:CREATED", Action.DELETE, "created"),
        ("5050:ADOPTED", Action.UNSTAMP, "adopted"),
        ("5050:MINE", Action.UNSTAMP, "outlook"),
        ("5050:OLD", Action.UNSTAMP, "unknown"),
        ("5050:JOURNALED", Action.DELETE, "created"),
        (None, Action.UNSTAMP, "category only"),
    ]
    keep = plan_rollback(items, mode=RollbackMode.KEEP, created=created, origins=origins)
    assert {s.action for s in keep} == {Action.UNSTAMP}


def test_matching_events_needs_agreeing_attendees_and_tasks_a_single_candidate() -> None:
    from graphsync.connectors.nav import NavRecord
    from graphsync.migrate.adopt.match import NavSideItem, OutlookSideItem, Status, match

    meeting = bind_entity(default_entity(EntityName.MEETING), schema.TODO, time_zone="UTC")
    task = bind_entity(default_entity(EntityName.TASK), schema.TODO, time_zone="UTC")
    record = NavRecord(NavTable.TODO, ("T1",), {"Description": "Review"}, "1")
    nav = NavSideItem(
        meeting,
        record,
        "5080:T1",
        "Review",
        {"subject": "Review", "start": "2030-01-02T10:00:00", "attendees": "required:a@x.example"},
    )
    folder = Folder(ItemKind.EVENT, "c", "Calendar", default=True, graphsync=True)

    def event(item_id: str, attendees: str) -> OutlookSideItem:
        found = FoundItem(OutlookItem(ItemKind.EVENT, item_id, {"subject": "Review"}, "v"), folder)
        norm = {"subject": "review ", "start": "2030-01-02T10:00:00", "attendees": attendees}
        return OutlookSideItem(found, ItemKind.EVENT, {EntityName.MEETING: norm})

    (pair,) = [p for p in match(ItemKind.EVENT, [nav], [event("e1", "required:a@x.example")]) if p.outlook]
    assert pair.status is Status.MATCHED and "attendees a@x.example" in pair.evidence
    (pair,) = [p for p in match(ItemKind.EVENT, [nav], [event("e1", "required:b@x.example")]) if p.outlook]
    assert pair.status is Status.AMBIGUOUS and "only in NAV: a@x.example" in pair.evidence
    todo = NavSideItem(task, record, "5080:T1", "Review", {"title": "Review", "dueDateTime": "2030-01-02"})
    tasks_folder = Folder(ItemKind.TASK, "l", "Tasks", default=True)

    def todo_task(item_id: str) -> OutlookSideItem:
        found = FoundItem(OutlookItem(ItemKind.TASK, item_id, {"title": "Review"}, "v"), tasks_folder)
        return OutlookSideItem(
            found, ItemKind.TASK, {EntityName.TASK: {"title": "Review", "dueDateTime": "2030-01-02"}}
        )

    pairs = match(ItemKind.TASK, [todo], [todo_task("t1"), todo_task("t2")])
    assert [p.status for p in pairs] == [Status.AMBIGUOUS, Status.AMBIGUOUS]
    assert "the record also fits 1 other item(s)" in pairs[0].evidence
