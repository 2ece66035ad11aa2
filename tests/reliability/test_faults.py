"""Sandbox faults (10% 429 with Retry-After, 5% 503 with or without it, connections dropped before or after the
sandbox handled the request, latency spikes) and delta tokens invalidated between and during runs: every run
completes, nothing is duplicated, no edit is lost.

The engine runs in this process against the sandbox over real HTTP; the Graph client's sleep is replaced by one
that records the waits it was asked for, so Retry-After and backoff are checked without being waited for. The
sandbox counts what it injected (`SandboxState.injected`), so each test asserts that the trouble it asked for
happened, and a `Tap` between the kill switch and the sandbox records each Graph request of a run, so the delta
tests assert where the tokens died and what the run did next.
"""

from __future__ import annotations

import copy
import math
import random
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import parse_qs

import pytest

from graphsync.graph.options import RetryPolicy
from graphsync.sandbox import DropWhen, Faults, InjectedFaults
from tests.reliability.harness import USER, InProcess, assert_no_duplicates
from tests.reliability.scenario import Ledger, check_converged, edit_both_sides

# Not a wait the client's own backoff can produce (its bands are 0.75-1, 1.5-2, 3-4, 6-8 ... seconds with the
# default policy), so every recorded wait can be told apart: Retry-After or backoff.
RETRY_AFTER = 5.0

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


# --------------------------------------------------------------------------- what a run asked of Graph


@dataclass
class Seen:
    """One Graph request of a run, as the sandbox answered it."""

    method: str
    path: str
    query: dict[str, list[str]]
    status: int | None = None
    delta_link: bool = False
    """The answer ended a delta round (it carried ``@odata.deltaLink``)."""

    @property
    def delta(self) -> bool:
        return self.method == "GET" and self.path.endswith("/delta")

    @property
    def token(self) -> str | None:
        """``$deltatoken`` (a round starting from a stored link), ``$skiptoken`` (a later page of a round), or
        None (a round starting from nothing)."""
        return next((name for name in ("$deltatoken", "$skiptoken") if name in self.query), None)


class Tap:
    """ASGI middleware in front of the sandbox (behind the kill switch): records the Graph requests since
    `start`, and runs `invalidate` before the first request `fire_at` picks (once per `start`)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app
        self.log: list[Seen] = []
        self.fire_at: Callable[[list[Seen], Seen], bool] | None = None
        self.invalidate: Callable[[], None] = lambda: None
        self.fired: int | None = None
        """The index in `log` of the request `invalidate` ran before."""

    @classmethod
    def install(cls, world: InProcess) -> Tap:
        tap = cls(world.switch.app)
        tap.invalidate = lambda: world.sandbox.invalidate_delta_tokens(USER)
        world.switch.app = tap
        return tap

    def start(self, fire_at: Callable[[list[Seen], Seen], bool] | None = None) -> None:
        self.log, self.fire_at, self.fired = [], fire_at, None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1.0"):
            await self.app(scope, receive, send)
            return
        seen = Seen(scope["method"], scope["path"], parse_qs(scope.get("query_string", b"").decode("latin-1")))
        if self.fire_at is not None and self.fired is None and self.fire_at(self.log, seen):
            self.fired = len(self.log)
            self.invalidate()
        self.log.append(seen)

        async def noted(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen.status = message["status"]
            elif message["type"] == "http.response.body" and b'"@odata.deltaLink"' in message.get("body", b""):
                seen.delta_link = True
            await send(message)

        await self.app(scope, receive, noted)


def resynced_after_each_410(log: list[Seen]) -> int:
    """Every 410 is followed, on the same collection, by a round started from nothing that reached its delta
    link with no error in between: the full resync. Returns the number of 410s."""
    gone = [i for i, seen in enumerate(log) if seen.status == 410]
    for i in gone:
        assert log[i].delta and log[i].token, log[i]
        after = [seen for seen in log[i + 1 :] if seen.path == log[i].path]
        assert after and after[0].token is None, (log[i], after[:1])
        ends = [k for k, seen in enumerate(after) if seen.delta_link]
        assert ends, ("the resync round never reached its delta link", log[i])
        # Up to its end the round went on page by page; a later 410 (tokens killed again) starts another one.
        assert all(seen.status in (200, 410) for seen in after[: ends[0] + 1]), after
    return len(gone)


def touch_unmapped(world: InProcess, rng: random.Random, count: int) -> None:
    """A person edits the notes of ``count`` synced contacts, a field graphsync does not map: the contacts round
    then has at least ``count`` entries (pages, at two a page), and nothing is to be synced or lost."""
    with world.outlook() as outlook:
        linked = [c for c in outlook.contacts() if c["navKey"]]
        for contact in rng.sample(linked, count):
            outlook.call("PATCH", f"/me/contacts/{contact['id']}", {"personalNotes": f"note {rng.random()}"})


async def settle(world: InProcess, *, runs: int = 4) -> None:
    """Runs until one finishes without item errors (a write that failed is tried again next run)."""
    for _ in range(runs):
        report = await world.sync()
        if not report.errors:
            return
    raise AssertionError(f"still item errors after {runs} runs: {report.errors}")


# --------------------------------------------------------------------------- faults


def near(count: int, trials: int, share: float) -> bool:
    """``count`` is what ``trials`` draws at ``share`` give, within four standard deviations."""
    return abs(count - trials * share) <= 4 * math.sqrt(trials * share * (1 - share)) + 1


class Wait(Enum):
    RETRY_AFTER = "retry-after"
    BACKOFF = "backoff"


def kind_of_wait(seconds: float, policy: RetryPolicy) -> Wait | None:
    """What a wait the client asked for was: Retry-After (the server's wait plus a spread of at most a fortieth:
    `RetryPolicy.delay`), a step of the policy's own backoff, or neither."""
    if RETRY_AFTER <= seconds <= RETRY_AFTER * (1 + policy.jitter * 0.1):
        return Wait.RETRY_AFTER
    for attempt in range(1, policy.max_attempts):
        full = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
        if full * (1 - policy.jitter) <= seconds <= full:
            return Wait.BACKOFF
    return None


def add(total: InjectedFaults, run: InjectedFaults) -> None:
    total.http_requests += run.http_requests
    total.mailbox_requests += run.mailbox_requests
    total.errors.update(run.errors)
    total.without_retry_after += run.without_retry_after
    total.drops.update(run.drops)
    total.spikes += run.spikes


@pytest.mark.parametrize("page_size", [1])
async def test_a_run_through_throttling_errors_drops_and_spikes_completes_and_converges(
    inproc: InProcess, page_size: int
) -> None:
    """Pages of one and twenty contacts touched before each run, so that each run makes enough requests for
    every kind of fault to come up several times."""
    ledger = Ledger(rng=random.Random(4290), group=0)
    edit_both_sides(inproc, ledger, 0)
    injected = InjectedFaults()
    for trial in range(6):
        if trial:
            edit_both_sides(inproc, ledger, trial)
            touch_unmapped(inproc, ledger.rng, 20)
        # 15% of mailbox requests fail: two in three of them 429, one 503 (10% and 5%), half the 503s without
        # Retry-After; 5% of HTTP requests lose their connection before the sandbox did the work and 5% after;
        # 10% wait a twentieth of a second first.
        inproc.sandbox.set_faults(
            Faults(
                error_rate=0.15,
                error_statuses=(429, 429, 503),
                retry_after=RETRY_AFTER,
                without_retry_after=0.5,
                drop_rate=0.05,
                drop_before_rate=0.05,
                spike_rate=0.1,
                spike_seconds=0.05,
                seed=trial,
            )
        )
        inproc.sandbox.reset_counters()
        await settle(inproc)
        add(injected, copy.deepcopy(inproc.sandbox.injected))
        inproc.sandbox.set_faults(Faults())
        assert_no_duplicates(inproc)
    # Every kind of trouble happened, a few times at least, at about the rate asked for.
    assert near(injected.errors[429], injected.mailbox_requests, 0.10) and injected.errors[429] >= 3, injected
    assert near(injected.errors[503], injected.mailbox_requests, 0.05) and injected.errors[503] >= 3, injected
    assert 0 < injected.without_retry_after < injected.errors[503], injected
    for when in DropWhen:
        assert near(injected.drops[when], injected.http_requests, 0.05) and injected.drops[when] >= 3, injected
    assert near(injected.spikes, injected.http_requests, 0.1) and injected.spikes >= 3, injected
    stats = inproc.mailbox.stats
    assert stats.throttled > 0 and stats.retries > 0, stats
    # Every retry waited first: throttled ones the Retry-After the sandbox sent (a batch's throttled items go
    # again together, after the longest), the rest (dropped connections, 503s without Retry-After) by the
    # client's own backoff.
    assert len(inproc.sleep.waits) == stats.retries, (inproc.sleep.waits, stats)
    kinds = Counter(kind_of_wait(w, inproc.options.retry) for w in inproc.sleep.waits)
    assert kinds[None] == 0 and kinds[Wait.RETRY_AFTER] > 0 and kinds[Wait.BACKOFF] > 0, inproc.sleep.waits
    report = await inproc.sync()
    assert not report.errors, report.errors
    check_converged(inproc, ledger)


async def test_503s_without_retry_after_are_retried_by_the_clients_own_backoff(inproc: InProcess) -> None:
    ledger = Ledger(rng=random.Random(503), group=3)
    edit_both_sides(inproc, ledger, 0)
    # retry_after is what the sandbox would send if it sent one: a wait of it would show that it did.
    inproc.sandbox.set_faults(
        Faults(error_rate=0.2, error_statuses=(503,), retry_after=RETRY_AFTER, without_retry_after=1.0, seed=503)
    )
    await settle(inproc)
    injected = inproc.sandbox.injected
    assert injected.errors[503] >= 3 and injected.without_retry_after == injected.errors[503], injected
    inproc.sandbox.set_faults(Faults())
    waits = inproc.sleep.waits
    assert waits and len(waits) == inproc.mailbox.stats.retries, (waits, inproc.mailbox.stats)
    assert all(kind_of_wait(w, inproc.options.retry) is Wait.BACKOFF for w in waits), waits
    assert_no_duplicates(inproc)
    check_converged(inproc, ledger)


# --------------------------------------------------------------------------- delta tokens


class Point(Enum):
    """Where in a run the tokens died."""

    BETWEEN_PAGES = "between two pages of a round"
    BETWEEN_ROUNDS = "before a later round, after the earlier ones and their writes"


def kth_token(k: int) -> Callable[[list[Seen], Seen], bool]:
    """Before the run's ``k``-th delta request that carries a token."""

    def fire_at(log: list[Seen], seen: Seen) -> bool:
        return bool(seen.delta and seen.token) and sum(1 for s in log if s.delta and s.token) + 1 == k

    return fire_at


@pytest.mark.parametrize("page_size", [2])
async def test_every_delta_token_invalidated_between_and_during_runs(inproc: InProcess, page_size: int) -> None:
    """Pages of two, so that rounds have several pages and the tokens can die between two of them. Odd trials
    kill the tokens between runs, even ones during the run, before a seeded one of its delta requests."""
    rng = random.Random(410)
    ledger = Ledger(rng=rng, group=1)
    tap = Tap.install(inproc)
    assert not (await inproc.sync()).errors
    points: Counter[Point] = Counter()
    for trial in range(1, 9):
        edit_both_sides(inproc, ledger, trial)
        if trial % 2:
            inproc.sandbox.invalidate_delta_tokens(USER)
            tap.start()
        else:
            # Five contacts touched: the contacts round has three pages or more, so the run makes at least five
            # delta requests with a token (two more pages, then calendar's and To Do's rounds): the tokens die
            # before one of them, between two pages or between two rounds.
            touch_unmapped(inproc, rng, 5)
            tap.start(kth_token(rng.randint(2, 5)))
        report = await inproc.sync()
        assert not report.errors, (trial, report.errors)
        log = tap.log
        assert resynced_after_each_410(log) > 0, (trial, log)
        first = next(i for i, seen in enumerate(log) if seen.status == 410)
        if trial % 2:
            assert first == 0, log  # the run's very first request met a dead link
        else:
            # Mid-run: the tokens died right before a request this run made, which then answered 410, after
            # at least one delta request with a live token had been answered.
            assert tap.fired is not None and first == tap.fired, (tap.fired, log)
            assert any(seen.token and seen.status == 200 for seen in log[:first]), log
            died = log[first]
            points[Point.BETWEEN_PAGES if died.token == "$skiptoken" else Point.BETWEEN_ROUNDS] += 1
        assert_no_duplicates(inproc)
    assert points[Point.BETWEEN_PAGES] and points[Point.BETWEEN_ROUNDS], points
    await settle(inproc)
    report = await inproc.sync()
    assert not report.errors, report.errors
    check_converged(inproc, ledger)


@pytest.mark.parametrize("page_size", [2])
async def test_tokens_dying_again_during_the_resync_round(inproc: InProcess, page_size: int) -> None:
    ledger = Ledger(rng=random.Random(411), group=2)
    tap = Tap.install(inproc)
    assert not (await inproc.sync()).errors
    edit_both_sides(inproc, ledger, 1)
    inproc.sandbox.invalidate_delta_tokens(USER)

    def in_the_resync_round(log: list[Seen], seen: Seen) -> bool:
        # The full round's first page hands out a skip token; before its second page, all tokens die again.
        return seen.token == "$skiptoken" and any(s.status == 410 for s in log)

    tap.start(in_the_resync_round)
    report = await inproc.sync()
    assert not report.errors, report.errors
    gone = [i for i, seen in enumerate(tap.log) if seen.status == 410]
    assert len(gone) >= 2 and gone[1] == tap.fired, (gone, tap.fired, tap.log)
    assert tap.log[gone[1]].path == tap.log[gone[0]].path and tap.log[gone[1]].token == "$skiptoken", tap.log
    assert resynced_after_each_410(tap.log) == len(gone)
    assert_no_duplicates(inproc)
    await settle(inproc)
    check_converged(inproc, ledger)
