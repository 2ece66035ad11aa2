"""``POST /$batch`` as concepts/json-batching.md describes it."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from graphsync.sandbox import Faults, Limits, SandboxState
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


# Every batch item is an Outlook request (concepts/throttling-limits.md, "Outlook service limits for JSON
# batching"): up to four of one batch run at once without dependsOn, one after another along dependsOn, each
# holding one of the mailbox's four concurrent slots while it takes the latency; an item that finds no slot
# is answered 429 with Retry-After inside the batch (concepts/throttling.md, "Throttling and batching").

LATENCY = 0.05


def _gets(count: int, *, chained: bool = False) -> list[dict[str, Any]]:
    return [
        {
            "id": str(n),
            "method": "GET",
            "url": "/me/contacts",
            **({"dependsOn": [str(n - 1)]} if chained and n else {}),
        }
        for n in range(count)
    ]


async def test_four_items_of_a_batch_run_at_once(me: httpx.AsyncClient, state: SandboxState) -> None:
    """throttling-limits.md, "Outlook service limits for JSON batching": "the service executes up to 4
    requests in parallel". With three slots the fourth item to start finds none."""
    state.set_faults(Faults(latency=LATENCY))
    state.set_limits(Limits(concurrent=4))
    assert {a["status"] for a in (await batch(me, _gets(8))).values()} == {200}
    state.set_limits(Limits(concurrent=3))
    statuses = [a["status"] for a in (await batch(me, _gets(8))).values()]
    assert statuses.count(429) >= 1 and statuses.count(200) >= 3


async def test_items_along_depends_on_run_one_at_a_time(me: httpx.AsyncClient, state: SandboxState) -> None:
    """throttling-limits.md: "apps can use the dependsOn property to specify an order to execute each
    individual request in the batch sequentially": a chain needs one slot only."""
    state.set_faults(Faults(latency=LATENCY / 5))
    state.set_limits(Limits(concurrent=1))
    assert {a["status"] for a in (await batch(me, _gets(6, chained=True))).values()} == {200}


async def test_a_second_batch_in_flight_finds_the_slots_taken(me: httpx.AsyncClient, state: SandboxState) -> None:
    """throttling-limits.md, "Outlook service limits for JSON batching": with several batches in flight for
    one mailbox, each batch's parallel items count against the mailbox's 4 concurrent requests; items past them
    are throttled with a Retry-After of their own (throttling.md, "Throttling and batching")."""
    state.set_faults(Faults(latency=LATENCY))
    state.set_limits(Limits(concurrent=4))
    results = await asyncio.gather(*(batch(me, _gets(4)) for _ in range(2)))
    answers = [a for result in results for a in result.values()]
    throttled = [a for a in answers if a["status"] == 429]
    assert len(throttled) == 4 and sum(a["status"] == 200 for a in answers) == 4
    assert all(int(a["headers"]["Retry-After"]) >= 1 for a in throttled)
    assert all("MailboxConcurrency" in a["body"]["error"]["message"] for a in throttled)


async def test_four_chained_batches_fit_the_slots(me: httpx.AsyncClient, state: SandboxState) -> None:
    """throttling-limits.md: "Use the dependsOn property for each batch request and have up to 4 such batch
    requests running concurrently"."""
    state.set_faults(Faults(latency=LATENCY / 5))
    state.set_limits(Limits(concurrent=4))
    results = await asyncio.gather(*(batch(me, _gets(5, chained=True)) for _ in range(4)))
    assert {a["status"] for result in results for a in result.values()} == {200}


async def test_a_running_item_holds_a_slot_against_plain_requests(me: httpx.AsyncClient, state: SandboxState) -> None:
    """throttling-limits.md, "Limits per app ID": "Outlook can execute up to 4 concurrent requests": a batch's
    running items and plain requests share them."""
    state.set_faults(Faults(latency=LATENCY))
    state.set_limits(Limits(concurrent=4))
    running = asyncio.ensure_future(batch(me, _gets(4)))
    await asyncio.sleep(LATENCY * 1.5)  # the batch's round trip is over, its four items are running
    plain = await me.get("/me/contacts")
    assert plain.status_code == 429
    assert {a["status"] for a in (await running).values()} == {200}


async def test_failed_dependency_is_424_when_items_take_time(me: httpx.AsyncClient, state: SandboxState) -> None:
    """json-batching.md, "Sequencing requests with the dependsOn property": "If an individual request fails,
    any request that depends on that request fails with status code 424 (Failed Dependency)"."""
    state.set_faults(Faults(latency=LATENCY / 5))
    requests = _gets(3, chained=True)
    requests[0] = {"id": "0", "method": "POST", "url": "/me/contacts", "body": {"bad": 1}, "headers": JSON}
    answers = await batch(me, requests)
    assert [answers[str(n)]["status"] for n in range(3)] == [400, 424, 424]
    assert answers["1"]["body"]["error"]["code"] == "FailedDependency"


async def test_window_throttles_items_when_they_take_time(me: httpx.AsyncClient, state: SandboxState) -> None:
    """throttling-limits.md, "Limits per app ID and mailbox combination": a batch's items count one each
    against the mailbox's window; past it they are 429 with Retry-After inside the batch."""
    state.set_faults(Faults(latency=LATENCY / 5))
    state.set_limits(Limits(concurrent=4, window_requests=3, window_seconds=60))
    answers = await batch(me, _gets(5, chained=True))
    assert [answers[str(n)]["status"] for n in range(5)] == [200, 200, 200, 429, 424]
    assert int(answers["3"]["headers"]["Retry-After"]) >= 1
