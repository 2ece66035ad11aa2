from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

import pytest

from graphsync.graph import GraphMailbox, GraphMailboxOptions
from graphsync.graph.options import RetryPolicy
from tests.fakes.tokens import FakeTokens
from tests.graph.fake_graph import FakeGraph

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)


class Sleeps(list[float]):
    """Records the waits the client asks for instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def fake() -> FakeGraph:
    return FakeGraph()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


MailboxFactory = Callable[..., GraphMailbox]


@pytest.fixture
def make_mailbox(fake: FakeGraph, sleeps: Sleeps) -> MailboxFactory:
    def make(**kw: object) -> GraphMailbox:
        options = kw.pop("options", None) or GraphMailboxOptions(
            page_size=5, user_fields=("Territory Code",), retry=RetryPolicy(max_attempts=4)
        )
        return GraphMailbox(
            upn=kw.pop("upn", None),  # type: ignore[arg-type]
            client=kw.pop("client", None) or fake.client(),  # type: ignore[arg-type]
            tokens=FakeTokens(),
            options=options,  # type: ignore[arg-type]
            sleep=sleeps,
            rng=random.Random(7),
            now=lambda: NOW,
            **kw,  # type: ignore[arg-type]
        )

    return make
