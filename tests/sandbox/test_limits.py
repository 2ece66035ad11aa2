"""Outlook's per-mailbox limits and the injected faults (off by default)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from graphsync.sandbox import DropWhen, Faults, Limits, SandboxState
from tests.sandbox.conftest import OTHER, USER, client_for, graph_error


async def test_nothing_is_limited_by_default(me: httpx.AsyncClient) -> None:
    statuses = [(await me.get("/me/contacts")).status_code for _ in range(50)]
    assert set(statuses) == {200}


async def test_request_window_answers_429_with_retry_after_per_mailbox(
    me: httpx.AsyncClient, app_client: httpx.AsyncClient, state: SandboxState
) -> None:
    state.set_limits(Limits(window_requests=3, window_seconds=30))
    statuses = [(await me.get("/me/contacts")).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    response = await me.get("/me/contacts")
    graph_error(response, 429, "ApplicationThrottled")
    assert 1 <= int(response.headers["Retry-After"]) <= 30
    # Another mailbox has its own window.
    assert (await app_client.get(f"/users/{OTHER}/contacts")).status_code == 200


async def test_window_slides(me: httpx.AsyncClient, state: SandboxState) -> None:
    state.set_limits(Limits(window_requests=2, window_seconds=0.2))
    assert [(await me.get("/me")).status_code for _ in range(3)] == [200, 200, 429]
    await asyncio.sleep(0.25)
    assert (await me.get("/me")).status_code == 200


async def test_concurrency_limit(state: SandboxState) -> None:
    state.set_limits(Limits(concurrent=4))
    state.set_faults(Faults(latency=0.05))
    async with client_for(state, f"sandbox:{USER}") as me:
        responses = await asyncio.gather(*(me.get("/me/contacts") for _ in range(7)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 4 + [429] * 3
    throttled = next(r for r in responses if r.status_code == 429)
    assert "MailboxConcurrency" in throttled.json()["error"]["message"]
    assert throttled.headers["Retry-After"] == "1"


async def test_outlook_limits_are_graphs_numbers() -> None:
    assert Limits.outlook() == Limits(concurrent=4, window_requests=10_000, window_seconds=600)


async def test_random_errors_with_retry_after_are_repeatable(state: SandboxState, me: httpx.AsyncClient) -> None:
    state.set_faults(Faults(error_rate=0.5, retry_after=7, seed=42))
    first = [(await me.get("/me")).status_code for _ in range(40)]
    state.set_faults(Faults(error_rate=0.5, retry_after=7, seed=42))
    second = [(await me.get("/me")).status_code for _ in range(40)]
    assert first == second
    assert set(first) == {200, 429, 503, 504}
    failed = await _first_failure(me)
    assert failed.headers["Retry-After"] == "7"
    assert failed.json()["error"]["code"] in ("TooManyRequests", "ServiceUnavailable", "GatewayTimeout")


async def _first_failure(me: httpx.AsyncClient) -> httpx.Response:
    while True:
        response = await me.get("/me")
        if response.status_code != 200:
            return response


async def test_only_chosen_statuses(state: SandboxState, me: httpx.AsyncClient) -> None:
    state.set_faults(Faults(error_rate=1.0, error_statuses=(503,)))
    assert {(await me.get("/me")).status_code for _ in range(10)} == {503}


async def test_latency_is_added(state: SandboxState, me: httpx.AsyncClient) -> None:
    state.set_faults(Faults(latency=0.05))
    loop = asyncio.get_running_loop()
    started = loop.time()
    await me.get("/me")
    assert loop.time() - started >= 0.05


async def test_dropped_connection_after_handling_keeps_the_change(state: SandboxState, me: httpx.AsyncClient) -> None:
    state.set_faults(Faults(drop_rate=1.0))
    with pytest.raises(httpx.RemoteProtocolError):
        await me.post("/me/contacts", json={"givenName": "lost answer"})
    state.set_faults(Faults())
    assert [c["givenName"] for c in (await me.get("/me/contacts")).json()["value"]] == ["lost answer"]


async def test_dropped_connection_before_handling_changes_nothing(state: SandboxState, me: httpx.AsyncClient) -> None:
    state.set_faults(Faults(drop_rate=1.0, drop_when=DropWhen.BEFORE_HANDLING))
    with pytest.raises(httpx.RemoteProtocolError):
        await me.post("/me/contacts", json={"givenName": "never"})
    state.set_faults(Faults())
    assert (await me.get("/me/contacts")).json()["value"] == []


async def test_request_counters_by_mailbox_and_method(me: httpx.AsyncClient, state: SandboxState) -> None:
    await me.get("/me/contacts")
    made = (await me.post("/me/contacts", json={"givenName": "A"})).json()
    await me.patch(f"/me/contacts/{made['id']}", json={"givenName": "B"})
    await me.get("/me/contacts")
    assert state.request_counts(USER) == {"GET": 2, "POST": 1, "PATCH": 1}
    assert state.request_counts(OTHER) == {}
    state.reset_counters()
    assert state.request_counts(USER) == {}
