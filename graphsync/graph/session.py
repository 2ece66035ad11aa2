"""One mailbox's connection to Graph: Outlook's concurrent requests per mailbox (`graphsync.graph.slots`),
pacing to the mailbox's request budget, request counting, JSON bodies, and retries by graphsync's
`RetryPolicy` for requests that are safe to repeat."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from graphsync import fastjson
from graphsync.errors import GraphError, ThrottledError
from graphsync.graph.budget import Clock, SlidingBudget
from graphsync.graph.errormap import error_from_response, malformed_response, transport_failure
from graphsync.graph.options import BatchConcurrency, RequestBudget, RetryPolicy
from graphsync.graph.pipeline import GraphPipeline
from graphsync.graph.slots import MailboxSlots

Sleep = Callable[[float], Awaitable[None]]

# Statuses after which the same request may succeed; 500/502 included because Graph's front ends return
# them for transient backend faults. Only requests that are safe to repeat are retried on them.
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RequestStats:
    """Counters for one mailbox. ``requests`` counts HTTP requests sent (a $batch is one), ``batched``
    the requests carried inside batches (Graph's throttling counts each of them)."""

    requests: int = 0
    batches: int = 0
    batched: int = 0
    retries: int = 0
    throttled: int = 0


class _Counter:
    def __init__(self) -> None:
        self.requests = self.batches = self.batched = self.retries = self.throttled = 0

    def snapshot(self) -> RequestStats:
        return RequestStats(self.requests, self.batches, self.batched, self.retries, self.throttled)


# Failures with no usable answer: nothing arrived, or something that is not Graph's JSON (a proxy's page).
NO_ANSWER_CODES = frozenset({"noResponse", "malformedResponse"})


def is_transient(error: GraphError) -> bool:
    """Worth trying again: throttled, a transient server fault, or no usable answer at all. A token that
    could not be had (status 0 too) is not: asking again would not sign anyone in."""
    return isinstance(error, ThrottledError) or error.status in TRANSIENT_STATUSES or error.code in NO_ANSWER_CODES


class GraphSession:
    """Requests for one mailbox, running at most ``max_in_flight`` Outlook requests at a time (Outlook allows 4
    per app and mailbox; a batch counts the items it runs at once, `graphsync.graph.slots`) and, with a
    ``budget``, at most its requests in any stretch of its seconds (`graphsync.graph.budget`). ``batches``
    is how its $batch requests use the slots (`BatchConcurrency`)."""

    def __init__(
        self,
        *,
        pipeline: GraphPipeline,
        policy: RetryPolicy,
        max_in_flight: int,
        budget: RequestBudget | None = None,
        batches: BatchConcurrency = BatchConcurrency.ONE_AT_A_TIME,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.policy = policy
        self.batches = batches
        self._slots = MailboxSlots(max_in_flight)
        self._budget = (
            None
            if budget is None
            else SlidingBudget(requests=budget.requests, seconds=budget.seconds, clock=clock, sleep=sleep)
        )
        # Closed while a throttled request waits out its Retry-After (see `wait_before_retry`).
        self._open = asyncio.Event()
        self._open.set()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._count = _Counter()

    @property
    def stats(self) -> RequestStats:
        return self._count.snapshot()

    @property
    def slot_capacity(self) -> int:
        """The Outlook requests this mailbox may run at once."""
        return self._slots.capacity

    def note_batch(self, size: int) -> None:
        self._count.batches += 1
        self._count.batched += size

    def note_throttled(self) -> None:
        self._count.throttled += 1

    async def wait_before_retry(self, attempt: int, error: GraphError) -> bool:
        """Sleep as the policy says before attempt ``attempt + 1``; False when the policy gives up."""
        retry_after = error.retry_after if isinstance(error, ThrottledError) else None
        delay = self.policy.delay(attempt, retry_after, self._rng)
        if delay is None:
            return False
        self._count.retries += 1
        if isinstance(error, ThrottledError) and self._open.is_set():
            # Outlook counts every request against the mailbox's window, 429 answers included, and requests
            # sent while throttled extend the throttle: so while this one waits out Retry-After, the mailbox's
            # other requests wait too instead of knocking (each knock would cost a request and a retry).
            self._open.clear()
            try:
                await self._sleep(delay)
            finally:
                self._open.set()
        else:
            await self._sleep(delay)
        return True

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        cost: int = 1,
        slots: int = 1,
    ) -> tuple[int, httpx.Headers, Any]:
        """One attempt: (status, headers, parsed JSON body or None). Error statuses are returned, not raised;
        a missing response raises a status-0 `GraphError`, an unparseable success body a malformed one.
        ``cost`` is what Graph counts against the mailbox's window: a $batch's number of requests; ``slots``
        the Outlook requests it runs at once (a $batch of independent items up to 4)."""
        content = None
        all_headers = dict(headers or {})
        if body is not None:
            content = fastjson.dumps(body)
            all_headers["Content-Type"] = "application/json"
        # Room in the budget first, slots second: a request waiting for the window to move must not hold a
        # slot. The requests that already have room need the slots to be sent, and the window moves only as
        # their answers come back (with one slot, the waiter would wait for itself forever).
        taken = await self._budget.reserve(cost) if self._budget is not None else 0
        sent = False
        try:
            held = await self._slots.acquire(slots)
            try:
                await self._open.wait()
                self._count.requests += 1
                sent = True
                try:
                    response = await self.pipeline.send(method, url, headers=all_headers, content=content)
                except httpx.TransportError as exc:
                    raise transport_failure(exc, method=method, url=url) from exc
            finally:
                self._slots.release(held)
        finally:
            if self._budget is not None:
                # Sent: counted from now on, whether answered or not (it may have arrived); never sent: given back.
                (self._budget.answered if sent else self._budget.cancel)(taken)
        if response.status_code == 429:
            self._count.throttled += 1
        if response.status_code >= 400:
            return response.status_code, response.headers, response.content
        if not response.content:
            return response.status_code, response.headers, None
        try:
            return response.status_code, response.headers, fastjson.loads(response.content)
        except ValueError as exc:
            raise malformed_response(response.status_code, str(exc), method=method, url=url) from None

    async def call(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        repeatable: bool = True,
    ) -> Any:
        """The parsed JSON of a successful answer (None when empty), or the mapped `GraphError`.

        ``repeatable`` requests (reads, updates, deletes, batches of reads) are retried on transient
        failures by the policy; others get exactly one attempt, and the caller decides what is safe."""
        attempt = 0
        while True:
            attempt += 1
            try:
                status, resp_headers, payload = await self.send(method, url, headers=headers, body=body)
                if status < 400:
                    return payload
                error = error_from_response(status, resp_headers, payload, method=method, url=url)
            except GraphError as exc:
                error = exc
            if not (repeatable and is_transient(error) and await self.wait_before_retry(attempt, error)):
                raise error
