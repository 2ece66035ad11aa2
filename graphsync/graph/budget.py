"""Pacing one mailbox's requests to Graph's request window: a client-side sliding log.

Outlook allows each app 10,000 requests per mailbox in 10 minutes, each request inside a $batch counting
one. Sending into a full window costs twice: the items answered 429 count as requests too (Graph counts
them, and immediate retries extend the throttle), and the wait for ``Retry-After`` (whole seconds) is
longer than the wait for room. So before a request is sent, `SlidingBudget.reserve` waits until the log of
what this mailbox sent has room for the request's cost.

A log never holding more than N in any stretch of length W is also within N per window when Graph's
window is fixed rather than sliding: any fixed window is one of the sliding ones.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class SlidingBudget:
    """At most ``requests`` in any ``seconds`` long stretch, as the server would count them.

    An entry is stamped when its answer has arrived, not when it was sent: the server stamps a request when
    it arrives (a batch item perhaps a little later, while the batch is handled), which is after the send by
    a latency that varies from request to request; a request sent exactly W after another could therefore
    arrive less than W after it. The answer comes only after the server's stamp, so a window measured from
    the answer is never shorter than the server's, whatever the latency. Until its answer arrives an entry
    is in flight: it counts, and does not yet expire. The price is one round trip per window, not a guessed
    margin.

    Waiters are served in order of arrival. Letting a small request pass a large one that waits would not
    be free: the small one's entry expires only a window later, after the large one's room would have come,
    so it would push the large one back, and a stream of small requests could starve it.
    """

    def __init__(self, *, requests: int, seconds: float, clock: Clock = time.monotonic, sleep: Sleep) -> None:
        self.capacity = requests
        self.seconds = seconds
        self._clock = clock
        self._sleep = sleep
        self._answered: deque[tuple[float, int]] = deque()  # (stamp, cost), in stamp order
        self._answered_cost = 0
        self._in_flight = 0
        self._turn = asyncio.Lock()  # FIFO: asyncio's lock wakes its waiters in order
        self._answer = asyncio.Event()  # set when an in-flight entry is stamped

    @property
    def used(self) -> int:
        """The cost counted against the window now (in flight included)."""
        self._expire(self._clock())
        return self._in_flight + self._answered_cost

    def _expire(self, now: float) -> None:
        # The server forgets a request W after its stamp (graphsync/sandbox/limits.py: stamp <= now - W).
        while self._answered and self._answered[0][0] <= now - self.seconds:
            self._answered_cost -= self._answered.popleft()[1]

    def _room_at(self, cost: int) -> float | None:
        """When enough answered entries will have expired for ``cost`` to fit; None when expiries alone
        cannot make room and in-flight entries must be answered first."""
        short = self._in_flight + self._answered_cost + cost - self.capacity
        for stamp, spent in self._answered:
            short -= spent
            if short <= 0:
                return stamp + self.seconds
        return None

    async def reserve(self, cost: int) -> int:
        """Wait for room and take ``cost`` (capped at the capacity, which an empty window always has);
        returns what was taken, to be passed to `answered` or `cancel`."""
        cost = min(cost, self.capacity)
        async with self._turn:
            while True:
                now = self._clock()
                self._expire(now)
                if self._in_flight + self._answered_cost + cost <= self.capacity:
                    break
                when = self._room_at(cost)
                if when is None:
                    self._answer.clear()
                    await self._answer.wait()
                else:
                    # Loop, not trust: a sleep may end a clock tick early.
                    await self._sleep(max(0.0, when - now))
            self._in_flight += cost
        return cost

    def answered(self, cost: int) -> None:
        """A reserved request's answer (or its failure) arrived: it now expires a window from this moment."""
        self._in_flight -= cost
        self._answered.append((self._clock(), cost))
        self._answered_cost += cost
        self._answer.set()

    def cancel(self, cost: int) -> None:
        """A reserved request was never sent: give its room back."""
        self._in_flight -= cost
        self._answer.set()
