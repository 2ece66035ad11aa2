"""While one request waits out a 429's Retry-After, the mailbox's other requests wait too: Outlook counts
every request against the window, and requests sent while throttled extend the throttle."""

from __future__ import annotations

import asyncio

import httpx

from graphsync.graph.options import RetryPolicy
from graphsync.graph.pipeline import GraphPipeline
from graphsync.graph.session import GraphSession
from tests.fakes.tokens import FakeTokens


async def test_other_requests_wait_while_a_throttled_one_waits_out_retry_after() -> None:
    sent: list[str] = []
    throttled_once = False

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal throttled_once
        sent.append(request.url.path)
        if request.url.path.endswith("/a") and not throttled_once:
            throttled_once = True
            return httpx.Response(429, headers={"Retry-After": "3"}, json={"error": {"code": "TooManyRequests"}})
        return httpx.Response(200, json={"ok": request.url.path})

    release = asyncio.Event()
    waits: list[float] = []

    async def sleep(seconds: float) -> None:  # a Retry-After wait that ends when the test says so
        waits.append(seconds)
        await release.wait()

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="https://graph.test/v1.0")
    session = GraphSession(
        pipeline=GraphPipeline(client=client, tokens=FakeTokens()),
        policy=RetryPolicy(jitter=0),
        max_in_flight=4,
        sleep=sleep,
    )
    first = asyncio.create_task(session.call("GET", "/me/a"))
    while not waits:  # the 429 came back and its wait began
        await asyncio.sleep(0)
    second = asyncio.create_task(session.call("GET", "/me/b"))
    for _ in range(50):
        await asyncio.sleep(0)
    assert sent == ["/v1.0/me/a"], "a request was sent into the throttled window"
    release.set()
    assert await first == {"ok": "/v1.0/me/a"}
    assert await second == {"ok": "/v1.0/me/b"}
    assert waits[0] >= 3
    assert sorted(sent[1:]) == ["/v1.0/me/a", "/v1.0/me/b"]
    await client.aclose()
