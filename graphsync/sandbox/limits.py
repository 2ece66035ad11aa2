"""Outlook's per-mailbox limits and the injected faults: errors applied to each request for a mailbox,
dropped connections and latency spikes to each HTTP request, all counted in `SandboxState.injected`.

Graph counts every request of a batch against the mailbox's limits (concepts/throttling.md, "Throttling
and batching"), so a batch item goes through `admit` exactly like a plain request.
"""

from __future__ import annotations

import math
import time

from graphsync.sandbox.state import DropWhen, SandboxState
from graphsync.sandbox.store import Mailbox
from graphsync.sandbox.wire import throttled

_FAULT_CODES = {
    429: ("TooManyRequests", "Too many requests"),
    503: ("ServiceUnavailable", "The service is temporarily unavailable"),
    504: ("GatewayTimeout", "The gateway timed out"),
}


def draw_drop(state: SandboxState) -> DropWhen | None:
    """Whether this HTTP request loses its connection, and when; counted in `SandboxState.injected`.

    One draw for both kinds, so that a seeded run without ``drop_before_rate`` makes the same choices it
    made before that rate existed."""
    faults = state.faults
    state.injected.http_requests += 1
    if not (faults.drop_rate or faults.drop_before_rate):
        return None
    roll = state.rng.random()
    if roll >= faults.drop_before_rate + faults.drop_rate:
        return None
    when = DropWhen.BEFORE_HANDLING if roll < faults.drop_before_rate else faults.drop_when
    state.injected.drops[when] += 1
    return when


def draw_spike(state: SandboxState) -> float:
    """Seconds this HTTP request waits before it is handled: ``spike_seconds`` for ``spike_rate`` of them."""
    faults = state.faults
    if not (faults.spike_rate and state.rng.random() < faults.spike_rate):
        return 0.0
    state.injected.spikes += 1
    return faults.spike_seconds


def admit(state: SandboxState, mailbox: Mailbox, method: str) -> None:
    """Count the request and let it in, or raise the 429/503/504 Graph would answer.

    A request that got in must be `release`d when it is done (it holds one of the concurrent slots).
    """
    mailbox.requests[method] = mailbox.requests.get(method, 0) + 1
    faults = state.faults
    injected = state.injected
    injected.mailbox_requests += 1
    if faults.error_rate and state.rng.random() < faults.error_rate:
        status = state.rng.choice(faults.error_statuses)
        # Drawn only when asked for, so that seeded runs without it keep the choices they made before.
        bare = status != 429 and faults.without_retry_after > 0 and state.rng.random() < faults.without_retry_after
        injected.errors[status] += 1
        injected.without_retry_after += bare
        code, what = _FAULT_CODES.get(status, ("ServiceUnavailable", "Injected fault"))
        if bare:
            raise throttled(f"{what}; try again after a delay.", None, status=status, code=code)
        raise throttled(
            f"{what}; retry after the time given in Retry-After.", faults.retry_after, status=status, code=code
        )
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
