"""No retry, graphsync's or the SDK's, makes a second copy of an item."""

from __future__ import annotations

import httpx
import pytest
from msgraph_core import GraphClientFactory

from graphsync.connectors.outlook import ItemKind, WriteAction, WriteOp
from graphsync.errors import ThrottledError
from graphsync.graph.options import RetryPolicy
from graphsync.graph.pipeline import GraphPipeline
from graphsync.graph.session import GraphSession
from graphsync.sandbox import DropWhen, Fault, SandboxState
from tests.fakes.tokens import FakeTokens
from tests.graph.conftest import BASE, MailboxFactory, Sleeps, items_of


def create(kind: ItemKind, key: str, body: dict[str, object]) -> WriteOp:
    return WriteOp(op_id=key, action=WriteAction.CREATE, kind=kind, nav_key=key, body=body)


WHEN = {
    "start": {"dateTime": "2026-06-20T09:00:00", "timeZone": "UTC"},
    "end": {"dateTime": "2026-06-20T10:00:00", "timeZone": "UTC"},
}


@pytest.mark.parametrize(
    ("kind", "body", "stored"),
    [
        (ItemKind.CONTACT, {"displayName": "A"}, "contact"),
        (ItemKind.TASK, {"title": "A"}, "todoTask"),
        (ItemKind.EVENT, {"subject": "A", **WHEN}, "event"),
    ],
)
async def test_batch_whose_answer_was_lost_after_the_server_created_the_items_is_not_repeated(
    make_mailbox: MailboxFactory, sandbox: SandboxState, kind: ItemKind, body: dict[str, object], stored: str
) -> None:
    mailbox = make_mailbox()
    await mailbox.provision()
    sandbox.fail_next(Fault("POST", r"^/\$batch$", when=DropWhen.AFTER_HANDLING))  # the connection drops
    ops = [create(kind, f"K{n}", body) for n in range(3)]
    results = await mailbox.write(ops)
    assert all(r.ok for r in results), [r.error for r in results]
    items = items_of(sandbox, stored)
    assert len(items) == 3  # created once, found again by NAV key, not created twice
    assert {r.item.id for r in results if r.item} == {item.key for item in items}
    assert mailbox.stats.retries == 1 and sandbox.injected.targeted == 1


async def test_a_create_answered_500_after_the_work_is_looked_up_not_resent(
    make_mailbox: MailboxFactory, sandbox: SandboxState
) -> None:
    mailbox = make_mailbox()
    containers = await mailbox.provision()
    sandbox.fail_next(
        Fault(
            "POST",
            rf"contactFolders/{containers.contact_folder_id}/contacts$",
            status=500,
            when=DropWhen.AFTER_HANDLING,
        )
    )  # the batch item's own answer
    [result] = await mailbox.write([create(ItemKind.CONTACT, "CT1", {"displayName": "A"})])
    assert result.ok and len(items_of(sandbox, "contact")) == 1 and sandbox.injected.targeted == 1


async def test_a_create_that_did_not_happen_is_sent_again(make_mailbox: MailboxFactory, sandbox: SandboxState) -> None:
    mailbox = make_mailbox()
    await mailbox.provision()
    sandbox.fail_next(Fault("POST", r"^/\$batch$"))  # dropped before the server saw it
    [result] = await mailbox.write([create(ItemKind.CONTACT, "CT1", {"displayName": "A"})])
    assert result.ok and len(items_of(sandbox, "contact")) == 1 and sandbox.injected.targeted == 1


async def test_sdk_retry_handler_in_an_injected_client_does_not_retry_a_post(sleeps: Sleeps) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        return httpx.Response(503, headers={"Retry-After": "0"}, json={"error": {"code": "busy", "message": "m"}})

    # A client made the SDK's default way: its pipeline holds kiota's RetryHandler.
    client = GraphClientFactory.create_with_default_middleware(
        client=httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url=BASE)
    )
    session = GraphSession(
        pipeline=GraphPipeline(client=client, tokens=FakeTokens()),
        policy=RetryPolicy(),
        max_in_flight=4,
        sleep=sleeps,
    )
    with pytest.raises(ThrottledError):
        await session.call("POST", "/me/contactFolders", body={"displayName": "x"}, repeatable=False)
    assert calls == ["POST"]
    # A repeatable request is retried, by graphsync's policy only (6 attempts, not 6 x the SDK's 4).
    calls.clear()
    with pytest.raises(ThrottledError):
        await session.call("GET", "/me/contactFolders")
    assert calls == ["GET"] * RetryPolicy().max_attempts
