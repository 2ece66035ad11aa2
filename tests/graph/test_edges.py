"""Edge cases a well-behaved server does not produce, staged with respx."""

from __future__ import annotations

import json
import random

import httpx
import pytest
import respx

from graphsync.connectors.outlook import Containers, ItemKind, WriteAction, WriteOp
from graphsync.errors import GraphError, ThrottledError
from graphsync.graph import GraphMailbox, GraphMailboxOptions, RetryPolicy
from tests.fakes.tokens import FakeTokens
from tests.graph.conftest import BASE, Sleeps

KNOWN = Containers(contact_folder_id="F1", todo_list_id="L1")
FOLDER = {"id": "F1", "displayName": "Dynamics NAV"}
LIST = {"id": "L1", "displayName": "Dynamics NAV"}


def mailbox(sleeps: Sleeps, **options: object) -> GraphMailbox:
    return GraphMailbox(
        upn="anna@contoso.com",
        client=httpx.AsyncClient(base_url=BASE),
        tokens=FakeTokens(),
        options=GraphMailboxOptions(**options),  # type: ignore[arg-type]
        known=KNOWN,
        sleep=sleeps,
        rng=random.Random(1),
    )


def containers_exist(router: respx.Router) -> None:
    router.get(f"{BASE}/users/anna@contoso.com/contactFolders/F1").respond(json=FOLDER)
    router.get(f"{BASE}/users/anna@contoso.com/todo/lists/L1").respond(json=LIST)


async def drain(box: GraphMailbox, kind: ItemKind) -> None:
    async for _ in box.delta(kind, None).pages():
        pass


@respx.mock
async def test_malformed_json_on_a_delta_page_is_a_graph_error(sleeps: Sleeps) -> None:
    containers_exist(respx.mock)
    respx.get(url__regex=r".*/contacts/delta$").respond(
        200, content=b'{"value": [', headers={"Content-Type": "application/json"}
    )
    with pytest.raises(GraphError) as err:
        await drain(mailbox(sleeps), ItemKind.CONTACT)
    assert err.value.code == "malformedResponse"


@respx.mock
async def test_a_next_link_loop_fails_the_round(sleeps: Sleeps) -> None:
    containers_exist(respx.mock)
    loop = f"{BASE}/users/anna@contoso.com/contactFolders/F1/contacts/delta?$skiptoken=A"
    respx.get(url__regex=r".*/contacts/delta").respond(json={"value": [], "@odata.nextLink": loop})
    with pytest.raises(GraphError) as err:
        await drain(mailbox(sleeps), ItemKind.CONTACT)
    assert err.value.code == "deltaLoop"


@respx.mock
async def test_a_5xx_storm_surfaces_after_the_policy_cap(sleeps: Sleeps) -> None:
    containers_exist(respx.mock)
    route = respx.get(url__regex=r".*/contacts/delta").respond(502, json={"error": {"code": "x", "message": "bad gw"}})
    with pytest.raises(GraphError) as err:
        await drain(mailbox(sleeps, retry=RetryPolicy(max_attempts=3, base_delay=2, jitter=0)), ItemKind.CONTACT)
    assert err.value.status == 502 and route.call_count == 3
    assert sleeps == [2.0, 4.0]  # exponential backoff between attempts, none after the last


@respx.mock
async def test_429_without_retry_after_backs_off_with_jitter(sleeps: Sleeps) -> None:
    containers_exist(respx.mock)
    page = {"value": [], "@odata.deltaLink": f"{BASE}/x?$deltatoken=1"}
    respx.get(url__regex=r".*/contacts/delta").mock(
        side_effect=[httpx.Response(429), httpx.Response(429), httpx.Response(200, json=page)]
    )
    await drain(mailbox(sleeps, retry=RetryPolicy(base_delay=1, jitter=0.5)), ItemKind.CONTACT)
    assert len(sleeps) == 2
    assert 0.5 <= sleeps[0] <= 1.0 and 1.0 <= sleeps[1] <= 2.0


@respx.mock
async def test_retry_after_beyond_the_give_up_threshold_surfaces_at_once(sleeps: Sleeps) -> None:
    containers_exist(respx.mock)
    respx.get(url__regex=r".*/contacts/delta").respond(429, headers={"Retry-After": "600"})
    with pytest.raises(ThrottledError) as err:
        await drain(mailbox(sleeps), ItemKind.CONTACT)
    assert err.value.retry_after == 600 and sleeps == []


def batch_answer(request: httpx.Request, statuses: dict[str, tuple[int, dict[str, str]]]) -> httpx.Response:
    sent = json.loads(request.content)["requests"]
    responses = []
    for item in sent:
        status, headers = statuses.get(item["id"], (201, {}))
        body = {"id": f"C-{item['id']}", "changeKey": "1"} if status < 300 else {"error": {"code": "e", "message": "m"}}
        responses.append({"id": item["id"], "status": status, "headers": headers, "body": body})
    return httpx.Response(200, json={"responses": responses})


@respx.mock
async def test_a_batch_with_mixed_statuses_gives_each_op_its_own_result(sleeps: Sleeps) -> None:
    containers_exist(respx.mock)
    rounds: list[list[str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        ids = [item["id"] for item in json.loads(request.content)["requests"]]
        rounds.append(ids)
        if len(rounds) == 1:
            return batch_answer(
                request, {"1": (400, {}), "2": (429, {"Retry-After": "7"}), "3": (429, {"Retry-After": "3"})}
            )
        return batch_answer(request, {})

    respx.post(f"{BASE}/$batch").mock(side_effect=answer)
    ops = [WriteOp(str(n), WriteAction.UPDATE, ItemKind.CONTACT, f"CT{n}", {"x": n}, item_id=f"C{n}") for n in range(4)]
    results = await mailbox(sleeps).write(ops)
    assert [r.ok for r in results] == [True, False, True, True]
    assert results[1].error is not None and results[1].error.status == 400
    assert rounds == [["0", "1", "2", "3"], ["2", "3"]]  # only the throttled ones again
    assert sleeps[0] >= 7  # after the longest Retry-After


@respx.mock
async def test_a_create_neither_answered_nor_found_is_not_sent_again(sleeps: Sleeps) -> None:
    containers_exist(respx.mock)
    batches = respx.post(f"{BASE}/$batch").respond(200, content=b"<html>proxy</html>")
    op = WriteOp("c", WriteAction.CREATE, ItemKind.CONTACT, "CT1", {"displayName": "A"})
    other = WriteOp("u", WriteAction.UPDATE, ItemKind.CONTACT, "CT2", {"displayName": "B"}, item_id="C2")
    [created, updated] = await mailbox(sleeps, retry=RetryPolicy(max_attempts=2)).write([op, other])
    assert created.error is not None and created.error.code == "createUnconfirmed"
    assert updated.error is not None and updated.error.code == "malformedResponse"
    # The write batch, the look-up by NAV key (garbled too, and retried as reads are), then the update alone
    # again: never the create a second time.
    sent = [json.loads(c.request.content)["requests"] for c in batches.calls]
    assert [[r["method"] for r in b] for b in sent] == [["POST", "PATCH"], ["GET"], ["GET"], ["PATCH"]]


@respx.mock
async def test_a_post_that_timed_out_after_the_server_created_the_item_is_not_repeated(sleeps: Sleeps) -> None:
    containers_exist(respx.mock)
    created: list[dict[str, object]] = []

    def batch(request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)["requests"]
        if items[0]["method"] == "POST":
            created.append(items[0]["body"])
            raise httpx.ReadTimeout("the server made the contact, the answer never came", request=request)
        # The look-up by NAV key finds what the lost create made.
        found = {
            "id": "C1",
            "changeKey": "1",
            "singleValueExtendedProperties": created[0]["singleValueExtendedProperties"],
        }
        return httpx.Response(
            200, json={"responses": [{"id": items[0]["id"], "status": 200, "body": {"value": [found]}}]}
        )

    respx.post(f"{BASE}/$batch").mock(side_effect=batch)
    op = WriteOp("c", WriteAction.CREATE, ItemKind.CONTACT, "CT1", {"displayName": "A"})
    [result] = await mailbox(sleeps).write([op])
    assert result.ok and result.item is not None and result.item.id == "C1" and result.item.nav_key == "CT1"
    assert len(created) == 1
