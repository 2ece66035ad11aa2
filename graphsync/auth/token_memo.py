"""The last access token, kept until shortly before it expires.

The Graph pipeline asks for a token on every request. MSAL and azure-identity both answer from their caches,
but only after a hop to a worker thread (they block) and a search of the cache; a token that is valid for
the next five minutes can be handed out directly instead.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

REFRESH_MARGIN_SECONDS = 300.0
"""Ask again this long before expiry: a request must never leave with a token that expires on its way.
MSAL itself refreshes tokens with less than five minutes left."""


@dataclass(frozen=True)
class IssuedToken:
    value: str
    expires_at: float
    """Seconds since the epoch."""


class TokenMemo:
    """Calls ``fetch`` (blocking) in a worker thread when there is no token valid past the margin, one caller
    at a time; every other call returns the kept token."""

    def __init__(
        self,
        fetch: Callable[[], IssuedToken],
        *,
        clock: Callable[[], float] = time.time,
        margin: float = REFRESH_MARGIN_SECONDS,
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._margin = margin
        self._current: IssuedToken | None = None
        self._lock = asyncio.Lock()

    def _fresh(self) -> str | None:
        current = self._current
        if current is not None and current.expires_at - self._margin > self._clock():
            return current.value
        return None

    async def token(self) -> str:
        value = self._fresh()
        if value is not None:
            return value
        async with self._lock:
            value = self._fresh()  # another caller may have fetched while this one waited
            if value is not None:
                return value
            issued = await asyncio.to_thread(self._fetch)
            self._current = issued
            return issued.value
