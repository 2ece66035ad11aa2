"""The demo's world: a fresh embedded CRONUS company, the sandbox Graph server on a loopback port, a config
file that names both, and everything a sync needs — built from that config, as `graphsync sync` would.

Nothing here reaches a network beyond 127.0.0.1, a keyring or the user's home directory: the demo acts
as Ester Henderson (salesperson EH, ``eh@contoso.com``) with the sandbox's delegated token form.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from graphsync.auth.sandbox import SandboxTokenSource
from graphsync.config import Config, load_config
from graphsync.engine.binding import user_field_names
from graphsync.engine.report import RunReport, SyncOptions
from graphsync.engine.state import StateStore
from graphsync.engine.sync import run_sync
from graphsync.errors import GraphError
from graphsync.graph import GraphMailbox
from graphsync.nav.embedded import EmbeddedNav
from graphsync.runtime.graph import mailbox_options
from graphsync.sandbox import SandboxState, serve

DEMO_USER = "eh@contoso.com"
DEMO_SALESPERSON = "EH"

CONFIG_TEMPLATE = """\
# Written by `graphsync demo`: the embedded CRONUS company and the sandbox Graph server.
[nav]
kind = "embedded"
path = "nav.sqlite"

[graph]
kind = "sandbox"
base_url = "{base_url}/v1.0"
sandbox_user = "{user}"

[state]
path = "graphsync-state.sqlite"
"""


@dataclass
class DemoWorld:
    workdir: Path
    config_path: Path
    config: Config
    nav: EmbeddedNav
    sandbox: SandboxState
    base_url: str
    client: httpx.AsyncClient
    store: StateStore
    user: str = DEMO_USER
    salesperson: str = DEMO_SALESPERSON
    mailbox: GraphMailbox = field(init=False)

    def __post_init__(self) -> None:
        self.mailbox = self._mailbox()

    def _mailbox(self) -> GraphMailbox:
        names = user_field_names(self.config.entities.entities, self.nav, time_zone=self.config.sync.time_zone)
        return GraphMailbox(
            upn=None,
            client=self.client,
            tokens=SandboxTokenSource(self.user),
            options=mailbox_options(self.config.sync, graph=self.config.graph, user_fields=names),
        )

    def append_config(self, text: str) -> None:
        """Add TOML to the config file and reload it: how a person changes a field map, without code."""
        with self.config_path.open("a", encoding="utf-8") as f:
            f.write("\n" + text)
        self.config = load_config(self.config_path)
        self.mailbox = self._mailbox()

    async def sync(self) -> RunReport:
        return await run_sync(
            nav=self.nav,
            mailbox=self.mailbox,
            store=self.store,
            entities=self.config.entities,
            options=SyncOptions(salesperson_code=self.salesperson, time_zone=self.config.sync.time_zone),
        )

    async def outlook(
        self, method: str, path: str, *, body: dict[str, Any] | None = None, params: dict[str, str] | None = None
    ) -> Any:
        """A request as the user's Outlook would make it, straight to the Graph API (not through graphsync)."""
        response = await self.client.request(
            method,
            path,
            json=body,
            params=params,
            headers={"Authorization": f"Bearer {await SandboxTokenSource(self.user).token()}"},
        )
        if response.status_code >= 300:
            raise GraphError(response.text, status=response.status_code, method=method, url=path)
        return response.json() if response.content else None


@contextlib.asynccontextmanager
async def open_world(workdir: Path) -> AsyncIterator[DemoWorld]:
    """Create the company and config in ``workdir``, start the sandbox, and tear everything down after."""
    workdir.mkdir(parents=True, exist_ok=True)
    nav = EmbeddedNav.create(workdir / "nav.sqlite", demo=True)
    sandbox = SandboxState()
    sandbox.seed_user(DEMO_USER, display_name="Ester Henderson")
    with serve(sandbox) as url:
        config_path = workdir / "graphsync.toml"
        config_path.write_text(CONFIG_TEMPLATE.format(base_url=url, user=DEMO_USER), encoding="utf-8")
        config = load_config(config_path)
        store = StateStore(config.state.path)
        async with httpx.AsyncClient(base_url=config.graph.base_url, timeout=30) as client:
            world = DemoWorld(
                workdir=workdir,
                config_path=config_path,
                config=config,
                nav=nav,
                sandbox=sandbox,
                base_url=config.graph.base_url,
                client=client,
                store=store,
            )
            try:
                yield world
            finally:
                await world.mailbox.aclose()
                store.close()
                nav.close()
