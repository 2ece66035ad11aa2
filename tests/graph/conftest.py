"""The Graph client's tests run against the sandbox in-process (the one Graph double); wire-level edge cases
the sandbox does not produce use respx or httpx.MockTransport on `BASE`.

``make_mailbox()`` is a GraphMailbox signed in as `USER` (delegated; ``upn=...`` with ``tokens=app_token()``
for app-only) over a `Recorder` in front of the sandbox, so a test can check what was sent; ``outlook`` is the
person in their own Outlook (the same sandbox, their own token), for changes made outside graphsync.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from graphsync.auth.sandbox import SandboxTokenSource
from graphsync.graph import GraphMailbox, GraphMailboxOptions
from graphsync.graph.options import RetryPolicy
from graphsync.sandbox import SandboxState, create_app

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
USER = "eh@contoso.com"
ANNA = "anna@contoso.com"
SANDBOX = "http://sandbox/v1.0"
BASE = "https://graph.test/v1.0"
"""Where respx and MockTransport tests pretend Graph is (no sandbox behind it)."""


class Sleeps(list[float]):
    """Records the waits the client asks for instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@dataclass(frozen=True)
class Exchange:
    request: httpx.Request
    status: int
    body: bytes


class Recorder(httpx.AsyncBaseTransport):
    """A transport in front of another that keeps every request as sent and its answer: what a test checks of
    the wire (headers, links followed, tokens)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.exchanges: list[Exchange] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        self.exchanges.append(Exchange(request, response.status_code, body))
        return httpx.Response(response.status_code, headers=response.headers, content=body, request=request)

    @property
    def requests(self) -> list[httpx.Request]:
        return [e.request for e in self.exchanges]

    def clear(self) -> None:
        self.exchanges.clear()


@pytest.fixture
def sandbox() -> SandboxState:
    return SandboxState.seeded(USER, ANNA)


@pytest.fixture
def wire(sandbox: SandboxState) -> Recorder:
    return Recorder(httpx.ASGITransport(app=create_app(sandbox)))


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def outlook(sandbox: SandboxState) -> AsyncIterator[httpx.AsyncClient]:
    """The person, in their own Outlook: paths relative to /v1.0, ``/me`` is `USER`."""
    transport = httpx.ASGITransport(app=create_app(sandbox))
    headers = {"Authorization": f"Bearer sandbox:{USER}"}
    async with httpx.AsyncClient(transport=transport, base_url=SANDBOX, headers=headers) as client:
        yield client


async def json_of(response: httpx.Response) -> Any:
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


MailboxFactory = Callable[..., GraphMailbox]


@pytest.fixture
async def make_mailbox(wire: Recorder, sleeps: Sleeps) -> AsyncIterator[MailboxFactory]:
    clients: list[httpx.AsyncClient] = []

    def make(**kw: Any) -> GraphMailbox:
        options = kw.pop("options", None) or GraphMailboxOptions(
            page_size=5, user_fields=("Territory Code",), retry=RetryPolicy(max_attempts=4)
        )
        client = httpx.AsyncClient(transport=wire, base_url=SANDBOX)
        clients.append(client)
        return GraphMailbox(
            upn=kw.pop("upn", None),
            client=client,
            tokens=kw.pop("tokens", None) or SandboxTokenSource(USER),
            options=options,
            sleep=sleeps,
            rng=random.Random(7),
            now=lambda: NOW,
            **kw,
        )

    yield make
    for client in clients:
        await client.aclose()


def app_token() -> SandboxTokenSource:
    """The sandbox app's token: an app-only run."""
    return SandboxTokenSource(None)


def items_of(sandbox: SandboxState, kind: str, upn: str = USER) -> list[Any]:
    """Every stored item of ``kind`` ("contact", "event", "todoTask", "contactFolder", ...) in ``upn``'s mailbox."""
    mailbox = sandbox.mailboxes[upn]
    return [item for coll in mailbox.collections.values() for item in coll.items.values() if item.kind == kind]
