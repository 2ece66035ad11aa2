"""The mailbox's concurrent Outlook requests, as Outlook counts them.

Outlook runs at most 4 requests at a time per app and mailbox (concepts/throttling-limits.md, "Limits per
app ID"), and each item of a ``$batch`` is one of them: a batch without ``dependsOn`` runs up to 4 of its
items at once, a batch chained along ``dependsOn`` one ("Outlook service limits for JSON batching"). So a
request takes as many of the mailbox's slots as it can run Outlook requests at once: a plain request one,
a batch of k independent items min(k, 4), a chained batch one. `MailboxSlots` hands them out so that
the requests in flight never add up to more than the mailbox allows, and a request the server would
answer 429 is never sent.
"""

from __future__ import annotations

import asyncio
from collections import deque


class MailboxSlots:
    """A counting semaphore whose callers take several units at once, served in order of arrival.

    First come, first served: a batch waiting for four slots is not overtaken by single requests that
    keep arriving (it would wait for ever while one of them is always running)."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("a mailbox has at least one slot")
        self.capacity = capacity
        self._free = capacity
        self._waiting: deque[tuple[int, asyncio.Future[None]]] = deque()

    @property
    def free(self) -> int:
        return self._free

    async def acquire(self, count: int) -> int:
        """Wait until ``count`` slots (capped at the capacity) are free and take them; returns the number
        taken, to be given back to `release`."""
        count = max(1, min(count, self.capacity))
        if not self._waiting and self._free >= count:
            self._free -= count
            return count
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (count, future)
        self._waiting.append(entry)
        try:
            await future
        except BaseException:
            if future.done() and not future.cancelled():
                self.release(count)  # granted just as the waiter was cancelled: give them back
            else:
                self._waiting.remove(entry)
                self._wake()
            raise
        return count

    def release(self, count: int) -> None:
        self._free += count
        self._wake()

    def _wake(self) -> None:
        while self._waiting and self._waiting[0][1].done():
            self._waiting.popleft()  # cancelled waiters
        while self._waiting and self._free >= self._waiting[0][0]:
            count, future = self._waiting.popleft()
            if future.done():
                continue
            self._free -= count
            future.set_result(None)
