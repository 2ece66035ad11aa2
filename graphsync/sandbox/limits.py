"""Outlook's per-mailbox limits and the injected faults, applied to each request for a mailbox.

Graph counts every request of a batch against the mailbox's limits (concepts/throttling.md, "Throttling
and batching"), so a batch item goes through `admit` exactly like a plain request.
"""

from __future__ import annotations

import math
import time

from graphsync.sandbox.state import SandboxState
from graphsync.sandbox.store import Mailbox
from graphsync.sandbox.wire import throttled

_FAULT_CODES = {
    429: ("TooManyRequests", "Too many requests; retry after the time given in Retry-After."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable; retry after the time given in Retry-After."),
    504: ("GatewayTimeout", "The gateway timed out; retry after the time given in Retry-After."),
}


def admit(state: SandboxState, mailbox: Mailbox, method: str) -> None:
    """Count the request and let it in, or raise the 429/503/504 Graph would answer.

    A request that got in must be `release`d when it is done (it holds one of the concurrent slots).
    """
    mailbox.requests[method] = mailbox.requests.get(method, 0) + 1
    faults = state.faults
    if faults.error_rate and state.rng.random() < faults.error_rate:
        status = state.rng.choice(faults.error_statuses)
        code, message = _FAULT_CODES.get(status, ("ServiceUnavailable", "Injected fault."))
        raise throttled(message, faults.retry_after, status=status, code=code)
    limits = state.limits
    if limits.window_requests is not None:
        now = time.monotonic()
        window = mailbox.window
        horizon = now - limits.window_seconds
        while window and window[0] <= horizon:
            window.popleft()
        if len(window) >= limits.window_requests:
            wait = window[0] + limits.window_seconds - now
            raise throttled(
                "Application is over its MailboxRequestRate limit (requests per window); retry after the time "
                "given in Retry-After.",
                max(1, math.ceil(wait)),
            )
        window.append(now)
    if limits.concurrent is not None and mailbox.in_flight >= limits.concurrent:
        raise throttled("Application is over its MailboxConcurrency limit.", 1)
    mailbox.in_flight += 1


def release(mailbox: Mailbox) -> None:
    mailbox.in_flight -= 1
