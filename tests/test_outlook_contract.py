"""The Outlook contract (`tests/outlook_contract.py`) against the engine tests' fake and against GraphMailbox
over the sandbox: the fake is held to what the real client does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
import pytest

from graphsync.auth.sandbox import SandboxTokenSource
from graphsync.connectors.outlook import Containers, ItemKind, OutlookMailbox
from graphsync.graph import GraphMailbox, GraphMailboxOptions
from graphsync.graph.paths import IMMUTABLE_IDS
from graphsync.sandbox import SandboxState, create_app
from tests.fakes.outlook import FakeMailbox
from tests.outlook_contract import USER_FIELD, OutlookContract

USER = "eh@contoso.com"


class FakePerson:
    def __init__(self, box: FakeMailbox) -> None:
        self._box = box

    async def create(self, kind: ItemKind, data: Mapping[str, Any]) -> str:
        return self._box.user_create(kind, data)

    async def edit(self, kind: ItemKind, item_id: str, data: Mapping[str, Any]) -> None:
        self._box.user_edit(kind, item_id, data)

    async def delete(self, kind: ItemKind, item_id: str) -> None:
        self._box.user_delete(kind, item_id)

    def expire_delta_links(self) -> None:
        for kind in ItemKind:
            self._box.expire_delta(kind)

    async def set_time_zone(self, name: str) -> None:
        self._box.zone = name


class TestFakeMailbox(OutlookContract):
    @pytest.fixture
    async def box(self) -> AsyncIterator[OutlookMailbox]:
        box = FakeMailbox(USER)
        await box.provision()
        yield box

    @pytest.fixture
    def person(self, box: FakeMailbox) -> FakePerson:
        return FakePerson(box)


class SandboxPerson:
    """A person's Outlook talking to the sandbox as Graph: the user's own token, straight to the API."""

    def __init__(self, client: httpx.AsyncClient, state: SandboxState, containers: Containers) -> None:
        self._client = client
        self._state = state
        self._containers = containers
        # Immutable ids, as graphsync asks for them (Graph gives each kind of id in what it answers).
        self._headers = {"Authorization": f"Bearer sandbox:{USER}", "Prefer": IMMUTABLE_IDS}

    def _collection(self, kind: ItemKind) -> str:
        if kind is ItemKind.CONTACT:
            return f"/me/contactFolders/{self._containers.contact_folder_id}/contacts"
        if kind is ItemKind.TASK:
            return f"/me/todo/lists/{self._containers.todo_list_id}/tasks"
        return "/me/events"

    def _item(self, kind: ItemKind, item_id: str) -> str:
        if kind is ItemKind.TASK:
            return f"/me/todo/lists/{self._containers.todo_list_id}/tasks/{item_id}"
        return f"/me/{'contacts' if kind is ItemKind.CONTACT else 'events'}/{item_id}"

    async def _send(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        response = await self._client.request(method, path, json=body, headers=self._headers)
        response.raise_for_status()
        return response.json() if response.content else None

    async def create(self, kind: ItemKind, data: Mapping[str, Any]) -> str:
        return str((await self._send("POST", self._collection(kind), data))["id"])

    async def edit(self, kind: ItemKind, item_id: str, data: Mapping[str, Any]) -> None:
        await self._send("PATCH", self._item(kind, item_id), data)

    async def delete(self, kind: ItemKind, item_id: str) -> None:
        await self._send("DELETE", self._item(kind, item_id))

    def expire_delta_links(self) -> None:
        self._state.invalidate_delta_tokens(USER)

    async def set_time_zone(self, name: str) -> None:
        await self._send("PATCH", "/me/mailboxSettings", {"timeZone": name})


class TestGraphMailboxOverTheSandbox(OutlookContract):
    @pytest.fixture
    def state(self) -> SandboxState:
        return SandboxState.seeded(USER)

    @pytest.fixture
    async def client(self, state: SandboxState) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=create_app(state))
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox/v1.0") as client:
            yield client

    @pytest.fixture
    async def box(self, client: httpx.AsyncClient) -> AsyncIterator[OutlookMailbox]:
        box = GraphMailbox(
            upn=USER,
            client=client,
            tokens=SandboxTokenSource(USER),
            options=GraphMailboxOptions(page_size=3, user_fields=(USER_FIELD,)),
        )
        await box.provision()
        yield box
        await box.aclose()

    @pytest.fixture
    async def person(self, client: httpx.AsyncClient, state: SandboxState, box: GraphMailbox) -> SandboxPerson:
        return SandboxPerson(client, state, await box.provision())


async def test_a_dry_run_s_mailbox_keeps_the_protocol_and_writes_nothing() -> None:
    """`LookOnlyMailbox` (a dry run's) answers as the client it wraps for who, which meetings and which time zone;
    a container not made yet reads as empty, and no write gets through."""
    from graphsync.errors import GraphError
    from graphsync.runtime.dryrun import LookOnlyMailbox
    from tests.outlook_contract import contact, round_of

    state = SandboxState.seeded(USER)
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox/v1.0") as client:
        person = SandboxPerson(client, state, Containers("", ""))
        await person.set_time_zone("Tokyo Standard Time")
        inner = GraphMailbox(
            upn=USER,
            client=client,
            tokens=SandboxTokenSource(USER),
            options=GraphMailboxOptions(create_containers=False, category="CRM"),
        )
        box = LookOnlyMailbox(inner)
        assert isinstance(box, OutlookMailbox)
        assert box.mailbox == USER and box.meetings == inner.meetings and box.meetings.category == "CRM"
        assert await box.time_zone() == "Asia/Tokyo"
        entries, _, full = await round_of(box, ItemKind.CONTACT, None)
        assert full and entries == []
        with pytest.raises(GraphError):
            await box.write([contact("5050:CT1", "Gibson")])
        folders = (await client.get("/me/contactFolders", headers=person._headers)).json()["value"]
        assert not [f for f in folders if f["displayName"] == "Dynamics NAV"]  # looked for, never made
        await box.aclose()
