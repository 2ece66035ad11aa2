"""``POST /$batch`` as concepts/json-batching.md describes it."""

from __future__ import annotations

from typing import Any

import httpx

from graphsync.sandbox import Limits, SandboxState
from tests.sandbox.conftest import USER, graph_error

JSON = {"Content-Type": "application/json"}


async def batch(me: httpx.AsyncClient, requests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    response = await me.post("/$batch", json={"requests": requests})
    assert response.status_code == 200, response.text
    return {r["id"]: r for r in response.json()["responses"]}


async def test_items_answer_individually(me: httpx.AsyncClient) -> None:
    answers = await batch(
        me,
        [
            {"id": "1", "method": "GET", "url": "/me"},
            {"id": "2", "method": "POST", "url": "/me/contacts", "body": {"givenName": "A"}, "headers": JSON},
            {"id": "3", "method": "GET", "url": "me/contacts/AAMkADAwATM0MDAAMS0yMDkyLWVjMzYtMAAA"},
            {"id": "4", "method": "GET", "url": "/me/contacts?$select=givenName&$top=1"},
        ],
    )
    assert answers["1"]["status"] == 200 and answers["1"]["body"]["userPrincipalName"] == USER
    assert answers["2"]["status"] == 201 and answers["2"]["body"]["givenName"] == "A"
    assert answers["2"]["headers"]["Content-Type"].startswith("application/json")
    assert answers["3"]["status"] == 404 and answers["3"]["body"]["error"]["code"] == "ErrorItemNotFound"
    assert answers["4"]["body"]["value"] == [
        {"@odata.etag": answers["2"]["body"]["@odata.etag"], "id": answers["2"]["body"]["id"], "givenName": "A"}
    ]


async def test_depends_on_orders_and_fails_dependents_with_424(me: httpx.AsyncClient) -> None:
    answers = await batch(
        me,
        [
            {"id": "3", "dependsOn": ["2"], "method": "GET", "url": "/me/contacts"},
            {"id": "1", "method": "POST", "url": "/me/contacts", "body": {"givenName": "first"}, "headers": JSON},
            {
                "id": "2",
                "dependsOn": ["1"],
                "method": "POST",
                "url": "/me/contacts",
                "body": {"bad": 1},
                "headers": JSON,
            },
            {"id": "4", "dependsOn": ["1"], "method": "GET", "url": "/me/contacts"},
        ],
    )
    assert answers["1"]["status"] == 201
    assert answers["2"]["status"] == 400
    assert answers["3"]["status"] == 424
    assert [c["givenName"] for c in answers["4"]["body"]["value"]] == ["first"]


async def test_more_than_twenty_is_400_and_runs_nothing(me: httpx.AsyncClient) -> None:
    requests = [
        {"id": str(n), "method": "POST", "url": "/me/contacts", "body": {"givenName": "x"}, "headers": JSON}
        for n in range(21)
    ]
    graph_error(await me.post("/$batch", json={"requests": requests}), 400, "BadRequest")
    assert (await me.get("/me/contacts")).json()["value"] == []
    assert len(await batch(me, requests[:20])) == 20


async def test_malformed_batches_are_400(me: httpx.AsyncClient) -> None:
    get = {"method": "GET", "url": "/me"}
    for body in (
        {},
        {"requests": []},
        {"requests": [{"id": "1", **get}, {"id": "1", **get}]},
        {"requests": [{"id": "1", "method": "POST", "url": "/me/contacts", "body": {}}]},
        {"requests": [{"id": "1", "dependsOn": ["9"], **get}]},
        {"requests": [{"id": "1", "dependsOn": ["2"], **get}, {"id": "2", "dependsOn": ["1"], **get}]},
    ):
        graph_error(await me.post("/$batch", json=body), 400, "BadRequest")


async def test_absolute_urls_are_refused_per_item(me: httpx.AsyncClient) -> None:
    answers = await batch(me, [{"id": "1", "method": "GET", "url": "https://graph.microsoft.com/v1.0/me"}])
    assert answers["1"]["status"] == 400


async def test_items_count_against_the_mailbox_limits(me: httpx.AsyncClient, state: SandboxState) -> None:
    state.set_limits(Limits(window_requests=3, window_seconds=60))
    answers = await batch(me, [{"id": str(n), "method": "GET", "url": "/me/contacts"} for n in range(5)])
    assert [answers[str(n)]["status"] for n in range(5)] == [200, 200, 200, 429, 429]
    assert int(answers["4"]["headers"]["Retry-After"]) >= 1
    assert answers["4"]["body"]["error"]["code"] == "ApplicationThrottled"
    assert state.request_counts(USER) == {"GET": 5}
    assert state.batch_requests == 1
