"""A NAV-style OData service over a fresh CRONUS company per test, on a real local socket.

One uvicorn server runs for the whole session; each test points it at its own copy of the demo company
(`NavODataService.nav`), which is much faster than starting a server per test.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from graphsync.cli import auth as cli_auth
from graphsync.nav.embedded import EmbeddedNav
from graphsync.nav.odata.connector import ODataNav
from graphsync.navservice.app import NavODataService, create_app
from graphsync.navservice.pages import PROFILES, Publication
from graphsync.navservice.server import serve
from tests.cli.conftest import BASE_URL, USER, World, memory_keyring

__all__ = ["memory_keyring"]  # the in-memory keyring fixture, for `odata_world`

COMPANY = "CRONUS UK Ltd."


@pytest.fixture(scope="session")
def odata_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("nav_odata") / "template.sqlite"
    EmbeddedNav.create(path, user_id="TEMPLATE").close()
    return path


@dataclass
class Served:
    url: str
    """The OData V4 root: http://127.0.0.1:PORT/NAV/ODataV4"""
    service: NavODataService


@pytest.fixture(scope="session")
def served(odata_template: Path) -> Iterator[Served]:
    holder = EmbeddedNav(odata_template, user_id="IDLE")
    app = create_app(holder, max_page_size=1000)
    with serve(app) as base:
        yield Served(f"{base}/NAV/ODataV4", app.state.service)
    holder.close()


@pytest.fixture
def company(odata_template: Path, tmp_path: Path, served: Served) -> Iterator[EmbeddedNav]:
    """A fresh copy of the demo company, served by the OData service for this test."""
    path = tmp_path / "nav.sqlite"
    path.write_bytes(odata_template.read_bytes())
    nav = EmbeddedNav(path, user_id="ODATA")
    served.service.nav = nav
    served.service.publication = Publication()
    served.service.max_page_size = 1000
    served.service.credentials = None
    served.service.server_time_zone = None
    yield nav
    nav.close()


@pytest.fixture
def connect(served: Served, company: EmbeddedNav) -> Iterator[object]:
    """Makes ODataNav connectors to the served company; closes them after the test."""
    made: list[ODataNav] = []

    def make(**kw: object) -> ODataNav:
        client = httpx.Client(timeout=10)
        nav = ODataNav(client, base_url=served.url, company=COMPANY, **kw)  # type: ignore[arg-type]
        made.append(nav)
        return nav

    yield make
    for nav in made:
        nav.close()


def odata_config(url: str, extra: str = "") -> str:
    return (
        f'[nav]\nkind = "odata"\n\n[nav.odata]\nbase_url = "{url}"\ncompany = "{COMPANY}"\n'
        'auth = "basic"\nusername = "SYNC"\npassword = "env:GS_TEST_NAV_KEY"\n'
        f"{extra}\n"
        f'[graph]\nkind = "sandbox"\nbase_url = "{BASE_URL}"\nsandbox_user = "{USER}"\n\n'
        '[state]\npath = "state.sqlite"\n'
    )


@pytest.fixture
def odata_world(
    tmp_path: Path,
    served: Served,
    company: EmbeddedNav,
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: Any,
    caplog: pytest.LogCaptureFixture,
) -> Iterator[Callable[..., World]]:
    """A command-line world whose NAV is the served company, published as ``profile``."""
    monkeypatch.setenv("GS_TEST_NAV_KEY", "web-service-access-key")
    monkeypatch.setenv("GRAPHSYNC_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("GRAPHSYNC_CONFIG", raising=False)
    caplog.set_level(logging.INFO)

    def make(profile: str, extra: str = "") -> World:
        served.service.publication = PROFILES[profile]
        w = World(tmp_path)
        w.config.write_text(odata_config(served.url, extra), encoding="utf-8")
        monkeypatch.setattr(cli_auth, "connections", w.connections)
        return w

    yield make
