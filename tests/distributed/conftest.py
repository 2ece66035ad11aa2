"""A cluster per test: the sandbox, a NAV company of 20 salespeople, PostgreSQL and Redis (`tests.services`)."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphsync.sandbox import SandboxState
from tests.distributed.cluster import Cluster, make_company
from tests.reliability.harness import serve_sandbox
from tests.services import RedisServer


@pytest.fixture(scope="session")
def company(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    path = tmp_path_factory.mktemp("company") / "nav.sqlite"
    return path, make_company(path)


@pytest.fixture
def cluster(
    tmp_path: Path, company: tuple[Path, list[str]], postgres_url: str, redis_server: RedisServer
) -> Iterator[Cluster]:
    path, mailboxes = company
    shutil.copyfile(path, tmp_path / "nav.sqlite")
    state = SandboxState.seeded(*mailboxes)  # the tenant's users: Graph answers 404 for any other
    with serve_sandbox(state) as (url, _switch):
        cluster = Cluster(tmp_path, url, state, postgres_url, mailboxes)
        cluster.write_config(
            broker=redis_server.url,
            backend=redis_server.url,
            prefix=redis_server.prefix,
            queue=f"graphsync-test-{secrets.token_hex(4)}",
        )
        try:
            yield cluster
        finally:
            cluster.close()
