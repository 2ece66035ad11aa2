from __future__ import annotations

import asyncio
import threading

import pytest

from graphsync.auth.token_memo import IssuedToken, TokenMemo
from graphsync.errors import GraphAuthError


class Issuer:
    def __init__(self, lifetime: float) -> None:
        self.now = 1000.0
        self.lifetime = lifetime
        self.calls = 0
        self.threads: set[int] = set()

    def clock(self) -> float:
        return self.now

    def fetch(self) -> IssuedToken:
        self.calls += 1
        self.threads.add(threading.get_ident())
        return IssuedToken(f"token-{self.calls}", self.now + self.lifetime)


async def test_concurrent_callers_share_one_fetch() -> None:
    issuer = Issuer(lifetime=3600)
    memo = TokenMemo(issuer.fetch, clock=issuer.clock)
    tokens = await asyncio.gather(*(memo.token() for _ in range(20)))
    assert set(tokens) == {"token-1"} and issuer.calls == 1
    assert threading.get_ident() not in issuer.threads  # the blocking fetch ran in a worker thread


async def test_fetches_again_inside_the_margin() -> None:
    issuer = Issuer(lifetime=3600)
    memo = TokenMemo(issuer.fetch, clock=issuer.clock, margin=300)
    assert await memo.token() == "token-1"
    issuer.now += 3600 - 301
    assert await memo.token() == "token-1"
    issuer.now += 2
    assert await memo.token() == "token-2"


async def test_a_short_lived_token_is_never_kept() -> None:
    issuer = Issuer(lifetime=60)  # shorter than the margin
    memo = TokenMemo(issuer.fetch, clock=issuer.clock, margin=300)
    await memo.token()
    await memo.token()
    assert issuer.calls == 2


async def test_a_failed_fetch_keeps_nothing() -> None:
    def fail() -> IssuedToken:
        raise GraphAuthError("revoked", code="invalid_grant")

    memo = TokenMemo(fail)
    with pytest.raises(GraphAuthError):
        await memo.token()
    with pytest.raises(GraphAuthError):
        await memo.token()
