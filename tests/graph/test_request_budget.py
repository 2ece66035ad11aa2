"""The client-side request budget: a sliding log of what the mailbox sent, stamped when the answer arrives,
waited on before sending. Time is a fake clock that moves only when the code under test sleeps."""

from __future__ import annotations

import asyncio
import json
import types
from collections.abc import AsyncIterator

import httpx
import pytest

from graphsync.auth.sandbox import SandboxTokenSource
from graphsync.config.model import GraphConfig, GraphKind, SyncConfig
from graphsync.connectors.outlook import ItemKind, WriteAction, WriteOp
from graphsync.errors import ConfigError
from graphsync.graph import GraphMailbox, GraphMailboxOptions, RequestBudget, RetryPolicy
from graphsync.graph.batch import BatchRequest, run_batched
from graphsync.graph.budget import SlidingBudget
from graphsync.graph.pipeline import GraphPipeline
from graphsync.graph.session import GraphSession
from graphsync.runtime.graph import mailbox_options
from graphsync.sandbox import Limits, SandboxState, create_app
from graphsync.sandbox import limits as sandbox_limits
from tests.fakes.tokens import FakeTokens


class FakeTime:
    """A monotonic clock that stands still until someone sleeps; each sleep moves it on by its length."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


def budget(clock: FakeTime, requests: int, seconds: float) -> SlidingBudget:
    return SlidingBudget(requests=requests, seconds=seconds, clock=clock, sleep=clock.sleep)


async def spend(log: SlidingBudget, cost: int) -> None:
    log.answered(await log.reserve(cost))


# ---------------------------------------------------------------------- the log's arithmetic


async def test_entries_expire_a_window_after_their_answer(clock: FakeTime) -> None:
    log = budget(clock, 10, 10.0)
    for second in range(10):
        clock.now = float(second)
        await spend(log, 1)
    assert clock.sleeps == []
    clock.now = 9.5
    await spend(log, 1)  # the window is full until the entry stamped at 0 expires at 10
    assert clock.sleeps == [0.5] and clock.now == 10.0
    assert log.used == 10  # 1..9 and the one just sent


async def test_a_request_bigger_than_the_room_waits_exactly_until_the_oldest_entries_expire(clock: FakeTime) -> None:
    log = budget(clock, 20, 10.0)
    for second in (0.0, 1.0, 2.0):
        clock.now = second
        await spend(log, 5)
    clock.now = 3.0
    await spend(log, 8)  # 15 used: 3 short, so the 5 stamped at 0 must go, at 10
    assert clock.sleeps == [7.0]
    await spend(log, 20)  # everything must go: the last entry, stamped at 10, expires at 20
    assert clock.sleeps == [7.0, 10.0] and clock.now == 20.0


async def test_entries_in_flight_count_and_do_not_expire_until_answered(clock: FakeTime) -> None:
    log = budget(clock, 4, 1.0)
    taken = await log.reserve(4)
    waiter = asyncio.create_task(spend(log, 1))
    clock.now = 100.0  # long past any window: still in flight, so still counted
    for _ in range(20):
        await asyncio.sleep(0)
    assert not waiter.done() and clock.sleeps == []
    log.answered(taken)  # stamped at 100: expires at 101
    await waiter
    assert clock.sleeps == [1.0]


async def test_a_request_never_sent_gives_its_room_back(clock: FakeTime) -> None:
    log = budget(clock, 4, 10.0)
    log.cancel(await log.reserve(4))
    assert log.used == 0
    await spend(log, 4)
    assert clock.sleeps == []


async def test_waiters_are_served_in_order_so_a_large_one_is_not_starved(clock: FakeTime) -> None:
    log = budget(clock, 20, 10.0)
    await spend(log, 15)
    order: list[str] = []

    async def ask(name: str, cost: int) -> None:
        await spend(log, cost)
        order.append(name)

    big = asyncio.create_task(ask("big", 20))
    await asyncio.sleep(0)
    small = asyncio.create_task(ask("small", 1))  # fits now, but would push the big one back a window
    await asyncio.gather(big, small)
    assert order == ["big", "small"]
    assert clock.sleeps == [10.0, 10.0]


# ---------------------------------------------------------------------- in the session


def batch_answers(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/$batch"):
        items = json.loads(request.content)["requests"]
        return httpx.Response(200, json={"responses": [{"id": r["id"], "status": 200, "body": {}} for r in items]})
    return httpx.Response(200, json={"ok": True})


def session(clock: FakeTime, handler: object, *, requests: int, seconds: float, max_in_flight: int = 4) -> GraphSession:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="https://graph.test/v1.0")  # type: ignore[arg-type]
    return GraphSession(
        pipeline=GraphPipeline(client=client, tokens=FakeTokens()),
        policy=RetryPolicy(jitter=0),
        max_in_flight=max_in_flight,
        budget=RequestBudget(requests=requests, seconds=seconds),
        sleep=clock.sleep,
        clock=clock,
    )


def gets(count: int) -> list[BatchRequest]:
    return [BatchRequest(str(n), "GET", f"/me/contacts/{n}") for n in range(count)]


@pytest.mark.parametrize(("items", "waits"), [(20, [10.0]), (19, [])])
async def test_a_batch_of_20_consumes_20(clock: FakeTime, items: int, waits: list[float]) -> None:
    s = session(clock, batch_answers, requests=20, seconds=10.0)
    answers = await run_batched(s, gets(items))
    assert all(a.ok for a in answers.values())
    await s.call("GET", "/me/next")  # room for one more only if the batch took fewer than 20
    assert clock.sleeps == waits
    assert s.stats.requests == 2 and s.stats.batched == items


async def test_many_callers_with_one_slot_are_paced_and_none_is_stuck(clock: FakeTime) -> None:
    sent: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(clock.now)
        return httpx.Response(200, json={})

    # One slot: a caller waiting for the window must not hold it, or the caller it waits for could not send.
    s = session(clock, handler, requests=2, seconds=10.0, max_in_flight=1)
    await asyncio.gather(*(s.call("GET", f"/me/{n}") for n in range(5)))
    assert sent == [0.0, 0.0, 10.0, 10.0, 20.0]


# ---------------------------------------------------------------------- options and config


def test_budget_options_are_validated_naming_the_key() -> None:
    assert GraphMailboxOptions().request_budget == RequestBudget(requests=10_000, seconds=600.0)
    with pytest.raises(ConfigError) as info:
        RequestBudget(requests=0)
    assert info.value.key == "graph.request_budget"
    with pytest.raises(ConfigError) as info:
        RequestBudget(seconds=0)
    assert info.value.key == "graph.request_budget_seconds"
    with pytest.raises(ConfigError) as info:
        GraphMailboxOptions(request_budget=RequestBudget(requests=10))  # a batch of 20 would never fit
    assert info.value.key == "graph.request_budget"
    assert GraphMailboxOptions(request_budget=RequestBudget(requests=10), batch_size=10).batch_size == 10


def test_options_take_the_budget_from_the_graph_config() -> None:
    graph = GraphConfig(kind=GraphKind.SANDBOX, base_url="http://x/v1.0", request_budget=600, request_budget_seconds=10)
    opts = mailbox_options(SyncConfig(), graph=graph)
    assert opts.request_budget == RequestBudget(requests=600, seconds=10.0)
    off = GraphConfig(kind=GraphKind.SANDBOX, base_url="http://x/v1.0", request_budget=0)
    assert mailbox_options(SyncConfig(), graph=off).request_budget is None
    assert mailbox_options(SyncConfig()).request_budget == RequestBudget()


# ---------------------------------------------------------------------- against the sandbox

USER = "eh@contoso.com"
WINDOW = Limits(concurrent=4, window_requests=40, window_seconds=10.0)


@pytest.fixture
async def sandbox(monkeypatch: pytest.MonkeyPatch, clock: FakeTime) -> AsyncIterator[httpx.AsyncClient]:
    # The sandbox's window runs on the same fake clock as the client, so nobody really waits.
    monkeypatch.setattr(sandbox_limits, "time", types.SimpleNamespace(monotonic=clock))
    state = SandboxState.seeded(USER)
    state.set_limits(WINDOW)
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox/v1.0") as client:
        yield client


def contacts(count: int) -> list[WriteOp]:
    return [
        WriteOp(f"K{n}", WriteAction.CREATE, ItemKind.CONTACT, f"K{n:04}", {"displayName": "x"}) for n in range(count)
    ]


@pytest.mark.parametrize(
    ("budget_set", "throttled"),
    [(RequestBudget(requests=40, seconds=10.0), False), (None, True)],
)
async def test_with_the_sandboxs_window_as_budget_a_run_of_writes_is_never_throttled(
    sandbox: httpx.AsyncClient, clock: FakeTime, budget_set: RequestBudget | None, throttled: bool
) -> None:
    box = GraphMailbox(
        upn=None,
        client=sandbox,
        tokens=SandboxTokenSource(USER),
        options=GraphMailboxOptions(request_budget=budget_set, retry=RetryPolicy(max_attempts=20, jitter=0)),
        sleep=clock.sleep,
        clock=clock,
    )
    await box.provision()
    results = await box.write(contacts(200))
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    assert (box.stats.throttled > 0) is throttled, box.stats
    if not throttled:  # 200 writes and provisioning in windows of 40: paced, not stalled
        assert 40.0 <= clock.now <= 60.0, clock.now
