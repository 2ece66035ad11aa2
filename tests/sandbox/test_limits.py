"""Outlook's per-mailbox limits and the injected faults (off by default)."""

from __future__ import annotations

import asyncio
import copy
import math
import random

import httpx
import pytest

from graphsync.sandbox import DropWhen, Faults, InjectedFaults, Limits, SandboxState, create_app
from tests.sandbox.conftest import OTHER, USER, client_for, graph_error


def near(count: int, trials: int, share: float) -> bool:
    """``count`` is what ``trials`` draws at ``share`` give, within four standard deviations."""
    return abs(count - trials * share) <= 4 * math.sqrt(trials * share * (1 - share)) + 1


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


async def test_a_503_or_504_can_come_without_retry_after_and_a_429_never_does(
    state: SandboxState, me: httpx.AsyncClient
) -> None:
    state.set_faults(Faults(error_rate=1.0, without_retry_after=0.5, retry_after=3, seed=5))
    responses = [await me.get("/me") for _ in range(90)]
    by_status: dict[int, list[httpx.Response]] = {}
    for response in responses:
        by_status.setdefault(response.status_code, []).append(response)
    assert set(by_status) == {429, 503, 504}
    assert all(r.headers["Retry-After"] == "3" for r in by_status[429])
    for status in (503, 504):
        bare = [r for r in by_status[status] if "Retry-After" not in r.headers]
        # Both kinds, and the ones without the header do not tell the client to wait for it.
        assert 0 < len(bare) < len(by_status[status]), (status, len(bare))
        assert all("Retry-After" not in r.json()["error"]["message"] for r in bare)
    assert state.injected.without_retry_after == sum("Retry-After" not in r.headers for r in responses), state.injected


async def test_what_the_faults_inject_is_counted_by_kind_at_the_rates_asked_for(state: SandboxState) -> None:
    """Creates, so that a drop before handling (no contact) can be told from one after (a contact)."""
    faults = Faults(
        error_rate=0.2,
        error_statuses=(429, 503),
        without_retry_after=0.5,
        drop_rate=0.1,
        drop_before_rate=0.1,
        spike_rate=0.2,
        spike_seconds=0.001,
        seed=11,
    )
    state.set_faults(faults)
    answered: dict[int, int] = {}
    bare = dropped = 0
    async with client_for(state, f"sandbox:{USER}") as me:
        for i in range(400):
            try:
                response = await me.post("/me/contacts", json={"givenName": f"c{i}"})
            except httpx.RemoteProtocolError:
                dropped += 1
                continue
            answered[response.status_code] = answered.get(response.status_code, 0) + 1
            bare += response.status_code != 201 and "Retry-After" not in response.headers
        seen = copy.deepcopy(state.injected)
        state.set_faults(Faults())
        made = len((await me.get("/me/contacts", params={"$top": "1000"})).json()["value"])
    assert seen.http_requests == 400
    assert sum(seen.drops.values()) == dropped
    # Only a request dropped before handling never reached the mailbox; one dropped after made its contact
    # unless it was answered with an injected error first.
    assert seen.mailbox_requests == 400 - seen.drops[DropWhen.BEFORE_HANDLING]
    assert made == seen.mailbox_requests - sum(seen.errors.values())
    assert made > answered[201], "some contacts were made by requests whose answer was dropped"
    assert seen.errors[429] >= answered[429] > 0 and seen.errors[503] >= answered[503] > 0
    assert seen.without_retry_after >= bare > 0
    assert near(seen.drops[DropWhen.BEFORE_HANDLING], 400, 0.1), seen
    assert near(seen.drops[DropWhen.AFTER_HANDLING], 400, 0.1), seen
    assert near(seen.spikes, 400 - seen.drops[DropWhen.BEFORE_HANDLING], 0.2), seen
    assert near(sum(seen.errors.values()), seen.mailbox_requests, 0.2), seen
    assert near(seen.without_retry_after, seen.errors[503], 0.5), seen
    assert seen.errors.keys() == {429, 503}
    state.reset_counters()
    assert state.injected == InjectedFaults()


async def test_spikes_delay_the_share_of_requests_they_are_drawn_for(
    state: SandboxState, me: httpx.AsyncClient
) -> None:
    state.set_faults(Faults(spike_rate=0.25, spike_seconds=0.03, seed=3))
    loop = asyncio.get_running_loop()
    slow = 0
    for _ in range(40):
        started = loop.time()
        await me.get("/me")
        slow += loop.time() - started >= 0.03
    assert slow == state.injected.spikes and 0 < slow < 40


async def test_the_same_seed_without_the_new_faults_makes_the_old_choices(state: SandboxState) -> None:
    """Seeded runs recorded before without_retry_after, drop_before_rate and spikes existed stay repeatable:
    those draw from the random stream only when switched on."""
    state.set_faults(Faults(error_rate=0.3, drop_rate=0.2, seed=9))
    outcomes = []
    async with client_for(state, f"sandbox:{USER}") as me:
        for _ in range(60):
            try:
                outcomes.append((await me.get("/me")).status_code)
            except httpx.RemoteProtocolError:
                outcomes.append(0)
    # The draws as they were made before: one for the drop per HTTP request, then the error and its status
    # (a drop comes after handling by default, so a dropped request drew its error too).
    rng = random.Random(9)
    expected = []
    for _ in range(60):
        drop = rng.random() < 0.2
        status = rng.choice((429, 503, 504)) if rng.random() < 0.3 else 200
        expected.append(0 if drop else status)
    assert outcomes == expected


def test_faults_refuse_shares_outside_zero_to_one() -> None:
    with pytest.raises(ValueError, match="drop_before_rate"):
        Faults(drop_before_rate=1.5)
    with pytest.raises(ValueError, match="together"):
        Faults(drop_rate=0.6, drop_before_rate=0.5)
    with pytest.raises(ValueError, match="seconds"):
        Faults(spike_rate=0.1, spike_seconds=-1)


async def test_control_endpoint_sets_and_reports_the_new_faults(state: SandboxState) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(state)),
        base_url="http://sandbox/_sandbox",
    ) as control:
        body = {
            "errorRate": 1,
            "errorStatuses": [503],
            "withoutRetryAfter": 1,
            "dropBeforeRate": 0.25,
            "spikeRate": 0.5,
            "spikeSeconds": 0.001,
            "seed": 1,
        }
        answer = (await control.put("/faults", json=body)).json()
        assert {k: answer[k] for k in body} == {**body, "errorStatuses": [503]}
        assert state.faults.drop_before_rate == 0.25 and state.faults.without_retry_after == 1.0
        assert (await control.put("/faults", json={"dropRate": 0.6, "dropBeforeRate": 0.5})).status_code == 400
        assert (await control.put("/faults", json={"spikeRate": 2})).status_code == 400
        state.injected.errors[503] += 2
        state.injected.without_retry_after += 2
        injected = (await control.get("/state")).json()["injected"]
        assert injected["errors"] == {"503": 2} and injected["withoutRetryAfter"] == 2
        assert injected["drops"] == {"before": 0, "after": 0}
