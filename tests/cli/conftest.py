"""A folder with a config, an embedded NAV company (CRONUS demo data) and an in-process sandbox, and a runner
that invokes `graphsync` against them. No test touches the real keyring or home directory: the token store is
the folder's ``state`` directory and the keyring an in-memory one."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import keyring
import pytest
from click.testing import CliRunner, Result

from graphsync.auth.connections import Connections
from graphsync.cli import auth as cli_auth
from graphsync.cli.main import cli
from graphsync.connectors.nav import NavTable
from graphsync.nav.embedded import EmbeddedNav
from graphsync.sandbox import SandboxState, create_app
from tests.auth.conftest import MemoryKeyring

USER = "eh@contoso.com"
OTHER = "of@contoso.com"
"""Otis Falls: the other salesperson whose mailbox the tenant (the sandbox) holds."""
BASE_URL = "http://sandbox.test/v1.0"
DEMO_MAILBOXES = [f"{code}@contoso.com" for code in ("bc", "eh", "hr", "jo", "lt", "of", "rb")]
"""CRONUS's salespeople, each with E-Mail <code>@contoso.com."""


def config_text(*, base_url: str = BASE_URL, extra: str = "") -> str:
    return (
        '[nav]\nkind = "embedded"\npath = "nav.sqlite"\n\n'
        f'[graph]\nkind = "sandbox"\nbase_url = "{base_url}"\nsandbox_user = "{USER}"\n\n'
        '[state]\npath = "state.sqlite"\n' + extra
    )


@dataclass
class World:
    root: Path
    sandbox: SandboxState = field(default_factory=lambda: SandboxState.seeded(USER, OTHER))
    outputs: list[str] = field(default_factory=list)

    @property
    def config(self) -> Path:
        return self.root / "graphsync.toml"

    @property
    def nav_path(self) -> Path:
        return self.root / "nav.sqlite"

    def nav(self) -> EmbeddedNav:
        return EmbeddedNav(self.nav_path)

    def connections(self) -> Connections:
        return Connections(
            graph_transport=httpx.ASGITransport(app=create_app(self.sandbox)), state_dir=self.root / "state"
        )

    def run(self, *args: str, expect: int | None = 0) -> Result:
        result = CliRunner().invoke(cli, ["--config", str(self.config), *args])
        self.outputs.append(result.output)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        if expect is not None:
            assert result.exit_code == expect, result.output
        return result

    def run_json(self, *args: str, expect: int | None = 0) -> Any:
        result = self.run(*args, "--json", expect=expect)
        return json.loads(result.stdout)


@pytest.fixture(scope="session")
def nav_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("nav") / "nav.sqlite"
    EmbeddedNav.create(path, demo=True).close()
    return path


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def world(
    tmp_path: Path,
    nav_template: Path,
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
    caplog: pytest.LogCaptureFixture,
) -> Iterator[World]:
    w = World(tmp_path)
    w.nav_path.write_bytes(nav_template.read_bytes())
    w.config.write_text(config_text(), encoding="utf-8")
    monkeypatch.setattr(cli_auth, "connections", w.connections)
    monkeypatch.setenv("GRAPHSYNC_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("GRAPHSYNC_CONFIG", raising=False)
    caplog.set_level(logging.DEBUG)
    yield w
    # Whatever a test did, no token reached the screen or a log line.
    everything = "\n".join([*w.outputs, *(r.getMessage() for r in caplog.records)])
    assert "sandbox:eh@contoso.com" not in everything


def graph(world: World, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    """A request to the sandbox as the user's Outlook would make it (paths relative to /v1.0)."""

    async def call() -> Any:
        transport = httpx.ASGITransport(app=create_app(world.sandbox))
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            response = await client.request(method, url, json=body, headers={"Authorization": f"Bearer sandbox:{USER}"})
            assert response.status_code < 300, response.text
            return response.json() if response.content else None

    return asyncio.run(call())


def outlook_contact(world: World, display_name: str) -> dict[str, Any]:
    folders = graph(world, "GET", "/me/contactFolders")["value"]
    folder = next(f for f in folders if f["displayName"] == "Dynamics NAV")
    contacts = graph(world, "GET", f"/me/contactFolders/{folder['id']}/contacts?$top=500")["value"]
    found: dict[str, Any] = next(c for c in contacts if c["displayName"] == display_name)
    return found


def make_phone_conflict(world: World) -> str:
    """Sync, then change CT100006's phone differently on both sides: one conflict, on businessPhones[0]."""
    world.run("sync")
    contact = outlook_contact(world, "A. Gibson's Law Firm")
    with world.nav() as nav:
        nav.modify(NavTable.CONTACT, ("CT100006",), {"Phone No.": "1234567"}, if_match="*")
    graph(world, "PATCH", f"/me/contacts/{contact['id']}", {"businessPhones": ["7654321"]})
    world.run("sync", expect=1)
    return "5050:CT100006"


@pytest.fixture
def tenant_users(world: World) -> None:
    """CRONUS's salespeople as the tenant's users: Graph answers 404 for any other (docs/sandbox.md, "Users")."""
    for upn in DEMO_MAILBOXES:
        world.sandbox.seed_user(upn)
