"""Fixtures of the reliability tests: one small NAV company per session, copied into each world."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from graphsync.sandbox import SandboxState
from tests.reliability.harness import USER, InProcess, make_company, serve_sandbox


@pytest.fixture(scope="session")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """CRONUS plus a few dozen contacts and some of EH's to-dos."""
    path = tmp_path_factory.mktemp("company") / "nav.sqlite"
    make_company(path)
    return path


@pytest.fixture
def page_size() -> int:
    return 200


@pytest.fixture
async def inproc(tmp_path: Path, company: Path, page_size: int) -> AsyncIterator[InProcess]:
    """The engine in this process against the sandbox served on a loopback port (real HTTP)."""
    state = SandboxState.seeded(USER)
    with serve_sandbox(state) as (url, switch):
        world = InProcess(tmp_path, company, url, state, switch, page_size=page_size)
        try:
            yield world
        finally:
            await world.aclose()
