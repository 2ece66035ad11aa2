"""The migration scripts against the embedded CRONUS company (with the add-in's tables as the add-in left them)
and an in-process sandbox holding the add-in's items: a folder with a config, a runner for scripts/*.py (loaded
as modules and invoked in-process, as the CLI tests invoke `graphsync`), and the `graphsync` CLI for ordinary
runs. ``odata`` serves the same company as NAV 2018 (or Business Central) over OData (`graphsync.navservice`,
on a real local socket) and points the world's config at it. No test touches the real keyring or home
directory."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from graphsync.auth.connections import Connections
from graphsync.cli import auth as cli_auth
from graphsync.cli.main import cli
from graphsync.demo.addin import stage_addin_items
from graphsync.engine.state import StateStore
from graphsync.graph.stamping import NAV_KEY_PROPERTY, TASK_APPLICATION, property_id
from graphsync.nav.embedded import EmbeddedNav
from graphsync.navservice.app import create_app as create_nav_app
from graphsync.navservice.pages import PROFILES, Publication
from graphsync.navservice.server import serve
from graphsync.sandbox import SandboxState, create_app
from tests.auth.conftest import MemoryKeyring
from tests.cli.conftest import memory_keyring  # noqa: F401 (the fixture, shared)
from tests.nav_odata.conftest import Served

EH = "eh@contoso.com"
LT = "lt@contoso.com"
BASE_URL = "http://sandbox.test/v1.0"
SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
NAV_KEY = property_id(NAV_KEY_PROPERTY)


def config_text(*, user: str = EH, extra: str = "") -> str:
    return (
        '[nav]\nkind = "embedded"\npath = "nav.sqlite"\n\n'
        f'[graph]\nkind = "sandbox"\nbase_url = "{BASE_URL}"\nsandbox_user = "{user}"\n\n'
        '[state]\npath = "state.sqlite"\n' + extra
    )


def odata_config_text(url: str, *, user: str = EH, flavour: str = "nav") -> str:
    """The config of a NAV reached over OData at ``url`` (navservice: any Basic credentials do)."""
    return (
        f'[nav]\nkind = "odata"\n\n[nav.odata]\nbase_url = "{url}"\ncompany = "CRONUS UK Ltd."\n'
        f'flavour = "{flavour}"\nauth = "basic"\nusername = "SYNC"\npassword = "env:GS_TEST_NAV_KEY"\n\n'
        f'[graph]\nkind = "sandbox"\nbase_url = "{BASE_URL}"\nsandbox_user = "{user}"\n\n'
        '[state]\npath = "state.sqlite"\n'
    )


def script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"graphsync_script_{name}", SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class World:
    root: Path
    sandbox: SandboxState = field(default_factory=lambda: SandboxState.seeded(EH, LT))
    outputs: list[str] = field(default_factory=list)

    @property
    def config(self) -> Path:
        return self.root / "graphsync.toml"

    @property
    def nav_path(self) -> Path:
        return self.root / "nav.sqlite"

    def nav(self) -> EmbeddedNav:
        return EmbeddedNav(self.nav_path)

    def store(self) -> StateStore:
        return StateStore(self.root / "state.sqlite")

    def connections(self) -> Connections:
        return Connections(
            graph_transport=httpx.ASGITransport(app=create_app(self.sandbox)), state_dir=self.root / "state"
        )

    def _check(self, result: Result, expect: int | None) -> Result:
        self.outputs.append(result.output)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        if expect is not None:
            assert result.exit_code == expect, result.output
        return result

    def script(self, name: str, *args: str, expect: int | None = 0, config: Path | None = None) -> Result:
        """scripts/NAME.py ARGS with this world's config (or ``config``), run in the world's folder; for
        migrate_addin the first of ARGS is the subcommand."""
        module = script(name)
        chosen = ["--config", str(config or self.config)]
        argv = [args[0], *chosen, *args[1:]] if name == "migrate_addin" else [*chosen, *args]
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(self.root)
            result = CliRunner().invoke(module.main, argv)
        return self._check(result, expect)

    def script_json(self, name: str, *args: str, expect: int | None = 0, config: Path | None = None) -> Any:
        result = self.script(name, *args, "--json", expect=expect, config=config)
        return json.loads(result.stdout)

    def graphsync(self, *args: str, expect: int | None = 0, config: Path | None = None) -> Result:
        return self._check(CliRunner().invoke(cli, ["--config", str(config or self.config), *args]), expect)

    def sync_json(self, *args: str, expect: int | None = 0, config: Path | None = None) -> Any:
        return json.loads(self.graphsync("sync", *args, "--json", expect=expect, config=config).stdout)

    # ------------------------------------------------------------------ Outlook as its user sees it

    def graph(
        self, method: str, url: str, body: dict[str, Any] | None = None, *, user: str = EH, immutable: bool = True
    ) -> Any:
        async def call() -> Any:
            transport = httpx.ASGITransport(app=create_app(self.sandbox))
            headers = {"Authorization": f"Bearer sandbox:{user}"}
            if immutable:
                headers["Prefer"] = 'IdType="ImmutableId"'
            async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
                response = await client.request(method, url, json=body, headers=headers)
                assert response.status_code < 300, response.text
                return response.json() if response.content else None

        return asyncio.run(call())

    def contacts(self, user: str = EH) -> list[dict[str, Any]]:
        """Every contact of every folder (the default one included), with the NAV key stamp expanded."""
        expand = f"?$top=999&$expand=singleValueExtendedProperties($filter=id eq '{NAV_KEY}')"
        found = [dict(c, folder="Contacts") for c in self.graph("GET", f"/me/contacts{expand}", user=user)["value"]]
        for folder in self.graph("GET", "/me/contactFolders", user=user)["value"]:
            items = self.graph("GET", f"/me/contactFolders/{folder['id']}/contacts{expand}", user=user)["value"]
            found += [dict(c, folder=folder["displayName"]) for c in items]
        return found

    def events(self, user: str = EH) -> list[dict[str, Any]]:
        expand = f"?$top=999&$expand=singleValueExtendedProperties($filter=id eq '{NAV_KEY}')"
        return list(self.graph("GET", f"/me/events{expand}", user=user)["value"])

    def tasks(self, user: str = EH) -> list[dict[str, Any]]:
        found = []
        for lst in self.graph("GET", "/me/todo/lists", user=user)["value"]:
            items = self.graph("GET", f"/me/todo/lists/{lst['id']}/tasks?$top=999&$expand=linkedResources", user=user)
            found += [dict(t, folder=lst["displayName"]) for t in items["value"]]
        return found


def nav_key_of(item: dict[str, Any]) -> str | None:
    for p in item.get("singleValueExtendedProperties") or []:
        if p["id"].lower() == NAV_KEY.lower() and p.get("value"):
            return str(p["value"])
    for r in item.get("linkedResources") or []:
        if r.get("applicationName") == TASK_APPLICATION:
            return str(r.get("externalId"))
    return None


@pytest.fixture(scope="session")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("nav") / "nav.sqlite"
    EmbeddedNav.create(path, demo=True).close()
    return path


@pytest.fixture
def world(
    tmp_path: Path,
    company: Path,
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,  # noqa: F811 (the imported fixture)
    caplog: pytest.LogCaptureFixture,
) -> Iterator[World]:
    """The demo company, the add-in's items in the sandbox, and the config of EH (the embedded defaults)."""
    w = World(tmp_path)
    w.nav_path.write_bytes(company.read_bytes())
    w.config.write_text(config_text(), encoding="utf-8")
    with w.nav() as nav:
        stage_addin_items(nav, w.sandbox)
    monkeypatch.setattr(cli_auth, "connections", w.connections)
    monkeypatch.setenv("GRAPHSYNC_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("GRAPHSYNC_CONFIG", raising=False)
    caplog.set_level(logging.DEBUG)
    yield w
    everything = "\n".join([*w.outputs, *(r.getMessage() for r in caplog.records)])
    assert "sandbox:eh@contoso.com" not in everything


@pytest.fixture(scope="session")
def navservice(company: Path) -> Iterator[Served]:
    """One NAV OData service for the session, pointed at each test's company by `odata`."""
    idle = EmbeddedNav(company, user_id="IDLE")
    app = create_nav_app(idle, max_page_size=1000)
    with serve(app) as base:
        yield Served(f"{base}/NAV/ODataV4", app.state.service)
    idle.close()


@pytest.fixture
def odata(world: World, navservice: Served, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``odata(publication)``: the world's company served as ``publication`` (a profile name of
    `graphsync.navservice.pages.PROFILES`, or a `Publication`), and the world's config pointed at it."""
    served: list[EmbeddedNav] = []
    idle = navservice.service.nav
    monkeypatch.setenv("GS_TEST_NAV_KEY", "web-service-access-key")

    def make(publication: str | Publication = "nav2018-graphsync") -> World:
        chosen = PROFILES[publication] if isinstance(publication, str) else publication
        nav = EmbeddedNav(world.nav_path, user_id="ODATA")
        served.append(nav)
        navservice.service.nav = nav
        navservice.service.publication = chosen
        flavour = "bc" if isinstance(publication, str) and publication.startswith("bc") else "nav"
        world.config.write_text(odata_config_text(navservice.url, flavour=flavour), encoding="utf-8")
        return world

    yield make
    navservice.service.nav = idle
    for nav in served:
        nav.close()
